"""The README is short, for a newcomer, and true: its commands run and its output is real.

Its examples run as every page's do (tests/docrun.py says how); this module adds what only
the README promises: its length, the two commands of "Try it", the pre-commit snippets, the
configuration example, and links that lead somewhere. The reference pages are tested by
test_doc_examples.py (and docs/ci.md by test_ci_docs.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docrun
import pytest
import yaml
from helpers import installed_command

ROOT = docrun.ROOT
README_PATH = ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
EXAMPLES = docrun.examples(README_PATH)
UPDATES: dict[Path, dict[int, list[str]]] = {}


@pytest.fixture(scope="module", autouse=True)
def _rewrite_shown_outputs(request: pytest.FixtureRequest) -> Iterator[None]:
    """With --update-expected, write the outputs collected by the tests into the page."""
    yield
    for page, outputs in UPDATES.items():
        docrun.rewrite(page, outputs)
    UPDATES.clear()


def _blocks(language: str, section: str | None = None) -> list[list[str]]:
    text = README if section is None else _section(section)
    return [body for lang, _, body in docrun.blocks(text) if lang == language]


def _section(title: str) -> str:
    part = README.split(f"\n## {title}\n", 1)
    assert len(part) == 2, f"the README has no section {title!r}"
    return part[1].split("\n## ", 1)[0]


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) < 250


def test_the_readme_has_the_newcomer_sections() -> None:
    titles = re.findall(r"^## (.+)$", README, re.M)
    assert titles == [
        "Try it",
        "What it prints",
        "pre-commit",
        "CI",
        "Configuration",
        "Documentation",
    ]


def _try_it_commands() -> list[str]:
    return [line for body in _blocks("sh", "Try it") for line in body]


def test_two_commands_one_installs_and_runs_an_example_one_runs_the_tests() -> None:
    install, tests = _try_it_commands()
    venv = "python3 -m venv .venv && . .venv/bin/activate && "
    assert install.startswith(venv) and tests.startswith(venv)
    # The first installs mics-lint and checks the example whose output the README shows.
    assert "pip install . && " in install
    (shown,) = [e for e in EXAMPLES if e.expected is not None]
    assert install.endswith(" && " + shown.command)
    assert "docs/examples/" in shown.command
    # The second installs the test extras and runs pytest, as .ci/run does.
    assert tests.endswith("pip install -e '.[test]' && pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m venv .ci/venv" in ci
    assert "python -m pip install --quiet -e '.[test]'" in ci
    assert ci.rstrip().splitlines()[-1] == "pytest"


@pytest.mark.skipif(installed_command() is None, reason="mics-lint is not installed")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"line{e.line}")
def test_example_runs_and_shows_its_real_output(
    example: docrun.Example, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    update = bool(request.config.getoption("--update-expected"))
    docrun.check(example, docrun.make_workspace(tmp_path), UPDATES if update else None)


def test_the_example_has_the_six_problems_the_readme_announces(tmp_path: Path) -> None:
    (shown,) = [e for e in EXAMPLES if e.expected is not None]
    assert installed_command() is not None
    result = docrun.run(shown, docrun.make_workspace(tmp_path))
    assert result.returncode == 1
    assert "six problems" in " ".join(_section("Try it").split())
    # six diagnostics and the summary, then the hint of what --fix would fix
    assert len(result.stdout.splitlines()) == 8
    assert "--fix" in result.stdout.splitlines()[-1]


def _hooks_manifest() -> list[dict[str, object]]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def test_precommit_snippets_match_the_hook_manifest() -> None:
    snippets = [yaml.safe_load("\n".join(body)) for body in _blocks("yaml", "pre-commit")]
    assert len(snippets) == 2, "the remote form and the `repo: local` form"
    remote, local = (s["repos"][0] for s in snippets)
    # The check hook (the manifest also has mics-lint-fix, for `pre-commit run mics-lint-fix`).
    (manifest,) = [h for h in _hooks_manifest() if h["id"] == "mics-lint"]
    # The remote form names this repository and a hook of its manifest.
    assert remote["repo"] == "https://github.com/<org>/mics-lint"
    assert "rev" in remote
    assert [h["id"] for h in remote["hooks"]] == [manifest["id"]]
    # The local form declares the same hook, installing mics-lint in the hook's environment.
    assert local["repo"] == "local"
    (hook,) = local["hooks"]
    for key in ("id", "name", "entry", "language", "files"):
        assert hook[key] == manifest[key], key
    assert hook["language"] == "python"
    (dependency,) = hook["additional_dependencies"]
    assert dependency == "mics-lint @ git+https://github.com/<org>/mics-lint@<rev>"
    assert re.search(manifest["files"], "exports/a.ndjson.gz")  # type: ignore[arg-type]


def test_ci_commands_are_the_ones_docs_ci_md_uses() -> None:
    (body,) = _blocks("sh", "CI")
    install, check = body
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert install in ci
    assert check.startswith("mics-lint check --report ")


def test_configuration_example_is_valid(tmp_path: Path) -> None:
    from mics_lint.config import load_config
    from mics_lint.diagnostic import Severity

    (body,) = _blocks("toml", "Configuration")
    (tmp_path / "pyproject.toml").write_text("\n".join(body) + "\n", encoding="utf-8")
    config = load_config(tmp_path / "pyproject.toml")
    assert config.selection.ignore == ("MIC304",)
    assert config.profile_form == "update_strategy"
    assert config.severity == {"MIC501": Severity.ERROR}
    assert config.doc_types == (("exports/segments/*.ndjson", "USER_SEGMENT"),)


def test_links_lead_to_pages_and_headings_that_exist() -> None:
    assert docrun.broken_links(README_PATH) == []
    assert "](docs/README.md)" in README  # the index of the reference
