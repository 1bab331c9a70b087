"""Issue 15, items 6 to 11: output that leaks nothing and that a CI system or a parser can
trust, however hostile the file names and the data.

- 6: an e-mail address is masked before a value is cut, never shown cut and unmasked;
- 7: `full` masks an address written with escapes (`\\u0040`), as the value decodes;
- 9: a path is printed with its control characters escaped (one function,
  `mics_lint.names.printable`), in every format and on stderr: a file name cannot forge a
  GitHub workflow command (`::error ...`) or drive a terminal (ESC);
- 10: every XML and JSON format parses, whatever the file names and the messages hold;
- 11: `full` is linear in a line's length: a line is redacted once, in one pass.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ALL_FORMATS

from mics_lint import Diagnostic, Settings, lint_lines, redact
from mics_lint.cli import cli
from mics_lint.diagnostic import Severity
from mics_lint.exits import fail
from mics_lint.jsontext import shorten
from mics_lint.names import printable
from mics_lint.reporters import REPORTERS, FullReporter, JunitReporter, Options, Summary

BAD_LINE = '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","tier":"x"}'  # MIC204, MIC401
# A file name that, printed as it is, ends the line and starts a GitHub workflow command.
FORGED = "gh\n::error file=forged.ndjson,line=1::X.ndjson"
# Characters no printed path may hold: C0 and C1 controls, DEL, line and paragraph
# separators, bidirectional overrides.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
JSON_FORMATS = ["json", "gitlab", "sarif"]
JSON_LINES_FORMATS = ["jsonl", "rdjsonl"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(args: Sequence[str], env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    base: dict[str, str | None] = {
        "COLUMNS": "1000",
        "GITHUB_ACTIONS": None,
        "GITHUB_STEP_SUMMARY": None,
        "NO_COLOR": None,
    }
    result = CliRunner().invoke(cli, ["check", "--isolated", *args], env={**base, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


def write(path: Path, *lines: str) -> Path:
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return path


def lint_text(*lines: str, settings: Settings | None = None) -> list[Diagnostic]:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return list(lint_lines(io.BytesIO(data), "inline.ndjson", settings or Settings()))


def full_excerpts(out: str) -> list[str]:
    return [line[4:] for line in out.splitlines() if line.startswith("  | ")]


# -- 6: masked, then cut ----------------------------------------------------------------------

# The case: the address starts past the 60 characters a message shows of a value.
CUT_VALUE = "UPSERT" + "x" * 40 + " someone@mail.example.org"
CUT_SECRETS = ("someone", "omeone@", "@mail", "mail.example")


def cut_line(value: str = CUT_VALUE) -> str:
    return json.dumps(
        {"operation": value, "email_hash": "a1b2c3d4e5f6a7b8", "force_replace": True},
        separators=(",", ":"),
    )


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_address_is_masked_before_a_value_is_cut_in_every_format(project: Path, fmt: str) -> None:
    write(project / "cut.ndjson", cut_line())
    code, out, err = run(["--output-format", fmt, "cut.ndjson"])
    assert code == 1, err
    assert "MIC203" in out
    for secret in CUT_SECRETS:
        assert secret not in out + err, (secret, out)


@pytest.mark.parametrize("pad", range(30, 62, 3))
def test_no_cut_of_an_address_is_ever_shown(pad: int) -> None:
    """Wherever the cut falls: in the local part, on the "@", in the domain, in the TLD."""
    messages = [d.message for d in lint_text(cut_line("x" * pad + " someone@mail.example.org"))]
    assert any("operation is" in m for m in messages), messages
    for message in messages:
        assert "omeon" not in message and "mail.ex" not in message, message


def test_shorten_masks_before_cutting_unless_values_are_shown() -> None:
    value = "x" * 50 + " someone@mail.example.org"
    assert "someone" not in shorten(value)
    assert shorten(value).endswith(' s***..."')  # masked, then cut: only its first letter
    assert "s***@m***" in shorten("x" * 40 + " someone@mail.example.org")
    assert shorten(value, show_values=True).endswith(' some..."')  # as before: cut only
    assert "someone" not in shorten({"a": value})  # a value of any type, as JSON


def test_an_address_in_a_schema_message_is_masked_before_it_is_cut() -> None:
    """jsonschema's own message (MIC2xx's last resort) holds the value too."""
    error_message = "'" + "y" * 100 + " someone@mail.example.org' is not valid under any schema"
    assert "someone" not in shorten(error_message, 120)


# -- 7: `full` masks what the value decodes to -------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        # a command value: shown as written, unless it holds an address
        '{"operation":"x\\u0040mail.example.org","email_hash":"a1b2c3d4e5f6a7b8"}',
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","force_replace":'
        '"someone\\u0040mail.example.org","user_profile":{}}',
        # an identifier: its 6-character prefix is not shown when it is an address
        '{"operation":"DELETE","user_account_id":"someone\\u0040mail.example.org"}',
        '{"operation":"DELETE","email_hash":"someone\\u0040mail\\u002eexample\\u002eorg"}',
        # a misspelt command key (`forceReplace`): its value is shown as a command's
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","forceReplace":'
        '"someone\\u0040mail.example.org","user_profile":{}}',
    ],
)
def test_full_masks_an_address_written_with_escapes(project: Path, line: str) -> None:
    write(project / "escaped.ndjson", line)
    code, out, err = run(["--output-format", "full", "--strict", "escaped.ndjson"])
    assert code == 1, err
    excerpts = full_excerpts(out)
    assert excerpts, out
    for shown in excerpts:
        assert "mail." not in shown and "omeone" not in shown, shown
    assert "mail." not in redact.source_line(line)
    assert len(redact.source_line(line)) == len(line)  # the caret stays in place


def test_full_still_shows_commands_and_prefixes_written_with_escapes() -> None:
    line = '{"operation":"UPS\\u0045RT","user_account_id":"CRM-0\\u00301234"}'
    shown = redact.source_line(line)
    assert '"operation":"UPS\\u0045RT"' in shown
    assert '"user_account_id":"CRM-0\\' in shown


# -- 9: control characters in printed paths ----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("plain.ndjson", "plain.ndjson"),
        ("dir/sub dir/é.ndjson", "dir/sub dir/é.ndjson"),
        ("a\nb", "a\\nb"),
        ("a\rb\tc", "a\\rb\\tc"),
        ("a\x1b[31mb", "a\\x1b[31mb"),
        ("a\x01b\x7f\x85", "a\\x01b\\x7f\\x85"),
        ("a\u2028b\u202ec", "a\\u2028b\\u202ec"),
        ("a" + os.fsdecode(b"\xff") + "b", "a\ufffdb"),  # an undecodable byte, as before
        ("a\ud800b", "a\\ud800b"),  # a lone surrogate that is no byte (from the API)
        ("back\\slash", "back\\slash"),
    ],
)
def test_printable(name: str, shown: str) -> None:
    assert printable(name) == shown
    assert printable(shown) == shown  # once is enough: a second pass changes nothing
    assert not CONTROL.search(printable(name))


def forged_file(project: Path) -> Path:
    return write(project / FORGED, BAD_LINE)


def assert_no_forged_command(text: str) -> None:
    for line in text.splitlines():
        assert not line.startswith("::error file=forged"), line
        if re.fullmatch(r"::stop-commands::[0-9a-f]{32}|::[0-9a-f]{32}::", line):
            continue  # github's block around its text report (reporters/annotations.py)
        if line.startswith("::"):  # a real annotation, about the real file
            assert re.match(r"::(error|warning) file=[^:,]*(gh|a)\\", line), line


@pytest.mark.parametrize("fmt", ["github", "text", "grouped", "full", "azure"])
def test_a_file_name_cannot_forge_a_workflow_command(project: Path, fmt: str) -> None:
    forged_file(project)
    code, out, err = run(["--output-format", fmt, FORGED])
    assert code == 1, err
    assert_no_forged_command(out + err)
    assert "gh\\n::error file=forged.ndjson" in out, out  # the name, escaped, still there


def test_a_file_name_cannot_forge_a_workflow_command_when_found_in_a_folder(
    project: Path,
) -> None:
    (project / "data").mkdir()
    write(project / "data" / (FORGED + ".ndjson"), BAD_LINE)
    code, out, err = run(["--output-format", "github", "data"])
    assert code == 1, err
    assert_no_forged_command(out + err)


def test_cannot_read_a_forged_name_is_one_escaped_line(project: Path) -> None:
    code, out, err = run([FORGED])
    assert code == 2
    assert err.splitlines() == [
        "mics-lint: error: cannot read gh\\n::error file=forged.ndjson,line=1::X.ndjson: "
        "no such file or directory"
    ]
    assert_no_forged_command(out + err)


def test_an_unreadable_forged_name_is_one_escaped_line(project: Path) -> None:
    """Not a text file: the error comes from reading, and JUnit/SARIF record it too."""
    (project / FORGED).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    for fmt in ("text", "github", "junit", "sarif"):
        code, out, err = run(["--output-format", fmt, FORGED])
        assert code == 2, err
        assert len(err.splitlines()) == 1, err
        assert err.startswith("mics-lint: error: ") and "gh\\n::error" in err, err
        assert_no_forged_command(out + err)
        assert not CONTROL.search(out + err)


def test_stdin_filename_is_escaped(project: Path) -> None:
    code, out, err = run(["--stdin-filename", "in\x1b]0;owned\x07\n::error::x", "-"])
    assert code == 0, err  # CliRunner gives an empty standard input: MIC008 names the file
    assert "in\\x1b]0;owned\\x07\\n::error::x:1:1: MIC008" in out, out
    assert not CONTROL.search(out + err)


def test_every_error_line_is_one_line_without_control_characters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fail("cannot write out\n::error::x\x1b[2J: No space left on device")
    err = capsys.readouterr().err
    assert (
        err == "mics-lint: error: cannot write out\\n::error::x\\x1b[2J: No space left on device\n"
    )


@pytest.mark.parametrize("fmt", ALL_FORMATS)
@pytest.mark.parametrize("name", ["a\x1b[31mb.ndjson", "a\x01b\u202e.ndjson", FORGED])
def test_no_format_prints_a_control_character_of_a_name(project: Path, fmt: str, name: str) -> None:
    write(project / name, BAD_LINE)
    code, out, err = run(["--output-format", fmt, name])
    assert code == 1, err
    assert not CONTROL.search(out + err), repr(out + err)
    assert_no_forged_command(out + err)


def test_github_step_summary_keeps_one_row_per_file(project: Path) -> None:
    forged_file(project)
    summary = project / "summary.md"
    code, _, _ = run(
        ["--output-format", "github", FORGED], env={"GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert code == 1
    text = summary.read_text(encoding="utf-8")
    # Its backslash escaped, as Markdown's other characters are: a name is text there.
    assert "| gh\\\\n::error file=forged.ndjson,line=1::X.ndjson | 3 | 0 |" in text, text
    assert not CONTROL.search(text)


def test_an_unwritable_step_summary_is_named_as_such(project: Path) -> None:
    # It was "cannot write the report to standard output", which had been written.
    write(project / "a.ndjson", '{"operation":"DELETE","email_hash":"a"},')
    missing = project / "nowhere" / "summary.md"
    code, out, err = run(
        ["--output-format", "github", "a.ndjson"], env={"GITHUB_STEP_SUMMARY": str(missing)}
    )
    assert code == 2
    assert "::error file=a.ndjson" in out
    assert err.count("\n") == 1
    assert err.startswith("mics-lint: error: cannot write the step summary to GITHUB_STEP_SUMMARY")
    assert str(missing) in err


# -- 10: XML and JSON always parse ------------------------------------------------------------


def parse(fmt: str, out: str) -> None:
    if fmt == "junit":
        ElementTree.fromstring(out.encode("utf-8"))
    elif fmt in JSON_FORMATS:
        json.loads(out)
    else:
        for line in out.splitlines():
            json.loads(line)


@pytest.mark.parametrize("fmt", ["junit", *JSON_FORMATS, *JSON_LINES_FORMATS])
@pytest.mark.parametrize(
    "name", ["a\x01b.ndjson", "a\x0bb\x1f.ndjson", "a\x7f\x80b.ndjson", "a\ufffeb.ndjson"]
)
def test_machine_formats_parse_whatever_the_file_name(project: Path, fmt: str, name: str) -> None:
    write(project / name, BAD_LINE)
    write(project / "clean.ndjson", '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7b8"}')
    (project / ("bin\x02.ndjson")).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    code, out, err = run(["--output-format", fmt, name, "clean.ndjson", "bin\x02.ndjson"])
    assert code == 2, err  # the binary file could not be checked
    parse(fmt, out)


@pytest.mark.parametrize("fmt", ["junit", *JSON_FORMATS, *JSON_LINES_FORMATS])
def test_machine_formats_parse_whatever_a_key_decodes_to(project: Path, fmt: str) -> None:
    """Keys spelt with escapes reach messages decoded: a lone surrogate, a control character,
    U+FFFF (all forbidden in XML)."""
    write(
        project / "keys.ndjson",
        '{"operation":"UPSERT","\\ud800x":1,"\\u0001y":2,"\\uffffz":3,"email_hash":"a1b2c3",'
        '"force_replace":true,"user_profile":{}}',
    )
    code, out, err = run(["--output-format", fmt, "keys.ndjson"])
    assert code == 1, err
    parse(fmt, out)


def test_junit_parses_whatever_a_diagnostic_holds() -> None:
    """The reporter's own guarantee, for diagnostics made by any caller."""
    nasty = "x\x00\x01\x0b\x1b\ud800\udfff\ufffe\uffffy \"'<>&]]>"
    d = Diagnostic(nasty, 1, 1, 1, 2, "MIC204", "unknown-field", Severity.ERROR, nasty, None, nasty)
    out = io.StringIO()
    reporter = JunitReporter(out, Options())
    reporter.start()
    reporter.file_started(nasty)
    reporter.file_type(nasty, nasty)
    reporter.report(d)
    reporter.file_failed(nasty, nasty)
    reporter.file_finished(nasty, 1)
    reporter.finish(Summary())
    root = ElementTree.fromstring(out.getvalue().encode("utf-8"))
    failure = root.find("./testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message", "").startswith("x\\x00\\x01\\x0b\\x1b")


