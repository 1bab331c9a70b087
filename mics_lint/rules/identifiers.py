"""MIC3xx: who a command is about. One identifier per line, and identifiers that look right.

A user account (`user_account_id`, with its `compartment_id`) counts as one identifier. One
of the wrong type, or empty, still counts: MIC202 and MIC205 say what is wrong with it.

Activities (`USER_ACTIVITY`) name these keys with a `$` and may list typed identifiers in
`$user_identifiers`: rules/activity_identifiers.py has the checks for them, under the same
codes. Value rules (MIC305, MIC307) read every type's identifiers through its field map.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from mics_lint.diagnostic import Finding, Severity
from mics_lint.jsontext import visible
from mics_lint.registry import FIX_UNSAFE, ROLES, Family, IdentifierValue, LineContext, Record
from mics_lint.rules.agent_ids import EMAIL_IN, user_agent_id_problem
from mics_lint.rules.agent_ids import USER_AGENT_ID as USER_AGENT_ID  # the fast checks' too
from mics_lint.rules.structure import is_missing_text
from mics_lint.rules.trimming import EDGES_SCREEN, trimmed
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import redact, suggest
else:  # imported at its first use: a message, a shown line (start-up, issue 14)
    redact, suggest = later("mics_lint.redact"), later("mics_lint.suggest")

FAMILY = Family("MIC3", "identifiers")

ACCOUNT = ("compartment_id", "user_account_id")
#: The file state's entry of the line's type's keys (linecheck.py): where a key the type does
#: not define is a typo of an identifier's (`user_agent`, `compartment`), MIC301, MIC303 and
#: MIC304 say to rename it (suggest.near_misses), not to add the key beside it.
KEYS_STATE = "MIC3:keys"
# Each entry is one identifier, named by the keys that make it up.
IDENTIFIERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("user account", ACCOUNT),
    ("email_hash", ("email_hash",)),
    ("user_agent_id", ("user_agent_id",)),
)

#: What the fast path puts in place of an identifier of the wrong type (a number, a boolean,
#: null), for a line whose only fault that may be (loosepath.py): values the
#: identifier checks accept, still accepted with "0"s added, as many as make it as long,
#: quoted, as the value was written (else at most 5 bytes against 1 or more: profile_fast.py's
#: length test relies on this).
STAND_INS = (
    ("compartment_id", "0"),
    ("user_account_id", "0"),
    ("email_hash", "0"),
    ("user_agent_id", "a:0"),
)


def other_identifier(meant: str, keys: Iterable[str]) -> str | None:
    """The key of `keys` that names the user otherwise than the identifier key `meant` would
    (an e-mail hash beside a misspelt `userAgentId`): renamed as MIC204 suggests, the line
    would name two users (MIC302). None if `meant` is no identifier's, or none is there. An
    account names the user, its compartment alone nobody (MIC303)."""
    mine = next((named_by for _, named_by in IDENTIFIERS if meant in named_by), None)
    if mine is None:
        return None
    present = set(keys)  # the first in ROLES' order, not the line's: see unknown_keys.py
    return next((k for k in ROLES[1:4] if k in present and k not in mine), None)


def present_identifiers(record: Record) -> list[tuple[str, tuple[str, ...]]]:
    # Written out: this runs on every line, for three rules.
    found = []
    if "user_account_id" in record or "compartment_id" in record:
        found.append(IDENTIFIERS[0])
    if "email_hash" in record:
        found.append(IDENTIFIERS[1])
    if "user_agent_id" in record:
        found.append(IDENTIFIERS[2])
    return found


@FAMILY.rule(
    "MIC301", "missing-identifier", Severity.ERROR, "the command names no user", by_keys=True
)
def missing_identifier(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the command has an identifier: one of `user_account_id` (with
    `compartment_id`), `email_hash` or `user_agent_id`. A `compartment_id` alone is reported
    by MIC303 instead.

    ## Why is this bad?
    Without an identifier the platform cannot tell whose profile to update or delete.

    ## Example
    ```ndjson
    {"operation":"UPSERT","force_replace":true,"user_profile":{"tier":"gold"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"user_profile":{"tier":"gold"}}
    ```
    """
    if not present_identifiers(record):
        renames = _renames(record, _NAMED_BY, _keys(ctx))  # a misspelt one: rename it
        whole = frozenset(w for _, w in renames) in _WHOLE  # else renamed, still an error
        yield Finding(f"no identifier: {' and '.join(r for r, _ in renames)}" if whole else _NONE)


