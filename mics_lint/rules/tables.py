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
# DataFrame.to_json's and Series.to_json's "split" keys.
_SPLIT = tuple(map(frozenset, ({"columns", "data"}, {"columns", "index", "data"})))
_SERIES = frozenset({"name", "index", "data"})


# A cell's Python types in a column of scalars (pandas writes an int column holding a NaN
# as floats, an id as a number: any scalar will do) or of arrays (or null: pandas' NaN).
_SCALARS = (str, int, float, bool, type(None))
_ARRAYS = (list, type(None))


@functools.cache
def type_fields() -> tuple[frozenset[str], dict[str, tuple[type, ...]]]:
    """Every top-level key a document type's schema names, and those whose value is never
    an object (its `type` names others only) with the types a cell of theirs may have:
    read at the first line that may be a table."""
    from mics_lint.doctypes import DOC_TYPES
    from mics_lint.schema import load_schema

    keys: set[str] = set()
    scalar: dict[str, tuple[type, ...]] = {}
    for doc_type in DOC_TYPES.values():
        keys |= doc_type.keys
        for key, sub in load_schema(doc_type.schema_file).get("properties", {}).items():
            keys.add(key)  # an activity's `$` keys too, which its DocType leaves out
            kinds = sub.get("type") if isinstance(sub, dict) else None
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if isinstance(kinds, list) and kinds and "object" not in kinds:
                scalar[key] = _ARRAYS if kinds == ["array"] else _SCALARS
    return frozenset(keys), scalar


def _labels(labels: Any) -> bool | None:
    """Whether row labels are pandas' default (0, 1, ...: True) or a column's values (set
    as the index: False); None for one label that is not a number, which pandas' rows
    seldom have and wrappers do (`{"record": {...}}`, DynamoDB's `{"S": "DELETE"}`)."""
    labels = list(labels)
    plain = all(label.isdigit() for label in labels)
    return None if len(labels) == 1 and not plain else plain


def table(record: dict[str, Any]) -> tuple[str, int, bool] | None:
    """pandas' `orient`, the number of rows, and whether their labels are pandas' default,
    when the record is a table as `to_json` writes it; else None. Each shape is one no
    document type's line can have: no key that any type defines (a row label, `columns`,
    `schema`), or a key whose value is never an object holding one (a column, by labels
    no type defines). So no line the fast decoder takes is one (its Struct requires a
    type's keys, typed), and MIC105 is covered by every fast check."""
    keys, scalar = type_fields()
    data = record.get("data")
    if type(data) is list and keys.isdisjoint(record):
        shape, schema = record.keys(), record.get("schema")
        if shape in _SPLIT and type(record["columns"]) is list:  # a DataFrame's: rows of cells
            return ("split", len(data), True) if all(type(r) is list for r in data) else None
        if shape == _SERIES:
            return "split", len(data), True
        if shape == {"schema", "data"} and type(schema) is dict and "fields" in schema:
            return "table", len(data), True
        return None
    first = None
    for value in record.values():  # most lines: their first value is no object
        if type(value) is not dict:
            return None
        if first is None:
            first = value
    if not first:
        return None
    if keys.isdisjoint(record):  # rows by their labels, one of them a command
        plain = _labels(record)
        labelled = list(record.values())
        # Each row has every column (a missing cell is null): else a pipeline's envelope,
        # `{"schema": {...}, "payload": {...}}`, MIC106's.
        if (
            plain is not None
            and all(row.keys() == labelled[0].keys() for row in labelled)
            and any(not keys.isdisjoint(row) for row in labelled)
        ):
            return "index", len(record), plain
        return None
    # Columns by row labels that are no fields (an object of fields in place of an array
    # is MIC202's), one of them never an object, holding cells of its type (a PHP array
    # with a gap, `"identifiers": {"1": {...}}`, or a map by type, is no column either).
    plain = _labels(first)
    if plain is None or scalar.keys().isdisjoint(record) or not keys.isdisjoint(first):
        return None
    rows = first.keys()
    for key, column in record.items():
        if column.keys() != rows:
            return None
        cells = scalar.get(key)
        if cells is not None and not all(isinstance(c, cells) for c in column.values()):
            return None
    return "columns", len(first), plain


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
    yield Finding(f"the line is {table_message(*found)}")


def table_message(orient: str, rows: int, plain: bool) -> str:
    """What MIC105 says of a table, after "the line is" (or MIC007's "the file is")."""
    if orient == "columns":
        what = f'a table of {counted(rows, "row")} by column (pandas\' default, orient="columns")'
    elif orient == "index":
        labels = "its row label" if rows == 1 else "their row labels"
        what = f'{counted(rows, "command")} keyed by {labels} (pandas\' orient="index")'
    else:
        what = f'a table of {counted(rows, "row")} as pandas writes it with orient="{orient}"'
    # Rows labelled by a column's values (set_index): orient="records" leaves that column out.
    before = "" if plain else "df.reset_index(), then "
    return f"{what}, not one command: write one command per line ({before}{_RECORDS})"


TABLE_IN_ONE_OBJECT = FAMILY.rules[-1]
