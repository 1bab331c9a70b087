"""Reporters, fed hand-made diagnostics: the exact text, JSON and JSON Lines they write."""

from __future__ import annotations

import io
import json
import re

import pytest

from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.reporters import (
    REPORTERS,
    JsonLinesReporter,
    JsonReporter,
    Options,
    Reporter,
    Summary,
    TextReporter,
)

E1 = Diagnostic(
    "a.ndjson",
    1,
    1,
    1,
    23,
    "MIC301",
    "missing-identifier",
    Severity.ERROR,
    "no identifier",
    doc_type="USER_PROFILE",
)
E2 = Diagnostic(
    "a.ndjson",
    2,
    45,
    2,
    60,
    "MIC302",
    "multiple-identifiers",
    Severity.ERROR,
    "2 identifiers on one line (email_hash, user_agent_id): keep exactly one",
    doc_type="USER_PROFILE",
)
W1 = Diagnostic(
    "dir/b.jsonl.gz",
    7,
    23,
    7,
    40,
    "MIC304",
    "account-without-compartment",
    Severity.WARNING,
    'user_account_id without compartment_id: add "compartment_id"',
    doc_type="USER_PROFILE",
)
UNICODE = Diagnostic(
    "données/é.ndjson",
    3,
    9,
    3,
    10,
    "MIC204",
    "unknown-field",
    Severity.ERROR,
    'unknown field "prénom😀": custom data goes inside user_profile',
    doc_type="USER_PROFILE",
)

