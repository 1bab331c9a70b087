"""Which document type a file is checked as: --doc-type, the config's globs, detection from
the first records (exit 2 when unsure), and MIC207 for a line of another type."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import one_error_line, run_cli, write

from mics_lint import Settings, lint_file, lint_lines
from mics_lint.cli import cli
from mics_lint.doctypes import DOC_TYPES, DocTypeError, find, first_records
from mics_lint.typeguess import detect

PROFILE = '{"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{}}'
PROFILE_DELETE = '{"operation":"DELETE","email_hash":"3f2a9c"}'
SEGMENT = '{"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration_duration":0}'
CHOICE = (
    '{"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,'
    '"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}'
)


def test_names_are_the_platform_enum_or_the_short_name_in_any_case() -> None:
    assert find("segment") is DOC_TYPES["USER_SEGMENT"]
    assert find("User_Segment") is DOC_TYPES["USER_SEGMENT"]
    assert find(" CHOICE ") is DOC_TYPES["USER_CHOICE"]
    assert find("segments") is None


def test_the_device_points_deletion_is_also_found_in_the_singular() -> None:
    # The platform's page names it USER_DEVICE_POINTS_DELETION, its curl example
    # USER_DEVICE_POINT_DELETION (mediarithmics-formats.md, 8.1 and 12.2).
    wanted = DOC_TYPES["USER_DEVICE_POINTS_DELETION"]
    assert find("USER_DEVICE_POINT_DELETION") is wanted
    assert find(" user_device_point_deletion") is wanted
    assert find("USER_POINT_DELETION") is None


def test_detection() -> None:
    profile, segment, choice = (
        DOC_TYPES[n] for n in ("USER_PROFILE", "USER_SEGMENT", "USER_CHOICE")
    )
    assert detect([]) is profile
    assert detect([{"operation": "DELETE", "email_hash": "a"}]) is profile  # no marker
    assert detect([{"segment_id": "1"}, {"operation": "DELETE"}]) is segment
    assert detect([{"user_choice": {}}, {"user_choice": {}}, {"segment_id": "1"}]) is choice
    tie = detect([{"user_choice": {}}, {"segment_id": "1"}])
    assert isinstance(tie, list) and {t.name for t in tie} == {"USER_CHOICE", "USER_SEGMENT"}
    # A record with markers of two types counts for both.
    both = detect([{"user_choice": {}, "segment_id": "1"}])
    assert isinstance(both, list) and len(both) == 2
    assert detect([{"user_choice": {}, "segment_id": "1"}, {"segment_id": "2"}]) is segment


def test_profile_commands_without_markers_count_half() -> None:
    # A review: three profile DELETEs and an activity line were checked as an activity file
    # (22 errors), the activity line alone voting.
    profile, activity = DOC_TYPES["USER_PROFILE"], DOC_TYPES["USER_ACTIVITY"]
    delete = {"operation": "DELETE", "compartment_id": "1000", "user_account_id": "P1"}
    line = {"$user_agent_id": "vec:1", "$type": "TOUCH", "$ts": 1, "$events": []}
    assert detect([delete, delete, line, delete]) is profile
    tie = detect([delete, line, delete])
    assert isinstance(tie, list) and set(tie) == {profile, activity}
    assert detect([delete, line]) is activity
    assert detect([{**delete, "segment_id": "1"}, delete]) is DOC_TYPES["USER_SEGMENT"]


@pytest.mark.parametrize(
    "head",
    [
        b'{"segment_id":"1","user_agent_id":"vec:1"},\n{"segment_id":"2","user_agent_id":"vec:2"},\n',
        b'[{"segment_id":"1","user_agent_id":"vec:1"},\n{"segment_id":"2","user_agent_id":"vec:2"}]\n',
        b'[\n  {\n    "segment_id": "1",\n    "user_agent_id": "vec:1"\n  },\n  {\n    "segme',
        b'\xef\xbb\xbf{\n  "segment_id": "1",\n  "user_agent_id": "vec:1"\n}\n'
        b'{\n  "segment_id": "2"\n}\n',
    ],
    ids=["trailing-commas", "array-lines", "pretty-array-cut", "pretty-objects-bom"],
)
def test_an_export_written_as_a_json_array_is_told_by_its_elements(head: bytes) -> None:
    """Array dumps were taken for the default type (a profile import), and `--fix
    --unsafe-fixes` then renamed a segment's or an activity's keys to a profile's."""
    records = first_records(head)
    assert records[0] == {"segment_id": "1", "user_agent_id": "vec:1"}
    assert detect(records) is DOC_TYPES["USER_SEGMENT"]
    assert first_records(b'{"segment_id":"1"}\n["a"],\n[\n') == [{"segment_id": "1"}]
    assert first_records(b"[\n  1,\n  2\n]\n") == []


