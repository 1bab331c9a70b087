"""Lines that hold a record in another shape than one JSON object: a CSV row, a JSON object
in CSV quotes, an object's members without their braces; and MIC102's message for a line
that is JSON but no object (an array of commands, say). MIC101 (syntax.py) names the shape,
where the JSON parser's error ("unexpected text after the JSON value: remove it", at the
first comma of `1000,CRM-42,UPSERT` or of `"operation":"DELETE",...`) would have sent the
user to delete most of the line."""

from __future__ import annotations

from mics_lint.diagnostic import counted
from mics_lint.framer import commas_alone
from mics_lint.jsontext import parse_exact
from mics_lint.lazyre import compiled
from mics_lint.rules import slips

# Tried in this order: a comma in a tab-separated row is most often inside a value.
_DELIMITERS = (("\t", "tabs"), (",", "commas"), (";", "semicolons"), ("|", "vertical bars"))
# `"key": value, ...` is an object without its braces, not a row of values.
_KEY_FIRST = compiled(r'\s*"(?:[^"\\]|\\.)*"\s*:')


def csv_quoted(text: str) -> bool:
    """Whether `text` is a JSON object as a CSV cell holds it: `"{""a"":1}"` (Excel's "Save
    as CSV" of a column of JSON), whose advice is not "remove the text after `"{"`"."""
    if not (text.startswith('"{') and text.endswith('}"') and '""' in text):
        return False
    return _holds_object(text[1:-1].replace('""', '"'))


def delimiter(text: str) -> str | None:
    """The name of the delimiter ("commas", "tabs"...) of `text` if it is a row of delimited
    values, a CSV header (`operation,compartment_id`) or record (`UPSERT,1000,CRM-42`): two
    fields or more, as Python's csv module reads them; None for anything that opens as JSON
    does (`{`, `[`) or starts like an object's member (`"key":`)."""
    found = delimited(text)
    return None if found is None else found[0]


def delimited(text: str) -> tuple[str, list[str]] | None:
    """`delimiter`'s name of the delimiter of `text`, with the fields it cuts it into."""
    stripped = text.strip(" \r\n")
    if stripped[:1] in ("", "{", "[") or _KEY_FIRST.match(stripped):
        return None
    import csv  # a bad line's message only

    for char, name in _DELIMITERS:
        if char not in stripped:
            continue
        try:
            fields = next(csv.reader([stripped], delimiter=char, strict=True))
        except csv.Error:  # a quote left open: not a row as csv writes them
            continue
        if len(fields) >= 2:
            return name, fields
    return None


def bare_members(text: str) -> tuple[str, int] | None:
    """MIC101's message for an object's members without their braces (`"operation":"DELETE",
    "email_hash":"3f2a9c"`), else None. Indented or ended by a comma, the line is most
    likely one of a record pretty-printed over lines (whose lines, when they do not parse
    together, are reported one by one): said so, with what is wrong in the member itself
    (`"force_replace": True,`), where following "write it inside { }" would make a record
    of each."""
    if not _KEY_FIRST.match(text):
        return None
    members = text.rstrip(" \t")
    comma = members.endswith(",")
    inner = "{" + members.removesuffix(",") + "}"
    broken = not _holds_object(inner)
    if comma or text[:1] in (" ", "\t"):
        said = (
            "the line is a member of a record written over several lines: write the whole "
            "record on one line (NDJSON holds one record per line)"
        )
        problem = _member_problem(inner) if broken else None
        if problem is None:
            return said, 1
        return f"{problem[0]}; {said}", min(problem[1], len(text) + 1)
    if broken:
        return None
    return "the line is an object's members without its braces: write it inside { }", 1


def _member_problem(inner: str) -> tuple[str, int] | None:
    """What is wrong in `inner`, a line's members in braces (MIC101's own words), and its
    column in the line (one less: without the brace); None if it is only that the member
    goes on over the next lines (its value an object or array left open)."""
    import orjson  # a bad line's message only

    from mics_lint.rules.syntax import invalid_json_message  # which imports this module

    try:
        orjson.loads(inner)
    except orjson.JSONDecodeError as error:
        said, column = invalid_json_message(inner, error.pos, error.msg)
        if said.startswith("the line ends before"):
            return None
        return said, max(column - 1, 1)
    return "the member is not valid JSON", 1  # orjson takes what parse_exact refused


