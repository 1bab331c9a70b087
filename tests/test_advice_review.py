"""What an advice-following review found (the session after 1892e92): doing literally what a
message said left an error, made another, or changed what the line meant; and values the
docs' own examples leave in (a placeholder inside an identifier, an address in a hash) or an
export writes for an empty cell ("nan") passed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import one_error_line, run_cli, write

from mics_lint import Settings, lint_lines
from mics_lint.fix import StreamSink, fix_stream
from mics_lint.suggest import closest, did_you_mean, only_candidate

PROFILE = '"force_replace":true,"user_profile":{"a":1}'
CHOICE = '"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}'
EVENTS = (
    '"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":'
    '[{"$event_name":"x","$ts":1700000000000,"$properties":{}}]'
)


def found(line: str, doc_type: str | None = None, **options: object) -> list[tuple[str, str]]:
    settings = Settings(doc_type=doc_type, **options) if doc_type else Settings(**options)
    return [(d.code, d.message) for d in lint_lines([line + "\n"], settings=settings)]


def codes_of(lines: list[str], settings: Settings) -> list[str]:
    """The codes found, but MIC501's: the lines repeat one user."""
    made = lint_lines([line + "\n" for line in lines], settings=settings)
    return [d.code for d in made if d.code != "MIC501"]


def test_a_key_that_begins_two_known_keys_is_neither_guessed_nor_renamed() -> None:
    """`expiration` is a timestamp or a duration: renamed to `expiration_ts` by
    --unsafe-fixes, a 30-day duration became a date in 1970, and the line checked clean."""
    keys = ("segment_id", "expiration_duration", "expiration_ts")
    assert closest("expiration", keys) is None
    assert only_candidate("expiration", keys) is None
    assert did_you_mean("expiration", keys) == (
        '; did you mean "expiration_duration" or "expiration_ts"?'
    )
    line = '{"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521","expiration":43200}'
    assert dict(found(line))["MIC704"].startswith(
        'UPDATE without an expiration: rename "expiration" to "expiration_duration" or '
        '"expiration_ts"'
    )
    out = io.BytesIO()
    data = io.BytesIO(line.encode() + b"\n")
    fix_stream(data, StreamSink(out), Settings(), "s.ndjson", unsafe=True)
    assert out.getvalue() == line.encode() + b"\n"


@pytest.mark.parametrize(
    ("line", "doc_type", "code", "advice"),
    [
        (
            '{"operation":"UPSERT","email_hash":"x","force_replce":true,"user_profile":{}}',
            None,
            "MIC401",
            'rename "force_replce" to "force_replace"',
        ),
        (
            '{"operation":"UPSERT","email_hash":"x","force_replace":true,"user_profil":{}}',
            None,
            "MIC402",
            'rename "user_profil" to "user_profile"',
        ),
        (
            '{"operation":"UPSERT","email_hash":"x","forceReplace":false,' + CHOICE + "}",
            "USER_CHOICE",
            "MIC801",
            'rename "forceReplace" to "force_replace"',
        ),
        (
            '{"operation":"UPSERT","email_hash":"x","force_replace":false,"user_choices":{}}',
            "USER_CHOICE",
            "MIC802",
            'rename "user_choices" to "user_choice"',
        ),
        (
            '{"operation":"UPDATE","email_hash":"x","segmentId":"1","expiration_duration":0}',
            "USER_SEGMENT",
            "MIC703",
            'rename "segmentId" to "segment_id"',
        ),
        (
            '{"operation":"UPDATE","email_hash":"x","segment_id":"1","expiration_duraton":0}',
            "USER_SEGMENT",
            "MIC704",
            'rename "expiration_duraton" to "expiration_duration"',
        ),
    ],
)
def test_a_missing_key_misspelt_on_the_line_is_to_be_renamed_not_added(
    line: str, doc_type: str | None, code: str, advice: str
) -> None:
    """Added as told beside `"force_replce": true`, `"force_replace": false` turned a
    replace into a merge, the typo left unread."""
    assert advice in dict(found(line, doc_type))[code]


