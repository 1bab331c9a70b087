"""MIC202's message for a value of the wrong type: what was found, what is wanted, and how
to write it (an id in quotes, a boolean or a number without them, a date as epoch
milliseconds), from the value as written where the parsed one would mislead."""

from __future__ import annotations

from typing import Any

from mics_lint import redact
from mics_lint.jsontext import json_type, parse_exact
from mics_lint.lazyre import compiled
from mics_lint.registry import Record
from mics_lint.rules.identifiers import blank_value

_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean (true or false, without quotes)",
    "object": "an object ({...})",
    "array": "an array ([...])",
    "integer": "an integer",
    "number": "a number",
    "null": "null",
}


def _redacted(key: str, written: str) -> str:
    """A value as written, as a message may show it: an identifier's prefix, or nothing."""
    if key in redact.IDENTIFIER_KEYS:
        return written if len(written) <= redact.PREFIX else written[: redact.PREFIX] + "…"
    if key in redact.COMMAND_KEYS:
        return written
    return ""


def type_message(
    path: str,
    expected: Any,
    value: Any,
    written: str,
    hidden_under: str | None,
    *,
    quote: bool = True,
) -> str:
    """The message for a value of the wrong type; `hidden_under`, unless None, is the
    top-level key whose value is shown only as redact.py allows; not `quote`: a number in a
    string field is not told to be quoted (digits never fill it)."""
    names = [expected] if isinstance(expected, str) else list(expected)
    wanted = " or ".join(_TYPE_WORDS.get(n, n) for n in names)
    is_integer = written.lstrip("-").isdigit()
    if is_integer or (isinstance(value, int) and not isinstance(value, bool)):
        found = "an integer"
    elif isinstance(value, float):
        # 5.0, 1.5 or 1e3: "a number" would read as if an integer were not one.
        found = "a decimal number"
    else:
        found = json_type(value)
    message = f"{path} must be {wanted}, not {found}"
    if "integer" in names and isinstance(value, float) and _whole_digits(written) is None:
        # A string or an integer (a deletion's compartment_id): "1000.5" would be no id.
        message += _whole(path, value)
    elif (
        quote
        and "string" in names
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
    ):
        # As written in the file: a float repr would lose the digits of a long id. A whole
        # number written with a fraction or an exponent (1000.0, 1e3: a spreadsheet's or a
        # CSV converter's doing) is an id's digits: "1000.0" would be no id (MIC308).
        # (A nested value's text is not at hand: its float's repr, as exact as it was read.)
        shown = _whole_digits(written or repr(value)) if isinstance(value, float) else None
        if shown is not None and not is_integer and float_rounded(shown):
            return message + _ROUNDED
        shown = shown or written or str(value)
        if hidden_under is not None:
            shown = _redacted(hidden_under, shown)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        message += f': write it in quotes, "{shown}"' if shown else ": write it in quotes"
    elif "boolean" in names and spelt_boolean(value) is not None:
        message += f": write {value.lower()} without quotes"
    elif "integer" in names and found == "a decimal number":
        message += _whole(path, value)  # 1e3 and 1000.0 are whole: JSON Schema takes them
    elif names[0] in ("integer", "number") and isinstance(value, str) and _numeral(value):
        message += f": write {value.strip()} without quotes"
    elif names[0] in ("integer", "number") and isinstance(value, str) and _dated(value):
        message += ": write the date as epoch milliseconds (1700000000000), not as text"
    elif names[0] in ("integer", "number") and isinstance(value, str) and is_time_field(path):
        # .NET's date (Json.NET's, ConvertTo-Json's) holds the number; "now", "<TS>" none
        ms = _ms_date(value)
        message += (
            f": write {ms} (the milliseconds of .NET's /Date()/)"
            if ms
            else ": give the time in epoch milliseconds (1700000000000)"
        )
    elif "object" in names and value == []:
        message += ": write {} for an empty object"
    elif names[0] in ("object", "array") and isinstance(value, str) and _holds(value, names[0]):
        # JSON encoded twice ("{\"tier\":\"gold\"}"): an export that serialised a column.
        message += f": write the {names[0]} itself, not a string holding it (no quotes, no \\)"
    return message


# "\/Date(1700000000000)\/" as written, "/Date(1700000000000+0100)/" once parsed.
_MS_DATE = compiled(r"/Date\((-?[0-9]+)(?:[+-][0-9]{4})?\)/\Z")


def _ms_date(value: str) -> str:
    """The milliseconds of a date as .NET writes it, or ""."""
    found = _MS_DATE.match(value)
    return found[1] if found else ""


