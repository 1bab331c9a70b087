"""`exclude`, `extend-exclude` and `force-exclude`: what a folder search leaves out, and
what a path named on the command line (pre-commit's staged files) does, as in ruff."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import installed_command, one_error_line, run_cli, run_installed, write

from mics_lint.cli import cli

GOOD = '{"operation":"DELETE","user_agent_id":"vec:1"}'
BAD = "not json"  # MIC101


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose bad files are all in places a config would leave out."""
    root = tmp_path / "project"
    write(root / "exports" / "2026" / "good.ndjson", GOOD)
    write(root / "tests" / "fixtures" / "bad" / "b.ndjson", BAD)
    write(root / "legacy" / "old.ndjson", BAD)
    write(root / "legacy" / "keep.jsonl", GOOD)
    write(root / "scratch.ndjson", BAD)
    return root


def _config(root: Path, body: str) -> None:
    (root / "mics-lint.toml").write_text(body, encoding="utf-8")


def _files(out: str) -> set[str]:
    return {line.split(":", 1)[0].removeprefix("./") for line in out.splitlines() if ":1:" in line}


ALL_BAD = {"tests/fixtures/bad/b.ndjson", "legacy/old.ndjson", "scratch.ndjson"}


def test_without_excludes_every_bad_file_is_found(project: Path) -> None:
    _config(project, "")
    code, out, _ = run_cli(["check"], project)
    assert code == 1 and _files(out) == ALL_BAD


@pytest.mark.parametrize(
    ("globs", "left"),
    [
        # a folder's name anywhere, or its path from the config's folder; a trailing / too
        ('["fixtures"]', {"legacy/old.ndjson", "scratch.ndjson"}),
        ('["tests/fixtures/"]', {"legacy/old.ndjson", "scratch.ndjson"}),
        ('["./tests"]', {"legacy/old.ndjson", "scratch.ndjson"}),
        # files by glob, by path or by name; ** may stand for no folder
        ('["legacy/*.ndjson"]', {"tests/fixtures/bad/b.ndjson", "scratch.ndjson"}),
        ('["scratch.ndjson", "**/bad/*"]', {"legacy/old.ndjson"}),
        ('["fixtures", "legacy", "scratch.*"]', set()),
    ],
)
def test_a_search_leaves_out_what_exclude_matches(
    project: Path, globs: str, left: set[str]
) -> None:
    _config(project, f"exclude = {globs}\n")
    code, out, err = run_cli(["check"], project)
    assert _files(out) == left, out
    assert code == (1 if left else 0), out + err
    assert "legacy/keep.jsonl" not in out  # a good file is still checked: no line for it


def test_globs_are_relative_to_the_config_not_the_working_folder(project: Path) -> None:
    _config(project, 'exclude = ["tests/fixtures"]\n')
    code, out, _ = run_cli(["check", "."], project / "tests")
    assert code == 0 and out.startswith("No import files to check"), out
    code, out, _ = run_cli(["check", "tests"], project)
    assert code == 0, out


def test_a_named_path_is_checked_unless_force_exclude(project: Path) -> None:
    _config(project, 'exclude = ["fixtures", "scratch.ndjson"]\n')
    named = ["tests/fixtures/bad/b.ndjson", "scratch.ndjson", "exports/2026/good.ndjson"]
    code, out, _ = run_cli(["check", *named], project)
    assert code == 1 and _files(out) == {"tests/fixtures/bad/b.ndjson", "scratch.ndjson"}
    code, out, _ = run_cli(["check", "--force-exclude", *named], project)
    assert code == 0 and "Checked as USER_DELETION" not in out and _files(out) == set(), out
    # A folder named is searched, its excluded parts left out; named and excluded, skipped.
    code, out, _ = run_cli(["check", "tests/fixtures/bad"], project)
    assert code == 1 and _files(out) == {"tests/fixtures/bad/b.ndjson"}
    code, out, _ = run_cli(["check", "--force-exclude", "tests/fixtures/bad"], project)
    assert code == 0 and _files(out) == set()


