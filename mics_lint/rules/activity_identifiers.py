"""MIC204 and MIC301 to MIC306 on an activity's keys, and the activity field map.

An activity names its user by `$` keys at the root, or in `$user_identifiers`: the core
identifier rules keep their codes, names and explanations (registered in identifiers.py and
structure.py), and run these checks instead, through `CORE_VARIANTS` (see doctypes.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Finding
from mics_lint.jsontext import shorten
from mics_lint.registry import IdentifierValue, LineContext, Record, Rule
from mics_lint.rules import identifiers, structure
from mics_lint.rules.activities import (
    ACCOUNT,
    AGENT,
    COMPARTMENT,
    EMAIL,
    KNOWN_KEYS,
    LISTED,
    REQUIRED_KEYS,
    lists_someone,
    root_identifiers,
)
from mics_lint.rules.agent_ids import email_advice, user_agent_id_problem
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import suggest
else:  # a missing key's near miss, on a bad line only (start-up, issue 14)
    suggest = later("mics_lint.suggest")

_MAX_SUGGESTED = 32


#: The platform keys a line misses when they are written without their `$`: those it must
#: have, and those that name its user (`_needed`). An optional one (`location`, `origin`,
#: `site_id`) written so is a custom property of that name, which the docs allow.
_NEEDED = frozenset((*REQUIRED_KEYS, AGENT, ACCOUNT, COMPARTMENT, EMAIL, LISTED))
#: Each identifier key the other of its pair needs (MIC303, MIC304).
_PAIRED = {COMPARTMENT: ACCOUNT, ACCOUNT: COMPARTMENT}


def _needed(key: str, record: Record) -> bool:
    """Whether the line needs the platform key `key` (a `$` key): a required one; an
    identifier where it names no user at all, or the other half of an account's pair.
    A line naming its user may hold `user_agent_id` as a custom property: renamed, it
    would name the user twice (MIC605, MIC302)."""
    if key not in _NEEDED or key in record:
        return False
    if key in REQUIRED_KEYS:
        return True
    pair = _PAIRED.get(key)
    if pair is not None and pair in record:
        return True
    return not root_identifiers(record) and not lists_someone(record)


def misspelt_key(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """MIC204 at an activity's root, where custom keys are allowed: only a `$` key close to
    a platform key (`$session_satus`), or a platform key the line needs written without
    its `$` (`ts`, `user_agent_id` where no identifier names the user: `_needed`). Other
    keys are custom data."""
    # Dozens of unknown `$` keys are not typos (and difflib costs ~50 µs a key).
    suggest = sum(k.startswith("$") and k not in KNOWN_KEYS for k in record) <= _MAX_SUGGESTED
    for key in record:
        if key in KNOWN_KEYS:
            continue
        if key.startswith("$"):
            from mics_lint.suggest import closest  # a mistake only: start-up (issue 14)

            meant = closest(key, KNOWN_KEYS) if suggest else None
        else:
            meant = "$" + key if _needed("$" + key, record) else None
        if meant is None or meant in record:
            continue
        shown = shorten(key, 40, ctx.show_values)  # masked, then cut
        yield ctx.at(key, f"unknown field {shown}; did you mean {shorten(meant)}?")


def missing_identifier(record: Record, ctx: LineContext) -> Iterator[Finding]:
    if not root_identifiers(record) and not lists_someone(record):
        renames = suggest.near_misses(record, (ACCOUNT, COMPARTMENT, EMAIL, AGENT, LISTED))
        whole = frozenset(w for _, w in renames) in _WHOLE  # else renamed, still an error
        yield Finding(f"no identifier: {' and '.join(r for r, _ in renames)}" if whole else _NONE)


_WHOLE = {frozenset([ACCOUNT, COMPARTMENT]), *(frozenset([k]) for k in (EMAIL, AGENT, LISTED))}
_NONE = (
    "no identifier: add one of $user_account_id (with $compartment_id), $email_hash or "
    "$user_agent_id, or list the user's identifiers in $user_identifiers"
)


def multiple_identifiers(record: Record, ctx: LineContext) -> Iterator[Finding]:
    several = identifiers.several_identifiers(root_identifiers(record), record, ctx)
    if several is not None:
        names, second_key = several
        yield ctx.at(
            second_key,
            f"{len(names)} identifiers at the root ({', '.join(names)}): keep exactly one, "
            "or list them in $user_identifiers",
        )


def compartment_without_account(record: Record, ctx: LineContext) -> Iterator[Finding]:
    if COMPARTMENT in record and ACCOUNT not in record:
        message = identifiers.compartment_alone(
            record, (COMPARTMENT, ACCOUNT), (EMAIL, AGENT, LISTED)
        )
        yield ctx.at(COMPARTMENT, message)


def account_without_compartment(record: Record, ctx: LineContext) -> Iterator[Finding]:
    if ACCOUNT in record and COMPARTMENT not in record:
        yield ctx.at(
            ACCOUNT,
            "$user_account_id without $compartment_id: the datamart's default compartment "
            'will be used; add "$compartment_id" to be explicit',
        )


def _listed_items(record: Record, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = record.get(LISTED)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict) and item.get("$type") == kind:
                yield index, item


_ROOT_ROLES = {ACCOUNT: "user_account_id", COMPARTMENT: "compartment_id", AGENT: "user_agent_id"}
_LISTED_ROLES = {**_ROOT_ROLES, "$hash": "hash"}


def identifier_values(record: Record) -> Iterator[IdentifierValue]:
    """The field map of activities, for value rules (MIC305...): the root's `$` keys,
    `$email_hash` (a string, or its `$hash` / `hash`), and each `$user_identifiers` item's
    fields (a `$hash` is an e-mail hash in a USER_EMAIL item)."""
    for key, role in _ROOT_ROLES.items():
        value = record.get(key)
        if isinstance(value, str):
            yield key, key, role, value
    email = record.get(EMAIL)
    if isinstance(email, str):
        yield EMAIL, EMAIL, "email_hash", email
    elif isinstance(email, dict):
        for key in ("$hash", "hash"):
            value = email.get(key)
            if isinstance(value, str):
                yield (EMAIL, key), f"{EMAIL}.{key}", "email_hash", value
    items = record.get(LISTED)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for key, role in _LISTED_ROLES.items():
                value = item.get(key)
                if isinstance(value, str):
                    if key == "$hash" and item.get("$type") == "USER_EMAIL":
                        role = "email_hash"
                    yield (LISTED, index, key), f"{LISTED}[{index}].{key}", role, value


#: How an activity names a user by an e-mail hash (MIC306's advice): at its root, and in
#: a `$user_identifiers` list.
_ROOT_EMAIL = email_advice('"$email_hash": {"$hash": ...}')
_LISTED_EMAIL = email_advice('a "$type": "USER_EMAIL" item with "$hash"')


def malformed_user_agent_id(record: Record, ctx: LineContext) -> Iterator[Finding]:
    found: list[tuple[str | tuple[str | int, ...], str, Any, str]] = [
        (AGENT, AGENT, record.get(AGENT), _ROOT_EMAIL)
    ]
    found += [
        ((LISTED, i, AGENT), f"{LISTED}[{i}].$user_agent_id", item.get(AGENT), _LISTED_EMAIL)
        for i, item in _listed_items(record, "USER_AGENT")
    ]
    for key, where, value, email in found:
        message = user_agent_id_problem(where, value, ctx.show_values, email)
        if message is not None:
            yield ctx.at(key, message)


def _variant(rule: Rule, check: Any) -> Rule:
    return dataclasses.replace(rule, check=check)


_CORE = {rule.code: rule for rule in (*identifiers.FAMILY.rules, *structure.FAMILY.rules)}
#: The core rules with an activity's checks, for doctypes.py (not registered: the codes,
#: names and explanations are the core rules').
CORE_VARIANTS: tuple[Rule, ...] = (
    _variant(_CORE["MIC204"], misspelt_key),
    _variant(_CORE["MIC301"], missing_identifier),
    _variant(_CORE["MIC302"], multiple_identifiers),
    _variant(_CORE["MIC303"], compartment_without_account),
    _variant(_CORE["MIC304"], account_without_compartment),
    _variant(_CORE["MIC306"], malformed_user_agent_id),
)
