"""docs/ci.md is run: every mics-lint command line in its code blocks, and every output it shows.

Conventions of docs/ci.md that this test relies on:

- Any line of a fenced code block whose command is `mics-lint ...` (after a `$ ` prompt, a YAML
  list dash, or a `run:` / `script:` key; `\\` continuations joined) is run with the installed
  `mics-lint`, in a temporary folder holding the `exports/` of the examples. Shell operators end
  the command (`| reviewdog ...`, `|| status=$?`). It must exit 0 or 1, print no traceback and
  no `mics-lint: error:`, and write every report it names (`--report FORMAT:PATH`, `-o PATH`),
  in a form its format's parser reads.
- Under a heading that names GitHub Actions, commands run as they would there:
  `GITHUB_ACTIONS=true` and a `GITHUB_STEP_SUMMARY` file.
- In a ```console block, the lines after a `$ ...` prompt, up to the next prompt, are the
  expected output (stdout), compared exactly, except that a line `...` stands for any number
  of lines. Besides `mics-lint`, a prompt may show a file written by the last mics-lint command
  before it that names that file: `cat FILE`, `python -m json.tool FILE`, and
  `cat "$GITHUB_STEP_SUMMARY"`. Any other prompt fails the test, so nothing shown is made up.

After a deliberate change of output, `pytest tests/test_ci_docs.py --update-expected` rewrites
the outputs shown from the real ones (keeping each `...` and as many lines around it); review
the diff. (The other pages' examples: tests/docrun.py.)
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docrun
import pytest
import yaml
from helpers import installed_command

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ci.md"

# The files the examples of docs/ci.md check; the doc shows PROFILES.
PROFILES = (
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42",'
    '"force_replace":false,"user_profile":{"tier":"gold"}}\n'
    '{"operation":"UPSERT","force_replace":false,"user_profile":{"tier":"silver"}}\n'
    '{"operation":"DELETE","user_account_id":"CRM-7"}\n'
    '{"operation":"DELETE","email_hash":"9b1c0f",}\n'
)
CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-9"}\n'

SUMMARY = "$GITHUB_STEP_SUMMARY"
TIMEOUT = 120

COMMAND = re.compile(r"^\s*(?:\$\s+|-\s+|(?:run|script):\s+)*(?P<command>mics-lint\s.*)$")
SHELL_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "|&", ";;", "(", ")"}
JSON_FORMATS = {"json", "sarif", "gitlab"}
JSON_LINES_FORMATS = {"jsonl", "rdjsonl"}


MICS_LINT = installed_command()


@dataclass
class Step:
    """One command of the doc: a mics-lint run, or a look at a file an earlier run wrote."""

    line: int  # 1-based line of docs/ci.md
    section: str
    argv: list[str]
    expected: list[str] | None  # the output shown under a `$` prompt, if any
    producer: Step | None = None  # for a look at a file: the mics-lint run that wrote it

    @property
    def github(self) -> bool:
        return "github actions" in self.section.lower()

    @property
    def is_mics_lint(self) -> bool:
        return self.argv[0] == "mics-lint"

    def reports(self) -> list[tuple[str, str]]:
        """(format, path) of each report file the command names."""
        found: list[tuple[str, str]] = []
        args = self.argv[1:]
        output_format = "auto"
        output_file = None
        for i, arg in enumerate(args):
            value = args[i + 1] if i + 1 < len(args) else ""
            if arg == "--report":
                fmt, _, path = value.partition(":")
                found.append((fmt, path))
            elif arg.startswith("--report="):
                fmt, _, path = arg.removeprefix("--report=").partition(":")
                found.append((fmt, path))
            elif arg == "--output-format":
                output_format = value
            elif arg.startswith("--output-format="):
                output_format = arg.partition("=")[2]
            elif arg in ("-o", "--output-file"):
                output_file = value
            elif arg.startswith("--output-file="):
                output_file = arg.partition("=")[2]
        if output_file is not None:
            found.append((output_format, output_file))
        return found


def _tokens(command: str) -> list[str]:
    """The words of a shell command line, up to the first shell operator."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words: list[str] = []
    for token in lexer:
        if token in SHELL_OPERATORS:
            break
        words.append(token)
    return words


