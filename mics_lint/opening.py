"""A file whose first line not blank is `{` or `[` alone: one JSON document spread over
lines (MIC007), or NDJSON lines after a pretty-printed first record or a stray bracket.
A first line that begins a record it does not hold (`opens_record`: its first key on the
`{` line, or a string broken over lines, as a CRM writes an address) is followed the same
way, but never held as a document: where it tells nothing, the lines are watched as before.
A line that ends inside a string is read with the next as one (`Opening._read`).

The linter and the fixer hold such a file's lines as one document. Held to the file's end,
one stray `{` line, or a first record pretty-printed among compact ones, hid every later
line's problems behind one MIC007 (whose message then called the file one document).
`Opening` follows the first value with JSON's grammar (framer.JsonPrefix), a line at a
time, and tells where the file proves no document (ENDED):

- the value closes (a comma after it allowed, as after a split record), and the next line
  not blank neither opens another value alone (`jq .` of several commands, a run MIC007
  compacts) nor begins with a comma (such a run written with leading commas);
- a line beginning with `{` comes where the value cannot take one (after `{`, or after a
  value without a comma): a new record, as a split record ends in the middle of a file.

The value's lines are then a record split over lines when they are one object, read as
splitrecords.py reads one in the middle of a file (no line of it but the first begins with
`{`, at most SPLIT_LINES lines and SPLIT_BYTES bytes); else each line is checked alone.

Anywhere else it stays one document, as before: where the grammar breaks inside a line (a
broken document: MIC007 and the place it breaks say more than a MIC101 on each of its
lines), a line over max-line-bytes, or past the limits above (a large document is not
followed: the grammar costs about 0.3 s a MiB, and a record that long is no split one).

Also the test of a line that parses alone (`parses_alone`), which ends the hold of a file's
first lines as a possible document and turns the search for split records on: never, in a
file that stayed a document (splitrecords.Splitter.document).
"""

from __future__ import annotations

import contextlib
import functools
import re
from typing import Any

import orjson

from mics_lint.framer import BOM, HOLD_LIMIT, SPACE, JsonPrefix, is_blank, split_ending
from mics_lint.jsontext import JSON_SPACE, object_and_comma, parse_exact
from mics_lint.longints import may_hold_long_int

__all__ = [
    "DOCUMENT",
    "ENDED",
    "Opening",
    "Split",
    "ends_whole",
    "no_json_end",
    "opens_record",
    "parses_alone",
    "record_value",
    "split_message",
    "split_value",
    "string_breaks",
    "without_comma",
]

DOCUMENT = "document"  # one document (MIC007's) as far as can be told: held as before
ENDED = "ended"  # no document: this line and the ones after are NDJSON lines


class Split:
    """A record split over lines `first` to `last` (numbered as the linter numbers them).
    Not a dataclass: making one costs every start-up a fraction of a millisecond."""

    __slots__ = ("first", "in_string", "last", "reported", "value", "width")

    def __init__(
        self, first: int, last: int, width: int, value: dict[str, Any], in_string: bool = False
    ) -> None:
        self.first = first
        self.in_string = in_string  # its line breaks are inside its strings (split_value)
        self.last = last
        self.width = width  # the last line's length in characters, plus one (its end column)
        self.value = value
        self.reported = False

    @classmethod
    def over(cls, first: int, lines: list[bytes], found: tuple[dict[str, Any], bool]) -> Split:
        """The record `lines` hold from line `first` (`found`: split_value's)."""
        width = len(split_ending(lines[-1])[0].decode("utf-8", "replace")) + 1
        return cls(first, first + len(lines) - 1, width, *found)


