"""MIC1xx: is each line one JSON object, and is its JSON unambiguous?

The engine parses; this module says why a line did not parse, in words that say what to
change (orjson's own messages differ between versions and speak of the parser, not the file).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from mics_lint.diagnostic import Severity
from mics_lint.jsontext import (
    NotFinite,
    fails_in_first_value,
    offset_to_line_col,
    parse_exact,
    path_text,
    shorten,
)
from mics_lint.lazyre import compiled
from mics_lint.registry import FIX_SAFE, Family
from mics_lint.rules import row_shapes, slips, typography
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import redact
else:  # imported at its first use: a message, a shown line (start-up, issue 14)
    redact = later("mics_lint.redact")

FAMILY = Family("MIC1", "JSON")

INVALID_JSON = FAMILY.declare(
    "MIC101",
    "invalid-json",
    Severity.ERROR,
    "the line is not valid JSON",
    """
    ## What it does
    Checks that every non-blank line is valid JSON, and names the likely cause when it is
    not: records separated by commas, two records on one line, a trailing comma, single
    quotes, an unquoted key, `NaN` or `Infinity`, Python's `True`/`False`/`None`, a
    placeholder of the docs' examples left unquoted (`"$ts":<TIMESTAMP>`) or their `[...]`,
    a line cut off before its end, a CSV row (a header or a record, values separated by
    commas, tabs or semicolons), a JSON object in CSV quotes or in single quotes, an
    object's members without its braces, typographic quotes (“ ”), a no-break or invisible
    space outside strings, a number's thousands separator (`1,234`), a double quote inside
    a string, a backslash that starts no escape (`C:\\Users`), a Markdown code fence. The
    column is where the parser stopped.

    A record pretty-printed over several lines among one-line records (a line that begins
    with `{` and lines after it that together parse as one object) is reported once, at its
    first line: "this record is split over lines 8–14"; so is a file's first record split
    before NDJSON lines (a whole file of one is MIC007's), and one whose breaks are inside
    its strings (a CRM export's address of two lines), the file's first record too.

    ## Why is this bad?
    The platform cannot read the line, so the command is dropped and only appears, hours
    later, in the execution's error file.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"},
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```

    ## Fix
    `--fix` removes the commas between records (`{...},` at a line end, or `,{...}` at
    its start) and splits several records on one line into one per line, only when every
    piece is a valid JSON object; each piece keeps its exact text. It removes the commas
    before a closing bracket (`{"a":1,}`, `[1,2,]`, as JavaScript and JSON5 writers leave
    them), only when the line is then one valid JSON object. It joins a record split over
    lines into one compact line, as MIC007's fix does for a whole document, a line break
    inside a string written as its escape (`\\n`), which keeps the value. Other syntax
    errors are left to you: only you know what the line meant.
    """,
    fix=FIX_SAFE,
    fix_always=False,
)

NOT_AN_OBJECT = FAMILY.declare(
    "MIC102",
    "not-an-object",
    Severity.ERROR,
    "the line is valid JSON but not an object",
    """
    ## What it does
    Checks that every line is a JSON object (`{...}`), not an array, a string, a number,
    `true`, `false` or `null`. An array of objects gets this diagnostic alone: its elements
    are checked as commands once the line is split, by hand or by `--fix` (whose report is
    of the lines it wrote).

    ## Why is this bad?
    Each line is one command, an object with an `operation`. An array of commands on one
    line (Python's `json.dump(commands, f)`) is the usual cause: the platform reads it as
    one bad command.

    ## Example
    ```ndjson
    [{"operation":"DELETE","email_hash":"3f2a9c"}]
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```

    ## Fix
    `--fix` splits a line that is a JSON array of objects (one or more, nothing else) into
    one line per element, each keeping its exact text (big numbers, escapes, key order),
    parsed again and compared with its element. An empty array, one holding anything but
    objects, and an association's typed identifiers (one user's: `{"identifiers": [...]}`,
    MIC908) are left. A string holding one object on one line (encoded twice, as
    `"{\\"operation\\": ...}"`) becomes the object's text, with its own fixes as a line.
    """,
    fix=FIX_SAFE,
    fix_always=False,
)

DUPLICATE_KEY = FAMILY.declare(
    "MIC103",
    "duplicate-key",
    Severity.ERROR,
    "a key appears twice in the command object",
    """
    ## What it does
    Checks that no key appears twice at the top level of a command, nor inside the objects
    whose keys the platform reads by name (a choice's `user_choice`, an association's
    identifiers, an activity's events, `$email_hash`, `$user_identifiers`): the keys the
    schema names there (a key spelled with `\\u` escapes counts as the key it spells). The
    last value wins, as in the platform's parser, and the rest of the line is checked with it.

    ## Why is this bad?
    Only one of the two values is used, silently. Two `operation` keys, or two identifiers
    under one key, mean the export that wrote the command has a bug.

    ## Example
    ```ndjson
    {"operation":"UPSERT","operation":"DELETE","email_hash":"3f2a9c"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    """,
)

UNSAFE_INTEGER = FAMILY.declare(
    "MIC104",
    "unsafe-integer",
    Severity.WARNING,
    "an integer lies outside the signed 64-bit range",
    """
    ## What it does
    Checks every integer in the line, however deeply nested, against the signed 64-bit
    range (-9223372036854775808 to 9223372036854775807).

    ## Why is this bad?
    The platform stores integers in 64 bits. A larger one is rounded to a floating-point
    number or rejected, so the stored value is not the one in the file. Long numeric ids
    (card numbers, external ids) are the usual cause: they belong in strings.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"card":12345678901234567890123}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"card":"12345678901234567890123"}}
    ```
    """,
)

_PYTHON_LITERAL = compiled(r"(True|False|None)\b")
# A value written between angle brackets, unquoted: never JSON, a placeholder left in.
_ANGLED = compiled(r"<[^<>\"{}\[\],:\n]{1,40}>")
_NON_FINITE = compiled(r"-?(NaN|Infinity)\b")
# What may join two records on a line: commas, `;`, `|`, the text `\n` (escaped twice).
_JOINED = compiled(r"[ \t,;|\ufeff]*(?:\\r)?(?:\\n)?[ \t,;|\ufeff]*(?=\{)")


def _prev_char(text: str, pos: int) -> str:
    return text[:pos].rstrip()[-1:]


def _trailing_comma(text: str, pos: int) -> tuple[str, int] | None:
    """invalid_json_message's answer for a parser stopped at a trailing comma (`{"a":1,}`)
    or at the bracket after one, or None."""
    at = text[pos : pos + 1]
    if at == ",":
        after = _next_char(text, pos + 1)
        if after in ("}", "]"):
            return (f"trailing comma before '{after}': remove the comma", pos + 1)
    elif at in ("}", "]"):
        before = text[:pos].rstrip()
        if before[-1:] == ",":
            return (f"trailing comma before '{at}': remove the comma", len(before))
    return None


def comma_before_brace(body: bytes) -> tuple[str, tuple[str, int]] | None:
    """The text of a line `{...,}` (a comma after its last member, as JavaScript and JSON5
    writers leave one) and invalid_json_message's answer for it, told by one parse; None
    for any other line. The record without that comma is JSON: so the parsers stop at the
    comma, with nothing before it wrong, and the answer is `_trailing_comma`'s. Asked first,
    it spares the failed parse, the exact parser's error and the message's other cases."""
    if body[:1] != b"{" or body[-2:] != b",}":
        return None
    try:
        if not orjson.loads(body[:-2] + b"}"):  # `{,}`: no value before it, no trailing comma
            return None
    except orjson.JSONDecodeError:
        return None
    text = body.decode("utf-8")  # orjson took it: UTF-8
    told = _trailing_comma(text, len(text) - 2)
    return None if told is None else (text, told)


def _next_char(text: str, pos: int) -> str:
    after = text[pos:].lstrip()
    return after[0] if after else ""


def invalid_json_message(
    text: str,
    pos: int,
    parser_message: str,
    show_values: bool = False,
    exact_error: BaseException | None = None,
    doc_type: str = "",
) -> tuple[str, int]:
    """Why `text` (one line, not valid JSON) failed at character `pos`, and the column to show.
    `exact_error`: what parse_exact raised for `text`, if asked; `doc_type`: the file's.

    Returns a one-line message that names the likely cause and what to change.
    """
    stripped = text.rstrip()
    if stripped.endswith(",") and stripped.lstrip()[:1] in ("{", "[") and _parses(stripped[:-1]):
        return separated_by_commas(stripped)
    shape = row_shapes.message(stripped, doc_type)
    if shape is not None:
        return shape
    # NaN inside the first value comes before any text after it (`{"a":NaN},`): said first.
    first_fails = _first_value_fails(text, exact_error) or isinstance(exact_error, NotFinite)
    rest = None if first_fails else _after_first_value(text)
    if rest is not None:
        return _text_after(text, *rest, show_values)
    # Trailing commas first, the commonest (`,}` on every line): no test below takes `,}]`.
    trailing = _trailing_comma(text, pos)
    if trailing is not None:
        return trailing
    here = text[pos:]
    typographic = typography.message(here[:1])
    if typographic is not None:
        return typographic, pos + 1
    previous = _prev_char(text, pos)
    if _NON_FINITE.match(here):
        at = pos - 1 if text[pos - 1 : pos] == "-" else pos  # `-Infinity` from its sign
        return ("NaN and Infinity are not JSON: write null, or a number", at + 1)
    literal = _PYTHON_LITERAL.match(here)
    if literal:
        fixed = {"True": "true", "False": "false", "None": "null"}[literal.group(1)]
        return f"{literal.group(1)} is Python, not JSON: write {fixed}", pos + 1
    if here.startswith(("//", "/*", "#")) and not text[:pos].strip():
        return ("comments are not JSON: remove the comment", pos + 1)
    if here.startswith("'"):
        return ("strings and keys need double quotes (\"), not single quotes (')", pos + 1)
    if here[:1] == "<":  # a docs' example copied as it is: `"$ts":<TIMESTAMP>`
        placeholder = _placeholder_message(here, show_values, slips.key_before(text, pos))
        if placeholder is not None:
            return placeholder, pos + 1
    if here.startswith(("...", "\u2026")) and previous in ("[", "{", ","):
        return (
            "'...' stands for the items the docs' example leaves out: write them, "
            "or [] or {} for none",
            pos + 1,
        )
    said = slips.slip(text, pos, previous, show_values)
    if said is not None:
        return said
    if pos < len(text) and ord(text[pos]) < 0x20 and text[pos] not in "\t\r\n ":
        return ("control character in the JSON text: remove it or escape it", pos + 1)
    if pos < len(text) and text[pos] == "\t" and text[:pos].count('"') % 2 == 1:
        return ("tab character inside a string: write it as \\t", pos + 1)
    if pos >= len(stripped) or not here.strip():
        return (
            "the line ends before the JSON is complete (was the record cut off or split "
            "over several lines?)",
            len(stripped) + 1,
        )
    return (slips.parser_words(parser_message, text, pos), pos + 1)


def _text_after(text: str, end: int, tail: str, show_values: bool) -> tuple[str, int]:
    """invalid_json_message's answer for a line holding one JSON value and then `tail`,
    from character `end` on."""
    if tail.startswith("{") and text[:end].rstrip(" \t").endswith("\r"):
        # A file whose lines end with CR alone (a classic Mac OS export): one long line.
        return (
            "lines end with a carriage return alone (CR), not a line feed: end each line with \\n",
            end + 1,
        )
    joined = _JOINED.match(tail)
    if joined is not None:
        by = joined.group().strip(" \t,")
        said = f" joined by {typography.joiner(by)}" if by else ""
        return (f"two records on one line{said}: put each command on a line of its own", end + 1)
    if ord(tail[0]) < 0x20:
        return (f"control character U+{ord(tail[0]):04X} after the JSON value: remove it", end + 1)
    space = typography.space_name(tail[0])
    if space is not None:  # unseen in most editors: named, or "remove it" says nothing
        return (f"{space} after the JSON value: remove it", end + 1)
    if show_values:
        return (f"unexpected text after the JSON value: {tail[:20]!r}; remove it", end + 1)
    return ("unexpected text after the JSON value: remove it", end + 1)


def _placeholder_message(here: str, show_values: bool, key: str) -> str | None:
    """invalid_json_message's for a value between angle brackets, unquoted (of `key`): the
    docs' own form (`<TIMESTAMP>`), or another (`<true/false>`, `<user id>`); else None."""
    from mics_lint.rules.structure import leading_placeholder, shows_placeholder

    token = leading_placeholder(here)
    source = " from the docs' example"
    if token is None:
        angled = _ANGLED.match(here)
        if angled is None:
            return None
        token, source = angled.group(), ""
    named = f"{token} is" if shows_placeholder(token, show_values) else "here is"
    boolean = any(word in token.upper() for word in ("BOOL", "TRUE", "FALSE"))
    wanted = "true or false" if boolean else slips.wanted_value(key)
    return f"{named} a placeholder{source}, not a value: put the real value ({wanted})"


def separated_by_commas(text: str) -> tuple[str, int]:
    """invalid_json_message's for `text`, one JSON value then a comma (object_and_comma)."""
    return (
        "records are separated by commas: remove the ',' at the end of the line "
        "(NDJSON puts one record per line, with nothing between them)",
        len(text.rstrip()),
    )


def _parses(text: str) -> bool:
    try:
        parse_exact(text)
    except (ValueError, RecursionError):
        return False
    return True


def not_objects(text: str, exact_error: BaseException | None) -> bool:
    """Whether `text`, which parse_exact refused with `exact_error`, is not objects and
    commas either: its first value fails on its syntax, and `fix_records.objects` starts
    reading where parse_exact did (no comma to skip first), with the same decoder."""
    return _first_value_fails(text, exact_error) and not text.lstrip(" \t\r\n").startswith(",")


def _first_value_fails(text: str, exact_error: BaseException | None) -> bool:
    """Whether _after_first_value(text) is None, as parse_exact's error tells without a
    parse more: one met on the syntax of the value at the start of `text`, read from where
    _after_first_value reads it. Its decoder reads as parse_exact's does, but takes NaN and
    Infinity (the error says it met none) and refuses integers of thousands of digits."""
    if exact_error is None or not fails_in_first_value(exact_error, text):
        return False
    return len(text.lstrip(" \t\r\n")) == len(text.lstrip())


_PLAIN = json.JSONDecoder()  # one for all lines, not one a line: its scanner keeps no state


def _after_first_value(text: str) -> tuple[int, str] | None:
    """When `text` starts with a complete JSON value followed by more text: where it ends."""

    start = len(text) - len(text.lstrip())
    try:
        _, end = _PLAIN.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    tail = text[end:].strip()
    if not tail:
        return None
    end += len(text[end:]) - len(text[end:].lstrip())
    return end, tail


def document_error(
    text: str, pos: int, parser_message: str, show_values: bool = False
) -> tuple[int, int, str]:
    """Line, column and message of the syntax error at `pos` in a multi-line document."""
    after = _after_first_value(text)
    if after is not None:
        pos = after[0]
        message = (
            "a second JSON value starts here: the file holds several multi-line commands; "
            "write each on a single line"
        )
    else:
        message, column = invalid_json_message(text, pos, parser_message, show_values)
        pos = column - 1
    return (*offset_to_line_col(text, pos), message)


def duplicate_key_message(key: str, show_values: bool = False, within: str = "") -> str:
    shown, where = shorten(key, 40, show_values), f" in {within}" if within else ""
    return f"key {shown} appears more than once{where}: the last value is used, remove the others"


def unsafe_integer_message(
    path: Sequence[str | int], literal: str, show_values: bool, schema: Any
) -> str:
    """MIC104's message for the integer `literal` at `path` in a line (what may be shown
    depends on its top-level key); where `schema` wants a number there (a timestamp, a
    duration), no string will do either."""
    key = str(path[0]) if path else ""
    where = path_text(path) or "the line"
    if show_values:
        shown = literal if len(literal) <= 30 else literal[:27] + "..."
    elif key in redact.IDENTIFIER_KEYS:
        shown = literal[: redact.PREFIX] + "…"
    else:  # a value of user_profile, or of an unknown key: personal, not shown
        shown = f"of {len(literal.lstrip('-')):,} digits"
    head = f"integer {shown} in {where} is outside the 64-bit range and loses precision"
    if _wants_number(schema, path):
        return f"{head}: no time or count is that large, check the value"
    return f"{head}: write it as a string"


def _wants_number(schema: Any, path: Sequence[str | int]) -> bool:
    """Whether the schema types the value at `path` as an integer or a number (following
    `properties` and `items`; a free-form object's values are not)."""
    for part in path:
        if not isinstance(schema, dict):
            return False
        if isinstance(part, int):
            schema = schema.get("items")
        else:
            schema = schema.get("properties", {}).get(part)
    kind = schema.get("type") if isinstance(schema, dict) else None
    return kind in ("integer", "number")
