"""What a review as a new user (an analyst editing small files, an engineer writing exports
with pandas, Spark or Excel) found (docs/decisions.md, "What a new user's first files
found"): each case failed before."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mics_lint import Settings, lint_lines
from mics_lint.cli import cli
from mics_lint.rules.trimming import TRIMMED

DELETE = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"%s"}'


def found(lines: list[str], **settings: Any) -> list[tuple[int, str, str]]:
    given = Settings(**settings)
    return [(d.line, d.code, d.message) for d in lint_lines(lines, "f.ndjson", given)]


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--isolated", *args])
    return result.exit_code, result.output


def test_a_last_line_ended_by_a_cr_alone_is_not_called_crlf() -> None:
    """A file of CR line ends was told "line ends with CRLF" (it holds none)."""
    (mic003, *_) = found([DELETE % "a" + "\r" + DELETE % "b" + "\r"])
    assert mic003[1] == "MIC003"
    assert "CRLF" not in mic003[2] and "a carriage return alone" in mic003[2]
    assert found([DELETE % "a" + "\r\n", DELETE % "b" + "\r\n"])[0][2].startswith(
        "line ends with CRLF"
    )


def test_what_mic307_trims_is_whitespace_and_invisible_characters() -> None:
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(TRIMMED) == spaces | {"\u200b", "\u2060", "\ufeff"}


@pytest.mark.parametrize("at", [1, 250])  # the full checks; the fast path's file
def test_a_zero_width_space_around_an_identifier_is_mic307(at: int) -> None:
    """A U+200B copied from a web page names another user, and passed."""
    lines = [DELETE % f"CRM-{i}" + "\n" for i in range(300)]
    lines[at - 1] = DELETE % "CRM-43\u200b" + "\n"
    for settings in ({}, {"fast_path": False}, {"fast_path_from": 1}):
        (only,) = found(lines, **settings)
        assert only[:2] == (at, "MIC307")
        assert "ends with an invisible character (zero-width space...)" in only[2]


def test_an_identifier_of_invisible_characters_only_is_not_trimmed_to_nothing(
    tmp_path: Path,
) -> None:
    target = tmp_path / "a.ndjson"
    target.write_text(DELETE % "\u200b" + "\n" + DELETE % "CRM-1\u200b" + "\n", encoding="utf-8")
    (first, second) = found(target.read_text(encoding="utf-8").splitlines(keepends=True))
    assert (
        first[2] == "user_account_id holds only invisible characters: give the identifier's value"
    )
    assert "trim it" in second[2]
    _, out = check("--fix", "--unsafe-fixes", str(target))
    assert "Fixed 1 problem" in out
    assert target.read_text(encoding="utf-8").splitlines()[1] == DELETE % "CRM-1"


def test_a_null_says_what_to_do() -> None:
    """A dataframe's missing value: "must be a string, not null", and what to do. Not
    "or leave the key out": a profile's account without its compartment is MIC304."""
    line = '{"operation":"DELETE","compartment_id":null,"user_account_id":"a"}\n'
    (only,) = found([line])
    assert only[2] == "compartment_id must be a string, not null: give its value"


def test_the_size_message_says_which_number_is_the_maximum(tmp_path: Path) -> None:
    target = tmp_path / "a.ndjson"
    target.write_text((DELETE % "a" + "\n") * 40, encoding="utf-8")
    _, out = check("--max-file-size", "1000", str(target))
    size = target.stat().st_size
    assert f"the file is {size:,} bytes, over 1,000 bytes, the recommended maximum" in out


def test_a_gz_name_on_plain_text(tmp_path: Path) -> None:
    """gzip's own words ("Not a gzipped file (b'{\"')") said nothing to do."""
    target = tmp_path / "a.ndjson.gz"
    target.write_text(DELETE % "a" + "\n", encoding="utf-8")
    code, out = check(str(target))
    assert code == 2
    assert "named .gz but not gzip-compressed: name it without .gz, or gzip it" in out
    assert "b'" not in out


def test_bytes_after_a_gz_file_s_data_are_named_as_such(tmp_path: Path) -> None:
    """A .gz with bytes after its compressed data (`gzip -t`: "trailing garbage") was
    "named .gz but not gzip-compressed", after its lines were checked."""
    import gzip

    target = tmp_path / "a.ndjson.gz"
    text = (DELETE % "a" + "\n").encode()
    target.write_bytes(gzip.compress(text) + b"junk")
    code, out = check(str(target))
    assert code == 2
    said = f"bytes that are not gzip data follow the compressed text (past its {len(text)} bytes)"
    assert said in out
    assert "not gzip-compressed" not in out


def test_json_inside_csv_quotes_is_named(tmp_path: Path) -> None:
    """Excel's "Save as CSV" of a column of JSON: the advice "remove the text after the
    JSON value" would have deleted the record."""
    record = json.dumps({"operation": "DELETE", "compartment_id": "1000", "user_account_id": "a"})
    line = '"' + record.replace('"', '""') + '"\n'
    (only,) = found([line])
    assert only[:2] == (1, "MIC101")
    assert only[2].startswith("this line is a JSON object inside CSV quotes")


def test_a_folder_of_json_files_is_named(tmp_path: Path) -> None:
    """pandas' to_json files: the folder passed, "no import files", with nothing to do.
    (Spark's part-*.json are now searched for: tests/test_advice_review.py.)"""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "customers.json").write_text(DELETE % "a" + "\n", encoding="utf-8")
    (folder / "_SUCCESS").write_text("", encoding="utf-8")
    code, out = check(str(folder))
    assert code == 0
    assert "it holds 1 .json file: if it is a JSON Lines export" in out
    assert f"mics-lint check {folder}/*.json" in out


def test_several_pretty_printed_commands_are_counted(tmp_path: Path) -> None:
    """`jq .` of several commands was "one JSON document spread over 15 lines", and a
    MIC101 "a second JSON value starts here" that --fix mended unmarked."""
    records = [json.loads(DELETE % name) for name in "abc"]
    target = tmp_path / "a.ndjson"
    target.write_text("".join(json.dumps(r, indent=2) + "\n" for r in records), encoding="utf-8")
    (only,) = found(target.read_text(encoding="utf-8").splitlines(keepends=True))
    assert only[:2] == (1, "MIC007")
    assert only[2].startswith("the file is 3 JSON objects pretty-printed over 15 lines")
    _, out = check("--fix", str(target))
    assert "Fixed 1 problem" in out
    assert target.read_text(encoding="utf-8") == "".join(DELETE % n + "\n" for n in "abc")


def test_a_pretty_printed_record_with_a_comma_after_it_is_one_split_record(
    tmp_path: Path,
) -> None:
    """It was a MIC101 on each of its lines ("unexpected text after the JSON value: remove
    it"), none fixable."""
    pretty = json.dumps(json.loads(DELETE % "b"), indent=2)
    target = tmp_path / "a.ndjson"
    target.write_text(f"{DELETE % 'a'}\n{pretty},\n{DELETE % 'c'}\n", encoding="utf-8")
    for jobs in ("1", "2"):
        _, out = check("--jobs", jobs, "--chunk-size", "64", str(target))
        (line, *_) = out.splitlines()
        assert line.endswith(
            "2:1: MIC101 [error] [*] this record is split over lines 2–6: "
            "write it on one line (NDJSON holds one record per line; "
            "`--fix` joins it)"
        )
    check("--fix", str(target))
    assert target.read_text(encoding="utf-8").splitlines() == [
        DELETE % "a",
        DELETE % "b",
        DELETE % "c",
    ]
