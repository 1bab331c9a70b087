"""Where top-level keys stand (the columns of diagnostics, and the fixer's edits): the C
scanner's way and the tokenizer's give the same answer on any text. And the columns a
diagnostic takes from its finding's."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mics_lint import Settings
from mics_lint.diagnostic import Finding
from mics_lint.doctypes import USER_PROFILE
from mics_lint.jsontext import _token_keys, top_level_keys
from mics_lint.linecheck import LineChecker

_SPACE = st.sampled_from(["", " ", "\t", "\n ", "\r\n"])
_KEY = st.text(max_size=6) | st.sampled_from(["a\\u0062", 'q"', "\\"])
_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
)
_VALUE = st.recursive(
    _LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def objects(draw: st.DrawFn) -> str:
    """An object's text with whitespace anywhere JSON allows it, keys repeated or escaped."""
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        key = draw(_KEY)
        key_text = json.dumps(key, ensure_ascii=draw(st.booleans()))
        if "\\u0062" in key:
            key_text = '"' + key + '"'
        value = json.dumps(draw(_VALUE), ensure_ascii=draw(st.booleans()))
        parts.append(draw(_SPACE) + key_text + draw(_SPACE) + ":" + draw(_SPACE) + value)
    return draw(_SPACE) + "{" + ",".join(p + draw(_SPACE) for p in parts) + "}" + draw(_SPACE)


@given(objects())
def test_keys_of_an_object(text: str) -> None:
    assert top_level_keys(text) == _token_keys(text)


@given(objects(), st.integers(0, 400), st.text(max_size=3))
def test_keys_of_any_text(text: str, at: int, noise: str) -> None:
    """Cut or spoilt texts (which the linter never asks about) still agree: the fallback."""
    spoilt = text[:at] + noise + text[at:]
    assert top_level_keys(spoilt) == _token_keys(spoilt)


def test_keys_with_nesting_too_deep_for_the_scanner() -> None:
    text = '{"a":' + "[" * 100_000 + "]" * 100_000 + ',"b":1}'
    assert top_level_keys(text) == [("a", 1, 4), ("b", 200_006, 200_009)]


@pytest.mark.parametrize(
    ("column", "end_column", "span"),
    [
        (0, 0, (1, 31)),  # unknown: the whole line (its width)
        (0, 9, (1, 9)),
        (5, 0, (5, 6)),  # one character
        (5, 12, (5, 12)),
    ],
)
def test_a_finding_s_columns_become_a_diagnostic_s(
    column: int, end_column: int, span: tuple[int, int]
) -> None:
    checker = LineChecker("f.ndjson", Settings(), None, USER_PROFILE)
    finding = Finding("no user for j.doe@example.com", column, end_column)
    made = checker.diagnostic("MIC301", finding, 3, 31)
    assert made is not None
    assert (made.line, made.column, made.end_line, made.end_column) == (3, span[0], 3, span[1])
    assert made.message == "no user for j***@e***.com"  # e-mails masked without --show-values
    shown = LineChecker("f.ndjson", Settings(show_values=True), None, USER_PROFILE)
    assert shown.diagnostic("MIC301", finding, 3, 31).message == finding.message  # type: ignore[union-attr]
