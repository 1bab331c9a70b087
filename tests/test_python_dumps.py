"""Exports written by Python's `json.dumps` (a space after each `:` and `,`, every non-ASCII
character escaped as `\\uXXXX`) take the fast path, as compact UTF-8 exports do.

Their lines went to the full checks before: any string starting with an escape was taken
for a placeholder's (`"\\u003c..."`), and an activity line with an escape anywhere, its
events' properties included, for one whose key may be spelt with escapes. A Python export
with accented names took 8 times a compact file's time. Each line is reported as the full
checks report it, the escaped placeholders and keys among them.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import counted_keys

from mics_lint import Settings, linecheck, lint_file


def _profiles(count: int) -> list[str]:
    lines = []
    for n in range(count):
        record = {
            "operation": "UPSERT",
            "compartment_id": "1000",
            "user_account_id": f"CRM-{n}",
            "force_replace": n % 2 == 0,
            "user_profile": {"first_name": "美咲" if n % 3 else "Zoë", "city": "Köln", "n": n},
        }
        lines.append(json.dumps(record))
    lines[100] = lines[100].replace('"force_replace"', '"force\\u005freplace"', 1)
    lines[101] = lines[101][:-1] + ', "force\\u005freplace": true}'  # a key twice, escaped
    lines[102] = lines[102].replace('"CRM-102"', '"\\u003cUSER_ACCOUNT_ID>"')  # MIC206
    lines[103] = lines[103].replace('"K\\u00f6ln"', '"\\u003CCITY>"')  # inside the profile
    lines[104] = lines[104].replace('"CRM-104"', '"CRM-\\u00e9"')  # an escaped identifier
    lines[105] = lines[105].replace('"CRM-105"', '"CRM-103"')  # MIC501, escapes around
    lines[106] = lines[106][:-1] + ', "user\\u005fprofile": {}}'
    return lines


def _activities(count: int) -> list[str]:
    lines = []
    for n in range(count):
        record = {
            "$user_agent_id": f"vec:{n}",
            "$type": "SITE_VISIT",
            "$session_status": "NO_SESSION",
            "$ts": 1700000000000,
            "$events": [
                {
                    "$event_name": "$page_view",
                    "$ts": 1700000000000,
                    "$properties": {"city": "Zürich", "title": "Café crème", "n": n},
                }
            ],
        }
        if n % 4 == 0:
            record["$origin"] = {"$source": "Brève", "$channel_id": "1234"}
        lines.append(json.dumps(record))
    lines[100] = lines[100].replace('"$ts"', '"\\u0024ts"', 1)  # an escaped top-level key
    lines[101] = lines[101][:-1] + ', "\\u0024ts": 1700000000000}'  # ... written twice
    lines[102] = lines[102].replace(', "$properties"', ', "\\u0024ts": 1, "$properties"')
    lines[103] = lines[103].replace('"$page_view"', '"$p\\u00e2ge"')  # outside the objects
    lines[104] = lines[104].replace('"Z\\u00fcrich"', '"\\u003cCITY>"')  # MIC206
    # Two events with the same properties: their bytes are not found once.
    record = json.loads(lines[105])
    record["$events"].append(record["$events"][0])
    lines[105] = json.dumps(record)
    lines[106] = lines[106].replace('"$session_status"', '"$session\\u005fstatus"')
    return lines


def _report(path: str, settings: Settings) -> list[tuple[Any, ...]]:
    return [
        (d.line, d.column, d.end_column, d.code, d.message, d.fix)
        for d in lint_file(path, settings)
    ]


@pytest.mark.parametrize(
    ("doc_type", "reported"),
    [("USER_PROFILE", {102, 103, 104, 106, 107}), ("USER_ACTIVITY", {102, 103, 105})],
)
def test_a_python_export_is_reported_as_the_full_checks_report_it(
    doc_type: str, reported: set[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = _profiles(1500) if doc_type == "USER_PROFILE" else _activities(1500)
    path = tmp_path / "export.ndjson"
    path.write_text("".join(line + "\n" for line in lines), encoding="ascii")
    full = _report(str(path), Settings(doc_type=doc_type, fast_path=False))
    assert {row[0] for row in full} == reported
    assert _report(str(path), Settings(doc_type=doc_type)) == full

    checked: list[int] = []
    check_line = linecheck.LineChecker.check_line

    def counting(self: Any, raw: bytes, lineno: int, over: bool) -> Any:
        checked.append(lineno)
        return check_line(self, raw, lineno, over)

    monkeypatch.setattr(linecheck.LineChecker, "check_line", counting)
    assert _report(str(path), Settings(doc_type=doc_type, fast_path_from=1)) == full
    # Only the lines made bad above, and the first (a BOM may start it), take the full checks.
    assert set(checked) <= {1, *range(101, 108)}, sorted(checked)[:20]


def test_spaced_lines_are_vouched_for_by_their_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A json.dumps line is its compact form with a space after each `:` and `,`: its
    spaces outside the profile and the identifiers tell its length, without counting its
    keys; a key written twice adds bytes that are not spaces, whatever its value holds."""
    lines = _profiles(1200)[:100]
    lines += [json.dumps(json.loads(line), ensure_ascii=False) for line in _profiles(1200)[:100]]
    spaced = "a b  c   d    e     f      g       h"
    # A key twice, the spaces in its last value (the one kept), or in its first.
    lines[3] = lines[3].replace("CRM-3", f'CRM-3", "user_account_id": "{spaced}')
    lines[150] = lines[150].replace("CRM-50", f'{spaced}", "user_account_id": "CRM-50')
    lines[160] = lines[160].replace('"force_replace"', '"force_replace": true, "force_replace"')
    lines[170] = lines[170].replace('"user_profile"', '"user_profile": {"a": " "}, "user_profile"')
    lines[180] = lines[180].replace(", ", ",  ", 1)  # two spaces: still only spaces
    lines[185] = lines[185].replace("CRM-85", "CRM 85 b")  # spaces in an identifier
    lines[190] = lines[190].replace(", ", ",\t", 1)  # a tab: keys counted
    path = tmp_path / "export.ndjson"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    full = _report(str(path), Settings(fast_path=False))
    assert {row[0]: row[3] for row in full if row[3] == "MIC103"} == {
        4: "MIC103",
        151: "MIC103",
        161: "MIC103",
        171: "MIC103",
    }

    counted = counted_keys(monkeypatch)
    assert _report(str(path), Settings(fast_path_from=1)) == full
    # The lines with a key twice and the one with a tab only: their keys counted.
    assert [raw.decode() for raw in counted] == [lines[i] + "\n" for i in (3, 150, 160, 170, 190)]