def test_files_are_told_apart_by_their_records(tmp_path: Path) -> None:
    write(tmp_path / "p.ndjson", PROFILE, PROFILE_DELETE.replace("3f2a9c", "8b1e77"))
    write(tmp_path / "s.ndjson", SEGMENT, SEGMENT.replace("UPDATE", "DELETE"))
    write(tmp_path / "c.ndjson", CHOICE)
    write(tmp_path / "d.ndjson", PROFILE_DELETE)
    for name in ("p", "s", "c", "d"):
        assert list(lint_file(tmp_path / f"{name}.ndjson")) == [], name
    assert list(lint_lines([SEGMENT + "\n"])) == []


def test_an_undecidable_file_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    write(tmp_path / "mixed.ndjson", SEGMENT, CHOICE)
    write(tmp_path / "ok.ndjson", PROFILE)
    code, out, err = run_cli(["check", "--isolated", "mixed.ndjson", "ok.ndjson"], tmp_path)
    assert code == 2
    line = one_error_line(err, "cannot tell the document type of mixed.ndjson", "--doc-type")
    assert "choice or segment" in line
    assert "1 file could not be checked" in out  # ok.ndjson was still checked


def test_a_deletion_file_names_only_the_types_its_lines_fit_and_what_each_does(
    tmp_path: Path,
) -> None:
    """A USER_ACCOUNT line is no device points deletion's (USER_AGENT lines only): two
    candidates, each said with what it deletes, and a config line to paste."""
    write(tmp_path / "gdpr.ndjson", '{"type":"USER_ACCOUNT","user_account_id":"a"}')
    code, _, err = run_cli(["check", "--isolated", "gdpr.ndjson"], tmp_path)
    assert code == 2
    line = one_error_line(err, "identifiers-deletion (deletes one identifier, not the UserPoint)")
    assert "user-points-deletion (deletes the UserPoint" in line
    assert "device-points" not in line
    assert '("gdpr.ndjson" = "<one of them>")' in line
    assert detect([{"type": "USER_AGENT", "user_agent_id": "a"}]) == [
        DOC_TYPES[n]
        for n in (
            "USER_IDENTIFIERS_DELETION",
            "USER_DEVICE_POINTS_DELETION",
            "USER_POINTS_DELETION",
        )
    ]


