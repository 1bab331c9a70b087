"""MIC6xx: user activities (`USER_ACTIVITY`). A line is a whole activity object, stored as
it is: its timestamps in milliseconds, events with names, identifier objects with their
fields.

An activity names its user by `$`-prefixed keys at the root (`$user_account_id` with
`$compartment_id`, `$email_hash`, `$user_agent_id`), or by a list of typed identifiers,
`$user_identifiers`, which may hold several. The identifier rules MIC301 to MIC306 run on
the root's keys, through the variants in activity_identifiers.py (same codes, `$` names);
MIC605 refuses identifiers in both places. Custom keys are allowed at the root, so MIC204
reports there only a plain near miss of a platform key (see `misspelt_key` there).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator
from typing import Any

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import Family, LineContext, Record

FAMILY = Family("MIC6", "activities")

# One assignment each, not a tuple's: mypy then knows their type in activity_identifiers.py,
# which this module imports back.
ACCOUNT = "$user_account_id"
COMPARTMENT = "$compartment_id"
EMAIL = "$email_hash"
AGENT = "$user_agent_id"
LISTED = "$user_identifiers"
#: The root keys every activity has (the schema's `required`).
REQUIRED_KEYS: tuple[str, ...] = ("$ts", "$type", "$session_status", "$events")
#: The root keys the platform defines (the schema's), for MIC204's near misses.
KNOWN_KEYS = (
    "$ts",
    "$type",
    "$session_status",
    "$ttl",
    AGENT,
    ACCOUNT,
    COMPARTMENT,
    EMAIL,
    LISTED,
    "$events",
    "$origin",
    "$location",
    "$unique_key",
    "$site_id",
    "$app_id",
    "$session_duration",
    "$topics",
)

#: In `$user_identifiers`: the field each `$type` needs, and the ones it may have.
NEEDS = {"USER_ACCOUNT": ACCOUNT, "USER_AGENT": AGENT, "USER_EMAIL": "$hash"}
MAY_HAVE = {
    "USER_ACCOUNT": frozenset({ACCOUNT, COMPARTMENT}),
    "USER_AGENT": frozenset({AGENT}),
    "USER_EMAIL": frozenset({"$hash", "$email"}),
}
FIELDS = frozenset().union(*MAY_HAVE.values())

#: Below this, a millisecond timestamp is before 1973-03-03: 10 digits are seconds.
SECONDS_BELOW = 10**11
DAY_MS = 86_400_000


def now_ms() -> int:
    """The current time in epoch milliseconds (tests replace it, to stay deterministic)."""
    return time.time_ns() // 1_000_000


def _integer(value: Any) -> int | None:
    """An integer timestamp as JSON Schema counts integers (1.7e12 is one), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _timestamps(record: Record) -> Iterator[tuple[str, str | tuple[str | int, ...], int]]:
    """(where, the key to point at, value) of the activity's `$ts` and its events'."""
    root = _integer(record.get("$ts"))
    if root is not None:
        yield "$ts", "$ts", root
    events = record.get("$events")
    if isinstance(events, list):
        for index, event in enumerate(events):
            if isinstance(event, dict):
                value = _integer(event.get("$ts"))
                if value is not None:
                    yield f"$events[{index}].$ts", ("$events", index, "$ts"), value


def _number(value: int) -> str:
    """A timestamp for a message: whole within 64 bits (20 digits, far past any real date).
    Past them the parser gave a float (1e300, an integer of 23 digits), whose digits are
    not the line's: they are not shown."""
    return str(value) if abs(value) < 1 << 64 else "a number past 64 bits"


def _date(ms: float) -> str:
    try:
        when = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return "after the year 9999"
    return when.date().isoformat()


