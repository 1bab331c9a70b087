"""MIC501 on the fast path: the diagnostics of lines whose users are not answered yet, held
until a batch answers them (`UsersWindow`)."""

from __future__ import annotations

from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.framer import bodies_in_groups
from mics_lint.linecheck import LineChecker
from mics_lint.reading import LineReader
from mics_lint.rules import crossline
from mics_lint.userstore import BatchUsers

# MIC501's users are answered a window of lines at a time: often enough that a diagnostic
# waits little, seldom enough that numpy's per-call cost is spread thin.
WINDOW = 8192
WINDOW_BYTES = 4 * 1024 * 1024


class UsersWindow:
    """The diagnostics of lines whose users are not answered yet, held until they are.

    The fast check only queues a vouched line's user (`BatchUsers.add_digest`); every
    `WINDOW` lines, one `resolve` answers them all in a few numpy calls, and the MIC501s it
    finds join the window's other diagnostics, in line order. Each is made as the rule
    makes it (its message, on the whole line), so the report is the one line-by-line
    answers give.

    Those few lines are read again from the file (`LineReader.read_again`, a regular file
    opened here), found by where each group of lines starts. Keeping the window's lines
    instead cost 5% of a `--jobs 1` run on the 1M-line bench file (8,192 lines of 350
    bytes, or a copy of their bytes alike): each new line was then written to memory no
    longer in the cache, where a line freed at once leaves its place, still cached, to the
    next. A stream that cannot be read again (standard input, a `.gz`, a URL), or a file
    past a line whose rest the reader passed over (its offsets are not counted), has its
    groups' bytes copied into one buffer, written over at each window.
    """

    def __init__(
        self, checker: LineChecker, users: BatchUsers, reader: LineReader | None, offset: int
    ) -> None:
        self.checker = checker
        self.users = users
        self.reader = reader if reader is not None and reader.rereadable else None
        self.in_file = self.reader is not None  # the next groups are read again from it
        self.skipped = self.reader.skipped if self.reader is not None else 0
        self.offset = offset + self.skipped  # in the file, of the next group
        self.text = bytearray()
        self.used = 0  # bytes of `text` this window holds
        # Each group's first line, where its bytes start and end, and whether in the file
        # (else in `text`).
        self.firsts: list[int] = []
        self.spans: list[tuple[int, int, bool]] = []
        self.lines = 0
        self.found: list[Diagnostic] = []

    def add(
        self, group: list[bytes], block: bytes, lineno: int, made: list[Diagnostic]
    ) -> list[Diagnostic]:
        """Takes a group (`block`: its lines joined; its first line is `lineno + 1`) and its
        diagnostics; returns what can be reported now: the window's diagnostics once it is
        full, else nothing."""
        reader = self.reader if self.in_file else None
        if reader is not None and reader.skipped != self.skipped:
            # The rest of a long line was passed over: where later lines start is unknown.
            self.in_file, reader = False, None
        if reader is not None:
            start = self.offset
            self.offset = end = start + len(block)
        else:
            if not self.text:  # made whole once: grown a group at a time, it was copied often
                self.text = bytearray(WINDOW_BYTES)
            start = self.used
            self.used = end = start + len(block)
            self.text[start:end] = block  # in place, within the buffer
        self.firsts.append(lineno + 1)
        self.spans.append((start, end, reader is not None))
        self.lines += len(group)
        if made:
            self.found += made
        if self.lines < WINDOW and self.used < WINDOW_BYTES:
            return []
        return self.flush()

    def flush(self) -> list[Diagnostic]:
        found = self.found
        duplicates = self.users.resolve()
        if duplicates:
            rule = crossline.DUPLICATE_USER
            duplicates.sort()  # in line order already: each group is then read once
            bodies = self._bodies([line for line, _, _ in duplicates])
            for (line, first, digest), body in zip(duplicates, bodies, strict=True):
                message = crossline.duplicate_message(crossline.kind_name(digest), first)
                found += self.checker.stamp([(rule.code, Finding(message))], body, line)
            found.sort(key=Diagnostic.sort_key)
        if len(self.text) > 2 * WINDOW_BYTES:  # a group of very long lines: let it go
            self.text = bytearray()
        self.used = self.lines = 0
        self.firsts, self.spans, self.found = [], [], []
        return found

    def _bodies(self, lines: list[int]) -> list[bytes]:
        """The text of each of `lines` (in increasing order, all of this window), without
        its end: each group read once, from the file or from `text`."""

        def read(group: int) -> bytes:
            start, end, in_file = self.spans[group]
            if in_file:
                assert self.reader is not None
                return self.reader.read_again(start, end - start)
            return bytes(self.text[start:end])

        return bodies_in_groups(lines, self.firsts, read)
