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


# A key that says the opposite of a known one (`noForceReplace`, `force_replace_off`): the
# known key with one of these words before or after it, in `_normal`'s spelling.
_NEGATIONS = frozenset(
    {"no", "not", "non", "dont", "donot", "never", "off", "false", "disable", "disabled"}
    | {"skip", "without", "un", "ignore"}
)


def _negates(normal: str, candidate: str) -> bool:
    """Whether the key spelt `normal` is the key spelt `candidate` negated: renamed to it,
    its value would say the opposite (`"noForceReplace": true` a profile's replace)."""
    if normal == candidate or candidate not in normal:
        return False
    return normal.replace(candidate, "", 1) in _NEGATIONS


# A systematic mistake asks the same question on every line: difflib is slow.
@functools.lru_cache(maxsize=4096)
def _closest(word: str, candidates: tuple[str, ...]) -> str | None:
    normal = _normal(word)
    options = [c for c in candidates if c != word and not _negates(normal, _normal(c))]
    if not options:
        return None
    same = [c for c in options if _normal(c) == normal]
    if same:
        return same[0]
    if len(beginnings(word, options)) > 1:
        return None  # `expiration`: a timestamp or a duration? (did_you_mean names both)
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
    if near:
        return by_normal[near[0]]
    # One letter wrong, or two swapped, in a word of 3 or 4 characters (`$tll` for `$ttl`):
    # difflib's ratio for it stays under the cutoff (0.75 at 4).
    one_off = [c for n, c in by_normal.items() if _one_letter_off(normal, n)]
    return one_off[0] if len(one_off) == 1 else None


def _one_letter_off(written: str, known: str) -> bool:
    """Whether two short words of one length differ by one letter, or two letters swapped
    (a `$` before them is no letter: both have it, or neither)."""
    if written[:1] == "$" and known[:1] == "$":
        written, known = written[1:], known[1:]
    if len(written) != len(known) or not 3 <= len(known) <= 4 or "$" in written + known:
        return False
    apart = [at for at, (a, b) in enumerate(zip(written, known, strict=True)) if a != b]
    if len(apart) == 2 and apart[1] == apart[0] + 1:
        return written[apart[0]] == known[apart[1]] and written[apart[1]] == known[apart[0]]
    return len(apart) == 1


def rename_to(wanted: str, written: Iterable[str]) -> str | None:
    """'rename "x" to "wanted"' when one of the keys `written` is a near miss of the missing
    key `wanted` (MIC201, MIC803, MIC804: the message names the key to rename), else None."""
    near = closest(wanted, written)
    return None if near is None else _rename(near, wanted)


def _rename(written: str, wanted: str, *, raw: bool = False) -> str:
    from mics_lint.jsontext import shorten  # as JSON, cut, an address masked

    return f"rename {shorten(written)} to {wanted if raw else shorten(wanted)}"


