"""An export of UPSERTs and DELETEs in one table (pandas' `to_json(orient="records",
lines=True)`, Spark with `ignoreNullFields=false`) writes null in each DELETE's empty cells:
`"force_replace": null, "user_profile": null`. A DELETE ignores those keys: MIC404 says so,
a warning, and the schema's MIC202 is no error on top of it (an audit of real exports found
the two contradicting each other: "give its value" and "remove it")."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, write
from test_fastpath import assert_same_both_ways, padding

from mics_lint import Settings, lint_lines

UPSERT = (
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-1",'
    '"force_replace":true,"user_profile":{"tier":"gold"}}'
)
DELETE = (
    '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-2",'
    '"force_replace":null,"user_profile":null}'
)


def test_a_deletes_empty_cells_are_a_warning_not_an_error(tmp_path: Path) -> None:
    write(tmp_path / "export.ndjson", UPSERT, DELETE)
    code, out, _ = run_cli(["check", "--isolated", "export.ndjson"], tmp_path)
    assert code == 0, out
    assert out.count("MIC404 [warning] DELETE ignores") == 2 and "MIC202" not in out
    assert "null here: leave the key out" in out and "with_entries(select(.value != null))" in out


@pytest.mark.parametrize(
    ("line", "codes"),
    [
        # The newer form's key, null on a DELETE: the same.
        ('{"operation":"DELETE","email_hash":"a","update_strategy":null}', ["MIC404"]),
        # A DELETE's ignored key of the wrong type, not null: still the schema's error.
        ('{"operation":"DELETE","email_hash":"a","force_replace":"yes"}', ["MIC202", "MIC404"]),
        # An UPSERT needs its values: a null one is the error it was.
        (
            '{"operation":"UPSERT","email_hash":"a","force_replace":null,"user_profile":{}}',
            ["MIC202"],
        ),
    ],
)
def test_only_a_deletes_ignored_nulls_are_spared(line: str, codes: list[str]) -> None:
    found = list(lint_lines([line + "\n"], "f.ndjson", Settings()))
    assert [d.code for d in found] == codes


def test_the_fast_path_gives_the_same() -> None:
    lines = [*padding(), *[(UPSERT.replace("CRM-1", f"CRM-{n}") + "\n").encode() for n in range(3)]]
    lines += [(DELETE.replace("CRM-2", f"CRM-D{n}") + "\n").encode() for n in range(3)]
    assert_same_both_ways(lines)
