"""MIC106: a command inside another object, as a data pipeline writes its records, or a
batch of commands in one. Rows of the valid corpus of each document type, wrapped as
pipelines wrap them: each such line gets MIC106 alone, with the fast path from line 1 as
with the full checks (every fast check declares MIC106 covered: doctypes.BASE_COVERS),
and `--fix` leaves it as it is; lines that only look like one do not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_tables import CORPUS, _rows, alone

from mics_lint import Settings, lint_lines
from mics_lint.rules.envelopes import envelope


def _wrapped(rows: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], str]]:
    """Each envelope of the first row (a batch: of all), with the jq filter MIC106 names."""
    row = rows[0]
    return {
        "record": ({"topic": "crm", "partition": 0, "record": row}, ".record"),
        "kafka": ({"key": "k1", "value": row, "headers": []}, ".value"),
        "singer": (
            {"type": "RECORD", "stream": "users", "record": row},
            'select(.type == "RECORD") | .record',
        ),
        "connect": ({"schema": {"type": "struct"}, "payload": row}, ".payload"),
        "object key": ({"key": {"id": "CRM-1"}, "value": row}, ".value"),
        "debezium": ({"payload": {"before": None, "after": row, "op": "c"}}, ".payload.after"),
        "batch": ({"records": rows, "count": len(rows)}, ".records[]"),
        "odd key": ({"the row": row}, '.["the row"]'),
        "quote": ({"it's": row}, """.["it'\\''s"]"""),
    }


@pytest.mark.parametrize("doc_type", list(CORPUS))
def test_every_envelope_of_every_type_is_mic106_alone(doc_type: str) -> None:
    rows = _rows(doc_type)
    shapes = _wrapped(rows)
    found = alone(doc_type, rows, [shape for shape, _ in shapes.values()])
    assert [(d.line, d.code) for d in found] == [(n, "MIC106") for n in range(2, 2 + len(shapes))]
    for diagnostic, (_, jq) in zip(found, shapes.values(), strict=True):
        assert f"(jq -c '{jq}')" in diagnostic.message, doc_type
    assert "a batch of 3 commands" in found[6].message


@pytest.mark.parametrize(
    "record",
    [
        {"meta": {"type": "event"}, "n": 1},  # a deletion's marker alone: a word data uses
        {"a": {"b": {"c": {"d": {"operation": "DELETE", "email_hash": "x"}}}}},  # four down
        {"records": [{"operation": "DELETE", "email_hash": "x"}, {"n": 1}]},  # not all commands
        {"records": []},
        {"record": '{"operation":"DELETE"'},  # JSON text, cut
        {"record": '{"n": 1}'},  # JSON text of no command
        {"records": [{"value": {"operation": "DELETE", "email_hash": "x"}}, {"key": 1}]},
        {"operation": "DELETE", "record": {"operation": "DELETE", "email_hash": "x"}},
        {"email_hash": {"operation": "DELETE", "email_hash": "x"}},  # a field, misplaced
        {"type": "USER_EMAIL", "hash": "x", "record": {"operation": "DELETE", "email_hash": "x"}},
        {"user": {"name": "x", "tier": "gold"}},
        # A command's own keys misspelt, around fields (MIC204's "did you mean"):
        {"Identifiers": [{"type": "USER_EMAIL", "hash": "a"}, {"type": "USER_AGENT"}]},
        {"$user_agent_id": "vec:1", "events": [{"$event_name": "p", "$ts": 1}]},
        {"Operation": "UPSERT", "userProfile": {"email": "a@b.c", "user_account_id": "1"}},
        {"email_hash": "a", "dataBag": {"segment_id": "1", "expiration_ts": 1}},
        {"Item": {"operation": {"S": "UPSERT"}, "email_hash": {"S": "x"}}},  # DynamoDB's
    ],
)
def test_near_misses_are_no_envelope(record: dict[str, Any]) -> None:
    assert envelope(record) is None
    found = list(lint_lines([json.dumps(record) + "\n"], "f.ndjson", Settings(doc_type="profile")))
    assert "MIC106" not in {d.code for d in found}


def test_a_table_stays_mic105() -> None:
    """pandas' orient="index" with one row labelled 0 is a table (MIC105), not an envelope."""
    line = json.dumps({"0": {"operation": "DELETE", "email_hash": "x"}}) + "\n"
    assert [d.code for d in lint_lines([line], "f.ndjson", Settings())] == ["MIC105"]