def test_force_exclude_from_the_config_and_its_negation(project: Path) -> None:
    _config(project, 'exclude = ["legacy"]\nforce-exclude = true\n')
    code, out, _ = run_cli(["check", "legacy/old.ndjson"], project)
    assert code == 0, out
    code, out, _ = run_cli(["check", "--no-force-exclude", "legacy/old.ndjson"], project)
    assert code == 1 and _files(out) == {"legacy/old.ndjson"}


def test_exclude_option_replaces_extend_exclude_adds(project: Path) -> None:
    _config(project, 'exclude = ["fixtures"]\nextend-exclude = ["scratch.ndjson"]\n')
    code, out, _ = run_cli(["check"], project)
    assert _files(out) == {"legacy/old.ndjson"}
    # --exclude replaces the config's exclude (not its extend-exclude), comma-separated
    code, out, _ = run_cli(["check", "--exclude", "legacy"], project)
    assert _files(out) == {"tests/fixtures/bad/b.ndjson"}
    code, out, _ = run_cli(["check", "--extend-exclude", "legacy,other"], project)
    assert code == 0 and _files(out) == set(), out


def test_standard_input_is_left_out_by_its_name_only_under_force(project: Path) -> None:
    _config(project, 'exclude = ["scratch.ndjson"]\n')
    args = ["check", "--stdin-filename", "scratch.ndjson", "-"]
    with contextlib.chdir(project):
        result = CliRunner().invoke(cli, args, input=BAD + "\n")
        assert result.exit_code == 1 and "scratch.ndjson:1:1: MIC101" in result.stdout
        result = CliRunner().invoke(cli, ["check", "--force-exclude", *args[1:]], input=BAD)
        assert result.exit_code == 0 and result.stdout.startswith("No import files to check")


def test_a_folder_whose_files_are_all_excluded_says_so(project: Path) -> None:
    _config(project, 'exclude = ["bad"]\n')
    code, _, err = run_cli(["check", "tests"], project)
    assert code == 0
    assert "no import files in tests" in err and "left out 1 import file in it" in err, err


def test_a_path_outside_the_project_matches_by_its_own_folders(
    project: Path, tmp_path: Path
) -> None:
    outside = write(tmp_path / "elsewhere" / "fixtures" / "x.ndjson", BAD)
    _config(project, 'exclude = ["fixtures"]\n')
    code, out, _ = run_cli(["check", "--force-exclude", str(outside)], project)
    assert code == 0, out
    code, out, _ = run_cli(["check", str(outside.parent.parent)], project)
    assert code == 0 and "x.ndjson" not in out, out


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ('exclude = "fixtures"\n', ("exclude must be a list of globs",)),
        ('exclude = ["["]\n', ("exclude", "unclosed character class")),
        ("extend-exclude = [1]\n", ("extend-exclude must be a list of globs",)),
        ('exclude = [" "]\n', ("exclude", "names no file or folder")),
        ("force-exclude = 1\n", ("force-exclude must be true or false",)),
        ('exclued = ["x"]\n', ("unknown key 'exclued'", "exclude")),
    ],
)
def test_a_bad_exclude_is_one_line_and_exit_2(
    project: Path, body: str, needles: tuple[str]
) -> None:
    _config(project, body)
    code, _, err = run_cli(["check"], project)
    assert code == 2
    one_error_line(err, "mics-lint.toml", *needles)


def test_a_bad_exclude_option_is_one_line_and_exit_2(project: Path) -> None:
    code, _, err = run_cli(["check", "--isolated", "--exclude", "a[b"], project)
    assert code == 2
    one_error_line(err, "--exclude", "unclosed character class")


def test_without_a_config_globs_are_relative_to_the_working_folder(project: Path) -> None:
    code, out, _ = run_cli(["check", "--isolated", "--exclude", "tests/fixtures,legacy"], project)
    assert code == 1 and _files(out) == {"scratch.ndjson"}


