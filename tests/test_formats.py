"""Golden files for every `--output-format`: one input, one expected output per format.

Layout
  fixtures/formats/input.ndjson
      A few diagnostics of both severities, chosen for what they make each format escape or
      convert: non-ASCII text before a flagged key (`ë`, `Ü`, `ï`, and `😀`, which is four
      UTF-8 bytes and two UTF-16 units), a flagged key holding `%`, a literal `%0A`, `:`, `,`,
      `;`, `]`, `<`, `>` and `&`, and a key written with a `\\n` escape.
  fixtures/formats/clean.ndjson
      A file with no diagnostic (JUnit gives it a passing testcase; grouped gives it no header).
  fixtures/formats/<format>.expected
      The exact standard output of
      `mics-lint check --isolated --output-format <format> input.ndjson clean.ndjson`, run
      from that folder (so paths are relative) with COLUMNS=80, outside GitHub Actions.
      Text formats show the paths as given; CI formats show them from the root of the git
      work tree, `tests/fixtures/formats/input.ndjson`. Run-dependent text is replaced:
      mics-lint's version in SARIF is `<version>`.

These files are snapshots, reviewed by hand: `full.expected` keeps the current window and
caret, which count code points where a terminal draws `😀` two columns wide (see
`test_full_cuts_the_line_to_the_terminal_and_puts_the_caret_under_the_column`). Whether
each format follows its consumer's rules (schemas, escaping, counts) is tested in
`test_format_consumers.py`.

Updating
  `pytest tests/test_formats.py --update-expected` rewrites the `.expected` files from the
  current output. Review the diff before committing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import ALL_FORMATS

from mics_lint import __version__
from mics_lint.cli import cli

FORMATS_DIR = Path(__file__).parent / "fixtures" / "formats"
INPUTS = ["input.ndjson", "clean.ndjson"]
FORMATS = ALL_FORMATS
# Whatever the developer's or CI's environment holds, the goldens see this one.
ENV: dict[str, str | None] = {
    "COLUMNS": "80",
    "LINES": "24",
    "GITHUB_ACTIONS": None,
    "GITHUB_STEP_SUMMARY": None,
    "NO_COLOR": None,
}


def run_check(args: Sequence[str], env: dict[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(cli, ["check", "--isolated", *args], env={**ENV, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    return result


def normalize(output: str) -> str:
    """Replace what changes from one release to the next."""
    return output.replace(
        f'"name":"mics-lint","version":"{__version__}"', '"name":"mics-lint","version":"<version>"'
    )


@pytest.fixture
def in_formats_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(FORMATS_DIR)
    return FORMATS_DIR


def test_every_format_has_a_golden_file() -> None:
    """A format added to the CLI must get a golden file here (and consumer tests)."""
    from mics_lint.reporters import REPORTERS

    assert sorted(REPORTERS) == sorted(FORMATS)
    for fmt in FORMATS:
        assert (FORMATS_DIR / f"{fmt}.expected").is_file(), fmt


def test_input_exercises_what_it_claims() -> None:
    """The input keeps the characters the formats must escape or convert (see the docstring)."""
    text = (FORMATS_DIR / "input.ndjson").read_text(encoding="utf-8")
    for needle in ("ë", "😀", "%0A", ":", ",", ";", "]", "<", "&", "\\n"):
        assert needle in text, needle
    assert (FORMATS_DIR / "clean.ndjson").read_bytes().endswith(b"\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str, in_formats_dir: Path, update_expected: bool) -> None:
    result = run_check(["--output-format", fmt, *INPUTS])
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    actual = normalize(result.stdout)
    expected_file = in_formats_dir / f"{fmt}.expected"
    if update_expected:
        expected_file.write_bytes(actual.encode("utf-8"))
        return
    expected = expected_file.read_bytes().decode("utf-8")
    assert actual == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_output_is_the_same_on_a_second_run(fmt: str, in_formats_dir: Path) -> None:
    """Nothing in a report depends on the run (time, temporary names, ordering of sets)."""
    first = run_check(["--output-format", fmt, *INPUTS])
    second = run_check(["--output-format", fmt, *INPUTS])
    assert first.stdout == second.stdout


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_output_file_matches_stdout(fmt: str, in_formats_dir: Path, tmp_path: Path) -> None:
    """`-o PATH` writes what stdout shows (files are never coloured, always UTF-8)."""
    target = tmp_path / f"report.{fmt}"
    on_stdout = run_check(["--output-format", fmt, *INPUTS])
    to_file = run_check(["--output-format", fmt, "-o", str(target), *INPUTS])
    assert to_file.exit_code == on_stdout.exit_code
    assert to_file.stdout == ""
    assert target.read_bytes().decode("utf-8") == on_stdout.stdout
