"""Reading JSON text: the fast parse, the slow exact one, and where things are in a line.

orjson is the fast path for every line. The standard library's parser is the reference for
the few lines orjson cannot judge alone (duplicate keys, integers past 64 bits, nesting deeper
than orjson allows), and a small tokenizer finds where top-level keys stand for columns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from mics_lint.lazyre import compiled
from mics_lint.names import printable, two_ends

JSONDecodeError = orjson.JSONDecodeError

# One token of JSON text that matters for finding top-level keys: a string, or structure.
_TOKEN = compiled(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')
# JSON's whitespace; and the standard library's C scanners, which keep no state between calls.
# (A match always: a Match, never None.)
_SPACE: Callable[..., re.Match[str]] = re.compile(r"[ \t\n\r]*").match  # type: ignore[assignment]
_DECODER = json.JSONDecoder()
# (set by JSONDecoder.__init__, which typeshed does not declare)
_scanstring: Callable[[str, int], tuple[str, int]] = getattr(_DECODER, "parse_string")  # noqa: B009
_scan_value: Callable[[str, int], tuple[Any, int]] = getattr(_DECODER, "scan_once")  # noqa: B009
# The same, with numbers and literals as tokens too: an array element may be one.
_VALUE_TOKEN = compiled(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^\s"{}\[\],:]+')

MAX_SHOWN = 60
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def decode_lenient(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def top_level_keys(text: str) -> list[tuple[str, int, int]]:
    """The keys of the top-level object in `text`, as (key, start, end) 0-based char offsets.

    Assumes `text` is one JSON object (it is only called on lines that parsed). Keys are
    listed in text order, duplicates included."""
    try:
        keys = _object_keys(text)
    except (ValueError, IndexError, RecursionError, StopIteration):
        keys = None
    return _token_keys(text) if keys is None else keys


def _object_keys(text: str) -> list[tuple[str, int, int]] | None:
    """top_level_keys for the usual text, one object and nothing after it: the C scanner
    skips each value whole, where the tokenizer steps through every token of a profile
    (a tenth of the time on a typical line). None, or an exception, for anything else."""
    space = _SPACE
    at = space(text).end()
    if text[at] != "{":
        return None
    at = space(text, at + 1).end()
    keys: list[tuple[str, int, int]] = []
    if text[at] == "}":
        return keys if space(text, at + 1).end() == len(text) else None
    while True:
        if text[at] != '"':
            return None
        key, end = _scanstring(text, at + 1)
        keys.append((key, at, end))
        at = space(text, end).end()
        if text[at] != ":":
            return None
        end = _scan_value(text, space(text, at + 1).end())[1]
        at = space(text, end).end()
        if text[at] == "}":
            return keys if space(text, at + 1).end() == len(text) else None
        if text[at] != ",":
            return None
        at = space(text, at + 1).end()


def _token_keys(text: str) -> list[tuple[str, int, int]]:
    keys: list[tuple[str, int, int]] = []
    depth = 0
    expect_key = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == '"':
            if depth == 1 and expect_key:
                keys.append((_string_value(token), match.start(), match.end()))
            expect_key = False
        elif first in "{[":
            depth += 1
            expect_key = first == "{" and depth == 1
        elif first in "}]":
            depth -= 1
            expect_key = False
        elif first == ",":
            expect_key = depth == 1
        else:
            expect_key = False
    return keys


Spans = dict[tuple[int, str | int], tuple[int, int]]


def nested_spans(text: str) -> tuple[Spans, dict[tuple[int, str | int], int]]:
    """Where each value of `text` is named, as 0-based char offsets: its key's last
    occurrence, or for an array element, its first character; by its container's number
    and its key or index there (spans.NestedSpans finds a path), and each nested
    container's number by the same. One pass, so that a line with thousands of nested
    problems is read once, not once a problem.

    Assumes `text` is one JSON object, as top_level_keys does."""
    spans: Spans = {}
    kids: dict[tuple[int, str | int], int] = {}
    made = 0  # the top-level object is container 0
    # One frame per open object or array: [kind, the key or index being read, its number].
    frames: list[list[Any]] = []
    expect_key = False
    at_element = False  # the next token starts an array element
    for match in _VALUE_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if at_element and first not in "],":
            spans[frames[-1][2], frames[-1][1]] = (match.start(), match.start() + 1)
        at_element = False
        if first == '"':
            if expect_key:
                frames[-1][1] = _string_value(token)
                spans[frames[-1][2], frames[-1][1]] = (match.start(), match.end())
            expect_key = False
        elif first in "{[":
            if frames:
                made += 1
                kids[frames[-1][2], frames[-1][1]] = made
            frames.append([first, 0, made])
            expect_key = first == "{"
            at_element = first == "["
        elif first in "}]":
            if frames:
                frames.pop()
            expect_key = False
        elif first == ",":
            if frames and frames[-1][0] == "[":
                frames[-1][1] += 1
                at_element = True
            expect_key = bool(frames) and frames[-1][0] == "{"
        else:
            expect_key = False
    return spans, kids


def _string_value(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        value = json.loads(token)
    except ValueError:
        return token[1:-1]
    return value if isinstance(value, str) else token[1:-1]


_NUMBER_VALUE = compiled(r"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)")


def number_after(text: str, key_end: int) -> str:
    """The number literal that is the value of the key ending at `key_end`, or ""."""
    match = _NUMBER_VALUE.match(text, key_end)
    return match.group(1) if match else ""


class NotFinite(ValueError):
    """parse_exact's error for NaN or Infinity, which the standard library takes."""