MISSING_IDENTIFIER = FAMILY.rules[-1]
_NAMED_BY = (ACCOUNT[1], ACCOUNT[0], *ROLES[2:4])
_WHOLE = {frozenset(ACCOUNT), *(frozenset([k]) for k in ROLES[2:4])}
_NONE = "no identifier: add one of user_account_id (with compartment_id), email_hash or "
_NONE += "user_agent_id"


@FAMILY.rule(
    "MIC302", "multiple-identifiers", Severity.ERROR, "more than one identifier on the line"
)
def multiple_identifiers(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the command has at most one identifier. `user_account_id` with its
    `compartment_id` counts as one; a `compartment_id` alone counts as none (MIC303 reports
    it). Reported once per line, at the second identifier.

    ## Why is this bad?
    The documentation is explicit: only one identifier per line. With two, the platform
    may pick either, or merge two users who are not the same person.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c","user_agent_id":"vec:123"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Keep the identifier the platform knows the user by; send an association import to link
    several identifiers of one user.
    """
    several = several_identifiers(present_identifiers(record), record, ctx)
    if several is not None:
        names, second_key = several
        message = f"{len(names)} identifiers on one line ({', '.join(names)}): keep exactly one"
        # The identifiers counted that are null or "" (an export's empty cell): an account
        # (its compartment goes with it), an e-mail hash, a user agent id; a null
        # compartment alone counts for none.
        nulls = [k for k in ROLES[1:4] if k in record and blank_value(record[k])]
        kinds = {"null" if record[k] is None else "empty" for k in nulls}
        if "user_account_id" in nulls and "compartment_id" in record:  # no account, no pair
            nulls.insert(0, "compartment_id")
        word = " or ".join(sorted(kinds, reverse=True))  # "null", "empty", "null or empty"
        if len(nulls) == sum(k in record for k in ROLES[:4]):
            message += f" (all {word}: give one its value, and leave out the others)"
        elif nulls:  # an export's empty column: its key is there, and counts
            article = "an" if word == "empty" else "a"
            message += f" ({article} {word} one counts too: leave out {' and '.join(nulls)})"
        yield ctx.at(second_key, message)


def blank_value(value: object) -> bool:
    """Null, or "" or blank: an export's empty cell (MIC302's note, MIC205's advice)."""
    return value is None or (isinstance(value, str) and not value.strip())


def several_identifiers(
    found: list[tuple[str, tuple[str, ...]]], record: Record, ctx: LineContext
) -> tuple[list[str], str] | None:
    """MIC302's finding, for each type's identifiers (`found`: present_identifiers, or an
    activity's root ones): their names, and the key of the one second in the line, where
    it points; None for one identifier or none. A compartment without its account (the
    user account's last key) counts as none: it is MIC303's."""
    found = [(name, keys) for name, keys in found if name != "user account" or keys[-1] in record]
    if len(found) < 2:
        return None

    def start(key: str) -> int:
        return ctx.key_span(key)[0]

    in_line = [[k for k in keys if k in record] for _, keys in found]
    second_key = min(sorted(in_line, key=lambda keys: min(map(start, keys)))[1], key=start)
    return [name for name, _ in found], second_key


@FAMILY.rule(
    "MIC303",
    "compartment-without-account",
    Severity.ERROR,
    "compartment_id without user_account_id",
)
def compartment_without_account(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a `compartment_id` comes with the `user_account_id` it qualifies.

    ## Why is this bad?
    A compartment is not a user: it only says in which namespace a user account id lives.
    Alone, it identifies nobody, and the line fails.

    ## Example
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}
    ```
    """
    if "compartment_id" in record and "user_account_id" not in record:
        message = compartment_alone(record, ACCOUNT, ROLES[2:4], _keys(ctx))
        yield ctx.at("compartment_id", message)


def _keys(ctx: LineContext) -> frozenset[str]:
    return frozenset(ctx.state.get(KEYS_STATE, ()))  # the very set: frozenset() of one


def _renames(
    record: Record, wanted: tuple[str, ...], known: frozenset[str]
) -> list[tuple[str, str]]:
    """suggest.near_misses, not asked where every key is one of the type's (`known`): none
    is misspelt. MIC304 fires on every line of an export that leaves compartment_id out."""
    if known and record.keys() <= known:
        return []
    return suggest.near_misses(record, wanted, known)


def compartment_alone(
    record: Record,
    keys: tuple[str, str],
    others: tuple[str, ...],
    known: frozenset[str] = frozenset(),
) -> str:
    """MIC303's message, for `keys` (the compartment's and the account's, as the type writes
    them) and the `others` that may name the user: the account misspelt, to rename (a typo
    of it too, given `known`, the type's keys); beside another identifier with a value, to
    remove (an account added would be a second user, MIC302); else either."""
    compartment, account = keys
    said = f"{compartment} without {account}: "
    misspelt = _renames(record, (account,), known)
    if misspelt:
        return said + misspelt[0][0]
    other = next((k for k in others if _names_someone(record.get(k))), None)
    if other is not None:
        return f"{said}remove it (this line names its user by {other})"
    return f"{said}add the user's account id, or remove {compartment}"


def _names_someone(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and not is_missing_text(value)
    return bool(value) and isinstance(value, (dict, list))  # $email_hash, $user_identifiers


@FAMILY.rule(
    "MIC304",
    "account-without-compartment",
    Severity.WARNING,
    "user_account_id without compartment_id",
    by_keys=True,
)
def account_without_compartment(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a `user_account_id` comes with its `compartment_id`.

    ## Why is this bad?
    Without a compartment the datamart's default compartment is used. The docs ask to always
    give both: if the account ids come from another system (a CRM, a shared compartment
    such as UTIQ), they are filed under the wrong compartment and match nobody, or the
    wrong user.

    ## Example
    ```ndjson
    {"operation":"DELETE","user_account_id":"CRM-42"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}
    ```
    """
    if "user_account_id" in record and "compartment_id" not in record:
        misspelt = _renames(record, ("compartment_id",), _keys(ctx))
        said = misspelt[0][0] if misspelt else _DEFAULT  # `compartment`: not the default one
        yield ctx.at("user_account_id", f"user_account_id without compartment_id: {said}")


ACCOUNT_WITHOUT_COMPARTMENT = FAMILY.rules[-1]
_DEFAULT = 'the datamart\'s default compartment will be used; add "compartment_id" to be explicit'


def _clear_text(value: str) -> bool:
    return "@" in value and EMAIL_IN.search(value) is not None


@FAMILY.value_rule(
    "MIC305",
    "clear-text-email",
    Severity.ERROR,
    "an e-mail hash field holds an e-mail address, not a hash",
    roles=frozenset({"email_hash"}),
    bad=_clear_text,
    # Broader than the pattern and a tenth of its cost: what the fast checks ask.
    screen='"@" in value',
)
def clear_text_email(where: str, value: str, show_values: bool) -> str:
    """
    ## What it does
    Checks that `email_hash` holds a hash, not a clear-text e-mail address; so do `hash` in
    deletion and association lines and `$email_hash` / `$hash` in activities. The message
    never prints the address, so that it does not end up in CI logs.

    ## Why is this bad?
    The clear address is personal data sent where a pseudonymous hash was expected: a
    privacy leak, and a profile that never matches the hashed ones the datamart knows.

    ## Example
    ```ndjson
    {"operation":"DELETE","email_hash":"jane.doe@example.com"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"836f82db99121b3481011f16b49dfa5fbc714a0d1b1b9f784a1ebbbf5b39577f"}
    ```
    Hash the normalised address with the datamart's hashing function (for example SHA-256
    of the trimmed, lower-cased address).
    """
    # The address only with --show-values: it is personal data (redact.py).
    shown = visible(json.dumps(value, ensure_ascii=False)) if show_values else "(not shown here)"
    return (
        f"{where} holds a clear-text e-mail address {shown}: send the hash of the address instead"
    )


@FAMILY.rule(
    "MIC306",
    "malformed-user-agent-id",
    Severity.WARNING,
    "user_agent_id is not of the form prefix:value",
)
def malformed_user_agent_id(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that `user_agent_id` has the form `prefix:value`, as in `vec:123` (a mediarithmics
    cookie id), `net:9:12345` (a network device id in registry 9) or `udp:987` (a device
    point id), in every document type (an activity's `$user_agent_id`, a deletion line's and
    an association item's `user_agent_id` too).

    ## Why is this bad?
    The prefix says which device registry the id belongs to. A bare cookie or advertising id
    cannot be matched to a registry, so the platform drops it or creates an orphan user.

    ## Example
    ```ndjson
    {"operation":"DELETE","user_agent_id":"89998434"}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","user_agent_id":"vec:89998434"}
    ```
    """
    value = record.get("user_agent_id")
    message = user_agent_id_problem("user_agent_id", value, ctx.show_values)
    if message is not None:
        yield ctx.at("user_agent_id", message)


MALFORMED_USER_AGENT_ID = FAMILY.rules[-1]


def _untrimmed(value: str) -> bool:
    # A value of only whitespace is no identifier at all: MIC205 says so.
    return value != trimmed(value) and not value.isspace()


@FAMILY.value_rule(
    "MIC307",
    "identifier-whitespace",
    Severity.WARNING,
    "an identifier value starts or ends with whitespace",
    bad=_untrimmed,
    # Two C calls: `strip` gives back the very string when there is nothing to strip (and
    # a copy would only make this say "maybe", never miss one); the invisible characters
    # it does not take are not ASCII, and an id that is not ASCII is rare enough to leave
    # to the rule itself. MIC311's screen too (trimming.EDGES_SCREEN).
    screen=EDGES_SCREEN,
    fix=FIX_UNSAFE,
)
def identifier_whitespace(where: str, value: str, show_values: bool) -> str:
    """
    ## What it does
    Checks that no identifier value starts or ends with whitespace (a space, a tab, a
    no-break space...) or an invisible character (a zero-width space, copied from a web
    page): `user_account_id`, `compartment_id`, `email_hash` and
    `user_agent_id`, their `$` keys and `$user_identifiers` items in activities, and the
    `hash`, `user_account_id`, `compartment_id` and `user_agent_id` of deletion and
    association lines.

    ## Why is this bad?
    The platform keeps an identifier as it is sent: `"CRM-42 "` is not `"CRM-42"`. The
    line is applied to a user that nothing else names (a new, empty profile), and the
    real user is left as it was. Such spaces come from fixed-width CRM columns or a
    spreadsheet export.

    ## Example
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42 "}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}
    ```

    ## Fix
    `--fix --unsafe-fixes` trims a top-level identifier (not one inside `$user_identifiers`,
    `$email_hash` or an association's `identifiers`): unsafe, since the platform may
    really know a user by the untrimmed id.
    """
    stripped = trimmed(value)
    shown = f" ({redact.identifier(value, True)})" if show_values else ""
    if not stripped:  # invisible characters only: no id at all (MIC205's, were they spaces)
        return f"{where}{shown} holds only invisible characters: give the identifier's value"
    ends, starts = value.startswith(stripped), value.endswith(stripped)
    at = "ends" if ends else "starts" if starts else "starts and ends"
    spaces = value.replace(stripped, "", 1).isspace()
    what = "whitespace" if spaces else "an invisible character (zero-width space...)"
    return (
        f"{where}{shown} {at} with {what}: the platform keeps it, so this line names "
        "another user than the trimmed id; trim it"
    )


IDENTIFIER_WHITESPACE = FAMILY.rules[-1]


def top_level_values(record: Record) -> Iterator[IdentifierValue]:
    """The identifier values of an import line (profile, segment, choice): their keys are
    their roles. The field map that value rules read for those types."""
    for key in ROLES[:4]:
        value = record.get(key)
        if isinstance(value, str):
            yield key, key, key, value
