"""Issue 16, items 1 to 7 and 9 to 11: what a new user tripped on, each checked on the full
checks and on the fast path (from line 1), and, where it is about a whole file, across
`--jobs` chunks. Every test here failed before its change."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers import run_cli, write

from mics_lint import Diagnostic, Settings, lint_file, lint_lines
from mics_lint.config import Selection
from mics_lint.doctypes import DOC_TYPES, find
from mics_lint.linter import lint_stream
from mics_lint.rules import REGISTRY

HASH = "1c3c150b60c18ebda6d93d5ab24785b8eefc2698a9d211d7f9800672ffa2916e"


def lint(lines: list[str], doc_type: str | None = None, **settings: object) -> list[Diagnostic]:
    """The lines' diagnostics, the same on the full checks and on the fast path from line 1."""
    base = Settings(doc_type=find(doc_type).name if doc_type else None, **settings)  # type: ignore[arg-type, union-attr]
    text = [line + "\n" for line in lines]
    full = list(lint_lines(text, settings=dataclasses.replace(base, fast_path=False)))
    fast = list(lint_lines(text, settings=dataclasses.replace(base, fast_path_from=1)))
    assert fast == full
    return full


def codes(found: list[Diagnostic]) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in found]


def profile(user_profile: str, **keys: str) -> str:
    fields = "".join(f',"{k}":{v}' for k, v in keys.items())
    return (
        f'{{"operation":"UPSERT","email_hash":"{HASH}","force_replace":false{fields},'
        f'"user_profile":{user_profile}}}'
    )


def segment(fields: str) -> str:
    return f'{{"operation":"UPDATE","email_hash":"{HASH}","segment_id":"4521",{fields}}}'


def activity(properties: str, **root: str) -> str:
    fields = "".join(f',"{k}":{v}' for k, v in root.items())
    return (
        '{"$user_agent_id":"vec:89998434","$type":"TOUCH","$session_status":"NO_SESSION",'
        f'"$ts":1700000000000{fields},"$events":[{{"$event_name":"store_purchase",'
        f'"$ts":1700000000000,"$properties":{properties}}}]}}'
    )


# -- 1. MIC206: only the docs' placeholder shape -------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["<none>", "<name@example.com>", '<a href=\\"https://example.com\\">site</a>', "<18>", "<b>"],
)
def test_free_form_values_between_angle_brackets_are_data(value: str) -> None:
    assert lint([profile(f'{{"preferred_contact":"{value}"}}')]) == []
    assert lint([activity(f'{{"coupon":"{value}"}}')], "activity") == []


@pytest.mark.parametrize("value", ["<USER_ACCOUNT_ID>", "<EMAIL_HASH>", "<TIMESTAMP>", "<ID2>"])
def test_the_docs_placeholders_are_still_reported(value: str) -> None:
    assert codes(lint([profile(f'{{"city":"{value}"}}')])) == [(1, "MIC206")]
    assert codes(lint([activity(f'{{"coupon":"{value}"}}')], "activity")) == [(1, "MIC206")]
    line = f'{{"operation":"DELETE","compartment_id":"1000","user_account_id":"{value}"}}'
    assert codes(lint([line])) == [(1, "MIC206")]


def test_an_identifier_between_angle_brackets_is_not_a_placeholder() -> None:
    # Not the docs' shape: the identifier rules judge it (a user agent id without prefix).
    assert codes(lint(['{"operation":"DELETE","user_agent_id":"<vec:1>"}'])) == [(1, "MIC306")]


# -- 2. expiration_ts: any number of at least 0 ----------------------------------------------


@pytest.mark.parametrize("value", ["1735689600123.456", "0", "0.5", "1767225600000"])
def test_expiration_ts_takes_any_number_from_0(value: str) -> None:
    assert lint([segment(f'"expiration_ts":{value}')], "segment") == []


def test_expiration_ts_below_0_or_not_a_number_is_still_reported() -> None:
    found = lint(
        [segment('"expiration_ts":-1.5'), segment('"expiration_ts":"1767225600000"')], "segment"
    )
    assert codes(found) == [(1, "MIC203"), (2, "MIC202")]
    assert "must be a number" in found[1].message


