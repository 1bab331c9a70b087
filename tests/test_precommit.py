"""The `mics-lint` pre-commit hook, installed and run by the real pre-commit.

A snapshot of this checkout's working tree (tracked files as they are on disk, plus new files
not yet committed, minus ignored ones) is committed into a temporary repository. A throwaway
user repository then points its `.pre-commit-config.yaml` at that snapshot (`repo: <path>`,
`rev: <commit>`), exactly as users point theirs at the published repository, and runs
`pre-commit run --files ...`. pre-commit clones the snapshot, builds a virtualenv and installs
mics-lint into it (its dependencies come from PyPI), then runs the hook.

Why a snapshot rather than `pre-commit try-repo <checkout>`: try-repo picks up modified tracked
files but not untracked ones (it runs `git add -u`), so a new module or a not-yet-committed
`.pre-commit-hooks.yaml` would be missing from what it installs. On a clean clone (CI) both
give the same result.

Slow (the first run builds the hook's environment, shared by the tests of this module), so it
is marked `precommit`: `pytest -m "not precommit"` skips it; CI runs it.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.precommit

ROOT = Path(__file__).resolve().parents[1]

VALID = (
    '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}\n'
    '{"operation":"DELETE","user_agent_id":"vec:89998434"}\n'
)
INVALID = (
    '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}\n'
    '{"operation":"DELETE"}\n'  # MIC301 at 2:1
    '{"operation":"UPSERT",}\n'  # MIC101 at 3:22
)
WARNING_ONLY = '{"operation":"DELETE","user_account_id":"w"}\n'  # MIC304 (a warning) at 1:23
# The same user twice in one file: MIC501 (a warning) at 2:1. Several such files are more than
# pre-commit puts in one batch (at least 4 files each), so they run in parallel processes.
DUPLICATE = '{"operation":"DELETE","user_agent_id":"vec:1"}\n' * 2
BATCHED = [f"batch/dup_{i}.ndjson" for i in range(9)]
# Records joined by commas (MIC101, whose fix is safe), and an error no fix touches (MIC301).
FIXABLE = (
    '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"},\n'
    '{"operation":"DELETE"}\n'
)

SETUP_TIMEOUT = 900  # the first run clones, builds a virtualenv and pip-installs
RUN_TIMEOUT = 300


def _env(home: Path) -> dict[str, str]:
    """The environment of every git and pre-commit process of these tests.

    Git variables of an enclosing git hook (GIT_DIR, GIT_INDEX_FILE...) would redirect the
    throwaway repositories' commands to the real one; the GitHub Actions variables would make
    `--output-format auto` print annotations and append to the real job summary.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT", "GITHUB_"))
        and k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")
    }
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
    )
    return env


def _git(args: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def _new_repo(path: Path, env: dict[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _git(["init", "--quiet", "--initial-branch=main"], path, env)
    _git(["config", "user.name", "mics-lint tests"], path, env)
    _git(["config", "user.email", "mics-lint-tests@example.invalid"], path, env)
    _git(["config", "commit.gpgsign", "false"], path, env)


def _snapshot_checkout(dest: Path, env: dict[str, str]) -> str:
    """Commit the checkout's working tree into a new repository at `dest`; return the commit."""
    listed = _git(
        ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], ROOT, env
    ).split("\0")
    _new_repo(dest, env)
    copied = 0
    for name in filter(None, listed):
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree, or a submodule
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    assert (dest / ".pre-commit-hooks.yaml").is_file(), "the checkout has no hook manifest"
    assert copied > 0
    _git(["add", "--all"], dest, env)
    _git(["commit", "--quiet", "--no-verify", "-m", "snapshot of the working tree"], dest, env)
    return _git(["rev-parse", "HEAD"], dest, env).strip()


@dataclass
class UserRepo:
    path: Path
    env: dict[str, str]

    def run(self, *files: str, config: str = ".pre-commit-config.yaml") -> tuple[int, str]:
        """`pre-commit run --files FILES`: its exit code and its combined output."""
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pre_commit",
                "run",
                "--config",
                config,
                "--color",
                "never",
                "--files",
                *files,
            ],
            cwd=self.path,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        output = done.stdout.decode("utf-8", "replace")
        assert "Traceback" not in output, output
        return done.returncode, output


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory: pytest.TempPathFactory) -> UserRepo:
    if shutil.which("git") is None:
        pytest.fail("git is required by pre-commit and by this test")
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "pre-commit-home")
    rev = _snapshot_checkout(base / "mics-lint", env)

    user = base / "user"
    _new_repo(user, env)
    (user / "valid.ndjson").write_text(VALID, encoding="utf-8")
    (user / "invalid.ndjson").write_text(INVALID, encoding="utf-8")
    (user / "warnings.ndjson").write_text(WARNING_ONLY, encoding="utf-8")
    (user / "exports").mkdir()
    (user / "exports" / "invalid.jsonl.gz").write_bytes(gzip.compress(INVALID.encode()))
    (user / "notes.json").write_text(INVALID, encoding="utf-8")  # not an import file
    (user / "batch").mkdir()
    for name in BATCHED:
        (user / name).write_text(DUPLICATE, encoding="utf-8")
    for name in ("fixable_hint.ndjson", "fixable_fix.ndjson"):
        (user / name).write_text(FIXABLE, encoding="utf-8")
    (user / "mics-lint.toml").write_text("", encoding="utf-8")  # no config above leaks in
    (user / "fixtures").mkdir()  # bad on purpose: the excludes of excluding.toml leave it out
    (user / "fixtures" / "bad.ndjson").write_text(INVALID, encoding="utf-8")
    (user / "excluding.toml").write_text('exclude = ["fixtures"]\n', encoding="utf-8")
    hook_repo = (base / "mics-lint").as_posix()
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: mics-lint\n",
        encoding="utf-8",
    )
    (user / "strict.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: mics-lint\n        args: [--strict]\n",
        encoding="utf-8",
    )
    (user / "exclude.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: mics-lint\n        args: [--config, excluding.toml]\n",
        encoding="utf-8",
    )
    (user / "fix.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: mics-lint-fix\n",
        encoding="utf-8",
    )
    _git(["add", "--all"], user, env)
    _git(["commit", "--quiet", "--no-verify", "-m", "import files"], user, env)

    repo = UserRepo(user, env)
    # Build the hook's environment once, with a generous timeout; the tests reuse it.
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install-hooks", "--color", "never"],
        cwd=user,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=SETUP_TIMEOUT,
        check=False,
    )
    log = base / "pre-commit-home" / "pre-commit.log"
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace") + (
        log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    )
    return repo


