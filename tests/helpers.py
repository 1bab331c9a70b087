"""Helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

#: Every --output-format but `auto`, written out so that a format removed by mistake fails.
ALL_FORMATS = [
    "text",
    "grouped",
    "full",
    "json",
    "jsonl",
    "github",
    "gitlab",
    "sarif",
    "junit",
    "rdjsonl",
    "azure",
]


def installed_command() -> str | None:
    """The installed `mics-lint` script, or None.

    The script beside the interpreter running the tests comes first, so that a different
    mics-lint earlier on PATH is never the one tested.
    """
    folder = Path(sys.executable).parent
    for name in ("mics-lint", "mics-lint.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    return shutil.which("mics-lint")


# Variables that change what mics-lint prints: a subprocess test runs without them.
ENV_DROPPED = (
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "PYTHONIOENCODING",
    "MICS_LINT_DEBUG",  # would show tracebacks
    "GITHUB_ACTIONS",  # would pick the github format and write the real step summary
    "GITHUB_STEP_SUMMARY",
    "PRE_COMMIT",
    "PYTHONPROFILEIMPORTTIME",
)


def base_env(**extra: str) -> dict[str, str]:
    """The environment for a mics-lint subprocess: this one without ENV_DROPPED, plus extra."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROPPED}
    env.update(extra)
    return env


def write(path: Path, *lines: str) -> Path:
    """A file of these lines, each ended by a newline, its folder made if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return path


def one_error_line(stderr: str, *needles: str) -> str:
    """The single `mics-lint: error:` line of stderr, holding every needle."""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("mics-lint: error:"), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Usage:" not in stderr
    return lines[0]


@contextlib.contextmanager
def counting_vouches(name: str = "USER_PROFILE") -> Iterator[dict[str, int]]:
    """Counts the lines a document type's fast check saw and vouched for (so that a test
    knows the fast path ran)."""
    from mics_lint.doctypes import DOC_TYPES

    counts = {"checked": 0, "vouched": 0}
    doc_type = DOC_TYPES[name]
    make = doc_type.fast_check
    assert make is not None

    def counting_make(*args: Any) -> Callable[[Any, bytes, int, bool], bool]:
        check = make(*args)

        def counted(command: Any, raw: bytes, lineno: int, plain: bool) -> bool:
            counts["checked"] += 1
            vouched = check(command, raw, lineno, plain)
            counts["vouched"] += vouched
            return vouched

        return counted

    replaced = dataclasses.replace(doc_type, fast_check=counting_make)
    with mock.patch.dict(DOC_TYPES, {name: replaced}):
        yield counts


def run_cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """mics-lint through click's runner, from `cwd`: (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from mics_lint.cli import cli

    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, args, env={"NO_COLOR": "1"})
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr
