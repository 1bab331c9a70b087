"""User activities (USER_ACTIVITY): the clock of MIC602, the bounds of MIC601, detection,
the identifier rules on `$` keys agreeing with the core ones, and no traceback on odd
values. The golden fixtures (tests/fixtures/rules/*.doctype-activity.*) hold the messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mics_lint import Settings, lint_lines
from mics_lint.cli import cli
from mics_lint.doctypes import DOC_TYPES
from mics_lint.rules import REGISTRY, activities
from mics_lint.typeguess import detect

ACTIVITY = Settings(doc_type="USER_ACTIVITY")
NOW = 1_700_000_000_000


def _line(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "$user_agent_id": "vec:1",
        "$type": "TOUCH",
        "$session_status": "NO_SESSION",
        "$ts": NOW,
        "$events": [{"$event_name": "a", "$ts": NOW, "$properties": {}}],
    }
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def _codes(*records: Any, settings: Settings = ACTIVITY) -> list[str]:
    lines = [json.dumps(r).encode() + b"\n" for r in records]
    return [d.code for d in lint_lines(lines, "a.ndjson", settings)]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activities, "now_ms", lambda: NOW)


def test_the_clean_line_is_clean(frozen: None) -> None:
    assert _codes(_line()) == []


def test_future_means_more_than_a_day_after_now(frozen: None) -> None:
    day = activities.DAY_MS
    assert _codes(_line(**{"$ts": NOW + day})) == []
    assert _codes(_line(**{"$ts": NOW + day + 1})) == ["MIC602"]
    event = {"$event_name": "a", "$ts": NOW + day + 1, "$properties": {}}
    assert _codes(_line(**{"$events": [event]})) == ["MIC602"]


def test_the_clock_is_read_once_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []

    def clock() -> int:
        reads.append(1)
        return NOW

    monkeypatch.setattr(activities, "now_ms", clock)
    assert _codes(_line(), _line(**{"$ts": 1_000})) == ["MIC601"]
    assert len(reads) == 2


def test_the_real_clock_is_milliseconds() -> None:
    assert abs(activities.now_ms() - NOW) < 200 * 365 * activities.DAY_MS
    assert activities.now_ms() > NOW  # written after November 2023


def test_seconds_means_eleven_digits_or_fewer(frozen: None) -> None:
    assert _codes(_line(**{"$ts": 99_999_999_999})) == ["MIC601"]
    assert _codes(_line(**{"$ts": 100_000_000_000})) == []
    assert _codes(_line(**{"$ts": 1.7e9})) == ["MIC601"]  # an integer, to JSON Schema
    assert _codes(_line(**{"$ts": 1.5})) == ["MIC202"]  # not an integer: MIC202 alone


def test_detection() -> None:
    activity = DOC_TYPES["USER_ACTIVITY"]
    assert detect([_line()]) is activity
    # Custom keys that are deletion markers: an activity's four markers outvote them.
    assert detect([_line(type="purchase", hash="y", user_point_id="z")]) is activity
    # A profile line with a misplaced $ identifier is still a profile line.
    profile = {"operation": "DELETE", "$user_account_id": "CRM-42", "user_profile": {}}
    assert detect([profile]) is DOC_TYPES["USER_PROFILE"]
    assert _codes(_line(), settings=Settings()) == []  # told from its records


def test_activities_have_a_fast_path() -> None:
    # tests/test_fastpath_types.py holds it to the same diagnostics as the full checks.
    assert DOC_TYPES["USER_ACTIVITY"].fast_check is not None
    bad = _line(**{"$compartment_id": "1000"})
    on = _codes(bad, settings=ACTIVITY)
    off = _codes(bad, settings=Settings(doc_type="USER_ACTIVITY", fast_path=False))
    assert on == off == ["MIC303"]  # a lone $compartment_id is no second identifier


def test_rules_lists_the_family() -> None:
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    for code in ("MIC601", "MIC602", "MIC603", "MIC604", "MIC605"):
        assert code in result.stdout
        assert REGISTRY[code].name in result.stdout


_IDS = st.dictionaries(
    st.sampled_from(["user_account_id", "compartment_id", "email_hash", "user_agent_id"]),
    st.sampled_from(["CRM-42", "1000", "vec:1", "1", "", " ", "jane@example.com", 5, None]),
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(_IDS)
def test_root_identifiers_get_the_core_verdicts(ids: dict[str, Any]) -> None:
    """MIC301 to MIC306 on an activity's `$` keys fire as the core rules do on a profile
    DELETE with the same identifiers (the e-mail hash wrapped in its object)."""
    core = REGISTRY
    profile = {"operation": "DELETE", **ids}
    activity = _line(**{"$user_agent_id": None})
    for key, value in ids.items():
        activity["$" + key] = {"$hash": value} if key == "email_hash" else value
    mic3 = [c for c in _codes(profile, settings=Settings()) if c.startswith("MIC3")]
    assert [c for c in _codes(activity) if c.startswith("MIC3")] == mic3
    assert all(c in core for c in mic3)


_KEYS = st.sampled_from(
    [
        "$ts",
        "$type",
        "$event_name",
        "$properties",
        "$hash",
        "hash",
        "$user_agent_id",
        "$compartment_id",
        "ts",
        "$session_satus",
        "x",
    ]
)


_ODD = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=6),
        st.sampled_from(["<X>", "vec:1", "$hash", "USER_EMAIL", "jane@example.com"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*activities.KNOWN_KEYS, "ts", "type", "user_agent_id", "$tss", "x"]),
        _ODD,
        max_size=8,
    )
)
def test_odd_values_never_raise(record: dict[str, Any]) -> None:
    for code in _codes(record):
        assert code in REGISTRY


def test_the_required_keys_are_the_schema_s() -> None:
    """MIC204 names a needed key written without its `$`, and the fast check counts the
    optional ones: both read `REQUIRED_KEYS`, which is the schema's `required`."""
    from pathlib import Path

    schema = json.loads(
        (Path(__file__).parent.parent / "schemas" / "user_activity.schema.json").read_text()
    )
    assert list(activities.REQUIRED_KEYS) == schema["required"]
    assert set(activities.KNOWN_KEYS) == set(schema["properties"])
