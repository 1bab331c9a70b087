"""A record fix's edits, and their proof: where the keys to fix are written in a record's
text, the spans replaced, and whether the text with them parses as intended.

A fix's edits are proven where they are (`proven_locally`): each replaced span starts where
a top-level key or its value starts (`places`: found by a search where that is proven,
else by top_level_keys), and parses exactly, as one whole JSON value, to the key or value
it stands for; each replacement parses exactly to the intended one. JSON's grammar then
makes the new text parse as the old with only those keys and values changed, which is what
parsing the whole of both texts again showed (`proven_whole`, kept for a text nested deep),
at a small part of the cost: the marks of fixmarks.py ask this of every line with such a
diagnostic. tests/test_fix_decision.py holds the two ways to the same decisions.

Also the objects a text is made of (`objects`): where a line of records joined by commas,
or an array of commands, is cut into one record a line; and a line without its trailing
commas (`untrailed`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Generator, Iterator
from typing import Any

from mics_lint.jsontext import parse_exact, raw_decode_exact, top_level_keys

#: What a fixed key's value becomes when only its name changes.
KEPT = object()
#: What an integer literal stands for, whatever its size (an edit's `before`).
INTEGER_VALUE = object()
# Brackets enough for a nesting the standard library's parser might not reach (its limit
# is the interpreter's recursion limit, 1000, less the frames already on the stack).
_DEEP = 64
# Keys enough that reading the text once is cheaper than searching it for each.
_SEARCHED = 8


class Edits:
    """The fixes planned for one record's text, applied only once proven."""

    __slots__ = ("at", "becomes", "codes", "key_start", "planned", "spans")

    def __init__(self) -> None:
        #: (start, end, replacement, before, after): a span of the record's text, its
        #: replacement, and what each of them parses to, exactly.
        self.spans: list[tuple[int, int, str, Any, Any]] = []
        #: What each fixed key becomes: (new name, new value or KEPT).
        self.becomes: dict[str, tuple[str, Any]] = {}
        self.codes: list[str] = []
        #: Where the key of each edit starts in the text (its diagnostic's column, less 1):
        #: `key_start` as the planner last set it (fixmarks.py: which diagnostic is marked).
        self.at: list[int] = []
        self.key_start = -1
        #: The names keys get from renames that only --unsafe-fixes makes (counted, not
        #: made): taken all the same, so that the count is what that run does.
        self.planned: set[str] = set()

    def add(
        self, code: str, start: int, end: int, replacement: str, before: Any, after: Any
    ) -> None:
        self.spans.append((start, end, replacement, before, after))
        self.codes.append(code)
        self.at.append(self.key_start)

    def apply(self, text: str) -> str:
        # From the end, so that each span's offsets still hold when it is replaced.
        for start, end, replacement, _, _ in sorted(self.spans, key=_start, reverse=True):
            text = text[:start] + replacement + text[end:]
        return text


def _start(span: tuple[int, int, str, Any, Any]) -> int:
    return span[0]


def places(text: str, keys: list[str]) -> list[tuple[str, int, int]]:
    """Where each of `keys` (top-level keys of the object `text`) is written, as (key, start,
    end) in text order, leaving out any key written more than once at the top level (which
    one counts is MIC103's business).

    Cheap where it can be proven: in a text without a backslash, every string is written
    as itself, so the top-level key is there as `"key"`; when `"key"` occurs only once in
    the whole text, that occurrence is the key, written once. Otherwise (a key written
    again, maybe nested, or quoted text that spans tokens) top_level_keys reads the text,
    as it does for many keys (two searches of the whole text each: 100,000 unknown keys
    would take minutes; one reading takes a second).
    """
    if len(keys) <= _SEARCHED and "\\" not in text:
        found = []
        for key in keys:
            quoted = f'"{key}"'
            at = text.find(quoted)
            if at < 0 or text.find(quoted, at + 1) >= 0:
                break  # written again (maybe nested): the tokenizer tells
            found.append((key, at, at + len(quoted)))
        else:
            return found  # a dict's order, the first occurrence's, is the text's
    wanted = set(keys)
    listed = top_level_keys(text)
    counts = Counter(k for k, _, _ in listed)
    return [(k, start, end) for k, start, end in listed if k in wanted and counts[k] == 1]


def proven(text: str, edits: Edits, shallow: bool | None = None) -> bool:
    """Whether the text with `edits` parses as `text` does with only the planned keys and
    values changed (see the module's docstring). `shallow`: `is_shallow` of the text's
    bytes, if the caller has them (counting in bytes is cheaper)."""
    if shallow is None:
        shallow = is_shallow_text(text)
    if not shallow:
        return proven_whole(text, edits.apply(text), edits.becomes)
    return proven_locally(text, edits)


