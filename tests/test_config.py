"""Configuration: where it is found, what each key does, how options beat it, and its errors.

The first half runs the command (CliRunner) in a temporary project; the second half calls
`build_settings`, `load_config`, `find_config` and `Settings.rules_for` directly.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mics_lint.cli import cli
from mics_lint.config import (
    ConfigError,
    Settings,
    build_settings,
    find_config,
    load_config,
    parse_size,
)
from mics_lint.diagnostic import Severity
from mics_lint.rules import REGISTRY

CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}'
NO_ID = '{"operation":"DELETE"}'  # MIC301 (error)
TWO_IDS = '{"operation":"DELETE","email_hash":"3f2a9c","user_agent_id":"vec:123"}'  # MIC302
WARN = '{"operation":"DELETE","user_account_id":"w"}'  # MIC304 (warning)
BAD_OP = '{"operation":"upsert","email_hash":"abc"}'  # MIC203
UPSERT_BARE = '{"operation":"UPSERT","email_hash":"abd"}'  # MIC401, MIC402
# One file with one line per rule above.
MULTI = [NO_ID, TWO_IDS, WARN, BAD_OP, UPSERT_BARE]
ALL_MULTI = ["MIC301", "MIC302", "MIC304", "MIC203", "MIC401", "MIC402"]

LINE_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>MIC\d{3}) ")
# Every rule on by default (MIC254 and MIC255 are off until selected: issue 18).
ALL_CODES = frozenset(c for c, r in REGISTRY.items() if r.default_on)
# 20 clean lines for 20 different users: 1,436 bytes
CLEAN_20 = [
    f'{{"operation":"DELETE","compartment_id":"1000","user_account_id":"u{i:02}"}}'
    for i in range(20)
]


def codes_with(prefix: str) -> frozenset[str]:
    return frozenset(c for c in REGISTRY if c.startswith(prefix))


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/outer/proj/sub/deep, with the working directory at proj; no config yet.

    `outer` holds an empty mics-lint.toml, so that no config above the test folder counts.
    """
    outer = tmp_path / "outer"
    deep = outer / "proj" / "sub" / "deep"
    deep.mkdir(parents=True)
    (outer / "mics-lint.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(outer / "proj")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return outer / "proj"


def write(path: Path | str, *lines: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return target


def write_text(path: Path | str, text: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def check(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["check", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result


def codes(result: Result) -> list[str]:
    return [m["code"] for line in result.stdout.splitlines() if (m := LINE_RE.match(line))]


def config_error(result: Result, *needles: str) -> str:
    """Exit 2, nothing on stdout, one `mics-lint: error:` line on stderr naming each needle."""
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mics-lint: error:"), lines[0]
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert result.stdout == ""
    return lines[0]


# -- finding the config file ------------------------------------------------------------------


def test_pyproject_is_found_by_walking_up_from_the_cwd(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC302"]\n')
    write(tree / "sub" / "deep" / "err.ndjson", NO_ID, TWO_IDS)
    monkeypatch.chdir(tree / "sub" / "deep")
    result = check("err.ndjson")
    assert codes(result) == ["MIC301"]
    assert result.exit_code == 1


def test_pyproject_in_the_cwd_is_found(tree: Path) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC301"]\n')
    write(tree / "err.ndjson", NO_ID, TWO_IDS)
    assert codes(check("err.ndjson")) == ["MIC302"]


def test_pyproject_without_the_table_is_passed_over(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC302"]\n')
    write_text(tree / "sub" / "pyproject.toml", '[project]\nname = "other"\n\n[tool.black]\n')
    write(tree / "sub" / "deep" / "err.ndjson", NO_ID, TWO_IDS)
    monkeypatch.chdir(tree / "sub" / "deep")
    assert codes(check("err.ndjson")) == ["MIC301"]


def test_a_pyproject_named_by_config_without_the_table_is_an_error(tree: Path) -> None:
    """The search passes such a file by; one named by --config was read as no settings at
    all, and the defaults passed silently where the user meant their own."""
    write_text(tree / "pyproject.toml", '[project]\nname = "other"\n')
    write(tree / "err.ndjson", NO_ID)
    config_error(check("--config", "pyproject.toml", "err.ndjson"), "no [tool.mics-lint] table")
    write_text(tree / "pyproject.toml", "tool = 3\n")
    config_error(check("--config", "pyproject.toml", "err.ndjson"), "no [tool.mics-lint] table")
    write_text(tree / "pyproject.toml", '[project]\nname = "other"\n[tool.mics-lint]\n')
    assert codes(check("--config", "pyproject.toml", "err.ndjson")) == ["MIC301"]


@pytest.mark.parametrize(
    "extra", [["-o", "r.txt"], ["--report", "json:r.json"], ["--statistics"], ["--fix"], ["--diff"]]
)
@pytest.mark.parametrize("shown", ["--show-settings", "--show-files"])
def test_show_settings_and_files_refuse_what_they_would_leave_out(
    tree: Path, shown: str, extra: list[str]
) -> None:
    """They print instead of checking: -o wrote no file, --fix fixed nothing, silently."""
    write(tree / "err.ndjson", NO_ID)
    config_error(check(shown, *extra, "err.ndjson"), shown, "takes no -o")
    assert not (tree / "r.txt").exists() and not (tree / "r.json").exists()


def test_the_nearest_config_wins(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC302"]\n')
    write_text(tree / "sub" / "mics-lint.toml", 'ignore = ["MIC301"]\n')
    write(tree / "sub" / "deep" / "err.ndjson", NO_ID, TWO_IDS)
    monkeypatch.chdir(tree / "sub" / "deep")
    assert codes(check("err.ndjson")) == ["MIC302"]


def test_mics_lint_toml_has_top_level_keys(tree: Path) -> None:
    write_text(
        tree / "mics-lint.toml",
        'ignore = ["MIC301"]\nseverity = { MIC304 = "error" }\n',
    )
    write(tree / "err.ndjson", NO_ID, WARN)
    result = check("err.ndjson")
    assert codes(result) == ["MIC304"]
    assert result.exit_code == 1  # MIC304 is an error now


def test_mics_lint_toml_with_a_tool_table_is_an_error(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", '[tool.mics-lint]\nignore = ["MIC301"]\n')
    write(tree / "err.ndjson", NO_ID)
    config_error(check("err.ndjson"), "mics-lint.toml", "tool")


@pytest.mark.parametrize(
    "table", ["tool.mics_lint", "tool.micslint", "tool.Mics-Lint", "mics-lint"]
)
def test_a_misspelt_table_in_pyproject_is_an_error_not_ignored(tree: Path, table: str) -> None:
    """[tool.mics_lint] (the package's name) was read as no config at all: the defaults,
    silently. It is meant for us: exit 2, naming the table to write."""
    write_text(tree / "pyproject.toml", f'[{table}]\nignore = ["MIC301"]\n')
    write(tree / "err.ndjson", NO_ID)
    config_error(check("err.ndjson"), "pyproject.toml", f"[{table}]", "[tool.mics-lint]")


def test_a_letter_o_for_a_zero_in_a_code_is_named(tree: Path) -> None:
    write(tree / "err.ndjson", NO_ID)
    config_error(check("--select", "MIC2O2", "err.ndjson"), "'MIC2O2'", 'did you mean "MIC202"?')


def test_other_tools_tables_in_pyproject_are_not_ours(tree: Path) -> None:
    write_text(tree / "pyproject.toml", "[tool.ruff]\nline-length = 100\n[tool.lint]\nx = 1\n")
    write(tree / "err.ndjson", NO_ID)
    assert codes(check("err.ndjson")) == ["MIC301"]


def test_mics_lint_toml_beats_pyproject_in_the_same_folder(tree: Path) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC302"]\n')
    write_text(tree / "mics-lint.toml", 'ignore = ["MIC301"]\n')
    write(tree / "err.ndjson", NO_ID, TWO_IDS)
    assert codes(check("err.ndjson")) == ["MIC302"]


def test_config_option_reads_that_file(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", 'ignore = ["MIC302"]\n')  # found, but not used
    write_text(tree.parent / "elsewhere" / "strict.toml", 'ignore = ["MIC301"]\n')
    write(tree / "err.ndjson", NO_ID, TWO_IDS)
    assert codes(
        check("--config", str(tree.parent / "elsewhere" / "strict.toml"), "err.ndjson")
    ) == ["MIC302"]


def test_config_option_reads_the_table_of_a_pyproject(tree: Path) -> None:
    write_text(tree.parent / "other" / "pyproject.toml", '[tool.mics-lint]\nselect = ["MIC302"]\n')
    write(tree / "err.ndjson", NO_ID, TWO_IDS, WARN)
    result = check("--config", str(tree.parent / "other" / "pyproject.toml"), "err.ndjson")
    assert codes(result) == ["MIC302"]


def test_config_option_with_a_missing_file_exits_2(tree: Path) -> None:
    write(tree / "err.ndjson", NO_ID)
    config_error(check("--config", "missing.toml", "err.ndjson"), "missing.toml")


def test_isolated_ignores_the_config_files(tree: Path) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC3"]\n')
    write(tree / "err.ndjson", NO_ID, TWO_IDS)
    assert codes(check("err.ndjson")) == []
    assert codes(check("--isolated", "err.ndjson")) == ["MIC301", "MIC302"]


def test_isolated_does_not_read_a_broken_config(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", "selekt = 1\n")
    write(tree / "err.ndjson", NO_ID)
    assert check("err.ndjson").exit_code == 2
    result = check("--isolated", "err.ndjson")
    assert result.exit_code == 1
    assert codes(result) == ["MIC301"]


def test_isolated_still_takes_options(tree: Path) -> None:
    write(tree / "err.ndjson", NO_ID, TWO_IDS)
    assert codes(check("--isolated", "--ignore", "MIC301", "err.ndjson")) == ["MIC302"]


# -- select, ignore, extend-select ------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('select = ["MIC3"]', ["MIC301", "MIC302", "MIC304"]),
        ('select = ["MIC301", "MIC4"]', ["MIC301", "MIC401", "MIC402"]),
        ('ignore = ["MIC3"]', ["MIC203", "MIC401", "MIC402"]),
        ('ignore = ["MIC302", "MIC40"]', ["MIC301", "MIC304", "MIC203"]),
        ('select = ["MIC4"]\nextend-select = ["MIC203"]', ["MIC203", "MIC401", "MIC402"]),
        # the longest prefix wins
        ('select = ["MIC3"]\nignore = ["MIC30"]', []),
        ('ignore = ["MIC3"]\nextend-select = ["MIC302"]', ["MIC302", "MIC203", "MIC401", "MIC402"]),
        ('select = ["MIC", "MIC302"]\nignore = ["MIC3"]', ["MIC302", "MIC203", "MIC401", "MIC402"]),
        ('select = ["MIC4"]\nignore = ["MIC402"]', ["MIC401"]),
        # ignore wins a tie
        ('select = ["MIC302"]\nignore = ["MIC302"]', []),
        ('select = ["MIC3"]\nignore = ["MIC3"]', []),
        ('ignore = ["MIC4"]\nextend-select = ["MIC4"]', ["MIC301", "MIC302", "MIC304", "MIC203"]),
    ],
)
def test_selection_keys(tree: Path, config: str, expected: list[str]) -> None:
    write_text(tree / "mics-lint.toml", config + "\n")
    write(tree / "multi.ndjson", *MULTI)
    assert codes(check("multi.ndjson")) == expected


@pytest.mark.parametrize(
    ("config", "options", "expected"),
    [
        # the file ignores MIC304; --select on the command line turns it back on
        ('ignore = ["MIC304"]', ["--select", "MIC304"], ["MIC304"]),
        ('ignore = ["MIC304"]', ["--extend-select", "MIC304"], ALL_MULTI),
        (
            'ignore = ["MIC3"]',
            ["--extend-select", "MIC302"],
            ["MIC302", "MIC203", "MIC401", "MIC402"],
        ),
        ('select = ["MIC3"]', ["--ignore", "MIC304"], ["MIC301", "MIC302"]),
        (
            'select = ["MIC3"]',
            ["--extend-select", "MIC401"],
            ["MIC301", "MIC302", "MIC304", "MIC401"],
        ),
        ('select = ["MIC3"]', ["--select", "MIC4"], ["MIC401", "MIC402"]),
        ('select = ["MIC304"]', ["--ignore", "MIC3"], []),
        ('extend-select = ["MIC3"]', ["--ignore", "MIC30"], ["MIC203", "MIC401", "MIC402"]),
    ],
)
def test_options_beat_the_file(
    tree: Path, config: str, options: list[str], expected: list[str]
) -> None:
    write_text(tree / "mics-lint.toml", config + "\n")
    write(tree / "multi.ndjson", *MULTI)
    assert codes(check(*options, "multi.ndjson")) == expected


def test_options_beat_a_pyproject_too(tree: Path) -> None:
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC304"]\n')
    write(tree / "warn.ndjson", WARN)
    assert codes(check("warn.ndjson")) == []
    result = check("--select", "MIC304", "warn.ndjson")
    assert codes(result) == ["MIC304"]
    assert result.exit_code == 0


# -- per-file-ignores, severity, max-file-size ------------------------------------------------


def test_per_file_ignores(tree: Path) -> None:
    write_text(
        tree / "mics-lint.toml",
        '[per-file-ignores]\n"legacy/*.ndjson" = ["MIC304", "MIC301"]\n"*_old.jsonl" = ["MIC3"]\n',
    )
    write(tree / "legacy" / "a.ndjson", NO_ID, WARN, TWO_IDS)
    write(tree / "b_old.jsonl", NO_ID, WARN, TWO_IDS)
    write(tree / "c.ndjson", NO_ID, WARN)
    result = check("legacy", "b_old.jsonl", "c.ndjson")
    found = [
        (m["path"], m["code"]) for line in result.stdout.splitlines() if (m := LINE_RE.match(line))
    ]
    assert found == [
        ("c.ndjson", "MIC301"),
        ("c.ndjson", "MIC304"),
        (str(Path("legacy") / "a.ndjson"), "MIC302"),
    ]


def test_per_file_ignores_globs_are_relative_to_the_config_folder(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_text(
        tree / "pyproject.toml", '[tool.mics-lint.per-file-ignores]\n"sub/deep/*" = ["MIC301"]\n'
    )
    write(tree / "sub" / "deep" / "a.ndjson", NO_ID, TWO_IDS)
    monkeypatch.chdir(tree / "sub" / "deep")
    assert codes(check("a.ndjson")) == ["MIC302"]


def test_a_relative_path_is_matched_from_the_folder_it_is_named_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names a path is matched by are kept for the last few paths (settings.py): the
    same relative name, given from another folder, is another file."""
    settings = build_settings(
        load_config(_config(tmp_path, '[per-file-ignores]\n"legacy/*" = ["MIC3"]\n'))
    )
    for folder in ("legacy", "other"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / "legacy")
    assert settings.rules_for("a.ndjson").enabled == ALL_CODES - codes_with("MIC3")
    monkeypatch.chdir(tmp_path / "other")
    assert settings.rules_for("a.ndjson").enabled == ALL_CODES


def test_an_absolute_path_is_matched_where_the_working_folder_is_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = build_settings(
        load_config(_config(tmp_path, '[per-file-ignores]\n"legacy/*" = ["MIC3"]\n'))
    )
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    path = str(tmp_path / "legacy" / "a.ndjson")
    assert settings.rules_for(path).enabled == ALL_CODES - codes_with("MIC3")
    # A relative name is matched as given, without a name relative to the root.
    assert settings.rules_for("legacy/a.ndjson").enabled == ALL_CODES - codes_with("MIC3")
    assert settings.rules_for("a.ndjson").enabled == ALL_CODES


def test_a_relative_root_is_resolved_from_the_working_folder_of_each_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An absolute path's name relative to a relative root depends on the working folder
    too: the kept names must not answer for another one."""
    settings = Settings(root=Path("proj"), per_file_ignores=(("legacy/*", ("MIC3",)),))
    path = str(tmp_path / "a" / "proj" / "legacy" / "x.ndjson")
    (tmp_path / "a" / "proj").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a")
    assert settings.rules_for(path).enabled == ALL_CODES - codes_with("MIC3")
    monkeypatch.chdir(tmp_path)
    assert settings.rules_for(path).enabled == ALL_CODES


def test_an_empty_list_of_selections_is_no_selection() -> None:
    """A list is taken where a tuple is (the API's); the selections are a cache's key."""
    assert Settings(selections=[]).enabled_codes() == ALL_CODES
    assert dataclasses.replace(Settings(), selections=[]).enabled_codes() == ALL_CODES


def test_per_file_ignores_of_the_file_and_the_options_add_up(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", '[per-file-ignores]\n"a.ndjson" = ["MIC301"]\n')
    write(tree / "a.ndjson", NO_ID, TWO_IDS, WARN)
    assert codes(check("a.ndjson")) == ["MIC302", "MIC304"]
    assert codes(check("--per-file-ignores", "a.*:MIC302", "a.ndjson")) == ["MIC304"]


def test_severity_overrides(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", '[severity]\nMIC304 = "error"\nMIC302 = "warning"\n')
    write(tree / "warn.ndjson", WARN)
    write(tree / "two.ndjson", TWO_IDS)
    assert check("warn.ndjson").exit_code == 1
    result = check("two.ndjson")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "Found 1 warning in 1 file. Checked as USER_PROFILE."


def test_severity_of_the_options_beats_the_file(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", 'severity = { MIC304 = "error" }\n')
    write(tree / "warn.ndjson", WARN)
    assert check("warn.ndjson").exit_code == 1
    assert check("--severity", "MIC304=warning", "warn.ndjson").exit_code == 0


@pytest.mark.parametrize(
    ("value", "fires"),
    [("10", True), ('"1KiB"', True), ('"1kb"', True), ('"2MB"', False), ("1048576", False)],
)
def test_max_file_size(tree: Path, value: str, fires: bool) -> None:
    write_text(tree / "mics-lint.toml", f"max-file-size = {value}\n")
    write(tree / "big.ndjson", *CLEAN_20)
    assert ("MIC006" in codes(check("big.ndjson"))) is fires


def test_max_file_size_option_beats_the_file(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", 'max-file-size = "2MB"\n')
    write(tree / "big.ndjson", *CLEAN_20)
    assert codes(check("big.ndjson")) == []
    assert codes(check("--max-file-size", "1KiB", "big.ndjson")) == ["MIC006"]


# -- config errors: exit 2 and one line naming the key and the file ---------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('selct = ["MIC3"]\n', ["selct"]),
        ('select = ["MIC999"]\n', ["select", "MIC999"]),
        ('ignore = ["XYZ"]\n', ["ignore", "XYZ"]),
        ('extend-select = ["MIC99"]\n', ["extend-select", "MIC99"]),
        ('select = "MIC3"\n', ["select"]),
        ('[per-file-ignores]\n"*.ndjson" = ["MIC777"]\n', ["per-file-ignores", "MIC777"]),
        ('[severity]\nMIC999 = "error"\n', ["severity", "MIC999"]),
        ('[severity]\nMIC304 = "fatal"\n', ["severity", "fatal"]),
        ("[severity]\nMIC304 = 2\n", ["severity", "MIC304"]),
        ('max-file-size = "1XB"\n', ["max-file-size"]),
        ("max-file-size = 0\n", ["max-file-size"]),
        ("max-file-size = -10\n", ["max-file-size"]),
        ('max-file-size = "1.5MB"\n', ["max-file-size"]),
        ("max-file-size = true\n", ["max-file-size"]),
        ('select = ["MIC3"\n', ["TOML"]),
        ("select = [MIC3]\n", ["TOML"]),
    ],
)
def test_bad_mics_lint_toml(tree: Path, text: str, needles: list[str]) -> None:
    write_text(tree / "mics-lint.toml", text)
    write(tree / "clean.ndjson", CLEAN)
    config_error(check("clean.ndjson"), "mics-lint.toml", *needles)


@pytest.mark.parametrize(
    ("table", "needles"),
    [
        ('extend_select = ["MIC3"]\n', ["extend_select"]),
        ('ignore = ["MIC3", "MIC1000"]\n', ["ignore", "MIC1000"]),
        ('[tool.mics-lint.severity]\nMIC304 = "loud"\n', ["loud"]),
        ('max-file-size = "lots"\n', ["max-file-size"]),
    ],
)
def test_bad_pyproject_table(tree: Path, table: str, needles: list[str]) -> None:
    write_text(tree / "pyproject.toml", "[tool.mics-lint]\n" + table)
    write(tree / "clean.ndjson", CLEAN)
    config_error(check("clean.ndjson"), "pyproject.toml", *needles)


def test_invalid_toml_given_with_config_exits_2(tree: Path) -> None:
    write_text(tree / "conf.toml", "ignore = [\n")
    write(tree / "clean.ndjson", CLEAN)
    config_error(check("--config", "conf.toml", "clean.ndjson"), "conf.toml")


def test_invalid_toml_in_a_pyproject_with_our_table_exits_2(tree: Path) -> None:
    """The user meant to configure mics-lint: a syntax error must not silently drop it."""
    write_text(tree / "pyproject.toml", '[tool.mics-lint]\nignore = ["MIC302"\n')
    write(tree / "two.ndjson", TWO_IDS)
    config_error(check("two.ndjson"), "pyproject.toml")


def test_config_error_stops_before_any_checking(tree: Path) -> None:
    write_text(tree / "mics-lint.toml", "unknown = 1\n")
    write(tree / "err.ndjson", NO_ID)
    result = check("--exit-zero", "err.ndjson")
    config_error(result, "unknown")


# -- unit level: build_settings, load_config, find_config, Settings.rules_for -----------------


def test_default_settings_enable_every_rule_at_its_default_severity() -> None:
    for settings in (Settings(), build_settings(None)):
        active = settings.rules_for("x.ndjson")
        assert active.enabled == ALL_CODES
        assert dict(active.severity) == {c: r.severity for c, r in REGISTRY.items()}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"select": ["MIC3"]}, codes_with("MIC3")),
        ({"select": ["MIC3,MIC401"]}, codes_with("MIC3") | {"MIC401"}),
        ({"select": ["MIC301", "MIC5"]}, {"MIC301", "MIC501"}),
        ({"ignore": ["MIC3"]}, ALL_CODES - codes_with("MIC3")),
        ({"ignore": ["MIC0,MIC1"]}, ALL_CODES - codes_with("MIC0") - codes_with("MIC1")),
        ({"select": ["MIC4"], "extend_select": ["MIC501"]}, codes_with("MIC4") | {"MIC501"}),
        ({"select": ["MIC3"], "ignore": ["MIC30"]}, codes_with("MIC31")),
        ({"select": ["MIC30"], "ignore": ["MIC3"]}, codes_with("MIC30")),
        (
            {"ignore": ["MIC3"], "extend_select": ["MIC302"]},
            (ALL_CODES - codes_with("MIC3")) | {"MIC302"},
        ),
        ({"select": ["MIC302"], "ignore": ["MIC302"]}, set()),
        ({"select": ["MIC4"], "ignore": ["MIC4"], "extend_select": ["MIC401"]}, {"MIC401"}),
        ({"select": ["mic3"]}, codes_with("MIC3")),
    ],
)
def test_build_settings_selection(kwargs: dict[str, list[str]], expected: set[str]) -> None:
    settings = build_settings(None, **kwargs)  # type: ignore[arg-type]
    assert settings.rules_for("x.ndjson").enabled == frozenset(expected)
    assert settings.enabled_codes() == frozenset(expected)


def _config(tmp_path: Path, text: str, name: str = "mics-lint.toml") -> Path:
    return write_text(tmp_path / name, text)


def test_options_layer_over_the_file_config(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, 'ignore = ["MIC304"]\nselect = ["MIC3"]\n'))
    assert build_settings(config).enabled_codes() == codes_with("MIC3") - {"MIC304"}
    assert build_settings(config, select=["MIC304"]).enabled_codes() == {"MIC304"}
    assert build_settings(config, extend_select=["MIC304"]).enabled_codes() == codes_with("MIC3")
    assert build_settings(config, ignore=["MIC30"]).enabled_codes() == codes_with("MIC31")
    assert build_settings(config, extend_select=["MIC4"]).enabled_codes() == (
        codes_with("MIC3") - {"MIC304"}
    ) | codes_with("MIC4")


def test_rules_for_applies_per_file_ignores(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, '[per-file-ignores]\n"legacy/*" = ["MIC3"]\n"*.jsonl" = ["MIC501"]\n')
    )
    settings = build_settings(config, per_file_ignores=["special.ndjson:MIC101,MIC102"])
    assert settings.rules_for("other.ndjson").enabled == ALL_CODES
    assert settings.rules_for("legacy/a.ndjson").enabled == ALL_CODES - codes_with("MIC3")
    assert settings.rules_for(str(tmp_path / "legacy" / "a.ndjson")).enabled == (
        ALL_CODES - codes_with("MIC3")
    )
    assert settings.rules_for("x/y.jsonl").enabled == ALL_CODES - {"MIC501"}
    assert settings.rules_for("special.ndjson").enabled == ALL_CODES - {"MIC101", "MIC102"}
    assert settings.rules_for("dir/special.ndjson").enabled == ALL_CODES - {"MIC101", "MIC102"}


def test_rules_for_severity_overrides(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, '[severity]\nMIC304 = "error"\nMIC302 = "warning"\n'))
    active = build_settings(config).rules_for("a.ndjson")
    assert active.severity["MIC304"] is Severity.ERROR
    assert active.severity["MIC302"] is Severity.WARNING
    assert active.severity["MIC301"] is Severity.ERROR
    assert active.severity["MIC501"] is Severity.WARNING
    again = build_settings(config, severity=["MIC304=warning", "MIC501=error"]).rules_for("a")
    assert again.severity["MIC304"] is Severity.WARNING
    assert again.severity["MIC501"] is Severity.ERROR
    assert again.severity["MIC302"] is Severity.WARNING


def test_max_file_size_from_the_file_and_the_options(tmp_path: Path) -> None:
    assert (
        build_settings(load_config(_config(tmp_path, 'max-file-size = "1KiB"\n'))).max_file_size
        == 1024
    )
    assert (
        build_settings(load_config(_config(tmp_path, "max-file-size = 12345\n"))).max_file_size
        == 12345
    )
    config = load_config(_config(tmp_path, 'max-file-size = "2MB"\n'))
    assert build_settings(config).max_file_size == 2_000_000
    assert build_settings(config, max_file_size="10").max_file_size == 10
    assert build_settings(None).max_file_size == 100 * 1024 * 1024


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (10, 10),
        ("10", 10),
        ("5B", 5),
        ("1KiB", 1024),
        ("1 KiB", 1024),
        ("1kib", 1024),
        ("1KB", 1000),
        ("1kb", 1000),
        ("2MB", 2_000_000),
        ("3MiB", 3 * 1024**2),
        ("1GB", 10**9),
        ("1GiB", 1024**3),
        ("100MiB", 100 * 1024**2),
        ("1TB", 10**12),
        ("2TiB", 2 * 1024**4),
        ("8PiB", 8 * 1024**5),  # the bound the too-large message names
    ],
)
def test_parse_size(value: object, size: int) -> None:
    assert parse_size(value, "max-file-size") == size


@pytest.mark.parametrize(
    "value", [0, -1, "0", "", "abc", "1.5MB", "1EB", "9PiB", "1" * 5000, "MB", True, 1.5, None]
)
def test_parse_size_rejects(value: object) -> None:
    with pytest.raises(ConfigError, match="max-file-size"):
        parse_size(value, "max-file-size")


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"select": ["MIC999"]}, "--select"),
        ({"ignore": ["nonsense"]}, "--ignore"),
        ({"extend_select": ["MIC95"]}, "--extend-select"),  # no MIC95x rule
        ({"per_file_ignores": ["no-colon"]}, "--per-file-ignores"),
        ({"per_file_ignores": ["*.ndjson:MIC999"]}, "--per-file-ignores"),
        ({"severity": ["MIC304"]}, "--severity"),
        ({"severity": ["MIC304=fatal"]}, "--severity"),
        ({"severity": ["MIC999=error"]}, "--severity"),
        ({"max_file_size": "big"}, "--max-file-size"),
    ],
)
def test_build_settings_rejects_bad_options(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build_settings(None, **kwargs)  # type: ignore[arg-type]
    message = str(raised.value)
    assert needle in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("colour = true\n", "colour"),
        ('select = ["MIC999"]\n', "MIC999"),
        ('[severity]\nMIC304 = "fatal"\n', "fatal"),
        ("max-file-size = []\n", "max-file-size"),
        ("per-file-ignores = 3\n", "per-file-ignores"),
        ("not toml at all\n", "TOML"),
    ],
)
def test_load_config_errors_name_the_file_and_key(tmp_path: Path, text: str, needle: str) -> None:
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert str(path) in message
    assert needle in message