def test_expiration_duration_stays_an_integer() -> None:
    found = lint([segment('"expiration_duration":1.5')], "segment")
    assert codes(found) == [(1, "MIC202")]


# -- 4. an empty compartment_id is MIC205 in every type -------------------------------------


@pytest.mark.parametrize("name", ["identifiers-deletion", "user-points-deletion"])
@pytest.mark.parametrize("value", ['""', '" "'])
def test_an_empty_compartment_id_in_a_deletion_line(name: str, value: str) -> None:
    line = f'{{"type":"USER_ACCOUNT","compartment_id":{value},"user_account_id":"8541254132"}}'
    assert codes(lint([line], name)) == [(1, "MIC205")]


def test_an_integer_compartment_id_in_a_deletion_line_is_still_fine() -> None:
    line = '{"type":"USER_ACCOUNT","compartment_id":1000,"user_account_id":"8541254132"}'
    assert lint([line], "identifiers-deletion") == []


# A line of each type holding one user account, its compartment written `{c}`.
_ACCOUNT = '"compartment_id":{c},"user_account_id":"CRM-42"'
_TYPED_ACCOUNT = '{"type":"USER_ACCOUNT",' + _ACCOUNT + "}"
ACCOUNT_LINES = {
    "USER_PROFILE": '{"operation":"DELETE",' + _ACCOUNT + "}",
    "USER_SEGMENT": '{"operation":"DELETE",' + _ACCOUNT + ',"segment_id":"1"}',
    "USER_CHOICE": '{"operation":"DELETE",' + _ACCOUNT + ',"user_choice":{"$processing_id":"1"}}',
    "USER_IDENTIFIERS_DELETION": _TYPED_ACCOUNT,
    "USER_DEVICE_POINTS_DELETION": None,  # USER_AGENT lines only
    "USER_POINTS_DELETION": _TYPED_ACCOUNT,
    "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS": (
        '{"identifiers":[{"type":"USER_AGENT","user_agent_id":"vec:1"},' + _TYPED_ACCOUNT + "]}"
    ),
    "USER_ACTIVITY": activity("{}", **{"$compartment_id": "{c}"}).replace(
        '"$user_agent_id":"vec:89998434"', '"$user_account_id":"CRM-42"'
    ),
}


def test_the_table_covers_every_type() -> None:
    assert set(ACCOUNT_LINES) == set(DOC_TYPES)


@pytest.mark.parametrize("name", [n for n, line in ACCOUNT_LINES.items() if line])
@pytest.mark.parametrize(
    ("compartment", "expected"),
    [('"1000"', []), ('""', ["MIC205"]), ('"crm_compartment"', ["MIC308"])],
)
def test_compartment_ids_are_judged_alike_in_every_type(
    name: str, compartment: str, expected: list[str]
) -> None:
    line = ACCOUNT_LINES[name]
    assert line is not None
    found = lint([line.replace("{c}", compartment)], name)
    assert [d.code for d in found] == expected


# -- 5. timestamps in seconds: $choice_ts and expiration_ts ----------------------------------


def choice(choice_ts: str) -> str:
    return (
        f'{{"operation":"UPSERT","email_hash":"{HASH}","force_replace":true,'
        f'"user_choice":{{"$processing_id":"12","$choice_ts":{choice_ts}}}}}'
    )


def test_choice_ts_in_seconds_is_reported_with_the_milliseconds() -> None:
    found = lint([choice("1733220000"), choice("1733220000000")], "choice")
    assert codes(found) == [(1, "MIC805")]
    assert "looks like seconds" in found[0].message and "1733220000000" in found[0].message


@pytest.mark.parametrize("value", ["1e400", "-1e400"])
def test_a_time_of_infinity_is_told_to_be_a_whole_number(value: str) -> None:
    """`1e400` reads as infinity: its milliseconds were an int() of it, an internal error
    (a fuzzer of the fast path against the full checks found it)."""
    for line, kind in ((choice(value), "choice"), ('{"$ts":' + value + "}", "activity")):
        (told,) = [d.message for d in lint([line], kind) if d.code == "MIC202"]
        assert told.endswith("not a decimal number: write a whole number"), told