def is_shallow(data: bytes) -> bool:
    """Whether the JSON text `data` is nested too little for the exact parser to refuse it
    (its brackets, counted in UTF-8: no other character's bytes hold one)."""
    return data.count(b"{") + data.count(b"[") < _DEEP


def is_shallow_text(text: str) -> bool:
    """`is_shallow` of a text already decoded."""
    return text.count("{") + text.count("[") < _DEEP


def proven_locally(text: str, edits: Edits) -> bool:
    """Each span, found where a key or a value starts, is one whole JSON value of what it
    stands for, and its replacement one whole JSON value of what it becomes; no two spans
    overlap."""
    spans = edits.spans if len(edits.spans) == 1 else sorted(edits.spans, key=_start)
    last = 0
    try:
        for start, end, replacement, before, after in spans:
            if start < last or not _parses_to(text, start, end, before):
                return False
            if not _parses_to(replacement, 0, len(replacement), after):
                return False
            last = end
    except (ValueError, RecursionError):
        return False
    return True


def _parses_to(text: str, start: int, end: int, value: Any) -> bool:
    parsed, stop = raw_decode_exact(text, start)
    if stop != end:
        return False
    if value is INTEGER_VALUE:
        return type(parsed) is int
    if type(value) is str:  # a key, a string value: same_value's answer, sooner
        return type(parsed) is str and parsed == value
    return same_value(parsed, value)


def proven_whole(text: str, new: str, becomes: dict[str, tuple[str, Any]]) -> bool:
    """_proven for a text nested deep: both texts parsed whole, as the standard library's
    parser may refuse one that deep (RecursionError) where orjson accepted it."""
    # The value expected, from the original parsed exactly (orjson turns an integer
    # past 64 bits into a float; the standard library keeps it).
    try:
        again = parse_exact(new)
        original = parse_exact(text)
    except (ValueError, RecursionError):
        return False
    expected: dict[str, Any] = {}
    for key, value in original.items():
        name, new_value = becomes.get(key, (key, KEPT))
        expected[name] = value if new_value is KEPT else new_value
    return same_value(again, expected)


