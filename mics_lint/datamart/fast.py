"""The MIC25x fast check: a line's datamart problems looked for on the fast path.

Wrapped around the type's own fast check (it runs first, so that a line it refuses never
reaches the other check's side effects, MIC501's user queue), it decodes the profile (or
the activity) with orjson and asks walk.py whether any enabled MIC25x rule would fire: the
same test the full checks make, so the two paths agree by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from mics_lint.datamart import walk
from mics_lint.datamart.model import Datamart
from mics_lint.registry import FastCheck

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder
    from mics_lint.rules.crossline import Users

MakeCheck = Callable[[frozenset[str], "Users | None", "FastDecoder"], FastCheck]
CODES = frozenset(
    {
        walk.NULL_FIELD,
        walk.TIMESTAMP_DATE,
        walk.WRONG_TYPE,
        walk.NUMBER_FOR_STRING,
        walk.UNDECLARED_KEY,
        walk.NEAR_MISS_KEY,
        walk.IN_SECONDS,
    }
)


def wrap(base: MakeCheck, datamart: Datamart, role: str) -> MakeCheck:
    """The type's fast check maker, with the datamart test in front of its check."""

    def make(enabled: frozenset[str], users: Users | None, decoder: FastDecoder) -> FastCheck:
        check = base(enabled, users, decoder)
        ours = enabled & CODES
        if not ours:
            return check
        if role == "profile":
            return _profile_check(check, datamart, ours)
        return _activity_check(check, datamart, ours)

    return make


def _profile_check(check: FastCheck, datamart: Datamart, ours: frozenset[str]) -> FastCheck:
    import msgspec

    from mics_lint.datamart.structs import profile_decoders
    from mics_lint.fastpath import UNSET

    judge = walk.profile_problems
    decoders = profile_decoders(datamart, ours)
    replacing, merging = (d.decode for d in decoders) if decoders else (None, None)
    refused = (msgspec.ValidationError, msgspec.DecodeError)

    def vouch(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        profile = c.user_profile
        if profile is not UNSET and c.operation == "UPSERT":
            force = getattr(c, "force_replace", None)
            strategy = getattr(c, "update_strategy", None)
            replace = force is True or strategy == "FORCE_REPLACE"
            decode = replacing if replace else merging
            try:
                if decode is None:
                    raise msgspec.ValidationError
                decode(profile)  # the Structs take it: no MIC25x rule can fire
            except refused:
                # Refused is not wrong: walk.py decides (an unknown key, a 0 timestamp...).
                try:
                    record = {
                        "operation": "UPSERT",
                        "user_profile": orjson.loads(memoryview(profile)),  # a msgspec Raw
                        "force_replace": force,
                        "update_strategy": strategy,
                    }
                    for _ in judge(datamart, record, ours):
                        return False
                except (orjson.JSONDecodeError, RecursionError):  # the full checks say
                    return False
        return check(c, raw, lineno, plain)

    return vouch


def _activity_check(check: FastCheck, datamart: Datamart, ours: frozenset[str]) -> FastCheck:
    judge = walk.activity_problems

    def vouch(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        try:
            for _ in judge(datamart, orjson.loads(raw), ours):
                return False
        except (orjson.JSONDecodeError, RecursionError):  # the full checks say
            return False
        return check(c, raw, lineno, plain)

    return vouch