@FAMILY.rule("MIC601", "ts-in-seconds", Severity.ERROR, "a timestamp in seconds, not milliseconds")
def ts_in_seconds(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the activity's `$ts`, and each event's, is in epoch milliseconds: a value
    below 100000000000 (11 digits or fewer) is a date before March 1973 in milliseconds,
    and is almost surely in seconds.

    ## Why is this bad?
    The platform reads `$ts` as milliseconds and does not convert it: an activity in
    seconds is stored in January 1970, where no segment or audience that looks at recent
    activity finds it, and a `$ttl` may expire it at once.

    ## Example
    With `--doc-type activity`:
    ```ndjson
    {"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000,"$properties":{}}]}
    ```

    Use instead:
    ```ndjson
    {"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```
    """
    for where, key, value in _timestamps(record):
        message = seconds_advice(where, value)
        if message is not None:
            yield ctx.at(key, message)


def in_seconds(value: float) -> bool:
    """MIC601's test of an epoch-milliseconds timestamp (0, or before March 1973 in
    milliseconds: almost surely seconds), shared by every rule about a timestamp in seconds
    (MIC706 and MIC805 use the narrower `clearly_in_seconds`)."""
    return 0 <= value < SECONDS_BELOW


#: 2001-09-09 in epoch seconds: a timestamp from here up to SECONDS_BELOW is clearly a date in
#: seconds. Below it, a value is no clear date in either unit.
CLEARLY_SECONDS_FROM = 10**9
# Epoch milliseconds of 13 digits: up to the year 2286.
_MS_BELOW = 10**13 - 1


def clearly_in_seconds(value: float) -> bool:
    """A timestamp that is clearly a date in seconds (2001 to 5138 in seconds; 1970 to
    1973 in milliseconds): what MIC706 and MIC805 report, where 0 and small values have
    other meanings (never, or a test value) and are no slip of unit."""
    return CLEARLY_SECONDS_FROM <= value < SECONDS_BELOW


#: 10**15 milliseconds is the year 33658: a timestamp from here on is in micro- or nanoseconds
#: (16 or 19 digits today), never a date meant in milliseconds.
CLEARLY_FINER_FROM = 10**15
_FINER = (("microseconds", 1000), ("nanoseconds", 1_000_000))


def finer_unit(value: int, most: int) -> tuple[str, int] | None:
    """The finer unit (name, divisor) that brings `value` between 2001 in seconds and
    `most` milliseconds, if one does: MIC602's hint, and MIC706's and MIC805's advice."""
    for unit, divisor in _FINER:
        if SECONDS_BELOW <= value // divisor <= most:
            return unit, divisor
    return None


def clearly_not_milliseconds(value: float) -> bool:
    """A timestamp clearly in another unit than milliseconds: `clearly_in_seconds`, or 16
    digits or more (micro- or nanoseconds). What MIC706 and MIC805 report, for expiries
    and consents, which may be in the future but not 30,000 years ahead."""
    return clearly_in_seconds(value) or value >= CLEARLY_FINER_FROM


def unit_advice(where: str, value: float, *, ahead: bool = False) -> str | None:
    """The message for a timestamp `clearly_not_milliseconds` (None for any other): the
    unit it looks like, and the value in milliseconds where one divisor brings it back.
    `ahead`: a time the platform expects in the future (an expiry), see `seconds_advice`."""
    if value < CLEARLY_FINER_FROM:
        return seconds_advice(where, value, ahead=ahead) if clearly_in_seconds(value) else None
    # 1e400 reads as infinity, whose int() raises: capped, it is told as 1e300 is (no unit
    # brings either back; both are past 64 bits, after the year 9999).
    whole = int(min(value, 1e300))
    finer = finer_unit(whole, CLEARLY_FINER_FROM - 1)
    if finer is not None:
        unit, divisor = finer
        return (
            f"{where} is {_number(whole)}, {_date(value)} in milliseconds: it looks like "
            f"{unit}; write milliseconds, {whole // divisor}"
        )
    return (
        f"{where} is {_number(whole)}, {_date(value)} in milliseconds: give the time in epoch "
        "milliseconds (13 digits today, as 1700000000000)"
    )


