"""MIC9xx: deletion lines (`USER_IDENTIFIERS_DELETION`, `USER_DEVICE_POINTS_DELETION`,
`USER_POINTS_DELETION`) and association lines (`USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS`).
A deletion line names one thing by its `type`, with the fields of that type and no others;
an association line lists such typed identifiers under `identifiers`, and MIC901 to MIC903
look at each. The schema says which types a document type takes.

Which rules a deletion type runs is in doctypes.py: MIC904 only for identifiers deletions,
MIC905 only for user points deletions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from mics_lint.diagnostic import Finding, Severity
from mics_lint.lazyre import compiled
from mics_lint.registry import ONCE_PER_FILE, Family, IdentifierValue, LineContext, Record
from mics_lint.rules import point_hints
from mics_lint.rules.structure import is_placeholder
from mics_lint.rules.typed_identifiers import repeated_identifiers
from mics_lint.startup import later

if TYPE_CHECKING:
    from mics_lint import redact
else:  # imported at its first use: a message, a shown line (start-up, issue 14)
    redact = later("mics_lint.redact")

FAMILY = Family("MIC9", "deletions and associations")

#: The fields each `type` needs, and the ones it may have.
NEEDS = {
    "USER_ACCOUNT": ("user_account_id",),
    "USER_EMAIL": ("hash",),
    "USER_AGENT": ("user_agent_id",),
    "USER_POINT": ("user_point_id",),
}
MAY_HAVE = {**{t: set(f) for t, f in NEEDS.items()}}
MAY_HAVE["USER_ACCOUNT"] = {"user_account_id", "compartment_id"}
MAY_HAVE["USER_EMAIL"] = {"hash", "email"}  # the clear address: association lines only
FIELDS = frozenset(
    {"user_account_id", "compartment_id", "hash", "email", "user_agent_id", "user_point_id"}
)


def _identifiers(record: Record) -> Iterator[tuple[str, tuple[str | int, ...], Record]]:
    """The typed identifiers of a line, each with how a message names it and its path in the
    line: the line itself (a deletion), or each object of `identifiers` (an association)."""
    items = record.get("identifiers")
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield f"identifiers[{index}]: ", ("identifiers", index), item
    else:
        yield "", (), record


UUID = compiled(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


#: The `type`s the file's schema takes (its `type` enum), in a file's state: a deletion
#: line of another (MIC203's) gets no advice about that type's fields.
TYPES_STATE = "MIC9:types"


def types_of(schema: dict[str, Any]) -> frozenset[str] | None:
    """The `type`s a deletion schema takes; None for any other schema."""
    kind = schema.get("properties", {}).get("type")
    taken = kind.get("enum") if isinstance(kind, dict) else None
    return frozenset(taken) if isinstance(taken, list) else None


def _kind(record: Record, ctx: LineContext, where: str) -> str | None:
    """The line's (or an association item's) `type`, if it is one the rules know and, for a
    deletion line, one its file takes."""
    kind = record.get("type")
    if not isinstance(kind, str) or kind not in NEEDS:
        return None
    taken = None if where else ctx.state.get(TYPES_STATE)
    return kind if taken is None or kind in taken else None


@FAMILY.rule(
    "MIC901",
    "deletion-missing-field",
    Severity.ERROR,
    "a deletion line without the field its type needs",
)
def missing_field(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a deletion line has the field its `type` names: `user_account_id` for
    USER_ACCOUNT, `hash` for USER_EMAIL, `user_agent_id` for USER_AGENT, `user_point_id`
    for USER_POINT. Not checked when `type` itself is missing or invalid (MIC201, MIC203).

    ## Why is this bad?
    A line that names nothing deletes nothing: the platform rejects it.

    ## Example
    With `--doc-type identifiers-deletion`:
    ```ndjson
    {"type":"USER_EMAIL","user_agent_id":"vec:89998434"}
    ```

    Use instead:
    ```ndjson
    {"type":"USER_AGENT","user_agent_id":"vec:89998434"}
    ```
    """
    for where, path, item in _identifiers(record):
        kind = _kind(item, ctx, where)
        if kind is None:
            continue
        noun = "identifier" if where else "line"
        for field in NEEDS[kind]:
            if field not in item and not (field == "hash" and "email_hash" in item):  # MIC903
                message = f'{where}a {kind} {noun} needs "{field}"'
                yield ctx.at(path, message) if path else Finding(message)


