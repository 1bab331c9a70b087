"""MIC7xx: segment memberships (`USER_SEGMENT` imports): which segment, for how long, and
the data bag. The one-identifier rules (MIC3xx) apply as they do to profiles.

None of the operation rules run when `operation` is missing or invalid: MIC201 or MIC203
says so (with a word on UPSERT, a common slip: the schema's `x-mics-hints`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import orjson

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import Family, LineContext, Record
from mics_lint.rules.activities import clearly_not_milliseconds, unit_advice
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import suggest
else:  # a missing key's near miss, on a bad line only (start-up, issue 14)
    suggest = later("mics_lint.suggest")

FAMILY = Family("MIC7", "segment imports")

SEGMENT_KEYS = ("segment_id", "segment_technical_name")
EXPIRATION_KEYS = ("expiration_duration", "expiration_ts")

DATA_BAG_NOT_STRING = FAMILY.declare(
    "MIC701",
    "data-bag-not-string",
    Severity.ERROR,
    "data_bag is an object or array, not a string holding JSON",
    """
    ## What it does
    Checks that `data_bag` is a JSON string (whose content is JSON), not a JSON object or
    array written directly. Found by the schema (`data_bag` is a string).

    ## Why is this bad?
    The platform reads `data_bag` as escaped JSON text: an object in its place fails the
    line. Exports that build the line from a dictionary put the object in as it is.

    ## Example
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0,"data_bag":{"store":12}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0,"data_bag":"{\\"store\\":12}"}
    ```
    """,
)


@FAMILY.rule(
    "MIC702",
    "data-bag-not-json",
    Severity.ERROR,
    "data_bag is a string that does not hold valid JSON",
)
def data_bag_not_json(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the text of `data_bag` is itself valid JSON. Its content is not shown in
    the message (it may hold personal data).

    ## Why is this bad?
    The platform parses the data bag: text that is not JSON (an extra brace, single quotes)
    is rejected with the line. The platform's own CSV template has such a data bag.

    ## Example
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0,"data_bag":"{\\"store\\":12}}"}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0,"data_bag":"{\\"store\\":12}"}
    ```
    """
    bag = record.get("data_bag")
    if not isinstance(bag, str):
        return
    if not bag.strip():  # a blank cell of the export: orjson's words say nothing of it
        yield ctx.at("data_bag", 'data_bag is empty: write "{}", or leave the key out')
        return
    try:
        orjson.loads(bag)
    except orjson.JSONDecodeError as exc:
        if _valid_past_orjson(bag):
            return
        where = f" (at character {exc.pos + 1})" if exc.pos is not None else ""
        yield ctx.at("data_bag", f"data_bag is not valid JSON{where}: {exc.msg}")


def _valid_past_orjson(text: str) -> bool:
    """Whether JSON orjson refuses is valid all the same, as a line is (jsontext.parse_exact:
    a number past a double, `1e400`; a lone surrogate's escape)."""
    from mics_lint.jsontext import parse_exact

    try:
        parse_exact(text)
    except (ValueError, RecursionError):
        return False
    return True


@FAMILY.rule(
    "MIC703",
    "missing-segment",
    Severity.WARNING,
    "the line names no segment (segment_id or segment_technical_name)",
)
def missing_segment(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that each line names its segment, with `segment_id` or `segment_technical_name`.
    A warning: a file uploaded from a segment's own page in the platform's interface gets
    its segment from there (raise it to an error with `severity`, for API uploads).

    ## Why is this bad?
    Uploaded through the API, a line without a segment cannot be applied: the user is added
    to nothing.

    ## Example
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","expiration_duration":0}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0}
    ```
    """
    if not any(key in record for key in SEGMENT_KEYS):
        renames = suggest.near_misses(record, SEGMENT_KEYS, suggest.keys_of("USER_SEGMENT"))
        yield Finding(
            f"no segment: {renames[0][0]}"
            if renames
            else 'no segment: add "segment_id" (or "segment_technical_name")'
        )


@FAMILY.rule(
    "MIC704",
    "update-missing-expiration",
    Severity.ERROR,
    "UPDATE without expiration_duration or expiration_ts",
)
def update_missing_expiration(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that each UPDATE says how long the user stays in the segment, with
    `expiration_duration` (minutes) or `expiration_ts`; `0` means forever. A DELETE needs
    neither.

    ## Why is this bad?
    The documentation marks `expiration_duration` as mandatory (its CSV template gives
    `expiration_ts` alone on some rows, so either is accepted here). Without one the line
    is rejected.

    ## Example
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521"}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0}
    ```
    """
    if record.get("operation") == "UPDATE" and not any(k in record for k in EXPIRATION_KEYS):
        renames = suggest.near_misses(record, EXPIRATION_KEYS, suggest.keys_of("USER_SEGMENT"))
        if renames:  # "expiration": a duration or a date? Both named, with their units.
            yield Finding(f"UPDATE without an expiration: {renames[0][0]} ({_UNITS})")
            return
        yield Finding(
            'UPDATE without an expiration: add "expiration_duration" in minutes (0: never '
            'expires), or "expiration_ts"'
        )


_UNITS = "expiration_duration in minutes, 0: never expires; expiration_ts a date in milliseconds"


@FAMILY.rule(
    "MIC705",
    "segment-named-twice",
    Severity.WARNING,
    "both segment_id and segment_technical_name",
)
def segment_named_twice(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a line names its segment once: `segment_id` or `segment_technical_name`,
    not both.

    ## Why is this bad?
    The documentation does not say which one wins when they disagree; a line that names two
    segments may add the user to the one you did not mean.

    ## Example
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","segment_technical_name":"vip","expiration_duration":0}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0}
    ```
    """
    if all(key in record for key in SEGMENT_KEYS):
        yield ctx.at(
            "segment_technical_name",
            "segment_id and segment_technical_name both name the segment: keep one",
        )


def expiration_in_seconds(value: float) -> bool:
    """MIC706's test, for the rule and the segment fast check alike (0 means never)."""
    return clearly_not_milliseconds(value)


@FAMILY.rule(
    "MIC706",
    "expiration-ts-in-seconds",
    Severity.ERROR,
    "expiration_ts in seconds (or micro- or nanoseconds), not milliseconds",
)
def expiration_ts_in_seconds(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that `expiration_ts` is not clearly a date in epoch seconds: a value from
    1000000000 (2001 in seconds) to 100000000000 (March 1973 in milliseconds), the slip
    MIC601 catches in activities. `0` (never) and other small values are not reported. A
    value of 16 digits or more (the year 33658 in milliseconds) is named as the
    microseconds or nanoseconds it is: an expiry may be far ahead, not that far.

    ## Why is this bad?
    The platform reads `expiration_ts` as milliseconds: a date in seconds is a day of
    January 1970, long past, so the user leaves the segment as soon as it is added.

    ## Example
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_ts":1767225600}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_ts":1767225600000}
    ```
    """
    value = record.get("expiration_ts")
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and expiration_in_seconds(value)
    ):
        message = unit_advice("expiration_ts", value, ahead=True)
        if message is not None:
            yield ctx.at("expiration_ts", message)


EXPIRATION_TS_IN_SECONDS = FAMILY.rules[-1]