@pytest.mark.parametrize(
    ("name", "told"),
    [
        ("user_points_deletion.ndjson", "USER_POINTS_DELETION"),
        ("2026-12-06-identifiers-deletion.ndjson", "USER_IDENTIFIERS_DELETION"),
        ("userDevicePointsDeletion.json", "USER_DEVICE_POINTS_DELETION"),
        ("export_USER_DEVICE_POINT_DELETION.ndjson", "USER_DEVICE_POINTS_DELETION"),
        ("user_device_points_deletion.ndjson", "USER_DEVICE_POINTS_DELETION"),
        ("UserPointsDeletions.ndjson", "USER_POINTS_DELETION"),
        ("USERPointsDeletion.json", "USER_POINTS_DELETION"),
        # Singular words, or written together: the docs' own page is `userpoint-deletion`.
        ("userpoint-deletion.ndjson", "USER_POINTS_DELETION"),
        ("user_point_deletion.ndjson", "USER_POINTS_DELETION"),
        ("userpoints_deletion.ndjson", "USER_POINTS_DELETION"),
        ("device_point_deletion.ndjson", "USER_DEVICE_POINTS_DELETION"),
        ("user-device-point-deletions.ndjson", "USER_DEVICE_POINTS_DELETION"),
        ("user_identifier_deletion.ndjson", "USER_IDENTIFIERS_DELETION"),
        ("identifier-deletion.ndjson", "USER_IDENTIFIERS_DELETION"),
        ("deletion.ndjson", None),  # any of three
        ("pointdeletion.ndjson", None),  # a user's or a device's?
        ("identifiers_deletion_and_user_points_deletion.ndjson", None),  # two
        ("user-points-deletion/gdpr.ndjson", None),  # a folder's name is not the file's
    ],
)
def test_a_tie_is_broken_by_the_files_name(tmp_path: Path, name: str, told: str | None) -> None:
    """Deletion lines fit several deletion types: a file named for one of them is checked as
    that one (its name in any case, with any separators); any other is exit 2, as before."""
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    write(path, '{"type":"USER_AGENT","user_agent_id":"vec:1"}')
    code, out, err = run_cli(["check", "--isolated", name], tmp_path)
    if told is None:
        assert code == 2
        one_error_line(err, "cannot tell the document type")
    else:
        assert (code, err) == (0, "")
        assert f"Checked as {told}." in out


@pytest.mark.parametrize(
    ("name", "lines", "told"),
    [
        # bare DELETEs (half a profile vote each) and one UPDATE with its expiration: the
        # segment's UI upload, every line valid (no segment_id: the upload names it)
        (
            "segment_4522.ndjson",
            [
                '{"operation":"DELETE","user_agent_id":"vec:2"}',
                '{"operation":"DELETE","user_agent_id":"vec:3"}',
                '{"operation":"DELETE","user_agent_id":"vec:4"}',
                '{"operation":"UPDATE","user_agent_id":"vec:5","expiration_duration":0}',
            ],
            "USER_SEGMENT",
        ),
        (  # a stray e-mail line: not a tie of the two other deletions, exit 2
            "device_points_deletion.ndjson",
            [
                '{"type":"USER_AGENT","user_agent_id":"udp:1"}',
                '{"type":"USER_AGENT","user_agent_id":"udp:2"}',
                '{"type":"USER_EMAIL","hash":"abc"}',
            ],
            "USER_DEVICE_POINTS_DELETION",
        ),
        (  # the docs' items without their wrapper (MIC908), not a deletion
            "user_identifiers_association.ndjson",
            [
                '{"type":"USER_EMAIL","hash":"982f50d88d437d13"}',
                '{"type":"USER_AGENT","user_agent_id":"vec:89998434"}',
            ],
            "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS",
        ),
        # named for a type no record fits: the records decide
        ("segments_2026.ndjson", [PROFILE, PROFILE], "USER_PROFILE"),
        ("segment_4522.ndjson", [PROFILE, PROFILE_DELETE, SEGMENT], "USER_PROFILE"),
        ("hubspot_contacts_associations_2026.ndjson", [PROFILE, PROFILE_DELETE], "USER_PROFILE"),
        (  # an activity's custom keys are its own
            "segment_4522_visits.ndjson",
            [
                '{"$user_agent_id":"vec:1","$type":"SITE_VISIT","$session_status":"NO_SESSION",'
                '"$ts":1700000000000,"$events":[],"segment_id":"4522","type":"x"}'
            ],
            "USER_ACTIVITY",
        ),
        (  # user_point_id tells the deletions apart, whatever the name
            "device_points_deletion_2026.ndjson",
            [
                '{"type":"USER_POINT","user_point_id":"9ac8b6a4-5f0c-4a5e-9b51-5c8a3f6c9f11"}',
                '{"type":"USER_AGENT","user_agent_id":"vec:1"}',
            ],
            "USER_POINTS_DELETION",
        ),
        ("segments.ndjson", ['{"operation":"DELETE","user_agent_id":"vec:2"}'], "USER_PROFILE"),
        ("user_profiles.ndjson", [SEGMENT, SEGMENT], "USER_SEGMENT"),
    ],
)
def test_a_file_named_for_a_type_its_records_fit_is_that_type(
    tmp_path: Path, name: str, lines: list[str], told: str
) -> None:
    """Where the file's name names one type and its records fit it (one holds a key only
    that type's lines hold, or all are its lines' wrong shape), it is that type, whatever
    the other records' votes; a name no record fits changes nothing."""
    write(tmp_path / name, *lines)
    code, out, err = run_cli(["check", "--isolated", name], tmp_path)
    assert err == "" and f"Checked as {told}." in out, (code, out, err)