def _reject_constant(name: str) -> Any:
    raise NotFinite(f"{name} is not JSON")


def parse_exact(text: str) -> Any:
    """Parse with the standard library, which keeps big integers and deep nesting.

    Raises ValueError (including for NaN and Infinity, which the standard library would
    otherwise accept) or RecursionError."""
    # json.loads(text, parse_int=..., parse_constant=...) without making a decoder each
    # call (a third of the time on a bad line of 400 characters): the same steps, those of
    # JSONDecoder.decode taken one by one, to tell text after a value apart (TextAfterValue).
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    value, end = _EXACT.raw_decode(text, _SPACE(text).end())
    end = _SPACE(text, end).end()
    if end != len(text):
        raise TextAfterValue("Extra data", text, end)
    return value


class TextAfterValue(json.JSONDecodeError):
    """parse_exact's error for a text that is a value and more."""


def fails_in_first_value(error: BaseException, text: str) -> bool:
    """Whether parse_exact's `error` for `text` was met reading the value at its start
    (after JSON's whitespace), on its syntax: not a BOM before it, not text after it, not NaN
    or Infinity (a ValueError of its own), not a recursion too deep."""
    return type(error) is json.JSONDecodeError and not text.startswith("\ufeff")


def known_exact_error(text: str, error: orjson.JSONDecodeError) -> json.JSONDecodeError | None:
    """What parse_exact raises for `text` (its type: the position is not kept, the hints of
    syntax.py read only the type), when orjson's `error` for it tells without a parse
    (about a quarter of a trailing-comma line's cost, issue 14); None: parse it.

    orjson stops at the first thing it refuses, and parse_exact takes all orjson takes (it
    takes more: NaN, lone surrogates, deeper nesting). A trailing comma (`{"a":1,}`,
    `[1,]`) is inside the first value, which parse_exact, taking all before it, reads up
    to that comma and refuses there: a JSONDecodeError on the first value's syntax. Unless
    the nesting is deep enough for its recursion to fail first (the bracket count bounds
    it, as in object_and_comma). tests/test_trailing_comma.py holds it to parse_exact."""
    if not error.msg.startswith("trailing comma is not allowed"):
        return None
    if text.count("{") + text.count("[") > _SHALLOW or text.startswith("\ufeff"):
        return None
    return _TRAILING_COMMA


