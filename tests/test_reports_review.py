"""What a review of the report formats against their specs found (docs/decisions.md, "The
report formats reviewed against their specs"): each case failed before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_format_consumers import commands, run_check, write

UNKNOWN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"u%d","zz":1}'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the root CI paths are relative to
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_gitlab_twice_the_same_finding_with_a_lone_surrogate(project: Path) -> None:
    """The salted fingerprint of a repeated finding encoded a lone surrogate strictly: an
    internal error, and half a JSON array on standard output."""
    line = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"u","\\ud800":1}'
    write("a.ndjson", line)
    argv = ["check", "--isolated", "--output-format", "gitlab", "--stdin-filename", "a.ndjson"]
    result = subprocess.run(
        [sys.executable, "-m", "mics_lint", *argv, "a.ndjson", "-"],
        input=Path("a.ndjson").read_bytes(),
        capture_output=True,
    )
    assert result.returncode == 1, result.stderr
    issues = json.loads(result.stdout)
    assert len(issues) == 2 and len({i["fingerprint"] for i in issues}) == 2


def test_sarif_holds_what_code_scanning_takes_and_says_how_many_more(project: Path) -> None:
    """GitHub refuses a whole upload past 25,000 results a run."""
    write("big.ndjson", *(UNKNOWN % i for i in range(25_010)))
    result = run_check(["--output-format", "sarif", "big.ndjson"])
    (run,) = json.loads(result.stdout)["runs"]
    assert len(run["results"]) == 25_000 and result.exit_code == 1
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["message"]["text"].startswith("10 more results")
    assert run["invocations"][0]["executionSuccessful"] is True


def test_a_link_is_reported_where_it_lies(project: Path) -> None:
    """Resolving links named a link by its target (or, for one pointing out of the project,
    by its path from the working folder, not from the project's root)."""
    outside = project.parent / f"{project.name}-outside.ndjson"
    write(outside, UNKNOWN % 1)
    write("real/r.ndjson", UNKNOWN % 2)
    (project / "sub").mkdir()
    (project / "sub" / "out.ndjson").symlink_to(outside)
    (project / "sub" / "in.ndjson").symlink_to(project / "real" / "r.ndjson")
    os.chdir(project / "sub")
    result = run_check(["--output-format", "github", "out.ndjson", "in.ndjson"])
    assert sorted(c[1]["file"] for c in commands(result.stdout)) == [
        "sub/in.ndjson",
        "sub/out.ndjson",
    ]


def test_one_step_summary_a_run(project: Path) -> None:
    write("a.ndjson", UNKNOWN % 1)
    summary = project / "summary.md"
    run_check(
        ["--output-format", "github", "--report", "github:gh.txt", "a.ndjson"],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert summary.read_text(encoding="utf-8").count("## mics-lint") == 1


def test_github_annotates_a_file_not_checked(project: Path) -> None:
    """It was on stderr alone: a pull request's reader saw no sign of it."""
    write("a.ndjson", UNKNOWN % 1)
    result = run_check(["--output-format", "github", "missing.ndjson", "a.ndjson"])
    assert result.exit_code == 2
    (failed, found) = commands(result.stdout)
    assert failed[:2] == ("error", {"file": "missing.ndjson", "title": "mics-lint: not checked"})
    assert failed[2] == "cannot read missing.ndjson: no such file or directory"
    assert found[1]["file"] == "a.ndjson"


def test_a_step_summary_shows_a_file_name_as_text(project: Path) -> None:
    """`*`, a backquote, `<img>` in a name formatted the Markdown table."""
    name = "a*b*`c`<img src=x>[d](e)~f~.ndjson"
    write(name, UNKNOWN % 1)
    summary = project / "summary.md"
    run_check(["--output-format", "github", name], env={"GITHUB_STEP_SUMMARY": str(summary)})
    row = next(r for r in summary.read_text(encoding="utf-8").splitlines() if ".ndjson" in r)
    assert row.startswith("| a\\*b\\*\\`c\\`\\<img src=x\\>\\[d\\](e)\\~f\\~.ndjson |")