def test_a_pipelines_messages_tell_no_type_and_a_misspelt_type_still_does() -> None:
    """A Singer stream's SCHEMA and STATE messages hold no command (envelopes.commands_in):
    alone, they leave the default type, where their `type` made a tie of the deletions;
    a deletion line with a misspelt type still ties the deletions (exit 2: which one?)."""
    messages = b'{"type":"SCHEMA","stream":"u","schema":{}}\n{"type":"STATE","value":{}}\n'
    assert Settings().doc_type_for("f.ndjson", messages) is DOC_TYPES["USER_PROFILE"]
    with pytest.raises(DocTypeError, match="identifiers-deletion"):
        Settings().doc_type_for("f.ndjson", b'{"type":"USER_AGNT","useragentid":"vec:1"}\n')
    line = b'{"type":"USER_AGENT","user_agent_id":"vec:1"}\n'
    with pytest.raises(DocTypeError):  # a URL's query is no part of the file's name
        Settings().doc_type_for("s3://b/x.ndjson?f=user_points_deletion", line)
    told = Settings().doc_type_for("s3://b/user_points_deletion.ndjson?versionId=3", line)
    assert told is DOC_TYPES["USER_POINTS_DELETION"]


def test_doc_type_option_decides(tmp_path: Path) -> None:
    write(tmp_path / "mixed.ndjson", SEGMENT, CHOICE)
    code, out, _ = run_cli(
        ["check", "--isolated", "--doc-type", "Segment", "mixed.ndjson"], tmp_path
    )
    assert code == 1
    assert "mixed.ndjson:2:" in out and "MIC207 [error] this line is a USER_CHOICE command" in out
    code, _, err = run_cli(
        ["check", "--isolated", "--doc-type", "segments", "mixed.ndjson"], tmp_path
    )
    assert code == 2
    one_error_line(err, "--doc-type", "'segments'", "segment")


def test_a_word_several_type_names_share_names_them_all(tmp_path: Path) -> None:
    """`--doc-type deletion` is three imports that delete different things: each named."""
    write(tmp_path / "d.ndjson", '{"type":"USER_AGENT","user_agent_id":"vec:1"}')
    code, _, err = run_cli(["check", "--isolated", "--doc-type", "deletion", "d.ndjson"], tmp_path)
    assert code == 2
    one_error_line(
        err,
        "it may mean device-points-deletion, identifiers-deletion or user-points-deletion",
    )


def test_config_globs_decide_first_match_wins(tmp_path: Path) -> None:
    (tmp_path / "mics-lint.toml").write_text(
        '[doc-types]\n"exports/seg/*.ndjson" = "segment"\n"exports/*/*.ndjson" = "USER_CHOICE"\n',
        encoding="utf-8",
    )
    write(tmp_path / "exports" / "seg" / "a.ndjson", SEGMENT, CHOICE)
    write(tmp_path / "exports" / "other" / "b.ndjson", SEGMENT, CHOICE)
    code, out, err = run_cli(["check", "exports"], tmp_path)
    assert err == ""
    assert "exports/seg/a.ndjson:2:66: MIC207 [error] this line is a USER_CHOICE" in out
    assert "exports/other/b.ndjson:1:45: MIC207 [error] this line is a USER_SEGMENT" in out
    assert code == 1