def test_an_expiry_of_infinity_is_told_past_64_bits_as_1e300_is() -> None:
    """expiration_ts is a number (a fraction is allowed): `1e400`, infinity, was an int() of
    it in MIC706's advice, an internal error."""
    found = lint([segment(f'"expiration_ts":{v}') for v in ("1e400", "1e300")], "segment")
    assert codes(found) == [(1, "MIC706"), (2, "MIC706")]
    assert found[0].message == found[1].message
    assert found[0].message.startswith("expiration_ts is a number past 64 bits, after the year")
    # Its negative, under the minimum, was shown as orjson writes it: null.
    (below,) = lint([segment('"expiration_ts":-1e400')], "segment")
    assert below.message == "expiration_ts is -inf, expected 0 or more"


@pytest.mark.parametrize("value", ["0", "1", "1700000000000"])
def test_choice_ts_that_is_no_clear_date_in_seconds_passes(value: str) -> None:
    assert lint([choice(value)], "choice") == []


def test_expiration_ts_in_seconds_is_reported_when_clearly_a_date() -> None:
    values = ("1767225600", "1767225600.5", "0", "3600")
    found = lint([segment(f'"expiration_ts":{v}') for v in values], "segment")
    assert codes(found) == [(1, "MIC706"), (2, "MIC706")]
    assert "1767225600000" in found[0].message


# -- 6. a compartment_id that is not digits --------------------------------------------------


@pytest.mark.parametrize("value", ["crm_compartment", " 1500", "10²", "1000a"])
def test_a_compartment_id_not_of_digits_is_a_warning(value: str) -> None:
    line = f'{{"operation":"DELETE","compartment_id":"{value}","user_account_id":"CRM-42"}}'
    found = [d for d in lint([line]) if d.code == "MIC308"]
    assert len(found) == 1 and str(found[0].severity) == "warning"
    assert "digits" in found[0].message


def test_compartment_ids_of_digits_and_placeholders_are_not_mic308() -> None:
    lines = [
        '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-42"}',
        '{"operation":"DELETE","compartment_id":"<COMPARTMENT_ID>","user_account_id":"CRM-43"}',
    ]
    assert codes(lint(lines)) == [(2, "MIC206")]


# -- 7. the same identifier twice in one association line ------------------------------------


def test_the_same_identifier_twice_in_an_association_line() -> None:
    email = f'{{"type":"USER_EMAIL","hash":"{HASH}"}}'
    account = '{"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1000"}'
    other = '{"type":"USER_ACCOUNT","user_account_id":"CRM-42","compartment_id":"1001"}'
    lines = [
        f'{{"identifiers":[{email},{email}]}}',
        f'{{"identifiers":[{account},{email},{account}]}}',
        f'{{"identifiers":[{account},{other},{email}]}}',
    ]
    found = lint(lines, "association")
    assert codes(found) == [(1, "MIC907"), (2, "MIC907")]
    assert "identifiers[2] is the same identifier as identifiers[0]" in found[1].message


# -- 9. MIC306 on a prefix without a value ---------------------------------------------------


def test_a_user_agent_id_with_its_prefix_only_says_the_value_is_missing() -> None:
    found = lint(['{"operation":"DELETE","user_agent_id":"vec:"}'])
    assert codes(found) == [(1, "MIC306")]
    assert (
        "value is missing" in found[0].message and "add the registry prefix" not in found[0].message
    )
    found = lint([activity("{}").replace('"vec:89998434"', '"vec:"')], "activity")
    assert codes(found) == [(1, "MIC306")] and "value is missing" in found[0].message


def test_a_user_agent_id_without_prefix_still_asks_for_one() -> None:
    found = lint(['{"operation":"DELETE","user_agent_id":"89998434"}'])
    assert "add the registry prefix" in found[0].message


# -- 10. a decimal $ts -----------------------------------------------------------------------