def _whole(path: str, value: float) -> str:
    """What to write for a decimal number where an integer goes: in a time field, seconds
    with a fraction (Python's `time.time()`) as milliseconds, whose whole number alone
    would be MIC601's next."""
    if is_time_field(path):
        from mics_lint.rules.activities import CLEARLY_SECONDS_FROM, SECONDS_BELOW

        if CLEARLY_SECONDS_FROM <= value < SECONDS_BELOW:
            return f": it looks like seconds; write milliseconds, {round(value * 1000)}"
        # Not past 64 bits: `1e400` reads as infinity, whose int() raises, and the
        # digits of `1e300` are no advice.
        if SECONDS_BELOW <= value < 2**63:
            return f": write whole milliseconds, {int(value)}"
    return ": write a whole number"


def is_time_field(path: str) -> bool:
    """Whether the field at `path` (`$events[0].$ts`) is one of the platform's times."""
    name = path.rpartition(".")[2]
    return name == "$ts" or name.endswith("_ts")


def _holds(value: str, kind: str) -> bool:
    """Whether the text `value` is JSON of `kind` (an object, an array)."""
    text = value.strip()
    if text[:1] != ("{" if kind == "object" else "["):
        return False
    try:
        parsed = parse_exact(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict if kind == "object" else list)


def _numeral(value: str) -> bool:
    """A number in quotes ("0", "1700000000000", "-1.5"), as JSON would read it unquoted."""
    text = value.strip()
    return bool(text) and len(text) <= 40 and _NUMERAL.fullmatch(text) is not None


def _dated(value: str) -> bool:
    """A date written as text ("2023-11-14T22:13:20Z", "2023-11-14"): a year, a month, a day."""
    return _DATE.match(value.strip()) is not None


_NUMERAL = compiled(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_DATE = compiled(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


#: A float holds every integer up to 2**53 exactly, and past it only some of them.
FLOAT_EXACT = 2**53
_ROUNDED = (
    ": a decimal this large may be an id rounded by a float (which holds 15 to 16 digits"
    " exactly): write the id in quotes as its source holds it, not as this value"
)


def float_rounded(digits: str) -> bool:
    """Whether a whole number written as a decimal (`9250000000000000.0`, `9.25e15`: an id
    column read as floats), its integer `digits`, is past what a float holds exactly: the
    id it was made from may have been another (9250000000000001), so its digits quoted
    are no fix (fix_records.py) and no advice."""
    return abs(int(digits)) >= FLOAT_EXACT


def _whole_digits(written: str) -> str | None:
    """The digits of a number written with a fraction or an exponent that is whole
    (`1000.0`, `1.5e3`), read from its text, never from the float (which rounds
    `4503599627370497.5` and `1000.0000000000000001`); None if it is not whole."""
    from decimal import Decimal, InvalidOperation

    if not written or len(written) > 400:
        return None
    try:
        number = Decimal(written)
    except InvalidOperation:
        return None
    # Past a hundred digits it is no id (0.1e999999 would be a million of them).
    if not number.is_finite() or number.adjusted() > 100 or number != number.to_integral_value():
        return None
    return str(int(number))


def spelt_boolean(value: object) -> bool | None:
    """The boolean a string spells (`"true"`, `"FALSE"`: a CSV export's), or None: what
    the message says to write, and what `--fix` writes (fix_records.py)."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


# Identifier keys (less a `$`) each naming a user alone: an empty one beside another may go.
_NAMING = frozenset({"user_account_id", "email_hash", "user_agent_id", "hash", "user_point_id"})


def named_otherwise(record: Record, path: tuple[str | int, ...]) -> bool:
    """Whether the identifier at `path` (empty, or null) may be left out rather than given
    its value: its object names the user by another, or it is a typed identifier's
    compartment (a deletion's, an association's: optional there). Else leaving it out is
    another error: no identifier (MIC301), the field a line's type needs (MIC901), an
    account without its compartment (MIC304); a segment or processing id is never optional."""
    node: Any = record
    for step in path[:-1]:
        fits = isinstance(node, dict) or (isinstance(node, list) and isinstance(step, int))
        node = node[step] if fits else None
    key = path[-1] if path else None
    if not isinstance(node, dict) or not isinstance(key, str):
        return False
    name = key.lstrip("$")
    if "type" in node:  # a typed identifier: its type needs its fields, but a compartment
        return name == "compartment_id"
    pair = {"user_account_id": "compartment_id", "compartment_id": "user_account_id"}.get(name)
    if pair is not None and any(
        k.lstrip("$") == pair and not blank_value(v) for k, v in node.items()
    ):
        return False  # the other of the account's pair would be left alone (MIC303, MIC304)
    if name == "compartment_id":  # with its account null or absent: an export's empty columns
        name = "user_account_id"
    return name in _NAMING and any(
        other != key and other.lstrip("$") in _NAMING and isinstance(v, str) and v.strip()
        for other, v in node.items()
    )


def identifier_needed(record: Record, path: tuple[str | int, ...]) -> bool:
    """Whether the field at `path` is an identifier to be given its value, not left out."""
    name = path[-1].lstrip("$") if path and isinstance(path[-1], str) else ""
    return (name in _NAMING or name == "compartment_id") and not named_otherwise(record, path)
