"""MIC101 names what a word processor or a chat client puts in a command copied through it
(rules/typography.py): typographic quotes, a no-break space or an invisible character
outside strings, a byte-order mark where files were joined. Each was "invalid JSON:
unexpected character", or "unexpected text after the JSON value: remove it" for a
character the user cannot see."""

from __future__ import annotations

import pytest

from mics_lint import Settings, lint_lines
from mics_lint.rules import typography


def message(line: str) -> tuple[int, str, str]:
    (only,) = lint_lines([line + "\n"], "f.ndjson", Settings())
    return only.column, only.code, only.message


@pytest.mark.parametrize("quote", ["\u201c", "\u201d", "\u201e", "\u00ab", "\u2018", "\u2019"])
def test_a_typographic_quote_is_named(quote: str) -> None:
    line = '{"operation":"DELETE","email_hash":' + quote + "3f2a9c" + quote + "}"
    assert message(line) == (
        36,
        "MIC101",
        f'{quote} is a typographic quote: JSON strings and keys need straight quotes (")',
    )


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\u00a0", "U+00A0 (no-break space)"),
        ("\u202f", "U+202F (narrow no-break space)"),
        ("\u3000", "U+3000 (ideographic space)"),
        ("\u200b", "U+200B (zero width space)"),
    ],
)
def test_a_space_json_does_not_allow_is_named(char: str, name: str) -> None:
    column, code, said = message('{"operation":"DELETE",' + char + '"email_hash":"3f2a9c"}')
    assert (column, code) == (23, "MIC101")
    assert said == (
        f"{name} outside a string: JSON allows only spaces, tabs and line ends there; "
        "replace it with a space"
    )
    after = message('{"operation":"DELETE","email_hash":"3f2a9c"}' + char)
    # A space at the end is where the parser stops; an invisible one is text after the value.
    ending = said if char.isspace() else f"{name} after the JSON value: remove it"
    assert after == (45, "MIC101", ending)


@pytest.mark.parametrize(
    "after",
    ['{"operation":"DELETE","email_hash":"b"}', '"{\\"operation\\":\\"DELETE\\"}"', "a,b"],
    ids=["object", "string", "row"],
)
def test_a_byte_order_mark_inside_the_file(after: str) -> None:
    """Said first, whatever follows it: a string with commas in it was "CSV"."""
    found = lint_lines(
        ['{"operation":"DELETE","email_hash":"a"}\n', f"\ufeff{after}\n"], "f.ndjson", Settings()
    )
    ((line, code, said),) = [(d.line, d.code, d.message) for d in found]
    assert (line, code) == (2, "MIC101")
    assert said == "a byte-order mark (U+FEFF) inside the file, where files were joined: remove it"


def test_ascii_is_left_to_the_other_messages() -> None:
    assert all(typography.message(chr(code)) is None for code in range(0x80))
    assert typography.space_name("\x0b") is None  # a control character: its own message
