"""What a review of the report formats against their specs found (the session after
fce3ba4): JUnit cases GitLab folds into one, a SARIF cut by --max-diagnostics that says
nothing of it, and a failed report blamed on another."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import run_cli, write

LINES = [
    '{"operation":"DELETE","email_hash":"a1","x":1}',
    '{"operation":"DELETE","email_hash":"b2","y":1}',
]


def test_junit_cases_of_one_code_have_names_of_their_own(tmp_path: Path) -> None:
    """GitLab keys a case by suite, classname and name: two MIC204s of one file showed as
    one failure."""
    write(tmp_path / "d.ndjson", *LINES)
    _, out, _ = run_cli(["check", "--isolated", "--output-format", "junit", "d.ndjson"], tmp_path)
    cases = ET.fromstring(out).iter("testcase")
    keys = [(c.get("classname"), c.get("name")) for c in cases]
    assert len(keys) == 2 and len(set(keys)) == 2
    assert keys[0][1] == "MIC204 unknown-field at 1:41"


def test_a_sarif_cut_by_max_diagnostics_says_so(tmp_path: Path) -> None:
    """Uploaded as it was, code scanning would close the alerts of the results left out."""
    write(tmp_path / "d.ndjson", *LINES)
    args = ["check", "--isolated", "--output-format", "sarif", "--max-diagnostics", "1"]
    _, out, _ = run_cli([*args, "d.ndjson"], tmp_path)
    run = json.loads(out)["runs"][0]
    assert len(run["results"]) == 1
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"].startswith("1 more results are not in this report")
    _, whole, _ = run_cli([*args[:4], "d.ndjson"], tmp_path)
    assert "invocations" not in json.loads(whole)["runs"][0]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_a_report_that_cannot_be_written_is_the_one_named(tmp_path: Path) -> None:
    """Every report's context caught any OSError: the last opened took the blame."""
    write(tmp_path / "d.ndjson", *(LINES * 2000))
    for args in (
        ["--report", "junit:/dev/full", "--report", "sarif:out.sarif"],
        ["-o", "/dev/full", "--report", "gitlab:z.json"],
    ):
        code, _, err = run_cli(["check", "--isolated", *args, "d.ndjson"], tmp_path)
        assert code == 2
        assert err.strip().splitlines() == [
            "mics-lint: error: cannot write /dev/full: No space left on device"
        ], args


def test_an_error_line_under_github_actions_runs_no_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner reads `##[name]` anywhere in a step's stderr: a file named
    `##[add-mask]CRM` masked the log's text. The line goes in a stop-commands block."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, _, err = run_cli(["check", "--isolated", "##[add-mask]CRM"], tmp_path)
    assert code == 2
    start, line, end = err.strip().splitlines()
    token = start.removeprefix("::stop-commands::")
    assert len(token) == 32 and end == f"::{token}::" and token not in line
    assert line == "mics-lint: error: cannot read ##[add-mask]CRM: no such file or directory"
    monkeypatch.delenv("GITHUB_ACTIONS")
    _, _, plain = run_cli(["check", "--isolated", "##[add-mask]CRM"], tmp_path)
    assert plain.strip() == line
