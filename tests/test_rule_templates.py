"""A line on which the fast check names one rule decided by the keys (no identifier, no
force_replace, no compartment_id, on every line of an export) is told from the first line
of its keys (FastLoop._one_rule, templates.py), with what the full checks give it."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from test_fastpath import PATH, assert_same_both_ways, fast_threshold, padding

from mics_lint import Settings, lint_lines
from mics_lint.config import Selection
from mics_lint.fastpath import keys_told
from mics_lint.linecheck import LineChecker

RECORDS: list[dict[str, Any]] = [
    # MIC401: an UPSERT without its form, by each identifier, keys in other orders
    {"operation": "UPSERT", "compartment_id": "1", "user_account_id": "a%d", "user_profile": {}},
    {"operation": "UPSERT", "email_hash": "e%d", "user_profile": {"tier": "gold"}},
    {"user_profile": {"n": [1, 2]}, "operation": "UPSERT", "email_hash": "e%d"},
    {"operation": "UPSERT", "user_agent_id": "vec:%d", "user_profile": {"x": None}},
    {"operation": "UPSERT", "email_hash": "e%d", "merge_objects": True, "user_profile": {"a": 1}},
    # MIC301: no identifier
    {"operation": "UPSERT", "force_replace": True, "user_profile": {"a": 1}},
    {"operation": "DELETE"},
    {"operation": "UPSERT", "user_profile": {"a": 1}},  # MIC301 and MIC401
    # MIC304: an account without its compartment, told at its key
    {"operation": "DELETE", "user_account_id": "a%d"},
    {"user_profile": {}, "user_account_id": "a%d", "operation": "UPSERT", "force_replace": True},
    {"operation": "UPSERT", "user_account_id": "a%d", "user_profile": {"a": 1}},  # and MIC401
    # the account's key written in the profile first; a backslash in the line
    {
        "operation": "UPSERT",
        "force_replace": True,
        "user_profile": {"user_account_id": "%d"},
        "user_account_id": "a%d",
    },
    {
        "operation": "UPSERT",
        "force_replace": True,
        "user_profile": {"q": '"'},
        "user_account_id": "a%d",
    },
    # and lines around them: clean, and bad otherwise
    {"operation": "DELETE", "email_hash": "c%d"},
    {"operation": "UPSERT", "email_hash": "a@b%d", "user_profile": {"a": 1}},  # MIC305 too
    {"operation": "UPSERT", "email_hash": " e%d", "user_profile": {"a": 1}},  # MIC307 too
    {"operation": "UPSERT", "email_hash": "<EMAIL>", "user_profile": {"a": 1}},  # MIC206 too
    {"operation": "UPSERT", "compartment_id": 1, "user_account_id": "a%d", "user_profile": {}},
]
CONFIGS = [
    Settings(),
    Settings(show_values=True),
    Settings(selections=(Selection(ignore=("MIC501",)),)),
    Settings(selections=(Selection(ignore=("MIC401",)),)),
    Settings(selections=(Selection(ignore=("MIC304",)),)),
    Settings(profile_form="force_replace"),
    Settings(profile_form="either"),
]


def line(record: dict[str, Any], i: int, spaced: bool = False) -> bytes:
    text = json.dumps(record) if spaced else json.dumps(record, separators=(",", ":"))
    return (text.replace("%d", str(i % 7)) + "\n").encode()


def runs(count: int) -> list[bytes]:
    """Runs of each kind of line (an export repeats its mistake), then the kinds in turn;
    `json.dumps`'s spaces now and then, and a CRLF."""
    body = [line(RECORDS[(i // 5) % len(RECORDS)], i, spaced=i % 11 == 0) for i in range(count)]
    body += [line(RECORDS[(i * 3) % len(RECORDS)], i) for i in range(count)]
    body[9] = body[9].replace(b"\n", b"\r\n")
    return body


@pytest.mark.parametrize("config", CONFIGS)
def test_lines_told_by_their_keys_give_what_the_full_checks_give(config: Settings) -> None:
    assert_same_both_ways([*padding(), *runs(5 * len(RECORDS))], config)


def test_a_split_record_between_them_keeps_its_marks() -> None:
    """A record split over lines is marked as the record: the lines told by their keys
    after it take their own marks, as the full checks give them."""
    split = [b'{"operation":"UPSERT",\n', b' "user_profile":{"a":1}}\n']
    body = [line(RECORDS[1], i) for i in range(6)]
    lines = [*body[:3], *split, *body[3:], b'{"operation":"UPSERT"}\n', *body]
    for config in (Settings(fast_path_from=1), Settings()):
        assert_same_both_ways(lines if config.fast_path_from else [*padding(), *lines], config)


def test_an_export_without_force_replace_is_stamped_once_per_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the first line of each set of keys, a line whose only fault is its missing
    form (or identifier) is not parsed again nor stamped by the full checks' stamp."""
    stamped: list[int] = []
    stamp_record = LineChecker.stamp_record

    def counted(self: LineChecker, found: Any, rule: Any, record: Any, ctx: Any, *a: Any) -> Any:
        stamped.append(ctx.lineno)
        return stamp_record(self, found, rule, record, ctx, *a)

    monkeypatch.setattr(LineChecker, "stamp_record", counted)
    kinds = [RECORDS[1], RECORDS[2], RECORDS[5], RECORDS[6], RECORDS[8], RECORDS[9]]
    body = [line(kinds[i % len(kinds)], i) for i in range(1200)]
    found = list(lint_lines(body, PATH, Settings()))
    codes = [d.code for d in found]
    assert codes.count("MIC401") == 400 and codes.count("MIC301") == 400
    assert codes.count("MIC304") == 400
    assert len(stamped) <= fast_threshold() + len(kinds)
    assert all(d.fix is None for d in found)


def test_a_template_is_of_its_keys() -> None:
    """A rule decided by the keys may say which keys a record has: each set of keys has a
    template of its own (MIC401 made to name them here, on both paths)."""
    from mics_lint.rules import operations

    rule = operations.UPSERT_MISSING_FORM
    original = rule.check
    assert original is not None

    def naming(record: Any, ctx: Any) -> Any:
        for finding in original(record, ctx):
            yield finding._replace(message=f"{finding.message} ({', '.join(sorted(record))})")

    object.__setattr__(rule, "check", naming)  # a frozen Rule, restored below
    try:
        kinds = [RECORDS[0], RECORDS[1], RECORDS[3], RECORDS[4]]
        body = [line(kinds[(i // 3) % len(kinds)], i) for i in range(60)]
        assert_same_both_ways([*padding(), *body])
    finally:
        object.__setattr__(rule, "check", original)


class Closed(msgspec.Struct, forbid_unknown_fields=True):
    a: int | msgspec.UnsetType = msgspec.UNSET
    b: str | msgspec.UnsetType = msgspec.UNSET


class Open(msgspec.Struct):
    a: int | msgspec.UnsetType = msgspec.UNSET


class Defaulted(msgspec.Struct, forbid_unknown_fields=True):
    a: int = 0


def test_keys_told_by_a_closed_struct_of_unset_defaults_only() -> None:
    told = keys_told(Closed)
    assert told is not None
    decode = msgspec.json.Decoder(Closed).decode
    assert told(decode(b'{"a":1}')) == (True, False)
    assert told(decode(b'{"b":"x","a":1}')) == (True, True)
    assert told(decode(b"{}")) == (False, False)
    assert keys_told(Open) is None  # a key it does not define goes unseen
    assert keys_told(Defaulted) is None  # a line without `a` reads as one with 0


@pytest.mark.parametrize(
    "line",
    [
        # MIC401 left, orjson refusing what msgspec took: the full checks (fastloop._full)
        b'{"operation":"UPSERT","email_hash":"e1","user_profile":{"n":1e400}}',
        # the same through the loose path (an id of the wrong type on the line before)
        b'{"operation":"UPSERT","compartment_id":"1","user_account_id":"a","user_profile":'
        b'{"n":-1E999}}',
        # and through the lax path (an unknown key)
        b'{"operation":"UPSERT","email_hash":"e1","source":"crm","user_profile":{"n":1e400}}',
    ],
)
def test_a_user_left_to_the_full_checks_is_reported_once(line: bytes) -> None:
    """A line the fast check answers with one rule (MIC401), queuing its user for MIC501,
    that orjson then refuses (a number past a double's range, which msgspec's raw profile
    takes): the full checks answer it, its user taken back from the queue first. Its
    repeated user was reported twice."""
    wrong = b'{"operation":"UPSERT","compartment_id":1,"user_account_id":"b","user_profile":{}}'
    for before in ([], [wrong, wrong]):
        body = [*before, line, line, line.replace(b"1e", b"2e")]
        lines = [b'{"operation":"DELETE","email_hash":"a"}', *body]
        ended = [one + b"\n" for one in lines]
        for config in (Settings(fast_path_from=1), Settings()):
            given = ended if config.fast_path_from else [*padding(), *ended]
            assert_same_both_ways(given, config)
        found = list(lint_lines(ended, PATH, Settings(fast_path_from=1)))
        users = [(d.line, d.message) for d in found if d.code == "MIC501"]
        assert len(users) == len(set(users)) >= 2
