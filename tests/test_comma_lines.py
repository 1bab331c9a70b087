"""Commas a review from the docs found mistold or left (each test failed before its change):

* a comma alone on a line between records (records separated "by a line separator \\n",
  the docs say, not by commas) was called a CSV row, with pandas advice, and not fixed;
* a record with a trailing comma inside it that also ends with `},` got neither comma
  removed, though each alone is a documented fix.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli, write

A = '{"operation":"DELETE","email_hash":"a"}'
B = '{"operation":"DELETE","email_hash":"b"}'
TAGS = '{"operation":"UPSERT","email_hash":"c","force_replace":false,"user_profile":{"t":[1,2,]}}'


@pytest.mark.parametrize("comma", [",", "  ,  ", ",,", "\t,"])
def test_a_comma_alone_between_records_is_said_and_dropped(tmp_path: Path, comma: str) -> None:
    path = write(tmp_path / "c.ndjson", A, comma, B)
    code, out, _ = run_cli(["check", "--isolated", "c.ndjson"], tmp_path)
    assert code == 1 and ":2:" in out and "a comma alone on a line" in out, out
    assert "CSV" not in out and "1 problem marked [*]" in out, out
    code, out, err = run_cli(["check", "--isolated", "--fix", "c.ndjson"], tmp_path)
    assert code == 0 and "Fixed 1 problem" in out + err, (out, err)
    assert path.read_text("utf-8").splitlines() == [A, B]


def test_a_comma_line_after_a_broken_line_is_kept(tmp_path: Path) -> None:
    """As the commas between records: a line after one that did not parse may be the inside
    of a value spread over lines, and is left (not marked)."""
    path = write(tmp_path / "c.ndjson", A, '{"operation":"DELETE",', ",", B)
    _, out, _ = run_cli(["check", "--isolated", "--fix", "c.ndjson"], tmp_path)
    assert path.read_text("utf-8").splitlines()[2] == ",", out


def test_a_csv_row_is_still_one(tmp_path: Path) -> None:
    write(tmp_path / "c.ndjson", A, "DELETE,a", B)
    _, out, _ = run_cli(["check", "--isolated", "c.ndjson"], tmp_path)
    assert "CSV" in out and "a comma alone" not in out, out


def test_an_inner_trailing_comma_and_the_comma_after_the_record(tmp_path: Path) -> None:
    path = write(tmp_path / "c.ndjson", A, TAGS + ",", B, TAGS + "  ")
    _, out, _ = run_cli(["check", "--isolated", "c.ndjson"], tmp_path)
    assert out.count("[*] trailing comma before ']'") == 2, out
    code, out, err = run_cli(["check", "--isolated", "--fix", "c.ndjson"], tmp_path)
    assert code == 0 and "Fixed 2 problems" in out + err, (out, err)
    lines = path.read_text("utf-8").splitlines()
    assert json.loads(lines[1])["user_profile"] == {"t": [1, 2]} and lines[1].endswith("]}}")
    assert lines[3].endswith("]}}  ")  # nothing but the commas changes


def test_a_comma_line_after_a_kept_bom_keeps_the_bom(tmp_path: Path) -> None:
    """With MIC002 not fixed, the BOM that starts the file stays (a second review)."""
    path = tmp_path / "c.ndjson"
    path.write_bytes(b"\xef\xbb\xbf,\n" + A.encode() + b"\n")
    run_cli(["check", "--isolated", "--ignore", "MIC002", "--fix", "c.ndjson"], tmp_path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and A in path.read_text("utf-8-sig")