def test_config_with_an_unknown_type_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "mics-lint.toml").write_text('[doc-types]\n"*.ndjson" = "segmnet"\n', "utf-8")
    write(tmp_path / "a.ndjson", SEGMENT)
    code, _, err = run_cli(["check", "a.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, "doc-types", "'segmnet'", 'did you mean "segment"')


def test_chunks_of_a_large_file_agree_on_its_type(tmp_path: Path) -> None:
    lines = [SEGMENT.replace("3f2a9c", f"{i:08x}") for i in range(30_000)]
    lines[20_000] = CHOICE
    write(tmp_path / "big.ndjson", *lines)
    one = run_cli(["check", "--isolated", "--jobs", "1", "big.ndjson"], tmp_path)
    many = run_cli(
        ["check", "--isolated", "--jobs", "2", "--chunk-size", "65536", "big.ndjson"], tmp_path
    )
    assert one == many
    assert "big.ndjson:20001:66: MIC207" in one[1]
    assert one[1].endswith(" Checked as USER_SEGMENT.\n")


def test_the_summary_line_names_the_type_of_every_file(tmp_path: Path) -> None:
    write(tmp_path / "p1.ndjson", PROFILE)
    write(tmp_path / "p2.ndjson", PROFILE_DELETE)
    write(tmp_path / "s.ndjson", SEGMENT, '{"operation":"UPDATE"}')
    write(tmp_path / "c.ndjson", CHOICE)
    code, out, _ = run_cli(["check", "--isolated", "."], tmp_path)
    assert out.splitlines()[-1] == (
        "Found 2 errors and 1 warning in 1 file. "
        "Checked 2 files as USER_PROFILE, 1 as USER_CHOICE, 1 as USER_SEGMENT."
    )
    code, out, _ = run_cli(["check", "--isolated", "p1.ndjson", "p2.ndjson"], tmp_path)
    assert (code, out) == (0, "All checks passed. Checked 2 files as USER_PROFILE.\n")
    code, out, _ = run_cli(["check", "--isolated", "--doc-type", "choice", "c.ndjson"], tmp_path)
    assert (code, out) == (0, "All checks passed. Checked as USER_CHOICE.\n")


def test_a_file_that_could_not_be_read_has_no_type(tmp_path: Path) -> None:
    write(tmp_path / "mixed.ndjson", SEGMENT, CHOICE)
    write(tmp_path / "ok.ndjson", SEGMENT)
    _, out, _ = run_cli(["check", "--isolated", "mixed.ndjson", "ok.ndjson"], tmp_path)
    assert out == (
        "1 file could not be checked; no problems in the other file. Checked as USER_SEGMENT.\n"
    )


def test_standard_input_is_named_with_its_type(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["check", "--isolated", "-"], input=SEGMENT + "\n", env={"NO_COLOR": "1"}
    )
    assert result.stdout == "All checks passed. Checked as USER_SEGMENT.\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_machine_readable_report_names_the_type(tmp_path: Path, jobs: str) -> None:
    lines = [SEGMENT.replace("3f2a9c", f"{i:08x}") for i in range(3_000)]
    lines[2_000] = '{"operation":"UPDATE","segment_id":"4521","expiration_duration":0}'
    write(tmp_path / "big.ndjson", *lines)
    write(tmp_path / "clean.ndjson", PROFILE)
    args = ["check", "--isolated", "--jobs", jobs, "--chunk-size", "65536"]
    reports = ["json:r.json", "jsonl:r.jsonl", "gitlab:r.gitlab", "sarif:r.sarif", "junit:r.xml"]
    for report in reports:
        args += ["--report", report]
    code, _, err = run_cli([*args, "big.ndjson", "clean.ndjson"], tmp_path)
    assert (code, err) == (1, "")
    import json
    import xml.etree.ElementTree as ET

    for name in ("r.json", "r.gitlab"):
        (item,) = json.loads((tmp_path / name).read_text())
        assert item["doc_type"] == "USER_SEGMENT", name
    assert json.loads((tmp_path / "r.jsonl").read_text())["doc_type"] == "USER_SEGMENT"
    run = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]
    assert run["results"][0]["properties"] == {"docType": "USER_SEGMENT"}
    assert {a["location"]["uri"]: a["properties"]["docType"] for a in run["artifacts"]} == {
        "big.ndjson": "USER_SEGMENT",
        "clean.ndjson": "USER_PROFILE",
    }
    suites = ET.parse(tmp_path / "r.xml").getroot()
    types = {
        suite.get("name"): [
            p.get("value") for p in suite.iter("property") if p.get("name") == "doc_type"
        ]
        for suite in suites
    }
    assert types == {"big.ndjson": ["USER_SEGMENT"], "clean.ndjson": ["USER_PROFILE"]}


def test_fix_uses_the_file_type(tmp_path: Path) -> None:
    target = write(tmp_path / "s.ndjson", SEGMENT.replace('"4521"', "4521"))
    code, out, _ = run_cli(["check", "--isolated", "--fix", "s.ndjson"], tmp_path)
    assert target.read_text() == SEGMENT + "\n"
    assert code == 0 and "Fixed 1 problem" in out


def test_settings_doc_type_for_is_explicit_then_globs_then_records() -> None:
    settings = Settings(doc_type_globs=(("*.seg.ndjson", "USER_SEGMENT"),))
    head = (CHOICE + "\n").encode()
    assert settings.doc_type_for("a.seg.ndjson", head).name == "USER_SEGMENT"
    assert settings.doc_type_for("a.ndjson", head).name == "USER_CHOICE"
    forced = Settings(doc_type="USER_PROFILE", doc_type_globs=settings.doc_type_globs)
    assert forced.doc_type_for("a.seg.ndjson", head).name == "USER_PROFILE"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The docs' own examples, their placeholders left in: no line is JSON.
        (
            '{"operation":"UPDATE","expiration_duration":<INTEGER>,'
            '"compartment_id":"<COMPARTMENT_ID>","segment_id":"<SEGMENT_ID"}',
            "USER_SEGMENT",
        ),
        (
            '{"$user_agent_id":"vec:1","$type":"SITE_VISIT","$ts":<TIMESTAMP>,"$events":[]}',
            "USER_ACTIVITY",
        ),
        # Keys that several types share: no guess, the default as before (not exit 2).
        ('{"type":"USER_EMAIL","hash":<HASH>}', "USER_PROFILE"),
        ("{not json at all", "USER_PROFILE"),
        # A CSV header names its columns: the segments page's template, as a .tsv, and
        # with a BOM (Excel's "CSV UTF-8"); a row of values names nothing.
        (
            "OPERATION,USER_AGENT_ID,USER_ACCOUNT_ID,COMPARTMENT_ID,COMPARTMENT_TOKEN,"
            "EMAIL_HASH,EXPIRATION_DURATION,EXPIRATION_TS,DATA_BAG",
            "USER_SEGMENT",
        ),
        ("operation\tuser_agent_id\texpiration_ts", "USER_SEGMENT"),
        ('\ufeff"operation";"email_hash";"data_bag"', "USER_SEGMENT"),
        ("operation,user_account_id,compartment_id,user_profile", "USER_PROFILE"),
        ("UPSERT,vec:89998434,,,,,100,,", "USER_PROFILE"),
    ],
)
def test_a_file_of_broken_lines_is_told_by_their_keys(line: str, expected: str) -> None:
    head = (line + "\n") * 3
    assert Settings().doc_type_for("a.ndjson", head.encode()).name == expected


