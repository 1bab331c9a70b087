"""What a third review of the datamart checks found (the session after fce3ba4), written from
the reference alone: an activity's `events` declared as one object, a field declared twice,
the reference's system-generated dates read from the line, a chain of a thousand types, a
`paths` of one string, and an integer for an `ID` under MIC254."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import datamart_found, run_cli, write

from mics_lint.config import Selection
from mics_lint.datamart.sdl import SchemaError, compile_schema

ROOT = (
    'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { id: ID! '
    "profiles: [UserProfile!]! activities: [UserActivity!]! }"
)
PROFILE_ROOT = 'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { profiles: [UserProfile!]! }'
ACTIVITY = (
    '{"$user_account_id":"u1","$compartment_id":"1000","$type":"SITE_VISIT",'
    '"$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":'
    '"$page_view","$ts":1700000000000,"$properties":{%s}}]}'
)


def schema_of(tmp_path: Path, *types: str) -> Path:
    return write(tmp_path / "s.gql", ROOT, *types)


def found(data: Path, schema: Path, *select: str) -> list[tuple[int, str, str]]:
    """The diagnostics of `data`, the same on the full checks and on the fast path."""
    selections = (Selection(extend_select=select),) if select else ()
    return datamart_found(data, schema, selections=selections)


def test_events_of_one_object_not_a_list_is_a_schema_error() -> None:
    """`events: UserEvent` gave every valid activity a MIC253 ("this value is a list")."""
    text = "\n".join(
        (
            ROOT,
            "type UserProfile { id: ID! }",
            "type UserActivity { id: ID! ts: Timestamp! events: UserEvent }",
            "type UserEvent { id: ID! ts: Timestamp! name: String! }",
        )
    )
    with pytest.raises(SchemaError, match=r"s\.gql:3:\d+: UserActivity\.events is UserEvent: "):
        compile_schema(text, "s.gql")


@pytest.mark.parametrize(
    ("root", "said"),
    [
        ("profiles: [String!]!", r"UserPoint\.profiles is \[String!\]!: .*\[UserProfile!\]!"),
        ("activities: [Int]", r"UserPoint\.activities is \[Int\]: .*\[UserActivity!\]!"),
        ("profiles: Channel", r"UserPoint\.profiles is Channel: "),
    ],
)
def test_a_root_field_of_scalars_is_a_schema_error(root: str, said: str) -> None:
    """`profiles: [String!]!` was "not checked (UserPoint declares no profiles)", every
    MIC25x check of the files left out, exit 0: the field is declared, its type is wrong."""
    text = "\n".join(
        (
            f'type UserPoint @TreeIndexRoot(index:"USER_INDEX") {{ id: ID! {root} }}',
            "type UserProfile { id: ID! }",
            "enum Channel { WEB APP }",
        )
    )
    with pytest.raises(SchemaError, match=r"s\.gql:1:\d+: " + said):
        compile_schema(text, "s.gql")


def test_a_field_declared_twice_is_a_schema_error() -> None:
    """`age: Int` then `age: Int!`: one value got two contradictory warnings."""
    for second in ("age: Int! }", "} extend type UserProfile { age: String }"):
        text = f"{PROFILE_ROOT}\ntype UserProfile {{ id: ID! age: Int {second}"
        with pytest.raises(SchemaError, match="field 'age' is declared twice in UserProfile"):
            compile_schema(text, "s.gql")


def test_system_dates_without_function_are_not_read(tmp_path: Path) -> None:
    """Reference §8: skip `creation_date` and `date` (system-generated), with or without
    the @Function the samples give them."""
    schema = schema_of(
        tmp_path,
        "type UserProfile { id: ID! creation_date: Date! age: Int! }",
        "type UserActivity { id: ID! ts: Timestamp! events: [UserEvent!]! }",
        "type UserEvent { id: ID! ts: Timestamp! date: Date! name: String! }",
    )
    profile = (
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-1",'
        '"force_replace":true,"user_profile":{"age":3}}'
    )
    assert found(write(tmp_path / "p.ndjson", profile), schema) == []
    assert found(write(tmp_path / "a.ndjson", ACTIVITY % ""), schema) == []


def test_a_chain_of_a_thousand_types_compiles() -> None:
    """Compiled by recursion, it ended in "internal error (RecursionError)"."""
    chain = " ".join(f"type T{i} {{ x: Int next: T{i + 1} }}" for i in range(1000))
    text = f"{PROFILE_ROOT}\ntype UserProfile {{ id: ID! t: T0 }} {chain} type T1000 {{ x: Int }}"
    datamart = compile_schema(text, "s.gql")
    assert "T1000" in datamart.types


def test_paths_of_one_string_is_a_list_of_one(tmp_path: Path) -> None:
    """GraphQL coerces one value to a list argument: `paths:"$x"` is `paths:["$x"]`."""
    schema = write(
        tmp_path / "s.gql",
        PROFILE_ROOT,
        'type UserProfile { id: ID! tier: Int @Property(paths:"level") }',
    )
    profile = (
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-1",'
        '"force_replace":true,"user_profile":{"level":"gold"}}'
    )
    made = found(write(tmp_path / "p.ndjson", profile), schema)
    assert [code for _, code, _ in made] == ["MIC253"]


def test_an_integer_for_an_id_is_not_mic254(tmp_path: Path) -> None:
    """The docs' cart example sends `"id":1` to `Item.id: ID!`; a float and a String field
    still get MIC254."""
    schema = schema_of(
        tmp_path,
        "type UserProfile { id: ID! }",
        "type UserActivity { id: ID! ts: Timestamp! events: [UserEvent!]! }",
        "type UserEvent { id: ID! ts: Timestamp! name: String! items: [Item!] }",
        "type Item { id: ID! brand: String }",
    )
    lines = [
        ACTIVITY % '"items":[{"id":1,"brand":"b"}]',
        ACTIVITY % '"items":[{"id":1.5,"brand":2}]',
    ]
    made = found(write(tmp_path / "a.ndjson", *lines), schema, "MIC254")
    assert [(line, code) for line, code, _ in made] == [(2, "MIC254"), (2, "MIC254")]


def test_schema_check_prints_a_chain_of_a_thousand_types(tmp_path: Path) -> None:
    """`schema-check` walked the types by recursion too."""
    chain = " ".join(f"type T{i} {{ x: Int next: T{i + 1} }}" for i in range(1000))
    path = write(tmp_path / "s.gql", PROFILE_ROOT, f"type UserProfile {{ id: ID! t: T0 }} {chain}")
    write(path, path.read_text() + "type T1000 { x: Int }")
    code, out, err = run_cli(["schema-check", "s.gql"], tmp_path)
    assert code == 0 and err == ""
    assert "t.next" in out and "T999.x" in out
