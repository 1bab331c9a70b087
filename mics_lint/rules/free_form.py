"""Where MIC206 finds placeholders, and where a placeholder's shape is data: the free-form
places of a command (a profile, an event's properties, a data bag, an activity's custom
keys and `$origin`, a choice's own fields), which hold the masks and tags an export writes
(`"<REDACTED>"`, `"<BR>"`). Imported by the rule for a line holding `"<` only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mics_lint.registry import Record
from mics_lint.rules.structure import MISSING_TEXT, PLACEHOLDER

# What an export writes as data in free-form objects (`_FREE_FORM`): a missing value or a
# mask (a privacy filter's, every line), HTML tags. An identifier holding one is MIC309's.
_WORDS = (
    "EMPTY BLANK UNKNOWN MISSING TBD TBA REDACTED MASKED HIDDEN ANONYMIZED ANONYMISED PII "
    "REMOVED DELETED PRIVATE CONFIDENTIAL SECRET DEFAULT ALL OTHER ANY A B I U P BR HR EM "
    "LI UL OL TD TR TH DIV SPAN H1 H2 H3 H4 H5 H6 STRONG SMALL SUB SUP TABLE BODY HTML HEAD "
    "TITLE CENTER FONT PRE CODE IMG WBR NOBR"
)
_DATA_WORDS = frozenset(f"<{word}>" for word in (*MISSING_TEXT, *_WORDS.split()))
# The free-form objects: a profile, an event's properties, a segment's data bag, an
# activity's origin (campaign names, sources: text from the customer's tools).
_FREE_FORM = frozenset({"user_profile", "$properties", "data_bag", "$origin"})
# An object whose keys without `$` are custom data (a choice's own fields).
_CUSTOM_KEYS = "user_choice"


_PLATFORM_KEYS: list[frozenset[str]] = []


def _platform_keys() -> frozenset[str]:
    """Every top-level key some import type defines."""
    if not _PLATFORM_KEYS:  # made by the first line holding "<"
        from mics_lint.doctypes import DOC_TYPES
        from mics_lint.rules.activities import KNOWN_KEYS

        _PLATFORM_KEYS.append(frozenset().union(KNOWN_KEYS, *(t.keys for t in DOC_TYPES.values())))
    return _PLATFORM_KEYS[0]


def placeholders(record: Record) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(path, value) of each placeholder of the record, in order, but the masks and tags
    in free-form places. A top-level key no import type defines is custom data (an
    activity's, which the docs allow at its root) or MIC204's."""
    platform = _platform_keys()
    for key, value in record.items():
        free = key in _FREE_FORM or key not in platform
        yield from _placeholders(value, (key,), free)


def _placeholders(
    value: Any, path: tuple[str | int, ...], free: bool
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    # A stack, not recursion: orjson takes values nested 1,024 deep, past Python's limit.
    stack = [(value, path, free)]
    while stack:
        value, path, free = stack.pop()
        if isinstance(value, str):
            found = value[:1] == "<" and PLACEHOLDER.fullmatch(value)
            if found and not (free and value in _DATA_WORDS):
                yield path, value
        elif isinstance(value, dict):  # its items in order: the last pushed first
            custom = path == (_CUSTOM_KEYS,)
            stack += reversed(
                [
                    (v, (*path, k), free or k in _FREE_FORM or (custom and k[:1] != "$"))
                    for k, v in value.items()
                ]
            )
        elif isinstance(value, list):
            stack += reversed([(item, (*path, at), free) for at, item in enumerate(value)])
