"""MIC25x: import data against the customer's datamart schema (`--datamart-schema`).

The rules run on USER_PROFILE and USER_ACTIVITY files for which a schema is given (see
`attach` in datamart/__init__.py); their tests are in walk.py, one function each. Every
example below is checked With `--datamart-schema docs/examples/datamart.gql`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Finding, Severity
from mics_lint.jsontext import shorten
from mics_lint.registry import Family, LineContext, Record

if TYPE_CHECKING:
    from mics_lint.datamart.model import JsonPath, Problem

FAMILY = Family("MIC25", "datamart schema")
# The codes live here, not in walk.py, so that the registry (every check's start-up) does not
# import the walk and its schema model: only a check with --datamart-schema needs them.
NULL_FIELD, TIMESTAMP_DATE, WRONG_TYPE = "MIC251", "MIC252", "MIC253"
NUMBER_FOR_STRING, UNDECLARED_KEY, NEAR_MISS_KEY, IN_SECONDS = (
    "MIC254",
    "MIC255",
    "MIC256",
    "MIC257",
)
#: MIC257's values: a Timestamp of 10 digits is in seconds (reference §8: "a 10-digit value
#: (seconds) ... is a warning"); one of 11 or 12 digits is a date of 1970 to 2001 in
#: milliseconds (a birth date, a contract's start), which the advice would push past 2286.
SECONDS_FROM, SECONDS_TO = 10**9, 10**10
#: ctx.state key: (the file's Datamart, "profile" or "activity", the enabled codes).
STATE = "datamart"
_CACHE = "datamart problems"  # one walk a line, whichever of the rules asks first


def problems(record: Record, ctx: LineContext) -> list[Problem]:
    """The line's datamart problems (computed once a line)."""
    cached = ctx.state.get(_CACHE)
    if cached is not None and cached[0] is ctx:
        found: list[Problem] = cached[1]
        return found
    from mics_lint.datamart import walk

    datamart, role, enabled = ctx.state[STATE]
    judge = walk.profile_problems if role == "profile" else walk.activity_problems
    # The walk keeps its own stack (walk._walked): a type that holds itself is followed as
    # deep as the line's values go.
    found = list(judge(datamart, record, enabled))
    ctx.state[_CACHE] = (ctx, found)
    return found


def findings(record: Record, ctx: LineContext, code: str) -> Iterator[Finding]:
    for made, path, at_value, message in problems(record, ctx):
        if made == code:
            if at_value and ctx.show_values:  # local debugging only: the value itself
                message += _shown(record, path)
            yield _located(ctx, path, at_value, message)


def _shown(record: Record, path: JsonPath) -> str:
    value: Any = record
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return ""
    return "" if value is None else f" (the value: {shorten(value, show_values=True)})"


def _located(ctx: LineContext, path: JsonPath, at_value: bool, message: str) -> Finding:
    """At the value's first character (`at_value`), else at its key; an absent field at
    the key of the object that lacks it."""
    found = ctx.at(path, message) if path else Finding(message)
    if not at_value or not path or isinstance(path[-1], int) or not found.end_column:
        return found
    text = ctx.text
    index = found.end_column - 1  # just past the key's closing quote
    while index < len(text) and text[index] in " \t:":
        index += 1
    return Finding(message, index + 1, index + 2)


@FAMILY.rule(NULL_FIELD, "datamart-null-field", Severity.ERROR, "a `!` field null or missing")
def null_field(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Checks the fields the datamart schema marks `!` (non-null): a `null` value, or a field
    absent from a line that replaces the whole object (`force_replace: true`,
    `update_strategy: FORCE_REPLACE`, and every activity and event, which are stored as
    sent). With `--datamart-schema docs/examples/datamart.gql`.

    ## Why is this bad?
    The platform's docs: "If you add the ! operator to a field that happens to have null
    values, the entire object won't be indexed." The profile or activity is stored, but no
    segment or query finds it, and nothing says so. A merge (`force_replace: false`) may
    keep the stored value, so a missing field is reported only on a whole replace.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":true,"user_profile":{"$compartment_id":"1000","country":null}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":true,"user_profile":{"$compartment_id":"1000","country":"FR"}}
    ```
    """
    return findings(record, ctx, NULL_FIELD)


@FAMILY.rule(
    TIMESTAMP_DATE,
    "datamart-timestamp-date",
    Severity.ERROR,
    "a number for a Date field, or a date string for a Timestamp field",
)
def timestamp_date(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Checks that a field the datamart schema declares `Date` is not sent a number (an epoch
    timestamp), and that a `Timestamp` field is not sent a date string (`"2024-05-01"`).
    With `--datamart-schema docs/examples/datamart.gql`.

    ## Why is this bad?
    The docs: "There is no implicit conversion between timestamps and dates." Their own
    example, a timestamp sent to a `Date` field, "won't work": the value is not indexed and
    a query selecting it fails. Send the type the schema declares, or change the schema.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"birth_date":631152000000}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"birth_date":"1990-01-01"}}
    ```
    """
    return findings(record, ctx, TIMESTAMP_DATE)


@FAMILY.rule(
    WRONG_TYPE,
    "datamart-wrong-type",
    Severity.WARNING,
    "a value whose JSON type cannot index as the schema declares",
)
def wrong_type(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Checks each value against the type the datamart schema declares for it: a string or a
    decimal number for an `Int` or a `Timestamp`, anything but `true`/`false` for a
    `Boolean`, an object or a list for a scalar, a scalar for an object type, a value that
    is not a list for a list, a value outside an enum (`UserActivityType`...). With
    `--datamart-schema docs/examples/datamart.gql`.

    ## Why is this bad?
    The platform stores what it is sent, but a value that does not fit the declared type
    cannot be indexed as declared: a query on the field misses the user. The docs do not say
    what the platform does with such a value, so this is a warning.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"loyalty":{"tier":"3"}}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"loyalty":{"tier":3}}}
    ```
    """
    return findings(record, ctx, WRONG_TYPE)


