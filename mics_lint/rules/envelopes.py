"""MIC106: a line whose command is inside another object, as a data pipeline writes its
records (`{"record": {...}}`, a Kafka message's `{"value": {...}}`, Debezium's
`{"payload": {"after": {...}}}`), or whose commands are a batch in one (`{"records":
[{...}, {...}]}`). Registered in the MIC1 family (syntax.py). A guard rule (guards.py):
such a line gets this diagnostic alone, where the type's checks gave "operation" missing,
no identifier and an unknown field, and no word of the cause."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from mics_lint.diagnostic import Finding, Severity, counted
from mics_lint.registry import LineContext
from mics_lint.rules.syntax import FAMILY
from mics_lint.rules.tables import type_fields
from mics_lint.rules.tool_keys import without_tool_keys

# How deep a command is looked for: a pipeline's record (1), a change event's row in its
# payload (2), such an event in a Kafka message or a record in a batch's item (3). Deeper,
# the line is more likely data of its own than an envelope.
_DEPTH = 3
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@functools.cache
def _marks() -> frozenset[str]:
    """The keys that alone make an object a command: `operation`, and each type's markers
    but those of deletions (`type` and `hash`, words any data may use as keys)."""
    from mics_lint.doctypes import DOC_TYPES

    found = {"operation"}
    for doc_type in DOC_TYPES.values():
        found |= doc_type.markers
    return frozenset(found - {"type", "hash"})


def _command(value: Any, keys: frozenset[str]) -> int:
    """How many keys a document type defines an object has, if it reads as a command: two
    of them, or one that marks one (`_marks`); and one value at least that is no object
    (DynamoDB's typed values, `{"operation": {"S": "UPSERT"}}`, are no command yet); else 0."""
    if type(value) is not dict:
        return 0
    found = keys.intersection(value)
    if len(found) < 2 and _marks().isdisjoint(found):
        return 0
    return len(found) if any(type(value[key]) is not dict for key in found) else 0


# Where an envelope holds its command: the steps to it from the line (a key, each item of
# an array: `_EACH`, or a string's JSON text: `_TEXT`), and the number of commands of a
# batch (None: one). A plain tuple: no class made at start-up.
Found = tuple[tuple[str, ...], int | None]


class _Step(str):
    """A step that is no key: compared by identity (a key read from a line is a plain str,
    never one of these two objects), written as jq writes it."""


_EACH, _TEXT = _Step("[]"), _Step("| fromjson")
# A data pipeline's message of no record (`_MESSAGES`): the whole line, no command in it.
_MESSAGE = _Step("message")
# What Singer taps and Airbyte sources write beside their records (`"type": "RECORD"`).
_MESSAGES = frozenset(
    {"SCHEMA", "STATE", "ACTIVATE_VERSION", "BATCH", "LOG", "TRACE", "SPEC", "CATALOG"}
    | {"CONNECTION_STATUS", "CONTROL"}
)

# The file's type's own item, misplaced (an association's typed identifier, which reads
# as a deletion's command): DocType.misshapen's test, or None. The guard passes it, and
# the rule reads it from the file's state (linecheck.py), so that both name one command.
Own = Callable[[dict[str, Any]], bool] | None
OWN_STATE = "MIC106:own"
# How far an item of `own` ranks below any other command of a line (see `envelope`).
_OWN = 100


def envelope(record: dict[str, Any], own: Own = None) -> Found | None:
    """Where a record holds its command, when it is an envelope; else None. A record that
    reads as a command itself is none (every valid line of every type does): its fields
    are checked as they are. One key a type names will not make it so (Singer's
    `{"type": "RECORD", "stream": ..., "record": {...}}`). Of several commands, the one
    with the most of a type's keys, the last of those (Debezium's `after`, not its
    `before`; a Kafka message's `value`, not its `key` of identifiers). An item of `own`
    only where it is the one command: in an association file, a message's `key` of an
    identifier is not its command, beside a `value` that is; and a list of them is none:
    `{"ids": [{"type": "USER_AGENT", ...}, ...]}` is its identifiers under another key
    (MIC201 and MIC204 say which), and taken out of the line each would be a bare
    identifier (MIC908). A data pipeline's message of no record (a Singer `SCHEMA`, an
    Airbyte `STATE`) is the whole line (`_MESSAGE`)."""
    keys = type_fields()[0]
    if _command(record, keys):
        return None
    kind = record.get("type")
    if type(kind) is str and kind in _MESSAGES:
        return (_MESSAGE,), None
    found: list[tuple[int, int, Found]] = []
    _inside(record, keys, (), 1, found, own)
    return _best(found)


def _best(found: list[tuple[int, int, Found]]) -> Found | None:
    """The command ranked first, with the most of a type's keys (less `_OWN` for an item
    of the type's own wrong shape), the last of those (see `envelope`)."""
    return max(found, key=lambda one: one[:2])[2] if found else None


def _inside(
    value: dict[str, Any],
    keys: frozenset[str],
    steps: tuple[str, ...],
    depth: int,
    found: list[tuple[int, int, Found]],
    own: Own,
) -> None:
    """Each command (or batch) inside `value`, with its keys of a type and its place (an
    item of `own` is none, see `envelope`)."""
    from mics_lint.suggest import closest  # only for a line that is no command

    for key, inner in value.items():
        # A field, or a near miss of one (`userProfile`, `Identifiers`, `events`): a
        # command's own misspelt key (MIC204's "did you mean"), not an envelope's.
        if key in keys or closest(key, _names()) is not None:
            continue
        at = (*steps, key)
        if type(inner) is str and inner[:1] == "{":  # JSON text (SNS's "Message")
            at, inner = (*at, _TEXT), _parsed(inner)
        count = _command(inner, keys)
        if count:
            rank = count if own is None or not own(inner) else count - _OWN
            found.append((rank, len(found), (at, None)))
        elif type(inner) is list and inner and type(inner[0]) is dict:
            batch = _batch(inner, keys, depth, own)
            if batch is not None:
                found.append((batch[0], len(found), ((*at, _EACH, *batch[1]), len(inner))))
        elif depth < _DEPTH and type(inner) is dict:
            _inside(inner, keys, at, depth + 1, found, own)


def _batch(
    items: list[Any], keys: frozenset[str], depth: int, own: Own
) -> tuple[int, tuple[str, ...]] | None:
    """The keys of a type of a batch's first command, and the steps from each item to its
    command, when every item holds one there (`{"Records": [{"kinesis": {"data": ...}}]}`);
    else None."""
    inside: tuple[str, ...] = ()
    if not _command(items[0], keys):
        found: list[tuple[int, int, Found]] = []
        if depth < _DEPTH:
            _inside(items[0], keys, (), depth + 1, found, own)
        best = _best(found)
        # One batch a line, or none (`is`: a key may be written "[]").
        if best is None or any(step is _EACH for step in best[0]):
            return None
        inside = best[0]
    commands = [_follow(item, inside) for item in items]
    if not all(_command(command, keys) for command in commands):
        return None
    if own is not None and all(own(command) for command in commands):
        return None  # the type's own items, listed (see `envelope`)
    return _command(commands[0], keys), inside


def _follow(value: Any, steps: tuple[str, ...]) -> Any:
    """What `steps` (no `_EACH` but a batch's first item) lead to in `value`, or None."""
    for step in steps:
        if step is _TEXT:
            value = _parsed(value) if type(value) is str else None
        elif step is _EACH:
            value = value[0] if type(value) is list and value else None
        else:
            value = value.get(step) if type(value) is dict else None
    return value


def _parsed(text: str) -> Any:
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


@functools.cache
def _names() -> tuple[str, ...]:
    return tuple(sorted(type_fields()[0]))


def commands_in(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each record, or in its place the command it holds as an envelope (a batch's first):
    what a file's type is told from (settings.Settings.doc_type_for). A Singer record's
    `type` would read as a deletion's."""
    found: list[dict[str, Any]] = []
    for record in records:
        inside = envelope(record)
        if inside is None:
            found.append(without_tool_keys(record))  # Json.NET's `$type`: no activity's
        elif inside[0][0] is not _MESSAGE:  # a pipeline's SCHEMA or STATE tells nothing
            found.append(_follow(record, inside[0]))
    return found


def _jq(steps: tuple[str, ...]) -> str:
    """jq's filter for the command (or each command of a batch) at `steps`, quoted for a
    shell as the message writes it ('it'\\''s')."""
    text = "".join(
        f" {step}"
        if step is _TEXT
        else step
        if step is _EACH
        else f".{step}"
        if _PLAIN_KEY.fullmatch(step)
        else f".[{json.dumps(step)}]"
        for step in steps
    )
    return text.replace("'", "'\\''")


def _where(steps: tuple[str, ...]) -> str:
    """The keys to a command, as the message names them: `"Records"[] > "data"` (each
    item's), `"records"` (a batch of commands)."""
    named = ""
    for at, step in enumerate(steps, 1):
        if step is _EACH:
            named += "[]" if at < len(steps) else ""  # a batch of commands: its array
        elif step is _TEXT:
            named += " as JSON text"
        else:
            named += (" > " if named else "") + json.dumps(step, ensure_ascii=False)
    return named


@FAMILY.rule(
    "MIC106",
    "command-in-envelope",
    Severity.ERROR,
    "the line's command is inside another object (an envelope), or is a batch in one",
)
def command_in_envelope(record: dict[str, Any], ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a line's command is the line itself, not a value inside another object, as
    a data pipeline writes its records: a connector's `{"record": {...}}`, a Kafka
    message's `{"key": ..., "value": {...}}`, a change event's `{"payload": {"after":
    {...}}}`, a Singer tap's `{"type": "RECORD", "record": {...}}`, an SNS notification's
    `"Message"` holding it as JSON text; nor a batch of commands in an array
    (`{"records": [{...}, {...}]}`, `{"Records": [{"kinesis": {"data": {...}}}]}`). A
    line that is no command (fewer than two fields of any import type, none of
    `operation` or a type's own markers such as `user_profile` or `$events`), holding
    one up to three levels down, gets this diagnostic alone.

    ## Why is this bad?
    The platform reads the envelope as the command: it has no `operation` and no
    identifier, and the whole line is rejected, command and all.

    ## Example
    ```ndjson
    {"topic":"crm","record":{"operation":"DELETE","email_hash":"3f2a9c"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```
    Write the command alone: `jq -c '.record'` takes it out of each line (the message
    names the path), `jq -c '.records[]'` writes each command of a batch on its own line.
    A Singer or Airbyte stream's records (`"type": "RECORD"`) are taken with
    `select(.type == "RECORD")`, which leaves out the stream's other messages (`SCHEMA`,
    `STATE`, `LOG`...): lines of no command, which get this diagnostic too.
    """
    found = envelope(record, ctx.state.get(OWN_STATE))
    if found is None:
        return
    steps, batch = found
    if steps[0] is _MESSAGE:
        yield Finding(
            f"the line is a {record['type']} message of a data pipeline (Singer, Airbyte), "
            "no command: keep only the commands of its RECORD messages (jq -c "
            """'select(.type == "RECORD") | .record', or .record.data for Airbyte's)"""
        )
        return
    where, jq = _where(steps), _jq(steps)
    if record.get("type") == "RECORD":  # a Singer or Airbyte stream: not its SCHEMA, STATE...
        jq = f'select(.type == "RECORD") | {jq}'
    if batch is None:
        message = (
            f"the command is inside {where} (an envelope, as a pipeline writes its records), "
            f"not the line itself: write the command alone on its line (jq -c '{jq}')"
        )
    else:
        message = (
            f"the line is a batch of {counted(batch, 'command')} in {where}, not one "
            f"command: write each command on its own line (jq -c '{jq}')"
        )
    yield Finding(message)


COMMAND_IN_ENVELOPE = FAMILY.rules[-1]