@pytest.mark.skipif(installed_command() is None, reason="the mics-lint script is not installed")
def test_the_installed_command_leaves_out_what_pyproject_excludes(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.mics-lint]\nexclude = ["fixtures", "legacy/old.ndjson", "scratch.ndjson"]\n',
        encoding="utf-8",
    )
    done = run_installed(["check"], project)
    assert done.code == 0, done.out + done.err
    assert done.out == "All checks passed. Checked 2 files as USER_PROFILE.\n", done.out
    done = run_installed(["check", "--force-exclude", "legacy/old.ndjson"], project)
    assert done.code == 0 and done.out.startswith("No import files to check"), done.out


def test_show_files_lists_what_a_check_reads(project: Path) -> None:
    _config(project, 'exclude = ["fixtures", "scratch.ndjson"]\n')
    code, out, _ = run_cli(["check", "--show-files"], project)
    assert code == 0
    assert out.splitlines() == [
        "./exports/2026/good.ndjson",
        "./legacy/keep.jsonl",
        "./legacy/old.ndjson",
    ]
    code, out, _ = run_cli(["check", "--show-files", "scratch.ndjson"], project)
    assert code == 0 and out == "scratch.ndjson\n"
    code, out, _ = run_cli(["check", "--show-files", "--force-exclude", "scratch.ndjson"], project)
    assert code == 0 and out == ""
    code, out, err = run_cli(["check", "--show-files", "legacy/old.ndjson", "gone.ndjson"], project)
    assert code == 2 and out == "legacy/old.ndjson\n" and "gone.ndjson" in err


def test_fixed_standard_input_left_out_comes_back_as_it_came(project: Path) -> None:
    # An editor's `--fix -` replaces its buffer with standard output: never with a summary.
    _config(project, 'exclude = ["fixtures"]\nforce-exclude = true\n')
    text = '{"operation":"DELETE"},\n'
    args = ["check", "--fix", "-", "--stdin-filename", "tests/fixtures/x.ndjson"]
    with contextlib.chdir(project):
        result = CliRunner().invoke(cli, args, input=text)
    assert result.exit_code == 0
    assert result.stdout == text, result.stdout
    assert "No import files to check" in result.stderr


def test_a_folder_searched_twice_is_no_warning(project: Path) -> None:
    for extra in ([], ["--exclude", "zzz"]):
        code, _, err = run_cli(["check", "--isolated", *extra, ".", "exports"], project)
        assert code == 1 and "warning" not in err, err


def test_a_file_is_left_out_whatever_folder_was_searched(project: Path) -> None:
    write(project / "legacy" / "sub" / "s.ndjson", BAD)
    _config(project, 'exclude = ["legacy/sub/*.ndjson", "*/fixtures"]\n')
    for searched in (".", "legacy", "legacy/sub", str(project)):
        _, out, _ = run_cli(["check", "--show-files", searched], project)
        assert "s.ndjson" not in out, (searched, out)
    # `*/fixtures` is a path from the config's folder: tests/fixtures, not ./fixtures.
    write(project / "fixtures" / "top.ndjson", GOOD)
    _, out, _ = run_cli(["check", "--show-files", "."], project)
    assert "./fixtures/top.ndjson" in out.splitlines() and "bad/b.ndjson" not in out


@pytest.mark.parametrize("glob", ["./fixtures", "fixtures/", "/fixtures"])
def test_a_glob_with_a_slash_is_a_path_from_its_folder(project: Path, glob: str) -> None:
    write(project / "fixtures" / "top.ndjson", BAD)
    if glob.startswith("/"):
        glob = str(project) + glob  # an absolute glob: the absolute path
    _config(project, f"exclude = [{glob!r}]\n".replace("'", '"'))
    _, out, _ = run_cli(["check", "--show-files"], project)
    listed = out.splitlines()
    assert "./fixtures/top.ndjson" not in listed  # the project's own fixtures/ folder
    assert "./tests/fixtures/bad/b.ndjson" in listed  # not a folder of that name anywhere