def test_hook_passes_on_a_valid_file(user_repo: UserRepo) -> None:
    code, output = user_repo.run("valid.ndjson")
    assert code == 0, output
    assert "mics-lint" in output and "Passed" in output, output
    assert "MIC" not in output


def test_hook_fails_on_an_invalid_file_naming_file_line_and_code(user_repo: UserRepo) -> None:
    code, output = user_repo.run("invalid.ndjson")
    assert code == 1, output
    assert "Failed" in output, output
    assert "- exit code: 1" in output, output
    assert "invalid.ndjson:2:1: MIC301 [error] " in output, output
    assert "invalid.ndjson:3:22: MIC101 [error] " in output, output


def test_hook_on_both_files_reports_only_the_invalid_one(user_repo: UserRepo) -> None:
    code, output = user_repo.run("valid.ndjson", "invalid.ndjson")
    assert code == 1, output
    assert "invalid.ndjson:2:1: MIC301 [error] " in output, output
    assert "valid.ndjson:" not in output.replace("invalid.ndjson:", ""), output


def test_hook_reads_gzipped_files_in_subfolders(user_repo: UserRepo) -> None:
    code, output = user_repo.run("exports/invalid.jsonl.gz")
    assert code == 1, output
    assert "exports/invalid.jsonl.gz:2:1: MIC301 [error] " in output, output


def test_hook_skips_files_its_pattern_does_not_match(user_repo: UserRepo) -> None:
    code, output = user_repo.run("notes.json")
    assert code == 0, output
    assert "(no files to check)" in output and "Skipped" in output, output


def test_the_configs_excludes_leave_out_staged_files(user_repo: UserRepo) -> None:
    # pre-commit names each staged file; the hook's --force-exclude applies the config's
    # `exclude` to them, as a folder search would (as ruff's hook does).
    code, output = user_repo.run("fixtures/bad.ndjson", "valid.ndjson")
    assert code == 1 and "fixtures/bad.ndjson:2:1: MIC301" in output, output
    code, output = user_repo.run("fixtures/bad.ndjson", "valid.ndjson", config="exclude.yaml")
    assert code == 0, output
    code, output = user_repo.run("fixtures/bad.ndjson", "invalid.ndjson", config="exclude.yaml")
    assert code == 1 and "invalid.ndjson:2:1: MIC301" in output, output
    assert "fixtures/" not in output, output


def test_warnings_pass_unless_strict(user_repo: UserRepo) -> None:
    code, output = user_repo.run("warnings.ndjson")
    assert code == 0, output  # pre-commit hides a passing hook's output
    code, output = user_repo.run("warnings.ndjson", config="strict.yaml")
    assert code == 1, output
    assert "warnings.ndjson:1:23: MIC304 [warning] " in output, output


def test_batches_in_parallel_lose_nothing(user_repo: UserRepo) -> None:
    # No rule compares two files, so require_serial is false; split into batches, every file
    # still gets its own (within-file) MIC501, and no file gets one for another file's user.
    code, output = user_repo.run(*BATCHED, config="strict.yaml")
    assert code == 1, output
    for name in BATCHED:
        assert f"{name}:2:1: MIC501 [warning] " in output, output
    assert output.count("MIC501") == len(BATCHED), output


def test_fix_hint_goes_through_pre_commit_and_the_fix_hook_fixes(user_repo: UserRepo) -> None:
    # A hook-only user has no mics-lint on PATH: the hint names the pre-commit ways.
    code, output = user_repo.run("fixable_hint.ndjson")
    assert code == 1, output
    assert "fixable_hint.ndjson:1:69: MIC101 [error] [*] " in output, output
    assert "mics-lint check --fix" not in output, output
    assert "pre-commit run mics-lint-fix --all-files" in output, output
    assert "args: [--fix]" in output, output
    # ... and the hook it names fixes the file, then reports what is left.
    code, output = user_repo.run("fixable_fix.ndjson", config="fix.yaml")
    assert code == 1, output
    assert "Fixed 1 problem in 1 file." in output, output
    assert "fixable_fix.ndjson:2:1: MIC301 [error] " in output, output
    fixed = (user_repo.path / "fixable_fix.ndjson").read_text(encoding="utf-8")
    assert fixed == FIXABLE.replace("},\n", "}\n")
