"""`--diff`: what `--fix` would change, as a unified diff that `patch -p0` or `git apply`
accepts (bytes as they are: a CRLF or a BOM shows in the diff as it is in the file).

A `fix.Sink`: the fixer tells it each line kept or replaced; it keeps three lines of context
around changes and writes each hunk as soon as it is complete, so memory stays bounded
whatever the file's size.
"""

from __future__ import annotations

from collections import deque
from typing import BinaryIO

CONTEXT = 3
# A line kept only as context is cut past this (a line can be up to max-line-bytes long).
_CONTEXT_LIMIT = 64 * 1024
_NO_NEWLINE = b"\\ No newline at end of file\n"


class UnifiedDiff:
    """Writes the diff of one file to a binary stream; `finish` ends it."""

    def __init__(self, out: BinaryIO, name: str) -> None:
        self.out = out
        self.name = name.encode("utf-8", "surrogateescape")
        self.old_line = 0  # original lines passed so far
        self.new_line = 0  # fixed lines written so far
        self.before: deque[bytes] = deque(maxlen=CONTEXT)
        self.hunk: list[tuple[bytes, bytes]] | None = None  # (b" ", b"-" or b"+", line)
        self.start = (0, 0)  # the hunk's first old and new line numbers
        self.after = 0  # context lines since the hunk's last change
        self.pending = b""  # a line too long to come whole (the fixer passes it in pieces)
        self.changed_any = False
        self.headed = False  # the file's two header lines are written

    def same(self, raw: bytes) -> None:
        if not raw.endswith(b"\n"):  # a piece of a long line, or the file's last line
            if len(self.pending) < _CONTEXT_LIMIT:
                self.pending += raw[: _CONTEXT_LIMIT - len(self.pending)]
            return
        if self.pending:
            raw = (self.pending + raw)[:_CONTEXT_LIMIT]
            self.pending = b""
        self._same(raw)

    def _same(self, raw: bytes) -> None:
        self.old_line += 1
        self.new_line += 1
        if self.hunk is None:
            self.before.append(raw)
            return
        self.hunk.append((b" ", raw))
        self.after += 1
        if self.after > 2 * CONTEXT:  # too far from the last change: the hunk is complete
            extra = self.after - CONTEXT
            self.before.extend(line for _, line in self.hunk[-extra:])
            del self.hunk[-extra:]
            self._write_hunk()

    def changed(self, old: list[bytes], new: list[bytes]) -> None:
        self.changed_any = True
        if self.pending:  # not expected: the fixer ends a long line before a change
            self._same(self.pending)
            self.pending = b""
        if self.hunk is None:
            self.hunk = [(b" ", line) for line in self.before]
            self.start = (
                self.old_line - len(self.before) + 1,
                self.new_line - len(self.before) + 1,
            )
            self.before.clear()
        self.hunk.extend((b"-", line) for line in old)
        self.hunk.extend((b"+", line) for line in new)
        self.old_line += len(old)
        self.new_line += len(new)
        self.after = 0

    def finish(self) -> None:
        """Writes the last hunk."""
        if self.pending:
            self._same(self.pending)
            self.pending = b""
        if self.hunk is not None:
            extra = max(self.after - CONTEXT, 0)
            if extra:
                del self.hunk[-extra:]
            self._write_hunk()

    def _write_hunk(self) -> None:
        assert self.hunk is not None
        if not self.headed:
            self.out.write(b"--- " + self.name + b"\n+++ " + self.name + b"\n")
            self.headed = True
        old_count = sum(1 for op, _ in self.hunk if op != b"+")
        new_count = sum(1 for op, _ in self.hunk if op != b"-")
        old_start = self.start[0] if old_count else self.start[0] - 1
        new_start = self.start[1] if new_count else self.start[1] - 1
        self.out.write(f"@@ -{old_start},{old_count} +{new_start},{new_count} @@\n".encode("ascii"))
        for op, line in self.hunk:
            self.out.write(op + line)
            if not line.endswith(b"\n"):
                self.out.write(b"\n" + _NO_NEWLINE)
        self.hunk = None
