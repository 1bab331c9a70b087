"""A file that opens with `{` or `[` alone and is not one document (opening.py): a stray
bracket, or a first record pretty-printed among NDJSON lines. Held to the file's end as one
document, it was one MIC007 (calling the file one document) and the first parse error:
every later line's problems were hidden, and `--diff` said "Nothing to fix"."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mics_lint import Settings, lint_lines, linter
from mics_lint.cli import cli
from mics_lint.fix import StreamSink, fix_stream
from mics_lint.settings import Selection
from mics_lint.splitrecords import SPLIT_LINES, Splitter

UPSERT = '{"operation":"UPSERT","email_hash":"%s","force_replace":false,"user_profile":{}}'
PRETTY = json.dumps(json.loads(UPSERT % "a"), indent=2) + "\n"  # 6 lines
LATER = [
    '{"operation":"upsert","email_hash":"b","force_replace":false,"user_profile":{}}\n',
    '{"operation":"UPSERT","email_hash":"c"}\n',
    "[1]\n",
]
LATER_FOUND = [(7, "MIC203"), (8, "MIC401"), (8, "MIC402"), (9, "MIC102")]
SETTINGS: list[dict[str, Any]] = [{}, {"fast_path": False}, {"fast_path_from": 1}]


def found(text: str, **settings: Any) -> list[tuple[int, str]]:
    lines = text.splitlines(keepends=True)
    return [(d.line, d.code) for d in lint_lines(lines, "f.ndjson", Settings(**settings))]


def diagnostics(text: str) -> list[Any]:
    return list(lint_lines(text.splitlines(keepends=True), "f.ndjson", Settings()))


def fixed(text: str, **settings: Any) -> tuple[str, Counter[str]]:
    out = io.BytesIO()
    result = fix_stream(
        io.BytesIO(text.encode("utf-8")), StreamSink(out), Settings(**settings), "f.ndjson"
    )
    return out.getvalue().decode("utf-8"), result.fixed


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["check", "--isolated", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("settings", SETTINGS)
def test_a_pretty_printed_first_record_is_a_split_record(settings: dict[str, Any]) -> None:
    text = PRETTY + "".join(LATER)
    assert found(text, **settings) == [(1, "MIC101"), *LATER_FOUND]
    first = diagnostics(text)[0]
    assert (first.line, first.end_line, first.column) == (1, 6, 1)
    assert first.message.startswith("this record is split over lines 1–6")
    assert first.fix is not None  # [*]: --fix joins it


def test_the_split_first_record_is_joined_by_fix_and_the_rest_fixed_as_lines() -> None:
    text = PRETTY + "".join(LATER)
    out, counts = fixed(text)
    assert out == UPSERT % "a" + "\n" + "".join(LATER)
    assert counts == Counter({"MIC101": 1})


@pytest.mark.parametrize("settings", SETTINGS)
def test_a_stray_brace_hides_no_later_line(settings: dict[str, Any]) -> None:
    lines = ['{"operation":"UPSERT"}\n'] * 2000
    got = found("{\n" + "".join(lines), **settings)
    assert got[0] == (1, "MIC101")
    assert len(got) == 1 + 3 * 2000  # MIC301, MIC401, MIC402 on each later line
    assert {code for _, code in got[1:]} == {"MIC301", "MIC401", "MIC402"}
    assert "MIC007" not in {code for _, code in got}


def test_a_stray_brace_is_its_own_line_for_fix() -> None:
    text = "{\n" + UPSERT % "a" + "\n" + '{"operation":"UPSERT","email_hash":"b"}\r\n'
    out, counts = fixed(text)
    assert out == "{\n" + UPSERT % "a" + "\n" + '{"operation":"UPSERT","email_hash":"b"}\n'
    assert counts == Counter({"MIC003": 1})
    assert found(text) == [(1, "MIC101"), (3, "MIC003"), (3, "MIC401"), (3, "MIC402")]


def test_a_stray_bracket_before_ndjson_lines() -> None:
    text = "[\n" + UPSERT % "a" + "\n" + UPSERT % "b" + "\n" + '{"operation":"DELETE"}\n'
    assert found(text) == [(1, "MIC101"), (4, "MIC301")]


def test_a_stray_brace_before_a_pretty_printed_record() -> None:
    """The second `{` begins a record: the first never closes; the record is split."""
    text = "{\n" + PRETTY + UPSERT % "b" + "\n"
    assert found(text) == [(1, "MIC101"), (2, "MIC101")]
    assert diagnostics(text)[1].message.startswith("this record is split over lines 2–7")
    assert fixed(text)[0] == "{\n" + UPSERT % "a" + "\n" + UPSERT % "b" + "\n"


def test_a_split_record_after_the_split_first_record() -> None:
    text = (
        PRETTY
        + '{"operation":"UPSERT",\n"email_hash":"b","force_replace":false,"user_profile":{}}\n'
    )
    got = diagnostics(text)
    assert [(d.line, d.end_line, d.code) for d in got] == [(1, 6, "MIC101"), (7, 8, "MIC101")]
    assert fixed(text)[0] == UPSERT % "a" + "\n" + UPSERT % "b" + "\n"


@pytest.mark.parametrize("comma", ["", ","])
def test_blank_lines_and_a_comma_around_the_split_first_record(comma: str) -> None:
    text = "\n" + PRETTY.rstrip("\n") + comma + "\n\n" + UPSERT % "b" + "\n"
    assert found(text) == [(1, "MIC004"), (2, "MIC101"), (8, "MIC004")]
    assert diagnostics(text)[1].message.startswith("this record is split over lines 2–7")
    out, counts = fixed(text)
    assert out == UPSERT % "a" + "\n" + UPSERT % "b" + "\n"
    assert counts == Counter({"MIC004": 2, "MIC101": 1})


def test_a_byte_order_mark_before_the_split_first_record() -> None:
    text = "\ufeff" + PRETTY + UPSERT % "b" + "\n"
    assert found(text) == [(1, "MIC002"), (1, "MIC101")]
    out, counts = fixed(text)
    assert out == UPSERT % "a" + "\n" + UPSERT % "b" + "\n"
    assert counts == Counter({"MIC002": 1, "MIC101": 1})
    kept, _ = fixed(text, selections=(Selection(ignore=("MIC002",)),))
    assert kept == "\ufeff" + UPSERT % "a" + "\n" + UPSERT % "b" + "\n"


def test_crlf_of_the_held_lines_is_reported_once() -> None:
    text = PRETTY.replace("\n", "\r\n") + UPSERT % "b" + "\r\n"
    assert found(text) == [(1, "MIC003"), (1, "MIC101")]
    assert fixed(text)[0] == UPSERT % "a" + "\n" + UPSERT % "b" + "\n"


@pytest.mark.parametrize(
    "text",
    [
        PRETTY,  # one object
        PRETTY + "\n\n",
        PRETTY + PRETTY,  # `jq .` of several commands
        PRETTY.rstrip("\n") + ",\n" + PRETTY,
        PRETTY + ",\n" + PRETTY,
        "[\n" + UPSERT % "a" + ",\n" + UPSERT % "b" + "\n]\n",  # an array
        "[\n" + UPSERT % "a" + ",\n" + UPSERT % "b" + "\n",  # its end cut off
        '{\n  "operation": "UPSERT",\n  "x": 1,\n}\n',  # broken inside
        '{\n  "operation": "UPSERT",\n  "x": 1,\n}\n' + UPSERT % "b" + "\n",
    ],
)
def test_a_document_is_still_mic007(text: str) -> None:
    got = found(text)
    assert got[0] == (1, "MIC007")
    assert all(code in ("MIC007", "MIC101") for _, code in got)


def test_a_run_of_pretty_printed_commands_is_still_compacted_whole() -> None:
    text = PRETTY + PRETTY.replace('"a"', '"b"')
    assert found(text) == [(1, "MIC007")]
    assert fixed(text)[0] == UPSERT % "a" + "\n" + UPSERT % "b" + "\n"


def test_a_first_record_longer_than_a_split_record_stays_a_document() -> None:
    """As in the middle of a file, a record over SPLIT_LINES lines is not one: the lines
    are not followed further (memory and time stay bounded), and it is MIC007 as before."""
    value = {"operation": "UPSERT", "user_profile": {f"k{i}": i for i in range(SPLIT_LINES)}}
    text = json.dumps(value, indent=1) + "\n" + UPSERT % "b" + "\n"
    assert found(text)[0] == (1, "MIC007")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_command_reports_and_fixes_alike(tmp_path: Path, jobs: str) -> None:
    target = tmp_path / "a.ndjson"
    target.write_text(PRETTY + "".join(LATER * 40), encoding="utf-8")
    code, out = check("--jobs", jobs, "--chunk-size", "256", str(target))
    assert code == 1
    assert "a.ndjson:1:1: MIC101 [error] [*] this record is split over lines 1–6" in out
    assert "MIC007" not in out
    assert out.count("MIC203") == 40 and out.count("MIC102") == 40
    code, out = check("--diff", str(target))
    assert code == 1 and "Nothing to fix" not in out
    assert f"+{UPSERT % 'a'}" in out
    check("--fix", str(target))
    assert target.read_text(encoding="utf-8") == UPSERT % "a" + "\n" + "".join(LATER * 40)


@pytest.mark.parametrize("before", ["", '{"operation":null}\n{}\n'])
def test_a_split_record_with_an_integer_past_64_bits_is_joined(before: str) -> None:
    """orjson read such an integer as a float, whose compact text the fix's proof refused:
    the record was marked [*] and left split, at the file's start and in its middle."""
    pretty = '{\n  "operation": [\n    -9223372036854775809\n  ]\n}\n'
    text = (before or pretty) + "{}\n" + pretty
    assert [d.fix is not None for d in diagnostics(text) if d.code == "MIC101"] == [True] * (
        2 - bool(before)
    )
    assert fixed(text)[0] == (before or '{"operation":[-9223372036854775809]}\n') + (
        '{}\n{"operation":[-9223372036854775809]}\n'
    )