class Opening:
    """The file's lines from its first not blank, `{` or `[` alone, or a line that begins a
    record it does not hold (`opens_record`; see the module's doc)."""

    __slots__ = (
        "alone",
        "carry",
        "closed",
        "count",
        "first",
        "limits",
        "lines",
        "max_line",
        "prefix",
        "size",
    )

    def __init__(
        self,
        raw: bytes,
        body: bytes,
        line: int,
        max_line: int,
        limits: tuple[int, int],
        *,
        alone: bool,
    ) -> None:
        self.first = line
        self.prefix = JsonPrefix(comma_after=True)
        self.carry = b""  # lines that end inside a string, not yet read (`_read`)
        self.alone = alone  # `{` or `[` alone (framing.opens_document), else opens_record's
        self._read(body)
        # The first value's lines, while they may be a record split over lines; a BOM on
        # line 1 is the file's (MIC002), not the record's.
        first = raw.removeprefix(BOM) if line == 1 else raw
        self.lines: list[bytes] | None = [first] if body.lstrip(SPACE)[:1] == b"{" else None
        self.count = 1
        self.size = len(raw)
        self.closed = False
        self.max_line = max_line
        self.limits = limits  # of a split record: its lines, its bytes

    def feed(self, raw: bytes) -> str | None:
        """The next line: DOCUMENT or ENDED once told, else None (and the next, please)."""
        body = split_ending(raw)[0]
        self.size += len(raw)
        if len(body) > self.max_line:  # the reader may have cut it: not followed
            return DOCUMENT
        if self.closed:
            if is_blank(body):
                return None if self.size <= HOLD_LIMIT else DOCUMENT
            if body.strip(SPACE) in (b"{", b"[") or body.lstrip(SPACE)[:1] == b",":
                return DOCUMENT  # the next value of a run
            return ENDED
        max_lines, max_bytes = self.limits
        if self.count >= max_lines or self.size > max_bytes:
            return DOCUMENT
        self.count += 1
        if body[:1] == b"{":
            self.lines = None  # a split record holds no such line but its first
            if self.carry or not self.prefix.wants_value:  # (a string's: rare, not followed)
                return ENDED
        elif self.lines is not None:
            self.lines.append(raw)
        if not self._read(body):
            return DOCUMENT
        self.closed = self.prefix.done
        return None

    def _read(self, body: bytes) -> bool:
        """The prefix fed a line (False: broken), or the line kept while it ends inside a
        string: JSON holds no raw break, so a string's lines are fed as one line, each
        break written `\\n`, as split_value reads a record whose breaks are inside its
        strings (a CRM's address of two lines)."""
        text = self.carry + body if self.carry else body
        if _odd_quotes(text):
            self.carry = text + b"\\n"
            return True
        self.carry = b""
        return self.prefix.feed(text)

    def split(self) -> Split | None:
        """The first value's lines, when they are a record split over lines (whose breaks
        may be inside its strings: split_value)."""
        lines = self.lines
        found = split_value(lines) if self.closed and lines else None
        return None if lines is None or found is None else Split.over(self.first, lines, found)

    @property
    def broken(self) -> bool:
        """Whether no line after those read can make them a value's beginning (`{"a":1,}`):
        a first record's line then is not followed (opens_record)."""
        return self.prefix.broken


#: How the message of a record split by line breaks inside its strings begins.
IN_STRING = "a line break inside a string"


def split_message(first: int, last: int, in_string: bool = False) -> str:
    """The message of the one MIC101 a split record gets (recomputed when a chunk's line
    numbers are shifted: see merge.py)."""
    if in_string:  # joined as they are, its lines would lose the break (`1 rue X75001 Paris`)
        return (
            f"{IN_STRING} splits this record over lines {first}–{last}: write the break as \\n "
            "(NDJSON holds one record per line; `--fix` does so)"
        )
    return (
        f"this record is split over lines {first}–{last}: write it on one line "
        "(NDJSON holds one record per line; `--fix` joins it)"
    )


def split_value(lines: list[bytes]) -> tuple[dict[str, Any], bool] | None:
    """The object lines hold as one record split over them, and whether only their line
    breaks written as escapes make it one (`string_breaks`: each break is inside a string,
    as a CRM export writes an address of two lines); None if they hold none."""
    value = record_value(b"".join(lines))
    if value is None and len(lines) > 1 and _in_string(lines):
        value = record_value(string_breaks(lines))
        return None if value is None else (value, True)
    return None if value is None else (value, False)


# A string's escapes, and its quotes: what tells whether a break is inside a string.
_ESCAPES_OR_QUOTES = re.compile(rb'\\.|"', re.DOTALL)


@functools.lru_cache(maxsize=16)  # the first line asked again at each line looked ahead to
def _odd_quotes(line: bytes) -> bool:
    found = _ESCAPES_OR_QUOTES.finditer(split_ending(line)[0])
    return sum(m.group() == b'"' for m in found) % 2 == 1


