"""docs/datamart-schema.md shows real output: each `sh` block followed by a `text` block is
run (from the repository's root) and must print exactly that; its rule table matches the
registry."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from mics_lint.cli import cli
from mics_lint.rules import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "datamart-schema.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```sh\n(mics-lint [^\n]*)\n```\n\n```text\n(.*?)```", PAGE, re.S)


def test_the_page_has_its_examples() -> None:
    assert [command.split()[1] for command, _ in EXAMPLES] == ["schema-check", "check"]


@pytest.mark.parametrize(("command", "output"), EXAMPLES, ids=lambda v: v.split("\n")[0][:40])
def test_example_is_real_output(command: str, output: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, shlex.split(command)[1:])
    assert result.exit_code in (0, 1), result.output
    assert result.stdout == output


def test_rule_table_matches_the_registry() -> None:
    rows = re.findall(r"^\| (MIC25\d) \| ([a-z-]+) \| ([a-z ()]+) \|", PAGE, re.M)
    expected = [
        (c, r.name, str(r.severity) if r.default_on else f"off ({r.severity})")
        for c, r in REGISTRY.items()
        if c.startswith("MIC25")
    ]
    assert rows == expected
