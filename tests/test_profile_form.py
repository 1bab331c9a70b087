"""profile-form: which form of the profile import lines are checked against (auto,
force_replace, update_strategy or either), from the config or --profile-form."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers import counting_vouches, one_error_line, run_cli, write

from mics_lint import Settings, lint_file, lint_lines

OLDER = '{"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"a":1}}'
NEWER = (
    '{"operation":"UPSERT","email_hash":"3f2a9d","update_strategy":"PARTIAL_UPDATE",'
    '"user_profile":{"a":1}}'
)
NEITHER = '{"operation":"UPSERT","email_hash":"3f2a9e","user_profile":{"a":1}}'
FIXTURES = Path(__file__).parent / "fixtures"


def _codes(path: Path, form: str) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_file(path, Settings(profile_form=form))]


def test_each_form_accepts_its_keys_and_names_the_other_forms(tmp_path: Path) -> None:
    path = write(tmp_path / "p.ndjson", OLDER, NEWER, NEITHER)
    assert _codes(path, "force_replace") == [(2, "MIC401"), (2, "MIC204"), (3, "MIC401")]
    assert _codes(path, "update_strategy") == [(1, "MIC204")]
    assert _codes(path, "either") == []


def test_the_default_takes_each_files_own_form(tmp_path: Path) -> None:
    # Issue 16: "auto" (was force_replace): a file in either form passes; a mixed file's
    # lines of its other form are MIC407 (tests/test_new_user_rules.py has the rest).
    assert Settings().profile_form == "auto"
    path = write(tmp_path / "p.ndjson", OLDER, NEWER, NEITHER)
    assert _codes(path, "auto") == [(2, "MIC407"), (3, "MIC401")]
    assert list(lint_file(path)) == list(lint_file(path, Settings(profile_form="auto")))


@pytest.mark.parametrize(
    "name", ["upserts.ndjson", "deletes.ndjson", "nested-profiles.ndjson", "unicode-values.ndjson"]
)
def test_clean_profile_files_stay_clean_under_either(name: str) -> None:
    assert list(lint_file(FIXTURES / "ok" / name, Settings(profile_form="either"))) == []


def test_the_config_sets_it_and_the_option_wins(tmp_path: Path) -> None:
    (tmp_path / "mics-lint.toml").write_text('profile-form = "update_strategy"\n', "utf-8")
    write(tmp_path / "p.ndjson", NEWER)
    assert run_cli(["check", "p.ndjson"], tmp_path)[0] == 0
    code, out, _ = run_cli(["check", "--profile-form", "force_replace", "p.ndjson"], tmp_path)
    assert code == 1 and "MIC204" in out and 'set profile-form = "update_strategy"' in out


@pytest.mark.parametrize(
    ("config", "option", "needles"),
    [
        ('profile-form = "eithr"\n', [], ("profile-form", "'eithr'", 'did you mean "either"')),
        ("profile-form = 1\n", [], ("profile-form", "1", "force_replace, update_strategy")),
        ("", ["--profile-form", "newer"], ("--profile-form", "'newer'", "either")),
    ],
)
def test_a_bad_form_is_one_error_line_and_exit_2(
    tmp_path: Path, config: str, option: list[str], needles: tuple[str, ...]
) -> None:
    (tmp_path / "mics-lint.toml").write_text(config, "utf-8")
    write(tmp_path / "p.ndjson", OLDER)
    code, _, err = run_cli(["check", *option, "p.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, *needles)


def test_workers_check_the_same_form(tmp_path: Path) -> None:
    lines = [NEWER.replace("3f2a9d", f"{i:08x}") for i in range(3_000)]
    lines[1_500] = NEWER.replace('"PARTIAL_UPDATE"', '"FORCE_REPLACE","force_replace":true')
    write(tmp_path / "big.ndjson", *lines)
    args = ["check", "--isolated", "--profile-form", "either", "big.ndjson"]
    one = run_cli([*args, "--jobs", "1"], tmp_path)
    many = run_cli([*args, "--jobs", "2", "--chunk-size", "65536"], tmp_path)
    assert one == many
    assert "big.ndjson:1501:" in one[1] and "MIC406" in one[1]


def test_the_unsafe_enum_fix_applies_to_update_strategy(tmp_path: Path) -> None:
    target = write(tmp_path / "p.ndjson", NEWER.replace("PARTIAL_UPDATE", "partial_update"))
    args = ["check", "--isolated", "--profile-form", "update_strategy", "--fix", "--unsafe-fixes"]
    code, _, _ = run_cli([*args, "p.ndjson"], tmp_path)
    assert code == 0
    assert target.read_text() == NEWER + "\n"


@pytest.mark.parametrize("form", ["update_strategy", "either"])
def test_the_fast_path_vouches_for_each_form_and_changes_nothing(form: str) -> None:
    lines = [
        NEWER.replace("3f2a9d", f"{i:08x}").encode() + b"\n"
        if i % 3
        else NEITHER.replace("3f2a9e", f"{i:08x}").encode() + b"\n"
        for i in range(400)
    ]
    lines[350] = (
        NEWER.replace('"PARTIAL_UPDATE"', '"FORCE_REPLACE"').replace('{"a":1}', "{}").encode()
        + b"\n"
    )
    settings = Settings(profile_form=form)
    with counting_vouches() as counts:
        fast = [d.to_dict() for d in lint_lines(lines, "p.ndjson", settings)]
    slow = [
        d.to_dict()
        for d in lint_lines(lines, "p.ndjson", dataclasses.replace(settings, fast_path=False))
    ]
    assert fast == slow
    assert [d["code"] for d in fast] == ["MIC405"]
    assert counts["vouched"] >= 150


@pytest.mark.parametrize(
    ("form", "key"),
    [("force_replace", "force"), ("update_strategy", "update"), ("either", "update")],
)
def test_an_escaped_duplicate_key_is_found_both_ways(form: str, key: str) -> None:
    # The key is written a second time as "force\u005freplace": its plain spelling occurs
    # once, and both the fast and the full checks must still see two keys.
    line = NEWER if key == "update" else OLDER
    plain = f'"{key}_'
    doubled = line.replace(
        plain, f'"{key}\\u005f' + line.split(plain)[1].split(",")[0] + "," + plain
    )
    pad = [line.replace("3f2a9", f"{i:07x}").encode() + b"\n" for i in range(300)]
    settings = Settings(profile_form=form)
    for fast in (True, False):
        found = lint_lines(
            [*pad, doubled.encode() + b"\n"],
            "p.ndjson",
            dataclasses.replace(settings, fast_path=fast),
        )
        assert [(d.line, d.code) for d in found] == [(301, "MIC103")], (fast, doubled)


def test_an_unsafe_rename_never_mixes_the_two_forms(tmp_path: Path) -> None:
    mixed = NEWER.replace('"user_profile"', '"merge_object":true,"user_profile"')
    renamable = OLDER.replace("force_replace", "forceReplace")
    target = write(tmp_path / "p.ndjson", mixed, renamable)
    args = ["check", "--isolated", "--profile-form", "either", "--fix", "--unsafe-fixes"]
    code, out, _ = run_cli([*args, "p.ndjson"], tmp_path)
    assert target.read_text() == f"{mixed}\n{OLDER}\n"  # merge_object left as it is
    assert code == 1  # line 1 keeps its unknown key
    assert "MIC406" not in out and "p.ndjson:1:" in out and "MIC204" in out


@pytest.mark.parametrize(
    ("minority", "key"),
    [
        ('"update_strategy":["PARTIAL_UPDATE"]', "update_strategy"),
        ('"update_strategy":{"a":1}', "update_strategy"),
        ('"force_replace":[true]', "force_replace"),
        ('"force_replace":{}', "force_replace"),
    ],
)
def test_a_minority_form_key_of_any_json_type_is_no_crash(minority: str, key: str) -> None:
    """MIC407's advice looks the value up: a list or an object is reported, not raised
    (found by test_fastpath's generated files)."""
    older = '{"operation":"UPSERT","email_hash":"h%d","force_replace":false,"user_profile":{}}'
    newer = (
        '{"operation":"UPSERT","email_hash":"h%d","update_strategy":"PARTIAL_UPDATE",'
        '"user_profile":{}}'
    )
    majority = newer if key == "force_replace" else older
    odd = '{"operation":"UPSERT","email_hash":"x",' + minority + ',"user_profile":{}}'
    lines = [majority % n + "\n" for n in range(3)] + [odd + "\n"]
    found = [d for d in lint_lines(lines, "f.ndjson") if d.line == 4]
    assert "MIC407" in {d.code for d in found}
    assert "MIC202" in {d.code for d in found}  # and the type is wrong
