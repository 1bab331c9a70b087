"""What a new user reads in mics-lint's output (issue 16, items 8 and 12-18): each test
here failed before the change it covers."""

from __future__ import annotations

import gzip
from pathlib import Path

from helpers import run_cli, write

PROFILE = (
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"u1",'
    '"force_replace":false,"user_profile":{"tier":"gold"}}'
)


# -- 14: no success and no type for what was not read ------------------------------------


def test_a_run_with_an_unread_file_never_says_no_problems_found(tmp_path: Path) -> None:
    write(tmp_path / "ok.ndjson", PROFILE)
    code, out, _ = run_cli(["check", "--isolated", "ok.ndjson", "missing.ndjson"], tmp_path)
    assert code == 2
    assert "No problems found" not in out
    assert out == (
        "1 file could not be checked; no problems in the other file. Checked as USER_PROFILE.\n"
    )


def test_a_truncated_gz_is_not_said_to_be_checked_as_a_type(tmp_path: Path) -> None:
    lines = [PROFILE.replace('"u1"', f'"u{n}"') for n in range(3000)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    code, out, err = run_cli(["check", "--isolated", "cut.ndjson.gz"], tmp_path)
    assert code == 2
    assert "truncated" in err or "cut.ndjson.gz" in err
    assert out == "1 file could not be checked.\n"  # neither "No problems" nor "Checked as"


# -- 15: JUnit: warnings pass unless --strict ----------------------------------------------

WARNING_ONLY = (  # MIC304: user_account_id without compartment_id, a warning
    '{"operation":"UPSERT","user_account_id":"u1","force_replace":false,"user_profile":{}}'
)
ERROR_LINE = '{"operation":"UPSERT","compartment_id":"1000","force_replace":false}'


def _junit(tmp_path: Path, *args: str) -> tuple[int, object]:
    import xml.etree.ElementTree as ET

    code, out, _ = run_cli(["check", "--isolated", "--output-format", "junit", *args], tmp_path)
    return code, ET.fromstring(out)


def test_junit_warnings_are_not_failures(tmp_path: Path) -> None:
    write(tmp_path / "w.ndjson", WARNING_ONLY)
    code, root = _junit(tmp_path, "w.ndjson")
    assert code == 0
    assert root.get("failures") == "0"  # type: ignore[attr-defined]
    cases = root.findall("testsuite/testcase")  # type: ignore[attr-defined]
    assert [c.get("name") for c in cases] == ["MIC304 account-without-compartment at 1:23"]
    assert cases[0].find("failure") is None
    assert "warning: line 1" in cases[0].findtext("system-out")


def test_junit_warnings_fail_with_strict_and_errors_always(tmp_path: Path) -> None:
    write(tmp_path / "w.ndjson", WARNING_ONLY)
    write(tmp_path / "e.ndjson", ERROR_LINE)
    code, root = _junit(tmp_path, "--strict", "w.ndjson")
    assert code == 1
    assert root.get("failures") == "1"  # type: ignore[attr-defined]
    code, root = _junit(tmp_path, "e.ndjson")
    assert code == 1
    assert root.findall("testsuite/testcase/failure")  # type: ignore[attr-defined]
    assert root.get("failures") == str(len(root.findall("testsuite/testcase")))  # type: ignore[attr-defined]


# -- 17: "N more not shown" after the diagnostics -------------------------------------------


def test_not_shown_line_comes_after_the_diagnostics_where_stdout_and_stderr_meet(
    tmp_path: Path,
) -> None:
    import subprocess

    from helpers import base_env, installed_command

    exe = installed_command()
    assert exe is not None
    write(tmp_path / "bad.ndjson", *[ERROR_LINE] * 5)
    # One stream for both, as a terminal is: the order they reach it in is what is seen.
    result = subprocess.run(
        [exe, "check", "--isolated", "-q", "--max-diagnostics", "2", "bad.ndjson"],
        cwd=tmp_path,
        env=base_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("bad.ndjson:1:")
    assert lines[1].startswith("bad.ndjson:1:")
    assert lines[2].endswith("not shown (--max-diagnostics 2 per file).")


# -- 12: the severity in the text line, without colour -------------------------------------


def test_text_line_shows_the_severity_as_a_word(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", WARNING_ONLY, ERROR_LINE)
    _, out, _ = run_cli(["check", "--isolated", "--color", "never", "a.ndjson"], tmp_path)
    lines = out.splitlines()
    assert lines[0].startswith("a.ndjson:1:23: MIC304 [warning] user_account_id without")
    assert lines[1].startswith("a.ndjson:2:1: MIC402 [error] ")
    _, out, _ = run_cli(["check", "--isolated", "--severity", "MIC304=error", "a.ndjson"], tmp_path)
    assert out.startswith("a.ndjson:1:23: MIC304 [error] ")
    _, out, _ = run_cli(["check", "--isolated", "--output-format", "grouped", "a.ndjson"], tmp_path)
    assert "  1:23: MIC304 [warning] user_account_id" in out


# -- 13: fixable diagnostics marked, one count everywhere ----------------------------------

# An integer id (MIC202, safe), a trailing comma between records (MIC101, safe), an
# enum in the wrong case (MIC203, unsafe), and an error no fix touches (MIC303).
FIXABLE = [
    '{"operation":"UPSERT","compartment_id":1000,"user_account_id":"u1",'
    '"force_replace":false,"user_profile":{}}',
    '{"operation":"DELETE","compartment_id":"1000","user_account_id":"u2"},',
    '{"operation":"upsert","compartment_id":"1000","user_account_id":"u3",'
    '"force_replace":false,"user_profile":{}}',
    ERROR_LINE,
]


def test_fixable_diagnostics_are_marked_and_counted_as_fix_and_diff_fix(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", *FIXABLE)
    _, out, _ = run_cli(["check", "--isolated", "a.ndjson"], tmp_path)
    marked = [line for line in out.splitlines() if line.startswith("a.ndjson:") and " [*] " in line]
    assert [line.split(" ")[1] for line in marked] == ["MIC202", "MIC101"]
    assert "MIC203 [error] operation" in out  # unsafe: not marked
    assert out.splitlines()[-1] == (
        "2 problems marked [*] can be fixed with `mics-lint check --fix` (`--diff` shows the "
        "changes first). 1 more with `--unsafe-fixes`."
    )
    _, _, err = run_cli(["check", "--isolated", "--diff", "a.ndjson"], tmp_path)
    assert err == "Would fix 2 problems in 1 file. 1 more with `--unsafe-fixes`.\n"
    _, out, _ = run_cli(["check", "--isolated", "--fix", "a.ndjson"], tmp_path)
    assert "Fixed 2 problems in 1 file. 1 more fix with `--unsafe-fixes`." in out
    assert " [error] [*] " not in out  # what is left after --fix is never marked fixable


def test_only_unsafe_fixes_get_a_hint_naming_unsafe_fixes(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", FIXABLE[2])
    _, out, _ = run_cli(["check", "--isolated", "a.ndjson"], tmp_path)
    assert out.splitlines()[-1] == (
        "No safe fixes; 1 problem can be fixed with `mics-lint check --fix --unsafe-fixes` "
        "(review them with `--diff --unsafe-fixes` first)."
    )


def test_fix_marks_are_the_same_in_worker_processes(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", *FIXABLE * 400)
    args = ["check", "--isolated", "--chunk-size", "4096", "a.ndjson"]
    _, one, _ = run_cli([*args, "--jobs", "1"], tmp_path)
    _, two, _ = run_cli([*args, "--jobs", "2"], tmp_path)
    assert one == two
    assert one.count(" [error] [*] ") == 800


# -- 18: under pre-commit, the fix hint goes through pre-commit ----------------------------


def test_under_pre_commit_the_hint_says_how_to_fix_through_pre_commit(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from mics_lint.cli import cli

    write(tmp_path / "a.ndjson", FIXABLE[0])
    result = CliRunner().invoke(
        cli, ["check", "--isolated", str(tmp_path / "a.ndjson")], env={"PRE_COMMIT": "1"}
    )
    hint = result.stdout.splitlines()[-1]
    assert "mics-lint check --fix" not in result.stdout
    assert hint == (
        "1 problem marked [*] can be fixed: run `pre-commit run mics-lint-fix --all-files` "
        "(add the mics-lint-fix hook to .pre-commit-config.yaml), or give the mics-lint hook "
        "`args: [--fix]`."
    )


def test_the_hint_names_a_hook_of_the_manifest() -> None:
    from pre_commit.clientlib import load_manifest

    manifest = Path(__file__).resolve().parents[1] / ".pre-commit-hooks.yaml"
    hooks = {h["id"]: h for h in load_manifest(str(manifest))}
    assert hooks["mics-lint-fix"]["entry"] == "mics-lint check --force-exclude --fix"
    assert hooks["mics-lint-fix"]["files"] == hooks["mics-lint"]["files"]


# -- 16: --show-settings ---------------------------------------------------------------------


def test_show_settings_prints_config_type_form_and_rules_per_path(tmp_path: Path) -> None:
    (tmp_path / "mics-lint.toml").write_text(
        'ignore = ["MIC304"]\nprofile-form = "either"\n[doc-types]\n"seg/*.ndjson" = "segment"\n',
        encoding="utf-8",
    )
    write(tmp_path / "p.ndjson", PROFILE)
    write(tmp_path / "seg" / "s.ndjson", PROFILE)
    code, out, _ = run_cli(["check", "--show-settings", "p.ndjson", "seg/s.ndjson"], tmp_path)
    assert code == 0
    blocks = out.split("\n\n")
    assert blocks[0].splitlines()[:4] == [
        "p.ndjson:",
        f"  config: {tmp_path / 'mics-lint.toml'}",
        "  document type: USER_PROFILE (told from its first records)",
        "  profile form: either (config)",
    ]
    assert "  rules: " in blocks[0]
    (unselected,) = [x for x in blocks[0].splitlines() if x.startswith("    not selected: ")]
    assert "MIC304" in unselected.split()  # with the rules off by default (MIC254, MIC255)
    assert " MIC501" in blocks[0].split("warnings:")[1]
    assert "  document type: USER_SEGMENT (config doc-types: 'seg/*.ndjson')" in blocks[1]
    code, out, _ = run_cli(
        ["check", "--isolated", "--doc-type", "choice", "--show-settings", "p.ndjson"], tmp_path
    )
    assert "  config: none (--isolated)" in out
    assert "  document type: USER_CHOICE (--doc-type)" in out
    assert "MIC" not in out.split("rules:")[0]  # nothing was checked


# -- 8: a record split over lines in the middle of a file -----------------------------------

PRETTY = [
    "{",
    '  "operation": "UPSERT",',
    '  "compartment_id": "1000",',
    '  "user_account_id": "p1",',
    '  "force_replace": false,',
    '  "user_profile": {"tier": "gold"}',
    "}",
]


def _profile(n: int | str) -> str:
    return PROFILE.replace('"u1"', f'"u{n}"')


def _split_file(before: int, after: int) -> list[str]:
    return [
        *(_profile(n) for n in range(before)),
        *PRETTY,
        *(_profile(f"after{n}") for n in range(after)),
    ]


def test_a_record_split_over_lines_is_one_diagnostic(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", *_split_file(7, 3))
    code, out, _ = run_cli(["check", "--isolated", "a.ndjson"], tmp_path)
    assert code == 1
    assert out.splitlines()[0] == (
        "a.ndjson:8:1: MIC101 [error] [*] this record is split over lines 8–14: write it on "
        "one line (NDJSON holds one record per line; `--fix` joins it)"
    )
    assert out.splitlines()[1].startswith("Found 1 error in 1 file.")


def test_fix_joins_a_split_record_and_diff_agrees(tmp_path: Path) -> None:
    write(tmp_path / "a.ndjson", *_split_file(2, 2))
    _, _, err = run_cli(["check", "--isolated", "--diff", "a.ndjson"], tmp_path)
    assert err == "Would fix 1 problem in 1 file.\n"
    code, out, _ = run_cli(["check", "--isolated", "--fix", "a.ndjson"], tmp_path)
    assert (code, out) == (
        0,
        "Fixed 1 problem in 1 file.\nAll checks passed. Checked as USER_PROFILE.\n",
    )
    lines = (tmp_path / "a.ndjson").read_text().splitlines()
    assert len(lines) == 5
    assert lines[2] == (
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"p1",'
        '"force_replace":false,"user_profile":{"tier":"gold"}}'
    )


def test_a_broken_record_over_lines_keeps_its_lines_diagnostics(tmp_path: Path) -> None:
    broken = [*PRETTY[:3], *PRETTY[4:]]  # still a record, parses: one diagnostic
    broken[2] = '  "compartment_id": "1000"'  # a comma missing: never parses
    write(tmp_path / "a.ndjson", _profile(1), *broken, _profile(2))
    _, out, _ = run_cli(["check", "--isolated", "a.ndjson"], tmp_path)
    assert "split over lines" not in out
    assert out.count("MIC101") >= 3


def test_a_split_record_is_one_diagnostic_on_the_fast_path_too() -> None:
    from mics_lint.config import Settings
    from mics_lint.linter import lint_lines

    lines = [line + "\n" for line in _split_file(300, 300)]
    slow = list(lint_lines(lines, "a.ndjson", Settings(fast_path=False)))
    fast = list(lint_lines(lines, "a.ndjson", Settings(fast_path_from=1)))
    assert [d.to_dict() for d in fast] == [d.to_dict() for d in slow]
    assert [(d.line, d.end_line, d.code) for d in fast] == [(301, 307, "MIC101")]
    assert fast[0].fix == "safe"


def test_split_records_across_chunk_boundaries_as_in_one_process(tmp_path: Path) -> None:
    rows: list[str] = []
    for n in range(60):  # pretty-printed records every few lines: chunks start inside some
        rows += [_profile(n), _profile(1000 + n), *(p.replace("p1", f"p{n}") for p in PRETTY)]
    write(tmp_path / "a.ndjson", *rows)
    args = ["check", "--isolated", "a.ndjson"]
    _, one, _ = run_cli([*args, "--jobs", "1"], tmp_path)
    assert one.count("split over lines") == 60
    for chunk in ("300", "700", "1500"):
        _, many, _ = run_cli([*args, "--jobs", "2", "--chunk-size", chunk], tmp_path)
        assert many == one, chunk


def test_a_split_record_after_comma_joined_records_and_long_lines(tmp_path: Path) -> None:
    comma = _profile("c") + ","  # looked at for a split record, then alone: MIC101 [*]
    long_line = _profile("l").replace('"gold"', '"' + "g" * 300 + '"')
    write(tmp_path / "a.ndjson", _profile(1), comma, *PRETTY, long_line, _profile(2))
    args = ["check", "--isolated", "--max-line-bytes", "200", "a.ndjson"]
    _, out, _ = run_cli(args, tmp_path)
    lines = out.splitlines()
    assert (
        lines[0].startswith("a.ndjson:2:")
        and "MIC101 [error] [*] records are separated" in lines[0]
    )
    assert lines[1].startswith(
        "a.ndjson:3:1: MIC101 [error] [*] this record is split over lines 3–9"
    )
    assert "a.ndjson:10:1: MIC010" in lines[2]
    _, out, _ = run_cli([*args, "--fix"], tmp_path)
    assert "Fixed 2 problems in 1 file." in out
    fixed = (tmp_path / "a.ndjson").read_text().splitlines()
    assert len(fixed) == 5 and fixed[1] == _profile("c") and fixed[3] == long_line
