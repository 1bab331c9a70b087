"""MIC103 inside the objects whose keys the platform reads by name: a choice's `user_choice`,
an association's identifiers, an activity's events, `$email_hash` and `$user_identifiers`.

Which objects those are is the schema's: each object it describes with `properties`, at a
path from the command (`("$events", "*")` for each event), with the keys it declares. A key
the schema declares there, written twice in one such object, is reported as MIC103 is at
the top level; a key it does not declare there (a choice's custom key) and the free-form
objects (`user_profile`, an event's `$properties`) are data, not read by name, and not
searched (a fast check could not tell a key written twice inside a profile without parsing
it). The fast checks prove the same: by the length of the command's compact encoding first
(fast_checks.common, activity_fast.py), else by counting each of these keys in the line
against the decoded command (`counted`), as the full checks do before parsing it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

#: A path to an object from the command: keys, and "*" for every item of an array.
Where = tuple[str, ...]


def structured_objects(schema: dict[str, Any]) -> dict[Where, frozenset[str]]:
    """The nested objects of `schema` that it describes with `properties`, and their keys:
    made once per schema (each file's checker asks)."""
    kept = _MADE.get(id(schema))
    if kept is None or kept[0] is not schema:  # the schema is held: its id stays its own
        found: dict[Where, frozenset[str]] = {}
        _walk(schema, (), found)
        if len(_MADE) >= 64:  # a long-lived process may be given many schemas: keep a few
            _MADE.clear()
        kept = _MADE[id(schema)] = (schema, found)
    return kept[1]


_MADE: dict[int, tuple[dict[str, Any], dict[Where, frozenset[str]]]] = {}


def _walk(schema: Any, path: Where, found: dict[Where, frozenset[str]]) -> None:
    if not isinstance(schema, dict) or len(path) > 4:
        return
    keys: set[str] = set()
    for part in (schema, *_alternatives(schema)):
        properties = part.get("properties")
        if isinstance(properties, dict):
            keys.update(properties)
            for key, sub in properties.items():
                _walk(sub, (*path, key), found)
        if isinstance(part.get("items"), dict):
            _walk(part["items"], (*path, "*"), found)
    if keys and path:
        found[path] = found.get(path, frozenset()) | frozenset(keys)


def _alternatives(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for keyword in ("oneOf", "anyOf", "allOf", "then", "else"):
        parts = schema.get(keyword)
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict):
                yield part


def counted(
    objects: dict[Where, frozenset[str]],
    name: Callable[[str], str],
    missing: Any,
    get: Callable[[Any, str, Any], Any],
) -> Callable[[Any, bytes], bool]:
    """Whether each declared key a command's structured objects hold is written in its
    line as many times as they and the top level hold it (its quoted spelling counted in
    the line's bytes). A key written twice is held once (the last value): counted twice, it
    says no. The command is read by `get(value, name(key), missing)`: a fast check's Struct
    (`getattr`, fastpath.attribute, UNSET) or the full checks' parsed record."""
    wanted = [
        (
            tuple(step if step == "*" else name(step) for step in where),
            [(name(key), b'"%s"' % key.encode()) for key in sorted(keys)],
        )
        for where, keys in objects.items()
    ]

    def once(command: Any, raw: bytes) -> bool:
        counts: dict[bytes, int] = {}
        for where, keys in wanted:
            for _, value in _located(command, where, (), get, missing):
                for key, quoted in keys:
                    if get(value, key, missing) is not missing:
                        if quoted not in counts:  # a top-level key of that name too
                            counts[quoted] = int(get(command, key, missing) is not missing)
                        counts[quoted] += 1
        return all(raw.count(quoted) == n for quoted, n in counts.items())

    return once


def record_repeats(
    schema: dict[str, Any],
) -> Callable[[dict[str, Any], bytes, str], list[tuple[str | int, ...]]] | None:
    """For the full checks: the path of each declared key written again in a structured
    object of a parsed line (`record`, its bytes and its text), at its later occurrences;
    None for a schema without such objects. The line is parsed again only where its keys'
    count says one may be repeated, or a `\\u` escape may spell one."""
    objects = structured_objects(schema)
    if not objects:
        return None
    once = counted(objects, str, _MISSING, _item)

    def repeats(record: dict[str, Any], body: bytes, text: str) -> list[tuple[str | int, ...]]:
        if body.find(b"\\u") < 0 and once(record, body):
            return []
        return _repeated(text, objects)

    return repeats


def _item(value: Any, key: str, missing: Any) -> Any:
    return value.get(key, missing) if isinstance(value, dict) else missing


_MISSING = object()


def _repeated(text: str, objects: dict[Where, frozenset[str]]) -> list[tuple[str | int, ...]]:
    try:
        # Numbers as their text: never read, and an integer of 5,000 digits is no error here.
        record = json.loads(text, object_pairs_hook=_Pairs, parse_int=str, parse_float=str)
    except (ValueError, RecursionError):
        return []
    found: dict[tuple[str | int, ...], None] = {}  # a key thrice is one place: its last
    for where, keys in objects.items():
        for path, value in _located(record, where, (), _item, _MISSING):
            if isinstance(value, _Pairs):
                found.update(((*path, key), None) for key in value.again if key in keys)
    return list(found)


class _Pairs(dict[str, Any]):
    """An object as `json` reads it, with the keys it met again (in the order met)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.again: list[str] = []
        if len(self) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.again.append(key)
                seen.add(key)


def _located(
    value: Any,
    where: tuple[str, ...],
    path: tuple[str | int, ...],
    get: Callable[[Any, str, Any], Any],
    missing: Any,
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The values at `where` in `value` (each item of a list for "*"), with their paths."""
    if not where:
        yield path, value
        return
    step, rest = where[0], where[1:]
    if step == "*":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _located(item, rest, (*path, index), get, missing)
        return
    found = get(value, step, missing)
    if found is not missing and found is not None:
        yield from _located(found, rest, (*path, step), get, missing)