def test_command_line_globs_are_relative_to_the_working_folder(project: Path) -> None:
    write(project / "exports" / "sub" / "x.ndjson", GOOD)
    _config(project, "")
    _, out, _ = run_cli(["check", "--show-files", "--exclude", "sub/*"], project / "exports")
    assert out.splitlines() == ["./2026/good.ndjson"], out
    _config(project, 'exclude = ["sub/*"]\n')  # the config's: from its own folder
    _, out, _ = run_cli(["check", "--show-files"], project / "exports")
    assert "./sub/x.ndjson" in out.splitlines(), out


def test_a_link_is_matched_by_its_own_path(project: Path) -> None:
    bad = project / "tests" / "fixtures" / "bad"
    (project / "exports" / "link.ndjson").symlink_to(bad / "b.ndjson")
    (project / "exports" / "linked").symlink_to(bad)
    _config(project, 'exclude = ["tests/fixtures"]\nforce-exclude = true\n')
    _, out, _ = run_cli(["check", "--show-files", "exports"], project)
    assert "exports/link.ndjson" in out.splitlines(), out  # a link to a file left out: kept
    _, out, _ = run_cli(["check", "--show-files", "exports/linked/b.ndjson"], project)
    assert out == "exports/linked/b.ndjson\n"  # in a link to a folder left out: kept


def test_show_files_and_show_settings_are_one_or_the_other(project: Path) -> None:
    code, out, err = run_cli(["check", "--isolated", "--show-files", "--show-settings"], project)
    assert code == 2 and out == ""
    one_error_line(err, "--show-files", "--show-settings")


def test_force_exclude_asks_the_folders_up_to_the_configs_whatever_the_globs(
    project: Path,
) -> None:
    # `--exclude` replaces the config's globs with the current folder's: the folders above a
    # named path are still asked up to the config's folder (a review's case).
    write(project / "legacy" / "sub" / "s.ndjson", BAD)
    _config(project, 'exclude = ["nothing-here"]\n')
    here = project / "legacy"
    for option in ("--exclude", "--extend-exclude"):
        args = ["check", "--show-files", "--force-exclude", option, "legacy", "sub/s.ndjson"]
        code, out, _ = run_cli(args, here)
        assert code == 0 and out == "", (option, out)


def test_installed_packages_are_left_out_by_default(project: Path) -> None:
    # A venv or node_modules at the project's root ships its packages' data (.jsonl test
    # files); ruff's default `exclude` leaves them out, and so does ours, until replaced.
    write(project / "venv" / "lib" / "site-packages" / "pkg" / "data.jsonl", BAD)
    write(project / "node_modules" / "pkg" / "t.ndjson", BAD)
    write(project / "env" / "lib" / "python3.11" / "site-packages" / "p" / "x.ndjson", BAD)
    _config(project, "")
    _, out, _ = run_cli(["check", "--show-files"], project)
    assert not any(p in out for p in ("venv/", "node_modules/", "site-packages/")), out
    _, kept, _ = run_cli(["check", "--show-files", "--extend-exclude", "scratch.ndjson"], project)
    assert not any(p in kept for p in ("venv/", "node_modules/", "site-packages/")), kept
    for replaced in (["--exclude", ""], ["--exclude", "fixtures"]):
        _, out, _ = run_cli(["check", "--show-files", *replaced], project)
        assert "./venv/lib/site-packages/pkg/data.jsonl" in out.splitlines(), out
        assert "./node_modules/pkg/t.ndjson" in out.splitlines(), out
    _config(project, "exclude = []\n")
    _, out, _ = run_cli(["check", "--show-files"], project)
    assert "./node_modules/pkg/t.ndjson" in out.splitlines(), out
