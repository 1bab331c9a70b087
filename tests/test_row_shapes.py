"""MIC101 names a record written in another shape than one JSON object (rules/row_shapes.py):
a CSV row, or an object's members without braces. Each was told as the parser's error,
"unexpected text after the JSON value: remove it" (which would delete most of the row) or
"the line is not JSON"."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mics_lint import Settings, lint_lines
from mics_lint.cli import cli
from mics_lint.rules import row_shapes

DELETE = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"%s"}'


def messages(lines: list[str]) -> list[tuple[int, int, str, str]]:
    found = lint_lines([line + "\n" for line in lines], "f.ndjson", Settings())
    return [(d.line, d.column, d.code, d.message) for d in found]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("operation,compartment_id,user_account_id", "commas"),
        ("UPSERT,1000,CRM-42", "commas"),
        ("1000,CRM-42,DELETE", "commas"),  # a number first: orjson took `1000` as the value
        ('"DELETE","1000","CRM-42"', "commas"),  # quoted fields: a string first
        ("operation;email_hash", "semicolons"),  # a French Excel's CSV
        ("DELETE\t3f2a9c", "tabs"),
        ("DELETE\t3f,2a", "tabs"),  # a comma inside a tab-separated value
        ('UPSERT,1000,"{""tier"":""gold""}"', "commas"),  # a profile in a CSV cell
    ],
)
def test_a_csv_row_is_named(line: str, name: str) -> None:
    (only,) = messages([line])
    assert only[:3] == (1, 1, "MIC101")
    assert only[3].startswith(f"the line is CSV (values separated by {name}), not JSON")
    assert 'orient="records", lines=True' in only[3]


def test_a_csv_rows_values_are_not_shown() -> None:
    """The message quotes nothing from the row: its values are personal data (redact.py)."""
    (only,) = messages(["UPSERT,1000,SECRET-CRM-42"])
    assert "SECRET" not in only[3] and "1000" not in only[3]


@pytest.mark.parametrize(
    "line",
    [
        "not json",  # one field: no delimiter
        '{"operation":"DELETE","email_hash":"a"},',  # records separated by commas
        "[1,2],",
        '"operation":"DELETE","email_hash":"a"',  # members without braces (below)
        '"a,b',  # a quote left open: not a row as csv writes them
    ],
)
def test_what_is_not_a_csv_row(line: str) -> None:
    assert row_shapes.delimiter(line) is None


def test_members_without_braces_are_named() -> None:
    found = messages(
        [
            '"operation":"DELETE","email_hash":"3f2a9c"',
            '"operation": "DELETE",',  # a line of the docs' pretty-printed example
        ]
    )
    assert [(line, column, code) for line, column, code, _ in found] == [
        (1, 1, "MIC101"),
        (2, 1, "MIC101"),
    ]
    said = "the line is an object's members without its braces: write it inside { }"
    assert found[0][3] == said
    assert found[1][3].startswith("the line is a member of a record written over several")


def test_the_lines_of_a_broken_pretty_printed_record_say_what_they_are() -> None:
    """A record pretty-printed over lines that do not parse together (`True`): each line is
    reported alone, as what it is, and the member that is wrong says why, at its column,
    where "write it inside { }" made a record of each line."""
    found = messages(['{"operation":"DELETE",', '  "email_hash": "3f2a9c",', '  "x": True', "}"])
    assert [(line, column) for line, column, _, _ in found] == [(1, 23), (2, 1), (3, 8), (4, 1)]
    assert "record written over several lines" in found[1][3]
    assert found[2][3].startswith("True is Python, not JSON: write true; the line is a member")
    assert found[3][3].startswith("the line closes a record written over several lines")


def test_records_separated_by_commas_keep_their_message() -> None:
    (only,) = messages([DELETE % "a" + ","])
    assert only[3].startswith("records are separated by commas")


def test_a_csv_header_before_ndjson_lines(tmp_path: Path) -> None:
    """A header left at the top of an NDJSON export: that line is told as CSV, the records
    after it are checked as usual."""
    target = tmp_path / "export.ndjson"
    target.write_text("operation,user_account_id\n" + DELETE % "a" + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--isolated", str(target)])
    assert result.exit_code == 1
    assert "export.ndjson:1:1: MIC101 [error] the line is CSV (values separated by commas)" in (
        result.output
    )
    assert ":2:" not in result.output


@pytest.mark.parametrize("line", ['  "user_profile": {', '  "x": "abc', '  "x": [1,', '"x": tru,'])
def test_a_member_line_left_open_keeps_its_column_on_the_line(line: str) -> None:
    """A member whose value goes on over the next lines (an object left open) is told as a
    record's member alone; any column stays on the line (the braces around the members
    add two characters)."""
    ((_, column, code, said),) = messages([line])
    assert code == "MIC101"
    assert 1 <= column <= len(line) + 1
    assert "record written over several lines" in said
    assert not said.startswith("the line ends before")
