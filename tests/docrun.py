"""Running the examples of README.md and docs/*.md (used by test_readme.py and
test_doc_examples.py; docs/ci.md has its own runner, test_ci_docs.py).

Conventions of the pages:

- A ```console block holds commands after a `$ ` prompt, each followed by the output it prints
  on stdout, up to the next prompt or the end of the block. The commands of a block run in
  order in one folder (a `cat` shows what the command above wrote). The output is compared
  exactly, except that a line `...` stands for any number of lines. A command may be
  `mics-lint ...` (with `VAR=value` before it), `cat FILE` or `python ...`, run by the
  shell (pipes and redirections work); anything else fails, so that nothing shown is made
  up.
- In a ```sh block, every line whose command is `mics-lint ...` (after an optional `$ `; a
  `  #` comment dropped) is run by the shell too: it must exit 0 or 1 with no traceback and
  no `mics-lint: error:`.
- Every command must exit 0 or 1, with no traceback and no `mics-lint: error:`.
- Commands run from a copy of the repository's `docs/examples/` and `pyproject.toml` (so
  `--fix` changes the copy, never the repository), plus `exports/` holding two of the
  examples, in a fresh git work tree, with the installed `mics-lint` first on PATH and no
  colour, CI or terminal-size variables. A report a command names (`--report FORMAT:PATH`,
  `-o PATH`) must be written.

Outputs are regenerable: `pytest tests/test_readme.py tests/test_doc_examples.py
tests/test_ci_docs.py --update-expected` rewrites each shown output from the real one (the
lines before a `...` and the lines after it keep their number), for a deliberate change of
output; review the diff before committing it.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers import ENV_DROPPED, installed_command

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TIMEOUT = 120
#: Pages with a runner of their own: ci.md (test_ci_docs.py), remote.md, whose commands
#: need an S3 server (test_remote.py starts moto's and runs them), and scale.md, whose
#: commands need a Dask cluster too (test_dask.py runs them on its LocalCluster).
OWN_RUNNER = ("ci.md", "remote.md", "scale.md")
#: The pages whose examples this runner runs: the README and every other docs page.
PAGES = [ROOT / "README.md", *sorted(p for p in DOCS.glob("*.md") if p.name not in OWN_RUNNER)]
ALLOWED = {"mics-lint", "cat", "python"}
SHELL_OPERATORS = {"|", "||", "&&", ";", "&", ">", ">>", "<", "|&", ";;", "(", ")", "2>&1"}
_ASSIGNMENT = re.compile(r"^[A-Z_]+=\S*$")
_COMMAND = re.compile(r"^\s*(?:\$\s+)?(?P<command>mics-lint\s.*)$")


@dataclass
class Example:
    page: Path
    line: int  # 1-based line of the command in the page
    command: str
    expected: list[str] | None  # None: a ```sh line, whose output is not shown
    before: tuple[str, ...] = ()  # the commands above it in its console block, run first

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """Each fenced code block of a page: (language, 1-based line of its first body line,
    body lines). Fences of more backticks close only with as many."""
    found = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        fence = re.match(r"^(\s*)(```+)(\S*)", lines[i])
        if not fence:
            i += 1
            continue
        indent, ticks, language = fence.groups()
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and lines[i].strip() != ticks:
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        found.append((language, start + 1, body))
        i += 1
    return found


def examples(page: Path) -> list[Example]:
    found: list[Example] = []
    for language, first, body in blocks(page.read_text(encoding="utf-8")):
        if language == "console":
            for offset, line in enumerate(body):
                if line.startswith("$ "):
                    above = tuple(e.command for e in found if e.line >= first)
                    found.append(Example(page, first + offset, line[2:], [], above))
                else:
                    assert found and found[-1].line >= first, (
                        f"{page.name}:{first + offset}: output before any `$` prompt"
                    )
                    expected = found[-1].expected
                    assert expected is not None
                    expected.append(line)
        elif language == "sh":
            for offset, line in enumerate(body):
                match = _COMMAND.match(line)
                if match:
                    command = match["command"].split("  #")[0].strip()
                    found.append(Example(page, first + offset, command, None))
    return found


def program(command: str) -> str:
    """The program a command line runs, after its `VAR=value` assignments."""
    words = shlex.split(command)
    while words and _ASSIGNMENT.match(words[0]):
        words.pop(0)
    return words[0] if words else ""


def make_workspace(folder: Path) -> Path:
    """A copy of what the examples read, in its own git work tree."""
    shutil.copytree(DOCS / "examples", folder / "docs" / "examples")
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    # `exports/`, the folder the pages' CI and fixing examples check.
    (folder / "exports").mkdir()
    for name in ("crm_profiles.ndjson", "clean_profiles.ndjson"):
        shutil.copy(DOCS / "examples" / name, folder / "exports" / name)
    if shutil.which("git"):
        subprocess.run(["git", "init", "--quiet", str(folder)], check=True, timeout=TIMEOUT)
    return folder


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run(example: Example, workspace: Path) -> Run:
    """Run the commands above the example in its block, then the example."""
    for command in example.before:
        _run(Example(example.page, example.line, command, None), workspace)
    return _run(example, workspace)


def _run(example: Example, workspace: Path) -> Run:
    exe = installed_command()
    assert exe is not None
    assert program(example.command) in ALLOWED, (
        f"{example.where}: `{example.command}` is not a command this test can check "
        f"({', '.join(sorted(ALLOWED))})"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ENV_DROPPED and k not in ("COLUMNS", "LINES", "CI") and "GITHUB" not in k
    }
    # The installed mics-lint, and the interpreter running the tests as `python`.
    folders = dict.fromkeys([str(Path(exe).parent), str(Path(sys.executable).parent)])
    env["PATH"] = os.pathsep.join([*folders, env.get("PATH", "")])
    done = subprocess.run(
        ["/bin/sh", "-c", example.command],
        cwd=workspace,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def matches(expected: list[str], actual: str) -> bool:
    pattern = "".join(
        r"(?:.*\n)*?" if line == "..." else re.escape(line) + r"\n" for line in expected
    )
    return re.fullmatch(pattern, actual) is not None


def shown(expected: list[str], actual: str) -> list[str]:
    """What a page should show for `actual`: all of it, or, when it shows `...`, as many
    first and last lines as it showed before and after the `...`."""
    lines = actual.splitlines()
    if "..." not in expected:
        return lines
    cut = expected.index("...")
    head, tail = expected[:cut], expected[cut + 1 :]
    return [*lines[: len(head)], "...", *(lines[len(lines) - len(tail) :] if tail else [])]


def rewrite(page: Path, outputs: dict[int, list[str]]) -> None:
    """Replace the output under each prompt (by its 1-based line) with the given lines."""
    lines = page.read_text(encoding="utf-8").split("\n")
    for number in sorted(outputs, reverse=True):
        start = number  # the index of the first output line
        end = start
        while (
            end < len(lines)
            and not lines[end].startswith("$ ")
            and not lines[end].strip().startswith("```")
        ):
            end += 1
        lines[start:end] = outputs[number]
    page.write_text("\n".join(lines), encoding="utf-8")


def check(
    example: Example, workspace: Path, updates: dict[Path, dict[int, list[str]]] | None
) -> Run:
    """Run one example and check it; with `updates` given (--update-expected), record the
    output to show instead of failing on a difference."""
    result = run(example, workspace)
    where = f"{example.where}: `{example.command}`"
    assert result.returncode in (0, 1), f"{where} exited {result.returncode}\n{result.stderr}"
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, f"{where}\n{stream}"
        assert "mics-lint: error:" not in stream, f"{where}\n{stream}"
    words = shlex.split(example.command)
    for flag, value in itertools.pairwise(words):
        path = value.partition(":")[2] if flag == "--report" else value
        if flag in ("--report", "-o", "--output-file"):
            assert (workspace / path).is_file(), f"{where}: {path} was not written"
    if example.expected is None:
        return result
    actual = result.stdout
    if actual and not actual.endswith("\n"):
        actual += "\n"
    if matches(example.expected, actual):
        return result
    if updates is not None and example.expected is not None:
        updates.setdefault(example.page, {})[example.line] = shown(example.expected, actual)
        return result
    raise AssertionError(
        f"{where}: the output shown is not what it prints now (`pytest --update-expected` "
        f"rewrites it). Real output:\n{actual}"
    )


def _without_code(text: str, inline: bool = True) -> str:
    """The page without its fenced code blocks, and its inline code spans blanked out
    (unless `inline` is False)."""
    kept = []
    fence = ""
    for line in text.splitlines():
        opening = re.match(r"^\s*(```+)", line)
        if fence:
            if opening and line.strip() == fence:
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        kept.append(re.sub(r"`[^`]*`", "``", line) if inline else line)
    return "\n".join(kept)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces made hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _without_code(page.read_text(encoding="utf-8"), inline=False).splitlines():
        heading = re.match(r"^#{1,6} (.+)$", line)
        if heading:
            base = slug(heading.group(1).replace("`", ""))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(page: Path) -> list[str]:
    """The relative links of a page whose file, or heading, does not exist."""
    broken = []
    text = _without_code(page.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in anchors(linked)
        ):
            broken.append(target)
    return broken
