"""A key an export tool writes of its own on every record (MongoDB's `_id`, R's `_row`,
pandas' index): MIC204 says what it is and to leave it out, with the jq filter, where it
said to put custom data inside user_profile (an audit of real tools' exports)."""

from __future__ import annotations

import json

import pytest

from mics_lint import Settings, lint_lines


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("_id", {"$oid": "5f1e2d"}, "MongoDB's document id"),
        ("_row", "1", "R's row name"),
        ("__index_level_0__", 0, "pandas' index"),
        ("Unnamed: 0", 3, "pandas' index column"),
    ],
)
def test_an_export_tools_own_key_is_to_be_left_out(key: str, value: object, said: str) -> None:
    line = json.dumps({"operation": "DELETE", "email_hash": "3f2a9c", key: value}) + "\n"
    for settings in (Settings(), Settings(doc_type="segment")):
        found = [d for d in lint_lines([line], "f.ndjson", settings) if d.code == "MIC204"]
        assert len(found) == 1
        message = found[0].message
        assert said in message and f"(jq -c 'del(.[{json.dumps(key)}])')" in message
        assert "user_profile" not in message


def test_a_key_of_custom_data_is_still_told_where_it_goes() -> None:
    line = '{"operation":"DELETE","email_hash":"3f2a9c","id":1}\n'
    (found,) = lint_lines([line], "f.ndjson", Settings())
    assert found.message.endswith("custom data goes inside user_profile")
