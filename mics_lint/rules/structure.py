"""MIC2xx: the shape of one command, as its document type's JSON Schema describes it.

The schema is the single source of truth for structure: MIC201-MIC205 are jsonschema's
errors, translated in schema_errors.py into one-line messages that say what to change.
MIC206 (placeholders) is a Python check: it concerns any string anywhere in the record,
which a schema says badly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Finding, Severity
from mics_lint.jsontext import path_text, shorten
from mics_lint.lazyre import compiled
from mics_lint.registry import FIX_SAFE, FIX_UNSAFE, Family, LineContext, Record
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import redact
    from mics_lint.doctypes import DocType
    from mics_lint.rules import schema_errors as _errors
    from mics_lint.schema import SchemaError
else:  # imported at their first use: a message; a record the schema refuses (issue 14)
    redact = later("mics_lint.redact")
    _errors = later("mics_lint.rules.schema_errors")

FAMILY = Family("MIC2", "structure")

MISSING_FIELD = FAMILY.declare(
    "MIC201",
    "missing-field",
    Severity.ERROR,
    "a required field (`operation`) is absent",
    """
    ## What it does
    Checks that the command has the fields its document type requires: for a user-profile
    import, `operation`.

    ## Why is this bad?
    Without `operation` the platform does not know whether to update or delete the profile,
    and rejects the line.

    ## Example
    ```ndjson
    {"email_hash":"3f2a9c","force_replace":true,"user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_profile":{"tier":"gold"}}
    ```
    """,
)

WRONG_TYPE = FAMILY.declare(
    "MIC202",
    "wrong-type",
    Severity.ERROR,
    "a known field has the wrong JSON type",
    """
    ## What it does
    Checks the JSON type of every known field: identifiers are strings (`"1000"`, not
    `1000`), `force_replace` and `merge_objects` are booleans (`true`, not `"true"`),
    `user_profile` is an object.

    ## Why is this bad?
    The platform does not convert types: a compartment id given as a number, or a boolean
    given as a string, fails the line.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":1000,"user_account_id":"CRM-42","force_replace":"false","user_profile":{}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{}}
    ```

    ## Fix
    `--fix` quotes an identifier written as an integer (`1000` becomes `"1000"`, same
    digits; a whole decimal too, `1000.0` its digits) and unquotes a boolean written as the
    string `"true"` or `"false"` (as in the example above, what a CSV export makes of one).
    A number with a fraction or an exponent (`1000.5`, `1e3`) and any other value of the
    wrong type are left to you.
    """,
    fix=FIX_SAFE,
    fix_always=False,
)

INVALID_VALUE = FAMILY.declare(
    "MIC203",
    "invalid-value",
    Severity.ERROR,
    "a value is not one of the allowed values (`operation`, `type`, ...)",
    """
    ## What it does
    Checks that fields with a fixed set of values hold one of them: `operation` is `UPSERT`
    or `DELETE`, in capitals. A near miss (`upsert`, `Delete`) gets a "did you mean";
    `UPDATE`, the segments' operation, a hint that profile and choice imports use `UPSERT`.

    ## Why is this bad?
    The values are case-sensitive: `upsert` is not an operation, and the line fails.

    ## Example
    ```ndjson
    {"operation":"upsert","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```

    ## Fix
    `--fix --unsafe-fixes` corrects the case of a value, and the whitespace around it, when
    exactly one allowed value matches it whatever the case (`upsert` and `"UPSERT "` become
    `UPSERT`; `UPDATE` is left to you). It
    is unsafe because it turns a line the platform would reject into a command it will run:
    check the result with `--diff` first.
    """,
    fix=FIX_UNSAFE,
    fix_always=False,
)

UNKNOWN_FIELD = FAMILY.declare(
    "MIC204",
    "unknown-field",
    Severity.ERROR,
    "a key the format does not have",
    """
    ## What it does
    Checks that every top-level key is one the document type defines, and reports each
    other key once, with the known key it was probably meant to be (`forceReplace`,
    `user_acount_id`). A key that is the mark of another import (`segment_id`,
    `user_choice`, `user_point_id`) is named as that import's, not as a misspelling of a
    key it resembles: the line is likely in the wrong file.

    ## Why is this bad?
    A misspelt key is not read: `forceReplace` leaves `force_replace` missing, and a
    misspelt identifier leaves the command without one. Custom data belongs inside
    `user_profile`, not next to it.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{},"tier":"gold"}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```

    ## Fix
    `--fix --unsafe-fixes` renames a misspelt key to the one known key it is close to,
    when there is exactly one and the line does not have that key already (`forceReplace`
    becomes `force_replace`), unless the key is another import's, or the new name would
    give the line a second identifier. It is unsafe because the renamed field starts to
    take effect (an identifier, a `force_replace` that replaces a whole profile): check the
    result with `--diff` first. Custom data next to `user_profile`, as in the example, is
    left to you.
    """,
    fix=FIX_UNSAFE,
    fix_always=False,
)

EMPTY_VALUE = FAMILY.declare(
    "MIC205",
    "empty-value",
    Severity.ERROR,
    "an identifier is empty or only whitespace",
    """
    ## What it does
    Checks that identifiers (`compartment_id`, `user_account_id`, `email_hash`,
    `user_agent_id`) are not empty or made only of whitespace, and that an association
    line's `identifiers` list is not empty.

    ## Why is this bad?
    An empty identifier names nobody: the platform cannot find the user, or, worse, files
    every such line under one empty-id user. It usually means the export joined a missing
    column.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":""}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Leave the line out when the user has no identifier.
    """,
)

# The docs' placeholders, and only their shape (<USER_ACCOUNT_ID>, <EMAIL_HASH>, <INTEGER>):
# capitals, digits and underscores, starting with a capital, the whole value (fullmatch).
# Profile values and event properties are free-form, so "<none>", "<jane@example.com>" or
# "<b>bold</b>" are data, not placeholders; a leading capital spares "<18>" too.
# Compiled at first use, and tried only on a value starting with "<": every string value
# of a clean line is asked (issue 14).
# Also, as the tracking API's page writes them, a word in capitals and an underscore, then
# a lower-case slip or a number after a hyphen (<USER_EMAIl>, <COMPARTMENT_ID-1>; a value
# such as "<Gold_Tier>" stays data); and one whose ">" is missing, as in the segment
# import's example ("<SEGMENT_ID"), in capitals, so that a short code ("<ABC") stays data.
PLACEHOLDER = compiled(
    r"<[A-Z][A-Z0-9_]*>|<[A-Z][A-Z0-9]+_[A-Za-z0-9_]*[A-Za-z0-9](?:-[0-9]+)?>"
    r"|<[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]"
)
# As the docs write them (<USER_ACCOUNT_ID>, <ACCOUNT_ID-1>): words, and at most a digit
# after a hyphen, so never personal data.
_DOC_TOKEN = compiled(r"<[A-Z][A-Za-z_]{0,39}(?:-[0-9])?>?")


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and value[:1] == "<" and PLACEHOLDER.fullmatch(value) is not None


# Inside an identifier: `<`, up to 40 characters, `>`; not an address (`Jane
# <jane@example.com>`, MIC305's), a prefixed id (`<vec:1>`, MIC306's) or hex digits (a hash
# in brackets): words, as a template writes them. No identifier holds such a thing.
_INNER_PLACEHOLDER = compiled(r"<(?![0-9A-Fa-f]+>)[^<>@:\s][^<>@:]{0,39}>")


