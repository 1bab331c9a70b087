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
from collections.abc import Iterator
from typing import Any

from mics_lint.diagnostic import Finding, Severity, counted
from mics_lint.registry import LineContext
from mics_lint.rules.syntax import FAMILY
from mics_lint.rules.tables import type_fields

# How deep a command is looked for: a pipeline's record (1), or a change event's row in
# its payload (2). Deeper, the line is more likely data of its own than an envelope.
_DEPTH = 2
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


def _command(value: Any, keys: frozenset[str]) -> bool:
    """Whether a value is an object that reads as a command: two keys a document type
    defines, or one that marks one (`_marks`)."""
    if type(value) is not dict:
        return False
    found = keys.intersection(value)
    return len(found) >= 2 or not _marks().isdisjoint(found)


def envelope(record: dict[str, Any]) -> tuple[list[str], int | None] | None:
    """Where a record holds its command, when it is an envelope: the keys leading to it,
    and None, or the number of commands of a batch (an array of them); else None. A record
    that reads as a command itself is none (every valid line of every type does): its
    fields are checked as they are. One key a type names will not make it so (Singer's
    `{"type": "RECORD", "stream": ..., "record": {...}}`)."""
    keys = type_fields()[0]
    if _command(record, keys):
        return None
    return _inside(record, keys, [], 1)


def _inside(
    value: dict[str, Any], keys: frozenset[str], path: list[str], depth: int
) -> tuple[list[str], int | None] | None:
    for key, inner in value.items():
        if key in keys:  # a field holding an object: MIC202's, not an envelope
            continue
        at = [*path, key]
        if _command(inner, keys):
            return at, None
        if type(inner) is list and inner and all(_command(item, keys) for item in inner):
            return at, len(inner)
        if depth < _DEPTH and type(inner) is dict:
            found = _inside(inner, keys, at, depth + 1)
            if found is not None:
                return found
    return None


def _jq(path: list[str], batch: bool) -> str:
    """jq's filter for the command (or each command of a batch) at `path`."""
    steps = "".join(
        f".{key}" if _PLAIN_KEY.fullmatch(key) else f".[{json.dumps(key)}]" for key in path
    )
    return steps + ("[]" if batch else "")


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
    {...}}}`, a Singer tap's `{"type": "RECORD", "record": {...}}`; nor a batch of
    commands in an array (`{"records": [{...}, {...}]}`). A line that is no command
    (fewer than two fields of any import type, none of `operation` or a type's own
    markers such as `user_profile` or `$events`), holding one one or two levels down,
    gets this diagnostic alone.

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
    """
    found = envelope(record)
    if found is None:
        return
    path, batch = found
    where = " > ".join(json.dumps(key, ensure_ascii=False) for key in path)
    jq = _jq(path, batch is not None)
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