@pytest.mark.parametrize(
    "value", ["Jane Doe <jane@example.com>", "mailto:jane@example.com", "jane@example.com"]
)
@pytest.mark.parametrize("fast_from", [1, None])
def test_an_address_inside_a_hash_is_a_clear_text_email(value: str, fast_from: int | None) -> None:
    line = '{"operation":"DELETE","email_hash":"' + value + '"}'
    lines = [line] * 3  # past the first line, on the fast path when it starts at line 1
    settings = Settings(fast_path_from=fast_from)
    assert codes_of(lines, settings) == ["MIC305"] * 3


@pytest.mark.parametrize(
    ("value", "advice"),
    [
        ("vec: 89998434", "has whitespace inside: remove it"),
        ("jane@example.com", "holds an e-mail address, not a device id"),
        (":89998434", "has nothing before its colon"),
        ("89998434", "add the registry prefix"),
    ],
)
def test_a_malformed_user_agent_id_gets_advice_that_fits_it(value: str, advice: str) -> None:
    """ "add the registry prefix" to `vec: 89998434` gave `vec:vec: 89998434`."""
    line = '{"operation":"DELETE","user_agent_id":"' + value + '"}'
    assert advice in dict(found(line))["MIC306"]


@pytest.mark.parametrize(
    ("line", "doc_type"),
    [
        ('{"operation":"UPSERT","email_hash":"<64-hex sha256>",' + PROFILE + "}", None),
        ('{"operation":"DELETE","user_agent_id":"vec:<USER_AGENT_ID>"}', None),
        ('{"operation":"DELETE","email_hash":"<email_hash>"}', None),
        (
            '{"identifiers":[{"type":"USER_EMAIL","hash":"<sha256-hex>"},'
            '{"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1000"}]}',
            "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS",
        ),
        ('{"$user_agent_id":"vec:<USER_AGENT_ID>",' + EVENTS + "}", "USER_ACTIVITY"),
    ],
)
@pytest.mark.parametrize("fast_from", [1, None])
def test_a_placeholder_inside_an_identifier_is_reported_once(
    line: str, doc_type: str | None, fast_from: int | None
) -> None:
    lines = [line] * 3
    settings = Settings(doc_type=doc_type, fast_path_from=fast_from)
    assert codes_of(lines, settings) == ["MIC309"] * 3


def test_a_placeholder_the_docs_way_stays_mic206s_and_markup_in_a_profile_is_data() -> None:
    assert [c for c, _ in found('{"operation":"DELETE","email_hash":"<EMAIL_HASH>"}')] == ["MIC206"]
    line = '{"operation":"UPSERT","email_hash":"3f2a9c",' + PROFILE.replace('"a":1', '"n":"<b>"')
    assert found(line + "}") == []


@pytest.mark.parametrize("value", ["nan", "NaN", "None", "null", "NULL", "undefined", "N/A"])
@pytest.mark.parametrize("key", ["email_hash", "user_agent_id", "user_account_id"])
def test_a_missing_value_written_as_text_is_no_identifier(value: str, key: str) -> None:
    """pandas writes a missing e-mail hash as "nan": every such line named one user."""
    account = '"compartment_id":"1000",' if key == "user_account_id" else ""
    line = '{"operation":"DELETE",' + account + f'"{key}":"{value}"' + "}"
    for fast_from in (1, None):
        lines = [line] * 3
        codes = codes_of(lines, Settings(fast_path_from=fast_from))
        assert codes == ["MIC310"] * 3, (fast_from, codes)


def test_nan_as_a_word_inside_a_value_or_a_profile_is_data() -> None:
    assert found('{"operation":"DELETE","email_hash":"nanny"}') == []
    line = '{"operation":"UPSERT","email_hash":"3f2a9c",' + PROFILE.replace('"a":1', '"m":"None"')
    assert found(line + "}") == []


def test_moving_to_the_newer_form_says_to_drop_merge_objects_too() -> None:
    """Followed, "write update_strategy instead" left merge_objects beside it: MIC406."""
    newer = '"update_strategy":"PARTIAL_UPDATE","user_profile":{}}'
    lines = [f'{{"operation":"UPSERT","email_hash":"{who}",{newer}' for who in "ab"]
    lines.append(
        '{"operation":"UPSERT","email_hash":"c","force_replace":false,"merge_objects":true,'
        '"user_profile":{}}'
    )
    (advice,) = [d.message for d in lint_lines(lines) if d.code == "MIC407"]
    assert "in place of force_replace and merge_objects, as that form has no merge_objects" in (
        advice
    )


