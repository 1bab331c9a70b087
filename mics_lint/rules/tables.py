"""MIC105: a line that is a whole table as one JSON object, the way pandas' `to_json`
writes a DataFrame unless told `orient="records", lines=True` (registered in the MIC1
family, syntax.py). A guard rule (guards.py): such a line gets this diagnostic alone, where
the type's checks gave "operation must be a string, not an object" for each column, or an
unknown field for each of a hundred thousand row labels, and no word of the cause."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from mics_lint.diagnostic import Finding, Severity, counted
from mics_lint.registry import LineContext
from mics_lint.rules.syntax import FAMILY

_RECORDS = 'df.to_json(path, orient="records", lines=True)'
_SPLIT = frozenset({"columns", "data"}), frozenset({"columns", "index", "data"})


@functools.cache
def _fields() -> tuple[frozenset[str], frozenset[str]]:
    """Every top-level key a document type defines, and those whose value is never an object
    (its schema's `type` names others only): read at the first line that may be a table."""
    from mics_lint.doctypes import DOC_TYPES
    from mics_lint.schema import load_schema

    keys: set[str] = set()
    scalar: set[str] = set()
    for doc_type in DOC_TYPES.values():
        keys |= doc_type.keys
        for key, sub in load_schema(doc_type.schema_file).get("properties", {}).items():
            kinds = sub.get("type") if isinstance(sub, dict) else None
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if isinstance(kinds, list) and kinds and "object" not in kinds:
                scalar.add(key)
    return frozenset(keys), frozenset(scalar)


def table(record: dict[str, Any]) -> tuple[str, int] | None:
    """pandas' `orient` and the number of rows when the record is a table as `to_json`
    writes it, else None. Each shape is one no document type's line can have: no key that
    any type defines (a row label, `columns`, `schema`), or a key whose value is never an
    object holding one (a column, by labels no type defines). So no line the fast decoder
    takes is one (its Struct requires a type's keys, typed), and MIC105 is covered by
    every fast check."""
    keys, scalar = _fields()
    data = record.get("data")
    if type(data) is list and keys.isdisjoint(record):
        if record.keys() in _SPLIT and type(record["columns"]) is list:
            return "split", len(data)
        if record.keys() == {"schema", "data"} and type(record["schema"]) is dict:
            return "table", len(data)
        return None
    first = None
    for value in record.values():  # most lines: their first value is no object
        if type(value) is not dict:
            return None
        if first is None:
            first = value
    if first is None:
        return None
    if keys.isdisjoint(record):  # rows by their labels, each a command
        if any(not keys.isdisjoint(row) for row in record.values()):
            return "index", len(record)
        return None
    # Columns, one of them never an object, by row labels that are no fields: an object
    # of fields in place of an array (`"identifiers": {"type": ...}`) is MIC202's.
    if not scalar.isdisjoint(record) and first and keys.isdisjoint(first):
        rows = first.keys()
        if all(column.keys() == rows for column in record.values()):
            return "columns", len(first)
    return None


@FAMILY.rule(
    "MIC105",
    "table-in-one-object",
    Severity.ERROR,
    "the line is a whole table in one JSON object, as pandas' to_json writes it",
)
def table_in_one_object(record: dict[str, Any], ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that a line is not a whole table written as one JSON object, as pandas'
    `DataFrame.to_json(path)` writes it by default: one key a column, each holding its
    values by row label (`orient="columns"`); or one key a row label, each holding a
    command (`orient="index"`); or the `"split"` and `"table"` forms, whose rows are in
    `data`. Such a line gets this diagnostic alone.

    ## Why is this bad?
    Each line is one command. The platform reads the table as one command with an object
    where its `operation` should be, or with no field it knows, and rejects it: none of its
    rows is imported.

    ## Example
    ```ndjson
    {"operation":{"0":"DELETE","1":"DELETE"},"email_hash":{"0":"3f2a9c","1":"7be01d"}}
    ```

    Use instead:
    ```ndjson
    {"operation":"DELETE","email_hash":"3f2a9c"}
    {"operation":"DELETE","email_hash":"7be01d"}
    ```
    Write the DataFrame with `df.to_json(path, orient="records", lines=True)`.
    """
    found = table(record)
    if found is None:
        return
    orient, rows = found
    if orient == "columns":
        what = f'a table of {counted(rows, "row")} by column (pandas\' default, orient="columns")'
    elif orient == "index":
        what = f'{counted(rows, "command")} keyed by their row labels (pandas\' orient="index")'
    else:
        what = f'a table of {counted(rows, "row")} as pandas writes it with orient="{orient}"'
    yield Finding(f"the line is {what}, not one command: write one command per line ({_RECORDS})")


TABLE_IN_ONE_OBJECT = FAMILY.rules[-1]
