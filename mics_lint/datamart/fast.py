"""The MIC25x fast check: a line's datamart problems looked for on the fast path.

Wrapped around the type's own fast check (it runs first, so that a line it refuses never
reaches the other check's side effects, MIC501's user queue), it decodes the profile (or
the activity) with orjson and asks walk.py whether any enabled MIC25x rule would fire: the
same test the full checks make, so the two paths agree by construction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from mics_lint.datamart import walk
from mics_lint.datamart.model import Datamart
from mics_lint.datamart.rules import (
    IN_SECONDS,
    NEAR_MISS_KEY,
    NULL_FIELD,
    NUMBER_FOR_STRING,
    TIMESTAMP_DATE,
    UNDECLARED_KEY,
    WRONG_TYPE,
)
from mics_lint.registry import FastCheck, FastCheckMaker, FileState, Rule

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder
    from mics_lint.rules.crossline import Users

MakeCheck = FastCheckMaker
CODES = frozenset(
    {
        NULL_FIELD,
        TIMESTAMP_DATE,
        WRONG_TYPE,
        NUMBER_FOR_STRING,
        UNDECLARED_KEY,
        NEAR_MISS_KEY,
        IN_SECONDS,
    }
)


def wrap(base: MakeCheck, datamart: Datamart, role: str) -> MakeCheck:
    """The type's fast check maker, with the datamart test in front of its check."""

    def make(
        enabled: frozenset[str], users: Users | None, decoder: FastDecoder, state: FileState
    ) -> FastCheck:
        check = base(enabled, users, decoder, state)
        ours = enabled & CODES
        if not ours:
            return check
        if role == "profile":
            return _profile_check(check, datamart, ours, decoder)
        return _activity_check(check, datamart, ours)

    return make


def _profile_check(
    check: FastCheck, datamart: Datamart, ours: frozenset[str], decoder: FastDecoder
) -> FastCheck:
    """Runs on every UPSERT line of a file with a schema: kept to a decode and a call."""
    import msgspec

    from mics_lint.datamart.structs import profile_decoders
    from mics_lint.fastpath import DECODE_ERRORS, UNSET

    try:  # which profile form the line decoder was made for: its Struct's fields say
        fields = type(decoder.decode(b'{"operation":"DELETE"}')).__struct_fields__
    except DECODE_ERRORS:
        fields = ()
    older, newer = "force_replace" in fields, "update_strategy" in fields
    decoders = profile_decoders(datamart, ours)
    if decoders is None:
        return _walked(check, datamart, ours, older, newer)
    replacing, merging, objects = (made.decode for made in decoders)
    by_form = {
        (walk.LINE, walk.LINE): replacing,
        ("", walk.MERGE): objects,
        ("", ""): merging,
    }
    refused = (msgspec.ValidationError, msgspec.DecodeError)
    walked = _walked(check, datamart, ours, older, newer)

    def vouch(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        profile = c.user_profile
        if profile is UNSET or c.operation != "UPSERT":
            return check(c, raw, lineno, plain)
        strategy = c.update_strategy if newer else None
        if strategy == "PARTIAL_DELETE":  # walk.py does not judge it either
            return check(c, raw, lineno, plain)
        form = (c.force_replace, strategy, c.merge_objects) if older else (None, strategy, None)
        decode = by_form[walk.whole(*form)]
        try:
            decode(profile)
        except refused:  # refused is not wrong: walk.py decides (an unknown key, a 0...)
            return walked(c, raw, lineno, plain)
        return check(c, raw, lineno, plain)  # the Structs took it: no MIC25x can fire

    return vouch


def _walked(
    check: FastCheck, datamart: Datamart, ours: frozenset[str], older: bool, newer: bool
) -> FastCheck:
    """The profile judged by walk.py, the full checks' own test, then the type's check."""
    from mics_lint.fastpath import UNSET

    judge = walk.profile_problems

    def vouch(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        if c.user_profile is not UNSET and c.operation == "UPSERT":
            try:
                record = {
                    "operation": "UPSERT",
                    "user_profile": orjson.loads(memoryview(c.user_profile)),  # msgspec Raw
                    "force_replace": c.force_replace if older else None,
                    "update_strategy": c.update_strategy if newer else None,
                    "merge_objects": c.merge_objects if older else None,
                }
                for _ in judge(datamart, record, ours):
                    return False
            except (orjson.JSONDecodeError, RecursionError):  # the full checks say
                return False
        return check(c, raw, lineno, plain)

    return vouch


def _activity_check(check: FastCheck, datamart: Datamart, ours: frozenset[str]) -> FastCheck:
    judge = walk.activity_problems

    def vouch(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        try:
            for _ in judge(datamart, orjson.loads(raw), ours):
                return False
        except (orjson.JSONDecodeError, RecursionError):  # the full checks say
            return False
        return check(c, raw, lineno, plain)

    return vouch
