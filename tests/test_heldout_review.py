"""What a review of held-out lines written from the platform's docs found (the session after
bdd8ba5): a docs example pasted as the page prints it, over several lines with its bare
placeholders, was checked as a profile import; MIC906 said an association "needs" two
identifiers, which the docs do not say."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli

from mics_lint import Settings, lint_lines

SEGMENT_AS_PRINTED = """{
  "operation": "UPDATE",
  "expiration_duration": <INTEGER>,
  "compartment_id": "<COMPARTMENT_ID>",
  "user_account_id": "<USER_ACCOUNT_ID>",
  "segment_id": "<SEGMENT_ID"
}
"""
CHOICE_AS_PRINTED = """{
  "operation": "UPSERT",
  "compartment_id": "<COMPARTMENT_ID>",
  "user_account_id": "<USER_ACCOUNT_ID>",
  "force_replace": true,
  "user_choice": {
    "$processing_id": "<PROCESSING_ID>",
    "$choice_ts": <CHOICE_TS>
  }
}
"""


@pytest.mark.parametrize(
    ("text", "doc_type"),
    [(SEGMENT_AS_PRINTED, "USER_SEGMENT"), (CHOICE_AS_PRINTED, "USER_CHOICE")],
)
def test_an_example_spread_over_lines_with_bare_placeholders_names_its_type(
    tmp_path: Path, text: str, doc_type: str
) -> None:
    """No line holds an object and the whole is no JSON (`<INTEGER>` is bare): its keys,
    read over the lines, still tell the type, as they do on one line."""
    (tmp_path / "example.ndjson").write_text(text)
    code, out, _ = run_cli(["check", "--isolated", "example.ndjson"], tmp_path)
    assert code == 1
    assert f"Checked as {doc_type}." in out
    assert "MIC007" in out and "MIC101" in out


def test_lines_of_broken_fragments_keep_the_default_type(tmp_path: Path) -> None:
    """Only a text that begins an object is read whole: fragments that name no keys are
    the default type, as before."""
    (tmp_path / "notes.ndjson").write_text("hello\nworld\n")
    code, out, _ = run_cli(["check", "--isolated", "notes.ndjson"], tmp_path)
    assert code == 1
    assert "Checked as USER_PROFILE." in out


def test_a_single_identifier_is_told_there_is_nothing_to_associate() -> None:
    """The docs: a line creates a UserPoint, or merges existing ones, holding every
    identifier it lists; one identifier is valid and merges nothing."""
    item = '{"type":"USER_ACCOUNT","user_account_id":"CRM-1","compartment_id":"1000"}'
    line = '{"identifiers":[' + item + "]}"
    settings = Settings(doc_type="USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS")
    (found,) = lint_lines([line + "\n"], settings=settings)
    assert found.code == "MIC906"
    assert "nothing to associate" in found.message and "needs" not in found.message


CHOICE_HEAD = '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-1",'


def codes(lines: list[str], doc_type: str, fast_from: int | None) -> list[tuple[int, str]]:
    settings = Settings(doc_type=doc_type, fast_path_from=fast_from)
    made = lint_lines([line + "\n" for line in lines], settings=settings)
    return [(d.line, d.code) for d in made]


@pytest.mark.parametrize("fast_from", [None, 1])
@pytest.mark.parametrize(
    ("choice", "found"),
    [
        ('{"$processing_id":"1","$processing_id":"2","$choice_ts":1700000000000}', True),
        # json.dumps's spaces: the compact length proves nothing, the keys are counted
        ('{"$processing_id": "1", "$choice_ts": 1700000000000, "$processing_id": "2"}', True),
        # a declared key's name in a custom value: counted twice, parsed, not a repeat
        ('{"$processing_id":"1","$choice_ts":1700000000000,"note":"$processing_id"}', False),
        ('{"$processing_id":"1","$choice_ts":1700000000000,"note":"a","note":"b"}', False),
    ],
)
def test_a_key_of_user_choice_written_twice_is_found_on_both_paths(
    choice: str, found: bool, fast_from: int | None
) -> None:
    line = CHOICE_HEAD + '"force_replace":true,"user_choice":' + choice + "}"
    assert codes([line], "USER_CHOICE", fast_from) == ([(1, "MIC103")] if found else [])


@pytest.mark.parametrize("fast_from", [None, 1])
def test_an_identifier_written_twice_in_an_association_item_is_found(
    fast_from: int | None,
) -> None:
    agent = '{"type":"USER_AGENT","user_agent_id":"vec:1"}'
    clean = '{"identifiers":[{"type":"USER_EMAIL","hash":"aa"},' + agent + "]}"
    twice = clean.replace('"hash":"aa"', '"hash":"aa","hash":"bb"')
    assert codes([clean, twice], "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS", fast_from) == [
        (2, "MIC103")
    ]


def test_keys_twice_inside_a_profile_or_event_properties_stay_data() -> None:
    """Free-form objects are not searched: no fast check could without parsing them."""
    event = '{"$event_name":"x","$ts":1700000000000,"$properties":{"a":1,"a":2}}'
    line = (
        '{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
        '"$ts":1700000000000,"$events":[' + event + "]}"
    )
    assert codes([line], "USER_ACTIVITY", None) == []


@pytest.mark.parametrize("fast_from", [None, 1])
def test_a_repeated_key_is_found_beside_an_integer_python_will_not_read(
    fast_from: int | None,
) -> None:
    """Python's json refuses an integer of more than 4,300 digits (MIC104's): the search
    for repeated keys reads numbers as their text, and still finds them."""
    choice = '{"$processing_id":"1","n":' + "1" * 5000 + ',"$processing_id":"2"}'
    line = CHOICE_HEAD + '"force_replace":true,"user_choice":' + choice + "}"
    settings = Settings(doc_type="USER_CHOICE", fast_path_from=fast_from)
    found = [d.code for d in lint_lines([line + "\n"], settings=settings)]
    assert "MIC103" in found and "MIC104" in found
