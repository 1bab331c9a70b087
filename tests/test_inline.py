"""inline.py: declared expressions joined into one function give the answers of the calls
they replace."""

from __future__ import annotations

import pytest

from mics_lint.inline import applied, inlinable, joined
from mics_lint.rules import REGISTRY, crossline

_VALUES = ["CRM-42", " CRM-42", "CRM-42 ", "1000", "10 00", "a@b", "", "١٢", "x\u00a0"]


def _called(values: tuple[str, ...], screens: list[tuple[object, int]], digest: object) -> int:
    # What the fast check did before joining: each screen called, then the digest.
    for screen, at in screens:
        if screen is not None and screen(values[at]):  # type: ignore[operator]
            return 0
    return 1 if digest is None else digest(*values)  # type: ignore[operator]


@pytest.mark.parametrize("with_digest", [True, False])
def test_joined_answers_as_the_calls_do(with_digest: bool) -> None:
    screens = REGISTRY.value_screens(frozenset(REGISTRY))
    digest = crossline.DIGESTERS["user account"] if with_digest else None
    parts = [(screens["compartment_id"], "compartment"), (screens["user_account_id"], "account")]
    key = joined(("compartment", "account"), parts, digest)
    assert applied(key, "c", "a") is not None  # written as one expression
    for compartment in _VALUES:
        for account in _VALUES:
            expected = _called((compartment, account), [(parts[0][0], 0), (parts[1][0], 1)], digest)
            assert key(compartment, account) == expected, (compartment, account)


@pytest.mark.parametrize("with_digest", [True, False])
def test_a_remembered_value_answers_as_the_calls_do(
    with_digest: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compartments no screen fired on are kept and not screened again: each value,
    asked twice, in any order, gets the calls' answer; a value a screen fires on is never
    kept; and no more than REMEMBERED are."""
    from mics_lint import inline

    monkeypatch.setattr(inline, "REMEMBERED", 3)
    inline._joined.cache_clear()
    screens = REGISTRY.value_screens(frozenset(REGISTRY))
    digest = crossline.DIGESTERS["user account"] if with_digest else None
    parts = [(screens["compartment_id"], "compartment"), (screens["user_account_id"], "account")]
    key = joined(("compartment", "account"), parts, digest, remembered="compartment")
    kept = key.__globals__["_CLEAN"]
    compartments = [*_VALUES, "1000", "1001", "1002", "1003", "1004", " 1000", "nan", "<C>"]
    for _ in range(2):
        for compartment in [*compartments, *reversed(compartments)]:
            for account in _VALUES:
                expected = _called(
                    (compartment, account), [(parts[0][0], 0), (parts[1][0], 1)], digest
                )
                assert key(compartment, account) == expected, (compartment, account)
    assert len(kept) == 3 and all(not screens["compartment_id"](value) for value in kept)
    inline._joined.cache_clear()


def test_a_screen_without_an_expression_is_called() -> None:
    def screen(value: str) -> bool:
        return value.startswith("x")

    digest = crossline.DIGESTERS["email_hash"]
    key = joined(("email",), [(screen, "email")], digest)
    assert applied(key, "e") is None  # not one expression: calls
    assert key("xyz") == 0
    assert key("abc") == digest("abc") != 0


def test_no_screen_and_no_digest_vouches() -> None:
    assert joined(("agent",), [(None, "agent")], None)("anything") == 1


def test_applied_renames_the_parameters_only() -> None:
    double = inlinable("value + value * len(value)", ("value",))
    assert applied(double, "other") == "other + other * len(other)"
    assert applied(double, "a", "b") is None  # not its arity
    assert applied(len, "x") is None  # not declared