def test_a_decimal_ts_is_named_a_decimal_number() -> None:
    found = lint(
        [
            activity("{}").replace(
                '"$ts":1700000000000,"$events"', '"$ts":1700000000000.5,"$events"'
            )
        ],
        "activity",
    )
    assert codes(found) == [(1, "MIC202")]
    assert "not a decimal number" in found[0].message
    assert "must be an integer, not a number" not in found[0].message


# -- 11. association lines without their wrapper ---------------------------------------------

DOCS_EXAMPLE = [
    '{ "type": "USER_EMAIL", "hash":"<EMAIL_HASH>" },',
    '{ "type": "USER_AGENT", "user_agent_id": "<USER_AGENT_ID>" },',
    '{ "type": "USER_ACCOUNT", "user_account_id": "<USER_ACCOUNT_ID>",  '
    '"compartment_id": "<COMPARTMENT_ID>" }',
]


def test_the_docs_association_example_says_once_that_it_needs_the_wrapper() -> None:
    found = lint(DOCS_EXAMPLE, "association")
    assert codes(found) == [(1, "MIC908")]
    assert '{"identifiers": [...]} wrapper' in found[0].message


def test_bare_identifier_lines_without_commas_are_one_diagnostic_too() -> None:
    lines = [line.rstrip(",") for line in DOCS_EXAMPLE]
    assert codes(lint(lines, "association")) == [(1, "MIC908")]


def test_with_mic908_ignored_the_lines_get_what_they_got() -> None:
    found = lint(DOCS_EXAMPLE, "association", selections=(Selection(ignore=("MIC908",)),))
    assert [c for _, c in codes(found)][:3] == ["MIC101", "MIC101", "MIC201"]


def test_the_wrapper_is_said_once_across_chunks(tmp_path: Path) -> None:
    good = (
        f'{{"identifiers":[{{"type":"USER_EMAIL","hash":"{HASH}"}},'
        '{"type":"USER_ACCOUNT","user_account_id":"CRM-{n}","compartment_id":"1000"}]}'
    )
    lines = [good.replace("{n}", str(n)) for n in range(3_000)]
    lines[100] = '{"type":"USER_AGENT","user_agent_id":"vec:1"}'
    lines[2_900] = '{"type":"USER_AGENT","user_agent_id":"vec:2"}'
    write(tmp_path / "big.ndjson", *lines)
    args = ["check", "--isolated", "--doc-type", "association", "big.ndjson"]
    one = run_cli([*args, "--jobs", "1"], tmp_path)
    many = run_cli([*args, "--jobs", "2", "--chunk-size", "65536"], tmp_path)
    assert one == many
    assert one[1].count("MIC908") == 1 and "big.ndjson:101:" in one[1]


# -- the new rules are on the fast path ------------------------------------------------------


@pytest.mark.parametrize("code", ["MIC308", "MIC706", "MIC805", "MIC907", "MIC908"])
def test_new_rules_keep_their_types_on_the_fast_path(code: str) -> None:
    rule = REGISTRY[code]
    enabled = frozenset(REGISTRY)
    for doc_type in DOC_TYPES.values():
        if rule.bad is not None or rule in doc_type.record_rules:
            assert code not in doc_type.fast_uncovered(enabled), doc_type.name


# -- 3. the update_strategy form by default --------------------------------------------------

OLDER = (
    '{{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-{n}",'
    '"force_replace":false,"user_profile":{{"tier":"gold"}}}}'
)
NEWER = (
    '{{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-{n}",'
    '"update_strategy":"PARTIAL_UPDATE","user_profile":{{"tier":"gold"}}}}'
)
NEITHER = (
    '{{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-{n}",'
    '"user_profile":{{"tier":"gold"}}}}'
)
DELETE = '{{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-{n}"}}'


def numbered(*templates: str) -> list[str]:
    return [template.format(n=n) for n, template in enumerate(templates)]


def test_the_profile_page_as_it_is_today_passes_by_default() -> None:
    # The current page's form: update_strategy, no force_replace (values filled in).
    page = (
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-42",'
        '"update_strategy":"PARTIAL_UPDATE","user_profile":{"this":"is","a":"test"}}'
    )
    assert lint([page]) == []
    assert (
        lint(numbered(NEWER, NEWER, DELETE, NEWER.replace("PARTIAL_UPDATE", "FORCE_REPLACE"))) == []
    )


