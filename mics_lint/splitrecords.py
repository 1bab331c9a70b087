"""Records split over lines in the middle of an NDJSON file (a pretty-printed record pasted
among compact ones): one diagnostic for the record, and one record for `--fix`.

A split record begins with a line whose first byte is `{` and which is not a whole record
(it does not end with `}`); the lines after it are read ahead until the text from that line
parses as one JSON object (a comma after its closing brace aside: an array's element). It
is no split record, and its lines are checked one by one as before, when a line beginning
with `{` comes first (a new record), a line is over max-line-bytes, it grows past
SPLIT_LINES lines or SPLIT_BYTES bytes, or the file ends.
Since nothing spans a line that begins with `{`, a chunk of `--jobs` that starts at such a
line (parallel._boundaries) sees what one process sees.

Only once a line of the file has parsed alone: until then the linter and the fixer hold the
file's first lines as a possible document (MIC007). A file that opens with `{` or `[` alone
is one (framer, rules/framing.py) until it proves none (opening.py), and one whose first
line begins a record it does not hold may be none: then its first lines may be a split
record (`Splitter.opened`). The linter and the fixer both read through `Splitter`.
"""

from __future__ import annotations

import operator
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from mics_lint import framer, opening
from mics_lint.jsontext import JSON_SPACE
from mics_lint.opening import (
    ENDED,
    Opening,
    Split,
    no_json_end,
    parses_alone,
    split_value,
)
from mics_lint.rules import framing as f

#: A split record is looked for over at most this many lines, and this many bytes.
SPLIT_LINES = 1000
SPLIT_BYTES = 1024 * 1024
#: Lines are given out in groups of at most this many lines, and this many bytes (or one
#: line over it): 64 lines of a few hundred bytes stay under the size at which a joined
#: block is allocated by mmap (slower), and a group that fails a screen of the fast path
#: sends only 64 lines to their own tests; lines of megabytes come one or two at a time.
GROUP_LINES = 64
GROUP_BYTES = 64 * 1024
#: A group taken whole from the reader's buffer (`_take`) is at most this many bytes: with
#: 64 KiB the 1M-line bench file's peak RSS was 4.6 MB over a line at a time, 32 KiB 1.4 MB.
BUFFERED_BYTES = 32 * 1024
_BEFORE_LAST, _LAST = operator.itemgetter(-2), operator.itemgetter(-1)
_BRACE, _LF, _CR, _COMMA = ord("}"), ord("\n"), ord("\r"), ord(",")
_ENDS_WHOLE = operator.methodcaller("endswith", (b"}\n", b"}\r\n"))


class Piece(bytes):
    """A piece of a line over max-line-bytes, as the fixer reads it: never in a split
    record (the linter's reader skips the rest of such a line; see reading.py)."""


