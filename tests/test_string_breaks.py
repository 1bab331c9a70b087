"""A record whose line breaks are inside its strings (a CRM export's address of two lines):
one MIC101 for the record, saying to write the break as `\\n`, and `--fix` doing so.

Before, its second line got "unexpected text after the JSON value: remove it", advice
that deletes the rest of the value (found by a review from the docs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from mics_lint import Settings, lint_file

CLEAN = '{"operation":"DELETE","email_hash":"h%d"}'
BROKEN = (
    '{"operation":"UPSERT","email_hash":"a","force_replace":false,'
    '"user_profile":{"address":"1 rue X\n75001 Paris","k":1}}'
)
THREE = (
    '{"operation":"UPSERT","email_hash":"c","force_replace":false,'
    '"user_profile":{"note":"line one\r\ntrue love\r\nthird","k":1}}'
)
PRETTY = '{\n  "operation": "DELETE",\n  "email_hash": "p"\n}'


def _file(tmp_path: Path, *records: str, clean: int = 400) -> Path:
    """`clean` one-line records, then the given ones, then as many clean ones again."""
    lines = [CLEAN % n for n in range(clean)]
    text = "\n".join([*lines, *records, *(CLEAN % (n + clean) for n in range(clean))]) + "\n"
    path = tmp_path / "crm.ndjson"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_one_diagnostic_for_the_record_and_the_same_on_every_path(tmp_path: Path) -> None:
    path = _file(tmp_path, BROKEN, THREE, PRETTY)
    found = {}
    for fast in (True, False):
        made = lint_file(path, Settings(fast_path=fast, fast_path_from=1))
        found[fast] = [(d.line, d.end_line, d.code, d.message) for d in made if d.code != "MIC003"]
    assert found[True] == found[False]
    assert [(line, end) for line, end, _, _ in found[True]] == [(401, 402), (403, 405), (406, 409)]
    messages = [m for _, _, _, m in found[True]]
    assert messages[0].startswith("a line break inside a string splits this record over lines")
    assert "write the break as \\n" in messages[0] and "remove" not in messages[0]
    assert messages[1].startswith("a line break inside a string splits this record over lines")
    assert messages[2].startswith("this record is split over lines 406–409: write it on one line")


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    _file(tmp_path, BROKEN, THREE, clean=3000)
    args = ["check", "--isolated", "crm.ndjson"]
    one = run_cli([*args, "--jobs", "1"], tmp_path)
    many = run_cli([*args, "--jobs", "2", "--chunk-size", "65536"], tmp_path)
    assert one == many
    assert "3001:1: MIC101" in one[1] and "3003:1: MIC101" in one[1]


def test_fix_writes_each_break_as_its_escape(tmp_path: Path) -> None:
    path = _file(tmp_path, BROKEN, THREE, clean=5)
    code, _, err = run_cli(["check", "--isolated", "--fix", "crm.ndjson"], tmp_path)
    assert code == 0, err
    lines = path.read_bytes().decode("utf-8").split("\n")[:-1]
    assert len(lines) == 12
    assert json.loads(lines[5])["user_profile"]["address"] == "1 rue X\n75001 Paris"
    assert json.loads(lines[6])["user_profile"]["note"] == "line one\r\ntrue love\r\nthird"
    assert lines[5].endswith(r'"address":"1 rue X\n75001 Paris","k":1}}')


def test_a_crlf_inside_a_string_is_no_line_end(tmp_path: Path) -> None:
    """MIC003 is told at the first CRLF that ends a line, not at one a string holds (the
    record's fix escapes it): the marks count what `--fix` fixes."""
    path = _file(tmp_path, THREE, clean=2)  # its last line's CRLF inside its string too
    _, out, _ = run_cli(["check", "--isolated", "crm.ndjson"], tmp_path)
    assert "MIC003" not in out and "1 problem marked [*]" in out, out
    path.write_bytes(path.read_bytes().replace(b"}}\n", b"}}\r\n", 1))  # a real one, at its end
    _, out, _ = run_cli(["check", "--isolated", "crm.ndjson"], tmp_path)
    assert ":5:1: MIC003" in out and "2 problems marked [*]" in out, out
    code, out, err = run_cli(["check", "--isolated", "--fix", "crm.ndjson"], tmp_path)
    assert code == 0, err
    assert "Fixed 2 problems" in out + err and b"\r\n" not in path.read_bytes()


def test_a_break_after_a_backslash_is_no_string_break(tmp_path: Path) -> None:
    """`"C:\\` then a line: written as `\\n`, the backslash would escape the backslash of
    the escape, and the value would hold `\\` and `n`, no break (a second review)."""
    record = '{"operation":"UPSERT","email_hash":"b","force_replace":false,"user_profile":'
    path = _file(tmp_path, record + '{"path":"C:\\\n75001 Paris"}}', clean=3)
    before = path.read_bytes()
    _, out, _ = run_cli(["check", "--isolated", "--fix", "crm.ndjson"], tmp_path)
    assert path.read_bytes() == before and "a line break inside a string" not in out, out


def test_a_crlf_inside_a_string_is_a_line_end_where_mic101_is_not_fixed(tmp_path: Path) -> None:
    """Without MIC101 the record is not joined, and `--fix` mends each CRLF as a line end:
    MIC003 is told there, as the marks count what `--fix` does."""
    path = _file(tmp_path, THREE, clean=2)
    before = path.read_bytes()
    for args in (["--select", "MIC003"], ["--ignore", "MIC101"]):
        path.write_bytes(before)
        _, out, _ = run_cli(["check", "--isolated", *args, "crm.ndjson"], tmp_path)
        assert ":3:1: MIC003" in out and "1 problem marked [*]" in out, out
        _, out, err = run_cli(["check", "--isolated", *args, "--fix", "crm.ndjson"], tmp_path)
        assert "Fixed 1 problem" in out + err, (out, err)


def test_a_cut_off_record_is_parsed_once_a_line_looked_ahead_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The escaped join is parsed only where the quotes say each break may be inside a
    string: a cut-off record before whole indented ones costs no second parse a line."""
    from mics_lint import opening

    parsed = []
    real = opening.record_value
    monkeypatch.setattr(opening, "record_value", lambda text: parsed.append(1) or real(text))
    cut = '{"operation":"DELETE","email_hash":"cut'
    indented = [f'  {{"operation":"DELETE","email_hash":"i{n}"}}' for n in range(50)]
    _file(tmp_path, cut, *indented, clean=3)
    list(lint_file(tmp_path / "crm.ndjson", Settings()))
    assert 40 <= len(parsed) <= 60, len(parsed)