def test_the_newer_form_is_not_said_to_deep_merge_as_merge_objects_true_does() -> None:
    """The docs give PARTIAL_UPDATE no effect on nested objects: advised in place of
    `"merge_objects": true` (a deep merge) as of `false`, it read as the same (an audit)."""
    newer = '"update_strategy":"PARTIAL_UPDATE","user_profile":{}}'
    lines = [f'{{"operation":"UPSERT","email_hash":"{who}",{newer}' for who in "abc"]
    older = '{"operation":"UPSERT","email_hash":"%s",%s"merge_objects":%s,"user_profile":{}}'
    lines += [older % ("d", '"force_replace":false,', "true"), older % ("e", "", "true")]
    lines += [older % ("f", '"force_replace":false,', "false")]
    advice = [d.message for d in lint_lines(lines) if d.code == "MIC407"]
    deep = 'the docs do not say it deep-merges nested objects as "merge_objects": true does'
    assert [deep in one for one in advice] == [True, True, False]


def test_another_imports_field_beside_this_types_own_is_to_remove() -> None:
    """A choice line holding a profile's update_strategy was told to move to a profile file,
    where its user_choice is the other type's (MIC207)."""
    line = (
        '{"operation":"UPSERT","user_agent_id":"vec:1","update_strategy":"FORCE_REPLACE",'
        + CHOICE
        + "}"
    )
    message = dict(found(line, "USER_CHOICE"))["MIC204"]
    assert "this line's user_choice is not theirs): remove it" in message
    assert "move the line" not in message


@pytest.mark.parametrize(
    ("line", "doc_type", "other"),
    [
        (
            '{"operation":"DELETE","email_hash":"3f2a9c","compartment_id":"1000"}',
            None,
            "email_hash",
        ),
        (
            '{"$user_agent_id":"vec:1","$compartment_id":"1000",' + EVENTS + "}",
            "USER_ACTIVITY",
            "$user_agent_id",
        ),
    ],
)
def test_a_compartment_beside_another_identifier_is_to_remove(
    line: str, doc_type: str | None, other: str
) -> None:
    """ "add the user's account id" there gave two identifiers (MIC302)."""
    (message,) = [m for code, m in found(line, doc_type) if code == "MIC303"]
    assert message.endswith(f"remove it (this line names its user by {other})")