def test_a_document_is_not_searched_for_split_records() -> None:
    """A run of pretty-printed commands is held whole as one document (MIC007) by the
    linter and the fixer. A scalar line inside it (`"b"` of an array) parses alone; the
    splitter then read ahead from each `{` line after it and kept each record's value,
    which the hold never used: a pretty-printed export of 90 MB took 18 s and 380 MB."""
    record = {"operation": "UPSERT", "email_hash": "a", "force_replace": False}
    record["user_profile"] = {"tags": ["a", "b"]}
    text = "".join(json.dumps({**record, "email_hash": f"{n}"}, indent=2) + "\n" for n in range(50))
    splitter = Splitter(1 << 20)
    lines = text.encode().splitlines(keepends=True)
    groups = list(splitter.line_groups(lines))
    assert [line for group in groups for line in group] == lines
    assert not splitter.spans and not splitter.active and splitter.document
    assert found(text) == [(1, "MIC007")]
    compact = "".join(
        json.dumps({**record, "email_hash": f"{n}"}, separators=(",", ":")) + "\n"
        for n in range(50)
    )
    assert fixed(text)[0] == compact


def test_a_documents_lines_reach_the_sink_as_held() -> None:
    """The fix of a document gives the sink its original lines as held (end to end in one
    buffer), not as a list of bytes objects: for a pretty-printed 92 MB export, 5 million
    lines, the list cost 335 MB of the fix's 964 MB. They are the file's lines, in order."""
    text = PRETTY + PRETTY.replace('"a"', '"b"')
    told: list[tuple[type, list[bytes], int, list[bytes]]] = []

    class Recording:
        def same(self, raw: bytes) -> None:
            raise AssertionError(raw)

        def changed(self, old: Any, new: list[bytes]) -> None:
            told.append((type(old), list(old), len(old), new))

    fix_stream(io.BytesIO(text.encode()), Recording(), Settings(), "f.ndjson")
    ((kind, old, count, new),) = told
    assert kind is not list
    assert old == text.encode().splitlines(keepends=True) and count == len(old) == 12
    assert new == [(UPSERT % "a" + "\n").encode(), (UPSERT % "b" + "\n").encode()]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "[\n" + ",\n".join([UPSERT % "a", UPSERT % "b"]) + "\n]\n",
            "the file is a JSON array spread over 4 lines (too large to be read whole), not"
            " NDJSON: write one command per line (jq -c '.[]' turns an array of commands"
            " into NDJSON)",
        ),
        (
            PRETTY + PRETTY.replace('"a"', '"b"'),
            "the file is JSON pretty-printed over 12 lines (too large to be read whole), not"
            " NDJSON: write each command on a single line (jq -c . compacts each object)",
        ),
    ],
)
def test_a_document_too_large_to_parse_is_named_by_its_first_line(
    monkeypatch: pytest.MonkeyPatch, text: str, said: str
) -> None:
    """Past DOCUMENT_PARSE_LIMIT a document is not parsed (memory stays bounded): MIC007
    called a pretty-printed 35 MB array or run of commands "one JSON document", with advice
    for neither. Its first line, "[" or "{", says which jq command compacts it; --fix, whose
    limit is larger, still makes it lines."""
    monkeypatch.setattr(linter, "DOCUMENT_PARSE_LIMIT", 100)
    (only,) = diagnostics(text)
    assert (only.code, only.line, only.message, only.fix) == ("MIC007", 1, said, None)
    assert fixed(text)[0] == UPSERT % "a" + "\n" + UPSERT % "b" + "\n"