def near_misses(
    record: dict[str, Any], wanted: tuple[str, ...], known: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """('rename "forceReplace" to "force_replace"', "force_replace") for each key of `wanted`
    the record lacks and holds another spelling of: the same words in another case or
    separator (`forceReplace`, `user-agent-id`), or without or with the `$` of an activity's
    keys. What a rule that finds the key missing says instead of "add it", which would leave
    the misspelt one unread (`"forceReplace": true` then a merge).

    Given `known`, every key of the record's type (`wanted` among them), a key the type
    does not define is a near miss too when it is a typo of one wanted key by its letters,
    or its beginning, and of no other known key (`force_replce`, `user_profil`, `force`),
    and is no field of another import (`segment_id` is near `user_agent_id`); and a key
    that begins two wanted keys (`expiration`) is to be renamed to one of them, named both.
    Without it, a typo close by its letters may be another field, which MIC204's "did you
    mean" leaves to the reader.
    Remembered by the record's keys: an export repeats its misspelt key on every line."""
    keys = (wanted, tuple(record), known)
    found = _NEAR_MISSES.get(keys)
    if found is None:
        found = _near_misses(record, wanted, known)
        if len(_NEAR_MISSES) >= 1024:
            _NEAR_MISSES.clear()
        _NEAR_MISSES[keys] = found
    return found


def _near_misses(
    record: dict[str, Any], wanted: tuple[str, ...], known: frozenset[str]
) -> list[tuple[str, str]]:
    spelt = {_normal(k.lstrip("$")): k for k in record if isinstance(k, str)}
    unknown = [k for k in record if isinstance(k, str) and k not in known] if known else []
    if len(unknown) > _MAX_TYPOS:  # dozens of unknown keys are no typos (difflib: ~50 µs each)
        unknown = []
    found = []
    for w in wanted:
        near = spelt.get(_normal(w.lstrip("$")))
        if near is None and unknown and w in known:
            near = _typo_of(w, unknown, known)
        if w not in record and near is not None and near != w:
            found.append((_rename(near, w), w))
    if not found and known and not any(w in record for w in wanted):
        for key in unknown:
            several = beginnings(key, wanted)
            if len(several) > 1:
                found.append(
                    (_rename(key, " or ".join(map(_quoted, several)), raw=True), several[0])
                )
                break
    return found


_MAX_TYPOS = 32


def _typo_of(wanted: str, unknown: list[str], known: frozenset[str]) -> str | None:
    """The one key of `unknown` that is a typo of `wanted`, or its beginning, and of no
    other `known` key (`force_replce`, `force`)."""
    ordered = _ordered(known)
    typos = [k for k in unknown if _meant_by(k, ordered) == wanted]
    if len(typos) != 1:
        return None
    from mics_lint.doctypes import foreign_field  # a mistake only

    return None if foreign_field(typos[0], wanted, known) else typos[0]


@functools.lru_cache(maxsize=64)
def _ordered(known: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(known))


# Per key, not per line: lines whose columns differ each ask for their own keys (difflib).
@functools.lru_cache(maxsize=4096)
def _meant_by(key: str, known: tuple[str, ...]) -> str | None:
    """The one known key that `key` begins (`force`: `force_replace`; none if it begins
    two), or else is a typo of (suggest.only_candidate)."""
    starts = beginnings(key, known)
    if starts:
        return starts[0] if len(starts) == 1 else None
    return only_candidate(key, known)


_NEAR_MISSES: dict[tuple[Any, ...], list[tuple[str, str]]] = {}


def keys_of(doc_type: str) -> frozenset[str]:
    """The top-level keys of the type named `doc_type` (USER_PROFILE...): `known` for
    near_misses, read once per process (doctypes imports the rules: not at import)."""
    keys = _KEYS_OF.get(doc_type)
    if keys is None:
        from mics_lint.doctypes import DOC_TYPES

        keys = _KEYS_OF[doc_type] = DOC_TYPES[doc_type].keys
    return keys


_KEYS_OF: dict[str, frozenset[str]] = {}


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean "x"?' (or "x" or "y", when `word` begins both), or the empty string."""
    candidates = tuple(candidates)
    match = closest(word, candidates)
    if match is None:
        several = beginnings(word, candidates)
        if 1 < len(several) <= 3:  # more is a list to read, not a suggestion
            return f"; did you mean {' or '.join(map(_quoted, several))}?"
    # As JSON: a key holding a newline or a quote stays on the message's one line.
    return f"; did you mean {_quoted(match)}?" if match else ""


def _quoted(word: str) -> str:
    return json.dumps(word, ensure_ascii=False)


def beginnings(word: str, candidates: Iterable[str]) -> list[str]:
    """The candidates that `word` is the beginning of, in its spelling or another
    (`expiration`: `expiration_ts` and `expiration_duration`). Two or more: no one of
    them is what was meant (a timestamp or a duration?), neither for a "did you mean" nor
    for a rename, which would give the value another meaning."""
    normal = _normal(word)
    if len(normal) < 3:
        return []
    return [c for c in candidates if c != word and _normal(c).startswith(normal)]


def only_candidate(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate `word` was meant to be when there is exactly one close one: what an
    automatic rename may use (closest() picks the best of several, for a message)."""
    normal = _normal(word)
    options = [c for c in candidates if c != word and not _negates(normal, _normal(c))]
    same = [c for c in options if _normal(c) == normal]
    if same:
        return same[0] if len(same) == 1 else None
    if len(beginnings(word, options)) > 1:
        return None
    import difflib

    by_normal: dict[str, list[str]] = {}
    for c in options:
        by_normal.setdefault(_normal(c), []).append(c)
    near = difflib.get_close_matches(normal, list(by_normal), n=2, cutoff=0.8)
    if len(near) != 1 or len(by_normal[near[0]]) != 1:
        return None
    return by_normal[near[0]][0]
