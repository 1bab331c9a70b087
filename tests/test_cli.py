"""The `mics-lint` command through click's CliRunner: exit codes, formats, options, discovery.

Every input file is written here, in a temporary folder that is also the working directory.
That folder holds an empty `mics-lint.toml`, so no config file above it can leak in.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import mics_lint
from mics_lint.cli import cli
from mics_lint.rules import REGISTRY

# One command per situation; the comment says what each gives on its own.
CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}'
CLEAN_B = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"b"}'
NO_ID = '{"operation":"DELETE"}'  # MIC301 error at column 1
TWO_IDS = '{"operation":"DELETE","email_hash":"3f2a9c","user_agent_id":"vec:123"}'  # MIC302 at 45
WARN = '{"operation":"DELETE","user_account_id":"w"}'  # MIC304 warning at column 23
WARN_B = '{"operation":"DELETE","user_account_id":"v"}'  # MIC304 warning at column 23
BAD_OP = '{"operation":"upsert","email_hash":"abc"}'  # MIC203 at column 2
UPSERT_BARE = '{"operation":"UPSERT","email_hash":"abd"}'  # MIC401 and MIC402 at column 1

LINE_RE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>MIC\d{3}) (?P<msg>\S.*)$"
)
DOCUMENTED_KEYS = {
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "code",
    "name",
    "severity",
    "message",
}


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory, cut off from any config file above it."""
    (tmp_path / "mics-lint.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def write(path: Path | str, *lines: str) -> Path:
    """Write NDJSON lines, each ending with a newline."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return target


def write_gz(path: Path | str, *lines: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress("".join(line + "\n" for line in lines).encode("utf-8")))
    return target


def run(
    args: Sequence[str],
    *,
    input: bytes | str | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    result = CliRunner().invoke(cli, list(args), input=input, env=env)
    # Anything but a clean exit would be a traceback for a real user.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result


def check(
    *args: str,
    input: bytes | str | None = None,
    env: dict[str, str | None] | None = None,
) -> Result:
    return run(["check", *args], input=input, env=env)


def diagnostics(stdout: str) -> list[tuple[str, int, int, str]]:
    """(path, line, column, code) of each diagnostic line of text output."""
    found = []
    for line in stdout.splitlines():
        match = LINE_RE.match(line)
        if match:
            found.append((match["path"], int(match["line"]), int(match["col"]), match["code"]))
    return found


def summary_line(stdout: str) -> str:
    """The summary: the last line but the fix hint that may follow it."""
    return [line for line in stdout.splitlines() if "can be fixed" not in line][-1]


def assert_one_error_line(result: Result, *needles: str) -> str:
    """stderr is exactly one `mics-lint: error: ...` line, naming each needle (and not an
    internal error: a usage error says what to change)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {result.stderr!r}"
    assert lines[0].startswith("mics-lint: error:"), lines[0]
    assert "internal error" not in lines[0], lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Usage:" not in result.stderr
    assert "Usage:" not in result.stdout
    return lines[0]


# -- exit codes -------------------------------------------------------------------------------


def test_clean_file_exits_0_and_says_all_checks_passed(project: Path) -> None:
    write("clean.ndjson", CLEAN, CLEAN_B)
    result = check("clean.ndjson")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed. Checked as USER_PROFILE.\n"
    assert result.stderr == ""


def test_errors_exit_1(project: Path) -> None:
    write("err.ndjson", NO_ID)
    result = check("err.ndjson")
    assert result.exit_code == 1
    assert diagnostics(result.stdout) == [("err.ndjson", 1, 1, "MIC301")]
    assert result.stderr == ""


def test_warnings_only_exit_0(project: Path) -> None:
    write("warn.ndjson", WARN)
    result = check("warn.ndjson")
    assert result.exit_code == 0
    assert diagnostics(result.stdout) == [("warn.ndjson", 1, 23, "MIC304")]
    assert summary_line(result.stdout) == "Found 1 warning in 1 file. Checked as USER_PROFILE."


def test_strict_with_warnings_exits_1(project: Path) -> None:
    write("warn.ndjson", WARN)
    result = check("--strict", "warn.ndjson")
    assert result.exit_code == 1
    assert diagnostics(result.stdout) == [("warn.ndjson", 1, 23, "MIC304")]


def test_strict_on_a_clean_file_exits_0(project: Path) -> None:
    write("clean.ndjson", CLEAN)
    assert check("--strict", "clean.ndjson").exit_code == 0


def test_exit_zero_with_errors_exits_0_and_still_reports(project: Path) -> None:
    write("err.ndjson", NO_ID, TWO_IDS)
    result = check("--exit-zero", "err.ndjson")
    assert result.exit_code == 0
    assert [d[3] for d in diagnostics(result.stdout)] == ["MIC301", "MIC302"]
    assert summary_line(result.stdout) == "Found 2 errors in 1 file. Checked as USER_PROFILE."


def test_exit_zero_with_strict_and_warnings_exits_0(project: Path) -> None:
    write("warn.ndjson", WARN)
    assert check("--exit-zero", "--strict", "warn.ndjson").exit_code == 0


def test_exit_zero_still_exits_2_on_a_missing_file(project: Path) -> None:
    write("err.ndjson", NO_ID)
    result = check("--exit-zero", "err.ndjson", "missing.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "missing.ndjson")


def test_missing_file_one_error_line_exit_2_and_other_files_reported(project: Path) -> None:
    write("a.ndjson", NO_ID)
    write("z.ndjson", TWO_IDS)
    result = check("a.ndjson", "nope.ndjson", "z.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "nope.ndjson")
    assert diagnostics(result.stdout) == [
        ("a.ndjson", 1, 1, "MIC301"),
        ("z.ndjson", 1, 45, "MIC302"),
    ]
    assert "nope.ndjson" not in result.stdout


def test_missing_file_next_to_a_clean_file_exits_2(project: Path) -> None:
    write("clean.ndjson", CLEAN)
    result = check("missing.ndjson", "clean.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "missing.ndjson")


def test_two_missing_files_give_one_line_each(project: Path) -> None:
    result = check("one.ndjson", "two.ndjson")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("mics-lint: error:") for line in lines)
    assert "one.ndjson" in lines[0] and "two.ndjson" in lines[1]


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_unreadable_file_exits_2_with_one_line(project: Path) -> None:
    write("secret.ndjson", NO_ID).chmod(0)
    write("other.ndjson", NO_ID)
    result = check("secret.ndjson", "other.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "secret.ndjson")
    assert diagnostics(result.stdout) == [("other.ndjson", 1, 1, "MIC301")]


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--bogus", "x.ndjson"],
        ["--bogus"],
        ["chek", "x.ndjson"],
        ["check", "--output-format", "xml", "x.ndjson"],
        ["check", "--color", "purple", "x.ndjson"],
        ["check", "--select"],
        ["rule"],
        ["rules", "--bogus"],
        # Past what a read's length or a pool may be: an internal error (OverflowError).
        ["check", "--max-line-bytes", "99999999999999999999999999999", "x.ndjson"],
        ["check", "--max-file-size", "9000000000GiB", "x.ndjson"],
        ["check", "--jobs", "99999999999999999999999", "x.ndjson"],
        ["check", "--chunk-size", "99999999999999999999999", "x.ndjson"],
    ],
    ids=[
        "unknown-check-option",
        "unknown-top-option",
        "unknown-command",
        "bad-choice",
        "bad-color",
        "missing-option-value",
        "missing-argument",
        "unknown-rules-option",
        "huge-max-line-bytes",
        "huge-max-file-size",
        "huge-jobs",
        "huge-chunk-size",
    ],
)
def test_bad_usage_is_one_line_on_stderr_exit_2_without_usage_dump(
    project: Path, args: list[str]
) -> None:
    result = run(args)
    assert result.exit_code == 2
    assert_one_error_line(result)
    assert result.stdout == ""


def test_stdin_filename_alone_checks_standard_input(project: Path) -> None:
    # It printed "No import files to check." (or checked the folder), as if not given.
    line = '{"operation":"DELETE","email_hash":"a"},\n'
    result = check("--stdin-filename", "in.ndjson", input=line)
    assert result.exit_code == 1
    assert result.stdout.startswith("in.ndjson:1:")
    result = check("--stdin-filename", "in.ndjson", "x.ndjson", input=line)
    assert result.exit_code == 2
    assert_one_error_line(result, "--stdin-filename", "add -")


def test_output_file_dash_is_standard_output(project: Path) -> None:
    # `-o -` wrote a file named "-"; `--report json:-` too.
    result = check("-o", "-", "--output-format", "json", "x.ndjson")
    assert result.stdout.startswith("[")
    assert not (project / "-").exists()
    result = check("--report", "json:-", "x.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "--report", "--output-format json")
    assert not (project / "-").exists()


@pytest.mark.parametrize("fmt", ["sarif", "junit", "gitlab", "jsonl", "rdjsonl", "azure"])
def test_statistics_in_a_format_it_has_no_form_in_is_a_usage_error(project: Path, fmt: str) -> None:
    # A SARIF or JUnit consumer got a JSON array of counts it cannot read.
    write("a.ndjson", '{"operation":"DELETE","email_hash":"a"},')
    result = check("--statistics", "--output-format", fmt, "a.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "--statistics", fmt)
    assert result.stdout == ""


def test_a_folder_that_cannot_be_read_is_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was also "warning: no import files in it", said first. Root reads any folder: the
    # walk's own error is played here.
    (project / "locked").mkdir()

    def walk(top: str, onerror: Any = None, **_: Any) -> Any:
        onerror(PermissionError(13, "Permission denied", top))
        return iter(())

    monkeypatch.setattr(os, "walk", walk)
    result = check("locked")
    assert result.exit_code == 2
    assert_one_error_line(result, "cannot read locked: Permission denied")


def test_a_path_that_is_not_there_says_why(project: Path) -> None:
    # Every such path was "no such file or directory".
    write("a.ndjson", NO_ID)
    for path, why in (("a.ndjson/", "not a directory"), ("b" * 300, "file name too long")):
        result = check(path)
        assert result.exit_code == 2
        assert_one_error_line(result, why)


def test_isolated_and_config_contradict(project: Path) -> None:
    # The config was read, though --isolated says none is.
    (project / "ig.toml").write_text('ignore = ["MIC101"]\n')
    result = check("--isolated", "--config", "ig.toml", "x.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "--config and --isolated")


def test_unknown_option_is_named(project: Path) -> None:
    result = check("--bogus", "x.ndjson")
    assert_one_error_line(result, "--bogus")


def test_no_arguments_is_not_an_error_line_with_a_usage_dump(project: Path) -> None:
    """`mics-lint` alone: help (exit 0) or one clear line (exit 2), never a multi-line error."""
    result = run([])
    assert result.exit_code in (0, 2)
    assert len(result.stderr.splitlines()) <= 1, result.stderr
    assert not result.stderr.startswith("mics-lint: error: Usage:")


# -- text output ------------------------------------------------------------------------------


def test_text_line_format(project: Path) -> None:
    write("two.ndjson", TWO_IDS)
    result = check("two.ndjson")
    first = result.stdout.splitlines()[0]
    assert first.startswith("two.ndjson:1:45: MIC302 [error] ")
    assert LINE_RE.match(first)
    assert "\n" not in LINE_RE.match(first)["msg"]  # type: ignore[index]
    assert result.stdout.endswith("\n")


def test_every_problem_of_every_line_is_reported(project: Path) -> None:
    write("multi.ndjson", NO_ID, TWO_IDS, WARN, BAD_OP, UPSERT_BARE)
    result = check("multi.ndjson")
    assert diagnostics(result.stdout) == [
        ("multi.ndjson", 1, 1, "MIC301"),
        ("multi.ndjson", 2, 45, "MIC302"),
        ("multi.ndjson", 3, 23, "MIC304"),
        ("multi.ndjson", 4, 2, "MIC203"),
        ("multi.ndjson", 5, 1, "MIC401"),
        ("multi.ndjson", 5, 1, "MIC402"),
    ]
    assert (
        summary_line(result.stdout)
        == "Found 5 errors and 1 warning in 1 file. Checked as USER_PROFILE."
    )
    # one line per diagnostic, then the summary, then the hint (MIC203's fix is unsafe)
    assert len(result.stdout.splitlines()) == 8
    assert result.stdout.splitlines()[-1].startswith("No safe fixes; 1 problem can be fixed")


@pytest.mark.parametrize(
    ("files", "sentence"),
    [
        (
            {"a.ndjson": [NO_ID, NO_ID], "b.ndjson": [NO_ID, WARN]},
            "Found 3 errors and 1 warning in 2 files. Checked 2 files as USER_PROFILE.",
        ),
        ({"a.ndjson": [NO_ID]}, "Found 1 error in 1 file. Checked as USER_PROFILE."),
        ({"a.ndjson": [NO_ID, NO_ID]}, "Found 2 errors in 1 file. Checked as USER_PROFILE."),
        ({"a.ndjson": [WARN]}, "Found 1 warning in 1 file. Checked as USER_PROFILE."),
        (
            {"a.ndjson": [WARN], "b.ndjson": [WARN_B]},
            "Found 2 warnings in 2 files. Checked 2 files as USER_PROFILE.",
        ),
        (
            {"a.ndjson": [NO_ID, WARN, WARN_B]},
            ("Found 1 error and 2 warnings in 1 file. Checked as USER_PROFILE."),
        ),
        (
            {"a.ndjson": [NO_ID], "b.ndjson": [NO_ID], "c.ndjson": [CLEAN]},
            "Found 2 errors in 2 files. Checked 3 files as USER_PROFILE.",
        ),
        (
            {"a.ndjson": [CLEAN], "b.ndjson": [CLEAN_B]},
            "All checks passed. Checked 2 files as USER_PROFILE.",
        ),
    ],
)
def test_summary_line_pluralisation(
    project: Path, files: dict[str, list[str]], sentence: str
) -> None:
    for name, lines in files.items():
        write(name, *lines)
    result = check(*files)
    assert summary_line(result.stdout) == sentence


def test_diagnostics_ordered_by_path_line_column_code_across_files(project: Path) -> None:
    write("z.ndjson", NO_ID, TWO_IDS)
    write(
        "a.ndjson",
        CLEAN,
        '{"zzz":1,"operation":"DELETE","email_hash":"a@b.com","aaa":2}',
        UPSERT_BARE,
    )
    write("m/b.ndjson", WARN)
    # no final newline, and over 10 bytes: MIC005, MIC006 and MIC301 all at 1:1
    Path("k.ndjson").write_bytes(NO_ID.encode())
    result = check("--max-file-size", "10", "z.ndjson", "m", "k.ndjson", "a.ndjson")
    found = diagnostics(result.stdout)
    in_m = os.path.join("m", "b.ndjson")
    assert found == [
        ("a.ndjson", 1, 1, "MIC006"),
        ("a.ndjson", 2, 2, "MIC204"),
        ("a.ndjson", 2, 31, "MIC305"),
        ("a.ndjson", 2, 54, "MIC204"),
        ("a.ndjson", 3, 1, "MIC401"),
        ("a.ndjson", 3, 1, "MIC402"),
        ("k.ndjson", 1, 1, "MIC005"),
        ("k.ndjson", 1, 1, "MIC006"),
        ("k.ndjson", 1, 1, "MIC301"),
        (in_m, 1, 1, "MIC006"),
        (in_m, 1, 23, "MIC304"),
        ("z.ndjson", 1, 1, "MIC006"),
        ("z.ndjson", 1, 1, "MIC301"),
        ("z.ndjson", 2, 45, "MIC302"),
    ]
    assert found == sorted(found)


def test_json_records_are_ordered_too(project: Path) -> None:
    write("b.ndjson", WARN, NO_ID)
    write("a.ndjson", TWO_IDS)
    records = json.loads(check("--output-format", "json", "b.ndjson", "a.ndjson").stdout)
    keys = [(r["path"], r["line"], r["column"], r["code"]) for r in records]
    assert keys == [
        ("a.ndjson", 1, 45, "MIC302"),
        ("b.ndjson", 1, 23, "MIC304"),
        ("b.ndjson", 2, 1, "MIC301"),
    ]


# -- what gets checked ------------------------------------------------------------------------


def test_directories_are_searched_recursively_for_import_files(project: Path) -> None:
    write("data/a.ndjson", NO_ID)
    write("data/sub/b.jsonl", NO_ID)
    write_gz("data/sub/c.ndjson.gz", NO_ID)
    write_gz("data/sub/deep/d.jsonl.gz", NO_ID)
    # not import files by name: ignored when searching a folder
    write("data/e.json", NO_ID)
    write("data/f.txt", NO_ID)
    write_gz("data/g.gz", NO_ID)
    write("data/h.ndjson.bak", NO_ID)
    write("data/ndjson", NO_ID)
    # hidden folders are skipped
    write("data/.hidden/i.ndjson", NO_ID)
    write("data/sub/.git/j.jsonl", NO_ID)
    result = check("data")
    assert result.exit_code == 1
    paths = [d[0] for d in diagnostics(result.stdout)]
    assert paths == [
        os.path.join("data", "a.ndjson"),
        os.path.join("data", "sub", "b.jsonl"),
        os.path.join("data", "sub", "c.ndjson.gz"),
        os.path.join("data", "sub", "deep", "d.jsonl.gz"),
    ]
    assert (
        summary_line(result.stdout) == "Found 4 errors in 4 files. Checked 4 files as USER_PROFILE."
    )


def test_a_directory_of_clean_files_passes(project: Path) -> None:
    write("data/a.ndjson", CLEAN)
    write("data/b/c.jsonl", CLEAN_B)
    write("data/notes.txt", "not json at all")
    result = check("data")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed. Checked 2 files as USER_PROFILE.\n"


def test_no_path_checks_the_current_directory(project: Path) -> None:
    write("sub/a.ndjson", NO_ID)
    write("readme.txt", "hello")
    result = check()
    assert result.exit_code == 1
    found = diagnostics(result.stdout)
    assert len(found) == 1
    assert Path(found[0][0]).as_posix().endswith("sub/a.ndjson")


def test_a_file_named_explicitly_is_checked_whatever_its_extension(project: Path) -> None:
    write("export.txt", NO_ID)
    result = check("export.txt")
    assert result.exit_code == 1
    assert diagnostics(result.stdout) == [("export.txt", 1, 1, "MIC301")]


def test_the_same_file_named_twice_is_checked_once(project: Path) -> None:
    write("a.ndjson", NO_ID)
    result = check("a.ndjson", "a.ndjson", os.path.join(".", "a.ndjson"))
    assert len(diagnostics(result.stdout)) == 1
    assert summary_line(result.stdout) == "Found 1 error in 1 file. Checked as USER_PROFILE."


def test_a_file_named_and_found_in_a_directory_is_checked_once(project: Path) -> None:
    write("data/a.ndjson", NO_ID)
    result = check("data", os.path.join("data", "a.ndjson"))
    assert len(diagnostics(result.stdout)) == 1
    assert summary_line(result.stdout) == "Found 1 error in 1 file. Checked as USER_PROFILE."


def test_stdin_is_read_for_dash(project: Path) -> None:
    result = check("-", input=(NO_ID + "\n" + TWO_IDS + "\n").encode())
    assert result.exit_code == 1
    assert diagnostics(result.stdout) == [("-", 1, 1, "MIC301"), ("-", 2, 45, "MIC302")]


def test_stdin_is_named_by_stdin_filename(project: Path) -> None:
    result = check("--stdin-filename", "crm.ndjson", "-", input=WARN + "\n")
    assert result.exit_code == 0
    assert diagnostics(result.stdout) == [("crm.ndjson", 1, 23, "MIC304")]


def test_stdin_clean(project: Path) -> None:
    result = check("-", input=CLEAN + "\n")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed. Checked as USER_PROFILE.\n"


def test_stdin_named_twice_is_read_once_and_sorted_among_files(project: Path) -> None:
    write("m.ndjson", NO_ID)
    result = check("--stdin-filename", "z.ndjson", "-", "m.ndjson", "-", input=WARN + "\n")
    assert diagnostics(result.stdout) == [
        ("m.ndjson", 1, 1, "MIC301"),
        ("z.ndjson", 1, 23, "MIC304"),
    ]


def test_gz_files_are_read_transparently(project: Path) -> None:
    write_gz("profiles.ndjson.gz", CLEAN, NO_ID, TWO_IDS)
    result = check("profiles.ndjson.gz")
    assert result.exit_code == 1
    assert diagnostics(result.stdout) == [
        ("profiles.ndjson.gz", 2, 1, "MIC301"),
        ("profiles.ndjson.gz", 3, 45, "MIC302"),
    ]
    assert result.stderr == ""


def test_clean_gz_file_passes(project: Path) -> None:
    write_gz("profiles.jsonl.gz", CLEAN, CLEAN_B)
    result = check("profiles.jsonl.gz")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed. Checked as USER_PROFILE.\n"


def test_truncated_gz_exits_2_with_one_error_line(project: Path) -> None:
    data = gzip.compress(("\n".join([CLEAN] * 50) + "\n").encode())
    Path("cut.ndjson.gz").write_bytes(data[: len(data) // 2])
    result = check("cut.ndjson.gz")
    assert result.exit_code == 2
    line = assert_one_error_line(result, "cut.ndjson.gz")
    assert "truncated" in line


def test_gz_that_is_not_gzip_exits_2_with_one_error_line(project: Path) -> None:
    Path("plain.ndjson.gz").write_bytes((NO_ID + "\n").encode())
    result = check("plain.ndjson.gz")
    assert result.exit_code == 2
    line = assert_one_error_line(result, "plain.ndjson.gz")
    assert "gzip" in line.lower()


def test_broken_gz_does_not_stop_other_files(project: Path) -> None:
    Path("bad.ndjson.gz").write_bytes(b"not gzip at all\n")
    write("good.ndjson", NO_ID)
    result = check("bad.ndjson.gz", "good.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "bad.ndjson.gz")
    assert diagnostics(result.stdout) == [("good.ndjson", 1, 1, "MIC301")]


# -- JSON and JSON Lines ----------------------------------------------------------------------


def test_json_output_is_exactly_one_array_of_documented_records(project: Path) -> None:
    write("multi.ndjson", NO_ID, TWO_IDS, WARN)
    result = check("--output-format", "json", "multi.ndjson")
    assert result.exit_code == 1
    assert result.stderr == ""
    records = json.loads(result.stdout)  # the whole of stdout: no summary, nothing else
    assert isinstance(records, list)
    assert len(records) == 3
    for record in records:
        assert set(record) >= DOCUMENTED_KEYS
        for key in ("line", "column", "end_line", "end_column"):
            assert type(record[key]) is int and record[key] >= 1, (key, record)
        assert record["end_line"] >= record["line"]
        assert (record["end_line"], record["end_column"]) >= (record["line"], record["column"])
        assert record["severity"] in ("error", "warning")
        assert all(isinstance(record[k], str) for k in ("path", "code", "name", "message"))
    assert records[0] == {
        **records[0],
        "path": "multi.ndjson",
        "line": 1,
        "column": 1,
        "end_line": 1,
        "code": "MIC301",
        "name": "missing-identifier",
        "severity": "error",
    }
    assert (records[1]["code"], records[1]["name"], records[1]["column"]) == (
        "MIC302",
        "multiple-identifiers",
        45,
    )
    assert (records[2]["code"], records[2]["severity"], records[2]["column"]) == (
        "MIC304",
        "warning",
        23,
    )


def test_json_output_of_a_clean_file_is_an_empty_array(project: Path) -> None:
    write("clean.ndjson", CLEAN)
    result = check("--output-format", "json", "clean.ndjson")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stdout.strip() == "[]"


def test_json_output_stays_one_array_when_a_file_is_missing(project: Path) -> None:
    write("a.ndjson", NO_ID)
    result = check("--output-format", "json", "a.ndjson", "gone.ndjson")
    assert result.exit_code == 2
    assert [r["code"] for r in json.loads(result.stdout)] == ["MIC301"]
    assert_one_error_line(result, "gone.ndjson")


def test_json_columns_count_code_points(project: Path) -> None:
    line = '{"operation":"DELETE","email_hash":"é😀ü","user_account_id":"a"}'
    write("u.ndjson", line)
    records = json.loads(check("--output-format", "json", "u.ndjson").stdout)
    mic304 = next(r for r in records if r["code"] == "MIC304")
    expected = line.index('"user_account_id"') + 1
    assert expected != line.encode().index(b'"user_account_id"') + 1  # non-ASCII before it
    assert mic304["column"] == expected
    assert mic304["end_column"] == expected + len('"user_account_id"')


def test_json_column_of_invalid_json_counts_code_points(project: Path) -> None:
    line = '{"email_hash":"é😀😀" "operation":"DELETE"}'
    write("bad.ndjson", line)
    records = json.loads(check("--output-format", "json", "bad.ndjson").stdout)
    assert [r["code"] for r in records] == ["MIC101"]
    assert records[0]["column"] == line.index('"operation"') + 1


def test_jsonl_output_is_one_record_per_line(project: Path) -> None:
    write("multi.ndjson", NO_ID, TWO_IDS)
    write("warn.ndjson", WARN)
    jsonl = check("--output-format", "jsonl", "warn.ndjson", "multi.ndjson")
    assert jsonl.exit_code == 1
    lines = jsonl.stdout.splitlines()
    assert len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert [r["code"] for r in records] == ["MIC301", "MIC302", "MIC304"]
    for record in records:
        assert set(record) >= DOCUMENTED_KEYS
    as_json = json.loads(check("--output-format", "json", "warn.ndjson", "multi.ndjson").stdout)
    assert records == as_json


def test_jsonl_output_of_a_clean_file_is_empty(project: Path) -> None:
    write("clean.ndjson", CLEAN)
    result = check("--output-format", "jsonl", "clean.ndjson")
    assert result.exit_code == 0
    assert result.stdout == ""


# -- --output-file ----------------------------------------------------------------------------


def test_output_file_gets_the_report_and_stdout_nothing(project: Path) -> None:
    write("err.ndjson", NO_ID)
    result = check("--output-format", "json", "--output-file", "report.json", "err.ndjson")
    assert result.exit_code == 1
    assert result.stdout == ""
    records = json.loads(Path("report.json").read_text(encoding="utf-8"))
    assert [r["code"] for r in records] == ["MIC301"]
    # written beside the target and renamed: no temporary file left behind
    assert sorted(p.name for p in project.iterdir()) == [
        "err.ndjson",
        "mics-lint.toml",
        "report.json",
    ]


def test_output_file_text_report_replaces_an_old_one(project: Path) -> None:
    write("err.ndjson", NO_ID)
    Path("report.txt").write_text("old report\n", encoding="utf-8")
    result = check("-o", "report.txt", "err.ndjson")
    assert result.stdout == ""
    text = Path("report.txt").read_text(encoding="utf-8")
    assert "old report" not in text
    assert diagnostics(text) == [("err.ndjson", 1, 1, "MIC301")]
    assert text.endswith("Found 1 error in 1 file. Checked as USER_PROFILE.\n")
    assert "\x1b[" not in text


def test_output_file_in_a_missing_folder_creates_it(project: Path) -> None:
    # As ruff does: a CI job names its report path before the folder exists.
    write("err.ndjson", NO_ID)
    result = check("-o", os.path.join("no", "such", "report.txt"), "err.ndjson")
    assert result.exit_code == 1
    assert "MIC301" in (project / "no" / "such" / "report.txt").read_text(encoding="utf-8")


# -- selecting rules --------------------------------------------------------------------------


@pytest.fixture
def multi(project: Path) -> str:
    write("multi.ndjson", NO_ID, TWO_IDS, WARN, BAD_OP, UPSERT_BARE)
    return "multi.ndjson"


def codes(result: Result) -> list[str]:
    return [d[3] for d in diagnostics(result.stdout)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--select", "MIC3"], ["MIC301", "MIC302", "MIC304"]),
        (["--select", "MIC30"], ["MIC301", "MIC302", "MIC304"]),
        (["--select", "MIC301,MIC304"], ["MIC301", "MIC304"]),
        (["--select", "MIC301", "--select", "MIC4"], ["MIC301", "MIC401", "MIC402"]),
        (["--select", "MIC4", "--extend-select", "MIC302"], ["MIC302", "MIC401", "MIC402"]),
        (
            ["--select", "MIC4", "--extend-select", "MIC301,MIC2"],
            ["MIC301", "MIC203", "MIC401", "MIC402"],
        ),
        (["--ignore", "MIC3"], ["MIC203", "MIC401", "MIC402"]),
        (["--ignore", "MIC302,MIC4"], ["MIC301", "MIC304", "MIC203"]),
        (["--ignore", "MIC301", "--ignore", "MIC402"], ["MIC302", "MIC304", "MIC203", "MIC401"]),
        (["--select", "MIC3", "--ignore", "MIC302"], ["MIC301", "MIC304"]),
        (
            ["--ignore", "MIC3", "--extend-select", "MIC302"],
            ["MIC302", "MIC203", "MIC401", "MIC402"],
        ),
        (["--select", "MIC302", "--ignore", "MIC302"], []),
        (["--select", "mic302"], ["MIC302"]),
    ],
)
def test_select_ignore_extend_select(multi: str, args: list[str], expected: list[str]) -> None:
    result = check(*args, multi)
    assert codes(result) == expected
    assert result.exit_code == (1 if any(c != "MIC304" for c in expected) else 0)


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_in_an_option_exits_2(multi: str, option: str) -> None:
    result = check(option, "MIC999", multi)
    assert result.exit_code == 2
    assert_one_error_line(result, option, "MIC999")
    assert result.stdout == ""


def test_severity_override_to_error_changes_the_exit_code(project: Path) -> None:
    write("warn.ndjson", WARN)
    assert check("warn.ndjson").exit_code == 0
    result = check("--severity", "MIC304=error", "warn.ndjson")
    assert result.exit_code == 1
    assert summary_line(result.stdout) == "Found 1 error in 1 file. Checked as USER_PROFILE."
    records = json.loads(
        check("--severity", "MIC304=error", "--output-format", "json", "warn.ndjson").stdout
    )
    assert [(r["code"], r["severity"]) for r in records] == [("MIC304", "error")]


def test_severity_override_to_warning_changes_the_exit_code(project: Path) -> None:
    write("two.ndjson", TWO_IDS)
    result = check("--severity", "MIC302=warning", "two.ndjson")
    assert result.exit_code == 0
    assert summary_line(result.stdout) == "Found 1 warning in 1 file. Checked as USER_PROFILE."
    assert check("--severity", "MIC302=warning", "--strict", "two.ndjson").exit_code == 1


@pytest.mark.parametrize(
    ("value", "needle"),
    [("MIC304=fatal", "fatal"), ("MIC304", "MIC304"), ("MIC999=error", "MIC999")],
)
def test_bad_severity_option_exits_2(project: Path, value: str, needle: str) -> None:
    write("warn.ndjson", WARN)
    result = check("--severity", value, "warn.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "--severity", needle)


def test_per_file_ignores_applies_to_matching_files_only(project: Path) -> None:
    write("legacy_1.ndjson", WARN, NO_ID)
    write("fresh.ndjson", WARN_B, NO_ID)
    result = check(
        "--per-file-ignores", "legacy_*.ndjson:MIC304", "legacy_1.ndjson", "fresh.ndjson"
    )
    assert diagnostics(result.stdout) == [
        ("fresh.ndjson", 1, 23, "MIC304"),
        ("fresh.ndjson", 2, 1, "MIC301"),
        ("legacy_1.ndjson", 2, 1, "MIC301"),
    ]


def test_per_file_ignores_with_a_folder_glob_and_a_code_list(project: Path) -> None:
    write("old/a.ndjson", WARN, NO_ID, TWO_IDS)
    write("new/a.ndjson", WARN, NO_ID)
    result = check("--per-file-ignores", "old/*:MIC301,MIC304", "old", "new")
    assert diagnostics(result.stdout) == [
        (os.path.join("new", "a.ndjson"), 1, 23, "MIC304"),
        (os.path.join("new", "a.ndjson"), 2, 1, "MIC301"),
        (os.path.join("old", "a.ndjson"), 3, 45, "MIC302"),
    ]


def test_per_file_ignores_with_a_prefix_can_clear_a_file(project: Path) -> None:
    write("a.ndjson", WARN, NO_ID)
    result = check("--per-file-ignores", "*.ndjson:MIC3", "a.ndjson")
    assert result.exit_code == 0
    assert result.stdout == "All checks passed. Checked as USER_PROFILE.\n"


def test_per_file_ignores_matches_the_stdin_filename(project: Path) -> None:
    result = check(
        "--stdin-filename",
        "legacy.ndjson",
        "--per-file-ignores",
        "legacy*:MIC301",
        "-",
        input=NO_ID + "\n",
    )
    assert result.exit_code == 0


@pytest.mark.parametrize("value", ["no-colon", "*.ndjson:MIC999"])
def test_bad_per_file_ignores_option_exits_2(project: Path, value: str) -> None:
    write("a.ndjson", NO_ID)
    result = check("--per-file-ignores", value, "a.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "--per-file-ignores")


def test_max_file_size_triggers_mic006(project: Path) -> None:
    write("clean.ndjson", CLEAN)
    result = check("--max-file-size", "10", "clean.ndjson")
    assert diagnostics(result.stdout) == [("clean.ndjson", 1, 1, "MIC006")]
    assert result.exit_code == 0  # a warning
    assert (
        check("--max-file-size", "1KiB", "clean.ndjson").stdout
        == "All checks passed. Checked as USER_PROFILE.\n"
    )
    assert check("clean.ndjson").stdout == "All checks passed. Checked as USER_PROFILE.\n"


def test_max_file_size_applies_to_gz_and_stdin(project: Path) -> None:
    write_gz("clean.ndjson.gz", CLEAN, CLEAN_B)
    assert "MIC006" in codes(check("--max-file-size", "10", "clean.ndjson.gz"))
    assert "MIC006" in codes(check("--max-file-size", "10", "-", input=CLEAN + "\n"))


@pytest.mark.parametrize("value", ["abc", "0", "-5", "10XB"])
def test_bad_max_file_size_exits_2(project: Path, value: str) -> None:
    write("clean.ndjson", CLEAN)
    result = check(f"--max-file-size={value}", "clean.ndjson")
    assert result.exit_code == 2
    assert_one_error_line(result, "--max-file-size")


# -- colour -----------------------------------------------------------------------------------


def test_no_colour_when_not_a_terminal(project: Path) -> None:
    write("err.ndjson", NO_ID, WARN)
    result = check("err.ndjson", env={"NO_COLOR": None})
    assert "\x1b[" not in result.stdout
    assert diagnostics(result.stdout)


def test_color_always_gives_escapes(project: Path) -> None:
    write("err.ndjson", NO_ID, WARN)
    result = check("--color", "always", "err.ndjson", env={"NO_COLOR": None})
    assert "\x1b[" in result.stdout
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)
    assert diagnostics(plain) == [("err.ndjson", 1, 1, "MIC301"), ("err.ndjson", 2, 23, "MIC304")]


def test_color_never_gives_no_escapes(project: Path) -> None:
    write("err.ndjson", NO_ID)
    assert "\x1b[" not in check("--color", "never", "err.ndjson").stdout


def test_no_color_with_auto_gives_no_escapes(project: Path) -> None:
    write("err.ndjson", NO_ID, WARN)
    result = check("--color", "auto", "err.ndjson", env={"NO_COLOR": "1"})
    assert "\x1b[" not in result.stdout
    assert "\x1b[" not in check("err.ndjson", env={"NO_COLOR": "1"}).stdout


def test_force_color_gives_escapes_without_a_terminal_but_no_color_wins(project: Path) -> None:
    # force-color.org: a CI log that shows colour sets it; NO_COLOR still has the last word.
    write("err.ndjson", NO_ID)
    assert "\x1b[" in check("err.ndjson", env={"FORCE_COLOR": "1"}).stdout
    both = {"FORCE_COLOR": "1", "NO_COLOR": "1"}
    assert "\x1b[" not in check("err.ndjson", env=both).stdout
    assert "\x1b[" not in check("err.ndjson", env={"FORCE_COLOR": ""}).stdout


def test_json_output_never_has_escapes(project: Path) -> None:
    write("err.ndjson", NO_ID)
    result = check("--color", "always", "--output-format", "json", "err.ndjson")
    assert "\x1b[" not in result.stdout
    json.loads(result.stdout)


# -- rule, rules, --version -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["MIC302", "mic302", "multiple-identifiers"])
def test_rule_prints_the_explanation(project: Path, name: str) -> None:
    result = run(["rule", name])
    assert result.exit_code == 0
    assert result.stderr == ""
    out = result.stdout
    assert "MIC302" in out
    assert "multiple-identifiers" in out
    assert REGISTRY["MIC302"].explanation in out
    for heading in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert heading in out


def test_rule_by_code_and_by_name_print_the_same(project: Path) -> None:
    assert run(["rule", "MIC302"]).stdout == run(["rule", "multiple-identifiers"]).stdout


@pytest.mark.parametrize("name", ["MIC999", "no-such-rule", "MIC30"])
def test_unknown_rule_exits_2_with_one_line(project: Path, name: str) -> None:
    result = run(["rule", name])
    assert result.exit_code == 2
    assert_one_error_line(result, name)
    assert result.stdout == ""


def test_rule_given_a_prefix_says_which_rules_it_names(project: Path) -> None:
    # It said 'unknown rule' and offered MIC903 for MIC3.
    result = run(["rule", "MIC3"])
    assert result.exit_code == 2
    assert_one_error_line(result, "'MIC3' names", "MIC301 to MIC311", "mics-lint rules")


def test_rule_all_explains_every_rule_in_order(project: Path) -> None:
    result = run(["rule", "--all"])
    assert result.exit_code == 0 and result.stderr == ""
    headings = [line[2:].split()[0] for line in result.stdout.splitlines() if line[:5] == "# MIC"]
    assert headings == list(REGISTRY)
    for rule in REGISTRY.values():
        assert rule.explanation in result.stdout
    one = run(["rule", "MIC302"]).stdout
    assert one in result.stdout  # each block as `rule CODE` prints it


def test_rule_as_json_has_what_rules_lists_and_the_explanation(project: Path) -> None:
    listed = {
        row["code"]: row for row in json.loads(run(["rules", "--output-format", "json"]).stdout)
    }
    one = json.loads(run(["rule", "multiple-identifiers", "--output-format", "json"]).stdout)
    rule = REGISTRY["MIC302"]
    assert one == {**listed["MIC302"], "fix_text": rule.fix_text, "explanation": rule.explanation}
    every = json.loads(run(["rule", "--all", "--output-format", "json"]).stdout)
    assert [row["code"] for row in every] == list(REGISTRY) and every[
        list(REGISTRY).index("MIC302")
    ] == one


@pytest.mark.parametrize("args", [[], ["MIC302", "--all"]])
def test_rule_needs_one_code_or_all(project: Path, args: list[str]) -> None:
    result = run(["rule", *args])
    assert result.exit_code == 2 and result.stdout == ""
    assert_one_error_line(result, "--all")


def test_rules_lists_every_code_of_the_registry(project: Path) -> None:
    result = run(["rules"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()]
    assert listed == list(REGISTRY)
    for code, rule in REGISTRY.items():
        row = next(line for line in result.stdout.splitlines() if line.startswith(code + " "))
        assert rule.name in row
        assert str(rule.severity) in row
        assert rule.summary in row


def test_rules_covers_the_catalogue_of_the_issue(project: Path) -> None:
    listed = set(run(["rules"]).stdout.split())
    catalogue = (
        [f"MIC00{i}" for i in range(1, 9)]
        + [f"MIC10{i}" for i in range(1, 5)]
        + [f"MIC20{i}" for i in range(1, 7)]
        + [f"MIC30{i}" for i in range(1, 7)]
        + [f"MIC40{i}" for i in range(1, 6)]
        + ["MIC501"]
    )
    assert set(catalogue) <= listed


def test_version(project: Path) -> None:
    result = run(["--version"])
    assert result.exit_code == 0
    assert mics_lint.__version__ in result.stdout
    assert result.stdout.startswith("mics-lint")


# -- file names that are not UTF-8 ------------------------------------------------------------


@pytest.fixture
def latin1_named(project: Path) -> str:
    """A folder holding one import file whose name is not valid UTF-8 (café in Latin-1)."""
    os.mkdir("enc")
    try:
        with open(os.path.join(b"enc", b"caf\xe9.ndjson"), "wb") as handle:
            handle.write((NO_ID + "\n").encode())
    except OSError as exc:  # file systems that insist on UTF-8 names
        pytest.skip(f"cannot create a non-UTF-8 file name here: {exc.strerror}")
    return "enc"


@pytest.mark.parametrize("output_format", ["json", "jsonl"])
def test_machine_output_with_a_non_utf8_file_name(latin1_named: str, output_format: str) -> None:
    result = check("--output-format", output_format, latin1_named)
    assert result.exit_code == 1
    records = (
        json.loads(result.stdout)
        if output_format == "json"
        else [json.loads(line) for line in result.stdout.splitlines()]
    )
    assert [r["code"] for r in records] == ["MIC301"]
    assert records[0]["path"].startswith(os.path.join("enc", "caf"))


def test_text_output_with_a_non_utf8_file_name(latin1_named: str) -> None:
    result = check(latin1_named)
    assert result.exit_code == 1
    assert [d[3] for d in diagnostics(result.stdout)] == ["MIC301"]


def test_output_file_with_a_non_utf8_file_name(latin1_named: str) -> None:
    result = check("-o", "report.txt", latin1_named)
    assert result.exit_code == 1
    assert result.stdout == ""
    text = Path("report.txt").read_text(encoding="utf-8", errors="replace")
    assert "MIC301" in text


def test_rules_as_json_lists_every_rule(project: Path) -> None:
    result = run(["rules", "--output-format", "json"])
    assert result.exit_code == 0
    table = json.loads(result.stdout)
    assert [row["code"] for row in table] == list(REGISTRY)
    for row in table:
        rule = REGISTRY[row["code"]]
        assert row == {
            "code": rule.code,
            "name": rule.name,
            "severity": str(rule.severity),
            "fix": rule.fix,
            "summary": rule.summary,
        }


@pytest.mark.parametrize("option", ["-o", "--report"])
def test_a_report_under_a_file_is_one_error_line(project: Path, option: str) -> None:
    from helpers import one_error_line

    (project / "afile").write_text("", encoding="utf-8")
    (project / "a.ndjson").write_text(CLEAN + "\n", encoding="utf-8")
    target = "afile/x.sarif" if option == "-o" else "sarif:afile/x.sarif"
    result = CliRunner().invoke(cli, ["check", "--isolated", option, target, "a.ndjson"])
    assert result.exit_code == 2
    one_error_line(result.stderr, "cannot write afile/x.sarif", "afile is not a directory")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["docs/x.ndjson"],
            "'docs/x.ndjson' is not a command: to check it, mics-lint check docs/x.ndjson",
        ),
        (["a.jsonl", "--strict"], "to check it, mics-lint check a.jsonl --strict"),
        (["-"], "to check it, mics-lint check -"),
    ],
)
def test_a_path_where_the_command_goes_names_the_command(
    project: Path, args: list[str], said: str
) -> None:
    # `mics-lint exports/x.ndjson`, as a new user (or ruff's old form) types it.
    result = run(args)
    assert result.exit_code == 2 and result.stdout == ""
    assert_one_error_line(result, said)


def test_a_misspelt_command_is_still_told_the_command_it_meant(project: Path) -> None:
    result = run(["chek", "x"])
    assert result.exit_code == 2
    assert_one_error_line(result, "No such command 'chek'", "check")


def test_formats_are_named_in_any_case(project: Path) -> None:
    write("ok.ndjson", '{"operation":"DELETE","email_hash":"3f2a9c"}')
    result = run(["check", "--output-format", "JSON", "--report", "SARIF:r.sarif", "ok.ndjson"])
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert json.loads(Path("r.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert run(["rules", "--output-format", "Json"]).stdout.startswith("[")
    assert run(["check", "--color", "NEVER", "ok.ndjson"]).exit_code == 0