@pytest.mark.parametrize(
    ("record", "jq"),
    [
        (  # Debezium's update: the row after it
            {
                "payload": {
                    "before": {"operation": "DELETE", "email_hash": "old"},
                    "after": {"operation": "DELETE", "email_hash": "new"},
                    "op": "u",
                }
            },
            ".payload.after",
        ),
        (  # a Kafka message keyed by the user: its value is the command
            {
                "key": {"compartment_id": "1", "user_account_id": "a"},
                "value": {"operation": "DELETE", "compartment_id": "1", "user_account_id": "a"},
            },
            ".value",
        ),
        (  # SNS's notification: the command as JSON text
            {"Type": "Notification", "Message": '{"operation":"DELETE","email_hash":"a"}'},
            ".Message | fromjson",
        ),
        (  # a Debezium event in a Kafka message: three levels down
            {
                "topic": "t",
                "value": {"payload": {"after": {"operation": "DELETE", "email_hash": "a"}}},
            },
            ".value.payload.after",
        ),
        (  # AWS's batch of Kinesis records: a command in each item
            {
                "Records": [
                    {"kinesis": {"data": {"operation": "DELETE", "email_hash": h}}} for h in "ab"
                ]
            },
            ".Records[].kinesis.data",
        ),
        (  # a key written "[]" is a key, not jq's each item
            {"records": [{"[]": {"operation": "DELETE", "email_hash": h}} for h in "ab"]},
            '.records[].["[]"]',
        ),
        (  # Debezium with its schema: no pandas table
            {
                "schema": {"type": "struct"},
                "payload": {"before": None, "after": {"operation": "DELETE", "email_hash": "a"}},
            },
            ".payload.after",
        ),
    ],
)
def test_the_command_named_is_the_one_to_keep(record: dict[str, Any], jq: str) -> None:
    found = list(lint_lines([json.dumps(record) + "\n"], "f.ndjson", Settings()))
    assert [d.code for d in found] == ["MIC106"]
    assert f"(jq -c '{jq}')" in found[0].message


def test_a_file_of_envelopes_is_told_by_its_commands() -> None:
    """A Singer tap's records have a `type`, which alone reads as a deletion's: the type of
    a file is told from the commands its envelopes hold."""
    line = {"type": "RECORD", "stream": "u", "record": {"operation": "DELETE", "email_hash": "a"}}
    found = list(lint_lines([json.dumps(line) + "\n"] * 3, "f.ndjson", Settings()))
    assert [d.code for d in found] == ["MIC106"] * 3
    assert {d.doc_type for d in found} == {"USER_PROFILE"}


_ITEMS = [
    {"type": "USER_AGENT", "user_agent_id": "vec:3"},
    {"type": "USER_EMAIL", "hash": "3f2a9c51d0b8e7a64c2f19e8b7d6a5c6"},
]


@pytest.mark.parametrize(
    "record",
    [{"ids": _ITEMS}, {"data": {"ids": _ITEMS}}],
    ids=["listed", "deeper"],
)
def test_an_associations_identifiers_under_another_key_are_no_envelope(
    record: dict[str, Any],
) -> None:
    """In an association file, typed identifiers are its own items: listed under another key
    than `identifiers`, they are that key misnamed, not a batch of commands to take out of
    the line (each would then be a bare identifier, MIC908). In a deletion file they are."""
    line = [json.dumps(record) + "\n"]
    association = list(lint_lines(line, "f.ndjson", Settings(doc_type="association")))
    assert [d.code for d in association] == ["MIC201", "MIC204"]
    assert "MIC106" not in {d.code for d in association}
    deletion = list(lint_lines(line, "f.ndjson", Settings(doc_type="identifiers-deletion")))
    assert [d.code for d in deletion] == ["MIC106"]


def test_a_singer_stream_is_told_by_its_records_and_its_filter_keeps_them_alone() -> None:
    """A Singer stream opens with a SCHEMA message and holds STATE messages: their `type`
    alone, which no deletion takes, does not vote for the deletions (the file was exit 2),
    and the filter MIC106 gives leaves them out."""
    stream = [
        {"type": "SCHEMA", "stream": "u", "schema": {"type": "object"}, "key_properties": []},
        {"type": "RECORD", "stream": "u", "record": {"operation": "DELETE", "email_hash": "a"}},
        {"type": "RECORD", "stream": "u", "record": {"operation": "DELETE", "email_hash": "b"}},
        {"type": "STATE", "value": {"bookmarks": {}}},
    ]
    found = list(lint_lines([json.dumps(line) + "\n" for line in stream], "f.ndjson", Settings()))
    assert {d.doc_type for d in found} == {"USER_PROFILE"}
    assert [(d.line, d.code) for d in found] == [(n, "MIC106") for n in (1, 2, 3, 4)]
    assert """(jq -c 'select(.type == "RECORD") | .record')""" in found[1].message
    assert found[0].message.startswith("the line is a SCHEMA message of a data pipeline")
    assert found[3].message.startswith("the line is a STATE message of a data pipeline")


def test_an_associations_own_item_is_the_command_only_when_it_is_the_only_one() -> None:
    """A Kafka message keyed by an identifier, its value the association command: the
    value is named (the key, taken out, would be a bare identifier, MIC908), as the guard
    chose it; a Singer record of a bare identifier is still an envelope."""
    keyed = {"key": _ITEMS[1], "value": {"identifiers": _ITEMS}}
    singer = {"type": "RECORD", "stream": "ids", "record": _ITEMS[0]}
    lines = [json.dumps(keyed) + "\n", json.dumps(singer) + "\n"]
    found = list(lint_lines(lines, "f.ndjson", Settings(doc_type="association")))
    assert [(d.line, d.code) for d in found] == [(1, "MIC106"), (2, "MIC106")]
    assert found[0].message.endswith("(jq -c '.value')")
    assert found[1].message.endswith("""(jq -c 'select(.type == "RECORD") | .record')""")