def same_value(a: Any, b: Any) -> bool:
    """JSON values equal as JSON: same types (1 is not 1.0 nor true), same keys in the same
    order. Iterative: a value may be nested thousands deep."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if list(x) != list(y):
                return False
            stack.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y, strict=True))
        elif x != y:
            return False
    return True


# A lone surrogate: what a `\ud800` escape decodes to, which no UTF-8 text can hold.
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_string(value: str) -> str:
    """`value` as a JSON string for a fixed line: its characters as they are (a fix
    rewrites one token, and leaves `é` as `é`), but a lone surrogate as its escape, the
    only way a UTF-8 line can write one (an id cut inside an emoji by a UTF-16 tool)."""
    text = json.dumps(value, ensure_ascii=False)
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


# A JSON string, or a run of whitespace outside strings.
_STRING_OR_SPACE = re.compile(r'"(?:[^"\\]|\\.)*"|[ \t\r\n]+', re.DOTALL)


def compact(text: str, value: Any) -> str | None:
    """`text` without its whitespace outside strings, if it still parses as `value`."""
    new = _STRING_OR_SPACE.sub(_keep_strings, text)
    try:
        return new if same_value(parse_exact(new), value) else None
    except (ValueError, RecursionError):
        return None


def _keep_strings(match: re.Match[str]) -> str:
    token = match.group()
    return token if token[0] == '"' else ""


#: An object found in a text: (value, start, end); all of them.
Span = tuple[dict[str, Any], int, int]
Spans = list[Span]
_JSON_SPACE = " \t\r\n"


def objects(text: str, *, allow_commas: bool, arrays: bool = False) -> Spans | None:
    """The objects `text` is made of, as (value, start, end): top-level objects separated
    by whitespace (and, with `allow_commas`, by one comma, with one more allowed at either
    end), or with `arrays`, arrays of objects. None when `text` is anything else.
    Raises ValueError for what is not JSON at all."""
    found: Spans = []
    for span in object_spans(text, allow_commas=allow_commas, arrays=arrays):
        if span is None:
            return None
        found.append(span)
    return found or None


def object_spans(text: str, *, allow_commas: bool, arrays: bool = False) -> Iterator[Span | None]:
    """`objects`' spans one at a time, and None as the last when `text` is not objects:
    a count of them (held.fixable, a pretty-printed export of 16 MB) keeps no value."""
    at = _skip_space(text, 0)
    if allow_commas and text.startswith(",", at):
        at = _skip_space(text, at + 1)
    while at < len(text):
        if arrays and text.startswith("[", at):
            at = yield from _array_objects(text, at)
            if at < 0:
                return
        else:
            value, end = raw_decode_exact(text, at)
            if not isinstance(value, dict):
                yield None
                return
            yield value, at, end
            at = end
        at = _skip_space(text, at)
        if allow_commas and text.startswith("\ufeff", at):  # a file's BOM, where `cat` joined
            at = _skip_space(text, at + 1)  # two and the first lacked its final newline
        if allow_commas and text.startswith(",", at):
            at = _skip_space(text, at + 1)


def _array_objects(text: str, at: int) -> Generator[Span | None, None, int]:
    """The objects of the array opening at `at`; returns where it ends, or -1 after
    yielding None if an element is not an object."""
    at = _skip_space(text, at + 1)
    if text.startswith("]", at):
        return at + 1
    while True:
        value, end = raw_decode_exact(text, at)
        if not isinstance(value, dict):
            yield None
            return -1
        yield value, at, end
        at = _skip_space(text, end)
        if text.startswith("]", at):
            return at + 1
        if not text.startswith(",", at):
            raise ValueError("expected , or ] in an array")
        at = _skip_space(text, at + 1)


def proven_objects(text: str) -> int:
    """How many objects an array line holds (MIC102's split), each proven as compact's
    edits are: the line written for it, parsed alone, is the element it was in the line
    (the same exact parser: orjson makes a float of a big int). -1 if an element is no
    object, or not proven. Read one at a time: all at once doubled a 35 MB line's memory.
    Raises ValueError or RecursionError as objects does."""
    count = 0
    for span in object_spans(text, allow_commas=False, arrays=True):
        if span is None or not same_value(parse_exact(text[span[1] : span[2]]), span[0]):
            return -1
        count += 1
    return count


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in _JSON_SPACE:
        at += 1
    return at


# A comma before a closing bracket, anywhere (a string's too): the lines worth reading.
_BEFORE_BRACKET = re.compile(r",[ \t\r\n]*[}\]]")
# What `untrailed` reads, in order: a string, whole (closed or not: never read again from
# a quote inside it, which made a line of escaped quotes quadratic); a comma with no value
# before it (`{,}`, `[1,,]`: not a trailing comma); a comma before a closing bracket.
_TRAILING_TOKENS = re.compile(
    r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)|([\[{,][ \t\r\n]*,)(?=[ \t\r\n]*[}\]])|(,)(?=[ \t\r\n]*[}\]])',
    re.DOTALL,
)


def encoded_object(value: str) -> tuple[str, dict[str, Any]] | None:
    """MIC102: the text of the one JSON object a line's string holds (`"{\\"a\\": 1}"`, an
    export that encoded its records twice), and its value; None for anything else, for an
    object spread over lines (each line is one record), and for one holding a lone
    surrogate (a `\\ud800` escape, which no UTF-8 line can hold but as its escape)."""
    text = value.strip(" \t\r\n")
    if text[:1] != "{" or "\n" in text or "\r" in text:
        return None
    try:
        text.encode("utf-8")
        record = parse_exact(text)  # exact: its big numbers keep their text
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return None
    return (text, record) if type(record) is dict else None


def untrailed(text: str) -> tuple[str, dict[str, Any]] | None:
    """`text` without its commas after a value and before a closing bracket (`{"a":1,}`,
    `[1,2,]`, as JavaScript and JSON5 writers leave them), and the object it then is; None
    unless it then is one JSON object. Strings are read whole, and only those commas go:
    its keys and values are those written. A comma with no value before it (`{,}`, `[,]`)
    is no trailing comma: what it stood for is not known, and the line is left. A comma after
    the object goes too (`{"a":[1,]},`: a record of an array pasted as lines)."""
    if _BEFORE_BRACKET.search(text) is None:
        return None
    kept, at = [], 0
    for found in _TRAILING_TOKENS.finditer(text):
        if found.group(1) is not None:
            return None
        if found.group(2) is not None:
            kept.append(text[at : found.start()])
            at = found.end()
    if not kept:
        return None
    kept.append(text[at:])
    without = "".join(kept)
    if (ending := without.rstrip(" \t")).endswith("},"):  # and the one after it (an array's)
        without = ending[:-1]
    try:
        record = parse_exact(without)
    except (ValueError, RecursionError):
        return None
    return (without, record) if type(record) is dict else None
