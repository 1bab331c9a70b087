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
