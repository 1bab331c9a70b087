"""The fast path's byte screens: broader than their rules, never narrower."""

from __future__ import annotations

import json
import re

import numpy  # noqa: F401  (imported so that the block screen takes its numpy form)
from hypothesis import given
from hypothesis import strategies as st

from mics_lint.jsontext import unsafe_integers
from mics_lint.longints import block_long_int_screen, may_hold_long_int

# MIC104's screen, as a regular expression: 19 digits where a number may start.
_LONG_INT = re.compile(rb"(?:^|[-:,\[ \t\r\n])[0-9]{19}")
_TEXT = st.binary(max_size=300) | st.lists(
    st.sampled_from(
        [b"1", b"9", b"0", b"/", b":", b"\xff", b"\x00", b'"', b"12345678", b"a", b"-", b"\n"]
    ),
    max_size=80,
).map(b"".join)


@given(_TEXT)
def test_the_digit_screens_agree_with_a_regular_expression(data: bytes) -> None:
    expected = _LONG_INT.search(data) is not None
    assert may_hold_long_int(data) is expected
    assert block_long_int_screen()(data) is expected


def test_the_block_screen_uses_numpy_once_imported() -> None:
    assert block_long_int_screen() is not may_hold_long_int
    assert block_long_int_screen()(b'{"n":1234567890123456789}\n')
    assert not block_long_int_screen()(b'{"n":123456789012345678}\n')


_DIGITS = st.text(alphabet="0123456789", min_size=17, max_size=24)
_SCALARS = (
    st.integers(min_value=-(10**22), max_value=10**22)
    | _DIGITS.map(lambda d: int(d) * 1.0)
    | st.builds(lambda a, d: a + d, st.sampled_from(["", "a", "-", " ", ":", "f00d"]), _DIGITS)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet="ab1", max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(_JSON, st.sampled_from([(",", ":"), (", ", ": "), (" , ", " :\t")]))
def test_the_long_int_screen_never_misses_an_integer_past_64_bits(
    value: object, separators: tuple[str, str]
) -> None:
    """`may_hold_long_int` is narrower than a digit run (a run inside a string or a
    fraction is no integer) but never narrower than MIC104's own test."""
    text = json.dumps({"k": value}, separators=separators)
    if unsafe_integers(text):
        assert may_hold_long_int(text.encode())


def test_a_hex_hash_with_a_long_digit_run_is_no_integer() -> None:
    line = b'{"email_hash":"16a358b6444ebed96842bd4f5986047f0d2536f2999795782688375812927820"}'
    assert re.search(rb"[0-9]{19}", line)
    assert not may_hold_long_int(line)
    assert not block_long_int_screen()(line + b"\n" + line + b"\n")
    assert may_hold_long_int(b'{"n":[0, -12345678901234567890]}')


_VALUES = st.text(alphabet=st.sampled_from(list("aZ09@:. \t\u00a0²é-'\"`“”<")), max_size=12)


@given(_VALUES)
def test_the_joined_value_screens_are_the_rules_own(value: str) -> None:
    """Each role's screen, joined from the rules' expressions into one function, says
    "maybe" exactly when one of the role's rules' own screens does, and never misses a
    value the rule's test finds bad."""
    from mics_lint.config import Settings
    from mics_lint.registry import ROLES
    from mics_lint.rules import REGISTRY

    enabled = Settings().rules_for("f.ndjson").enabled
    joined = REGISTRY.value_screens(enabled)
    rules = REGISTRY.value_rules(enabled)
    for role in ROLES:
        mine = [r for r in rules if r.roles is None or role in r.roles]
        screen = joined[role]
        assert screen is not None
        assert bool(screen(value)) == any(r.screen(value) for r in mine if r.screen)
        assert not any(r.bad(value) for r in mine if r.bad) or screen(value)