E1_JSON = (
    '{"path":"a.ndjson","line":1,"column":1,"end_line":1,"end_column":23,"code":"MIC301",'
    '"name":"missing-identifier","severity":"error","message":"no identifier",'
    '"doc_type":"USER_PROFILE"}'
)
W1_JSON = (
    '{"path":"dir/b.jsonl.gz","line":7,"column":23,"end_line":7,"end_column":40,'
    '"code":"MIC304","name":"account-without-compartment","severity":"warning",'
    '"message":"user_account_id without compartment_id: add \\"compartment_id\\"",'
    '"doc_type":"USER_PROFILE"}'
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def render(
    reporter_class: type[Reporter],
    diagnostics: list[Diagnostic],
    summary: Summary | None = None,
    color: bool = False,
) -> str:
    stream = io.StringIO()
    reporter = reporter_class(stream, Options(color=color))
    reporter.start()
    for diagnostic in diagnostics:
        reporter.report(diagnostic)
    if summary is None:
        summary = Summary(files_checked=1)
        for diagnostic in diagnostics:
            summary.add(diagnostic)
        summary.files_with_problems = len({d.path for d in diagnostics})
    reporter.finish(summary)
    return stream.getvalue()


def test_reporters_by_output_format_name() -> None:
    core = {name: REPORTERS[name] for name in ("text", "json", "jsonl")}
    assert core == {"text": TextReporter, "json": JsonReporter, "jsonl": JsonLinesReporter}


# -- text -------------------------------------------------------------------------------------


def test_text_reporter_exact_output() -> None:
    assert render(TextReporter, [E1, E2, W1]) == (
        "a.ndjson:1:1: MIC301 [error] no identifier\n"
        "a.ndjson:2:45: MIC302 [error] 2 identifiers on one line (email_hash, user_agent_id): "
        "keep exactly one\n"
        "dir/b.jsonl.gz:7:23: MIC304 [warning] "
        'user_account_id without compartment_id: add "compartment_id"\n'
        "Found 2 errors and 1 warning in 2 files.\n"
    )


def test_text_reporter_with_nothing_to_report() -> None:
    assert render(TextReporter, []) == "All checks passed.\n"


def test_text_reporter_keeps_non_ascii_as_is() -> None:
    assert render(TextReporter, [UNICODE]) == (
        'données/é.ndjson:3:9: MIC204 [error] unknown field "prénom😀": custom data goes inside '
        "user_profile\n"
        "Found 1 error in 1 file.\n"
    )


def test_text_reporter_writes_each_diagnostic_as_it_comes() -> None:
    stream = io.StringIO()
    reporter = TextReporter(stream)
    reporter.start()
    reporter.report(E1)
    assert stream.getvalue() == "a.ndjson:1:1: MIC301 [error] no identifier\n"


def test_text_reporter_without_colour_has_no_escapes() -> None:
    assert "\x1b[" not in render(TextReporter, [E1, W1], color=False)


def test_text_reporter_with_colour() -> None:
    out = render(TextReporter, [E1, W1], color=True)
    assert "\x1b[" in out
    # the same text once the escapes are gone
    assert ANSI.sub("", out) == render(TextReporter, [E1, W1], color=False)
    lines = out.splitlines()
    # errors and warnings are told apart by colour: red and yellow codes
    assert "\x1b[31m" in lines[0] and "MIC301" in lines[0]
    assert "\x1b[33m" in lines[1] and "MIC304" in lines[1]


def test_text_reporter_colours_the_all_clear() -> None:
    out = render(TextReporter, [], color=True)
    assert "\x1b[" in out
    assert ANSI.sub("", out) == "All checks passed.\n"


# -- JSON -------------------------------------------------------------------------------------


def test_json_reporter_exact_output() -> None:
    assert render(JsonReporter, [E1, W1]) == "[\n  " + E1_JSON + ",\n  " + W1_JSON + "\n]\n"


def test_json_reporter_one_record() -> None:
    assert render(JsonReporter, [E1]) == "[\n  " + E1_JSON + "\n]\n"


def test_json_reporter_empty_is_an_empty_array() -> None:
    out = render(JsonReporter, [])
    assert out == "[]\n"
    assert json.loads(out) == []


def test_json_reporter_output_parses_to_the_records() -> None:
    diagnostics = [E1, E2, W1, UNICODE]
    assert json.loads(render(JsonReporter, diagnostics)) == [d.to_dict() for d in diagnostics]


def test_json_reporter_ignores_colour() -> None:
    assert render(JsonReporter, [E1, W1], color=True) == render(JsonReporter, [E1, W1])


def test_json_reporter_writes_non_ascii_as_utf8_text() -> None:
    out = render(JsonReporter, [UNICODE])
    assert '"path":"données/é.ndjson"' in out
    assert "prénom😀" in out


def test_json_reporter_streams() -> None:
    stream = io.StringIO()
    reporter = JsonReporter(stream)
    reporter.start()
    reporter.report(E1)
    assert E1_JSON in stream.getvalue()
    reporter.report(W1)
    assert W1_JSON in stream.getvalue()


def test_json_reporter_has_no_summary() -> None:
    out = render(JsonReporter, [E1])
    assert "Found" not in out
    assert "All checks passed" not in render(JsonReporter, [])


# -- JSON Lines -------------------------------------------------------------------------------


def test_jsonl_reporter_exact_output() -> None:
    assert render(JsonLinesReporter, [E1, W1]) == E1_JSON + "\n" + W1_JSON + "\n"


def test_jsonl_reporter_empty_writes_nothing() -> None:
    assert render(JsonLinesReporter, []) == ""


def test_jsonl_reporter_one_record_per_line() -> None:
    diagnostics = [E1, E2, W1, UNICODE]
    lines = render(JsonLinesReporter, diagnostics).splitlines()
    assert [json.loads(line) for line in lines] == [d.to_dict() for d in diagnostics]


def test_jsonl_reporter_streams() -> None:
    stream = io.StringIO()
    reporter = JsonLinesReporter(stream)
    reporter.start()
    reporter.report(E1)
    assert stream.getvalue() == E1_JSON + "\n"


# -- the record -------------------------------------------------------------------------------


def test_diagnostic_record_has_the_documented_keys_in_order() -> None:
    assert list(E1.to_dict()) == [
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "doc_type",
    ]
    assert E1.to_dict()["severity"] == "error"
    assert W1.to_dict()["severity"] == "warning"


def test_diagnostic_sort_key_is_path_line_column_code() -> None:
    same_place = Diagnostic("a.ndjson", 2, 45, 2, 46, "MIC101", "invalid-json", Severity.ERROR, "x")
    shuffled = [W1, E2, same_place, E1]
    assert sorted(shuffled, key=Diagnostic.sort_key) == [E1, same_place, E2, W1]


# -- the summary sentence ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("errors", "warnings", "files", "sentence"),
    [
        (0, 0, 0, "All checks passed."),
        (0, 0, 5, "All checks passed."),
        (1, 0, 1, "Found 1 error in 1 file."),
        (2, 0, 1, "Found 2 errors in 1 file."),
        (2, 0, 2, "Found 2 errors in 2 files."),
        (0, 1, 1, "Found 1 warning in 1 file."),
        (0, 2, 1, "Found 2 warnings in 1 file."),
        (0, 3, 2, "Found 3 warnings in 2 files."),
        (1, 1, 1, "Found 1 error and 1 warning in 1 file."),
        (1, 2, 1, "Found 1 error and 2 warnings in 1 file."),
        (2, 1, 2, "Found 2 errors and 1 warning in 2 files."),
        (3, 1, 2, "Found 3 errors and 1 warning in 2 files."),
        (10, 20, 11, "Found 10 errors and 20 warnings in 11 files."),
    ],
)
def test_summary_sentence(errors: int, warnings: int, files: int, sentence: str) -> None:
    summary = Summary(
        errors=errors, warnings=warnings, files_checked=max(files, 1), files_with_problems=files
    )
    assert summary.sentence() == sentence


def test_summary_counts_by_severity() -> None:
    summary = Summary()
    for diagnostic in (E1, E2, W1):
        summary.add(diagnostic)
    assert (summary.errors, summary.warnings) == (2, 1)
    summary.files_with_problems = 2
    assert summary.sentence() == "Found 2 errors and 1 warning in 2 files."


def test_summary_counts_an_overridden_severity() -> None:
    summary = Summary()
    summary.add(Diagnostic("a", 1, 1, 1, 2, "MIC304", "x", Severity.ERROR, "m"))
    summary.files_with_problems = 1
    assert summary.sentence() == "Found 1 error in 1 file."