@FAMILY.rule(
    NUMBER_FOR_STRING,
    "datamart-number-for-string",
    Severity.WARNING,
    "a number for a String field (off by default)",
    default_on=False,
)
def number_for_string(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Checks that a field the datamart schema declares `String` (or `ID`) is sent a string,
    not a number. An integer for an `ID` is not reported: GraphQL's `ID` takes one, and the
    docs' cart example sends `"id":1` to `Item.id: ID!`. Off by default: select it with
    `--extend-select MIC254`. With `--datamart-schema docs/examples/datamart.gql`.

    ## Why is this bad?
    A number indexed as a keyword may not match a query written with the string. But the
    docs' own profile example sends `$compartment_id` as a number to a `String!` field, so
    the platform takes at least that case: a team that wants its exports exact selects it.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"$compartment_id":1000}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"$compartment_id":"1000"}}
    ```
    """
    return findings(record, ctx, NUMBER_FOR_STRING)


@FAMILY.rule(
    UNDECLARED_KEY,
    "datamart-undeclared-key",
    Severity.WARNING,
    "a key the datamart schema does not declare (off by default)",
    default_on=False,
)
def undeclared_key(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Reports each key of a profile, of a nested object of a declared type, of an event's
    `$properties` or at an activity's root that the datamart schema does not read (keys
    starting with `$` are the platform's and are left alone). A key one edit away from a
    declared one is MIC256's instead. Off by default: select it with
    `--extend-select MIC255`. With `--datamart-schema docs/examples/datamart.gql`.

    ## Why is this bad?
    "Any data collected is stored even if it is not specified in the schema": stored, but
    it cannot be queried or used in a segment. Often that is intended (only some fields
    are worth indexing), hence off by default; select it to list what is not indexed.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"favourite_colour":"blue"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"country":"FR"}}
    ```
    """
    return findings(record, ctx, UNDECLARED_KEY)


@FAMILY.rule(
    NEAR_MISS_KEY,
    "datamart-near-miss-key",
    Severity.WARNING,
    "an undeclared key one edit away from a declared one",
)
def near_miss_key(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Reports a key the datamart schema does not declare when a declared key of the same
    object is one edit away (a letter added, dropped, changed, or two swapped):
    `loyality` for `loyalty`. With `--datamart-schema docs/examples/datamart.gql`.

    ## Why is this bad?
    A misspelt key is stored under its wrong name and never indexed: the declared field
    stays empty for that user, and a segment on it misses them.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"countyr":"FR"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"country":"FR"}}
    ```
    """
    return findings(record, ctx, NEAR_MISS_KEY)


@FAMILY.rule(
    IN_SECONDS,
    "datamart-timestamp-in-seconds",
    Severity.WARNING,
    "a Timestamp field in seconds, not milliseconds",
)
def timestamp_in_seconds(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """## What it does
    Checks that a field the datamart schema declares `Timestamp` holds epoch milliseconds:
    a value of 10 digits (1000000000 to 9999999999) is a moment of early 1970 in
    milliseconds, and one of 2001 to 2286 in seconds: almost surely seconds. A value of 11
    or 12 digits is taken as milliseconds (a date of 1970 to 2001, such as a birth date).
    An activity's and its events' `$ts` are MIC601's. With `--datamart-schema
    docs/examples/datamart.gql`.

    ## Why is this bad?
    The platform reads a Timestamp as milliseconds: a value in seconds is indexed as a
    moment of January 1970, and a query on recent dates misses it.

    ## Example
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"last_purchase_ts":1700000000}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42","force_replace":false,"user_profile":{"last_purchase_ts":1700000000000}}
    ```
    """
    return findings(record, ctx, IN_SECONDS)
