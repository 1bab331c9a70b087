"""Past `--max-diagnostics`, a file's diagnostics are counted without a reporter's call each
(`Summary.add_all`, `Fanout.full`): the summary, the hidden count and the `--report` files
are what they are when every diagnostic is shown, a read error midway included."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mics_lint.cli import cli

BAD = '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d","forceReplace":true,"user_profile":{}}'  # noqa: E501
WARNED = '{"operation":"DELETE","user_agent_id":"vec:%d ","user_profile":{}}'


def _lines(count: int) -> str:
    """Errors with unsafe fixes, and warnings (MIC307, its trim unsafe too)."""
    return "".join((BAD if i % 3 else WARNED) % i + "\n" for i in range(count))


def _check(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check", "--isolated", *args])
    return result.exit_code, result.stdout.splitlines()


def _summary(lines: list[str]) -> list[str]:
    """The lines after the diagnostics: the hidden count, the summary, the fix hint."""
    return [line for line in lines if not re.match(r"^\S+:\d+:\d+: MIC", line)]


@pytest.mark.parametrize("limit", [1, 3, 250])
def test_the_summary_is_the_same_past_the_limit(tmp_path: Path, limit: int) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text(_lines(300))
    code, every = _check(str(path))
    shown = [line for line in every if ": MIC" in line]
    limited_code, limited = _check("--max-diagnostics", str(limit), str(path))
    assert limited_code == code == 1
    assert [line for line in limited if ": MIC" in line] == shown[:limit]
    assert _summary(limited) == [
        f"{len(shown) - limit:,} more diagnostics not shown (--max-diagnostics {limit} per file).",
        *_summary(every),
    ]


def test_the_report_files_get_every_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "a.ndjson"
    path.write_text(_lines(100))
    report = tmp_path / "r.json"
    _, lines = _check("--max-diagnostics", "2", "--report", f"json:{report}", str(path))
    assert len(json.loads(report.read_text())) > 100
    assert "not shown" in lines[2]


def test_a_read_error_past_the_limit_counts_what_was_read(tmp_path: Path) -> None:
    data = gzip.compress(_lines(400).encode())
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    code, every = _check(str(path))
    limited_code, limited = _check("--max-diagnostics", "3", str(path))
    assert code == limited_code == 2
    shown = len([line for line in every if ": MIC" in line])
    assert shown > 100
    assert _summary(limited) == [
        f"{shown - 3:,} more diagnostics not shown (--max-diagnostics 3 per file).",
        *_summary(every),
    ]
