"""The fast path's byte screens: broader than their rules, never narrower."""

from __future__ import annotations

import re

import numpy  # noqa: F401  (imported so that the block screen takes its numpy form)
from hypothesis import given
from hypothesis import strategies as st

from mics_lint.jsontext import block_long_int_screen, may_hold_long_int

_RUN = re.compile(rb"[0-9]{19}")
_TEXT = st.binary(max_size=300) | st.lists(
    st.sampled_from([b"1", b"9", b"0", b"/", b":", b"\xff", b"\x00", b'"', b"12345678"]),
    max_size=80,
).map(b"".join)


@given(_TEXT)
def test_the_digit_screens_agree_with_a_regular_expression(data: bytes) -> None:
    expected = _RUN.search(data) is not None
    assert may_hold_long_int(data) is expected
    assert block_long_int_screen()(data) is expected


def test_the_block_screen_uses_numpy_once_imported() -> None:
    assert block_long_int_screen() is not may_hold_long_int
    assert block_long_int_screen()(b'{"n":1234567890123456789}\n')
    assert not block_long_int_screen()(b'{"n":123456789012345678}\n')


_VALUES = st.text(alphabet=st.sampled_from(list("aZ09@:. \t\u00a0²é-")), max_size=12)


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