def inner_placeholder(value: str) -> str | None:
    """The placeholder an identifier value holds (`vec:<USER_AGENT_ID>`, `<64-hex sha256>`,
    `<email_hash>`), whole or inside it, or None (MIC309; a whole one MIC206 also takes)."""
    found = _INNER_PLACEHOLDER.search(value) if "<" in value else None
    return None if found is None else found.group()


#: A missing value written as text, as an export writes an empty cell: pandas' `NaN` and
#: `None` (and `NaT` for a date), SQL's `NULL`, JavaScript's `undefined`, R's `NA`,
#: spreadsheets' `N/A`. Each case as exports write it: a set lookup, no `lower()` a value.
MISSING_TEXT = frozenset(
    {"nan", "NaN", "NAN", "none", "None", "NONE", "null", "Null", "NULL", "NaT", "nil"}
    | {"undefined", "Undefined", "UNDEFINED", "N/A", "n/a", "#N/A", "NIL", "NA"}  # NA: R's
)


#: The longest of them, plus one: a value as long is none of them.
MISSING_LONGEST = max(map(len, MISSING_TEXT)) + 1


def is_missing_text(value: str) -> bool:
    """MIC310: an identifier that is a missing value written as text (`"nan"`)."""
    return value in MISSING_TEXT


def leading_placeholder(text: str) -> str | None:
    """The placeholder `text` starts with, unquoted (`<TIMESTAMP>,"$events":...`), or None."""
    end = text.find(">", 1, 64)
    return text[: end + 1] if end > 0 and is_placeholder(text[: end + 1]) else None


