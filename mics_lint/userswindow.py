"""MIC501 on the fast path: the diagnostics of lines whose users are not answered yet, held
until a batch answers them (`UsersWindow`)."""

from __future__ import annotations

from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.framer import split_ending
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
        self, checker: LineChecker, users: BatchUsers, again: LineReader | None, offset: int
    ) -> None:
        self.checker = checker
        self.users = users
        self.reader = again if again is not None and again.rereadable else None
        self.again = self.reader is not None  # the next groups are read again from it
        self.skipped = again.skipped if again is not None else 0
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
        again = self.again
        if again and self.reader is not None and self.reader.skipped != self.skipped:
            # The rest of a long line was passed over: where later lines start is unknown.
            self.again = again = False
        if again:
            start = self.offset
            self.offset = end = start + len(block)
        else:
            if not self.text:  # made whole once: grown a group at a time, it was copied often
                self.text = bytearray(WINDOW_BYTES)
            start = self.used
            self.used = end = start + len(block)
            self.text[start:end] = block  # in place, within the buffer
        self.firsts.append(lineno + 1)
        self.spans.append((start, end, again))
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
            for line, first, digest in duplicates:
                body = split_ending(self.line(line))[0]
                message = crossline.duplicate_message(crossline.kind_name(digest), first)
                found += self.checker.stamp([(rule.code, Finding(message))], body, line)
            found.sort(key=Diagnostic.sort_key)
        if len(self.text) > 2 * WINDOW_BYTES:  # a group of very long lines: let it go
            self.text = bytearray()
        self.used = self.lines = 0
        self.firsts, self.spans, self.found = [], [], []
        return found

    def line(self, lineno: int) -> bytes:
        """Line `lineno` of the window, with its end: a group's lines each end with a LF,
        but a file's last one."""
        import bisect  # a MIC501 on the fast path: not at start-up (tests/test_startup.py)

        at = bisect.bisect_right(self.firsts, lineno) - 1
        start, end, in_file = self.spans[at]
        if in_file:
            assert self.reader is not None
            lines = self.reader.read_again(start, end - start)
        else:
            lines = bytes(self.text[start:end])
        start = 0
        for _ in range(lineno - self.firsts[at]):  # a few LFs found, no line made but this
            start = lines.find(b"\n", start) + 1
            if not start:  # the file was cut short since it was read: an empty line then
                return b"\n"
        end = lines.find(b"\n", start)
        return lines[start:] if end < 0 else lines[start : end + 1]