def seconds_advice(where: str, value: float, *, ahead: bool = False) -> str | None:
    """The message for a timestamp `in_seconds`, or None. Its value in milliseconds is told
    where that is a time the field may hold: up to a day from now for what happened (`$ts`,
    a choice's time), any 13-digit time for an expiry (`ahead`), which is in the future."""
    if not in_seconds(value):
        return None
    if value == 0:
        return f"{where} is 0, 1970-01-01: give the time in epoch milliseconds"
    whole = value * 1000
    shown = int(whole) if whole == int(whole) else whole
    written = int(value) if value == int(value) else value
    if value >= CLEARLY_SECONDS_FROM and whole <= (_MS_BELOW if ahead else now_ms() + DAY_MS):
        return (
            f"{where} is {written}, {_date(value)} in milliseconds: it looks like seconds; "
            f"write milliseconds, {shown}"
        )
    # In seconds, too early (17) or ahead of now (99999999999): times a thousand would not do.
    return (
        f"{where} is {written}, {_date(value)} in milliseconds: give the time in epoch "
        "milliseconds (13 digits today, as 1700000000000)"
    )


@FAMILY.rule("MIC602", "ts-in-future", Severity.ERROR, "a timestamp more than a day in the future")
def ts_in_future(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that no `$ts` (the activity's, or an event's) is more than a day ahead of now.
    A value with 16 or 19 digits is named as the microseconds or nanoseconds it probably
    is.

    ## Why is this bad?
    An activity records what a user did: one in the future is a unit mistake (micro- or
    nanoseconds) or a wrong clock. The platform stores it as it is, and every query on
    recent activity, and the activity's expiry, go wrong for that user.

    ## Example
    With `--doc-type activity`:
    ```ndjson
    {"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```

    Use instead:
    ```ndjson
    {"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```
    """
    limit: int | None = None
    for where, key, value in _timestamps(record):
        if limit is None:
            limit = now_ms() + DAY_MS  # once a line, and only for a line with a timestamp
        if value > limit:
            finer = finer_unit(value, limit)
            hint = f"; it looks like {finer[0]}: divide by {finer[1]}" if finer else ""
            yield ctx.at(
                key,
                f"{where} is {_number(value)}, {_date(value)}: more than a day in the future{hint}",
            )


@FAMILY.rule("MIC603", "event-without-name", Severity.ERROR, "an event without $event_name")
def event_without_name(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that each event of `$events` has a `$event_name` that is not empty: a platform
    event (`$page_view`, `$email_mapping`...) or your own name. A near miss of the key
    (`event_name`, `$eventName`) is named.

    ## Why is this bad?
    The name is what segments, audiences and reports select events by: an event without
    one is stored, and never found.

    ## Example
    With `--doc-type activity`:
    ```ndjson
    {"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```

    Use instead:
    ```ndjson
    {"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```
    """
    events = record.get("$events")
    if not isinstance(events, list):
        return
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        name = event.get("$event_name")
        if "$event_name" not in event:
            from mics_lint.suggest import closest  # a mistake only: start-up (issue 14)

            near = closest("$event_name", [k for k in event if k not in ("$ts", "$properties")])
            hint = f': "{near}" should be "$event_name"' if near else ": name the event"
            yield ctx.at(("$events", index), f"$events[{index}] has no $event_name{hint}")
        elif isinstance(name, str) and not name.strip():
            yield ctx.at(
                ("$events", index, "$event_name"),
                f"$events[{index}].$event_name is empty: name the event",
            )


@FAMILY.rule(
    "MIC604",
    "identifier-fields",
    Severity.ERROR,
    "an identifier object without its value, or with another type's field",
)
def identifier_fields(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks the identifier objects of an activity: each item of `$user_identifiers` has the
    field its `$type` needs (`USER_ACCOUNT` `$user_account_id`, `USER_AGENT`
    `$user_agent_id`, `USER_EMAIL` `$hash`) and no field of another type, and the root's
    `$email_hash` object holds the hash (`$hash`, or `hash`).

    ## Why is this bad?
    An identifier object without its value names nobody, and one with another type's
    field mixes two identifiers in one: the platform drops the identifier, or files the
    activity under the wrong user.

    ## Example
    With `--doc-type activity`:
    ```ndjson
    {"$user_identifiers":[{"$type":"USER_EMAIL","$user_agent_id":"vec:89998434"}],"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```

    Use instead:
    ```ndjson
    {"$user_identifiers":[{"$type":"USER_AGENT","$user_agent_id":"vec:89998434"}],"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```
    """
    email = record.get(EMAIL)
    if isinstance(email, dict) and "$hash" not in email and "hash" not in email:
        yield ctx.at(EMAIL, '$email_hash has no hash: put the hash of the address in "$hash"')
    items = record.get(LISTED)
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        kind = item.get("$type")
        if not isinstance(kind, str) or kind not in NEEDS:
            continue  # the schema's MIC201 or MIC203
        where = f"{LISTED}[{index}]"
        if NEEDS[kind] not in item:
            yield ctx.at((LISTED, index), f'{where}: a {kind} identifier needs "{NEEDS[kind]}"')
        for field in item:
            if field in FIELDS and field not in MAY_HAVE[kind]:
                yield ctx.at(
                    (LISTED, index, field),
                    f'{where}: "{field}" is not a field of a {kind} identifier: one object '
                    "per identifier",
                )


def root_identifiers(record: Record) -> list[tuple[str, tuple[str, ...]]]:
    """The identifiers at the root, as identifiers.present_identifiers names them."""
    found: list[tuple[str, tuple[str, ...]]] = []
    if ACCOUNT in record or COMPARTMENT in record:
        found.append(("user account", (COMPARTMENT, ACCOUNT)))
    if EMAIL in record:
        found.append((EMAIL, (EMAIL,)))
    if AGENT in record:
        found.append((AGENT, (AGENT,)))
    return found


def lists_someone(record: Record) -> bool:
    """`$user_identifiers` names someone: a non-empty list, or a wrong value (MIC202's)."""
    items = record.get(LISTED, [])
    return not (isinstance(items, list) and not items)


@FAMILY.rule(
    "MIC605",
    "identifiers-root-and-listed",
    Severity.ERROR,
    "identifiers both at the root and in $user_identifiers",
)
def identifiers_root_and_listed(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that an activity names its user in one place: one identifier at the root
    (`$user_account_id` with `$compartment_id`, `$email_hash` or `$user_agent_id`), or the
    list `$user_identifiers`, which may hold several, but not both.

    ## Why is this bad?
    The docs call the root's identifiers the legacy form and `$user_identifiers` the
    current one; they do not say which wins when a line has both. A line with both usually
    comes from two exports merged, and may attach the activity to the wrong user, or merge
    two users.

    ## Example
    With `--doc-type activity`:
    ```ndjson
    {"$email_hash":{"$hash":"3f2a9c"},"$user_identifiers":[{"$type":"USER_AGENT","$user_agent_id":"vec:89998434"}],"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```

    Use instead:
    ```ndjson
    {"$user_identifiers":[{"$type":"USER_EMAIL","$hash":"3f2a9c"},{"$type":"USER_AGENT","$user_agent_id":"vec:89998434"}],"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"store_purchase","$ts":1700000000000,"$properties":{}}]}
    ```
    """
    if LISTED not in record or not lists_someone(record):
        return
    # A compartment alone names no one (MIC303's): it is no second place.
    root = [r for r in root_identifiers(record) if r[0] != "user account" or ACCOUNT in record]
    if root:
        names = ", ".join(name for name, _ in root)
        yield ctx.at(
            LISTED,
            f"identifiers both at the root ({names}) and in $user_identifiers: list them all "
            "in $user_identifiers, or keep one at the root",
        )


(TS_IN_SECONDS, TS_IN_FUTURE, EVENT_WITHOUT_NAME, IDENTIFIER_FIELDS, ROOT_AND_LISTED) = FAMILY.rules


# Re-exported (`as`) for doctypes.py, which takes them from here. Imported last, as they read
# this module's keys, which must exist by then.
from mics_lint.rules.activity_identifiers import (  # noqa: E402
    CORE_VARIANTS as CORE_VARIANTS,
)
from mics_lint.rules.activity_identifiers import (  # noqa: E402
    identifier_values as identifier_values,
)