def test_a_document_with_a_line_too_long_is_not_called_too_large() -> None:
    """A document holding a line over max-line-bytes is not pieced together either, but
    for that line, not its size: MIC007 says nothing of what it opens (a review found the
    array's jq advice given for three short lines, one of them long)."""
    text = '[\n"' + "b" * 70 + '"\n]\n'
    codes = [(d.code, d.message) for d in diagnostics_with(text, max_line_bytes=60)]
    assert codes[0] == (
        "MIC007",
        "the file is one JSON document spread over 3 lines, not NDJSON: write each command"
        " as one JSON object on a single line",
    )


def diagnostics_with(text: str, **settings: Any) -> list[Any]:
    return list(lint_lines(text.splitlines(keepends=True), "f.ndjson", Settings(**settings)))


@pytest.mark.parametrize(
    ("text", "settings", "lines"),
    [
        ('\n\ufeff{\nx\n1\n{\n"c":3\n}\n', {}, "5–7"),  # not on line 1: not held
        ("{" + " " * 40 + '\nx\n1\n{\n"c":3\n}\n', {"max_line_bytes": 20}, "4–6"),  # too long
    ],
)
def test_a_document_the_linter_does_not_hold_is_still_searched(
    text: str, settings: dict[str, Any], lines: str
) -> None:
    """The splitter stops looking for split records in a document only where the linter
    and the fixer hold it as one: from line 1, short enough. A review found a `{` after a
    blank line, or a first line over max-line-bytes, turning the search off for lines the
    linter checks one by one: the record over the last three lines was three MIC101s."""
    found = [d for d in diagnostics_with(text, **settings) if d.code == "MIC101"]
    assert found[-1].message.startswith(f"this record is split over lines {lines}")
    assert found[-1].fix is not None
    assert fixed(text, **settings)[0].endswith('{"c":3}\n')


