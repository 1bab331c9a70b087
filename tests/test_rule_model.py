"""One rule model: a rule is declared once and the fast path never loses its diagnostics.

A fast check vouches only for the codes it declares (`DocType.fast_covers`) plus every value
rule, whose screens it calls; the engine takes the fast path for a file only when every
enabled rule its lines may break is covered. So a rule added without fast coverage makes a
file slower, never quieter. These tests add rules at run time, as a contributor would add
one to a family module, and compare the fast path on and off on files long enough to reach
it (the fast path starts at line 200 by default).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from helpers import counting_vouches

from mics_lint import Settings, lint_lines
from mics_lint.diagnostic import Finding, Severity
from mics_lint.doctypes import DOC_TYPES
from mics_lint.registry import LineContext, Record
from mics_lint.rules import REGISTRY, identifiers
from mics_lint.settings import Selection

LINES = 1000


def _profile_lines(count: int) -> list[bytes]:
    long_hash = "a" * 70
    return [
        b'{"operation":"UPSERT","email_hash":"%s%d","force_replace":false,'
        b'"user_profile":{"tier":"gold"}}\n' % (long_hash.encode(), i)
        for i in range(count)
    ]


def _codes(lines: list[bytes], settings: Settings) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in lint_lines(lines, "f.ndjson", settings)]


@pytest.fixture
def record_rule() -> Iterator[str]:
    """An ordinary record rule, declared at run time in the identifiers family."""

    @identifiers.FAMILY.rule("MIC399", "long-email-hash", Severity.ERROR, "a long email_hash")
    def long_email_hash(record: Record, ctx: LineContext) -> Iterator[Finding]:
        """
        ## What it does
        Checks that an e-mail hash is at most 64 characters long.
        """
        value = record.get("email_hash")
        if isinstance(value, str) and len(value) > 64:
            yield ctx.at("email_hash", "email_hash is longer than 64 characters")

    try:
        yield "MIC399"
    finally:
        identifiers.FAMILY.remove("MIC399")
    assert "MIC399" not in REGISTRY


def test_a_rule_added_at_run_time_loses_nothing_on_a_long_file(record_rule: str) -> None:
    lines = _profile_lines(LINES)
    fast = _codes(lines, Settings())
    slow = _codes(lines, Settings(fast_path=False))
    assert fast == slow
    assert sum(code == record_rule for _, code in fast) == LINES


def test_an_uncovered_rule_turns_the_fast_path_off(record_rule: str) -> None:
    profile = DOC_TYPES["USER_PROFILE"]
    assert profile.fast_uncovered(Settings().enabled_codes()) == {record_rule}
    # Not selected, it does not count: the fast path runs again.
    without = Settings(fast_path_from=1).rules_for("f.ndjson").enabled - {record_rule}
    assert not profile.fast_uncovered(without)


def test_every_type_covers_its_default_rules() -> None:
    enabled = Settings().enabled_codes()
    for name, doc_type in DOC_TYPES.items():
        assert doc_type.fast_check is not None, name
        assert not doc_type.fast_uncovered(enabled), name


@pytest.fixture
def value_rule() -> Iterator[str]:
    """A value rule declared at run time: found on every type's fast path with nothing else."""

    @identifiers.FAMILY.value_rule(
        "MIC398",
        "identifier-with-x",
        Severity.WARNING,
        "an identifier holding an x",
        bad=lambda value: "x" in value,
    )
    def message(where: str, value: str, show_values: bool) -> str:
        return f"{where} holds an x"

    try:
        yield "MIC398"
    finally:
        identifiers.FAMILY.remove("MIC398")


def test_a_value_rule_added_at_run_time_is_found_on_the_fast_path(value_rule: str) -> None:
    lines = [
        b'{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-%d%s"}\n'
        % (i, b"x" if i % 10 == 0 else b"")
        for i in range(LINES)
    ]
    with counting_vouches() as counts:
        fast = _codes(lines, Settings())
    slow = _codes(lines, Settings(fast_path=False))
    assert fast == slow
    assert sum(code == value_rule for _, code in fast) == LINES // 10
    assert counts["vouched"] > LINES // 2  # still fast: the rule is covered by its screen


# -- MIC307, on every type, from line 1 to far past the start of the fast path ---------------

_ACTIVITY = (
    '"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,'
    '"$events":[{{"$event_name":"view","$ts":1700000000000,"$properties":{{}}}}]'
)
# (type, a line template whose {id} is an identifier value, {n} a line number)
_TEMPLATES = {
    "USER_PROFILE": '{{"operation":"DELETE","compartment_id":"1000","user_account_id":"{id}"}}',
    "USER_SEGMENT": '{{"operation":"DELETE","email_hash":"{id}","segment_id":"12"}}',
    "USER_CHOICE": (
        '{{"operation":"DELETE","user_agent_id":"vec:{id}","user_choice":{{"$processing_id":"7"}}}}'
    ),
    "USER_IDENTIFIERS_DELETION": '{{"type":"USER_EMAIL","hash":"{id}"}}',
    "USER_POINTS_DELETION": (
        '{{"type":"USER_ACCOUNT","user_account_id":"{id}","compartment_id":"1000"}}'
    ),
    "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS": (
        '{{"identifiers":[{{"type":"USER_EMAIL","hash":"h{n}"}},'
        '{{"type":"USER_ACCOUNT","user_account_id":"{id}","compartment_id":"1000"}}]}}'
    ),
    "USER_ACTIVITY": '{{"$user_agent_id":"vec:{id}",' + _ACTIVITY + "}}",
}


@pytest.mark.parametrize("doc_type", sorted(_TEMPLATES))
def test_identifier_whitespace_is_found_on_every_line_both_ways(doc_type: str) -> None:
    bad = {1, 2, 250, 777, LINES}
    lines = []
    for n in range(1, LINES + 1):
        value = f"id-{n} " if n in bad else f"id-{n}"
        lines.append(_TEMPLATES[doc_type].format(id=value, n=n).encode() + b"\n")
    settings = Settings(doc_type=doc_type)
    with counting_vouches(doc_type) as counts:
        fast = _codes(lines, settings)
    slow = _codes(lines, dataclasses.replace(settings, fast_path=False))
    assert fast == slow
    assert [line for line, code in fast if code == "MIC307"] == sorted(bad)
    assert counts["vouched"] >= LINES - 200 - len(bad)


def test_a_selection_s_codes_follow_the_rules_added_and_withdrawn(record_rule: str) -> None:
    """A selection's enabled codes are worked out once and kept (settings.py): a rule added
    or withdrawn since must not leave them stale."""
    selected = Settings(selections=(Selection(select=("MIC3",)),))
    assert record_rule in selected.enabled_codes()
    identifiers.FAMILY.remove(record_rule)
    assert record_rule not in selected.enabled_codes()
    assert "MIC301" in selected.enabled_codes()

    @identifiers.FAMILY.rule(record_rule, "long-email-hash", Severity.ERROR, "a long email_hash")
    def again(record: Record, ctx: LineContext) -> Iterator[Finding]:
        """## What it does
        Nothing: declared again, to be selected again."""
        yield from ()

    assert record_rule in selected.enabled_codes()
    assert record_rule in Settings(selections=(Selection(select=("MIC3",)),)).enabled_codes()
