"""MIC101's words for slips of hand-written JSON that its parser names in its own terms
("no digit after sign", "unexpected character"): a word without quotes, a number written
as a person writes one (`0042`, `.5`, `+5`, `1,234`), a double quote inside a string, a
backslash that starts no escape (`C:\\Users`), told where the parser stopped
(syntax.invalid_json_message asks here last); a line number copied before a record, a
record in single quotes, a Markdown code fence (row_shapes.message asks first)."""

from __future__ import annotations

from mics_lint.jsontext import parse_exact
from mics_lint.lazyre import compiled
from mics_lint.rules.structure import MISSING_TEXT

_BARE_WORD = compiled(r"[A-Za-z_$][\w$-]*")
# Bare words a message may repeat: the command's own keys, never data.
_COMMAND_WORDS = frozenset(
    {"operation", "compartment_id", "user_account_id", "email_hash", "user_agent_id"}
    | {"force_replace", "merge_objects", "user_profile"}
)
# A number as a person writes one, where the parser stopped: a leading zero (`0042`), a
# leading point (`.5`) or plus (`+5`).
_HAND_NUMBER = compiled(r"-?0[0-9]|[.+][0-9]")


# Where a key was expected, three digits after a value's digits and a comma: `"n":1,234`.
_THOUSANDS_BEFORE = compiled(r":([ \t]*)-?[0-9]{1,3}(?:,[0-9]{3})*,\Z")
_THOUSANDS_HERE = compiled(r"[0-9]{3}(?![0-9.eE])")
# What may follow a backslash in a JSON string.
_ESCAPES = frozenset('"\\/bfnrtu')


def slip(text: str, pos: int, previous: str, show_values: bool) -> tuple[str, int] | None:
    """The answer for a slip of hand-written JSON where the parser stopped, at `pos` of
    `text`, after `previous` (the last character before it but spaces), and the column to
    show; or None."""
    here = text[pos:]
    said = bare_word(here, previous, show_values)
    if said is not None:
        return said, pos + 1
    before = _THOUSANDS_BEFORE.search(text, 0, pos) if text[pos - 1 : pos] == "," else None
    if before is not None and _THOUSANDS_HERE.match(here):
        # Shown at the number's first character (its sign or digit), not past its comma.
        start = before.start() + 1 + len(before.group(1))
        return "a JSON number has no thousands separator: write 1234, not 1,234", start + 1
    if previous == '"' and here[:1].isalnum():  # `"the "boss""`: the string ended early
        return 'a double quote inside a string ends it: write it as \\" to keep it', pos + 1
    if here[:1] == "\\" and here[1:2] not in _ESCAPES:  # `"C:\Users"`
        return "a backslash in a string starts an escape: write a backslash as \\\\", pos + 1
    return None


def wrapped(text: str) -> str | None:
    """The answer for a line that wraps a record, or is none: a record in single quotes
    (`'{...}'`, as a shell or SQL quotes one), a Markdown code fence (a chat's or a page's
    example copied whole); else None."""
    stripped = text.strip(" \t")
    if stripped.startswith("```"):
        return "a Markdown code fence (```) is not part of the file: remove the line"
    said = _tool_line(stripped)
    if said is not None:
        return said
    if len(stripped) < 4 or stripped[0] != "'" or stripped[-1] != "'" or stripped[1] != "{":
        return None
    try:
        record = parse_exact(stripped[1:-1])
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    return "the record is wrapped in single quotes (a shell's or SQL's): remove the quotes"


