"""What a review of the eight import types from the formats reference found
(docs/decisions.md, "The eight import types reviewed again"): each case failed before."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from mics_lint import Settings, lint_lines
from mics_lint.cli import cli

ACTIVITY = (
    '{"$user_agent_id":"vec:1","$type":"SITE_VISIT","$session_status":"CLOSED_SESSION",'
    '"$ts":1700000000000,"$events":[]}'
)
PROFILE = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a%d"}'
SEGMENT = '{"operation":"UPDATE","user_agent_id":"vec:%d","segment_id":"1","expiration_duration":0}'
CHOICE = '{"operation":"DELETE","user_agent_id":"vec:%d","user_choice":{"$processing_id":"1"}}'
CLEAN = {
    "activity": ACTIVITY.replace('"vec:1"', '"vec:%d"'),
    "profile": PROFILE,
    "segment": SEGMENT,
    "choice": CHOICE,
}


def found(lines: list[str], doc_type: str, **settings: Any) -> list[tuple[int, str, str]]:
    given = Settings(doc_type=doc_type, **settings)
    ended = [line + "\n" for line in lines]
    return [(d.line, d.code, d.message) for d in lint_lines(ended, "f.ndjson", given)]


@pytest.mark.parametrize("doc_type", sorted(CLEAN))
@pytest.mark.parametrize(
    ("line", "names"),
    [
        (
            '{"type":"USER_AGENT","user_agent_id":"vec:9"}',
            "identifiers-deletion, device-points-deletion or user-points-deletion",
        ),
        ('{"type":"USER_EMAIL","hash":"3f2a9c"}', "identifiers-deletion or user-points-deletion"),
    ],
)
@pytest.mark.parametrize("at", [2, 250])  # the full checks; the fast path's file
def test_a_deletion_line_in_another_file_is_mic207_alone(
    doc_type: str, line: str, names: str, at: int
) -> None:
    """The deletions share their keys (`type`, `hash`), so no one type was named: the line
    got the file type's errors, whose advice (`type` to `$type`) led to more."""
    lines = [
        CLEAN[doc_type] % i if "%d" in CLEAN[doc_type] else CLEAN[doc_type] for i in range(300)
    ]
    lines[at - 1] = line
    for settings in ({}, {"fast_path": False}, {"fast_path_from": 1}):
        (only,) = found(lines, doc_type, **settings)
        assert only[:2] == (at, "MIC207") and only[2].startswith("this line is a deletion")
        assert only[2].endswith(f"deletion meant ({names})")


def test_a_bare_identifier_in_an_association_file_stays_mic908() -> None:
    lines = [
        '{ "type": "USER_EMAIL", "hash":"3f2a9c" },',
        '{ "type": "USER_AGENT", "user_agent_id": "vec:1" }',
    ]
    assert [code for _, code, _ in found(lines, "association")] == ["MIC908"]


@pytest.mark.parametrize("name", ["USER_IDENTIFIERS_DISSOCIATION_DECLARATIONS", "dissociation"])
def test_the_dissociation_import_is_named_as_not_checked(name: str) -> None:
    """It said "did you mean association?", the opposite import."""
    result = CliRunner().invoke(cli, ["check", "--isolated", "--doc-type", name, "x.ndjson"])
    assert result.exit_code == 2
    assert "the dissociation import, which mics-lint does not check" in result.output
    assert "did you mean" not in result.output
    with pytest.raises(ValueError, match="does not check"):
        Settings(doc_type=name)


@pytest.mark.parametrize(
    ("strategy", "advice"),
    [
        ("MERGE", 'write "force_replace" instead (false to merge, true to replace)'),
        ("partial_update", 'write "force_replace": false instead'),
        ("PARTIAL_DELETE", "the force_replace form has no PARTIAL_DELETE"),
    ],
)
def test_mic407_advice_follows_the_strategy_written(strategy: str, advice: str) -> None:
    """Any value but the two with an older equivalent was told "has no PARTIAL_DELETE"."""
    upsert = (
        '{"operation":"UPSERT","user_agent_id":"vec:%d","force_replace":false,"user_profile":{}}'
    )
    odd = upsert.replace('"force_replace":false', f'"update_strategy":"{strategy}"') % 9
    lines = [upsert % 1, upsert % 2, odd]
    (mic407,) = [m for _, code, m in found(lines, "profile") if code == "MIC407"]
    assert advice in mic407


@pytest.mark.parametrize(
    ("doc_type", "field"),
    [
        ("device-points-deletion", '"hash":"3f2a9c"'),
        ("device-points-deletion", '"user_point_id":"95772db3-e762-45da-8cf1-4893debffae7"'),
        ("device-points-deletion", '"compartment_id":"1000"'),
        ("identifiers-deletion", '"user_point_id":"95772db3-e762-45da-8cf1-4893debffae7"'),
    ],
)
def test_a_field_of_another_deletion_type_is_mic902_alone(doc_type: str, field: str) -> None:
    """It was MIC204 as well, telling to move a udp: line to an identifiers deletion,
    which refuses device point ids."""
    line = '{"type":"USER_AGENT","user_agent_id":"udp:2",' + field + "}"
    if doc_type == "identifiers-deletion":
        line = line.replace("udp:2", "vec:2")
    for settings in ({}, {"fast_path_from": 1}):
        assert [code for _, code, _ in found([line], doc_type, **settings)] == ["MIC902"]


def test_an_empty_association_says_how_many_identifiers() -> None:
    (only,) = found(['{"identifiers":[]}'], "association")
    assert only[1] == "MIC205"
    assert only[2] == (
        "identifiers is an empty list: list two identifiers or more of one user "
        "(an association declares that they name one user)"
    )


def test_a_data_bag_object_is_told_by_an_example() -> None:
    line = SEGMENT.replace("}", ',"data_bag":{"distance":1}}') % 1
    (only,) = found([line], "segment")
    assert only[1] == "MIC701" and "its quotes escaped (for example " in only[2]