def test_a_file_in_the_older_form_passes_too() -> None:
    assert lint(numbered(OLDER, OLDER, DELETE, OLDER)) == []


def test_a_mixed_file_gets_one_diagnostic_per_line_of_its_minority_form() -> None:
    found = lint(numbered(NEWER, NEWER, OLDER, NEWER, DELETE, OLDER))
    assert codes(found) == [(3, "MIC407"), (6, "MIC407")]
    assert '"update_strategy": "PARTIAL_UPDATE"' in found[0].message
    found = lint(numbered(OLDER, NEWER, OLDER, OLDER))
    assert codes(found) == [(2, "MIC407")]
    assert '"force_replace": false' in found[0].message


def test_an_upsert_in_neither_form_is_mic401_naming_both_ways_out() -> None:
    for lines in (numbered(NEITHER), numbered(NEWER, NEITHER), numbered(OLDER, NEITHER)):
        found = [d for d in lint(lines) if d.code == "MIC401"]
        assert len(found) == 1
        assert "force_replace" in found[0].message and "update_strategy" in found[0].message


def test_a_pinned_form_still_reports_the_other_forms_keys() -> None:
    found = lint(numbered(NEWER), profile_form="force_replace")
    assert codes(found) == [(1, "MIC401"), (1, "MIC204")]
    assert codes(lint(numbered(OLDER), profile_form="update_strategy")) == [(1, "MIC204")]
    assert lint(numbered(NEWER, OLDER), profile_form="either") == []


def test_the_python_api_tells_the_form_from_a_file_as_from_lines(tmp_path: Path) -> None:
    lines = numbered(NEWER, OLDER, NEWER)
    path = write(tmp_path / "mixed.ndjson", *lines)
    assert codes(list(lint_file(path))) == codes(lint(lines)) == [(2, "MIC407")]
    with path.open("rb") as stream:
        assert codes(list(lint_stream(stream, "mixed.ndjson"))) == [(2, "MIC407")]


def test_the_form_holds_across_jobs_chunks(tmp_path: Path) -> None:
    lines = [NEWER.format(n=n) for n in range(3_000)]
    for n in (5, 1_500, 2_999):
        lines[n] = OLDER.format(n=n)
    write(tmp_path / "big.ndjson", *lines)
    args = ["check", "--isolated", "big.ndjson"]
    one = run_cli([*args, "--jobs", "1"], tmp_path)
    many = run_cli([*args, "--jobs", "2", "--chunk-size", "65536"], tmp_path)
    assert one == many
    found = [line.split(":")[1] for line in one[1].splitlines() if "MIC407" in line]
    assert found == ["6", "1501", "3000"]


@pytest.mark.parametrize(
    ("literal", "suggested"),
    [
        ("1000.0", '"1000"'),
        ("1e3", '"1000"'),
        ("1.5E3", '"1500"'),
        ("-0.0", '"0"'),
        ("1.23456789012346E+15", '"1234567890123460"'),
        # Not whole, read from the text (the float would round them): shown as written.
        ("4503599627370497.5", '"4503599627370497.5"'),
        ("1000.0000000000000001", '"1000.0000000000000001"'),
        ("1.5", '"1.5"'),
        # A whole number of a million digits: as written (cut), never spelt out.
        ("0.1e999999", '"0.1e999999"'),
    ],
)
def test_a_whole_number_with_a_fraction_is_suggested_as_its_digits(
    literal: str, suggested: str
) -> None:
    """MIC202 on an id written as a number suggests it in quotes; a whole one written with a
    fraction or an exponent, as its digits (`"1000.0"` would be no id: MIC308)."""
    line = '{"operation":"DELETE","email_hash":' + literal + "}\n"
    for fast in (True, False):
        settings = Settings(show_values=True, fast_path=fast, fast_path_from=1)
        found = [d.message for d in lint_lines([line] * 3, "x.ndjson", settings)]
        assert found and all(m.endswith(f"write it in quotes, {suggested}") for m in found), found