def delimited_message(name: str, doc_type: str = "") -> str:
    if doc_type == "USER_SEGMENT":
        # The segments page: "APPLICATION_X_NDJSON or TEXT_CSV mime type".
        return (
            f"the line is CSV (values separated by {name}), not JSON: a segment import may "
            "be CSV, uploaded with the TEXT_CSV mime type, which mics-lint does not check; "
            "as NDJSON, each line is one JSON object, its keys the fields in lower case "
            '({"operation":"UPDATE","user_agent_id":...}) and empty cells left out'
        )
    return (
        f"the line is CSV (values separated by {name}), not JSON: each line must be one "
        "JSON object {...}; turn each row into one, its column names as keys (pandas: "
        'df.to_json(path, orient="records", lines=True))'
    )


# SQL Server Management Studio cuts FOR JSON's result into rows of this many characters:
# a line of that length that is not JSON is one of them, whatever it starts with.
_SSMS_ROW = 2033
SSMS_ROW_MESSAGE = (
    "the line is 2,033 characters long: a row of SQL Server Management Studio, which cuts "
    "FOR JSON's result into such rows; join them without line breaks, or select the result "
    "as one value: SELECT (SELECT ... FOR JSON PATH)"
)

CSV_QUOTED_MESSAGE = (
    "this line is a JSON object inside CSV quotes (a spreadsheet saved it as CSV): "
    'remove the quotes around it and write each "" as "'
)


def message(text: str, doc_type: str = "") -> tuple[str, int] | None:
    """MIC101's message for a line that holds a record in one of these shapes, and its
    column, else None; `doc_type`, the file's (a segment import may be CSV)."""
    if text.strip(" \t") in ("}", "},", "]", "],"):
        return (
            "the line closes a record written over several lines: write the whole record on "
            "one line (NDJSON holds one record per line)",
            1,
        )
    if commas_alone(text.encode("utf-8", "replace")):  # no CSV row: no value in it
        return (
            "a comma alone on a line: records are separated by line breaks: remove the line",
            text.index(",") + 1,
        )
    if len(text) == _SSMS_ROW and text[-1:] not in ("}", "]"):  # else maybe records, whole
        return SSMS_ROW_MESSAGE, 1
    if text[:1] in ("{", "[", "\ufeff"):  # none opens so: a broken record's (`,}`), nor a BOM
        return None  # (files joined: MIC101 says it first, typography.py)
    said = slips.wrapped(text)
    if said is not None:
        return said, 1
    numbered = slips.numbered_line(text)
    if numbered is not None:
        return numbered, 1
    if csv_quoted(text):
        return CSV_QUOTED_MESSAGE, 1
    members = bare_members(text)
    if members is not None:
        return members
    name = delimiter(text)
    return None if name is None else (delimited_message(name, doc_type), 1)


def not_an_object(value: object, identifiers: bool = False) -> str:
    """MIC102's message, naming what the line is instead; `identifiers`: the array is an
    association's identifiers without their wrapper (guards.Guard.wrapper_lost)."""
    if isinstance(value, list):
        if identifiers:
            return (
                f"the line is a JSON array of {counted(len(value), 'identifier')}: wrap one "
                'user\'s identifiers as {"identifiers": [...]}'
            )
        if value and all(isinstance(v, dict) for v in value):
            return (
                f"the line is a JSON array of {counted(len(value), 'object')}, not one "
                "command: put each command on a line of its own"
            )
        return "the line is a JSON array, not a command object: each line must be {...}"
    if isinstance(value, str) and value.lstrip().startswith("{") and _holds_object(value):
        # json.dumps of json.dumps, or a JSON column written as text (a database export).
        return (
            "the line is a string holding a JSON object (encoded twice), not a command "
            "object: write the object itself, without the outer quotes and backslashes"
        )
    kind = {str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
    return f"the line is {kind}, not a command object: each line must be one JSON object {{...}}"


def _holds_object(text: str) -> bool:
    """Whether `text` is one JSON object, as parse_exact reads it."""
    try:
        return isinstance(parse_exact(text), dict)
    except (ValueError, RecursionError):
        return False
