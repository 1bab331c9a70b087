"""What a review of the Python API and the config file, as a ruff user would use them, found
(docs/decisions.md, "The Python API and the config reviewed"): each case failed before."""

from __future__ import annotations

import io
import pathlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mics_lint import Selection, Settings, Severity, lint_file, lint_lines
from mics_lint.cli import cli

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"
CRM = (EXAMPLES / "crm_profiles.ndjson").read_text(encoding="utf-8")
DELETE = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-1"}'


def codes(found: Any) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in found]


def test_lines_without_their_ends_are_lines() -> None:
    """`text.splitlines()` is the natural way to make lines: MIC005 was on every line."""
    kept = codes(lint_lines(CRM.splitlines(keepends=True)))
    assert codes(lint_lines(CRM.splitlines())) == kept
    assert "MIC005" not in {code for _, code in kept}
    assert codes(lint_lines([DELETE, DELETE.replace("CRM-1", "CRM-2")])) == []
    assert codes(lint_lines([DELETE.encode(), DELETE.replace("CRM-1", "CRM-9").encode()])) == []


def test_a_last_line_without_its_end_among_ended_ones_is_mic005() -> None:
    lines = [DELETE + "\n", DELETE.replace("CRM-1", "CRM-2")]
    assert codes(lint_lines(lines)) == [(2, "MIC005")]
    assert codes(lint_lines(io.BytesIO(DELETE.encode()))) == [(1, "MIC005")]  # a file's
    assert codes(lint_lines([DELETE])) == [(1, "MIC005")]  # one line: as a file's


@pytest.mark.parametrize("given", [DELETE + "\n", (DELETE + "\n").encode(), [None], [3]])
def test_lines_of_the_wrong_shape_are_a_type_error(given: Any) -> None:
    with pytest.raises(TypeError, match="lint_lines"):
        list(lint_lines(given))


def test_paths_as_path_objects_and_bytes() -> None:
    (found,) = lint_lines(['{"operation":"DELETE"}\n'], path=pathlib.Path("a/b.ndjson"))
    assert found.path == "a/b.ndjson" and type(found.path) is str
    as_bytes = codes(lint_file(str(EXAMPLES / "crm_profiles.ndjson").encode()))
    assert as_bytes == codes(lint_file(EXAMPLES / "crm_profiles.ndjson"))


@pytest.mark.parametrize(
    ("given", "field", "made"),
    [
        ({"profile_form": "UPDATE_STRATEGY"}, "profile_form", "update_strategy"),
        ({"profile_form": " Either"}, "profile_form", "either"),
        ({"max_file_size": "50MB"}, "max_file_size", 50_000_000),
        ({"max_line_bytes": "1MiB"}, "max_line_bytes", 1024 * 1024),
        (
            {"doc_type_globs": (("crm_*", "segment"),)},
            "doc_type_globs",
            (("crm_*", "USER_SEGMENT"),),
        ),
        ({"root": "/tmp/x"}, "root", Path("/tmp/x")),
        ({"severity": {"duplicate-user": Severity.ERROR}}, "severity", {"MIC501": Severity.ERROR}),
        ({"severity": {"mic501": "error"}}, "severity", {"MIC501": Severity.ERROR}),
        (
            {"selections": Selection(ignore=("MIC5",))},
            "selections",
            (Selection(ignore=("MIC5",)),),
        ),
        (
            {"selections": (Selection(select="MIC2"),)},  # type: ignore[arg-type]
            "selections",
            (Selection(select=("MIC2",)),),
        ),
        (
            {"per_file_ignores": (("*.ndjson", "MIC5"),)},
            "per_file_ignores",
            (("*.ndjson", ("MIC5",)),),
        ),
    ],
)
def test_settings_take_what_the_command_line_takes(
    given: dict[str, Any], field: str, made: Any
) -> None:
    assert getattr(Settings(**given), field) == made


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"max_file_size": None}, "is not a size"),
        ({"max_file_size": 0}, "is no size: give at least 1 byte"),
        ({"max_file_size": "0MB"}, "is no size: give at least 1 byte"),
        ({"max_file_size": "10PiB"}, "too large"),
        ({"max_file_size": True}, "is not a size"),
        ({"max_line_bytes": -1}, "is not a size"),
        ({"max_line_bytes": 2**60}, "too large"),
        ({"severity": {"MIC999": Severity.ERROR}}, "unknown rule 'MIC999'"),
        ({"severity": {"MIC501": "fatal"}}, "is not a severity"),
        ({"severity": {"MIC5": "error"}}, "is a prefix"),
        ({"doc_type": 3}, "unknown document type 3"),
        ({"doc_type_globs": (("*.ndjson", "segmnet"),)}, "unknown document type 'segmnet'"),
        ({"selections": (Selection(select=("MIC999",)),)}, "unknown rule code or prefix 'MIC999'"),
        ({"selections": ("MIC3",)}, "is not a tuple of Selection"),
        ({"per_file_ignores": (("*.ndjson", ("MIC9x",)),)}, "'MIC9x'"),
        ({"per_file_ignores": (("[", ("MIC3",)),)}, "unclosed character class"),
    ],
)
def test_settings_refuse_at_once_what_would_fail_later(given: dict[str, Any], said: str) -> None:
    with pytest.raises(ValueError, match=said.replace("(", r"\(").replace("[", r"\[")):
        Settings(**given)


def test_a_severity_formats_as_its_word() -> None:
    assert f"{Severity.ERROR:<8}|" == "error   |" and f"{Severity.WARNING}" == "warning"


def _check(tmp_path: Path, config: str, *args: str) -> tuple[int, str, str]:
    (tmp_path / "mics-lint.toml").write_text(config, encoding="utf-8")
    folder = tmp_path / "legacy" / "2026"
    folder.mkdir(parents=True, exist_ok=True)
    (tmp_path / "legacy" / "a.ndjson").write_text(CRM, encoding="utf-8")
    (folder / "b.ndjson").write_text(CRM, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mics_lint", "check", *args, "legacy"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ('[per-file-ignores]\n"[" = ["MIC3"]\n', "glob '[': unclosed character class"),
        ('[doc-types]\n"[a-" = "segment"\n', "glob '[a-': unclosed character class"),
        # Accepted, it matched no file: their datamart checks were left out, silently.
        ('[datamart-schema]\n"dp[.ndjson" = "s.gql"\n', "datamart-schema: glob 'dp[.ndjson'"),
        ('[severity]\nMIC5 = "error"\n', "'MIC5' is a prefix (MIC501): a severity is set for one"),
        ('[tool.mics-lint]\nselect = ["MIC3"]\n', "without that header"),
    ],
)
def test_config_mistakes_are_one_line(tmp_path: Path, config: str, said: str) -> None:
    code, out, err = _check(tmp_path, config)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and said in err, err


def test_double_star_also_matches_no_folder(tmp_path: Path) -> None:
    """`legacy/**/*.ndjson` matches `legacy/a.ndjson`, as in ruff and git."""
    code, out, _ = _check(tmp_path, '[per-file-ignores]\n"legacy/**/*.ndjson" = ["ALL"]\n')
    assert code == 0 and "All checks passed" in out


def test_a_bad_per_file_ignores_glob_on_the_command_line() -> None:
    result = CliRunner().invoke(
        cli, ["check", "--isolated", "--per-file-ignores", "[a-:MIC3", str(EXAMPLES)]
    )
    assert result.exit_code == 2 and "unclosed character class" in result.output