def shows_placeholder(token: str, show_values: bool) -> bool:
    """Whether a message may repeat the placeholder `token`: the docs' own words, or any
    with --show-values (<CARD_4111111111111111> holds digits that may be data)."""
    return show_values or _DOC_TOKEN.fullmatch(token) is not None


@FAMILY.rule(
    "MIC206", "placeholder-value", Severity.ERROR, "a value is a documentation placeholder"
)
def placeholder_value(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for values that are documentation placeholders left in, such as
    `"<USER_ACCOUNT_ID>"` or `"<COMPARTMENT_ID>"`: a whole string of capitals, digits and
    underscores between `<` and `>` (starting with a capital), as the docs write them,
    anywhere in the command (inside `user_profile` too); also a word in capitals and an
    underscore, then a lower-case slip or a number after a hyphen (`"<COMPARTMENT_ID-1>"`,
    `"<USER_EMAIl>"`, as the tracking API's page writes them), and such a placeholder in
    capitals whose `>` is missing (`"<SEGMENT_ID"`, as the segment import's example prints
    it). Other text between angle brackets (`"<none>"`, `"<jane@example.com>"`, HTML) is
    data, and is not reported; so are, in a profile, an event's properties, a data bag, an
    activity's `$origin` or custom keys, or a choice's own fields, the masks and tags an
    export writes in capitals (`"<REDACTED>"`, `"<NULL>"`, `"<UNKNOWN>"`, `"<BR>"`).

    ## Why is this bad?
    Lines copied from the documentation's examples and never filled in import a fake user,
    or overwrite a real profile property with the placeholder text.

    ## Example
    ```ndjson
    {"operation":"DELETE","compartment_id":"<COMPARTMENT_ID>","user_account_id":"CRM-42"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}
    ```
    """
    raw = ctx.raw  # find, not `in`: see framer.BACKSLASH
    if raw.find(b'"<') < 0 and raw.find(b"\\u003") < 0:  # "<", or "<" escaped
        return
    from mics_lint.rules.free_form import placeholders  # a line holding "<" only

    for path, found in placeholders(record):
        if shows_placeholder(found, ctx.show_values):
            # <USER_ACCOUNT_ID>: the docs' words, not data
            shown = " " + shorten(found, show_values=ctx.show_values)
        elif path[0] in redact.IDENTIFIER_KEYS:
            shown = " " + redact.identifier(found)
        else:
            shown = ""  # a profile value: not shown
        where = path_text(path)  # printable: a key "x\ny" must not end the line
        message = f"{where} still holds the placeholder{shown}: put the real value"
        yield ctx.at(path, message)


PLACEHOLDER_VALUE = FAMILY.rules[-1]


OTHER_DOCUMENT_TYPE = FAMILY.declare(
    "MIC207",
    "other-document-type",
    Severity.ERROR,
    "the line is a command of another import type",
    """
    ## What it does
    Checks that each line is a command of the file's document type: a line holding keys
    only another type has (a segment's `segment_id` in a profile file) is reported once,
    naming that type, and is not checked further. The three deletions share their keys:
    a line of only their keys (`{"type":"USER_EMAIL","hash":"..."}`) is named a deletion,
    with the deletions whose schema takes its `type`. The file's type comes from
    `--doc-type`, the config's `doc-types` globs, or its first records.

    ## Why is this bad?
    A file is imported as one document type: a line of another type fails, and it usually
    means two exports were concatenated, or a file went to the wrong import.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    {"operation":"UPSERT","email_hash":"a1b2c3","force_replace":false,"user_profile":{"tier":"silver"}}
    {"operation":"UPDATE","email_hash":"8b1e77","segment_id":"4521","expiration_duration":0}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    {"operation":"UPSERT","email_hash":"a1b2c3","force_replace":false,"user_profile":{"tier":"silver"}}
    ```
    Put the segment line in a segment import file.
    """,
)


def schema_codes(schema: Any) -> frozenset[str]:
    """The codes a schema's errors are reported under: this family's, and those its
    subschemas name for a keyword (`x-mics-codes`: a segment's data_bag of the wrong type is
    MIC701), so that selecting MIC701 alone still runs the schema."""
    codes = {rule.code for rule in FAMILY.rules}
    todo = [schema]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            named = node.get("x-mics-codes")
            if isinstance(named, dict):
                codes.update(c for c in named.values() if isinstance(c, str))
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return frozenset(codes)


def other_type_message(others: Sequence[DocType], keys: list[str], checked: str) -> str:
    """MIC207's message for a line of the types `others` (one most often; the deletions
    share their keys), found by its `keys` in a file checked as `checked`."""
    shown = ", ".join(keys[:3])
    if len(others) == 1:
        where = import_file(others[0].short_name)
        return (
            f"this line is a {others[0].name} command ({shown}), not {checked}: move it to {where}"
        )
    names = [t.short_name for t in others]
    kinds = f"{', '.join(names[:-1])} or {names[-1]}"
    return (
        f"this line is a deletion command ({shown}), not {checked}: move it to the import "
        f"file of the deletion meant ({kinds})"
        if all("deletion" in n for n in names)
        else f"this line is a command of another import ({shown}), not {checked}: move it "
        f"to the import file it belongs to ({kinds})"
    )


def import_file(short_name: str) -> str:
    """'an activity import file', 'a user-points-deletion import file'."""
    return f"{'an' if short_name[:1] in 'aeio' else 'a'} {short_name} import file"


# jsonschema's errors made into findings (schema_errors.py), imported with the first record
# the schema refuses: a clean file never needs them (start-up, issue 14).


def record_findings(
    filename: str,
    record: Record,
    schema: dict[str, Any],
    ctx: LineContext,
    keys: tuple[str, ...] | None = None,
) -> list[tuple[str, Finding]]:
    """schema_errors.record_findings."""
    return _errors.record_findings(filename, record, schema, ctx, keys)


def schema_findings(
    errors: Iterable[SchemaError], record: Record, schema: dict[str, Any], ctx: LineContext
) -> Iterator[tuple[str, Finding]]:
    """schema_errors.schema_findings."""
    return _errors.schema_findings(errors, record, schema, ctx)


def top_level_type_finding(
    key: str, value: Any, subschema: dict[str, Any], ctx: LineContext
) -> tuple[str, Finding]:
    """schema_errors.top_level_type_finding."""
    return _errors.top_level_type_finding(key, value, subschema, ctx)
