"""The README says what the tool does: its rule table and its example output are checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import installed_command

from mics_lint.cli import cli
from mics_lint.rules import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_registry() -> None:
    row = r"^\| (MIC\d{3}) \| ([a-z0-9-]+) \| (error|warning) \| (safe|unsafe|-) \| (.+) \|$"
    rows = re.findall(row, README, re.M)
    expected = [
        (r.code, r.name, str(r.severity), r.fix or "-", r.summary) for r in REGISTRY.values()
    ]
    assert rows == expected


def test_example_output_is_what_the_tool_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    block = re.search(r"Example output:\n\n```text\n(.*?)```", README, re.S)
    assert block is not None
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["check", "--isolated", "docs/examples/crm_profiles.ndjson"])
    assert result.output == block.group(1)
    assert result.exit_code == 1


def test_json_record_example_is_a_real_record(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    block = re.search(r"### The JSON record.*?```json\n(.*?)```", README, re.S)
    assert block is not None
    documented = json.loads(block.group(1))
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(
        cli,
        ["check", "--isolated", "--output-format", "json", "docs/examples/crm_profiles.ndjson"],
    )
    assert documented in json.loads(result.output)


def _usage_commands() -> list[str]:
    block = re.search(r"## Usage\n\n```sh\n(.*?)```", README, re.S)
    assert block is not None
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line]


@pytest.mark.parametrize("command", _usage_commands())
def test_usage_commands_run_as_written(command: str) -> None:
    import subprocess

    exe = installed_command()
    if exe is None:
        pytest.skip("the mics-lint command is not installed")
    shell_command = command.replace("mics-lint", f'"{exe}"', 1)
    result = subprocess.run(
        shell_command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout
    assert "Traceback" not in result.stderr


def test_configuration_example_is_valid(tmp_path: Path) -> None:
    from mics_lint.config import load_config

    block = re.search(r"## Configuration\n.*?```toml\n(.*?)```", README, re.S)
    assert block is not None
    (tmp_path / "pyproject.toml").write_text(block.group(1), encoding="utf-8")
    config = load_config(tmp_path / "pyproject.toml")
    assert config.selection.ignore == ("MIC304",)
    assert config.max_file_size == 100 * 1024 * 1024


def _format_examples() -> list[tuple[str, str, str]]:
    section = README.split("## Report formats", 1)[1].split("\n## ", 1)[0]
    found = re.findall(
        r"\*\*`(\w+)`\*\*:.*?```sh\n(.*?)\n```\n\n(?:<details><summary>output</summary>\n\n)?"
        r"(```+)\w+\n(.*?)\3\n",
        section,
        re.S,
    )
    return [(name, command, output) for name, command, _, output in found]


def test_every_format_has_an_example() -> None:
    from mics_lint.reporters import REPORTERS

    assert sorted(name for name, _, _ in _format_examples()) == sorted(REPORTERS)


@pytest.mark.parametrize(("name", "command", "output"), _format_examples())
def test_format_example_is_real_output(name: str, command: str, output: str) -> None:
    import os
    import subprocess
    import sys

    exe = installed_command()
    if exe is None:
        pytest.skip("the mics-lint command is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    env["PATH"] = f"{Path(exe).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("GITHUB_STEP_SUMMARY", None)
    result = subprocess.run(
        command.replace("python ", f"{sys.executable} ", 1),
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "Traceback" not in result.stderr
    assert result.stdout == output, name


def _fixing_examples() -> list[tuple[str, str]]:
    section = README.split("## Fixing", 1)[1].split("\n## ", 1)[0]
    return re.findall(
        r"```sh\n(mics-lint check [^\n]*--diff [^\n]+)\n```\n\n```diff\n(.*?)```", section, re.S
    )


def test_fixing_examples_are_real_output(monkeypatch: pytest.MonkeyPatch) -> None:
    examples = _fixing_examples()
    assert len(examples) == 2
    monkeypatch.chdir(ROOT)
    for command, output in examples:
        result = CliRunner().invoke(cli, command.split()[1:])
        assert result.exit_code == 1
        assert result.stdout_bytes.decode() == output


def test_document_type_examples_are_real(monkeypatch: pytest.MonkeyPatch) -> None:
    section = README.split("## Document types", 1)[1].split("\n## ", 1)[0]
    found = re.findall(
        r"```sh\n(mics-lint check [^\n]+ (docs/examples/\S+))\n```\n\n```ndjson\n(.*?)```\n\n"
        r"```text\n(.*?)```",
        section,
        re.S,
    )
    assert len(found) == 8
    monkeypatch.chdir(ROOT)
    for command, path, content, output in found:
        assert (ROOT / path).read_text(encoding="utf-8") == content
        result = CliRunner().invoke(cli, command.split()[1:])
        assert result.stdout == output


def test_python_api_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    section = README.split("## Python API", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    monkeypatch.chdir(ROOT / "docs" / "examples")
    exec(compile(code, "README.md", "exec"), {})  # our own README's example
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("crm_profiles.ndjson 2 1 MIC401 error ")
    assert out[-3:] == ["as USER_SEGMENT", "USER_SEGMENT MIC203", "USER_SEGMENT MIC701"]
