"""`--fix` leaves a guarded line as it is (guards.py), and announces every fix it makes: what
a review of the fixer on realistic exports found (docs/decisions.md, the session after
9629ec4). Each case: the check's marks, `--diff` and `--fix` agree.
"""

from __future__ import annotations

import re
from pathlib import Path

from helpers import run_cli

PROFILE = (
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"P%d",'
    '"force_replace":false,"user_profile":{"tier":"gold"}}'
)
ACTIVITY = (
    '{"$compartment_id":1000,"$user_account_id":"P3","$type":"TOUCH",'
    '"$session_status":"NO_SESSION","$ts":1700000000000,"$events":[],"user_agentid":"vec:5"}'
)
SEGMENT = (
    '{"operation":"UPSERT","compartment_id":1000,"user_account_id":"R2","segment_id":42,'
    '"expiration_duration":0}'
)


def checked(path: Path, *options: str, unsafe: bool = False) -> tuple[str, int, bytes]:
    """The check's output, the count `--fix` reports, and the file it leaves."""
    code, out, err = run_cli(["check", "--isolated", *options, str(path)], path.parent)
    assert code in (0, 1), err
    before = path.read_bytes()
    fix = ["--fix", "--unsafe-fixes"] if unsafe else ["--fix"]
    code, fixed, err = run_cli(["check", "--isolated", *fix, *options, str(path)], path.parent)
    assert code in (0, 1), err
    count = re.search(r"Fixed (\d+) problem", fixed)
    after = path.read_bytes()
    path.write_bytes(before)
    return out, int(count.group(1)) if count else 0, after


def marked(out: str) -> int:
    return len(re.findall(r"\] \[\*\] ", out))


def test_a_line_of_another_import_is_left_as_it_is(tmp_path: Path) -> None:
    # Renamed `user_agent_id`, quoted as a profile's, the line would lose its identifier
    # once moved to an activity file, as MIC207 says.
    lines = [PROFILE % 1, PROFILE % 2, ACTIVITY, SEGMENT, PROFILE % 4]
    path = tmp_path / "profiles.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for unsafe in (False, True):
        out, fixed, after = checked(path, "--doc-type", "profile", unsafe=unsafe)
        assert out.count("MIC207") == 2 and marked(out) == fixed == 0, out
        assert "unsafe" not in out
        assert after == path.read_bytes()


def test_a_guarded_line_keeps_its_text_in_a_pretty_document(tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson"
    path.write_text(f"[\n  {PROFILE % 1},\n  {SEGMENT}\n]\n", encoding="utf-8")
    _, _, after = checked(path, "--doc-type", "profile")
    assert after.decode().splitlines() == [PROFILE % 1, SEGMENT]  # split, each as it was


def test_an_association_s_bare_identifiers_keep_the_commas_that_group_them(
    tmp_path: Path,
) -> None:
    lines = [
        '{"type":"USER_EMAIL","hash":"h-anna"},',
        '{"type":"USER_ACCOUNT","user_account_id":"ANNA","compartment_id":"1000"}',
        '{"type":"USER_EMAIL","hash":"h-bob"},',
        '{"type":"USER_AGENT","user_agent_id":"vec:1"},',
        '{"type":"USER_ACCOUNT","user_account_id":"BOB","compartment_id":1000}',
    ]
    path = tmp_path / "associations.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for unsafe in (False, True):
        out, fixed, after = checked(path, "--doc-type", "association", unsafe=unsafe)
        assert "MIC908" in out and marked(out) == fixed == 0, out
        assert "unsafe" not in out
        assert after == path.read_bytes()


def test_an_association_s_identifier_encoded_twice_keeps_its_quotes(tmp_path: Path) -> None:
    """Written as its text, a typed identifier would be a bare one (MIC908), and the file's
    type then untold: MIC102 leaves it, as it leaves an array of them; a command encoded
    twice in the same file is written as its text."""
    lines = [
        '{"identifiers":[{"type":"USER_EMAIL","hash":"h-anna"},{"type":"USER_AGENT","user_agent_id":"vec:1"}]}',
        '"{\\"type\\":\\"USER_EMAIL\\",\\"hash\\":\\"h-bob\\"}"',
        '"{\\"identifiers\\":[{\\"type\\":\\"USER_EMAIL\\",\\"hash\\":\\"h-cy\\"}]}"',
    ]
    path = tmp_path / "associations.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, fixed, after = checked(path, "--doc-type", "association")
    assert out.count("MIC102") == 2 and marked(out) == fixed == 1, out
    assert after.decode().splitlines() == [
        lines[0],
        lines[1],
        '{"identifiers":[{"type":"USER_EMAIL","hash":"h-cy"}]}',
    ]


def test_a_crlf_ending_a_broken_line_is_announced(tmp_path: Path) -> None:
    # The file's only CRLF ends a line that is not JSON: `--fix` mends it, so the check
    # says so (it reported nothing, and `--fix` said "Fixed 1 problem"). (A CRLF inside a
    # string is no line end: tests/test_string_breaks.py.)
    path = tmp_path / "crlf.ndjson"
    path.write_bytes(
        b'{"operation":"DELETE","email_hash":"d1"}\n'
        b'{"operation":"UPSERT","email_hash":"d2","force_replace":false,'
        b'"user_profile":{"note":"a\r\n{"operation":"DELETE","email_hash":"d3"}\n'
    )
    out, fixed, after = checked(path)
    assert re.search(r":2:1: MIC003 \[warning\] \[\*\] ", out), out
    assert marked(out) == fixed == 1
    assert after == path.read_bytes().replace(b"\r\n", b"\n")


def test_the_unsafe_count_is_what_the_unsafe_run_fixes(tmp_path: Path) -> None:
    # Two keys for one name: one is renamed (the hint said 2); a renamed key's value is the
    # next run's (the run recased "upsert" too, a fix of no diagnostic shown).
    lines = [
        '{"operation":"UPSERT","email_hash":"a1","forceReplace":true,"force_replce":false,'
        '"user_profile":{"x":1}}',
        '{"operation":"DELETE","emailHash":"a2","user_agentid":"vec:1"}',
        '{"Operation":"upsert","email_hash":"a3","force_replace":false,"user_profile":{"x":1}}',
    ]
    path = tmp_path / "p.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, fixed, after = checked(path, unsafe=True)
    assert "3 problems can be fixed with `mics-lint check --fix --unsafe-fixes`" in out
    assert fixed == 3
    assert b'{"operation":"upsert",' in after
    path.write_bytes(after)
    _, again, _ = run_cli(["check", "--isolated", str(path)], tmp_path)
    assert ':3:2: MIC203 [error] operation is "upsert"' in again
    assert "1 problem can be fixed with `mics-lint check --fix --unsafe-fixes`" in again


def test_nan_before_a_trailing_comma_is_said_first(tmp_path: Path) -> None:
    # In reading order: it was "unexpected text after the JSON value" (the comma), and the
    # NaN only once the comma was gone. Neither is fixed: NaN is the user's to replace.
    path = tmp_path / "nan.ndjson"
    path.write_text(
        '{"operation":"UPSERT","email_hash":"a","force_replace":false,'
        '"user_profile":{"score":NaN}},\n',
        encoding="utf-8",
    )
    out, fixed, after = checked(path)
    assert ":1:86: MIC101 [error] NaN and Infinity are not JSON: write null, or a number" in out
    assert fixed == 0 and after == path.read_bytes()
