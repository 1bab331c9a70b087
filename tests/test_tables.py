"""MIC105: a whole table in one JSON object, as pandas' `to_json` writes a DataFrame. Its
rows are taken from the valid corpus of each document type, written in each of pandas'
orients but "records": each such line gets MIC105 alone, with the fast path from line 1
as with the full checks (every fast check declares MIC105 covered: doctypes.BASE_COVERS),
and `--fix` leaves it as it is."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from mics_lint import Diagnostic, Settings, lint_lines
from mics_lint.fix import StreamSink, fix_stream
from mics_lint.rules.tables import table

OK = Path(__file__).parent / "fixtures" / "ok"
CORPUS = {
    "profile": "upserts.ndjson",
    "segment": "segments.ndjson",
    "choice": "choices.ndjson",
    "activity": "activities.ndjson",
    "identifiers-deletion": "deletions.doctype-identifiers-deletion.ndjson",
    "device-points-deletion": "device-points.doctype-device-points-deletion.ndjson",
    "user-points-deletion": "user-points.doctype-user-points-deletion.ndjson",
    "association": "associations.ndjson",
}


def _rows(doc_type: str) -> list[dict[str, Any]]:
    lines = (OK / CORPUS[doc_type]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()][:3]


def _orients(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The DataFrame of `rows` as `to_json` writes it for each orient but "records"."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    return {
        "columns": {c: {str(i): row.get(c) for i, row in enumerate(rows)} for c in columns},
        "index": {str(i): {c: row.get(c) for c in columns} for i, row in enumerate(rows)},
        "split": {
            "columns": columns,
            "index": list(range(len(rows))),
            "data": [[row.get(c) for c in columns] for row in rows],
        },
        "table": {
            "schema": {"fields": [{"name": c} for c in columns], "pandas_version": "1.4.0"},
            "data": [{"index": i, **row} for i, row in enumerate(rows)],
        },
    }


def alone(doc_type: str, rows: list[dict[str, Any]], shapes: list[Any]) -> list[Diagnostic]:
    """The diagnostics of each of `shapes` on a line of its own between two valid lines of
    the type (the fast path taken, and kept to), but MIC501's: the same with the fast path
    from line 1 as with the full checks; and `--fix` leaves the text as it is."""
    valid = json.dumps(rows[0]) + "\n"
    text = [valid, *(json.dumps(shape) + "\n" for shape in shapes), valid]
    fast = list(lint_lines(text, "f.ndjson", Settings(doc_type=doc_type, fast_path_from=1)))
    full = list(lint_lines(text, "f.ndjson", Settings(doc_type=doc_type, fast_path=False)))
    assert fast == full
    out = io.BytesIO()
    data = "".join(text).encode()
    fix_stream(io.BytesIO(data), StreamSink(out), Settings(doc_type=doc_type), "f.ndjson")
    assert out.getvalue() == data
    return [d for d in full if d.code != "MIC501"]


@pytest.mark.parametrize("doc_type", list(CORPUS))
def test_every_orient_of_every_type_is_mic105_alone(doc_type: str) -> None:
    rows = _rows(doc_type)
    assert len(rows) == 3, doc_type
    shapes = _orients(rows)
    found = [(d.line, d.code) for d in alone(doc_type, rows, list(shapes.values()))]
    assert found == [(n, "MIC105") for n in range(2, 2 + len(shapes))], doc_type
    assert [table(shape) for shape in shapes.values()] == [
        ("columns", 3, True),
        ("index", 3, True),
        ("split", 3, True),
        ("table", 3, True),
    ]


@pytest.mark.parametrize(
    "record",
    [
        {"user_profile": {"a": 1}, "notes": {"a": 2}},  # objects, but no column of scalars
        {"operation": "UPSERT", "user_profile": {"columns": [], "data": []}},
        {"data": [1, 2], "columns": ["a"], "operation": "DELETE"},  # a type's key beside
        {"0": {"first_name": "Ana"}, "1": {"first_name": "Bo"}},  # rows, but no command's
        {"operation": {"0": "DELETE"}, "email_hash": {"1": "3f2a9c"}},  # labels differ
        {"identifiers": {"type": "USER_AGENT", "user_agent_id": "vec:1"}},  # not an array
        # A PHP array with a gap (json_encode writes an object): a column holds no object.
        {"identifiers": {"1": {"type": "USER_AGENT", "user_agent_id": "vec:1"}, "2": {}}},
        # DynamoDB's typed values, and a command in an envelope: one label, no number.
        {"operation": {"S": "DELETE"}, "user_account_id": {"S": "CRM-1"}},
        {"record": {"operation": "DELETE", "email_hash": "3f2a9c"}},
        # A map by type where an array belongs; rows of objects under a DataFrame's columns;
        # a "table" without pandas' schema of fields.
        {"identifiers": {"USER_EMAIL": "3f2a9c", "USER_AGENT": "vec:1"}},
        {"columns": ["identifiers"], "data": [{"identifiers": []}]},
        {"schema": {"name": "x"}, "data": [{"operation": "DELETE"}]},
        {},
    ],
)
def test_near_misses_are_no_table(record: dict[str, Any]) -> None:
    """Found by a helper's review, each a real export's shape that is no pandas table."""
    assert table(record) is None


def test_a_series_and_rows_labelled_by_a_column() -> None:
    """`Series.to_json(orient="split")`; and rows labelled by a column's values
    (`set_index("email_hash")`), which orient="records" would leave out: reset_index."""
    series = {"name": None, "index": [0, 1], "data": [{"operation": "DELETE"}] * 2}
    assert table(series) == ("split", 2, True)
    # A NaN in an integer column makes it floats: still a table.
    drift = {
        "operation": {"0": "UPDATE", "1": "UPDATE"},
        "expiration_duration": {"0": 0.0, "1": None},
    }
    assert table(drift) == ("columns", 2, True)
    by_hash = {"operation": {"3f2a9c": "DELETE", "7be01d": "DELETE"}}
    assert table(by_hash) == ("columns", 2, False)
    (found,) = lint_lines([json.dumps(by_hash) + "\n"], "f.ndjson")
    assert found.message == (
        'the line is a table of 2 rows by column (pandas\' default, orient="columns"), not'
        " one command: write one command per line (df.reset_index(), then"
        ' df.to_json(path, orient="records", lines=True))'
    )


def test_a_pretty_printed_table_is_named_and_not_compacted() -> None:
    """`to_json(indent=2)`: MIC007 names the table, and neither marks it `[*]` nor lets
    `--fix` compact it, whose one line would be MIC105 and no command."""
    columns = {"operation": {"0": "DELETE", "1": "DELETE"}, "email_hash": {"0": "a", "1": "b"}}
    text = json.dumps(columns, indent=2) + "\n"
    (found,) = lint_lines(text.splitlines(keepends=True), "f.ndjson")
    assert (found.code, found.fix) == ("MIC007", None)
    assert found.message.startswith("the file is a table of 2 rows by column (pandas' default")
    assert "pretty-printed over 10 lines, not NDJSON: write one command per line" in found.message
    out = io.BytesIO()
    fix_stream(io.BytesIO(text.encode()), StreamSink(out), Settings(), "f.ndjson")
    assert out.getvalue() == text.encode()
