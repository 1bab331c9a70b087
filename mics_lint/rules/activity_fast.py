"""The USER_ACTIVITY fast check (see fast_checks.py for what a fast check promises)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mics_lint.inline import joined
from mics_lint.registry import FastCheck, FileState, Rule
from mics_lint.rules import activities, identifiers, syntax
from mics_lint.rules.crossline import Users
from mics_lint.rules.fast_checks import (
    Screens,
    filled,
    generic,
    nested_check,
    rule_verdict,
    spaced_encoding,
    unplain_check,
)

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder

_ACTIVITY_PATTERNS = {
    **dict.fromkeys((activities.AGENT, activities.ACCOUNT, activities.COMPARTMENT), r"\S"),
    **dict.fromkeys(("$email_hash.$hash", "$email_hash.hash"), r"\S"),
    **{
        f"$user_identifiers[].{k}": r"\S"
        for k in (activities.ACCOUNT, activities.COMPARTMENT, activities.AGENT, "$hash")
    },
}
#: The optional top-level fields that must be objects (free-form: their `"$` are counted).
_ACTIVITY_OPTIONAL_OBJECTS = ("$origin", "$location", "$topics")
_ACTIVITY_OBJECTS = {"$events[].$properties", *_ACTIVITY_OPTIONAL_OBJECTS}
#: The optional objects `activity_check` reads by name: another list (an object added to
#: the schema and above) means a generic check until the check reads it too.
_READ_OBJECTS = ("$origin", "$location", "$topics")
#: How often the fast check reads the clock, in lines.
_CLOCK_LINES = 1024
#: The optional top-level fields, each to be written once when present (MIC103).
_ACTIVITY_ONCE = tuple(k for k in activities.KNOWN_KEYS if k not in activities.REQUIRED_KEYS)

# A free-form object's bytes (msgspec.Raw), copied by a join: bytes() parses its arguments
# by keyword first, 200 instructions more a call, several calls a line (cachegrind).
_copy = b"".join


class _ValueScreens:
    """The value rules' screens of each identifier kind, joined into one function of its
    values (inline.joined): 0 if a screen may fire, else 1. One call a kind, where a
    screen each was one more call (the account's two values: two screens)."""

    def __init__(self, screens: Screens) -> None:
        bad = screens.by_role
        self.account = joined(
            ("compartment", "account"),
            [(bad["compartment_id"], "compartment"), (bad["user_account_id"], "account")],
            None,
            remembered="compartment",
        )
        self.account_alone = joined(("account",), [(bad["user_account_id"], "account")], None)
        self.email = joined(("email",), [(bad["email_hash"], "email")], None)
        self.agent = joined(("agent",), [(bad["user_agent_id"], "agent")], None)


def _listed_check(values: _ValueScreens, unset: Any) -> Callable[[list[Any]], bool]:
    """MIC604, MIC306, MIC205 and the value rules on each item of `$user_identifiers`."""
    agent_id = identifiers.USER_AGENT_ID.fullmatch
    account_ok, email_ok, agent_ok = values.account, values.email, values.agent
    account_alone_ok = values.account_alone

    def listed_ok(items: list[Any]) -> bool:
        for item in items:
            account, compartment = item.dollar_user_account_id, item.dollar_compartment_id
            agent, hashed, email = item.dollar_user_agent_id, item.dollar_hash, item.dollar_email
            kind = item.dollar_type
            if kind == "USER_AGENT":
                if (
                    account is not unset
                    or compartment is not unset
                    or hashed is not unset
                    or email is not unset
                    or agent is unset
                    or agent_id(agent) is None
                    or not agent_ok(agent)
                ):
                    return False
            elif kind == "USER_EMAIL":
                if (
                    account is not unset
                    or compartment is not unset
                    or agent is not unset
                    or not filled(hashed, unset)
                    or not email_ok(hashed)
                ):
                    return False
            elif (  # USER_ACCOUNT
                agent is not unset
                or hashed is not unset
                or email is not unset
                or not filled(account, unset)
            ):
                return False
            elif compartment is unset:
                if not account_alone_ok(account):
                    return False
            elif not filled(compartment, unset) or not account_ok(compartment, account):
                return False
        return True

    return listed_ok


def _identifiers_check(
    screens: Screens, unset: Any, alone: Rule | bool
) -> Callable[[Any, bytes], bool | Rule]:
    """MIC301 to MIC306, MIC604, MIC605, MIC205 and the value rules on a line's users; a
    `$user_account_id` without its `$compartment_id` gets `alone` back (MIC304, for the
    engine to run by itself; True where it is not enabled), if nothing else fires."""
    values = _ValueScreens(screens)
    listed_ok = _listed_check(values, unset)
    agent_id = identifiers.USER_AGENT_ID.fullmatch
    account_ok, email_ok, agent_ok = values.account, values.email, values.agent
    alone_ok = values.account_alone

    def identifiers_ok(c: Any, raw: bytes) -> bool | Rule:
        account, compartment = c.dollar_user_account_id, c.dollar_compartment_id
        email, agent, items = c.dollar_email_hash, c.dollar_user_agent_id, c.dollar_user_identifiers
        if items is not unset and items:
            return (  # else MIC605
                account is unset
                and compartment is unset
                and email is unset
                and agent is unset
                and listed_ok(items)
            )
        if account is not unset:
            # filled() written out: a call less on every such line.
            if email is not unset or agent is not unset or not account.strip():
                return False  # MIC302, MIC205
            if compartment is unset:  # MIC304, if nothing else fires
                return alone if alone_ok(account) == 1 else False
            return bool(compartment.strip()) and account_ok(compartment, account) == 1
        if compartment is not unset:
            return False  # MIC303
        if email is not unset:
            if agent is not unset:
                return False  # MIC302
            hashes = (email.dollar_hash, email.hash)
            if hashes[0] is unset and hashes[1] is unset:
                return False  # MIC604
            for value in hashes:
                if value is not unset and not (filled(value, unset) and email_ok(value)):
                    return False  # a value rule (MIC305...), or MIC205
            return raw.find(b'""') < 0  # else maybe an empty key in $email_hash, which MIC305 reads
        return agent is not unset and agent_id(agent) is not None and agent_ok(agent) == 1

    return identifiers_ok


def _key_counts(
    attribute: Callable[[str], str], unset: Any
) -> Callable[[Any, bytes, Any, Any], bool]:
    """MIC103 cannot fire: each top-level key is written once (see `activity_check`)."""
    once = operator.attrgetter(*(attribute(k) for k in _ACTIVITY_ONCE))
    quoted = tuple(f'"{k}"'.encode() for k in _ACTIVITY_ONCE)
    item_fields = operator.attrgetter(*(attribute(k) for k in sorted(activities.FIELDS)))
    n_once, n_item_fields = len(_ACTIVITY_ONCE), len(activities.FIELDS)
    objects = operator.attrgetter(*(attribute(k) for k in _ACTIVITY_OPTIONAL_OBJECTS))

    def dollars(c: Any, events: list[Any], items: Any, email: Any) -> int:
        """How many times `"$` is written at least, with each top-level key once: every
        top-level key starts with "$" (the decoder is closed), as do the events' and the
        listed identifiers' keys; add the event names that start with it, and each `"$` in
        the free-form objects. A line with more (a key twice, a custom "$" key in an event,
        an identifier "$x") has its keys counted one by one."""
        found = 4 + n_once - once(c).count(unset)  # with $ts, $type, $status, $events
        for event in events:
            name = event.dollar_event_name
            found += 2 + _copy((event.dollar_properties,)).count(b'"$')
            if name is not unset:
                found += 2 if name[:1] == "$" else 1
        if items is not unset:
            for item in items:
                found += 1 + n_item_fields - item_fields(item).count(unset)
        if email is not unset:
            found += (email.dollar_hash is not unset) + (email.dollar_email is not unset)
        for value in objects(c):
            if value is not unset:
                found += _copy((value,)).count(b'"$')
        return found

    def keys_once(c: Any, raw: bytes, events: Any, items: Any) -> bool:
        if raw.count(b'"$') == dollars(c, events, items, c.dollar_email_hash):
            return True
        count = raw.count
        if (
            count(b'"$ts"') != 1 + len(events)
            or count(b'"$type"') != 1 + (len(items) if items is not unset else 0)
            or count(b'"$session_status"') != 1
            or count(b'"$events"') != 1
        ):
            return False
        return all(
            value is unset or count(key) == 1 for value, key in zip(once(c), quoted, strict=True)
        )

    return keys_once


def _inside_objects(
    attribute: Callable[[str], str], unset: Any
) -> Callable[[Any, Any, bytes], int]:
    """How many times bytes occur inside a line's free-form objects (the events'
    `$properties`, `$origin`...), which the decoder keeps as written. As many as in the
    whole line: none outside them (the objects do not overlap, and an escape does not cross
    an object's edge, a bracket). Python's `json.dumps` escapes every non-ASCII character:
    a city in an event's properties sent its line to the full checks, 8 times the cost."""
    objects = operator.attrgetter(*(attribute(k) for k in _ACTIVITY_OPTIONAL_OBJECTS))

    def inside(c: Any, events: Any, needle: bytes) -> int:
        found = 0
        for event in events:
            found += _copy((event.dollar_properties,)).count(needle)
        for value in objects(c):
            if value is not unset:
                found += _copy((value,)).count(needle)
        return found

    return inside


# The decoder is closed (a line with a custom top-level key does not decode), so that every
# top-level key is one of the platform's (MIC204 cannot fire) and is counted here (MIC103),
# as written (`"$ts"`; a `\u` escape outside the free-form objects may spell one), as are
# its events' and identifiers' keys. MIC501 does not run for activities.
def activity_check(
    enabled: frozenset[str], users: Users | None, decoder: FastDecoder, state: FileState
) -> FastCheck:
    """USER_ACTIVITY: MIC601 to MIC605, and MIC204 and MIC3xx on the `$` keys."""
    from mics_lint.fastpath import UNSET, attribute

    if (
        not decoder.closed
        or decoder.keys != frozenset(activities.KNOWN_KEYS)
        or decoder.patterns != _ACTIVITY_PATTERNS
        or set(decoder.objects) != _ACTIVITY_OBJECTS
        or len(decoder.objects) != len(_ACTIVITY_OBJECTS)
        or _ACTIVITY_OPTIONAL_OBJECTS != _READ_OBJECTS
    ):
        return generic(decoder)
    unplain_ok, check_dups = unplain_check(enabled), syntax.DUPLICATE_KEY.code in enabled
    alone = next(r for r in activities.CORE_VARIANTS if r.code == "MIC304")  # of `$` keys
    identifiers_ok = _identifiers_check(Screens(enabled), UNSET, rule_verdict(alone, enabled))
    keys_once, inside = _key_counts(attribute, UNSET), _inside_objects(attribute, UNSET)
    nested_ok = nested_check(enabled, decoder, UNSET)  # in the events, the identifiers
    compact = decoder.compact_length or (lambda command, buffer: -1)
    buffer = bytearray()  # this check's own, for the compact length
    seconds, day = activities.SECONDS_BELOW, activities.DAY_MS
    clock = [0, 0]  # the line at which the clock is read again, and the limit it gave

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        verdict = identifiers_ok(c, raw)
        if verdict is False:
            return False
        # MIC601 and MIC602. The clock is read every _CLOCK_LINES lines: a limit read
        # earlier is lower, so a line under it is under the rule's own (read later), and a
        # line over it takes the full checks, which read the clock again.
        if lineno >= clock[0]:
            clock[0], clock[1] = lineno + _CLOCK_LINES, activities.now_ms() + day
        limit = clock[1]
        ts = c.dollar_ts
        if ts < seconds or ts > limit:
            return False
        events = c.dollar_events
        for event in events:
            ts = event.dollar_ts
            if ts < seconds or ts > limit:
                return False
            name = event.dollar_event_name
            if name is UNSET or not name.strip():
                return False  # MIC603
            # not "{" (a copy: cheaper than a view)
            if _copy((event.dollar_properties,))[0] != 0x7B:
                return False  # MIC202
        # Each an object, if present (MIC202); read by name, one by one (a getter is a call,
        # a loop more steps: most lines have none of them). `_READ_OBJECTS` says which.
        value = c.dollar_origin
        if value is not UNSET and _copy((value,))[0] != 0x7B:
            return False
        value = c.dollar_location
        if value is not UNSET and _copy((value,))[0] != 0x7B:
            return False
        value = c.dollar_topics
        if value is not UNSET and _copy((value,))[0] != 0x7B:
            return False
        if check_dups:
            # Escapes only in the free-form objects leave the line as plain as one without;
            # a `\\u` elsewhere may spell a key. (A backslash first, an int: framer.BACKSLASH.)
            escaped = not plain and 0x5C in raw and inside(c, events, b"\\") != raw.count(b"\\")
            if escaped and raw.find(b"\\u") >= 0 and inside(c, events, b"\\u") != raw.count(b"\\u"):
                return False
            # Its compact encoding's length (then LF or CRLF), or more by spaces only: keys once.
            if (
                (escaped or (length := compact(c, buffer)) + 1 != len(raw) or raw[-1] != 0x0A)
                and (escaped or not spaced_encoding(raw, buffer, length))
                and not (keys_once(c, raw, events, c.dollar_user_identifiers) and nested_ok(c, raw))
            ):
                return False
        return verdict if plain or unplain_ok(raw) else False

    return check