# -- 11: `full` is linear in a line's length ---------------------------------------------------


def many_keys_line(keys: int) -> str:
    pairs = ",".join(f'"unknown_key_{i}":"value{i}"' for i in range(keys))
    return '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8",' + pairs + "}"


def best_time(work: Callable[[], object], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    "make",
    [
        many_keys_line,
        # an unterminated string ending in a lone backslash, after many escaped quotes: the
        # string's pattern used to fail at each quote and be tried again from the next one
        lambda n: '{"a":"' + '\\"' * n + "\\",
    ],
    ids=["many keys", "escaped quotes"],
)
def test_source_line_is_linear_in_the_line_length(make: Callable[[int], str]) -> None:
    """16 times the line, at most 40 times the time (a quadratic pass took 85 to 250 times);
    the best of several rounds, so that a loaded machine does not make it flaky."""
    small, large = make(1_000), make(16_000)
    assert redact.source_line(large)  # warm up (the regular expressions' caches)
    ratio = best_time(lambda: redact.source_line(large)) / best_time(
        lambda: redact.source_line(small)
    )
    assert ratio < 40, ratio


def test_full_redacts_a_line_once_for_all_its_diagnostics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A line with 8,000 unknown keys has 8,000 diagnostics; its redacted copy is made once
    (it used to be made for each, each time in a pass over the whole line)."""
    line = many_keys_line(8_000)
    diagnostics = [d for d in lint_text(line) if d.code == "MIC204"]
    assert len(diagnostics) == 8_000
    calls: list[str] = []
    real = redact.source_line

    def counted(text: str) -> str:
        assert not calls, "the line is redacted again"  # fails at once, not 8,000 times
        calls.append(text)
        return real(text)

    monkeypatch.setattr(redact, "source_line", counted)
    out = io.StringIO()
    reporter = FullReporter(out, Options(width=100))
    reporter.start()
    reporter.file_started("inline.ndjson")
    for d in diagnostics:
        reporter.report(d)
    reporter.file_finished("inline.ndjson", len(diagnostics))
    reporter.finish(Summary())
    assert len(calls) == 1
    assert out.getvalue().count("MIC204") == 8_000
    assert "value" not in "".join(full_excerpts(out.getvalue()))


def test_full_on_a_line_with_8000_unknown_keys_ends(project: Path) -> None:
    """The issue's case end to end, with a bound generous enough for a loaded machine (it
    took over 300 s; `python bench/hostile_output.py` measures it)."""
    write(project / "keys.ndjson", many_keys_line(8_000))
    start = time.perf_counter()
    code, out, _ = run(["--output-format", "full", "keys.ndjson"])
    assert code == 1
    assert out.count("MIC204") == 8_000
    assert time.perf_counter() - start < 60


def test_rdjsonl_byte_columns_are_counted_once_per_line() -> None:
    """rdjsonl counts UTF-8 bytes up to each column: along the line, not from its start
    for each diagnostic (8,000 diagnostics on one line made that quadratic)."""
    line = '{"operation":"UPSERT","é":1,' + many_keys_line(2_000)[1:]
    diagnostics = [d for d in lint_text(line) if d.code == "MIC204"]
    out = io.StringIO()
    reporter = REPORTERS["rdjsonl"](out, Options())
    reporter.start()
    for d in diagnostics:
        reporter.report(d)
    records = [json.loads(text) for text in out.getvalue().splitlines()]
    for d, record in zip(diagnostics, records, strict=True):
        assert d.source is not None
        start = record["location"]["range"]["start"]["column"]
        end = record["location"]["range"]["end"]["column"]
        assert start == len(d.source[: d.column - 1].encode()) + 1
        assert end == len(d.source[: d.end_column - 1].encode()) + 1
    small, large = many_keys_line(1_000), many_keys_line(8_000)
    ratio = best_time(lambda: _rdjsonl(large), 3) / best_time(lambda: _rdjsonl(small), 3)
    assert ratio < 24, ratio


def _rdjsonl(line: str) -> None:
    source = line
    reporter = REPORTERS["rdjsonl"](io.StringIO(), Options())
    reporter.start()
    for match in re.finditer('"unknown_key', source):
        column = match.start() + 1
        reporter.report(
            Diagnostic(
                "x.ndjson",
                1,
                column,
                1,
                column + 5,
                "MIC204",
                "unknown-field",
                Severity.ERROR,
                "m",
                source,
            )
        )


def _window_one_character_at_a_time(text: str, column: int, width: int) -> tuple[str, int]:
    """`full`'s window as it was found before (a character at a time): the reference."""
    from mics_lint.reporters.text import _cells

    width = max(width, 20)
    index = min(max(column - 1, 0), len(text))
    lo, hi = max(0, index - 2 * width), min(len(text), index + 2 * width + 1)
    near = text[lo:hi]
    cells = [_cells(c) for c in near]
    if lo == 0 and hi == len(text) and sum(cells) <= width:
        return near, sum(cells[:index])

    def marks(start: int, end: int) -> int:
        return (start > 0) + (end < len(text))

    start, inner = index, 0
    while start > lo and inner + cells[start - 1 - lo] <= width // 3:
        start -= 1
        inner += cells[start - lo]
    end = index
    if end < hi:
        inner += cells[end - lo]
        end += 1
    while end < hi and inner + cells[end - lo] + marks(start, end + 1) <= width:
        inner += cells[end - lo]
        end += 1
    while start > lo and inner + cells[start - 1 - lo] + marks(start - 1, end) <= width:
        start -= 1
        inner += cells[start - lo]
    body = near[start - lo : end - lo]
    shown = ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
    return shown, (start > 0) + sum(cells[start - lo : index - lo])


