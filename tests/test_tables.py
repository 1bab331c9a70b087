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

from mics_lint import Settings, lint_lines
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
        "index": {str(i): row for i, row in enumerate(rows)},
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


@pytest.mark.parametrize("doc_type", list(CORPUS))
def test_every_orient_of_every_type_is_mic105_alone(doc_type: str) -> None:
    rows = _rows(doc_type)
    assert len(rows) == 3, doc_type
    shapes = _orients(rows)
    lines = [json.dumps(shape) + "\n" for shape in shapes.values()]
    # A valid line of the type first and after: the fast path is taken, and keeps to it.
    valid = json.dumps(rows[0]) + "\n"
    text = [valid, *lines, valid]
    fast = list(lint_lines(text, "f.ndjson", Settings(doc_type=doc_type, fast_path_from=1)))
    full = list(lint_lines(text, "f.ndjson", Settings(doc_type=doc_type, fast_path=False)))
    assert fast == full
    found = [(d.line, d.code) for d in full if d.code != "MIC501"]
    assert found == [(n, "MIC105") for n in range(2, 2 + len(lines))], doc_type
    assert [table(shape) for shape in shapes.values()] == [
        ("columns", 3),
        ("index", 3),
        ("split", 3),
        ("table", 3),
    ]
    out = io.BytesIO()
    data = "".join(text).encode()
    fix_stream(io.BytesIO(data), StreamSink(out), Settings(doc_type=doc_type), "f.ndjson")
    assert out.getvalue() == data


@pytest.mark.parametrize(
    "record",
    [
        {"user_profile": {"a": 1}, "notes": {"a": 2}},  # objects, but no column of scalars
        {"operation": "UPSERT", "user_profile": {"columns": [], "data": []}},
        {"data": [1, 2], "columns": ["a"], "operation": "DELETE"},  # a type's key beside
        {"0": {"first_name": "Ana"}, "1": {"first_name": "Bo"}},  # rows, but no command's
        {"operation": {"0": "DELETE"}, "email_hash": {"1": "3f2a9c"}},  # labels differ
        {"identifiers": {"type": "USER_AGENT", "user_agent_id": "vec:1"}},  # not an array
        {},
    ],
)
def test_near_misses_are_no_table(record: dict[str, Any]) -> None:
    assert table(record) is None
