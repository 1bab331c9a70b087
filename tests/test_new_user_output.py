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
    code, out, err = run_cli(["check", "--isolated", "ok.ndjson", "missing.ndjson"], tmp_path)
    assert code == 2
    assert "No problems found" not in out
    assert out == (
        "1 file could not be read; no problems in the other file. Checked as USER_PROFILE.\n"
    )


def test_a_truncated_gz_is_not_said_to_be_checked_as_a_type(tmp_path: Path) -> None:
    lines = [PROFILE.replace('"u1"', f'"u{n}"') for n in range(3000)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    code, out, err = run_cli(["check", "--isolated", "cut.ndjson.gz"], tmp_path)
    assert code == 2
    assert "truncated" in err or "cut.ndjson.gz" in err
    assert out == "1 file could not be read.\n"  # neither "No problems" nor "Checked as"


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
    assert [c.get("name") for c in cases] == ["MIC304 account-without-compartment"]
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
