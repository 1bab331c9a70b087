"""Advice a review from the docs found wrong (each test failed before its change):

* MIC706 on an `expiration_ts` in seconds gave a stock example (1700000000000, in the past)
  where the value in milliseconds is a time an expiry may hold, ahead of now;
* MIC401 on an UPSERT holding `merge_objects` offered `update_strategy` too, which with
  `merge_objects` is MIC406: only `force_replace` goes with it.
"""

from __future__ import annotations

import pytest

from mics_lint import Settings, lint_lines


def _messages(lines: list[str], code: str, **settings: object) -> list[str]:
    """The messages of `code` over the lines, the same with the fast path on and off."""
    found = []
    for fast in (True, False):
        chosen = Settings(fast_path=fast, fast_path_from=1, **settings)  # type: ignore[arg-type]
        made = lint_lines([line + "\n" for line in lines], "x.ndjson", chosen)
        found.append([d.message for d in made if d.code == code])
    assert found[0] == found[1]
    return found[0]


@pytest.mark.parametrize(
    ("seconds", "advised"),
    [
        ("1800000000", "write milliseconds, 1800000000000"),  # 2027: ahead, as expiries are
        ("1767225600", "write milliseconds, 1767225600000"),
        # Past 13 digits in milliseconds (the year 2286): no time an expiry means.
        ("99999999999", "give the time in epoch milliseconds"),
    ],
)
def test_an_expiry_in_seconds_is_told_in_milliseconds(seconds: str, advised: str) -> None:
    line = (
        '{"operation":"UPDATE","user_agent_id":"vec:3","segment_id":"1",'
        f'"expiration_ts":{seconds},"expiration_duration":0}}'
    )
    found = _messages([line] * 3, "MIC706", doc_type="USER_SEGMENT")
    assert len(found) == 3 and all(advised in m for m in found), found


def test_an_activity_time_in_seconds_ahead_of_now_is_not_multiplied() -> None:
    """`$ts` tells when something happened: a time in milliseconds ahead of now is none."""
    activity = (
        '{"$type":"USER_ACTIVITY","$ts":1800000000,"$session_status":"NO_SESSION",'
        '"$user_identifiers":[],"$events":[]}'
    )
    found = _messages([activity], "MIC601", doc_type="USER_ACTIVITY")
    assert found and all("1800000000000" not in m for m in found), found


def test_upsert_with_merge_objects_is_told_force_replace_alone() -> None:
    line = '{"operation":"UPSERT","email_hash":"a%d","merge_objects":true,"user_profile":{"a":1}}'
    found = _messages([line % n for n in range(300)], "MIC401")
    assert len(found) == 300
    assert all("merge_objects goes with" in m and "update_strategy" not in m for m in found)
    plain = '{"operation":"UPSERT","email_hash":"b%d","user_profile":{"a":1}}'
    assert all("update_strategy" in m for m in _messages([plain % n for n in range(3)], "MIC401"))


def test_upsert_with_merge_objects_in_a_file_of_the_newer_form() -> None:
    """Where the file is in the update_strategy form, MIC407 says to write update_strategy
    in place of merge_objects: MIC401 names that form first, not force_replace alone."""
    newer = (
        '{"operation":"UPSERT","email_hash":"a","update_strategy":"PARTIAL_UPDATE",'
        '"user_profile":{}}'
    )
    older = '{"operation":"UPSERT","email_hash":"b","merge_objects":true,"user_profile":{}}'
    found = _messages([newer, older], "MIC401")
    assert len(found) == 1 and "merge_objects goes with" not in found[0], found
    assert found[0].index("update_strategy") < found[0].index('"force_replace"')