@pytest.mark.parametrize("name", sorted(DOC_TYPES))
def test_every_type_has_a_clean_corpus_file(name: str) -> None:
    corpus = Path(__file__).parent / "fixtures" / "ok"
    found = []
    for path in corpus.iterdir():
        named = re.search(r"\.doctype-([a-z-]+)\.", path.name)
        if named:  # the deletion types share their keys: the file says which one it is
            doc_type = find(named.group(1))
            assert doc_type is not None
            found.append(doc_type.name)
        elif path.suffix == ".ndjson":
            head = path.read_bytes()[:8192]
            found.append(Settings().doc_type_for(str(path), head).name)
    assert name in found


def test_a_file_not_checked_is_an_error_in_junit_and_sarif(tmp_path: Path) -> None:
    import json
    import xml.etree.ElementTree as ET

    write(tmp_path / "mixed.ndjson", SEGMENT, CHOICE)  # its type cannot be told
    write(tmp_path / "ok.ndjson", PROFILE)
    (tmp_path / "broken.ndjson.gz").write_bytes(b"not gzip")
    args = ["check", "--isolated", "--report", "junit:r.xml", "--report", "sarif:r.sarif"]
    code, _, _ = run_cli([*args, "mixed.ndjson", "ok.ndjson", "broken.ndjson.gz"], tmp_path)
    assert code == 2
    root = ET.parse(tmp_path / "r.xml").getroot()
    assert (root.get("errors"), root.get("failures"), root.get("tests")) == ("2", "0", "3")
    suites = {suite.get("name"): suite for suite in root}
    for name in ("mixed.ndjson", "broken.ndjson.gz"):
        assert suites[name].get("errors") == "1"
        (error,) = suites[name].iter("error")
        assert name in (error.get("message") or "")
    assert suites["ok.ndjson"].get("errors") == "0"
    run = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    uris = [
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for n in invocation["toolExecutionNotifications"]
    ]
    assert sorted(uris) == ["broken.ndjson.gz", "mixed.ndjson"]
    assert [a["location"]["uri"] for a in run["artifacts"]] == ["ok.ndjson"]