def test_the_association_examples_items_name_association_among_the_candidates(
    tmp_path: Path,
) -> None:
    """The docs' association example, its items pasted as lines with their commas: the
    exit-2 line named only the deletions, and a user who followed it checked the file as
    one."""
    write(
        tmp_path / "assoc.ndjson",
        '{ "type": "USER_EMAIL", "hash":"<EMAIL_HASH>" },',
        '{ "type": "USER_AGENT", "user_agent_id": "<USER_AGENT_ID>" },',
        '{ "type": "USER_ACCOUNT", "user_account_id": "<USER_ACCOUNT_ID>", "compartment_id": '
        '"<COMPARTMENT_ID>" }',
    )
    code, _, err = run_cli(["check", "--isolated", "assoc.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, "could be association (", 'without the {"identifiers": [...]} around')
    # Deletion lines without commas: the deletions only, as before.
    write(tmp_path / "del.ndjson", '{"type":"USER_EMAIL","hash":"3f2a9c"}')
    code, _, err = run_cli(["check", "--isolated", "del.ndjson"], tmp_path)
    assert code == 2 and "association" not in err


def test_the_deletion_examples_records_pasted_as_printed_name_the_deletions_they_fit(
    tmp_path: Path,
) -> None:
    """The identifiers deletion's example as the docs print it: two records spread over
    lines, then one on a line of its own. The candidates were told from that last record
    alone (a device points deletion among them, which takes no USER_ACCOUNT), and the
    commas inside the spread records named the association: now the same as the three
    records one a line."""
    write(
        tmp_path / "pasted.ndjson",
        "{",
        '  "type": "USER_ACCOUNT",',
        '  "compartment_id": "1000",',
        '  "user_account_id": "8541254132"',
        "}",
        "{",
        '  "type": "USER_EMAIL",',
        '  "hash": "982f50d88d437d13bdbd541edf"',
        "}",
        '{ "type": "USER_AGENT", "user_agent_id": "vec:89998434" }',
    )
    code, _, err = run_cli(["check", "--isolated", "pasted.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, "could be identifiers-deletion (", "or user-points-deletion (")
    assert "association" not in err and "device-points-deletion" not in err


def test_a_null_user_choice_is_told_once() -> None:
    """It was MIC202 (null, not an object) and MIC803 ("DELETE without user_choice") beside
    it, though the key is there."""
    line = '{"operation":"DELETE","email_hash":"3f2a9c","user_choice":null}'
    assert [code for code, _ in found(line, "USER_CHOICE")] == ["MIC202"]


def test_an_empty_data_bag_says_what_to_write() -> None:
    line = (
        '{"operation":"UPDATE","email_hash":"3f2a9c","segment_id":"4521",'
        '"expiration_duration":0,"data_bag":""}'
    )
    assert found(line) == [("MIC702", 'data_bag is empty: write "{}", or leave the key out')]


def test_a_did_you_mean_into_a_second_identifier_says_so() -> None:
    """Renamed as suggested, `userAgentId` beside an e-mail hash gave MIC302."""
    line = '{"operation":"UPSERT","email_hash":"3f2a9c",' + PROFILE + ',"userAgentId":"vec:1"}'
    assert dict(found(line))["MIC204"] == (
        'unknown field "userAgentId"; did you mean "user_agent_id"? (but this line names its '
        "user by email_hash: one identifier a line)"
    )
    alone = '{"operation":"UPSERT","email_hash":"3f2a9c",' + PROFILE + ',"emailHash2":"x"}'
    assert "one identifier" not in dict(found(alone)).get("MIC204", "")


@pytest.mark.parametrize(
    ("line", "advice"),
    [
        ('{"operation":"UPSERT","email_hash":"aa","force":true,"user_profile":{}}', '"force"'),
        (
            '{"operation":"UPSERT","email_hash":"aa","update":"PARTIAL_UPDATE","user_profile":{}}',
            '"update"',
        ),
    ],
)
def test_a_key_that_begins_one_wanted_key_is_to_rename(line: str, advice: str) -> None:
    """ "add force_replace" beside `"force": true` left it unread: a replace made a merge."""
    (message,) = [m for code, m in found(line) if code == "MIC401"]
    assert f"rename {advice} to" in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '{"operation":"DELETE","compartment_id":"1000","useraccountid":"CRM-1",'
            '"email_hash":"abc"}',
            'rename "useraccountid" to "user_account_id"',
        ),
        (
            '{"operation":"DELETE","compartment_id":"1000","email_hash":"nan"}',
            "add the user's account id, or remove compartment_id",
        ),
    ],
)
def test_a_compartment_alone_is_told_to_go_only_beside_a_real_identifier(
    line: str, expected: str
) -> None:
    (message,) = [m for code, m in found(line) if code == "MIC303"]
    assert message.endswith(expected)


def test_a_whole_placeholder_in_a_user_agent_id_is_mic206s_alone() -> None:
    """`<ABC>` holds only hex letters: MIC309 leaves it, and MIC306 said "add the prefix"."""
    assert [c for c, _ in found('{"operation":"DELETE","user_agent_id":"<ABC>"}')] == ["MIC206"]


def test_an_address_in_a_user_agent_id_is_not_shown() -> None:
    line = '{"operation":"DELETE","user_agent_id":"Jane Doe <jane@example.com>"}'
    (message,) = [m for code, m in found(line) if code == "MIC306"]
    assert "Jane" not in message and "jane" not in message


def test_r_writes_a_missing_value_na() -> None:
    assert [c for c, _ in found('{"operation":"DELETE","email_hash":"NA"}')] == ["MIC310"]


def test_a_folder_of_spark_parts_is_checked(tmp_path: Path) -> None:
    """`check spark_out/` said "No import files to check." (exit 0) for part-*.json and
    part-*.json.gz: a CI step on Spark's output always passed."""
    import gzip

    folder = tmp_path / "out"
    folder.mkdir()
    write(folder / "part-00000-abc-c000.json", '{"operation":"DELETE","email_hash":"nan"}')
    (folder / "part-00001-abc-c000.json.gz").write_bytes(
        gzip.compress(b'{"operation":"DELETE","email_hash":"NaN"}\n')
    )
    write(folder / "_SUCCESS")
    write(folder / "settings.json", '{"not": "an import"}')
    write(folder / "part-settings.json", '{"not": "an import"}')  # no part number
    # A running or failed job's attempt, its line cut: Spark's own, not the output.
    write(folder / "_temporary" / "0" / "part-00002-abc-c000.json", '{"operation":"DEL')
    code, out, _ = run_cli(["check", "--isolated", "out"], tmp_path)
    assert code == 1
    assert "part-00000-abc-c000.json:1:" in out and "part-00001-abc-c000.json.gz:1:" in out
    assert "settings.json" not in out and "_temporary" not in out and "Checked 2 files" in out


def test_an_empty_compartment_column_is_an_error_and_a_float_one_says_its_digits() -> None:
    found_nan = found('{"operation":"DELETE","compartment_id":"nan","user_account_id":"CRM-1"}')
    assert [c for c, _ in found_nan] == ["MIC310"]
    line = '{"operation":"DELETE","compartment_id":"1000.0","user_account_id":"CRM-1"}'
    assert dict(found(line))["MIC308"].endswith('write "1000"')


@pytest.mark.parametrize(
    ("line", "tail"),
    [
        (
            '{"operation":"DELETE","compartment_id":null,"user_account_id":null,"email_hash":null}',
            "(all null: give one its value, and leave out the others)",
        ),
        (
            '{"operation":"DELETE","compartment_id":"1000","user_account_id":null,'
            '"email_hash":"abc"}',
            "(a null one counts too: leave out compartment_id and user_account_id)",
        ),
        (  # a null compartment beside its account counts for nothing: not to leave out
            '{"operation":"DELETE","email_hash":"abc","user_account_id":"u1",'
            '"compartment_id":null}',
            "keep exactly one",
        ),
    ],
)
def test_null_identifiers_counted_are_said_to_be_null(line: str, tail: str) -> None:
    """A pandas row with its other identifier columns null was "2 identifiers on one line",
    which reads as a line naming two users."""
    assert dict(found(line))["MIC302"].endswith(tail)


def test_a_null_account_and_its_null_compartment_may_be_left_out() -> None:
    line = '{"operation":"DELETE","compartment_id":null,"user_account_id":null,"email_hash":"abc"}'
    advice = [m for code, m in found(line) if code == "MIC202"]
    assert len(advice) == 2 and all(m.endswith("or leave the key out") for m in advice)


@pytest.mark.parametrize(
    ("operation", "ending"),
    [("UPSERT", "give its value"), ("DELETE", "give its value, or leave the key out")],
)
def test_a_null_that_a_rule_needs_is_not_to_be_left_out(operation: str, ending: str) -> None:
    """ "or leave the key out" on a null `$choice_ts` led to MIC804 (an UPSERT needs it; a
    DELETE does not: there it may go)."""
    line = (
        f'{{"operation":"{operation}","email_hash":"3f2a9c","force_replace":true,'
        '"user_choice":{"$processing_id":"1","$choice_ts":null}}'
    )
    (message,) = [m for code, m in found(line) if code == "MIC202"]
    assert message.endswith(ending)


@pytest.mark.parametrize("fast_from", [1, None])
@pytest.mark.parametrize("null_first", [True, False])
def test_the_mark_is_on_the_diagnostic_the_fix_mends(
    fast_from: int | None, null_first: bool
) -> None:
    """A null id and an integer one on a line: `[*]` was on the first MIC202 (the null one
    when it comes first), while --fix quoted the integer. On the fast path's loose lines,
    the fixer says which identifiers it quotes; on the full checks, where its plan's edits
    are."""
    pairs = ['"compartment_id":null', '"user_account_id":%d']
    ordered = pairs if null_first else pairs[::-1]
    template = '{"operation":"DELETE",' + ",".join(ordered) + "}\n"
    lines = [template % n for n in range(1000, 1004)]
    made = list(lint_lines(lines, settings=Settings(fast_path_from=fast_from)))
    marked = [(d.line, d.fix) for d in made if d.code == "MIC202" and "null" not in d.message]
    unmarked = [d.fix for d in made if d.code == "MIC202" and "null" in d.message]
    assert marked == [(n, "safe") for n in range(1, 5)] and unmarked == [None] * 4