@FAMILY.rule(
    "MIC902",
    "deletion-field-of-another-type",
    Severity.ERROR,
    "a deletion line holds a field of another type",
)
def field_of_another_type(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a deletion line holds only the fields of its `type` (`compartment_id` goes
    with USER_ACCOUNT only), and reports each other one.

    ## Why is this bad?
    A line names one identifier. A second one, of another type, is either ignored or a
    sign that two lines were merged: which identifier did you mean to delete?

    ## Example
    With `--doc-type identifiers-deletion`:
    ```ndjson
    {"type":"USER_AGENT","user_agent_id":"vec:89998434","hash":"3f2a9c"}
    ```

    Use instead:
    ```ndjson
    {"type":"USER_AGENT","user_agent_id":"vec:89998434"}
    {"type":"USER_EMAIL","hash":"3f2a9c"}
    ```
    """
    for where, path, item in _identifiers(record):
        kind = _kind(item, ctx, where)
        if kind is None:
            continue
        for field in item:
            if field in FIELDS and field not in MAY_HAVE[kind]:
                if where:
                    message = f'{where}"{field}" is not a field of a {kind} identifier'
                    yield ctx.at((*path, field), message)
                else:
                    message = f'"{field}" is not a field of a {kind} line: one line, one identifier'
                    yield ctx.at(field, message)


@FAMILY.rule(
    "MIC903",
    "email-hash-key",
    Severity.ERROR,
    "email_hash in a deletion line, whose key is hash",
)
def email_hash_key(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks for `email_hash` in a deletion line: there, the e-mail hash's key is `hash`
    (with `"type":"USER_EMAIL"`), unlike in import lines. On a line of another type, whose
    fields never include `hash`, or one that has `hash` already, the message says to
    remove it instead.

    ## Why is this bad?
    The key is not read: the line names no identifier and is rejected. It is the natural
    slip for anyone who writes import files too.

    ## Example
    With `--doc-type identifiers-deletion`:
    ```ndjson
    {"type":"USER_EMAIL","email_hash":"3f2a9c"}
    ```

    Use instead:
    ```ndjson
    {"type":"USER_EMAIL","hash":"3f2a9c"}
    ```
    """
    message = 'the e-mail hash\'s key is "hash" here, not "email_hash"'
    for where, path, item in _identifiers(record):
        if "email_hash" in item:
            kind = _kind(item, ctx, where)
            named = item.get("type")
            if kind is None and isinstance(named, str) and named in NEEDS:
                continue  # a type of another deletion file: MIC203 says which
            if "hash" in item and (kind is None or "hash" in MAY_HAVE[kind]):
                # Renamed, it would be `hash` twice: the one already there is read.
                told = f'{where}"email_hash" is not read here, "hash" is: remove "email_hash"'
                yield ctx.at((*path, "email_hash"), told)
            elif kind is None or "hash" in MAY_HAVE[kind]:
                yield ctx.at((*path, "email_hash"), where + message)
            else:  # renamed, it would be a field of another type (MIC902): it goes
                noun = "identifier" if where else "line"
                told = f'{where}"email_hash" is not a field of a {kind} {noun}: remove it'
                yield ctx.at((*path, "email_hash"), told)


@FAMILY.rule(
    "MIC904",
    "device-point-in-identifiers-deletion",
    Severity.ERROR,
    "a udp: device point id in an identifiers deletion",
)
def device_point(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a USER_AGENT line of an identifiers deletion is not a device point id
    (`udp:...`). Only for `USER_IDENTIFIERS_DELETION` files.

    ## Why is this bad?
    The documentation says an identifiers deletion takes user agent ids other than device
    point ids. A device point is deleted with a device points deletion
    (`USER_DEVICE_POINTS_DELETION`), which removes it with all its user agent ids.

    ## Example
    With `--doc-type identifiers-deletion`:
    ```ndjson
    {"type":"USER_AGENT","user_agent_id":"udp:987654"}
    ```

    Use instead:
    ```ndjson
    {"type":"USER_AGENT","user_agent_id":"vec:89998434"}
    ```
    Or put the `udp:` line in a device points deletion file.
    """
    agent = record.get("user_agent_id")
    if isinstance(agent, str) and agent.startswith("udp:"):
        yield ctx.at(
            "user_agent_id",
            "a device point id (udp:) is deleted with a device points deletion "
            "(USER_DEVICE_POINTS_DELETION), not an identifiers deletion",
        )


@FAMILY.rule(
    "MIC905",
    "user-point-id-not-uuid",
    Severity.ERROR,
    "user_point_id is not a UUID",
)
def user_point_id_not_uuid(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that `user_point_id` is a UUID (`95772db3-e762-45da-8cf1-4893debffae7`). Only
    for `USER_POINTS_DELETION` files.

    ## Why is this bad?
    UserPoint ids are UUIDs: anything else names no UserPoint (often another identifier
    put in the wrong field, or a placeholder).

    ## Example
    With `--doc-type user-points-deletion`:
    ```ndjson
    {"type":"USER_POINT","user_point_id":"vec:89998434"}
    ```

    Use instead:
    ```ndjson
    {"type":"USER_POINT","user_point_id":"95772db3-e762-45da-8cf1-4893debffae7"}
    ```
    """
    point = record.get("user_point_id")
    # Empty, or the docs' placeholder: MIC205's or MIC206's to report.
    if isinstance(point, str) and point.strip() and UUID.fullmatch(point) is None:
        shown = redact.identifier(point, ctx.show_values)  # as MIC306 shows an id
        if not is_placeholder(point):
            yield ctx.at("user_point_id", point_hints.not_uuid(point, shown, UUID.fullmatch))


MISSING_FIELD, FIELD_OF_ANOTHER_TYPE, EMAIL_HASH_KEY, DEVICE_POINT, USER_POINT_ID = FAMILY.rules[:5]


@FAMILY.rule(
    "MIC906",
    "association-single-identifier",
    Severity.WARNING,
    "an association line with fewer than two identifiers",
)
def single_identifier(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that an association line (`USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS`) lists at
    least two identifiers (an empty list is MIC205).

    ## Why is this bad?
    The line declares that its identifiers belong to one user: with a single identifier
    there is nothing to associate, which usually means the others were lost on the way
    (an export that wrote one identifier per line).

    ## Example
    ```ndjson
    {"identifiers":[{"type":"USER_EMAIL","hash":"3f2a9c"}]}
    ```

    Use instead:
    ```ndjson
    {"identifiers":[{"type":"USER_EMAIL","hash":"3f2a9c"},{"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1000"}]}
    ```
    """
    items = record.get("identifiers")
    # An empty list is the schema's (MIC205); so is an item that is no object (MIC202: a
    # list in a list may hold several).
    if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
        yield ctx.at(
            "identifiers",
            "a single identifier: nothing to associate (the line only creates or finds its "
            "user point); list the user's other identifiers on this line",
        )


SINGLE_IDENTIFIER = FAMILY.rules[-1]


@FAMILY.rule(
    "MIC907",
    "association-repeated-identifier",
    Severity.WARNING,
    "an association line lists the same identifier twice",
)
def repeated_identifier(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that an association line lists each identifier once: the same type with the
    same value (for a user account, the same `user_account_id` in the same
    `compartment_id`) is reported at its second place.

    ## Why is this bad?
    An association declares that different identifiers belong to one user. An identifier
    listed twice associates nothing more: it usually means an export wrote one column
    twice, and that the identifier it meant to write is missing.

    ## Example
    ```ndjson
    {"identifiers":[{"type":"USER_EMAIL","hash":"3f2a9c"},{"type":"USER_EMAIL","hash":"3f2a9c"}]}
    ```

    Use instead:
    ```ndjson
    {"identifiers":[{"type":"USER_EMAIL","hash":"3f2a9c"},{"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1000"}]}
    ```
    """
    items = record.get("identifiers")
    if not isinstance(items, list):
        return
    for index, first in repeated_identifiers(items):
        yield ctx.at(
            ("identifiers", index),
            f"identifiers[{index}] is the same identifier as identifiers[{first}], listed "
            "twice: list each identifier once (was another one meant?)",
        )


REPEATED_IDENTIFIER = FAMILY.rules[-1]

_TYPED = frozenset({"type", *FIELDS, "email_hash"})


def bare_identifier(record: Record) -> bool:
    """An association line that is one typed identifier ({"type": "USER_EMAIL", "hash":
    ...}), not the {"identifiers": [...]} that lists them."""
    return "identifiers" not in record and not _TYPED.isdisjoint(record)


def typed_identifier(record: Record) -> bool:
    """A record that is one typed identifier and nothing else: a deletion's line, or an
    association's item without its wrapper (type detection, typeguess.py)."""
    return "type" in record and record.keys() <= _TYPED


MISSING_WRAPPER_STATE = "MIC908"


@FAMILY.rule(
    "MIC908",
    "association-missing-wrapper",
    Severity.ERROR,
    'association lines without their {"identifiers": [...]} wrapper',
    across_chunks=ONCE_PER_FILE,
)
def missing_wrapper(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that the lines of an association file are `{"identifiers": [...]}` objects, not
    bare typed identifiers, as the documentation's example shows them with its wrapper
    lost (with a comma after each, as in the example, or not). Reported once per file, at
    the first such line; those lines get no other diagnostic of their record (their fields
    are not unknown but misplaced, and the comma is the wrapper's array's).

    ## Why is this bad?
    Each line of an association declares the identifiers of one user, listed in
    `identifiers`. A bare identifier line associates nothing and is rejected.

    ## Example
    With `--doc-type association`:
    ```ndjson
    {"type":"USER_EMAIL","hash":"3f2a9c"}
    {"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1000"}
    ```

    Use instead:
    ```ndjson
    {"identifiers":[{"type":"USER_EMAIL","hash":"3f2a9c"},{"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1000"}]}
    ```
    """
    if not bare_identifier(record) or ctx.state.get(MISSING_WRAPPER_STATE):
        return
    ctx.state[MISSING_WRAPPER_STATE] = True
    yield Finding(
        'this line is a bare identifier, without the {"identifiers": [...]} wrapper of '
        "association lines: list the identifiers of one user in one line, as "
        '{"identifiers": [{"type": "USER_EMAIL", "hash": "..."}, {"type": "USER_ACCOUNT", '
        "...}]} (said once for all such lines of the file)"
    )


MISSING_WRAPPER = FAMILY.rules[-1]


#: The keys of a typed identifier that hold an identifier value, with their roles (a
#: deletion's `hash` is an e-mail hash whatever its type: MIC305 reads every one).
VALUE_ROLES = {
    "user_account_id": "user_account_id",
    "compartment_id": "compartment_id",
    "user_agent_id": "user_agent_id",
    "hash": "email_hash",
}


def identifier_values(record: Record) -> Iterator[IdentifierValue]:
    """The field map of deletion and association lines, for value rules (MIC305...)."""
    for where, path, item in _identifiers(record):
        for key, role in VALUE_ROLES.items():
            value = item.get(key)
            if isinstance(value, str):
                yield ((*path, key) if path else key), f"{where}{key}", role, value