# known_exact_error's answer, made once: its __init__ (Python) formats a message a line.
_TRAILING_COMMA = json.JSONDecodeError("Illegal trailing comma", "", 0)


def raw_decode_exact(text: str, at: int) -> tuple[Any, int]:
    """The JSON value starting at `at` (no whitespace before it) parsed as `parse_exact`
    parses, and where it ends. Raises ValueError or RecursionError."""
    return _EXACT.raw_decode(text, at)


def _to_int(literal: str) -> int:
    # Python refuses to convert more than 4300 digits (and would take quadratic time). Such
    # a number is valid JSON and far outside 64 bits, which is all MIC104 needs to know:
    # it stands in as 10**100, which prints (in other messages) in a hundred digits.
    if len(literal) > 1000:
        return -(10**100) if literal.startswith("-") else 10**100
    return int(literal)


_EXACT = json.JSONDecoder(parse_int=_to_int, parse_constant=_reject_constant)

# JSON's whitespace, the only whitespace parse_exact allows around a value.
JSON_SPACE = b" \t\r\n"
# Nesting that the exact parser reads at any depth of the caller's stack (it recurses once a
# level, against the interpreter's limit of 1,000; orjson goes to 1,024).
_SHALLOW = 128


def object_and_comma(data: bytes) -> bool:
    """Whether `data` is one JSON object then a comma, with nothing but JSON's whitespace
    around them (a JSON array's items pasted as lines), as parse_exact reads the text before
    the comma. True only when sure: false may also be a text orjson cannot vouch for.

    orjson takes a subset of what parse_exact takes (it refuses as well a BOM, NaN and
    Infinity, and more: lone surrogates, numbers beyond a float's range), but for nesting
    deep enough for the exact parser's recursion to fail, which the count of brackets
    leaves out."""
    trimmed = data.rstrip(JSON_SPACE)
    if trimmed[-1:] != b"," or data.count(b"{") + data.count(b"[") > _SHALLOW:
        return False
    try:
        return type(orjson.loads(trimmed[:-1])) is dict
    except orjson.JSONDecodeError:
        return False


def duplicate_keys(text: str) -> list[tuple[str, int, int]]:
    """Top-level keys that appear a second (third, ...) time, at each later occurrence."""
    seen: set[str] = set()
    repeated = []
    for key, start, end in top_level_keys(text):
        if key in seen:
            repeated.append((key, start, end))
        seen.add(key)
    return repeated


def unsafe_integers(text: str) -> list[tuple[tuple[str | int, ...], str]]:
    """Integer literals outside the signed 64-bit range, as (path, literal): the path of
    keys and indexes from the top-level object, () when not under one."""
    found: list[tuple[str, int]] = []

    def check_int(literal: str) -> int:
        value = _to_int(literal)
        if not INT64_MIN <= value <= INT64_MAX:
            found.append((literal, value))
        return value

    try:
        value = json.loads(text, parse_int=check_int, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return []
    if not found:
        return []
    result: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(value, dict):
        used: set[tuple[str | int, ...]] = set()  # the same number twice: two places
        for literal, number in list(found):
            path = _path_to_int(value, number, used)
            if path is not None:
                used.add(path)
                result.append((path, literal))
                found.remove((literal, number))
    result.extend(((), literal) for literal, _ in found)
    return result


def _path_to_int(
    value: dict[str, Any], wanted: int, used: set[tuple[str | int, ...]]
) -> tuple[str | int, ...] | None:
    """The path of the first integer equal to `wanted` in `value` (keys in order) that is
    not in `used`, or None."""
    # Not recursive: a value may be nested thousands deep. Reversed onto the stack, so that
    # the first key is looked at first.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [
        (item, (key,)) for key, item in reversed(list(value.items()))
    ]
    while stack:
        item, path = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            if item == wanted and path not in used:
                return path
        elif isinstance(item, dict):
            stack.extend((v, (*path, k)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(item))))
    return None


# A key a dotted path cannot show as it is.
_UNDOTTED = compiled(r'[.@\[\]"\s]')