def test_an_array_line_nested_near_the_recursion_limit_is_fixed_or_left() -> None:
    """MIC102's fix reads the array's elements again to write them: no deeper than its
    proof read them, or an element nested near the recursion limit passed the proof and
    then raised RecursionError out of --fix (a review's find, at 970 to 973 levels)."""
    for depth in range(700, 1001, 3):
        line = '[{"user_id":"u1","a":' + "[" * depth + "]" * depth + "}]\n"
        out, counts = fixed(line)
        assert out in (line, line[1:-2] + "\n"), depth
        assert counts.get("MIC102", 0) == (out != line)


@pytest.mark.parametrize(
    "first",
    [
        b'\xef\xbb\xbf{"operation":"DELETE",' + b" " * 97,  # broken: held, then checked again
        b'{"operation":"DELETE",',
        b"[",
    ],
)
def test_the_marks_after_held_lines_start_where_the_fixer_stands(first: bytes) -> None:
    """The held lines are checked again when they are let go; the fix marks' state (the
    fixer splits no comma line after a broken one) is set back to where the line that
    ended the hold left it, not to the broken first line's (found by tests/test_jobs.py:
    a comma line further on lost its `[*]`)."""
    lines = [
        first + b"\n",
        b'{"operation":"delete","email_hash":"jane@example.com"}\n',
        b"\n",
        b'{"operation":"DELETE","user_agent_id":"vec:1"},\n',
        b'{"operation":"DELETE","user_agent_id":"vec:2"},\n',
    ]
    for settings in SETTINGS:
        config = Settings(**settings)
        found = lint_lines(lines, "f.ndjson", config)
        marked = [d.line for d in found if d.code == "MIC101" and d.fix == "safe"]
        result = fix_stream(io.BytesIO(b"".join(lines)), StreamSink(io.BytesIO()), config, "f")
        assert marked == [4, 5], settings
        assert result.fixed["MIC101"] == 2, settings
