"""What a second review of the datamart checks found (the session after 1892e92): the fast
path and the full checks disagreeing under a rule selection, a schema's second declaration
or `extend type` silently replacing or dropping fields, a root field named otherwise than
`profiles`, nested lists reported, and schema files that cannot be right accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import datamart_found, write

from mics_lint.config import Selection
from mics_lint.datamart.sdl import SchemaError, compile_schema

ROOT = 'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { '


def profile_line(n: int, profile: str) -> str:
    return (
        f'{{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-{n}",'
        f'"force_replace":false,"user_profile":{profile}}}'
    )


found = datamart_found


def test_an_integer_past_64_bits_is_found_on_the_fast_path_without_mic104(
    tmp_path: Path,
) -> None:
    """msgspec took 100000000000000000000 as an Int where orjson reads a float: with MIC104
    not selected, its screen was not asked, and the fast path said nothing."""
    schema = write(
        tmp_path / "s.gql", ROOT + "profiles: [UserProfile!]! }", "type UserProfile { age: Int }"
    )
    lines = [profile_line(n, '{"age":30}') for n in range(5)]
    lines.append(profile_line(9, '{"age":100000000000000000000}'))
    data = write(tmp_path / "p.ndjson", *lines)
    for options in ({}, {"selections": (Selection(select=("MIC253",)),)}):
        messages = [m for _, code, m in found(data, schema, **options) if code == "MIC253"]
        assert len(messages) == 1 and "a number past 64 bits" in messages[0], options
    # The exponent form reads as the same float: not called an integer, which it is not.
    lines[-1] = profile_line(9, '{"age":1e300}')
    messages = [m for _, code, m in found(write(data, *lines), schema) if code == "MIC253"]
    assert len(messages) == 1 and "a number past 64 bits" in messages[0], messages


def test_a_type_declared_twice_is_a_schema_error(tmp_path: Path) -> None:
    text = (
        ROOT
        + "profiles: [UserProfile!]! }\ntype UserProfile { a: Int }\ntype UserProfile { b: Int }"
    )
    with pytest.raises(SchemaError, match="'UserProfile' is declared twice"):
        compile_schema(text, "s.gql")


def test_extend_type_adds_its_fields(tmp_path: Path) -> None:
    schema = write(
        tmp_path / "s.gql",
        ROOT + "profiles: [UserProfile!]! }",
        "type UserProfile { country: String }",
        "extend type UserProfile { member_since: Int }",
    )
    data = write(tmp_path / "p.ndjson", profile_line(1, '{"member_since":"x"}'))
    assert [code for _, code, _ in found(data, schema)] == ["MIC253"]
    with pytest.raises(SchemaError, match="no type Nothing"):
        compile_schema(ROOT + "id: ID! }\nextend type Nothing { a: Int }", "s.gql")


@pytest.mark.parametrize(
    "declared",
    [
        "user_profiles: [UserProfile!]! }\ntype UserProfile { country: String! }",
        "travel: [TravelProfile!]! }\n"
        'type TravelProfile @Mirror(object_type:"UserProfile") { country: String! }',
    ],
)
def test_the_profile_type_is_found_by_its_name_or_mirror(tmp_path: Path, declared: str) -> None:
    """The reference (§8): "Resolve platform roles by type name, or by @Mirror"; a root
    field named otherwise than `profiles` left every line unchecked."""
    schema = write(tmp_path / "s.gql", ROOT + declared)
    data = write(tmp_path / "p.ndjson", profile_line(1, '{"country":null}'))
    assert [code for _, code, _ in found(data, schema)] == ["MIC251"]


def test_a_list_of_lists_is_taken_as_it_comes(tmp_path: Path) -> None:
    schema = write(
        tmp_path / "s.gql",
        ROOT + "profiles: [UserProfile!]! }",
        "type UserProfile { m: [[Int!]!] }",
    )
    data = write(tmp_path / "p.ndjson", profile_line(1, '{"m":[[1,2],[3]]}'))
    assert found(data, schema) == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            ROOT + "activities: [UserActivity!]! }\ntype UserActivity { events: [String!]! }",
            "UserActivity.events is [String!]!",
        ),
        (
            ROOT + "id: ID! }\n" + 'type Other @TreeIndexRoot(index:"USER_INDEX") { id: ID! }',
            "a second type with @TreeIndexRoot",
        ),
        (
            ROOT + "profiles: [UserProfile!]! }\n"
            'type UserProfile { x: String @Property(path:"$properties..x") }',
            "@Property on 'x' needs a path",
        ),
    ],
)
def test_a_schema_that_cannot_be_right_is_refused(text: str, said: str) -> None:
    with pytest.raises(SchemaError, match=said.replace("[", r"\[").replace("]", r"\]")):
        compile_schema(text, "s.gql")


def test_a_value_too_deep_to_walk_keeps_what_was_found_before_it(tmp_path: Path) -> None:
    """A RecursionError 400 objects down dropped every finding of the line, the null `!`
    field at the top too."""
    schema = write(
        tmp_path / "s.gql",
        ROOT + "profiles: [UserProfile!]! }",
        "type UserProfile { country: String! node: Node }",
        "type Node { name: String child: Node }",
    )
    node = '{"name":"n"}'
    for _ in range(400):
        node = '{"name":"n","child":' + node + "}"
    data = write(tmp_path / "p.ndjson", profile_line(1, '{"country":null,"node":' + node + "}"))
    assert [code for _, code, _ in found(data, schema)] == ["MIC251"]


def test_extend_enum_adds_its_values_and_a_union_of_events_is_taken(tmp_path: Path) -> None:
    schema = write(
        tmp_path / "s.gql",
        ROOT + "profiles: [UserProfile!]! activities: [UserActivity!]! }",
        "type UserProfile { tier: Tier }",
        "enum Tier { GOLD SILVER }",
        "extend enum Tier { BRONZE }",
        "type UserActivity { events: [AnyEvent!]! }",
        "union AnyEvent = PageView | Purchase",
        "type PageView { url: String }",
        "type Purchase { amount: Float }",
    )
    data = write(
        tmp_path / "p.ndjson",
        profile_line(1, '{"tier":"BRONZE"}'),
        profile_line(2, '{"tier":"COPPER"}'),
    )
    assert [(line, code) for line, code, _ in found(data, schema)] == [(2, "MIC253")]


@pytest.mark.parametrize(
    ("value", "reported"), [("9223372036854775808", False), ("18446744073709551616", True)]
)
def test_an_int_is_what_orjson_reads_as_one_on_both_paths(
    tmp_path: Path, value: str, reported: bool
) -> None:
    """orjson reads integers up to 2**64 - 1 as ints: the Structs' bound is the same."""
    schema = write(
        tmp_path / "s.gql", ROOT + "profiles: [UserProfile!]! }", "type UserProfile { n: Int }"
    )
    data = write(tmp_path / "p.ndjson", profile_line(1, '{"n":' + value + "}"))
    select = {"selections": (Selection(select=("MIC253",)),)}
    assert bool(found(data, schema, **select)) is reported