class Splitter:
    """Reads lines ahead where a record may be split over them; see the module's doc."""

    def __init__(self, max_line: int, *, active: bool = False) -> None:
        self.max_line = max_line
        self.escapes = True  # MIC101 is fixed: see `in_string`
        self.active = active  # a line has parsed alone: split records are looked for
        self.decided = active  # ... or the file's start decided that they never are
        self.spans: deque[Split] = deque()
        self.seen = 0  # lines watched (`_watch`), numbered from 1: the file's first lines
        self.opening: Opening | None = None  # a file opening with `{` or `[` alone, followed
        # The line where such a file proved no document (0: it did not), and the record split
        # over its first lines, if they are one: the linter and the fixer stop holding there.
        self.not_document = 0
        self.opened: Split | None = None
        self.document = False  # ... or stayed one: no line of it begins a split record
        self.held_first = False  # it opened on line 1, where the linter holds a document
        self._back: bytes | None = None  # a line given back, read first in the next group

    def groups(self, lines: Iterable[bytes], lineno: int = 1) -> Iterator[list[bytes]]:
        """The lines, one a group, but a split record's lines as one group (its Split in
        `spans`, first line numbered `lineno` + its place)."""
        source = iter(lines)
        pending: list[bytes] = []  # lines read ahead, not yet given out
        while True:
            raw = pending.pop(0) if pending else next(source, None)
            if raw is None:
                return
            if not self.active and not self._watch(raw):
                yield [raw]
                lineno += 1
                continue
            # Most lines: a whole record, `{...}` and its end (the test kept cheap).
            if raw[:1] != b"{" or raw.endswith(b"}\n") or type(raw) is Piece or _whole(raw):
                yield [raw]
                lineno += 1
                continue
            group, split = self._read_ahead(raw, pending, lambda: next(source, None), lineno)
            if split is not None:
                self.spans.append(split)
                yield group
                lineno += len(group)
            else:
                # No split record: the first line alone; the others are looked at again.
                pending[:0] = group[1:]
                yield [raw]
                lineno += 1

    def line_groups(
        self,
        lines: Iterable[bytes],
        lineno: int = 1,
        buffered: Callable[[int], list[bytes] | None] | None = None,
    ) -> Iterator[list[bytes]]:
        """The lines, as `groups` finds them, in groups of up to GROUP_LINES lines or
        GROUP_BYTES bytes: the linter's loop, which the fast path screens a group at a time.

        A group ends after a line longer than max-line-bytes: the reader may have cut it, and
        the rest of it is read (LineReader.skip_rest) when it is checked, before any line
        after it is read. A group whose every line ends with `}` costs one count to pass
        (the usual file); only another is looked at line by line (`_records`). A read error
        is raised once the lines read before it were given out.

        `buffered`: the whole lines a reader of `lines` holds, taken at once
        (reading.LineReader.buffered), for groups of any number of lines up to
        BUFFERED_BYTES.
        """
        source = iter(lines)
        max_raw = self.max_line + 1  # a longer line (with its LF) may have been cut
        while not self.active:
            # Each line watched, in groups all the same: a group ends where the watch
            # turns split records on (a file whose lines never parse stays here).
            group, failed = self._read(source, max_raw, watch=True)
            if group:
                yield group
                lineno += len(group)
            if failed is not None:
                raise failed
            if not group and not self.active:
                return
        if max_raw < BUFFERED_BYTES:
            buffered = None  # its lines may be over max-line-bytes
        while True:
            if buffered is None:
                group, failed = self._read(source, max_raw, watch=False)
            else:
                group, failed = self._take(source, buffered)
            if self._back is not None:  # a line given back (`_watch`, `_records`): first
                group.insert(0, self._back)
                self._back = None
            if _whole_records(group):
                if group:
                    yield group
                    lineno += len(group)
            else:
                # More lines may follow this group (none failed to read): see `_records`.
                more = failed is None and len(group) > 1
                for part in self._records(group, source, lineno, more):
                    yield part
                    lineno += len(part)
            if failed is not None:
                raise failed
            if not group:
                return

    def _read(
        self, source: Iterator[bytes], max_raw: int, *, watch: bool
    ) -> tuple[list[bytes], Exception | None]:
        """The next group of lines, and the read error that ended it (raised by the caller
        once the lines read before it are given out), if any."""
        group: list[bytes] = []
        append = group.append
        held = 0
        try:
            if not watch and max_raw >= GROUP_BYTES:
                # The loop most lines go round: a line longer than max_raw (the reader may
                # have cut it) is over GROUP_BYTES too, so one test ends the group there.
                for raw in islice(source, GROUP_LINES):
                    append(raw)
                    held += len(raw)
                    if held >= GROUP_BYTES:
                        break
                return group, None
            for raw in source:
                if watch and self._watch(raw):
                    self._back = raw  # it may begin a split record: read as active
                    break
                append(raw)
                held += len(raw)
                if watch and self.active:
                    break
                if len(group) == GROUP_LINES or len(raw) > max_raw or held >= GROUP_BYTES:
                    break
        except Exception as exc:  # a read error (a truncated .gz): after the lines read
            return group, exc
        return group, None

    @staticmethod
    def _take(
        source: Iterator[bytes], buffered: Callable[[int], list[bytes] | None]
    ) -> tuple[list[bytes], Exception | None]:
        """`_read`'s group from the reader's buffer: its whole lines, or, where it holds
        none (it ends inside a line), the next line read alone and the whole lines after."""
        try:
            group = buffered(BUFFERED_BYTES)
            if group is not None:
                return group, None
            raw = next(source, None)
        except Exception as exc:  # a read error: nothing of this group was read
            return [], exc
        if raw is None:
            return [], None
        group = [raw]
        if raw[-1:] == b"\n" and len(raw) < BUFFERED_BYTES:
            try:
                more = buffered(BUFFERED_BYTES - len(raw))
            except Exception as exc:  # after the line read
                return group, exc
            if more:
                group += more
        return group, None

    def _records(
        self, group: list[bytes], source: Iterator[bytes], lineno: int, more: bool
    ) -> Iterator[list[bytes]]:
        """A group some line of which may begin a split record: its lines in groups again,
        a split record's lines (read ahead from `source` past the group) as one. Its last
        line, if it may begin one and `more` lines follow, is given back to the next group:
        read ahead, each line after it came as a group (comma lines: +20% a line)."""
        pending = deque(group)
        out: list[bytes] = []
        while pending:
            first = pending.popleft()
            if first[:1] != b"{" or first.endswith(b"}\n") or type(first) is Piece or _whole(first):
                out.append(first)
                continue
            if pending and pending[0][:1] == b"{":  # `_read_ahead` stops there: no split
                out.append(first)  # record, and no group cut
                continue
            if more and not pending and not self._cut(first):  # (its rest is read next)
                self._back = first
                break
            if out:  # given out before reading ahead, which may fail
                yield out
                lineno += len(out)
                out = []
            ahead = list(pending)
            pending.clear()
            lines, split = self._read_ahead(first, ahead, lambda: next(source, None), lineno)
            if split is not None:
                self.spans.append(split)
                pending.extend(ahead)
                yield lines
                lineno += len(lines)
            else:
                # No split record: the first line alone; the others are looked at again.
                pending.extend(lines[1:])
                pending.extend(ahead)
                out.append(first)
        if out:
            yield out

    def _read_ahead(
        self, raw: bytes, pending: list[bytes], pull: Callable[[], bytes | None], lineno: int
    ) -> tuple[list[bytes], Split | None]:
        group = [raw]
        size = len(raw)
        if self._cut(raw):
            return group, None
        while len(group) < SPLIT_LINES and size <= SPLIT_BYTES:
            nxt = pending.pop(0) if pending else pull()
            if nxt is None:
                return group, None
            group.append(nxt)
            size += len(nxt)
            body = framer.split_ending(nxt)[0]
            if body[:1] == b"{" or self._cut(nxt):
                # A new record (looked at again), or a cut line: nothing is read past it
                # before the linter reads the rest of it (LineReader.skip_rest).
                return group, None
            end = body.rstrip(framer.SPACE)
            if end.endswith((b"}", b"},")):
                # `},`: a pasted array's element, or a docs' example with its comma. The
                # record is the text without it; `--fix` drops it with the line breaks.
                found = split_value(group)
                if found is not None:
                    return group, Split.over(lineno, group, found)
        return group, None

    def _cut(self, raw: bytes, body: bytes | None = None) -> bool:
        """Whether the line (`body`: its text before its end, if split already) was read in
        part: over max-line-bytes as read, BOM and all."""
        if body is None:
            body = framer.split_ending(raw)[0]
        return type(raw) is Piece or len(body) > self.max_line

    def _watch(self, raw: bytes) -> bool:
        """Until a line parses alone: is the file a document (no split records ever)? True
        when a file that opened with `{` or `[` alone proves none at this line, which is
        then read as active (it may begin a split record)."""
        self.seen += 1
        if self.opening is not None:
            return self._opened(self.opening, raw)
        if self.document:
            return False
        if self.decided and no_json_end(end := raw.rstrip(JSON_SPACE)) and end[-1:] != b",":
            return False  # told in two steps: every line of a file that never parses comes here
        body = framer.split_ending(raw)[0]
        cut = False
        if not self.decided:
            # Over max-line-bytes as read, BOM and all: the reader cut it (the piece, its BOM
            # taken off, may come under the limit), and lint_lines has it whole.
            cut = self._cut(raw, body)
            body = body.removeprefix(framer.BOM)
            if framer.is_blank(body):
                return False
            self.decided = True
            document = f.opens_document(body)
            if document or (not cut and opening.opens_record(body, self.max_line)):  # read whole
                # MIC007's, unless its lines prove otherwise. Opened on line 1, short enough
                # to be held, the linter and the fixer hold it as one (see `_opened`); after
                # blank lines they may too, which is not told here: watched as before. So is
                # a first record's line that tells nothing (never held as a document).
                limits = (SPLIT_LINES, SPLIT_BYTES)
                following = Opening(raw, body, self.seen, self.max_line, limits, alone=document)
                if not document and following.broken:
                    return False  # it parsed alone neither (opens_record): watched as before
                first = self.seen == 1 and len(raw) <= framer.HOLD_LIMIT and not cut
                self.held_first = first and document
                self.opening = following
                return False
        if not cut and parses_alone(body, self.max_line):
            self.active = True
        return False

    def _opened(self, following: Opening, raw: bytes) -> bool:
        verdict = following.feed(raw)
        if verdict is None:
            return False
        self.opening = None
        opened = following.split() if verdict == ENDED else None
        if verdict != ENDED or (opened is None and not following.alone):
            # A document, held whole by the linter and the fixer when it opened on line 1:
            # its `{` lines are not read ahead once a scalar line (`"promo"`) parses alone
            # (90 MB: 18 s and 380 MB). Elsewhere they check its lines: watched as before,
            # as are a first record's lines that are no split record, from this line.
            self.document = self.held_first
            body = framer.split_ending(raw)[0]
            self.active = not self.document and parses_alone(body, self.max_line)
            return False
        if opened is not None:
            self.opened = opened
            self.spans.append(opened)  # no other yet: the splitter was not active
        self.not_document = self.seen
        self.active = self.decided = True
        return True

    def close(self) -> bool:
        """At the file's end: whether its first lines, still followed, are a record split by
        line breaks inside its strings (then `opened`), which the file holds alone: not
        MIC007, whose parse of the whole file refuses a raw break, as `--fix` would."""
        opened = self.opening.split() if self.opening is not None else None
        if opened is None or not opened.in_string:
            return False
        self.opened = opened
        self.spans.append(opened)
        return True

    def holds(self, line: int) -> bool:
        """Whether `line` is one of a split record's (any order; spans are few)."""
        return any(s.first <= line <= s.last for s in self.spans)

    def in_string(self, line: int) -> bool:
        """Whether `line` ends with a break inside a string of a split record that `--fix`
        escapes (`escapes`: MIC101 is fixed; else it mends that CRLF as a line end). Not
        asked in the order of lines, unlike `span_of`: its spans stay."""
        return self.escapes and any(s.in_string and s.first <= line < s.last for s in self.spans)

    def span_of(self, line: int) -> Split | None:
        """The split record holding `line`, asked in the order of lines (earlier spans go)."""
        spans = self.spans
        while spans and spans[0].last < line:
            spans.popleft()
        if spans and spans[0].first <= line:
            return spans[0]
        return None


