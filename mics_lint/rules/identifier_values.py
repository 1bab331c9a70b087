"""MIC308 to MIC311: what an identifier value holds, in every document type (value rules,
read through each type's field map as MIC305 and MIC307 are; registered in the MIC3
family, identifiers.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mics_lint.diagnostic import Severity
from mics_lint.jsontext import shorten
from mics_lint.lazyre import compiled
from mics_lint.rules import identifiers
from mics_lint.rules.structure import (
    MISSING_LONGEST,
    MISSING_TEXT,
    inner_placeholder,
    is_missing_text,
    is_placeholder,
    shows_placeholder,
)
from mics_lint.rules.trimming import EDGES_SCREEN, QUOTES, trimmed
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import redact
else:  # imported at its first use: a message (start-up, issue 14)
    redact = later("mics_lint.redact")


def _not_digits(value: str) -> bool:
    if value.isdigit() and value.isascii():
        return False
    # Empty, only whitespace, a placeholder or a missing value written as text ("nan"):
    # MIC205's, MIC206's and MIC310's to report (errors: the id is no id at all).
    return (
        not value.isspace()
        and value != ""
        and not is_placeholder(value)
        and not is_missing_text(value)
    )


@identifiers.FAMILY.value_rule(
    "MIC308",
    "compartment-id-not-digits",
    Severity.WARNING,
    "compartment_id is not a number written as a string",
    roles=frozenset({"compartment_id"}),
    bad=_not_digits,
    # Two C calls on the way of a clean line; `isdigit` alone would take "²" (U+00B2).
    screen="not (value.isdigit() and value.isascii())",
)
def compartment_id_not_digits(where: str, value: str, show_values: bool) -> str:
    """
    ## What it does
    Checks that a `compartment_id` held as a string is digits only (`"1000"`), in every
    document type (`$compartment_id` in activities, the `compartment_id` of deletion and
    association lines too). An empty or placeholder value is MIC205's or MIC206's.

    ## Why is this bad?
    A compartment is named by its numeric id: every compartment id the documentation shows
    is digits, and its deletion and profile pages type it as a number. A compartment's name
    or token (`"crm_compartment"`), or an id with a space (`" 1500"`), names no compartment,
    so the user account is filed nowhere, or in the default compartment.

    ## Example
    ```ndjson
    {"operation":"DELETE","compartment_id":"crm_compartment","user_account_id":"CRM-42"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}
    ```
    """
    shown = redact.identifier(value, show_values)
    digits = trimmed(value)
    if digits.isdigit() and digits.isascii():  # " 1500": the id, with whitespace around
        return f'{where} {shown} is not digits only: write "{digits}"'
    whole = _WHOLE_DECIMAL.fullmatch(digits)
    if whole is not None:  # "1000.0": a column of ids read as floats (pandas, a NaN in it)
        return (
            f"{where} {shown} is a decimal number written as text, as an id column read as "
            f'floats gives: write "{whole.group(1)}"'
        )
    return (
        f"{where} {shown} is not a compartment id: write its numeric id, digits only, as "
        '"1000" (not the compartment\'s name or token)'
    )


def _placeholder_inside(value: str) -> bool:
    # A whole one the docs' way (<USER_ACCOUNT_ID>) is MIC206's, as any string's.
    return not is_placeholder(value) and inner_placeholder(value) is not None


_WHOLE_DECIMAL = compiled(r"([0-9]+)\.0+")

# MIC309's roles: a compartment's value that is not digits is MIC308's (and each role
# screened is a test more on every clean line).
_NO_COMPARTMENT = frozenset({"user_account_id", "email_hash", "user_agent_id", "hash"})


@identifiers.FAMILY.value_rule(
    "MIC309",
    "identifier-placeholder",
    Severity.ERROR,
    "an identifier value holds a placeholder",
    roles=_NO_COMPARTMENT,  # "<compartment id>" is no digits: MIC308's
    bad=_placeholder_inside,
    screen='"<" in value',
)
def identifier_placeholder(where: str, value: str, show_values: bool) -> str:
    """
    ## What it does
    Checks that no identifier value holds a placeholder in angle brackets that MIC206 does
    not take: one inside the value (`"vec:<USER_AGENT_ID>"`), or not written in the docs'
    capitals (`"<64-hex sha256>"`, `"<email_hash>"`, `"<user id>"`), in every document
    type. No identifier holds angle brackets; an address in them (`"Jane
    <jane@example.com>"`) is MIC305's, and a `compartment_id` so written MIC308's (not
    digits).

    ## Why is this bad?
    A line copied from an example and half filled in names a user who does not exist: the
    import creates a fake profile, or the deletion deletes nobody.

    ## Example
    ```ndjson
    {"operation":"DELETE","user_agent_id":"vec:<USER_AGENT_ID>"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","user_agent_id":"vec:89998434"}
    ```
    """
    token = inner_placeholder(value) or value
    shown = shorten(token) if shows_placeholder(token, show_values) else redact.identifier(token)
    return f"{where} still holds the placeholder {shown}: put the real value"


_SPELLINGS = ", ".join(map(repr, sorted(MISSING_TEXT)))  # as a set literal, in a fixed order


@identifiers.FAMILY.value_rule(
    "MIC310",
    "identifier-missing-value",
    Severity.ERROR,
    "an identifier value is a missing value written as text",
    bad=is_missing_text,  # every role: a "nan" compartment files the account nowhere
    # Most ids are longer than any missing spelling: a length test spares hashing them
    # (the set, a constant frozenset once compiled).
    screen=f"len(value) < {MISSING_LONGEST} and value in {{{_SPELLINGS}}}",
)
def identifier_missing_value(where: str, value: str, show_values: bool) -> str:
    """
    ## What it does
    Checks that no identifier value is a missing value written as text: `"nan"`, `"NaN"`,
    `"None"`, `"null"`, `"NULL"`, `"undefined"`, `"N/A"` (and their usual cases), as an
    export writes an empty cell (pandas' `astype(str)` turns a missing e-mail hash into
    `"nan"`), in every document type, a `compartment_id` too (an error, where one that is
    not digits otherwise is MIC308's warning).

    ## Why is this bad?
    The platform takes the text as an identifier: every line whose value was missing names
    the same user, "nan", and their profiles, segments or deletions all land on that one
    fake user.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"nan","force_replace":false,"user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","user_account_id":"CRM-42","compartment_id":"1000","force_replace":false,"user_profile":{"tier":"gold"}}
    ```
    Leave out the lines without an identifier, or name their user by one they have (drop
    the missing values before writing the file: `df.dropna(subset=["email_hash"])`).
    """
    said = f'{where} is "{value}", a missing value written as text: '
    if where.endswith("compartment_id"):  # names no user: it files the account
        return said + "the account would be filed in no compartment; give its numeric id"
    if "[" in where:  # an item of a line's list: the line's other identifiers still count
        return said + "every such item would name one user of that name; remove it from the list"
    return said + (
        "every such line would name one user of that name; leave the line out, or name the "
        "user by an identifier it has"
    )


def _wrapped(value: str) -> bool:
    """Whether the value starts or ends with a quote character (whitespace aside: MIC307's)."""
    inner = trimmed(value)
    return len(inner) >= 2 and (inner[0] in QUOTES or inner[-1] in QUOTES)


@identifiers.FAMILY.value_rule(
    "MIC311",
    "identifier-quoted",
    Severity.WARNING,
    "an identifier value is wrapped in quote characters",
    roles=_NO_COMPARTMENT,  # a quoted compartment is no digits: MIC308's
    bad=_wrapped,
    screen=EDGES_SCREEN,  # MIC307's too: evaluated once for both
)
def identifier_quoted(where: str, value: str, show_values: bool) -> str:
    """
    ## What it does
    Checks that no identifier value starts or ends with a quote character: `"\\"CRM-42\\""`,
    `"'CRM-42'"` or `"“CRM-42”"`, in every document type (not a `compartment_id`, which
    MIC308 reports as not digits).

    ## Why is this bad?
    The platform keeps an identifier as it is sent: `'CRM-42'` with its quotes is not
    `CRM-42`. The line is applied to a user that nothing else names, and the real user is
    left as it was. Such quotes come from a CSV export that quoted a quoted cell again, or
    from a spreadsheet or a word processor that wrote its own.

    ## Example
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"'CRM-42'"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}
    ```
    """
    shown = f" ({redact.identifier(value, True)})" if show_values else ""
    inner = trimmed(value)
    if inner[0] not in QUOTES:
        said = f"ends with a quote ({inner[-1]})"
    elif inner[-1] in QUOTES:
        said = "is wrapped in quotes"
    else:
        said = "starts with a quote"
    return (
        f"{where}{shown} {said}: the platform keeps quotes, so this line names another "
        "user than the id without them; remove them"
    )
