"""Helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from mics_lint.registry import FastCheck, Rule

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


@dataclasses.dataclass
class Done:
    """What a run of the installed command gave."""

    code: int
    out: str
    err: str
    raw_out: bytes
    seconds: float


def run_installed(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = b"",
    stdin: Any = None,
    env: dict[str, str] | None = None,
    argv: Sequence[str] | None = None,
    shell: str | None = None,
    preexec_fn: Callable[[], None] | None = None,
    timeout: float = 60,
) -> Done:
    """The installed mics-lint with these arguments (or `argv`, a whole command line; or
    `shell`, a sh line where "$0" is mics-lint), with a timeout (a hang fails the test);
    never a traceback nor an internal error."""
    command = installed_command()
    assert command is not None
    if shell is not None:
        argv = ["sh", "-c", shell, command]
    feed: dict[str, Any] = {"stdin": stdin} if stdin is not None else {"input": input}
    started = time.monotonic()
    done = subprocess.run(
        list(argv) if argv is not None else [command, *args],
        cwd=cwd,
        capture_output=True,
        env=env if env is not None else base_env(),
        timeout=timeout,
        check=False,
        preexec_fn=preexec_fn,
        **feed,
    )
    result = Done(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        done.stdout,
        time.monotonic() - started,
    )
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert "Traceback" not in result.out, result.out[:2000]
    return result


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

    counts = {"checked": 0, "vouched": 0, "one rule": 0}
    doc_type = DOC_TYPES[name]
    make = doc_type.fast_check
    assert make is not None

    def counting_make(*args: Any) -> FastCheck:
        check = make(*args)

        def counted(command: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
            counts["checked"] += 1
            verdict = check(command, raw, lineno, plain)
            counts["vouched"] += verdict is True
            counts["one rule"] += verdict not in (True, False)
            return verdict

        return counted

    replaced = doc_type._replace(fast_check=counting_make)
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


def counted_keys(monkeypatch: Any) -> list[bytes]:
    """The lines whose keys the profile and activity fast checks count (`_keys_once`,
    `_key_counts`), from now on: those their proofs by length did not vouch for."""
    from mics_lint.rules import activity_fast, profile_fast

    counted: list[bytes] = []
    keys_once, key_counts = profile_fast._keys_once, activity_fast._key_counts

    def counting(raw: bytes, *args: Any) -> bool:
        counted.append(raw)
        return keys_once(raw, *args)

    def counting_counts(*args: Any) -> Any:
        made = key_counts(*args)

        def counting_activity(c: Any, raw: bytes, *rest: Any) -> bool:
            counted.append(raw)
            return bool(made(c, raw, *rest))

        return counting_activity

    monkeypatch.setattr(profile_fast, "_keys_once", counting)
    monkeypatch.setattr(activity_fast, "_key_counts", counting_counts)
    return counted


def datamart_found(data: Path, schema: Path, **options: Any) -> list[tuple[int, str, str]]:
    """The (line, code, message) of `data` checked against the datamart schema `schema`, the
    same on the full checks and on the fast path from line 1."""
    from mics_lint import Settings, lint_file

    made = []
    for fast in (False, True):
        settings = Settings(
            datamart_schemas=(("*", str(schema)),), fast_path=fast, fast_path_from=1, **options
        )
        made.append([(d.line, d.code, d.message) for d in lint_file(str(data), settings)])
    assert made[0] == made[1]
    return made[0]