# What SQL Server's sqlcmd (or SSMS's text results) writes around FOR JSON's rows: the
# column's name, the line under it, and the count of rows.
_ROWS_AFFECTED = compiled(r"\([0-9,]+ rows? affected\)")
_FOR_JSON_COLUMN = compiled(r"JSON_[0-9A-F]{8}-[0-9A-F]{4}-[0-9a-f]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


def _tool_line(stripped: str) -> str | None:
    """The answer for a line a tool writes around the records (sqlcmd's header and row
    count, an old DOS tool's end-of-file mark), or None."""
    if stripped == "\x1a":  # `copy /a`, and old DOS tools, end a text file with Ctrl-Z
        return "Ctrl-Z (U+001A), an old end-of-file mark (copy /a, DOS tools): remove it"
    if _ROWS_AFFECTED.fullmatch(stripped):
        return "sqlcmd's count of rows, no record: remove the line (SET NOCOUNT ON omits it)"
    if _FOR_JSON_COLUMN.fullmatch(stripped):
        return "sqlcmd's column header, no record: remove the line (sqlcmd -h -1 omits it)"
    if len(stripped) >= 10 and all(len(g) >= 2 and not g.strip("-") for g in stripped.split()):
        return "the line under sqlcmd's column header: remove it (sqlcmd -h -1 omits both)"
    return None


def bare_word(here: str, previous: str, show_values: bool) -> str | None:
    """The answer for a word without quotes at the start of `here`, where the parser
    stopped, after `previous` (the last character before it), or None."""
    word = _BARE_WORD.match(here)
    if word is None:
        return None
    if not previous:  # `not json`, a log line, a CSV header
        return "the line is not JSON: each line must be one JSON object {...}"
    # A missing value as JavaScript, Ruby or a database writes it: quoted, as the next
    # answer says, it would be that text; JSON's is null.
    if previous == ":" and word.group() in MISSING_TEXT:
        return f"{word.group()} is not JSON: write null, or leave the key out"
    if previous == ":":  # `"tier": gold`
        return "strings must be in double quotes: quote the value here"
    if previous not in ("{", ","):
        return None
    if show_values or word.group() in _COMMAND_WORDS:
        name = word.group()
        return f'keys must be strings in double quotes: write "{name}" instead of {name}'
    # It may be a profile value written without quotes: not repeated (redact.py).
    return "keys and strings must be in double quotes: quote the word here"


# A line number copied from a viewer or `cat -n`, before the record: `12 {`, `12\t{`, `12: {`.
_NUMBERED = compiled(r"[ \t]*[0-9]+[ \t:|.,)\]-]*(?=\{)")


def numbered_line(text: str) -> str | None:
    """The answer for a line that starts with a number before its record, or None (before
    it is taken for a CSV row or for two values on one line)."""
    if _NUMBERED.match(text):
        return "the line starts with a number before its record (a line number?): remove it"
    return None


def key_before(text: str, pos: int) -> str:
    """The key whose value starts at `pos` (`"user_account_id":0042`), or ""."""
    found = _KEY_BEFORE.search(text, max(0, pos - 200), pos)
    return found.group(1) if found else ""


_KEY_BEFORE = compiled(r'"([^"\\]{1,64})"[ \t]*:[ \t]*\Z')


def _is_id(key: str) -> bool:
    """Whether a key names an id, in any type's spelling (`user_account_id`, `$hash`,
    `email_hash`, `segment_id`): its digits are kept whole, as a string."""
    return key.endswith(("_id", "hash"))


def wanted_value(key: str) -> str:
    """What a field holds, for a placeholder left in its place: by the key's name."""
    from mics_lint.rules.type_messages import is_time_field  # a bad line only

    if is_time_field(key):
        return "a number: the time in epoch milliseconds, as 1700000000000"
    if key.lstrip("$") in ("ttl", "expiration_duration", "session_duration"):
        return "a whole number"
    if _is_id(key):
        return "a string in double quotes"
    return "a number, or a string in double quotes"


def parser_words(parser_message: str, text: str, pos: int) -> str:
    """The answer where no better one was found: the parser's message, or, for a number
    written by hand where it stopped (at `pos` of `text`), what JSON wants instead."""
    here = text[pos:]
    if _HAND_NUMBER.match(here):
        key = key_before(text, pos)
        if _is_id(key) and here[:1] in "-0":
            # 42 would name another user than 0042 (MIC202 then asks for "42").
            return (
                f"{key} keeps its leading zeros only as a string: write the id in double "
                'quotes, as written (0042 as "0042")'
            )
        return (
            "a JSON number has no leading zero, point or plus sign (0042, .5, +5): write "
            "42, 0.5 or 5, or an id with its zeros as a string in double quotes"
        )
    if parser_message == "depth limit exceeded":  # orjson's: JSON itself sets no limit
        return (
            "nested more than 1,024 levels deep (arrays and objects within one another), "
            "past the depth JSON parsers read: flatten the value"
        )
    return f"invalid JSON: {parser_message}"
