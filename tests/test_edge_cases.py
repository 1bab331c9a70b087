"""Edge cases found by the property tests, each pinned by name."""

from __future__ import annotations

import pytest

from mics_lint import Settings, lint_lines


def codes(line: bytes) -> list[str]:
    return [d.code for d in lint_lines([line + b"\n"], "f.ndjson", Settings())]


def test_duplicate_key_written_with_the_same_escape_twice() -> None:
    line = rb'{"oper\u0061tion":"DELETE","oper\u0061tion":"DELETE","email_hash":"x1"}'
    assert "MIC103" in codes(line)


def test_placeholder_with_an_escaped_angle_bracket() -> None:
    assert "MIC206" in codes(rb'{"operation":"DELETE","user_agent_id":"\u003cUSER_AGENT_ID>"}')


def test_user_agent_id_with_a_trailing_newline_is_malformed() -> None:
    assert "MIC306" in codes(rb'{"operation":"DELETE","user_agent_id":"vec:1\n"}')


@pytest.mark.parametrize("digits", [4299, 4301, 10_000])
def test_integers_with_thousands_of_digits_are_valid_json_but_unsafe(digits: int) -> None:
    line = b'{"operation":"DELETE","email_hash":"h","user_profile":{"n":' + b"9" * digits + b"}}"
    found = codes(line)
    assert "MIC101" not in found
    assert "MIC104" in found


# -- where a nested field is named ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (("identifiers", 0, "hash"), '"hash"'),
        (("identifiers", 1, "hash"), '"hash"'),  # the last occurrence, whose value counts
        (("identifiers", 1), "{"),
        (("a", "b", "c", 1, "d"), '"d"'),
        (("a", "b", "c", 0), None),  # a number in an array: no token to point at
        (("a", "x"), None),
        (("identifiers",), '"identifiers"'),
        (("s",), '"s"'),
        (("a", "q"), None),  # "q" is a string value there, not a key
    ],
)
def test_key_span_at_finds_nested_keys_and_elements(
    path: tuple[str | int, ...], found: str | None
) -> None:
    from mics_lint.jsontext import key_span_at

    text = (
        '{"identifiers":[{"type":"USER_EMAIL","hash":"x"},{"hash":1,"hash":2}],'
        '"s":"a\\"b","a":{"z":"q","b":{"c":[1,{"d":2}]}}}'
    )
    span = key_span_at(text, path)
    assert (text[span[0] : span[1]] if span else None) == found
    if path == ("identifiers", 1, "hash"):
        assert span is not None and span[0] > text.index('"hash":1')