def _in_string(lines: list[bytes]) -> bool:
    """A cheap test before a second parse (a cut-off record is looked ahead of at each
    line): whether each break may be inside a string. It is only if the quotes before it
    are odd, and they are even at the end: the first line's and the last line's are odd
    (the middle lines' even). And no break comes after a backslash that would escape it
    (`"C:\\` then a line: the escape of a break is no `\\n`)."""
    if not (_odd_quotes(lines[0]) and _odd_quotes(lines[-1])):
        return False
    bodies = [split_ending(line)[0] for line in lines[:-1]]
    return not any((len(body) - len(body.rstrip(b"\\"))) % 2 for body in bodies)


def string_breaks(lines: list[bytes]) -> bytes:
    """The lines joined with each break between them written as its escape (`\\n`, or
    `\\r\\n`): the text a record means whose line breaks are inside its strings."""
    parts: list[bytes] = []
    for line in lines[:-1]:
        body, ending = split_ending(line)
        parts += (body, ending.replace(b"\r", b"\\r").replace(b"\n", b"\\n"))
    return b"".join([*parts, lines[-1]])


def without_comma(text: bytes) -> bytes:
    """A split record's text without a comma after its closing brace, if it has one."""
    stripped = text.rstrip(SPACE)
    return stripped[:-1] if stripped.endswith(b"},") else text


def record_value(text: bytes) -> dict[str, Any] | None:
    """The object a split record's text holds (a comma after it aside), or None."""
    text = without_comma(text)
    value: Any = None
    if not may_hold_long_int(text):  # orjson reads an integer past 64 bits as a float
        with contextlib.suppress(orjson.JSONDecodeError):
            value = orjson.loads(text)
    if value is None:  # and what orjson refuses but JSON allows (deep nesting)
        try:
            value = parse_exact(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


# The bytes a JSON text can end with, before JSON's whitespace: of an object, an array, a
# string, a number, true or false, null.
_LAST_BYTES = frozenset(b'}]"0123456789el')


def no_json_end(end: bytes) -> bool:
    """Whether a text ending with `end` (its JSON whitespace stripped) is never JSON: `{...},`
    (orjson's error, a Python __init__, is spared), or `{..., "x": 1,}` (no string ends
    before a closing bracket)."""
    if not end or end[-1] not in _LAST_BYTES:
        return True
    return end[-1] in b"}]" and end[:-1].rstrip(JSON_SPACE).endswith(b",")


def opens_record(body: bytes, max_line: int) -> bool:
    """Whether a file's first line not blank (`body`: without its end and its BOM) may
    begin a record split over the file's first lines, which `Opening` follows as it follows
    a `{` alone: it begins with `{` and more, and does not parse alone (a record pasted
    over lines, or one whose string holds a line break, as a CRM's address of two lines).
    The caller follows it only where its `Opening` is not `broken` (`{"a":1,}`). Not a line
    that `ends_whole`, as in the middle of a file: a whole record that orjson refuses
    (`1e999`, which the exact parser takes) is one line."""
    if body[:1] != b"{" or len(body) > max_line or body.rstrip(SPACE) == b"{" or ends_whole(body):
        return False  # (a longer line: the reader may have cut it)
    return not parses_alone(body, max_line)


def ends_whole(body: bytes) -> bool:
    """Whether a line (`body`: without its end) that begins with `{` ends as a whole record
    does, with `}`: no split record's first line does (splitrecords.py, `opens_record`)."""
    return body.rstrip(SPACE).endswith(b"}")


def parses_alone(body: bytes, max_line: int) -> bool:
    """Whether a line (`body`: without its end) turns the search for split records on: a
    record alone, or one and its comma, or either after BOMs (what `--fix` makes one). A
    line over max-line-bytes never does: the reader may have cut it (lint_file), or not
    (lint_lines), and both must look for split records alike."""
    if len(body) > max_line or is_blank(body):
        return False
    body = body[3:] if body[:3] == BOM else body  # (line 1 lost one BOM already)
    if no_json_end(body.rstrip(JSON_SPACE)):
        return object_and_comma(body)
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return True
