"""A Windows export (CRLF line ends) takes the clean lines' way, as a LF file does.

Its lines took three detours before: each group was looked at line by line for the start of
a record split over lines (`Splitter._records`), each line was tested alone before the fast
check (`FastLoop._simple` refused a group with a CR), and each line's keys were counted
(the fast checks' proof by compact length counted the CR as a byte too many): 2.4 times a
LF file's time. Output is the full checks' own, line for line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import counted_keys

from mics_lint import Settings, fastloop, lint_file, splitrecords

_PROFILE = (
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d",'
    '"force_replace":false,"user_profile":{"tier":"gold","city":"Köln","n":%d}}'
)
_ACTIVITY = (
    '{"$user_agent_id":"vec:%d","$type":"SITE_VISIT","$session_status":"NO_SESSION",'
    '"$ts":1700000000000,"$events":[{"$event_name":"$page_view","$ts":1700000000000,'
    '"$properties":{"n":%d}}]}'
)


def _lines(template: str, count: int) -> list[str]:
    return [template % (n, n) for n in range(count)]


def _bad_profiles(lines: list[str]) -> list[str]:
    """Lines the compact length must not vouch for, among the clean ones."""
    lines = list(lines)
    lines[300] = lines[300][:-1] + ',"operation":"UPSERT"}'  # a key twice (MIC103)
    lines[400] = lines[400].replace(",", ", ")  # spaces: keys counted, none twice
    lines[500] = lines[500][:-1] + ",}"  # a trailing comma
    lines[600] = lines[600] + ","  # records joined by commas
    lines[700] = '{"operation":"UPSERT",'  # a record split over two lines
    lines[701] = ' "email_hash":"ab12","force_replace":false,"user_profile":{}}'
    lines[800] = lines[800].replace('"user_account_id":"CRM-800"', '"user_account_id":"CRM-7"')
    return lines


def _write(tmp_path: Path, lines: list[str], ending: str = "\r\n") -> str:
    path = tmp_path / "export.ndjson"
    path.write_bytes("".join(line + ending for line in lines).encode())
    return str(path)


def _report(path: str, settings: Settings) -> list[tuple[Any, ...]]:
    return [
        (d.line, d.column, d.end_column, d.code, d.message, d.fix)
        for d in lint_file(path, settings)
    ]


@pytest.mark.parametrize("doc_type", ["USER_PROFILE", "USER_ACTIVITY"])
def test_a_crlf_file_is_reported_as_the_full_checks_report_it(
    doc_type: str, tmp_path: Path
) -> None:
    if doc_type == "USER_PROFILE":
        lines = _bad_profiles(_lines(_PROFILE, 1200))
    else:
        lines = _lines(_ACTIVITY, 1200)
        lines[300] = lines[300][:-1] + ',"$ts":1700000000000}'  # a key twice
        lines[400] = lines[400].replace(",", ", ")
    path = _write(tmp_path, lines)
    full = _report(path, Settings(doc_type=doc_type, fast_path=False))
    assert _report(path, Settings(doc_type=doc_type)) == full
    assert _report(path, Settings(doc_type=doc_type, fast_path_from=1)) == full
    assert ("MIC003" in {row[3] for row in full}) and ("MIC103" in {row[3] for row in full})


def test_compact_crlf_lines_are_vouched_for_by_their_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = counted_keys(monkeypatch)
    path = _write(tmp_path, _lines(_PROFILE, 2000))
    assert [d.code for d in lint_file(path)] == ["MIC003"]
    assert counted == []  # not one line counted: each is as long as its compact form


def test_compact_crlf_activity_lines_are_vouched_for_by_their_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted = counted_keys(monkeypatch)
    path = _write(tmp_path, _lines(_ACTIVITY, 2000))
    assert [d.code for d in lint_file(path, Settings(doc_type="USER_ACTIVITY"))] == ["MIC003"]
    assert counted == []


def test_crlf_groups_are_whole_records_and_simple(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crlf = [(line + "\r\n").encode() for line in _lines(_PROFILE, 64)]
    assert splitrecords._whole_records(crlf)
    assert not splitrecords._whole_records([*crlf[:10], b'{"a":1},\r\n', *crlf[10:]])
    assert not splitrecords._whole_records([*crlf[:10], b'{"a":1,\r\n', *crlf[10:]])
    assert not splitrecords._whole_records([*crlf[:10], b"\r\n", *crlf[10:]])

    looked: list[int] = []
    records = splitrecords.Splitter._records
    simple: list[bool] = []
    is_simple = fastloop.FastLoop._simple

    def looking(self: Any, group: list[bytes], *args: Any) -> Any:
        looked.append(len(group))
        return records(self, group, *args)

    def telling(self: Any, *args: Any) -> bool:
        simple.append(is_simple(self, *args))
        return simple[-1]

    monkeypatch.setattr(splitrecords.Splitter, "_records", looking)
    monkeypatch.setattr(fastloop.FastLoop, "_simple", telling)
    path = _write(tmp_path, _lines(_PROFILE, 3000))
    assert [d.code for d in lint_file(path)] == ["MIC003"]
    assert looked == []
    assert simple and all(simple)  # MIC003 was reported before the fast path began