def _whole_records(group: list[bytes]) -> bool:
    """Whether no line of `group` begins a split record, told by its last two bytes, taken
    in C (ten times cheaper than a count of `}\n`): each ends with `}` and a LF (or CRLF),
    or with a comma and a LF before a line of the group that begins with `{`."""
    try:
        before = list(map(_BEFORE_LAST, group))
    except IndexError:  # a line of one byte
        return False
    count = len(group)
    if list(map(_LAST, group)).count(_LF) != count:
        return False
    braces = before.count(_BRACE)
    if braces == count:
        return True
    # CRLF (a Windows export): each line looked at alone by `_records` cost half a line more.
    if braces + before.count(_CR) == count and all(map(_ENDS_WHOLE, group)):
        return True
    # A comma after a record (an export writing `},`, or a bad line among good ones), with
    # the next line opening a record: not a split record's start either. `_records` took
    # its group a line at a time: 1% of such lines cost 1,175 instructions a line of the
    # file more (bench/instructions.py: 23,563 against 22,388).
    commas = count - braces
    return before.count(_COMMA) == commas and _opened_after_commas(group, before, commas)


def _opened_after_commas(group: list[bytes], before: list[int], commas: int) -> bool:
    """Whether the line after each of the `commas` lines ending with a comma (`before`:
    each line's byte before its LF) is in the group and begins with `{`."""
    at = -1
    for _ in range(commas):
        at = before.index(_COMMA, at + 1)
        if at + 1 == len(group) or group[at + 1][:1] != b"{":
            return False
    return True


def _whole(raw: bytes) -> bool:
    """`opening.ends_whole` of a line with its end."""
    return opening.ends_whole(framer.split_ending(raw)[0])