def parse_doc(text: str) -> tuple[list[Step], list[tuple[str, list[str]]]]:
    """The steps of the doc, in order, and its code blocks as (language, lines)."""
    steps: list[Step] = []
    blocks: list[tuple[str, list[str]]] = []
    section = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        fence = re.match(r"^(\s*)(```+)(\S*)", line)
        if not fence:
            i += 1
            continue
        indent, ticks, language = fence.groups()
        start = i + 1
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(ticks):
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1  # the closing fence
        blocks.append((language, body))
        if language == "console":
            steps.extend(_console_steps(body, start, section))
        else:
            steps.extend(_script_steps(body, start, section))
    _link_producers(steps)
    return steps, blocks


def _script_steps(body: list[str], start: int, section: str) -> list[Step]:
    steps = []
    j = 0
    while j < len(body):
        first = j
        joined = body[j]
        while joined.endswith("\\") and j + 1 < len(body):
            j += 1
            joined = joined[:-1] + " " + body[j].strip()
        j += 1
        match = COMMAND.match(joined)
        if match:
            argv = _tokens(match["command"])
            steps.append(Step(start + first + 1, section, argv, None))
    return steps


def _console_steps(body: list[str], start: int, section: str) -> list[Step]:
    steps: list[Step] = []
    for offset, line in enumerate(body):
        if line.startswith("$ "):
            argv = _tokens(line[2:])
            steps.append(Step(start + offset + 1, section, argv, []))
        else:
            assert steps, f"docs/ci.md:{start + offset + 1}: output before any `$` prompt"
            assert steps[-1].expected is not None
            steps[-1].expected.append(line)
    return steps


def _shown_file(step: Step) -> str | None:
    """The file a step looks at, or None for a mics-lint run."""
    argv = step.argv
    if argv[0] == "mics-lint":
        return None
    if len(argv) == 2 and argv[0] == "cat":
        return argv[1]
    if len(argv) == 4 and argv[0] in ("python", "python3") and argv[1:3] == ["-m", "json.tool"]:
        return argv[3]
    raise AssertionError(
        f"docs/ci.md:{step.line}: `$ {shlex.join(argv)}` is neither mics-lint nor a look at a "
        "report file (cat FILE, python -m json.tool FILE), so this test cannot check its output"
    )


def _link_producers(steps: list[Step]) -> None:
    for index, step in enumerate(steps):
        shown = _shown_file(step)
        if shown is None:
            continue
        for earlier in reversed(steps[:index]):
            if not earlier.is_mics_lint:
                continue
            if (shown == SUMMARY and earlier.github) or shown in {
                path for _, path in earlier.reports()
            }:
                step.producer = earlier
                break
        assert step.producer is not None, (
            f"docs/ci.md:{step.line}: no mics-lint command before it writes {shown}"
        )


DOC_TEXT = DOC.read_text(encoding="utf-8")
STEPS, BLOCKS = parse_doc(DOC_TEXT)
RUNS = [s for s in STEPS if s.is_mics_lint]
SHOWN = [s for s in STEPS if s.expected is not None]


def _id(step: Step) -> str:
    return f"line{step.line}"


# -- running -----------------------------------------------------------------------------------


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    summary: Path


def _env(workspace: Path, github: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GITHUB_")
        and k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS", "LINES", "CI")
    }
    if github:
        env["GITHUB_ACTIONS"] = "true"
        env["GITHUB_STEP_SUMMARY"] = str(workspace / "step-summary.md")
    return env


