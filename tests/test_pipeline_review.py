"""What two reviews found (docs/decisions.md, "A pipeline's review and a personal-data
review"): each case failed before."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mics_lint import Settings, lint_lines
from mics_lint.cli import cli
from mics_lint.jsontext import path_text
from mics_lint.redact import mask_emails, source_line

DELETE = '{"operation":"DELETE","email_hash":"3f2a9c"}\n'


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--isolated", *args])
    return result.exit_code, result.output


def messages(line: str, **settings: str) -> list[str]:
    return [d.message for d in lint_lines([line + "\n"], "f.ndjson", Settings(**settings))]


@pytest.mark.parametrize("option", ["-o", "--report"])
def test_a_report_through_a_missing_folder_never_replaces_an_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    """`-o x/../in.ndjson in.ndjson`: stat() of the path failed (x/ is not there yet), so it
    was taken for a new file; the writer made x/ and renamed the report over the input."""
    monkeypatch.chdir(tmp_path)
    Path("in.ndjson").write_text(DELETE, encoding="utf-8")
    target = "x/../in.ndjson" if option == "-o" else "sarif:x/../in.ndjson"
    code, out = check(option, target, "in.ndjson")
    assert code == 2
    assert "is also an input (in.ndjson): the report would replace it" in out
    assert Path("in.ndjson").read_text(encoding="utf-8") == DELETE
    assert not os.path.exists("x")


def test_full_masks_a_value_followed_by_a_colon() -> None:
    """A comma typed as a colon: the string before it was taken for a key and shown whole."""
    line = (
        '{"operation":"UPSERT","email_hash":"3f2a9c51d0b8SECRETHASH":"force_replace":false,'
        '"user_profile":{"first":"SECRETJane":"last":"SECRETDoe"}}'
    )
    shown = source_line(line)
    assert len(shown) == len(line)
    assert "SECRET" not in shown
    assert '"email_hash":"3f2a9c' in shown  # an identifier keeps its first 6 characters
    assert '"first":' in shown


def test_an_address_in_a_path_is_masked_alone() -> None:
    """The mask took the path before an address for its local part."""
    path = path_text(["user_profile", "emails", "j.doe@example.com", "n"])
    assert path == 'user_profile.emails["j.doe@example.com"].n'
    assert mask_emails(path) == 'user_profile.emails["j***@e***.com"].n'
    assert path_text(["user_profile", "first name"]) == 'user_profile["first name"]'
    assert path_text(["$events", 0, "$ts"]) == "$events[0].$ts"  # plain keys stay dotted


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("rate@v1.2", "rate@v1.2"),  # a version, not an address
        ("price@1.5", "price@1.5"),
        ("jane@example.com", "j***@e***.com"),
        ("ivan@пример.рф", "i***@п***.рф"),  # a TLD in letters of any script
        ("ana@example.xn--p1ai", "a***@e***.xn--p1ai"),
    ],
)
def test_an_address_needs_a_top_level_domain_of_letters(text: str, masked: str) -> None:
    assert mask_emails(text) == masked


def test_a_null_where_a_key_is_required_is_told_to_get_its_value() -> None:
    """ "give its value, or leave the key out": leaving a required key out is another error."""
    said = ": give its value"
    (operation,) = messages('{"operation":null,"email_hash":"3f2a9c"}')
    assert operation.endswith(said)
    upsert = '{"operation":"UPSERT","user_agent_id":"vec:1","force_replace":%s,"user_profile":%s}'
    (force,) = messages(upsert % ("null", "{}"))
    assert force.endswith("not null: give its value: an UPSERT needs it (a DELETE has none)")
    (profile,) = messages(upsert % ("false", "null"))
    assert profile.endswith("not null: give the profile: an UPSERT needs it (a DELETE has none)")
    activity = (
        '{"$ts":null,"$type":"SITE_VISIT","$session_status":"CLOSED_SESSION",'
        '"$user_agent_id":"vec:1","$events":[{"$ts":null,"$event_name":"x","$properties":{}}]}'
    )
    assert [m for m in messages(activity, doc_type="USER_ACTIVITY") if "null" in m] == [
        "$ts must be an integer, not null" + said,
        "$events[0].$ts must be an integer, not null" + said,
    ]
    choice = (
        '{"operation":"UPSERT","user_agent_id":"vec:1","force_replace":true,'
        '"user_choice":{"$processing_id":null,"$choice_ts":1700000000000}}'
    )
    (processing,) = messages(choice, doc_type="USER_CHOICE")
    assert processing.endswith("not null: give its value: every choice names its processing")


def test_a_null_where_a_key_is_optional_may_still_be_left_out() -> None:
    (merge,) = messages(
        '{"operation":"UPSERT","user_agent_id":"vec:1","force_replace":false,'
        '"merge_objects":null,"user_profile":{}}'
    )
    assert merge.endswith("not null: give its value, or leave the key out")


def test_fix_in_a_folder_that_is_not_writable_names_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "cannot fix x.ndjson: Permission denied" named the file, which was writable; and the
    summary said "Nothing to fix." of a file with problems to fix. The tests run as root,
    who may write anything: the folder's answer is played here."""
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "x.ndjson"
    target.write_text(DELETE.replace("\n", "\r\n"), encoding="utf-8")
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: False if str(p) == str(folder.resolve()) else real_access(p, mode),
    )
    result = CliRunner().invoke(cli, ["check", "--isolated", "--fix", str(target)])
    assert result.exit_code == 2
    assert f"cannot fix {target}: its folder {folder.resolve()} is not writable" in result.output
    assert "Nothing fixed. 1 file could not be fixed." in result.output
    assert target.read_bytes() == DELETE.replace("\n", "\r\n").encode()


