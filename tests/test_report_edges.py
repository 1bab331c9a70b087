"""The CI formats at their edges, as an audit against their specs found them: a file not
checked in every CI format, a lone surrogate of the data in the JSON ones, a rule's
description within GitHub's limit, and a file outside the project named absolutely."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from helpers import run_cli, write

from mics_lint.reporters.machine import _capped, _sarif_rule
from mics_lint.rules import REGISTRY

CI_FORMATS = ("github", "sarif", "junit", "gitlab", "rdjsonl", "azure")


@pytest.mark.parametrize("output_format", CI_FORMATS)
def test_every_ci_format_says_a_file_was_not_checked(tmp_path: Path, output_format: str) -> None:
    """A step whose exit code is a reader's (reviewdog's), or a merge request's widget,
    must not show a file that could not be read as a clean one."""
    write(tmp_path / "ok.ndjson", '{"operation":"DELETE","email_hash":"3f2a9c"}')
    args = ["check", "--isolated", "--output-format", output_format, "ok.ndjson", "gone.ndjson"]
    code, out, _ = run_cli(args, tmp_path)
    assert code == 2
    if output_format == "rdjsonl":
        (record,) = [orjson.loads(line) for line in out.splitlines()]
        assert record["severity"] == "ERROR"
        assert record["location"] == {"path": "gone.ndjson"}
        assert record["message"].startswith("not checked: cannot read gone.ndjson")
    elif output_format == "gitlab":
        (issue,) = orjson.loads(out)
        assert issue["check_name"] == "mics-lint" and issue["severity"] == "major"
        assert issue["location"] == {"path": "gone.ndjson", "lines": {"begin": 1}}
        assert len(issue["fingerprint"]) == 64
    elif output_format == "azure":
        assert out.startswith("##vso[task.logissue type=error;sourcepath=gone.ndjson;]not checked")
    elif output_format == "sarif":
        run = orjson.loads(out)["runs"][0]
        assert run["invocations"][0]["executionSuccessful"] is False
    else:
        assert "not checked" in out or "<error" in out


@pytest.mark.parametrize("output_format", ["json", "jsonl", "gitlab", "sarif", "rdjsonl"])
def test_json_formats_write_no_lone_surrogate(tmp_path: Path, output_format: str) -> None:
    """A key written `"\\ud800x"` in the data: its escape's text in the report, which a
    strict reader (orjson, I-JSON) takes; the character itself it refuses."""
    write(tmp_path / "f.ndjson", '{"operation":"DELETE","email_hash":"a","\\ud800x":1}')
    code, out, _ = run_cli(
        ["check", "--isolated", "--output-format", output_format, "f.ndjson"], tmp_path
    )
    assert code == 1
    texts = out.splitlines() if output_format in ("jsonl", "rdjsonl") else [out]
    for text in texts:
        orjson.loads(text)  # raises on a lone surrogate
    assert "\\\\ud800x" in out  # the escape, as text


def test_every_sarif_rule_description_fits_githubs_limit() -> None:
    """GitHub code scanning takes a rule's fullDescription of at most 1,024 characters."""
    for code in REGISTRY:
        assert len(_sarif_rule(code)["fullDescription"]["text"]) <= 1024, code  # type: ignore[index]
    long = "A first sentence. " * 100
    assert _capped(long, 1024).endswith("sentence.\u2026")
    assert len(_capped(long, 1024)) <= 1024
    assert _capped("x" * 2000, 1024) == "x" * 1023 + "\u2026"


def test_a_file_outside_the_project_is_named_by_its_absolute_path(tmp_path: Path) -> None:
    """From a sub-folder of a git work tree, a file under it is named from its root; one
    outside it by its absolute path, not `../..` from the working folder, which would read
    as from the root."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    line = '{"operation":"DELETE","email_hash":"3f2a9c","x":1}'
    write(repo / "data" / "deep" / "in.ndjson", line)
    outside = write(tmp_path / "outside.ndjson", line)
    args = [
        "check",
        "--isolated",
        "--output-format",
        "gitlab",
        "in.ndjson",
        "../../../outside.ndjson",
    ]
    code, out, _ = run_cli(args, repo / "data" / "deep")
    assert code == 1
    paths = {issue["location"]["path"] for issue in json.loads(out)}
    assert paths == {"data/deep/in.ndjson", outside.resolve().as_posix()}
