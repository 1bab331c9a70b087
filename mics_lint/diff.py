"""`--diff`: what `--fix` would change, as a unified diff that `patch -p0` or `git apply`
accepts (bytes as they are: a CRLF or a BOM shows in the diff as it is in the file).

A `fix.Sink`: the fixer tells it each line kept or replaced; it keeps three lines of context
around changes and writes each hunk as soon as it is complete, so memory stays bounded
whatever the file's size and the hunk's.
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from mics_lint.fix import Lines

CONTEXT = 3
# A line kept only as context is cut past this (a line can be up to max-line-bytes long).
_CONTEXT_LIMIT = 64 * 1024
_NO_NEWLINE = b"\\ No newline at end of file\n"


class UnifiedDiff:
    """Writes the diff of one file to a binary stream; `finish` ends it.

    A hunk's header counts its lines, so a hunk is spooled (to a temporary file past a few
    MiB: a file whose every line changes is one hunk) and written once complete.
    """

    def __init__(self, out: BinaryIO, name: bytes) -> None:
        self.out = out
        self.name = _quoted(name)
        self.old_line = 0  # original lines passed so far
        self.new_line = 0  # fixed lines written so far
        self.before: deque[bytes] = deque(maxlen=CONTEXT)  # kept lines before a hunk
        self.hunk: IO[bytes] | None = None  # the open hunk's lines, spooled
        self.counts = [0, 0]  # the open hunk's old and new line counts
        self.start = (0, 0)  # its first old and new line numbers
        self.trail: list[bytes] = []  # kept lines since the open hunk's last change
        self.pending = b""  # a line too long to come whole (the fixer passes it in pieces)
        self.headed = False  # the file's two header lines are written

    def same(self, raw: bytes) -> None:
        if not raw.endswith(b"\n"):  # a piece of a long line, or the file's last line
            if len(self.pending) <= _CONTEXT_LIMIT:
                self.pending += raw[: _CONTEXT_LIMIT + 1 - len(self.pending)]
            return
        if self.pending:
            raw, self.pending = self.pending + raw, b""
        if len(raw) > _CONTEXT_LIMIT:  # too long to keep: never context, the hunk ends
            self._barrier()
            return
        self._same(raw)

    def _barrier(self) -> None:
        """A kept line not held (too long): hunks end before it and start after it, with
        less context, which patch accepts."""
        self.old_line += 1
        self.new_line += 1
        if self.hunk is not None:
            self._close()
        self.before.clear()

    def _same(self, raw: bytes) -> None:
        self.old_line += 1
        self.new_line += 1
        if self.hunk is None:
            self.before.append(raw)
            return
        self.trail.append(raw)
        if len(self.trail) > 2 * CONTEXT:  # too far from the last change: the hunk ends
            self._close()

    def changed(self, old: Lines, new: list[bytes]) -> None:
        if self.pending:  # not expected: the fixer ends a long line before a change
            if len(self.pending) > _CONTEXT_LIMIT:
                self._barrier()
            else:
                self._same(self.pending)
            self.pending = b""
        if self.hunk is None:
            import tempfile  # only for a file with something to fix

            # Closed in _close, when the hunk is written (not a with: it spans calls).
            self.hunk = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
            self.counts = [0, 0]
            back = len(self.before) - 1
            self.start = (self.old_line - back, self.new_line - back)
            self._write(b" ", list(self.before))
            self.before.clear()
        self._write(b" ", self.trail)
        self.trail = []
        self._write(b"-", old)
        self._write(b"+", new)
        self.old_line += len(old)
        self.new_line += len(new)

    def finish(self) -> None:
        """Writes the last hunk."""
        if self.pending:
            if len(self.pending) > _CONTEXT_LIMIT:
                self._barrier()
            else:
                self._same(self.pending)
            self.pending = b""
        if self.hunk is not None:
            self._close()

    def _write(self, op: bytes, lines: Iterable[bytes]) -> None:
        assert self.hunk is not None
        for line in lines:
            self.hunk.write(op + line)
            if not line.endswith(b"\n"):
                self.hunk.write(b"\n" + _NO_NEWLINE)
            if op != b"+":
                self.counts[0] += 1
            if op != b"-":
                self.counts[1] += 1

    def _close(self) -> None:
        """Writes the open hunk with at most CONTEXT kept lines after its last change."""
        assert self.hunk is not None
        kept, rest = self.trail[:CONTEXT], self.trail[CONTEXT:]
        self._write(b" ", kept)
        self.before.extend(rest)
        self.trail = []
        if not self.headed:
            self.out.write(b"--- " + self.name + b"\n+++ " + self.name + b"\n")
            self.headed = True
        old_count, new_count = self.counts
        old_start = self.start[0] if old_count else self.start[0] - 1
        new_start = self.start[1] if new_count else self.start[1] - 1
        self.out.write(f"@@ -{old_start},{old_count} +{new_start},{new_count} @@\n".encode("ascii"))
        self.hunk.seek(0)
        shutil.copyfileobj(self.hunk, self.out)
        self.hunk.close()
        self.hunk = None


def _quoted(name: bytes) -> bytes:
    """A file name as a diff header shows it: as it is, or quoted with C escapes (as git and
    GNU patch read them) when it holds a space, a quote, a backslash or a byte outside
    printable ASCII."""
    if all(0x21 <= b <= 0x7E and b not in b'"\\' for b in name):
        return name
    escapes = {0x09: b"\\t", 0x0A: b"\\n", 0x22: b'\\"', 0x5C: b"\\\\"}
    out = bytearray(b'"')
    for b in name:
        if b in escapes:
            out += escapes[b]
        elif 0x20 <= b <= 0x7E:
            out.append(b)
        else:
            out += b"\\%03o" % b
    return bytes(out + b'"')
