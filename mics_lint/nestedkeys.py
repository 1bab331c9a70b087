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
against the decoded command (`written_once`).
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


def held(record: dict[str, Any], objects: dict[Where, frozenset[str]]) -> dict[str, int]:
    """How many times the parsed `record` holds each declared key of its structured objects,
    counting the top level's keys of the same names too: a line that writes each of them
    as many times (their quoted spelling counted in its bytes) writes none twice."""
    counts: dict[str, int] = {}
    for where, keys in objects.items():
        for value in _at(record, where):
            if isinstance(value, dict):
                for key in keys & value.keys():
                    counts[key] = counts.get(key, 1 if key in record else 0) + 1
    return counts


def may_repeat(record: dict[str, Any], body: bytes, objects: dict[Where, frozenset[str]]) -> bool:
    """Whether a declared key of a structured object may be written twice in the line:
    counted more times than the record holds it, or the line has `\\u` escapes (a key may
    be spelled with them)."""
    counts = held(record, objects)
    if not counts:
        return False
    if body.find(b"\\u") >= 0:
        return True
    return any(body.count(json.dumps(k).encode()) != n for k, n in counts.items())


def written_once(
    objects: dict[Where, frozenset[str]], attribute: Callable[[str], str], unset: Any
) -> Callable[[Any, bytes], bool]:
    """`may_repeat`'s answer for a fast check's decoded command (a Struct, each key's
    attribute named by `attribute`): each declared key its structured objects hold, counted
    in the line, as many times as they and the top level hold it. A key written twice is
    held once (the last value): counted twice, it sends the line to the full checks."""
    wanted = [
        (
            tuple(step if step == "*" else attribute(step) for step in where),
            [(attribute(key), b'"%s"' % key.encode()) for key in sorted(keys)],
        )
        for where, keys in objects.items()
    ]

    def check(command: Any, raw: bytes) -> bool:
        counts: dict[bytes, int] = {}
        for where, keys in wanted:
            for value in _attributes_at(command, where, unset):
                for name, quoted in keys:
                    if getattr(value, name, unset) is not unset:
                        if quoted not in counts:  # a top-level key of that name too
                            counts[quoted] = getattr(command, name, unset) is not unset
                        counts[quoted] += 1
        return all(raw.count(quoted) == n for quoted, n in counts.items())

    return check


def _attributes_at(value: Any, where: tuple[str, ...], unset: Any) -> Iterator[Any]:
    if not where:
        yield value
        return
    step, rest = where[0], where[1:]
    if step == "*":
        if isinstance(value, list):
            for item in value:
                yield from _attributes_at(item, rest, unset)
        return
    found = getattr(value, step, unset)
    if found is not unset and found is not None:
        yield from _attributes_at(found, rest, unset)


def repeated(text: str, objects: dict[Where, frozenset[str]]) -> list[tuple[str | int, ...]]:
    """The path of each declared key written again in a structured object of `text` (one
    JSON object), at its later occurrences; [] when `text` does not parse."""
    try:
        # Numbers as their text: never read, and an integer of 5,000 digits is no error here.
        record = json.loads(text, object_pairs_hook=_Pairs, parse_int=str, parse_float=str)
    except (ValueError, RecursionError):
        return []
    found: dict[tuple[str | int, ...], None] = {}  # a key thrice is one place: its last
    for where, keys in objects.items():
        for path, value in _located(record, where, ()):
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


def _at(value: Any, where: Where) -> Iterator[Any]:
    for _, found in _located(value, where, ()):
        yield found


def _located(
    value: Any, where: Where, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if not where:
        yield path, value
        return
    step, rest = where[0], where[1:]
    if step == "*":
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from _located(item, rest, (*path, index))
    elif isinstance(value, dict) and step in value:
        yield from _located(value[step], rest, (*path, step))
