"""'Did you mean ...?': the closest valid spelling of a key or value that was nearly right."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any

_CAMEL_BOUNDARY = r"(?<=[a-z0-9])(?=[A-Z])"  # compiled on first use: a clean run has none


@functools.lru_cache(maxsize=4096)
def _normal(word: str) -> str:
    # forceReplace, force-replace, FORCE_REPLACE and "force replace" all mean force_replace.
    return re.sub(r"[^a-z0-9$]", "", re.sub(_CAMEL_BOUNDARY, "_", word).lower())


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The one candidate `word` was most likely meant to be, or None when nothing is close."""
    return _closest(word, tuple(candidates))


# A systematic mistake asks the same question on every line: difflib is slow.
@functools.lru_cache(maxsize=4096)
def _closest(word: str, candidates: tuple[str, ...]) -> str | None:
    options = [c for c in candidates if c != word]
    if not options:
        return None
    normal = _normal(word)
    same = [c for c in options if _normal(c) == normal]
    if same:
        return same[0]
    # difflib's ratio is at most 2*min(len)/(sum of lens): only those that may reach 0.8.
    by_normal = {
        n: c
        for c in options
        if 2 * min(len(n := _normal(c)), len(normal)) >= 0.8 * (len(n) + len(normal))
    }
    if not by_normal:
        return None
    import difflib  # only when a key or value is wrong, and some may be close

    near = difflib.get_close_matches(normal, list(by_normal), n=1, cutoff=0.8)
    return by_normal[near[0]] if near else None


def rename_to(wanted: str, written: Iterable[str]) -> str | None:
    """'rename "x" to "wanted"' when one of the keys `written` is a near miss of the missing
    key `wanted` (MIC201, MIC803, MIC804: the message names the key to rename), else None."""
    near = closest(wanted, written)
    return None if near is None else _rename(near, wanted)


def _rename(written: str, wanted: str) -> str:
    from mics_lint.jsontext import shorten  # as JSON, cut, an address masked

    return f"rename {shorten(written)} to {shorten(wanted)}"


def near_misses(record: dict[str, Any], wanted: tuple[str, ...]) -> list[tuple[str, str]]:
    """('rename "forceReplace" to "force_replace"', "force_replace") for each key of `wanted`
    the record lacks and holds another spelling of: the same words in another case or
    separator (`forceReplace`, `user-agent-id`), or without or with the `$` of an activity's
    keys. What a rule that finds the key missing says instead of "add it", which would leave
    the misspelt one unread (`"forceReplace": true` then a merge). Only such sure ones: a
    typo close by its letters may be another field (`segment_id` is near `user_agent_id`),
    which MIC204's "did you mean" leaves to the reader. Remembered by the record's keys: an
    export repeats its misspelt key on every line."""
    keys = (wanted, tuple(record))
    found = _NEAR_MISSES.get(keys)
    if found is None:
        spelt = {_normal(k.lstrip("$")): k for k in record if isinstance(k, str)}
        found = []
        for w in wanted:
            near = spelt.get(_normal(w.lstrip("$")))
            if w not in record and near is not None and near != w:
                found.append((_rename(near, w), w))
        if len(_NEAR_MISSES) >= 1024:
            _NEAR_MISSES.clear()
        _NEAR_MISSES[keys] = found
    return found


_NEAR_MISSES: dict[tuple[tuple[str, ...], tuple[Any, ...]], list[tuple[str, str]]] = {}


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean "x"?' or the empty string."""
    match = closest(word, candidates)
    # As JSON: a key holding a newline or a quote stays on the message's one line.
    return f"; did you mean {json.dumps(match, ensure_ascii=False)}?" if match else ""


def only_candidate(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate `word` was meant to be when there is exactly one close one: what an
    automatic rename may use (closest() picks the best of several, for a message)."""
    options = [c for c in candidates if c != word]
    normal = _normal(word)
    same = [c for c in options if _normal(c) == normal]
    if same:
        return same[0] if len(same) == 1 else None
    import difflib

    by_normal: dict[str, list[str]] = {}
    for c in options:
        by_normal.setdefault(_normal(c), []).append(c)
    near = difflib.get_close_matches(normal, list(by_normal), n=2, cutoff=0.8)
    if len(near) != 1 or len(by_normal[near[0]]) != 1:
        return None
    return by_normal[near[0]][0]
