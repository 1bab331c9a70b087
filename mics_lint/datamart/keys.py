"""MIC255 and MIC256: keys the datamart schema does not declare, in a profile, its nested
objects, an activity or an event's `$properties` (walk.py asks, object by object)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from mics_lint.datamart.model import JsonPath, ObjectSpec, Problem
from mics_lint.datamart.rules import NEAR_MISS_KEY, UNDECLARED_KEY
from mics_lint.jsontext import path_text, shorten


def lookup(value: Any, source: tuple[str, ...]) -> tuple[bool, Any]:
    """Whether the keys of `source` lead to a value from `value`, and that value."""
    for key in source:
        if not isinstance(value, dict) or key not in value:
            return False, None
        value = value[key]
    return True, value


def name_of(at: JsonPath) -> str:
    """How a message names the value at `at`."""
    return path_text(at) or "the activity"


def undeclared(
    spec: ObjectSpec, obj: dict[str, Any], path: JsonPath, enabled: frozenset[str]
) -> Iterator[Problem]:
    """MIC255 and MIC256: the keys of `obj` (or of its `$properties`) that `spec` does not
    declare."""
    level: tuple[str, ...] = (spec.properties_key,) if spec.properties_key else ()
    present, where = lookup(obj, level)
    if not present or not isinstance(where, dict):
        return
    known = spec.known_keys
    for key in where:
        if key in known or key.startswith("$"):
            continue
        near = _one_edit_away(key, known)
        at = (*path, *level, key)
        if near is not None:
            if NEAR_MISS_KEY in enabled:
                yield (
                    NEAR_MISS_KEY,
                    at,
                    False,
                    f"{name_of(at)}: the datamart schema declares no {shorten(key)} in "
                    f"{spec.name} (so it is stored but not indexed); did you mean {shorten(near)}?",
                )
        elif UNDECLARED_KEY in enabled:
            yield (
                UNDECLARED_KEY,
                at,
                False,
                f"{name_of(at)}: the datamart schema declares no {shorten(key)} in {spec.name}: "
                f"it is stored but cannot be queried; {_declare(key, level)}",
            )


_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def _declare(key: str, level: tuple[str, ...]) -> str:
    """MIC255's advice: a key that is no GraphQL name is declared with an @Property path
    (reference §8: "they can only be indexed through @Property")."""
    if _GRAPHQL_NAME.fullmatch(key):
        return "declare it in the schema if it should be"
    if "." in key:
        return "no @Property path can name a key holding a dot: rename it to query it"
    name = re.sub(r"\W", "_", key, flags=re.ASCII)
    name = name if _GRAPHQL_NAME.fullmatch(name) else "_" + name
    path = shorten(".".join((*level, key)))
    return (
        f"it is no GraphQL name: to query it, declare a field such as {name} with "
        f"@Property(path:{path})"
    )


@functools.lru_cache(maxsize=4096)
def _one_edit_away(key: str, known: frozenset[str]) -> str | None:
    """The declared key one edit from `key` (a letter added, dropped, changed or two
    swapped), if there is exactly one such; None otherwise. A digit added at the end is
    no slip (`phone2` beside `phone`: a second number)."""
    found = [k for k in known if _distance_one(key, k) and not _numbered(key, k)]
    return found[0] if len(found) == 1 else None


def _numbered(a: str, b: str) -> bool:
    """Whether one of the keys is the other and a digit."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return long[:-1] == short and long[-1:].isdigit()


def _distance_one(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]
