"""The datamart schema (issue 18): reading the schema file, its errors, the option and the
config key, rules off by default, `schema-check`, and the fast path with a schema.

The golden files of the scenario (every rule on profiles and on activities) are in
tests/test_datamart_fixtures.py; each rule's own fixture is under tests/fixtures/rules.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import counting_vouches, one_error_line, write

from mics_lint import Settings
from mics_lint.cli import cli
from mics_lint.config import Selection, build_settings, load_config
from mics_lint.datamart import sdl
from mics_lint.datamart.attach import attach
from mics_lint.datamart.fast import CODES
from mics_lint.doctypes import DOC_TYPES, USER_ACTIVITY, USER_PROFILE, USER_SEGMENT
from mics_lint.rules import REGISTRY

HERE = Path(__file__).parent / "fixtures" / "datamart"
RETAIL = HERE / "retail.gql"
PROFILES = HERE / "profiles.profile-form-either.ndjson"
CLEAN = (
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d",'
    '"force_replace":true,"user_profile":{"country":"FR","age":%d,"loyalty":{"tier":"GOLD"}}}'
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


# -- bad schema files: one line, FILE:LINE:COL, exit 2 --------------------------------------

BAD = {
    "syntax.gql": "4:1: not valid GraphQL SDL: Expected ']', found '}'",
    "dollar_field.gql": "7:3: not valid GraphQL SDL: Expected Name, found '$'",
    "empty.gql": "1:1: not valid GraphQL SDL",
    "no_root.gql": "1:1: no type has @TreeIndexRoot",
    "unknown_type.gql": "7:12: field 'loyalty' has type 'Loyality', which the schema does "
    'not declare; did you mean "Loyalty"?',
    "property_no_path.gql": "12:16: @Property on 'page' needs a path",
    "property_empty_paths.gql": "6:19: @Property on 'channel' needs a path",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_schema_is_one_line_and_exit_2(name: str) -> None:
    path = HERE / "bad" / name
    for args in (
        ["check", "--isolated", "--datamart-schema", str(path), str(PROFILES)],
        ["schema-check", str(path)],
    ):
        result = run(*args)
        assert result.exit_code == 2, result.output
        one_error_line(result.stderr, f"{path}:{BAD[name]}")
        assert result.stdout == ""


def test_every_bad_schema_file_is_tested() -> None:
    assert sorted(p.name for p in (HERE / "bad").glob("*.gql")) == sorted(BAD)


def test_an_unreadable_schema_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gql"
    result = run("check", "--isolated", "--datamart-schema", str(missing), str(PROFILES))
    assert result.exit_code == 2
    one_error_line(result.stderr, str(missing), "cannot read the datamart schema")
    undecodable = tmp_path / "latin1.gql"
    undecodable.write_bytes(b"# caf\xe9\ntype UserPoint @TreeIndexRoot { id: ID! }\n")
    result = run("schema-check", str(undecodable))
    assert result.exit_code == 2
    one_error_line(result.stderr, str(undecodable), "cannot read the datamart schema")


def test_without_graphql_core_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    sdl.load.cache_clear()
    monkeypatch.setitem(sys.modules, "graphql", None)  # `import graphql` raises ImportError
    try:
        result = run("check", "--isolated", "--datamart-schema", str(RETAIL), str(PROFILES))
        assert result.exit_code == 2
        one_error_line(result.stderr, "graphql-core", "pip install 'mics-lint[datamart]'")
    finally:
        sdl.load.cache_clear()


def test_graphql_core_is_imported_only_for_a_schema() -> None:
    import subprocess

    code = (
        "import sys, mics_lint.cli, mics_lint.linter\n"
        "from mics_lint import Settings, lint_lines\n"
        "import io\n"
        "list(lint_lines(io.BytesIO(b'{}\\n'), '-', Settings()))\n"
        "print('graphql' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- what the schema says ----------------------------------------------------------------------


def test_roles_sources_and_skipped_fields() -> None:
    datamart = sdl.load(str(RETAIL))
    assert (datamart.profile, datamart.activity, datamart.event) == (
        "UserProfile",
        "UserActivity",
        "StoreEvent",
    )
    profile = {f.name: f for f in datamart.types["UserProfile"].fields}
    assert profile["compartment_id"].sources == (("$compartment_id",),)
    assert profile["country"].sources == (("country",),) and profile["country"].non_null
    assert profile["stores"].is_list and profile["stores"].items_non_null
    assert not profile["stores"].non_null
    skipped = dict(datamart.types["UserProfile"].skipped)
    assert skipped["signup_date"] == "computed by @Function(ISODate)"
    assert skipped["id"] == skipped["creation_ts"] == "set by the platform"
    activity = {f.name: f for f in datamart.types["UserActivity"].fields}
    assert activity["channel_id"].sources == (("$site_id",), ("$app_id",))
    assert activity["ts"].sources == (("$ts",),)
    assert activity["store_region"].how == "guess"
    event = {f.name: f for f in datamart.types["StoreEvent"].fields}
    assert event["nature"].sources == (("$event_name",),)
    assert event["url"].sources == (("$properties", "$url"),)
    assert event["amount"].sources == (("$properties", "amount"),)
    assert "date" in dict(datamart.types["StoreEvent"].skipped)


def test_schema_check_prints_the_mapping() -> None:
    result = run("schema-check", str(RETAIL))
    assert result.exit_code == 0, result.output
    expected = (HERE / "retail.mapping.txt").read_text(encoding="utf-8")
    assert result.stdout == expected


def test_a_schema_without_profiles_leaves_profile_files_alone(tmp_path: Path) -> None:
    only = write(
        tmp_path / "activities.gql",
        'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { activities: [A!]! }',
        "type A { ts: Timestamp! events: [E!]! }",
        "type E { ts: Timestamp! }",
    )
    assert attach(USER_PROFILE, str(only), frozenset(CODES), {}) is USER_PROFILE
    assert attach(USER_ACTIVITY, str(only), frozenset(CODES), {}) is not USER_ACTIVITY
    assert attach(USER_SEGMENT, str(RETAIL), frozenset(CODES), {}) is USER_SEGMENT
    result = run("schema-check", str(only))
    assert "USER_PROFILE: not checked (UserPoint declares no profiles)" in result.stdout


def test_a_customer_enum_and_scalar_are_taken(tmp_path: Path) -> None:
    schema = write(
        tmp_path / "s.gql",
        "scalar Json",
        'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { profiles: [P!]! }',
        "enum Tier { LOW HIGH }",
        "type P { tier: Tier extra: Json score: Double active: Bool }",
    )
    data = write(
        tmp_path / "p.ndjson",
        '{"operation":"UPSERT","user_agent_id":"vec:1","force_replace":true,'
        '"user_profile":{"tier":"HIGH","extra":{"any":[1]},"score":2,"active":true}}',
        '{"operation":"UPSERT","user_agent_id":"vec:2","force_replace":true,'
        '"user_profile":{"tier":"MID","extra":3,"score":"2","active":1}}',
    )
    result = run("check", "--isolated", "-q", "--datamart-schema", str(schema), str(data))
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["MIC253", "MIC253", "MIC253"], lines
    assert all(":2:" in line for line in lines)


# -- the option, the config key, rules off by default ----------------------------------------


def test_off_by_default_and_selectable() -> None:
    enabled = Settings().enabled_codes()
    assert {"MIC254", "MIC255"}.isdisjoint(enabled)
    assert {"MIC251", "MIC252", "MIC253", "MIC256", "MIC257"} <= enabled
    assert not REGISTRY["MIC254"].default_on and not REGISTRY["MIC255"].default_on
    for selector in ("MIC254", "datamart-number-for-string", "MIC25", "MIC2"):
        chosen = Settings(selections=(Selection(extend_select=(selector,)),))
        assert "MIC254" in chosen.enabled_codes(), selector
    only = Settings(selections=(Selection(select=("MIC3",)),))
    assert "MIC254" not in only.enabled_codes()


def test_the_option_beats_the_config_globs(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    config = write(
        tmp_path / "mics-lint.toml",
        "[datamart-schema]",
        '"crm/*" = "s/crm.gql"',
        '"web/*" = "s/web.gql"',
    )
    loaded = load_config(config)
    assert loaded.datamart_schemas == (
        ("crm/*", str(tmp_path / "s" / "crm.gql")),
        ("web/*", str(tmp_path / "s" / "web.gql")),
    )
    settings = build_settings(loaded)
    assert settings.datamart_schema_for(str(tmp_path / "crm" / "a.ndjson")) == str(
        tmp_path / "s" / "crm.gql"
    )
    assert settings.datamart_schema_for(str(tmp_path / "other.ndjson")) is None
    with_option = build_settings(loaded, datamart_schema="x.gql")
    assert with_option.datamart_schema_for(str(tmp_path / "crm" / "a.ndjson")) == "x.gql"


def test_the_config_key_may_be_one_path(tmp_path: Path) -> None:
    config = write(tmp_path / "mics-lint.toml", 'datamart-schema = "schema.gql"')
    assert load_config(config).datamart_schemas == (("*", str(tmp_path / "schema.gql")),)


def test_a_bad_config_value_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mics-lint.toml", "datamart-schema = 3")
    write(tmp_path / "a.ndjson", CLEAN % (1, 30))
    result = run("check", "a.ndjson")
    assert result.exit_code == 2
    one_error_line(result.stderr, "mics-lint.toml", "datamart-schema must be a path")


def test_a_config_schema_is_read_before_any_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mics-lint.toml", 'datamart-schema = "bad.gql"')
    (tmp_path / "bad.gql").write_text("type {", encoding="utf-8")
    write(tmp_path / "a.ndjson", CLEAN % (1, 30))
    result = run("check", "a.ndjson")
    assert result.exit_code == 2
    one_error_line(result.stderr, str(tmp_path / "bad.gql") + ":1:6: not valid GraphQL SDL")
    assert result.stdout == ""


def test_a_config_schema_no_file_reaches_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--datamart-schema` applies to every file, before the config's globs: a broken
    schema in the config then stops nothing; nor does one after a config's "*" glob."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.gql").write_text("type {", encoding="utf-8")
    write(tmp_path / "a.ndjson", CLEAN % (1, 30))
    write(tmp_path / "mics-lint.toml", '[datamart-schema]\n"*.ndjson" = "bad.gql"')
    result = run("check", "--datamart-schema", str(RETAIL), "a.ndjson")
    assert (result.exit_code, result.stderr) == (0, "")
    result = run("check", "a.ndjson")  # the config's own: read, and refused
    assert result.exit_code == 2
    write(tmp_path / "mics-lint.toml", f'[datamart-schema]\n"*" = "{RETAIL}"\n"x" = "bad.gql"')
    result = run("check", "a.ndjson")
    assert (result.exit_code, result.stderr) == (0, "")


def test_rule_explanations_print() -> None:
    for code in sorted(CODES):
        result = run("rule", code)
        assert result.exit_code == 0
        assert "## What it does" in result.stdout and "--datamart-schema" in result.stdout


# -- the fast path -------------------------------------------------------------------------


def test_with_a_schema_the_fast_path_still_runs(tmp_path: Path, linting) -> None:
    """Every enabled MIC25x code is covered: files with a schema keep their fast path."""
    enabled = Settings(selections=(Selection(extend_select=("MIC25",)),)).enabled_codes()
    attached = attach(USER_PROFILE, str(RETAIL), enabled, {})
    assert attached.fast_uncovered(enabled) == frozenset()
    activities = attach(USER_ACTIVITY, str(RETAIL), enabled, {})
    assert activities.fast_uncovered(enabled) == frozenset()
    lines = [CLEAN % (n, 20 + n % 50) for n in range(300)]
    data = write(tmp_path / "clean.ndjson", *lines)
    settings = Settings(datamart_schemas=(("*", str(RETAIL)),), fast_path_from=1)
    with counting_vouches() as counts:
        assert linting.path(data, settings) == []
    assert counts["vouched"] >= 299


def test_a_line_the_schema_refuses_is_not_vouched_for(tmp_path: Path, linting) -> None:
    lines = [CLEAN % (n, 30) for n in range(20)]
    lines[7] = lines[7].replace('"age":30', '"age":"30"')
    lines[12] = lines[12].replace('"country":"FR",', "")
    data = write(tmp_path / "some.ndjson", *lines)
    for fast in (True, False):
        settings = Settings(
            datamart_schemas=(("*", str(RETAIL)),), fast_path_from=1, fast_path=fast
        )
        found = linting.path(data, settings)
        assert [(d.line, d.code) for d in found] == [(8, "MIC253"), (13, "MIC251")]


def test_without_a_schema_nothing_changes() -> None:
    assert "MIC251" not in {r.code for r in DOC_TYPES["USER_PROFILE"].record_rules}
    enabled = Settings().enabled_codes()
    assert DOC_TYPES["USER_PROFILE"].fast_uncovered(enabled) == frozenset()


def test_messages_show_no_value(linting) -> None:
    settings = dataclasses.replace(
        Settings(profile_form="either"),
        datamart_schemas=(("*", str(RETAIL)),),
        selections=(Selection(extend_select=("MIC25",)),),
    )
    found = linting.path(PROFILES, settings)
    assert found
    text = " ".join(d.message for d in found)
    for value in ("Lyon", "blue", "WINDOZE", "running", "GOLDEN", "1 rue X", "42", "12.5"):
        assert value not in text, value


TRICKY = [
    '{"country":"FR","signup_ts":0}',  # 0: not "seconds" for walk.py, refused by the Structs
    '{"country":"FR","signup_ts":-86400000}',
    '{"country":"FR","signup_ts":99999999999}',
    '{"country":"FR","signup_ts":100000000000}',
    '{"country":"FR","$creation_ts":1700000000000,"id":"x"}',  # the platform's keys
    '{"country":"FR","$unknown":1}',
    '{"country":"FR","age":1.0}',
    '{"country":"FR","age":true,"opt_in":0}',
    '{"country":"FR","lifetime_value":3}',
    '{"country":"FR","age":"x","age":3}',  # the last one wins, as in parsing
    '{"country":"FR","loyalty":{"tier":"GOLD","tier":null}}',
    '{"country":"FR","loyalty":{}}',
    '{"country":"FR","loyalty":null,"stores":null,"interests":[null]}',
    '{"country":"FR","stores":[{"store_id":"a","visits":null}],"device_os":null}',
    '{"country":"FR","interests":[1,"a"],"gender":2.5}',
    '{"countri":"FR"}',
    '{"country":"FR","Country":"FR","contry":1}',
    '{"country":"FR","birth_date":"","signup_ts":"2024-13-45"}',
    '{"country":"FR","signup_ts":"soon","signup_date":12}',
    "{}",
]


@pytest.mark.parametrize(
    "selection",
    [(), ("MIC25",), ("MIC254",), ("MIC255",)],
    ids=["default", "all", "MIC254", "MIC255"],
)
@pytest.mark.parametrize("force", ["true", "false"])
def test_the_fast_check_agrees_with_the_full_checks(
    selection: tuple[str, ...], force: str, tmp_path: Path, linting
) -> None:
    lines = [
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-'
        + str(n)
        + f'","force_replace":{force},"user_profile":{profile}}}'
        for n, profile in enumerate(TRICKY)
    ]
    data = write(tmp_path / "tricky.ndjson", *lines)
    base = Settings(
        datamart_schemas=(("*", str(RETAIL)),),
        selections=(Selection(extend_select=selection),),
    )
    full = linting.path(data, dataclasses.replace(base, fast_path=False))
    fast = linting.path(data, dataclasses.replace(base, fast_path_from=1))
    assert linting.render(fast) == linting.render(full)


def test_a_type_that_holds_itself_and_a_deep_value(tmp_path: Path, linting) -> None:
    schema = write(
        tmp_path / "deep.gql",
        'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { profiles: [P!]! }',
        "type P { child: P name: String! }",
    )
    deep = '{"name":"a","child":' * 900 + '{"name":"b"}' + "}" * 900
    # A wrong value at the bottom of 500 and 1,022 objects (orjson's limit: 1,024 levels
    # with the line's and the profile's): the walk used to stop at Python's recursion
    # limit, about 330 levels, and drop what it had found.
    wrong = ['{"name":"a","child":' * n + '{"name":true}' + "}" * n for n in (500, 1022)]
    profiles = [deep, '{"name":"a","child":{"child":{"name":true}}}', *wrong]
    lines = [
        f'{{"operation":"UPSERT","user_agent_id":"vec:{n}","force_replace":true,'
        f'"user_profile":{profile}}}'
        for n, profile in enumerate(profiles)
    ]
    data = write(tmp_path / "deep.ndjson", *lines)
    bottom = [lines[n].index('"name":true') + 8 for n in (2, 3)]  # the value's column
    for fast in (True, False):
        settings = Settings(
            datamart_schemas=(("*", str(schema)),), fast_path=fast, fast_path_from=1
        )
        found = linting.path(data, settings)
        assert [(d.line, d.code, d.column) for d in found if d.line > 2] == [
            (3, "MIC253", bottom[0]),
            (4, "MIC253", bottom[1]),
        ], found
        assert [(d.line, d.code) for d in found if d.line <= 2] == [(2, "MIC251"), (2, "MIC253")]
        # Its path and the fields that lead to it, each cut to its two ends: one line.
        assert len(found[-1].message) < 400, found[-1].message
        assert "(P.child: P.child: P.child: P.child: P.ch… P.child: P.child:" in found[-1].message


def test_show_values_shows_the_value(linting) -> None:
    settings = Settings(
        datamart_schemas=(("*", str(RETAIL)),), profile_form="either", show_values=True
    )
    found = [(d.line, d.code, d.message) for d in linting.path(PROFILES, settings)]
    assert any(m.endswith('(the value: "42")') for line, _, m in found if line == 7)
    assert any(m.endswith("(the value: 638928000000)") for line, _, m in found if line == 6)
    assert all("(the value" not in m for line, _, m in found if line == 3)  # absent


def test_a_partial_delete_is_not_judged(tmp_path: Path, linting) -> None:
    line = (
        '{"operation":"UPSERT","user_agent_id":"vec:%s","update_strategy":"%s",'
        '"user_profile":{"country":null,"age":"x"}}'
    )
    data = write(tmp_path / "p.ndjson", line % (1, "PARTIAL_DELETE"), line % (2, "PARTIAL_UPDATE"))
    for fast in (True, False):
        settings = Settings(
            datamart_schemas=(("*", str(RETAIL)),),
            profile_form="update_strategy",
            fast_path=fast,
            fast_path_from=1,
        )
        found = linting.path(data, settings)
        assert [(d.line, d.code) for d in found] == [(2, "MIC251"), (2, "MIC253")]


def test_what_the_activity_format_reports_is_not_reported_twice(tmp_path: Path, linting) -> None:
    line = (
        '{"$user_account_id":"CRM-1","$compartment_id":"1000","$type":"SITE_VISIT",'
        '"$session_status":"NO_SESSION","$ts":true,"$site_id":"1","$session_duration":false,'
        '"$events":[{"$event_name":"x","$ts":1700000000000,"$properties":{"amount":1}}]}'
    )
    data = write(tmp_path / "a.ndjson", line)
    for fast in (True, False):
        settings = Settings(
            datamart_schemas=(("*", str(RETAIL)),),
            doc_type="activity",
            fast_path=fast,
            fast_path_from=1,
        )
        assert [d.code for d in linting.path(data, settings)] == ["MIC202", "MIC202"]
