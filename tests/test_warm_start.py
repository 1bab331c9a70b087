"""Where a file's fast path starts: line 200 in a fresh process (a small file never imports
msgspec), line 10 once msgspec is imported (an earlier file of the run went past line 200:
Spark's part files, of a few hundred lines each, took the full checks on 200 lines each)."""

from __future__ import annotations

import dataclasses
import sys

import pytest
from helpers import counting_vouches

from mics_lint import config
from mics_lint.linter import lint_lines
from mics_lint.settings import Settings


def _lines(count: int) -> list[bytes]:
    line = b'{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d",'
    made = [
        line % n + b'"force_replace":true,"user_profile":{"tier":"gold"}}\n' for n in range(count)
    ]
    made[24] = made[24].replace(b'"1000"', b"1000")  # MIC202, on the fast path's loose try
    made[30] = made[30].replace(b'"tier"', b'"tier","tier"')  # not JSON
    made[35] = made[3]  # MIC501
    return made


def test_msgspec_imported_starts_the_fast_path_sooner(monkeypatch: pytest.MonkeyPatch) -> None:
    import msgspec  # noqa: F401  (as the fast path of an earlier, longer file imports it)

    assert config.default_fast_path_from() == config.WARM_FAST_PATH_FROM < 200
    monkeypatch.delitem(sys.modules, "msgspec")  # a fresh process's
    assert config.default_fast_path_from() == config.DEFAULT_FAST_PATH_FROM == 200


def test_a_short_file_after_a_long_one_takes_the_fast_path_with_the_same_report() -> None:
    import msgspec  # noqa: F401

    lines = _lines(60)
    settings = Settings()
    with counting_vouches() as counts:
        fast = [d.to_dict() for d in lint_lines(lines, "part-00001.ndjson", settings)]
    slow_settings = dataclasses.replace(settings, fast_path=False)
    slow = [d.to_dict() for d in lint_lines(lines, "part-00001.ndjson", slow_settings)]
    assert fast == slow
    assert [(d["line"], d["code"]) for d in fast] == [
        (25, "MIC202"),
        (31, "MIC101"),
        (36, "MIC501"),
    ]
    assert counts["vouched"] >= 45  # lines 10 to 60 but the bad ones: none from line 200
