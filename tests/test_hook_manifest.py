"""The pre-commit hook manifest, `.pre-commit-hooks.yaml`, checked without running pre-commit.

The manifest is loaded with pre-commit's own loader, so it is validated against the schema
pre-commit itself applies to it. The full hook, installed and run by the real pre-commit, is
tested in test_precommit.py.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pre_commit.clientlib import load_manifest

from mics_lint.cli import cli

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


@pytest.fixture(scope="module")
def hook() -> dict[str, Any]:
    hooks = load_manifest(str(MANIFEST))  # raises InvalidManifestError if pre-commit rejects it
    by_id = {h["id"]: h for h in hooks}
    assert len(by_id) == len(hooks), "hook ids must be unique"
    return by_id["mics-lint"]


def test_language_and_filenames(hook: dict[str, Any]) -> None:
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["always_run"] is False
    # identify has no ndjson/jsonl tag: files are picked by `files`, not narrowed by `types`.
    assert hook["types"] == ["file"]
    assert hook["types_or"] == []


def test_entry_is_a_console_script_running_check(hook: dict[str, Any]) -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "scripts"
    ]
    program, *args = shlex.split(hook["entry"])
    assert program in scripts, f"{program!r} is not one of [project.scripts]: {sorted(scripts)}"
    assert scripts[program] == "mics_lint.cli:console"
    assert args[:1] == ["check"]
    # The rest of the entry (and the hook's args) must be accepted by the real command.
    result = CliRunner().invoke(cli, [*args, *hook["args"], "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output and " check " in result.output


@pytest.mark.parametrize(
    "path",
    ["a.ndjson", "dir/b.jsonl", "c.ndjson.gz", "d.jsonl.gz", "deep/er/x.y.ndjson"],
)
def test_files_pattern_matches_import_files(hook: dict[str, Any], path: str) -> None:
    # pre-commit applies `files` with re.search to repo-relative paths with forward slashes.
    assert re.search(hook["files"], path)
    assert not re.search(hook["exclude"], path)


@pytest.mark.parametrize(
    "path",
    ["e.json", "f.ndjson.bak", "g.txt", "h.ndjson.gz.orig", "ndjson", "i.ndjsonx", "j.gz"],
)
def test_files_pattern_skips_other_files(hook: dict[str, Any], path: str) -> None:
    assert not re.search(hook["files"], path)
