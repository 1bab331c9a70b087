"""`--exit-non-zero-on-fix`, as ruff's: with --fix, exit 1 when a file was changed, even
when the fixed file has nothing left to report."""

from __future__ import annotations

from pathlib import Path

from helpers import installed_command, one_error_line, run_cli, run_installed, write

FIXABLE = '{"operation":"DELETE","user_agent_id":"vec:1"},'  # MIC101 [*]: the comma
CLEAN = '{"operation":"DELETE","user_agent_id":"vec:2"}'


def test_a_fixed_file_exits_1_only_with_the_option(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", FIXABLE)
    code, out, _ = run_cli(["check", "--isolated", "--fix", "a.ndjson"], tmp_path)
    assert code == 0 and path.read_text() == FIXABLE[:-1] + "\n", out
    write(path, FIXABLE)
    args = ["check", "--isolated", "--fix", "--exit-non-zero-on-fix", "a.ndjson"]
    code, out, _ = run_cli(args, tmp_path)
    assert code == 1 and path.read_text() == FIXABLE[:-1] + "\n", out
    # Nothing left to fix: 0 again; --exit-zero wins, as in ruff.
    assert run_cli(args, tmp_path)[0] == 0
    write(path, FIXABLE)
    assert run_cli([*args, "--exit-zero"], tmp_path)[0] == 0


def test_an_unchanged_file_exits_as_its_check_does(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", CLEAN)
    write(tmp_path / "b.ndjson", '{"operation":"DELETE"}')  # MIC301: no fix
    args = ["check", "--isolated", "--fix", "--exit-non-zero-on-fix"]
    assert run_cli([*args, "a.ndjson"], tmp_path)[0] == 0
    assert run_cli([*args, "b.ndjson"], tmp_path)[0] == 1


def test_without_fix_it_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", CLEAN)
    code, _, err = run_cli(["check", "--isolated", "--exit-non-zero-on-fix", "a.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, "--exit-non-zero-on-fix", "--fix")


def test_the_installed_command(tmp_path: Path) -> None:
    if installed_command() is None:  # pragma: no cover - the package is installed in CI
        return
    path = write(tmp_path / "a.ndjson", FIXABLE)
    done = run_installed(
        ["check", "--isolated", "--fix", "--exit-non-zero-on-fix", "-"],
        tmp_path,
        input=path.read_bytes(),
    )
    assert done.code == 1 and done.out.startswith(FIXABLE[:-1] + "\n"), done.out