def run_step(step: Step, workspace: Path) -> Result:
    """Run a mics-lint step of the doc in `workspace`, removing its report files first."""
    assert MICS_LINT is not None
    for _, path in step.reports():
        (workspace / path).unlink(missing_ok=True)
    summary = workspace / "step-summary.md"
    summary.unlink(missing_ok=True)
    done = subprocess.run(
        [MICS_LINT, *step.argv[1:]],
        cwd=workspace,
        env=_env(workspace, step.github),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Result(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        summary,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "profiles.ndjson").write_bytes(PROFILES.encode())
    (exports / "clean.ndjson").write_bytes(CLEAN.encode())
    (tmp_path / "mics-lint.toml").write_text("", encoding="utf-8")  # no config above leaks in
    # CI formats name files relative to the enclosing git work tree: make the folder one, as a
    # CI checkout is, so that a temporary folder inside some other repository changes nothing.
    if shutil.which("git"):
        subprocess.run(["git", "init", "--quiet", str(tmp_path)], check=True, timeout=TIMEOUT)
    return tmp_path


needs_command = pytest.mark.skipif(
    MICS_LINT is None, reason="the mics-lint console script is not installed"
)


# -- the doc itself ----------------------------------------------------------------------------


def test_the_doc_has_the_expected_jobs() -> None:
    assert len(RUNS) >= 6, [shlex.join(s.argv) for s in RUNS]
    sections = {s.section for s in RUNS}
    for name in ("GitHub Actions", "GitLab CI", "A plain shell step"):
        assert name in sections, sections
    # The GitHub job writes SARIF, the GitLab job Code Quality and JUnit reports.
    named = {fmt for s in RUNS for fmt, _ in s.reports()}
    assert {"sarif", "gitlab", "junit"} <= named, named
    assert "github/codeql-action/upload-sarif" in DOC_TEXT
    assert "codequality: gl-code-quality-report.json" in DOC_TEXT
    assert "junit: mics-lint-junit.xml" in DOC_TEXT


def test_the_doc_shows_the_example_file() -> None:
    assert ("ndjson", PROFILES.splitlines()) in BLOCKS


def test_the_precommit_snippet_uses_the_hook_id() -> None:
    manifest = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    ids = re.findall(r"^- id: (\S+)", manifest, flags=re.MULTILINE)
    snippets = [body for language, body in BLOCKS if language == "yaml" and "repos:" in body]
    assert snippets, "no .pre-commit-config.yaml snippet"
    used = re.findall(r"- id: (\S+)", "\n".join(snippets[0]))
    assert used and set(used) <= set(ids), (used, ids)
    assert "https://github.com/<org>/mics-lint" in "\n".join(snippets[0])


def test_the_local_precommit_snippet_declares_the_manifest_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (manifest,) = [h for h in hooks if h["id"] == "mics-lint"]
    snippets = [
        yaml.safe_load("\n".join(body))
        for language, body in BLOCKS
        if language == "yaml" and "repo: local" in "\n".join(body)
    ]
    assert len(snippets) == 1
    (hook,) = snippets[0]["repos"][0]["hooks"]
    for key in ("id", "name", "entry", "language", "files"):
        assert hook[key] == manifest[key], key
    assert hook["additional_dependencies"] == [
        "mics-lint @ git+https://github.com/<org>/mics-lint@<rev>"
    ]


def test_the_report_folder_need_not_exist(workspace: Path) -> None:
    """The doc says mics-lint creates a report's folder; so it does."""
    assert "need not exist: mics-lint creates it" in " ".join(DOC_TEXT.split())
    if MICS_LINT is None:
        pytest.skip("the mics-lint console script is not installed")
    step = Step(
        0, "", ["mics-lint", "check", "--report", "junit:reports/junit.xml", "exports/"], None
    )
    result = run_step(step, workspace)
    assert result.returncode == 1, result.stderr
    _check_report("junit", workspace / "reports" / "junit.xml")


def test_extraction_of_command_lines() -> None:
    text = (
        "## GitHub Actions\n```yaml\n      - run: mics-lint check --report sarif:a.sarif x/\n"
        "  script:\n    - mics-lint check \\\n      --quiet x/ || status=$?\n"
        'id: mics-lint\n- pip install "mics-lint @ git+https://example.invalid/mics-lint"\n'
        "```\n## Other\n```console\n$ mics-lint check -o out.txt x/ | head\nline 1\n...\n"
        "$ cat out.txt\nline 1\n```\n"
    )
    steps, _ = parse_doc(text)
    assert [s.argv for s in steps] == [
        ["mics-lint", "check", "--report", "sarif:a.sarif", "x/"],
        ["mics-lint", "check", "--quiet", "x/"],
        ["mics-lint", "check", "-o", "out.txt", "x/"],
        ["cat", "out.txt"],
    ]
    assert [s.github for s in steps] == [True, True, False, False]
    assert steps[0].reports() == [("sarif", "a.sarif")]
    assert steps[2].reports() == [("auto", "out.txt")]
    assert steps[2].expected == ["line 1", "..."]
    assert steps[3].producer is steps[2]


def test_output_pattern() -> None:
    assert _matches(["a", "...", "d"], "a\nb\nc\nd\n")
    assert _matches(["a", "..."], "a\n")
    assert not _matches(["a", "d"], "a\nb\nd\n")
    assert not _matches(["a"], "ab\n")


# -- the commands ------------------------------------------------------------------------------


def _check_report(fmt: str, path: Path) -> None:
    assert path.is_file(), f"{path.name} was not written"
    text = path.read_text(encoding="utf-8")
    assert text.strip(), f"{path.name} is empty"
    if fmt in JSON_FORMATS:
        json.loads(text)
    elif fmt in JSON_LINES_FORMATS:
        for line in text.splitlines():
            json.loads(line)
    elif fmt == "junit":
        assert ET.fromstring(text.encode()).tag == "testsuites"


@needs_command
@pytest.mark.parametrize("step", RUNS, ids=_id)
def test_command_runs_and_writes_its_reports(step: Step, workspace: Path) -> None:
    result = run_step(step, workspace)
    where = f"docs/ci.md:{step.line}: {shlex.join(step.argv)}"
    assert result.returncode in (0, 1), f"{where}\n{result.stdout}{result.stderr}"
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, f"{where}\n{stream}"
        assert "mics-lint: error:" not in stream, f"{where}\n{stream}"
    for fmt, path in step.reports():
        _check_report(fmt, workspace / path)
    if step.github:
        assert result.summary.is_file() and "## mics-lint" in result.summary.read_text(
            encoding="utf-8"
        ), where
        if not any(a == "--output-format" or a.startswith("--output-format=") for a in step.argv):
            assert "::error file=exports/profiles.ndjson," in result.stdout, where


def _matches(expected: list[str], actual: str) -> bool:
    pattern = "".join(
        r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in expected
    )
    return re.fullmatch(pattern, actual) is not None


UPDATES: dict[int, list[str]] = {}


@pytest.fixture(scope="module", autouse=True)
def _rewrite_shown_outputs() -> Iterator[None]:
    """With --update-expected, write the outputs collected by the tests into the doc."""
    yield
    if UPDATES:
        docrun.rewrite(DOC, UPDATES)
    UPDATES.clear()


@needs_command
@pytest.mark.parametrize("step", SHOWN, ids=_id)
def test_shown_output_is_real(step: Step, workspace: Path, request: pytest.FixtureRequest) -> None:
    assert step.expected is not None
    shown = _shown_file(step)
    if shown is None:
        result = run_step(step, workspace)
        actual = result.stdout
        assert result.stderr == "", result.stderr
    else:
        assert step.producer is not None
        result = run_step(step.producer, workspace)
        assert result.returncode in (0, 1), result.stderr
        path = result.summary if shown == SUMMARY else workspace / shown
        if step.argv[0] == "cat":
            actual = path.read_text(encoding="utf-8")
        else:
            done = subprocess.run(
                [sys.executable, "-m", "json.tool", str(path)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=True,
            )
            actual = done.stdout
    if not actual.endswith("\n"):
        actual += "\n"
    if request.config.getoption("--update-expected") and not _matches(step.expected, actual):
        UPDATES[step.line] = docrun.shown(step.expected, actual)
        return
    assert _matches(step.expected, actual), (
        f"docs/ci.md:{step.line}: the output shown for `$ {shlex.join(step.argv)}` is not what "
        f"it prints now. Real output:\n{actual}"
    )
