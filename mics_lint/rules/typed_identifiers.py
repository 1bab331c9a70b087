"""Typed identifiers (`{"type": "USER_EMAIL", "hash": ...}`) compared: who each names, and
which an association line lists twice (MIC907, its check in deletions.py and the
association's fast check in fast_checks.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any


def identifier_key(item: Any, unset: Any = None) -> tuple[str | None, ...] | None:
    """Who a typed identifier names, to compare two of them: its type and the values of
    its fields (a USER_ACCOUNT's compartment too, None when left out), or None when a value
    is not a string (MIC202's). `item` is a parsed object, or a fast-path Struct whose
    fields left out are `unset`."""
    get: Callable[[str], Any]
    if isinstance(item, dict):
        get, missing = item.get, None
    else:
        get, missing = (lambda key: getattr(item, key, unset)), unset
    kind = get("type")
    if not isinstance(kind, str) or kind not in _KEY_FIELDS:
        return None
    values: list[str | None] = [kind]
    for key in _KEY_FIELDS[kind]:
        value = get(key)
        if isinstance(value, str):
            values.append(value)
        elif key == "compartment_id" and value is missing:
            values.append(None)  # left out: the default compartment
        else:
            return None
    return tuple(values)


# The fields that say who a typed identifier names (not `email`, which the hash stands for).
_KEY_FIELDS = {
    "USER_ACCOUNT": ("compartment_id", "user_account_id"),
    "USER_EMAIL": ("hash",),
    "USER_AGENT": ("user_agent_id",),
    "USER_POINT": ("user_point_id",),
}


def repeated_identifiers(items: Iterable[Any], unset: Any = None) -> Iterator[tuple[int, int]]:
    """(index, index of its first occurrence) of each identifier listed a second time."""
    first: dict[tuple[str | None, ...], int] = {}
    for index, item in enumerate(items):
        key = identifier_key(item, unset)
        if key is None:
            continue
        seen = first.setdefault(key, index)
        if seen != index:
            yield index, seen
