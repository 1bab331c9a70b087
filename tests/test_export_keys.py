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
    """Inside an UPSERT's profile; a DELETE carries none (a review: moved into a DELETE's
    profile, it was MIC404's). One message for both: it is remembered by the keys."""
    line = '{"operation":"UPSERT","email_hash":"3f2a9c","force_replace":true,"id":1,'
    (found,) = lint_lines([line + '"user_profile":{"a":1}}\n'], "f.ndjson", Settings())
    told = "custom data goes inside an UPSERT's user_profile (a DELETE carries none)"
    assert found.message.endswith(told)
    line = '{"operation":"DELETE","email_hash":"3f2a9c","id":1}\n'
    (found,) = lint_lines([line], "f.ndjson", Settings())
    assert found.message.endswith(told)


# Json.NET's TypeNameHandling writes the .NET class of every object it serialises.
NET = "Acme.Crm.Export.ProfileCommand, Acme.Crm.Export"
UPSERT = {"operation": "UPSERT", "compartment_id": "1000", "force_replace": True}


def _json_net_lines(count: int, net_type: str = NET) -> list[str]:
    return [
        json.dumps(
            {"$type": net_type, **UPSERT, "user_account_id": f"c{i}", "user_profile": {"a": 1}}
            if i % 3
            else {"$type": net_type, "operation": "DELETE", "email_hash": f"h{i}"}
        )
        + "\n"
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [6, 1000])  # 1,000: the fast path's lines too
def test_json_nets_type_name_is_no_activitys_type(count: int) -> None:
    told: list[str] = []
    lines = _json_net_lines(count)
    for settings in (Settings(), Settings(doc_type="profile")):
        found = list(lint_lines(lines, "f.ndjson", settings))
        assert {d.code for d in found} == {"MIC204"}, {d.code for d in found}
        assert len(found) == count
        assert all(d.doc_type == "USER_PROFILE" for d in found)
        message = found[0].message
        assert "Json.NET's type name (TypeNameHandling: set it to None)" in message
        assert "jq -c 'del(.[\"$type\"])'" in message
        told.append(found[-1].message)
    assert told[0] == told[1]


@pytest.mark.parametrize("count", [6, 1000])
def test_an_activitys_type_in_a_profile_file_is_still_another_imports_line(count: int) -> None:
    lines = _json_net_lines(count)
    at = count // 2  # past the fast path's start in the long file: no answer remembered
    lines[at] = json.dumps({"$type": "TOUCH", "operation": "DELETE", "email_hash": "h"}) + "\n"
    found = list(lint_lines(lines, "f.ndjson", Settings(doc_type="profile")))
    assert [(d.line, d.code) for d in found if d.line == at + 1] == [(at + 1, "MIC207")]
    assert {d.code for d in found if d.line != at + 1} == {"MIC204"}
    assert len(found) == count


def test_json_nets_type_and_an_activitys_are_told_apart_in_any_order() -> None:
    # The schema's findings are remembered by a record's shape, for the whole process: the
    # shape holds whether `$type` is a tool's, or one would be told the other's message.
    touch = '{"operation":"DELETE","email_hash":"h1","$type":"TOUCH"}\n'
    net = f'{{"operation":"DELETE","email_hash":"h2","$type":"{NET}"}}\n'
    bare = '{"operation":"DELETE","email_hash":"h3","$type":"ProfileCommand, MyApp"}\n'
    profile = Settings(doc_type="profile")
    for lines in ([touch, net, bare], [net, bare, touch], [bare, touch, net]):
        found = {d.line: d for d in lint_lines(lines, "f.ndjson", profile)}
        for at, line in enumerate(lines, 1):
            if line is touch:
                assert found[at].code == "MIC207", found[at]
            else:
                assert found[at].code == "MIC204" and "Json.NET" in found[at].message


def test_json_nets_type_is_never_renamed_to_a_deletions_type() -> None:
    import io

    from mics_lint.fix import StreamSink, fix_stream

    line = f'{{"$type":"{NET}","user_account_id":"x","compartment_id":"1"}}\n'
    settings = Settings(doc_type="identifiers-deletion")
    (required,) = [d for d in lint_lines([line], "f.ndjson", settings) if d.code == "MIC201"]
    assert "rename" not in required.message
    out = io.BytesIO()
    fix_stream(io.BytesIO(line.encode()), StreamSink(out), settings, "f.ndjson", unsafe=True)
    assert out.getvalue() == line.encode()