def test_full_window_is_what_it_was_at_every_column() -> None:
    """The window is found by bisection now: the same slice and caret as the loop found, on
    ASCII and on wide (CJK) and zero-width (combining) characters, at every column."""
    from mics_lint.reporters.text import _window

    rng = random.Random(15)
    alphabet = ["a", "b", "{", '"', " ", "名", "前", "\u0301", "é", "😀"]
    for _ in range(300):
        ascii_only = rng.random() < 0.3
        size = rng.choice([0, 1, 5, 19, 20, 21, 40, 60, 99, 100, 101, 150, 400])
        chars = ["x"] if ascii_only else alphabet
        text = "".join(rng.choice(chars) for _ in range(size))
        width = rng.choice([1, 20, 21, 30, 57, 96, 200])
        for column in {0, 1, 2, size // 3, size // 2, size - 1, size, size + 1, size + 5}:
            expected = _window_one_character_at_a_time(text, column, width)
            assert _window(text, column, width) == expected, (text, column, width)


# -- 9, in the data: `full`'s excerpt ---------------------------------------------------------


def test_full_never_prints_a_raw_control_character_of_the_line(project: Path) -> None:
    """ESC inside a key: MIC101, and the excerpt shows it as a visible symbol, even with
    --show-values (keys are shown as written), with the caret still under the column."""
    write(project / "esc.ndjson", '{"operation":"UPSERT","\x1b[2Jk\x85":1}')
    for extra in ([], ["--show-values"]):
        code, out, _ = run(["--output-format", "full", *extra, "esc.ndjson"])
        assert code == 1
        assert not CONTROL.search(out), repr(out)
        text, caret = full_excerpts(out)
        assert text.index("\u241b") == caret.index("^") == 23, (text, caret)