def test_load_config_reads_every_key(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        "[tool.mics-lint]\n"
        'select = ["MIC3"]\n'
        'extend-select = ["MIC401"]\n'
        'ignore = ["MIC304"]\n'
        'max-file-size = "1MiB"\n'
        '[tool.mics-lint.per-file-ignores]\n"old/*" = ["MIC302"]\n'
        '[tool.mics-lint.severity]\nMIC306 = "error"\n',
        name="pyproject.toml",
    )
    config = load_config(path)
    assert config.max_file_size == 1024 * 1024
    assert config.severity == {"MIC306": Severity.ERROR}
    settings = build_settings(config)
    assert settings.enabled_codes() == (codes_with("MIC3") - {"MIC304"}) | {"MIC401"}
    assert settings.rules_for("old/a.ndjson").enabled == (
        codes_with("MIC3") - {"MIC304", "MIC302"}
    ) | {"MIC401"}


def test_find_config(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (tmp_path / "mics-lint.toml").write_text("", encoding="utf-8")
    assert find_config(deep) == tmp_path / "mics-lint.toml"
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.other]\n", encoding="utf-8")
    assert find_config(deep) == tmp_path / "mics-lint.toml"
    (tmp_path / "a" / "b" / "pyproject.toml").write_text("[tool.mics-lint]\n", encoding="utf-8")
    assert find_config(deep) == tmp_path / "a" / "b" / "pyproject.toml"
    (deep / "mics-lint.toml").write_text("", encoding="utf-8")
    assert find_config(deep) == deep / "mics-lint.toml"