def test_spaced_activity_lines_are_vouched_for_by_their_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for activities, told against the command's compact encoding: its spaces
    are those of its strings and free-form objects."""
    lines = [
        json.dumps(json.loads(line), ensure_ascii=n % 2 == 0)
        for n, line in enumerate(_activities(300))
    ][:200]
    lines = lines[:100] + _activities(300)[100:107] + lines[107:]  # the bad lines of _activities
    spaced = "a b  c   d    e"
    lines[150] = lines[150].replace(
        '"$user_agent_id": "vec', f'"$user_agent_id": "{spaced}", "$user_agent_id": "vec'
    )
    lines[151] = lines[151].replace(
        '"$event_name": "$page_view"', f'"$event_name": "x", "$event_name": "$p {spaced}"'
    )
    lines[152] = lines[152].replace('"$session_status"', '"$ts": 1700000000000, "$session_status"')
    lines[160] = lines[160].replace(", ", ",\t", 1)  # a tab: keys counted
    lines[170] = lines[170].replace('"$page_view"', f'"$page {spaced}"')  # spaces in a string
    path = tmp_path / "export.ndjson"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    settings = Settings(doc_type="USER_ACTIVITY")
    full = _report(str(path), dataclasses.replace(settings, fast_path=False))
    # A top-level key twice is MIC103 (an event's, the full checks let pass).
    assert {151, 153} <= {row[0] for row in full if row[3] == "MIC103"}

    counted = counted_keys(monkeypatch)
    assert _report(str(path), dataclasses.replace(settings, fast_path_from=1)) == full
    at = [lines.index(raw.decode().rstrip("\n")) for raw in counted]
    assert [n for n in at if n >= 107] == [150, 151, 152, 160]
