"""What a review of the datamart checks against shared/reference/datamart-schema.md found
(docs/decisions.md, "Datamart schema"): each case on both paths, the full checks and the
fast path from line 1, which must agree.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from helpers import write

from mics_lint import Settings
from mics_lint.cli import cli
from mics_lint.config import Selection

ROOT = 'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { profiles: [UserProfile!]! '
ACTIVITY = (
    '{"$user_account_id":"CRM-1","$compartment_id":"1000","$type":"%s",'
    '"$session_status":"NO_SESSION","$ts":1700000000000,%s'
    '"$events":[{"$event_name":"x","$ts":1700000000000,"$properties":{}}]}'
)


def profile_line(n: int, profile: str, form: str = '"force_replace":false') -> str:
    return (
        f'{{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-{n}",'
        f'{form},"user_profile":{profile}}}'
    )


def both(linting, data: Path, schema: Path, **options) -> list[tuple[int, str, str]]:
    """The diagnostics of `data`, the same on the full checks and on the fast path."""
    found = []
    for fast in (False, True):
        settings = Settings(
            datamart_schemas=(("*", str(schema)),), fast_path=fast, fast_path_from=1, **options
        )
        found.append([(d.line, d.code, d.message) for d in linting.path(data, settings)])
    assert found[0] == found[1]
    return found[0]


def test_a_type_below_a_platform_key_no_source_maps_is_not_required(
    tmp_path: Path, linting
) -> None:
    # Reference §4.2: $origin, $location... have "no schema mapping ... in any source".
    schema = write(
        tmp_path / "s.gql",
        'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { activities: [UserActivity!]! }',
        "type UserActivity { ts: Timestamp! origin: Origin events: [UserEvent!]! }",
        "type Origin { channel: String! }",
        "type UserEvent { ts: Timestamp! name: String! }",
    )
    data = write(
        tmp_path / "a.ndjson",
        ACTIVITY % ("TOUCH", '"$origin":{"$channel":"email"},'),
        ACTIVITY % ("TOUCH", '"$origin":{"channel":true},'),
    )
    found = both(linting, data, schema, doc_type="activity")
    assert [(line, code) for line, code, _ in found] == [(2, "MIC253")]  # a value still is


def test_a_bracketed_property_path_is_not_read(tmp_path: Path, linting) -> None:
    # Reference §4.3: "[parent].$properties.foo" was not found in any doc or code.
    schema = write(
        tmp_path / "s.gql",
        'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { activities: [UserActivity!]! }',
        "type UserActivity { ts: Timestamp! events: [UserEvent!]! }",
        'type UserEvent { ts: Timestamp! channel_id: String! @Property(path:"[parent].$site_id") }',
    )
    data = write(tmp_path / "a.ndjson", ACTIVITY % ("TOUCH", '"$site_id":"12",'))
    assert both(linting, data, schema, doc_type="activity") == []
    printed = CliRunner().invoke(cli, ["schema-check", str(schema)]).output
    assert "not read from the import: UserEvent.channel_id (its path [parent].$site_id" in printed


NEWSLETTER = [
    ROOT + "}",
    "type UserProfile { newsletter_options: Newsletter }",
    "type Newsletter { subscribed: Boolean! preferred_periods: String }",
]


def test_a_merge_without_merge_objects_replaces_the_nested_objects(tmp_path: Path, linting) -> None:
    # Formats reference §4.1, merge_objects: "`false` [the default]: a nested object with
    # the same property name overrides the old one".
    schema = write(tmp_path / "s.gql", *NEWSLETTER)
    sent = '{"newsletter_options":{"preferred_periods":"MONTHLY"}}'
    forms = {
        1: '"force_replace":false',
        2: '"force_replace":false,"merge_objects":false',
        3: '"force_replace":false,"merge_objects":true',
        4: '"force_replace":true',
    }
    data = write(tmp_path / "p.ndjson", *(profile_line(n, sent, f) for n, f in forms.items()))
    found = both(linting, data, schema)
    assert [(line, code) for line, code, _ in found] == [
        (1, "MIC251"),
        (2, "MIC251"),
        (4, "MIC251"),
    ]
    assert found[0][2].endswith(
        'without "merge_objects": true this line replaces the stored Newsletter object whole, '
        "which will not be indexed without it (perhaps the whole profile either); add "
        'subscribed, or "merge_objects": true'
    )
    assert "this line replaces the whole Newsletter object" in found[2][2]
    # The newer form's PARTIAL_UPDATE: what it does to nested objects is not documented.
    update = write(
        tmp_path / "u.ndjson", profile_line(5, sent, '"update_strategy":"PARTIAL_UPDATE"')
    )
    assert both(linting, update, schema, profile_form="update_strategy") == []


def test_the_paths_agree_on_many_merge_lines(tmp_path: Path, linting) -> None:
    schema = write(tmp_path / "s.gql", *NEWSLETTER)
    forms = ['"force_replace":false', '"force_replace":false,"merge_objects":true']
    forms += ['"force_replace":false,"merge_objects":false', '"force_replace":true']
    sent = ["{}", '{"subscribed":true}', '{"preferred_periods":"M"}', '{"subscribed":null}']
    lines = [
        profile_line(n, f'{{"newsletter_options":{sent[n % 4]}}}', forms[n // 4 % 4])
        for n in range(64)
    ]
    found = both(linting, write(tmp_path / "p.ndjson", *lines), schema)
    # Absent: 3 forms of 4 replace nested objects, 2 profiles of 4 lack the field, 4 lines
    # each (24); null: every form, 1 profile of 4 (16).
    assert len(found) == 40


def test_a_timestamp_of_eleven_digits_is_milliseconds(tmp_path: Path, linting) -> None:
    # Reference §8: "A 10-digit value (seconds) ... is a warning"; 77500800000 is 1972-06-15
    # in milliseconds, which the advice (times 1000) would push past the year 4000.
    schema = write(tmp_path / "s.gql", ROOT + "}", "type UserProfile { birth_ts: Timestamp }")
    values = [77500800000, 999999999, 1700000000, 1000000000, 9999999999, 638928000000]
    lines = [profile_line(n, f'{{"birth_ts":{v}}}') for n, v in enumerate(values)]
    found = both(linting, write(tmp_path / "p.ndjson", *lines), schema)
    assert [(line, code) for line, code, _ in found] == [
        (3, "MIC257"),
        (4, "MIC257"),
        (5, "MIC257"),
    ]
    assert "has 10 digits" in found[0][2]


def test_an_activity_type_the_format_refuses_is_reported_once(tmp_path: Path, linting) -> None:
    schema = write(
        tmp_path / "s.gql",
        'type UserPoint @TreeIndexRoot(index:"USER_INDEX") { activities: [UserActivity!]! }',
        "type UserActivity { ts: Timestamp! type: UserActivityType }",
    )
    data = write(tmp_path / "a.ndjson", ACTIVITY % ("VISIT", ""))
    assert [code for _, code, _ in both(linting, data, schema, doc_type="activity")] == ["MIC203"]


def test_a_string_out_of_an_enum_is_named_so(tmp_path: Path, linting) -> None:
    schema = write(
        tmp_path / "s.gql",
        ROOT + "}",
        "type UserProfile { tier: Tier level: Tier }",
        "enum Tier { GOLD SILVER BRONZE }",
    )
    data = write(tmp_path / "p.ndjson", profile_line(1, '{"tier":"gold","level":"PLATINUM"}'))
    messages = [message for _, _, message in both(linting, data, schema)]
    assert messages == [
        "user_profile.tier: the datamart schema declares Tier (UserProfile.tier), and this "
        'string is not one of its values: it will not index as declared; did you mean "GOLD"?',
        "user_profile.level: the datamart schema declares Tier (UserProfile.level), and this "
        "string is not one of its values: it will not index as declared; use one of Tier's "
        "values: BRONZE, GOLD, SILVER",
    ]


def test_a_numbered_key_is_no_slip_and_a_key_no_graphql_name_gets_a_path(
    tmp_path: Path, linting
) -> None:
    # Reference §8: keys that cannot be GraphQL names "can only be indexed through @Property".
    schema = write(tmp_path / "s.gql", ROOT + "}", "type UserProfile { phone: String }")
    data = write(
        tmp_path / "p.ndjson",
        profile_line(1, '{"phone2":"0600000000","shoe-size":42,"phnoe":"1","a.b":1}'),
    )
    assert [code for _, code, _ in both(linting, data, schema)] == ["MIC256"]  # phnoe
    every = Selection(extend_select=("MIC255",))
    found = both(linting, data, schema, selections=(every,))
    advice = {message.split(":")[0]: message.split("; ", 1)[1] for _, _, message in found}
    assert advice == {
        "user_profile.phone2": "declare it in the schema if it should be",
        "user_profile.shoe-size": "it is no GraphQL name: to query it, declare a field such "
        'as shoe_size with @Property(path:"shoe-size")',
        "user_profile.phnoe": 'did you mean "phone"?',
        'user_profile["a.b"]': "no @Property path can name a key holding a dot: rename it to "
        "query it",
    }
