"""Review of 18d87eb (constfold.py, through grouploop.group_check): code written for a
fast check over a group must compile and answer each line as the check itself does."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from typing import Any

import msgspec

from mics_lint import grouploop

DECODE = msgspec.json.Decoder().decode
ERRORS = (msgspec.DecodeError,)
Check = Callable[[Any, bytes, int, bool], Any]


def _lines(*records: object) -> list[bytes]:
    return [json.dumps(r).encode() + b"\n" for r in records]


def _as_group(check: Check, raw: bytes, lineno: int) -> tuple[int, Any, Any]:
    """What the group's function must answer for the one line `raw`, from the check's own
    verdict."""
    record = DECODE(raw)
    verdict = check(record, raw, lineno + 1, True)
    return (0, True, None) if verdict is True else (lineno + 1, verdict, record)


def _finally_check(debug: bool) -> Check:
    seen: list[int] = []

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        try:
            value = c.get("v")
        finally:
            if debug:
                seen.append(lineno)
        return value is not None

    return check


def _signed_check(scale: float) -> Check:
    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        return math.copysign(1.0, scale) > 0

    return check


def _identity_check(mode: str) -> Check:
    other = mode  # the very same object

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        return (mode if plain else None) is other

    return check


def test_a_finally_block_folded_away_still_compiles() -> None:
    """A `finally:` whose only statement is a branch the settings never take is folded to
    no statement at all: a `try` with neither handlers nor a `finally` body, which
    `compile` refuses (ValueError), so that making the group's check raises instead of
    giving a group check (or None, the check a line at a time)."""
    check = _finally_check(False)
    made = grouploop.group_check(check, DECODE, ERRORS)
    for raw in _lines({"v": 1}, {"w": 2}):
        assert made is None or made([raw], 0, True) == _as_group(check, raw, 0)


def test_minus_zero_gets_code_of_its_own() -> None:
    """The code written for a check whose setting holds 0.0 is reused for one holding
    -0.0: the `_MADE` key holds (float, 0.0) and (float, -0.0), which compare equal, while
    the constant written differs (its sign)."""
    for scale in (0.0, -0.0):
        check = _signed_check(scale)
        made = grouploop.group_check(check, DECODE, ERRORS)
        assert made is not None
        (raw,) = _lines({"v": 1})
        assert made([raw], 0, True) == _as_group(check, raw, 0), scale


def test_identity_with_a_string_setting_reached_through_a_fold_is_kept() -> None:
    """`(mode if plain else None) is other`, both names holding one string object: the
    conditional is folded to the string as a literal (the rule that keeps a non-singleton
    name out of `is` looks at direct operands only), and `compile` writes an interned equal
    string in its place, another object: the written code answers False where the check
    answers True."""
    mode = "".join(["force", "_replace"])  # equal to an interned string, not that one
    check = _identity_check(mode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # `is` with a literal
        made = grouploop.group_check(check, DECODE, ERRORS)
    assert made is not None
    (raw,) = _lines({"v": 1})
    assert made([raw], 0, True) == _as_group(check, raw, 0)