def test_fix_leaves_a_file_of_whitespace_alone(tmp_path: Path) -> None:
    """The check says MIC008 alone (no [*]); --fix removed its 5 lines ("Would fix 6
    problems"), and the file, empty, was still MIC008."""
    target = tmp_path / "blanks.ndjson"
    target.write_bytes(b"\n\n  \n\t\n\r\n")
    code, out = check("--diff", str(target))
    assert code == 0 and "Nothing to fix." in out
    code, out = check("--fix", str(target))
    assert "MIC008" in out and "[*]" not in out
    assert target.read_bytes() == b"\n\n  \n\t\n\r\n"


def test_an_extension_in_capitals_is_found_and_read(tmp_path: Path) -> None:
    """A Windows export's X.NDJSON was skipped by the folder search without a word, and a
    .GZ named file would have been read as bytes, not decompressed."""
    import gzip

    (tmp_path / "A.NDJSON").write_bytes(DELETE.replace("\n", "\r\n").encode())
    (tmp_path / "B.JSONL.GZ").write_bytes(gzip.compress(DELETE.replace("\n", "\r\n").encode()))
    (tmp_path / "notes.TXT").write_text("not an export\n", encoding="utf-8")
    code, out = check(str(tmp_path))
    assert code == 0, out
    assert out.count("MIC003") == 2 and "Checked 2 files" in out
    code, out = check("--fix", str(tmp_path))
    assert "Fixed 2 problems in 2 files." in out
    assert gzip.decompress((tmp_path / "B.JSONL.GZ").read_bytes()) == DELETE.encode()


def test_an_associations_array_of_identifiers_is_told_to_take_its_wrapper() -> None:
    """An association file's line of typed identifiers in a bare array was told "put each
    command on a line of its own", which would part one user's identifiers."""
    line = '[{"type":"USER_AGENT","user_agent_id":"vec:1"},{"type":"USER_EMAIL","hash":"3f2a"}]'
    found = list(lint_lines([line + "\n"], "a.ndjson", Settings(doc_type="association")))
    assert [(d.code, d.message, d.fix) for d in found] == [
        (
            "MIC102",
            "the line is a JSON array of 2 identifiers: wrap one user's identifiers as "
            '{"identifiers": [...]}',
            None,
        )
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_utf16_files_type_is_told_from_its_text(tmp_path: Path, encoding: str) -> None:
    """Its lines are not checked (MIC009), but the summary and each record's doc_type named
    the default type, USER_PROFILE, whatever the file held."""
    activity = (
        '{"$ts":1700000000000,"$type":"SITE_VISIT","$session_status":"CLOSED_SESSION",'
        '"$user_agent_id":"vec:1","$events":[]}\n'
    )
    target = tmp_path / "events.ndjson"
    target.write_bytes(activity.encode(encoding))
    code, out = check(str(target))
    assert code == 1 and "MIC009" in out
    assert "Checked as USER_ACTIVITY." in out