def test_a_pretty_array_whose_head_ends_inside_a_character_is_still_told(tmp_path: Path) -> None:
    # Json.NET's Formatting.Indented, or ConvertTo-Json: the first 8 KiB (reading.HEAD_BYTES)
    # may end inside a two-byte character; it was told USER_PROFILE, the default, then.
    from mics_lint.reading import HEAD_BYTES

    record = {"operation": "UPDATE", "user_agent_id": "vec:1", "segment_id": "1", "note": "Zoë"}
    text = json.dumps([record] * 200, indent=2, ensure_ascii=False)
    data = text.encode()
    cut = data.rfind("ë".encode(), 0, HEAD_BYTES)
    data = b" " * (HEAD_BYTES - 1 - cut) + data  # the head now ends after ë's first byte
    assert data[HEAD_BYTES - 1 : HEAD_BYTES + 1] == "ë".encode()
    path = tmp_path / "export.ndjson"
    path.write_bytes(data)
    assert {d.doc_type for d in lint_file(path)} == {"USER_SEGMENT"}


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_pretty_array_whose_first_element_ends_past_the_head_is_told_by_its_keys(
    bom: bytes, tmp_path: Path
) -> None:
    # An activity of many events, exported as an indented array: its first element alone
    # is past the first 8 KiB, so no element is whole there; its keys still tell its type
    # (it was USER_PROFILE, the default, and `--fix` wrote profile lines of it).
    from mics_lint.reading import HEAD_BYTES

    events = [{"$ts": 1700000000000 + i, "$event_name": "$page_view"} for i in range(200)]
    activity = {
        "$user_agent_id": "vec:89998434",
        "$type": "SITE_VISIT",
        "$ts": 1700000000000,
        "$session_status": "CLOSED_SESSION",
        "$events": events,
    }
    data = bom + json.dumps([activity, activity], indent=2).encode()
    assert data.index(b"\n  },") > HEAD_BYTES
    path = tmp_path / "export.json"
    path.write_bytes(data)
    assert {d.doc_type for d in lint_file(path)} == {"USER_ACTIVITY"}


