"""MIC8xx: user choices (`USER_CHOICE` imports, consent per processing): what an UPSERT
or a DELETE needs. The one-identifier rules (MIC3xx) apply as they do to profiles.

The operation rules do not run when `operation` is missing or invalid: MIC201 or MIC203
already says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import Family, LineContext, Record
from mics_lint.rules.activities import clearly_not_milliseconds, unit_advice
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import suggest
else:  # a missing key's near miss, on a bad line only (start-up, issue 14)
    suggest = later("mics_lint.suggest")

FAMILY = Family("MIC8", "choice imports")

PROCESSING = "$processing_id"
CHOICE_TS = "$choice_ts"


@FAMILY.rule(
    "MIC801",
    "choice-upsert-missing-force-replace",
    Severity.ERROR,
    "a choice UPSERT without a force_replace key",
)
def upsert_missing_force_replace(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every choice UPSERT has a `force_replace` key. Only an absent key is
    reported here; one of the wrong type is MIC202.

    ## Why is this bad?
    The format requires it on UPSERT: `true` replaces the stored choice, `false` merges
    into it.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}
    ```
    """
    if record.get("operation") == "UPSERT" and "force_replace" not in record:
        renames = _near_misses(record, "force_replace")
        yield Finding(
            f"UPSERT without force_replace: {renames}"
            if renames
            else 'UPSERT without force_replace: add "force_replace": true to replace the '
            "stored choice, or false to merge into it"
        )


@FAMILY.rule(
    "MIC802",
    "choice-upsert-missing-user-choice",
    Severity.ERROR,
    "a choice UPSERT without a user_choice key",
)
def upsert_missing_user_choice(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that every choice UPSERT carries the choice, in `user_choice`.

    ## Why is this bad?
    An UPSERT without a choice records nothing: the line is rejected.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}
    {"operation":"UPSERT","email_hash":"8b1e77","force_replace":true}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}
    {"operation":"UPSERT","email_hash":"8b1e77","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}
    ```
    """
    if record.get("operation") == "UPSERT" and "user_choice" not in record:
        renames = _near_misses(record, "user_choice")
        yield Finding(
            "UPSERT without user_choice: "
            + (renames or 'add "user_choice": {"$processing_id": ..., "$choice_ts": ...}')
        )


def _near_misses(record: Record, wanted: str) -> str:
    """'rename "userChoice" to "user_choice"', when the line holds a near miss of `wanted`
    (suggest.near_misses): adding the key beside it, as told otherwise, would leave a
    misspelt `"forceReplace": false` unread, a merge turned into a replace."""
    renames = suggest.near_misses(record, (wanted,), suggest.keys_of("USER_CHOICE"))
    return renames[0][0] if renames else ""


@FAMILY.rule(
    "MIC803",
    "missing-processing-id",
    Severity.ERROR,
    "user_choice without $processing_id",
)
def missing_processing_id(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that `user_choice` names its processing, with `$processing_id`, on UPSERT and
    DELETE alike, and that a DELETE has a `user_choice` to hold it.

    ## Why is this bad?
    A choice is a user's answer about one processing (one purpose of data use); the
    documentation makes `$processing_id` mandatory in every case. Without it the platform
    cannot tell which choice to record or delete.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c","user_choice":{}}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c","user_choice":{"$processing_id":"12"}}
    ```
    """
    operation = record.get("operation")
    if operation not in ("UPSERT", "DELETE"):
        return
    choice = record.get("user_choice")
    if choice is None and operation == "DELETE" and "user_choice" not in record:  # null: MIC202
        yield Finding('DELETE without user_choice: add "user_choice": {"$processing_id": ...}')
    elif isinstance(choice, dict) and PROCESSING not in choice:
        yield ctx.at(
            "user_choice",
            'user_choice has no "$processing_id"'
            + _misspelt(choice, PROCESSING, ": name the processing"),
        )


@FAMILY.rule(
    "MIC804",
    "upsert-missing-choice-ts",
    Severity.ERROR,
    "a choice UPSERT without $choice_ts",
)
def upsert_missing_choice_ts(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the `user_choice` of an UPSERT says when the choice was made, with
    `$choice_ts` (epoch milliseconds).

    ## Why is this bad?
    The documentation makes `$choice_ts` mandatory on UPSERT: a consent is only worth its
    date.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}
    ```
    """
    choice = record.get("user_choice")
    if record.get("operation") == "UPSERT" and isinstance(choice, dict) and CHOICE_TS not in choice:
        yield ctx.at(
            "user_choice",
            'user_choice has no "$choice_ts"'
            + _misspelt(choice, CHOICE_TS, ": add when the choice was made, in epoch milliseconds"),
        )


def _misspelt(choice: dict[str, object], wanted: str, otherwise: str) -> str:
    """The end of a missing key's message: the near miss to rename (`processing_id`,
    `$choiceTs`), if the choice has one, else `otherwise`."""
    from mics_lint.suggest import rename_to  # a mistake only: difflib

    rename = rename_to(wanted, [key for key in choice if isinstance(key, str)])
    return otherwise if rename is None else f": {rename}"


@FAMILY.rule(
    "MIC805",
    "choice-ts-in-seconds",
    Severity.ERROR,
    "$choice_ts in seconds (or micro- or nanoseconds), not milliseconds",
)
def choice_ts_in_seconds(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that `user_choice.$choice_ts` is not clearly a date in epoch seconds, the slip
    MIC601 catches in an activity's `$ts`: a value from 1000000000 (2001 in seconds) up to
    100000000000 (March 1973 in milliseconds). Smaller values are no clear date in either
    unit, and are not reported. A value of 16 digits or more (the year 33658 in
    milliseconds) is named as the microseconds or nanoseconds it is, as MIC602 does.

    ## Why is this bad?
    The platform reads `$choice_ts` as milliseconds and does not convert it: a consent
    given in 2024, sent in seconds, is dated January 1970, and any processing that looks
    at when consent was given reads the wrong date.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1733220000}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1733220000000}}
    ```
    """
    choice = record.get("user_choice")
    if not isinstance(choice, dict):
        return
    value = choice.get(CHOICE_TS)
    if isinstance(value, int) and not isinstance(value, bool) and choice_ts_in_seconds_test(value):
        message = unit_advice(f"user_choice.{CHOICE_TS}", value)
        if message is not None:
            yield ctx.at(("user_choice", CHOICE_TS), message)


CHOICE_TS_IN_SECONDS = FAMILY.rules[-1]
#: MIC805's test, for the rule and the choice fast check alike.
choice_ts_in_seconds_test = clearly_not_milliseconds
