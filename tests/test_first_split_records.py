"""A record split over the file's first lines (pasted from a pretty-printer with its first
key on the `{` line, or with a line break inside a string, as a CRM writes an address of
two lines): one MIC101 for the record, as in the middle of a file, and `--fix` joins it.

Before, such a record was found only once a line had parsed alone: at the file's start its
second line got "unexpected text after the JSON value: remove it", advice that deletes
data, and `--fix` did nothing (opening.opens_record).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli

from mics_lint import Settings, lint_lines

CLEAN = b'{"operation":"DELETE","email_hash":"h%d"}\n'
SPLIT = [b'{"operation":"DELETE",\n', b'  "email_hash":"b2"}\n']
IN_STRING = [
    b'{"operation":"UPSERT","email_hash":"a1","force_replace":true,'
    b'"user_profile":{"address":"12 rue X\n',
    b'75001 Paris"}}\n',
]
PRETTY = [
    b'{"operation": "UPSERT",\n',
    b'  "email_hash": "x",\n',
    b'  "force_replace": true,\n',
    b'  "user_profile": {"a": 1}\n',
    b"}\n",
]


def _found(lines: list[bytes], **settings: object) -> list[tuple[int, int, str, str, object]]:
    made = lint_lines(lines, "f.ndjson", Settings(**settings))  # type: ignore[arg-type]
    return [(d.line, d.end_line, d.code, d.message, d.fix) for d in made]


@pytest.mark.parametrize("fast", [True, False])
def test_a_split_first_record_gets_one_diagnostic(fast: bool) -> None:
    found = _found([*SPLIT, CLEAN % 1, CLEAN % 2], fast_path=fast, fast_path_from=1)
    assert [(line, end, code) for line, end, code, _, _ in found] == [(1, 2, "MIC101")]
    assert found[0][3].startswith("this record is split over lines 1–2: write it on one line")
    assert found[0][4] == "safe"


def test_a_line_break_inside_a_string_of_the_first_record() -> None:
    found = _found([*IN_STRING, CLEAN % 1])
    assert [(line, end, code) for line, end, code, _, _ in found] == [(1, 2, "MIC101")]
    message = found[0][3]
    assert message.startswith("a line break inside a string splits this record over lines 1–2")
    assert "remove" not in message


def test_records_pretty_printed_from_their_first_key_are_each_one_split_record() -> None:
    delete = [b'{"operation": "DELETE",\n', b'  "email_hash": "y"\n', b"}\n"]
    found = _found([*PRETTY, *delete])
    assert [(line, end, code) for line, end, code, _, _ in found] == [
        (1, 5, "MIC101"),
        (6, 8, "MIC101"),
    ]


def test_after_blank_lines_or_a_bom() -> None:
    blank = _found([b"\n", b"  \n", *SPLIT, CLEAN % 1])
    assert [(line, end, code) for line, end, code, _, _ in blank] == [
        (1, 1, "MIC004"),
        (2, 2, "MIC004"),
        (3, 4, "MIC101"),
    ]
    bom = _found([b"\xef\xbb\xbf" + SPLIT[0], SPLIT[1], CLEAN % 1])
    assert [(line, end, code) for line, end, code, _, _ in bom] == [
        (1, 1, "MIC002"),
        (1, 2, "MIC101"),
    ]


def test_a_broken_first_line_is_checked_as_before() -> None:
    """A first line that no later line completes stays a line of its own: nothing held
    back, and the lines after it are checked."""
    lines = [b'{"operation":"DELETE", oops\n', CLEAN % 1, b'{"operation":"DELETE"}\n']
    found = _found(lines)
    assert [(line, code) for line, _, code, _, _ in found] == [(1, "MIC101"), (3, "MIC301")]


def test_a_document_opened_by_a_key_and_a_list_is_checked_as_before() -> None:
    lines = [
        b'{"commands": [\n',
        b'  {"operation":"DELETE","email_hash":"c3"},\n',
        b'  {"operation":"DELETE","email_hash":"c4"}\n',
        b"]}\n",
    ]
    found = _found(lines)
    assert [(line, code) for line, _, code, _, _ in found] == [
        (1, "MIC101"),
        (2, "MIC101"),
        (4, "MIC101"),
    ]


@pytest.mark.parametrize(
    ("lines", "fixed"),
    [
        (
            [*SPLIT, CLEAN % 1],
            b'{"operation":"DELETE","email_hash":"b2"}\n' + CLEAN % 1,
        ),
        (
            [*IN_STRING, CLEAN % 1],
            b'{"operation":"UPSERT","email_hash":"a1","force_replace":true,'
            b'"user_profile":{"address":"12 rue X\\n75001 Paris"}}\n' + CLEAN % 1,
        ),
    ],
)
def test_fix_joins_it_and_the_file_then_passes(
    tmp_path: Path, lines: list[bytes], fixed: bytes
) -> None:
    path = tmp_path / "first.ndjson"
    path.write_bytes(b"".join(lines))
    code, out, _ = run_cli(["check", "--isolated", "first.ndjson"], tmp_path)
    assert code == 1 and "[*]" in out
    code, _, _ = run_cli(["check", "--isolated", "--fix", "first.ndjson"], tmp_path)
    assert path.read_bytes() == fixed
    code, out, _ = run_cli(["check", "--isolated", "first.ndjson"], tmp_path)
    assert code == 0, out


def test_a_cut_off_first_line_inside_a_string_ends_at_the_next_record() -> None:
    """A first line cut inside a string is followed only to the next line that begins a
    record: that line and the ones after are checked, and split records looked for."""
    cut = b'{"operation":"DELETE","email_hash":"a\n'
    found = _found([cut, CLEAN % 1, *SPLIT, CLEAN % 2])
    assert [(line, end, code) for line, end, code, _, _ in found] == [
        (1, 1, "MIC101"),
        (3, 4, "MIC101"),
    ]


def test_a_first_line_whose_grammar_breaks_is_not_followed() -> None:
    """No later line can make `{...,}` a record's beginning: the file is watched as before,
    its lines told one by one until a line parses alone (split records are looked for
    from there: a document's `{` lines are not read ahead)."""
    lines = [b'{"operation":"DELETE","email_hash":"a",}\n', *SPLIT, CLEAN % 2]
    found = _found(lines)
    assert [(line, end, code) for line, end, code, _, _ in found] == [
        (1, 1, "MIC101"),
        (2, 2, "MIC101"),
        (3, 3, "MIC101"),
    ]
    assert found[0][3] == "trailing comma before '}': remove the comma"


def test_a_file_of_one_record_broken_inside_a_string(tmp_path: Path) -> None:
    """The file holds that record alone: not MIC007 (whose parse of the whole file, as
    `jq -c .` would, refuses a raw break), but the record's MIC101, and `--fix` writes the
    break as `\\n`. (Pretty-printed, its other breaks between tokens, it stays MIC007:
    neither join of its lines parses.)"""
    lines, last = IN_STRING, 2
    found = _found(lines)
    assert [(line, end, code) for line, end, code, _, _ in found] == [(1, last, "MIC101")]
    assert found[0][3].startswith(
        f"a line break inside a string splits this record over lines 1–{last}"
    )
    path = tmp_path / "one.ndjson"
    path.write_bytes(b"".join(lines))
    run_cli(["check", "--isolated", "--fix", "one.ndjson"], tmp_path)
    assert path.read_bytes().count(b"\n") == 1 and b"12 rue X\\n75001 Paris" in path.read_bytes()
    code, out, _ = run_cli(["check", "--isolated", "one.ndjson"], tmp_path)
    assert code == 0, out


def test_a_file_of_one_record_split_between_tokens_stays_mic007() -> None:
    found = _found(SPLIT)
    assert [(line, code) for line, _, code, _, _ in found] == [(1, "MIC007")]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("after", [b"  \n", b"\n", b""])
def test_a_whole_first_record_orjson_refuses_keeps_its_diagnostics(
    bom: bytes, after: bytes
) -> None:
    """A first line that ends with `}` is no split record's first line, as in the middle of
    a file: one orjson refuses (`1e999`, which the exact parser takes) was followed with the
    blank line after it as one record, and its own diagnostics (MIC306, MIC404, the blank
    line's MIC004) were lost with `--jobs 1` (found by tests/test_jobs.py's random files)."""
    first = bom + b'{"operation":"DELETE","user_agent_id":"899","user_profile":{"n":1e999}}  \n'
    lines = [first, *([after] if after else []), CLEAN % 1, CLEAN % 2]
    codes = {(line, code) for line, _, code, _, _ in _found(lines)}
    assert {(1, "MIC306"), (1, "MIC404")} <= codes
    assert ((2, "MIC004") in codes) == bool(after)
    assert not any(code == "MIC101" for _, code in codes)