def _long_first_line_activity() -> str:
    """An activity whose own key comes first and holds 9 KB: its `$type` and `$ts`, which
    tell its type, come after the first 8 KiB of the file (JSON's keys come in any order)."""
    return json.dumps(
        {
            "receipt_text": "x" * 9000,
            "$user_agent_id": "vec:89998434",
            "$type": "SITE_VISIT",
            "$session_status": "CLOSED_SESSION",
            "$ts": 1700000000000,
            "$events": [{"$event_name": "$page_view", "$ts": 1700000000000, "$properties": {}}],
        }
    )


def test_a_first_line_past_the_first_8_kib_is_read_whole_to_tell_the_type(
    tmp_path: Path,
) -> None:
    import gzip
    import subprocess
    import sys

    line = _long_first_line_activity()
    lines = [line] * 3 + [line.replace('"x', f'"{n}') for n in range(3000)]
    write(tmp_path / "a.ndjson", *lines)
    (tmp_path / "a.ndjson.gz").write_bytes(gzip.compress((tmp_path / "a.ndjson").read_bytes()))
    told = "All checks passed. Checked as USER_ACTIVITY.\n"
    for args in (
        ["a.ndjson"],
        ["a.ndjson.gz"],
        ["--jobs", "2", "--chunk-size", "65536", "a.ndjson"],
    ):
        assert run_cli(["check", "--isolated", *args], tmp_path) == (0, told, "")
    assert run_cli(["check", "--isolated", "--fix", "a.ndjson"], tmp_path)[1].endswith(
        "Checked as USER_ACTIVITY.\n"
    )
    # Standard input read from a file goes back as a file does.
    with (tmp_path / "a.ndjson").open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "mics_lint", "check", "--isolated", "-"],
            stdin=stdin,
            capture_output=True,
            env={"NO_COLOR": "1", "PATH": ""},
        )
    assert (done.returncode, done.stdout.decode()) == (0, told)


def test_the_clean_corpus_stays_clean_under_any_one_types_name(tmp_path: Path) -> None:
    """A file named for one type is that type only where its records fit it: each clean
    corpus file, named for each type in turn, gives no diagnostic (or, a deletion file
    whose lines fit several of them, the exit 2 of a tie), as under its own name."""
    from mics_lint import lint_file
    from mics_lint.reading import ReadError

    corpus = Path(__file__).parent / "fixtures" / "ok"
    files = [p for p in sorted(corpus.iterdir()) if ".doctype-" not in p.name]
    files = [p for p in files if ".profile-form-" not in p.name]
    assert len(files) >= 15
    for source in files:
        suffix = "".join(source.suffixes[-2:]) if source.suffix == ".gz" else source.suffix
        for doc_type in DOC_TYPES.values():
            path = tmp_path / f"export_2026-05_{doc_type.short_name}{suffix}"
            path.write_bytes(source.read_bytes())
            try:
                found = [str(d) for d in lint_file(path, Settings())]
            except (DocTypeError, ReadError):
                found = []
            assert found == [], (source.name, doc_type.name, found[:2])


def test_a_type_told_by_the_file_name_is_the_one_doc_types_holds_now() -> None:
    """The names' spellings are made once a process (typeguess._spellings), by type name:
    the type told is DOC_TYPES' of the moment, which a test (counting_vouches) replaces."""
    from unittest import mock

    from mics_lint import typeguess

    head = b'{"type":"USER_AGENT","user_agent_id":"vec:1"}\n'  # any of the deletions
    assert typeguess.told("user-points-deletion.ndjson", head) is DOC_TYPES["USER_POINTS_DELETION"]
    variant = DOC_TYPES["USER_POINTS_DELETION"]._replace(fast_covers=frozenset())
    with mock.patch.dict(DOC_TYPES, {"USER_POINTS_DELETION": variant}):
        assert typeguess.told("user-points-deletion.ndjson", head) is variant
