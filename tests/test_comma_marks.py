"""The fix marks of a line whose fault is a comma at its end (`{...},` or `{...,}`) are
counted for the first such line and remembered (fixmarks.FixMarks._alike, keyed by what
RecordFixer.counts_alike says the fixer counts alike): each line keeps the mark the fixer
gives it, and the marks count what `--fix` fixes."""

from __future__ import annotations

import io
from unittest import mock

import pytest

from mics_lint import Settings, lint_lines
from mics_lint.config import Selection
from mics_lint.fix import StreamSink, fix_stream
from mics_lint.fix_records import RecordFixer

RECORD = b'{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d","force_replace":true,"user_profile":%s}'  # noqa: E501
DEEP = b'{"a":' + b"[" * 70 + b"]" * 70 + b"}"  # past the fixer's shallow limit
# Past the json module's limit, within orjson's: the linter tells its comma by orjson's
# parse, and the fixer cannot prove its removal.
DEEPER = b'{"a":' + b"[" * 1010 + b"]" * 1010 + b"}"


def record(i: int, profile: bytes = b'{"n":1}') -> bytes:
    return RECORD % (i, profile)


def export(count: int) -> list[bytes]:
    """Runs of both commas at a line's end, broken by every line whose mark is not the run's:
    a broken line (the next comma lines may be inside a value, not fixed), deep records,
    a record split over two lines, a clean line, a BOM where files were joined, a comma
    alone, blank lines."""
    lines = []
    for i in range(count):
        kind = i % 13
        if kind == 3:
            lines.append(b'{"operation":\n')  # broken: the comma lines after it stay
        elif kind == 5:  # after a clean line: not after the broken one
            lines += [record(i) + b"\n", record(i, DEEP)[:-1] + b",}\n"]
        elif kind == 6:
            lines.append(record(i, DEEP) + b",\n")
            lines.append(record(i, DEEPER)[:-1] + b",}\n")
        elif kind == 7:
            lines += [
                b'{"operation":"DELETE","compartment_id":"1000",\n',
                b'"user_account_id":"x"}\n',
            ]
        elif kind == 8:
            lines.append(record(i) + b"\n")
        elif kind == 9:
            lines.append(b"\xef\xbb\xbf" + record(i) + b",\n")
        elif kind == 10:
            lines += [b",\n", b"\n"]
        else:
            lines.append(record(i)[:-1] + b",}\n" if i % 2 else record(i) + b",\n")
    return lines


def _marks(lines: list[bytes], config: Settings) -> list[tuple[int, int, str, str | None]]:
    return [(d.line, d.column, d.code, d.fix) for d in lint_lines(lines, "f.ndjson", config)]


CONFIGS = [
    Settings(doc_type="profile"),
    Settings(doc_type="profile", fast_path_from=1),
    Settings(doc_type="profile", selections=(Selection(ignore=("MIC004",)),)),
    Settings(doc_type="profile", fast_path=False),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_remembered_marks_are_the_fixers_own(config: Settings) -> None:
    lines = export(400)
    with mock.patch.object(RecordFixer, "counts_alike", return_value=False):
        asked = _marks(lines, config)
    assert _marks(lines, config) == asked


@pytest.mark.parametrize("config", CONFIGS)
def test_the_marks_count_what_fix_fixes(config: Settings) -> None:
    lines = export(400)
    marked = sum(fix == "safe" for _, _, code, fix in _marks(lines, config) if code == "MIC101")
    out = io.BytesIO()
    result = fix_stream(io.BytesIO(b"".join(lines)), StreamSink(out), config, "f.ndjson")
    assert marked == result.fixed["MIC101"]
    assert marked > 200  # the runs are marked, not only counted


def test_a_run_of_commas_asks_the_fixer_once_a_kind() -> None:
    lines = [record(i) + b",\n" if i % 2 else record(i)[:-1] + b",}\n" for i in range(300)]
    real = RecordFixer.line
    with mock.patch.object(RecordFixer, "line", autospec=True, side_effect=real) as line:
        found = list(lint_lines(lines, "f.ndjson", Settings(doc_type="profile")))
    assert [d.fix for d in found] == ["safe"] * 300
    assert line.call_count == 2


def test_an_association_asks_the_fixer_each_line() -> None:
    """Where a guard may take a line of the type's wrong shape with its comma (MIC908's
    items, `Guard.item`), no line is counted alike: each asks the fixer."""
    whole = b'{"identifiers":[{"type":"USER_EMAIL","hash":"%064d"}]},\n'
    lines = [whole % i for i in range(50)]
    real = RecordFixer.line
    with mock.patch.object(RecordFixer, "line", autospec=True, side_effect=real) as line:
        found = list(lint_lines(lines, "f.ndjson", Settings(doc_type="association")))
    assert [(d.code, d.fix) for d in found] == [("MIC101", "safe")] * 50
    assert line.call_count == 50