def path_text(path: Sequence[str | int]) -> str:
    """A path as messages write it: `$events[0].$ts`. Past 80 characters, its two ends (a
    path thousands of levels deep), the parts between them not even written."""
    text = ""
    for n, part in enumerate(path):
        text += _part_text(part, bool(text))
        if len(text) > 80:
            tail = ""
            for later in reversed(path[n + 1 :]):
                tail = _part_text(later, True) + tail
                if len(tail) >= 39:
                    break
            return two_ends(text + tail, 80)
    return text


def _part_text(part: str | int, after: bool) -> str:
    """One key or index of a path, written after others (`after`) or first."""
    if isinstance(part, int):
        return f"[{part}]"
    if not part.isprintable():  # a key "\r" must not end the message's line
        part = printable(part)
    if after and _UNDOTTED.search(part):
        # `emails["j.doe@example.com"]`: where the key starts stays clear (one dot
        # more would read as a level), and the mask of messages finds the address
        # alone, where it took the path before it for its local part.
        return f"[{json.dumps(part, ensure_ascii=False)}]"
    return f".{part}" if after else part


_INFINITIES = (float("inf"), float("-inf"))  # 1e400 as read: orjson writes them null


def shorten(value: Any, limit: int = MAX_SHOWN, show_values: bool = False) -> str:
    """A value as JSON, cut at `limit` characters so that a message stays one short line.

    E-mail addresses in it are masked before the cut, unless `show_values`: once cut, an
    address no longer looks like one to the mask of messages, and would be shown half
    (`someone@mai...`)."""
    if isinstance(value, str):
        inner = _cut(json.dumps(value, ensure_ascii=False)[1:-1], max(limit - 2, 4), show_values)
        return f'"{visible(inner)}"'
    try:
        shown = orjson.dumps(value).decode() if value not in _INFINITIES else repr(value)
    except (TypeError, orjson.JSONEncodeError):
        try:
            shown = repr(value)
        except RecursionError:
            shown = "a deeply nested value"
        except ValueError:  # an integer too long for Python to print
            shown = "a number of thousands of digits"
    return _cut(shown, limit, show_values)


def visible(text: str) -> str:
    """`text` with its invisible characters (a zero-width or no-break space, a BOM, a line
    separator) written as JSON escapes: `rename "operation\u200b" to "operation"` says what
    differs, and a message stays one line where an editor breaks lines at U+2028. ASCII
    text (JSON's escapes written) is given back as it is."""
    if text.isascii():
        return text
    from unicodedata import category  # a message's value that is not ASCII only

    return "".join(
        f"\\u{ord(c):04x}" if c != " " and category(c) in _INVISIBLE else c for c in text
    )


_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})  # Cc: JSON leaves U+007F and up as is


def _cut(text: str, room: int, show_values: bool) -> str:
    """`text` in at most `room` characters, ending in "..." if cut; its addresses masked
    first unless `show_values`."""
    if not show_values and "@" in text:
        # Imported here: redact.py itself uses shorten.
        from mics_lint.redact import LONGEST_EMAIL, mask_emails

        # Only what may be shown is searched (a value may be MiBs long): an address that
        # starts there ends within LONGEST_EMAIL characters.
        whole = len(text) <= room + LONGEST_EMAIL
        text = mask_emails(text[: room + LONGEST_EMAIL])
        if not whole:
            return text[: room - 3] + "..."
    return text if len(text) <= room else text[: room - 3] + "..."


# In this order: a boolean is an int to isinstance.
_TYPE_NAMES: tuple[tuple[type, str], ...] = ((bool, "a boolean"), (int, "an integer"))
_TYPE_NAMES += ((float, "a number"), (str, "a string"), (list, "an array"), (dict, "an object"))


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    named = (name for kind, name in _TYPE_NAMES if isinstance(value, kind))
    return next(named, type(value).__name__)


def offset_to_line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of a 0-based character offset in multi-line text."""
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return line, col
