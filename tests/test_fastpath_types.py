"""The fast path of the types other than profiles: it changes no diagnostic (generated lines,
valid and subtly invalid, checked with it on and off) and it does run on clean lines.
MICS_LINT_FUZZ_EXAMPLES sets the number of examples per type (default 300)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from helpers import counting_vouches
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mics_lint import Settings, lint_lines
from mics_lint import config as config_module
from mics_lint import linecheck as linecheck_module
from mics_lint.fastpath import DECODE_ERRORS, struct_decoder
from mics_lint.rules import activities
from mics_lint.schema import load_schema

EXAMPLES = int(os.environ.get("MICS_LINT_FUZZ_EXAMPLES", "300"))

_IDENTIFIER = st.sampled_from(
    [
        {"email_hash": "3f2a9c"},
        {"compartment_id": "1000", "user_account_id": "CRM-1"},
        {"user_agent_id": "vec:89998434"},
        {"user_account_id": "CRM-2"},  # MIC304
        {"compartment_id": "1000"},  # MIC303
        {"email_hash": "jane@example.com"},  # MIC305
        {"user_agent_id": "nocolon"},  # MIC306
        {"email_hash": " "},  # MIC205
        {"email_hash": "a", "user_agent_id": "vec:1"},  # MIC302
        {},  # MIC301
        {"email_hash": 12},  # MIC202
        {"compartment_id": 1000, "user_account_id": "CRM-1"},  # MIC202
        {"compartment_id": "1000", "user_account_id": None},  # MIC202
        {"user_agent_id": True},  # MIC202
        {"compartment_id": -0.5, "user_account_id": 7, "email_hash": "h"},  # MIC202, MIC302
    ]
)
_ODD_VALUES = st.sampled_from(
    ["", " ", "<SEGMENT_ID>", "\\u003cX>", 0, -1, 2**63, 2**64, 1.5, True, None, [], {}, "é", "x"]
)


segments = st.builds(
    lambda op, ident, seg, expiry, bag, extra: {
        "operation": op,
        **ident,
        **seg,
        **expiry,
        **bag,
        **extra,
    },
    st.sampled_from(["UPDATE", "DELETE", "UPSERT", "update"]),
    _IDENTIFIER,
    st.sampled_from(
        [
            {"segment_id": "4521"},
            {"segment_technical_name": "vip"},
            {"segment_id": "4521", "segment_technical_name": "vip"},
            {},
            {"segment_id": " "},
            {"segment_id": 4521},
        ]
    ),
    st.sampled_from(
        [
            {"expiration_duration": 0},
            {"expiration_ts": 1767225600000},
            {"expiration_duration": 1440, "expiration_ts": 0},
            {},
            {"expiration_duration": -1},
            {"expiration_duration": 1.0},
            {"expiration_ts": 2**63},
        ]
    ),
    st.sampled_from(
        [{}, {"data_bag": '{"a":1}'}, {"data_bag": "{x"}, {"data_bag": {"a": 1}}, {"data_bag": "é"}]
    ),
    st.dictionaries(
        st.sampled_from(["data_bag", "user_profile", "user_choice", "zz"]), _ODD_VALUES, max_size=1
    ),
)

choices = st.builds(
    lambda op, ident, force, choice, extra: {"operation": op, **ident, **force, **choice, **extra},
    st.sampled_from(["UPSERT", "DELETE", "UPDATE"]),
    _IDENTIFIER,
    st.sampled_from(
        [{"force_replace": True}, {"force_replace": False}, {}, {"force_replace": "x"}]
    ),
    st.sampled_from(
        [
            {"user_choice": {"$processing_id": "12", "$choice_ts": 1700000000000}},
            {"user_choice": {"$processing_id": "12"}},
            {"user_choice": {"$choice_ts": 1}},
            {"user_choice": {"$processing_id": " ", "$choice_ts": 1}},
            {"user_choice": {"$processing_id": "12", "$choice_ts": "1"}},
            {"user_choice": {"$processing_id": "12", "$choice_ts": 1, "custom": [2**70, "<X>"]}},
            {"user_choice": {"$processing_id": "12", "$choice_ts": 1, "note": "é"}},
            {
                "user_choice": {
                    "$processing_id": "12",
                    "$choice_ts": 1,
                    "$choice_acceptance_value": 1,
                }
            },
            {"user_choice": []},
            {},
        ]
    ),
    st.dictionaries(st.sampled_from(["segment_id", "user_profile", "zz"]), _ODD_VALUES, max_size=1),
)


deletions = st.builds(
    lambda kind, fields, extra: {"type": kind, **fields, **extra},
    st.sampled_from(["USER_ACCOUNT", "USER_EMAIL", "USER_AGENT", "USER_POINT", "user_agent"]),
    st.sampled_from(
        [
            {"user_account_id": "CRM-1", "compartment_id": "1000"},
            {"user_account_id": "CRM-1", "compartment_id": 1000},
            {"user_account_id": "CRM-1"},
            {"hash": "982f50d88d437d13bdbd541edfv4fe5176cc8d862f8cbe7ca4f0dc8ea"},
            {"email_hash": "3f2a9c"},
            {"user_agent_id": "vec:89998434"},
            {"user_agent_id": "udp:987654"},
            {"user_point_id": "95772db3-e762-45da-8cf1-4893debffae7"},
            {"user_point_id": "vec:1"},
            {"user_agent_id": "vec:1", "hash": "3f2a9c"},
            {"hash": " "},
            {"hash": "jane@example.com"},
            {"hash": "a@b"},
            {},
        ]
    ),
    st.dictionaries(
        st.sampled_from(["compartment_id", "operation", "zz"]), _ODD_VALUES, max_size=1
    ),
)


_ASSOCIATED = st.sampled_from(
    [
        {"type": "USER_EMAIL", "hash": "3f2a9c"},
        {"type": "USER_EMAIL", "hash": "3f2a9c", "email": "jane@example.com"},
        {"type": "USER_EMAIL", "hash": " jane@example.com"},
        {"type": "USER_EMAIL", "email_hash": "3f2a9c"},
        {"type": "USER_AGENT", "user_agent_id": "vec:1"},
        {"type": "USER_AGENT", "user_agent_id": "vec:1", "hash": "x"},
        {"type": "USER_ACCOUNT", "user_account_id": "CRM-1", "compartment_id": "1000"},
        {"type": "USER_ACCOUNT", "user_account_id": "CRM-1", "compartment_id": " "},
        {"type": "USER_ACCOUNT"},
        {"type": "USER_POINT", "user_point_id": "95772db3-e762-45da-8cf1-4893debffae7"},
        {"type": "USER_AGENT", "user_agent_id": "<X>"},
        "vec:1",
    ]
)
associations = st.builds(
    lambda items, extra: {"identifiers": items, **extra},
    st.lists(_ASSOCIATED, max_size=4),
    st.dictionaries(st.sampled_from(["type", "zz"]), _ODD_VALUES, max_size=1),
)


def _mostly(values: list[Any]) -> Any:
    """The first value (the clean one) nine times in ten, else any: so that lines with a
    single mistake, the ones a fast check could miss, are common."""
    return st.one_of(*[st.just(values[0])] * 8, st.sampled_from(values))


NOW = 1_700_000_000_000  # the activities' clock, frozen (activities.now_ms)
_DAY = activities.DAY_MS
_TS = _mostly(
    [NOW, NOW - 1, NOW + _DAY, NOW + _DAY + 1, 99_999_999_999, 10**11, 0, 1.7e12, 2**63, -1, "1"]
)
_ACTIVITY_IDENTIFIER = _mostly(
    [
        {"$user_agent_id": "vec:89998434"},
        {"$compartment_id": "1000", "$user_account_id": "CRM-1"},
        {"$email_hash": {"$hash": "3f2a9c"}},
        {"$email_hash": {"hash": "3f2a9c", "$email": "jane@example.com"}},
        {"$email_hash": {"$hash": "3f2a9c", "": "jane@example.com"}},  # MIC305
        {"$email_hash": {"$hash": "jane@example.com"}},  # MIC305
        {"$email_hash": {"$email": "x"}},  # MIC604
        {"$email_hash": {"$hash": " "}},  # MIC205
        {"$email_hash": "3f2a9c"},  # MIC202
        {"$user_account_id": "CRM-2"},  # MIC304
        {"$compartment_id": "1000"},  # MIC303
        {"$user_agent_id": "nocolon"},  # MIC306
        {"$user_agent_id": "<USER_AGENT_ID>"},  # MIC206
        {"$user_agent_id": " "},  # MIC205
        {"$user_agent_id": "vec:1", "$email_hash": {"$hash": "a"}},  # MIC302
        {"user_agent_id": "vec:1"},  # MIC204, MIC301
        {},  # MIC301
    ]
)
_LISTED = _mostly(
    [
        {"$type": "USER_AGENT", "$user_agent_id": "vec:1"},
        {"$type": "USER_EMAIL", "$hash": "3f2a9c", "$email": "jane@example.com"},
        {"$type": "USER_ACCOUNT", "$user_account_id": "CRM-1", "$compartment_id": "1000"},
        {"$type": "USER_ACCOUNT", "$user_account_id": "CRM-1"},
        {"$type": "USER_ACCOUNT", "$user_account_id": "CRM-1", "$compartment_id": " "},
        {"$type": "USER_EMAIL", "$hash": "jane@example.com"},  # MIC305
        {"$type": "USER_EMAIL", "$user_agent_id": "vec:1"},  # MIC604
        {"$type": "USER_AGENT", "$user_agent_id": "vec:1", "$hash": "x"},  # MIC604
        {"$type": "USER_AGENT", "$user_agent_id": "nocolon"},  # MIC306
        {"$type": "USER_AGENT"},  # MIC604
        {"$type": "USER_POINT", "$user_agent_id": "vec:1"},  # MIC203
        {"$type": "USER_AGENT", "$user_agent_id": "vec:1", "zz": 1},  # MIC204
        "vec:1",  # MIC202
    ]
)
_EVENT = st.builds(
    lambda name, ts, props, extra: {**name, "$ts": ts, "$properties": props, **extra},
    _mostly(
        [
            {"$event_name": "$page_view"},
            {"$event_name": "store_purchase"},
            {"$event_name": " "},
            {"$event_name": ""},
            {"event_name": "x"},
            {},
            {"$event_name": 3},
        ]
    ),
    _TS,
    _mostly(
        [
            {},
            {"sku": "A1", "city": "Zürich", "tags": ["new"]},
            {"x": "<NAME>"},
            {"n": 2**70},
            {"$ts": NOW},
            {"note": 'say "hi"', "c": "\x01"},  # escapes: \" and \u0001
            [],
            "x",
        ]
    ),
    _mostly([{}, *({k: v} for k in ("zz", "$ts", "$event_name") for v in ("", 0, None, "<X>"))]),
)
activities_strategy = st.builds(
    lambda ident, listed, kind, ts, events, extra: {
        **ident,
        **listed,
        "$type": kind,
        "$session_status": "NO_SESSION",
        "$ts": ts,
        "$events": events,
        **extra,
    },
    _ACTIVITY_IDENTIFIER,
    st.one_of(
        st.just({}),
        st.lists(_LISTED, max_size=3).map(lambda items: {"$user_identifiers": items}),
    ),
    _mostly(["TOUCH", "SITE_VISIT", "touch"]),
    _TS,
    st.lists(_EVENT, max_size=3),
    st.just({})
    | st.dictionaries(
        st.sampled_from(
            [
                "$ttl",
                "$origin",
                "$location",
                "$topics",
                "$session_duration",
                "$unique_key",
                "custom",
                "ts",
                "$session_satus",
                "$events",
            ]
        ),
        st.one_of(_ODD_VALUES, st.sampled_from([{"a": 1}, {"$ts": 1}, 1.5])),
        max_size=2,
    ),
)


@contextlib.contextmanager
def counting(name: str) -> Iterator[dict[str, int]]:
    with (
        counting_vouches(name) as counts,
        mock.patch.object(config_module, "DEFAULT_FAST_PATH_FROM", 1),
    ):
        yield counts


def _dump(record: dict[str, Any], spaced: bool, repeat: str | None) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(", ", ": ") if spaced else (",", ":"))
    key = repeat.removeprefix("escaped ") if repeat is not None else None
    if key is not None and key in record:  # a key written twice (MIC103)
        written = key.replace("$", "\\u0024") if key != repeat else key  # "\u0024ts"
        text = text[:-1] + f',"{written}":' + json.dumps(record[key]) + "}"
    return text.encode() + b"\n"


def _same_both_ways(name: str, lines: list[bytes]) -> dict[str, int]:
    config = Settings(doc_type=name)
    with counting(name) as counts, mock.patch.object(activities, "now_ms", lambda: NOW):
        fast = [d.to_dict() for d in lint_lines(lines, "f.ndjson", config)]
    with mock.patch.object(activities, "now_ms", lambda: NOW):
        slow = [
            d.to_dict()
            for d in lint_lines(lines, "f.ndjson", dataclasses.replace(config, fast_path=False))
        ]
    assert fast == slow
    return counts


@pytest.mark.parametrize(
    ("name", "strategy"),
    [
        ("USER_SEGMENT", segments),
        ("USER_CHOICE", choices),
        ("USER_IDENTIFIERS_DELETION", deletions),
        ("USER_DEVICE_POINTS_DELETION", deletions),
        ("USER_POINTS_DELETION", deletions),
        ("USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS", associations),
        ("USER_ACTIVITY", activities_strategy),
    ],
)
def test_fast_path_changes_no_diagnostic(name: str, strategy: Any) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.tuples(
                strategy,
                st.booleans(),
                st.sampled_from(
                    [
                        *(None, "operation", "segment_id", "user_choice", "type", "hash"),
                        *("identifiers", "$ts", "$type", "$user_agent_id", "$events", "custom"),
                        *("escaped $ts", "escaped $user_agent_id"),
                    ]
                ),
            ),
            min_size=1,
            max_size=6,
        )
    )
    def run(records: list[tuple[dict[str, Any], bool, str | None]]) -> None:
        _same_both_ways(name, [_dump(r, spaced, repeat) for r, spaced, repeat in records])

    run()


@pytest.mark.parametrize(
    ("name", "line"),
    [
        (
            "USER_SEGMENT",
            '{"operation":"UPDATE","email_hash":"h%d","segment_id":"4521","expiration_duration":0,"data_bag":"{\\"a\\":1}"}',
        ),
        (
            "USER_SEGMENT",
            '{"operation":"DELETE","compartment_id":"1000","user_account_id":"u%d","segment_technical_name":"vip"}',
        ),
        (
            "USER_CHOICE",
            '{"operation":"UPSERT","user_agent_id":"vec:%d","force_replace":true,"user_choice":{"$processing_id":"12","$choice_ts":1700000000000,"n":"é"}}',
        ),
        (
            "USER_CHOICE",
            '{"operation":"DELETE","email_hash":"h%d","user_choice":{"$processing_id":"12"}}',
        ),
        (
            "USER_IDENTIFIERS_DELETION",
            '{"type":"USER_ACCOUNT","compartment_id":"1000","user_account_id":"u%d"}',
        ),
        ("USER_DEVICE_POINTS_DELETION", '{"type":"USER_AGENT","user_agent_id":"udp:%d"}'),
        ("USER_POINTS_DELETION", '{"type":"USER_EMAIL","hash":"h%d"}'),
        (
            "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS",
            '{"identifiers":[{"type":"USER_EMAIL","hash":"h%d"},{"type":"USER_AGENT","user_agent_id":"vec:1"}]}',
        ),
        (
            "USER_ACTIVITY",
            '{"$user_agent_id":"vec:%d","$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"$page_view","$ts":1700000000000,"$properties":{"city":"Zürich","n":[1,2]}}],"$origin":{"a":1}}',
        ),
        (
            "USER_ACTIVITY",
            '{"$compartment_id":"1000","$user_account_id":"u%d","$type":"SITE_VISIT","$session_status":"IN_SESSION","$ts":1700000000000,"$ttl":0,"$events":[]}',
        ),
        (
            "USER_ACTIVITY",
            '{"$email_hash":{"$hash":"h%d","$email":"a@b.co"},"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"a","$ts":1700000000001,"$properties":{}},{"$event_name":"b","$ts":1700000000002,"$properties":{}}]}',
        ),
        (
            "USER_ACTIVITY",
            '{"$user_identifiers":[{"$type":"USER_AGENT","$user_agent_id":"vec:%d"},{"$type":"USER_EMAIL","$hash":"3f2a"},{"$type":"USER_ACCOUNT","$user_account_id":"u","$compartment_id":"1"}],"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,"$events":[{"$event_name":"a","$ts":1700000000000,"$properties":{}}]}',
        ),
    ],
)
def test_the_fast_path_vouches_for_clean_lines(name: str, line: str) -> None:
    lines = [(line % i).encode() + b"\n" for i in range(50)]
    counts = _same_both_ways(name, lines)
    assert counts["vouched"] == 49  # all but the first line, which the engine checks itself


def test_the_decoder_walks_array_items_and_may_close_the_root() -> None:
    """A free-form object in an array's items is named "name[].key" and checked by
    residual_ok, as patterns there are; `closed` refuses custom keys at an open root."""
    schema = load_schema("user_activity.schema.json")
    decoder = struct_decoder(schema, closed=True)
    assert decoder is not None and decoder.closed
    assert "$events[].$properties" in decoder.objects
    assert decoder.patterns["$user_identifiers[].$hash"] == r"\S"
    assert decoder.keys == frozenset(schema["properties"])
    head = '{"$type":"TOUCH","$session_status":"NO_SESSION","$ts":1700000000000,'
    good = (head + '"$events":[{"$ts":1,"$properties":{}},{"$ts":2,"$properties":{"a":1}}],'
            '"$user_identifiers":[{"$type":"USER_EMAIL","$hash":"h"}]}').encode()  # fmt: skip
    assert decoder.residual_ok(decoder.decode(good), good)
    not_object = good.replace(b'"$properties":{"a":1}', b'"$properties":[1]')
    assert not decoder.residual_ok(decoder.decode(not_object), not_object)
    blank = good.replace(b'"$hash":"h"', b'"$hash":" "')
    assert not decoder.residual_ok(decoder.decode(blank), blank)
    custom = good[:-1] + b',"basket":3}'
    with pytest.raises(DECODE_ERRORS):
        decoder.decode(custom)
    open_root = struct_decoder(schema)
    assert open_root is not None and not open_root.closed
    assert open_root.residual_ok(open_root.decode(custom), custom)


_ACTIVITY = (
    b'{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
    b'"$ts":1700000000000,"$events":[{"$event_name":"a","$ts":1700000000000,'
    b'"$properties":{"k":"v"}}]'
)
_LISTED_ACTIVITY = _ACTIVITY.replace(
    b'"$user_agent_id":"vec:1"',
    b'"$user_identifiers":[{"$type":"USER_AGENT","$user_agent_id":"vec:1"}]',
)
# One mistake each, where the activity check looks (and a clean line with an escape, which
# may hide a key): none is vouched for, and the diagnostics are the same.
ACTIVITY_MISTAKES = {
    "root $ts twice, once escaped": _ACTIVITY + b',"$\\u0074s":1700000000000}',
    "root identifier twice": _ACTIVITY + b',"$user_agent_id":"vec:2"}',
    "$events twice": _ACTIVITY + b',"$events":[]}',
    "root $type twice, listed": _LISTED_ACTIVITY + b',"$type":"TOUCH"}',
    "custom key twice": _ACTIVITY + b',"basket":1,"basket":2}',
    "typo of a platform key": _ACTIVITY + b',"$ttll":0}',
    "hash in clear": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$email_hash":{"$hash":"j@x.co"}'
    )
    + b"}",
    "clear address under an empty key": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$email_hash":{"$hash":"3f","":"j@x.co"}'
    )
    + b"}",
    "e-mail hash object without hash": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$email_hash":{"$email":"x"}'
    )
    + b"}",
    "blank event name": _ACTIVITY.replace(b'"$event_name":"a"', b'"$event_name":" "') + b"}",
    "event name misspelt": _ACTIVITY.replace(b'"$event_name"', b'"event_name"') + b"}",
    "event in seconds": _ACTIVITY.replace(b'"$ts":1700000000000,"$p', b'"$ts":1700000000,"$p')
    + b"}",
    "event in the future": _ACTIVITY.replace(b'00000,"$p', b'00001,"$p').replace(
        b"1700000000001", b"%d" % (NOW + _DAY + 1)
    )
    + b"}",
    "activity at 0": _ACTIVITY.replace(b'"$ts":1700000000000,"$events"', b'"$ts":0,"$events"')
    + b"}",
    "root and listed": _LISTED_ACTIVITY + b',"$user_agent_id":"vec:2"}',
    "empty list, no root": _LISTED_ACTIVITY.replace(
        b'[{"$type":"USER_AGENT","$user_agent_id":"vec:1"}]', b"[]"
    )
    + b"}",
    "listed hash in clear": _LISTED_ACTIVITY.replace(
        b'"USER_AGENT","$user_agent_id":"vec:1"', b'"USER_EMAIL","$hash":"j@x.co"'
    )
    + b"}",
    "listed blank compartment": _LISTED_ACTIVITY.replace(
        b'"USER_AGENT","$user_agent_id":"vec:1"',
        b'"USER_ACCOUNT","$user_account_id":"u","$compartment_id":" "',
    )
    + b"}",
    "listed agent with a hash": _LISTED_ACTIVITY.replace(b'"vec:1"', b'"vec:1","$hash":"h"') + b"}",
    # A value rule on each listed kind's values (MIC307, MIC308), each kind's screens
    # joined in one call (activity_fast._ValueScreens): an account alone, or with its
    # compartment.
    "listed account alone, padded": _LISTED_ACTIVITY.replace(
        b'"USER_AGENT","$user_agent_id":"vec:1"', b'"USER_ACCOUNT","$user_account_id":"u "'
    )
    + b"}",
    "listed account, compartment padded": _LISTED_ACTIVITY.replace(
        b'"USER_AGENT","$user_agent_id":"vec:1"',
        b'"USER_ACCOUNT","$user_account_id":"u","$compartment_id":" 1000"',
    )
    + b"}",
    "listed account, compartment not a number": _LISTED_ACTIVITY.replace(
        b'"USER_AGENT","$user_agent_id":"vec:1"',
        b'"USER_ACCOUNT","$user_account_id":"u","$compartment_id":"x1000"',
    )
    + b"}",
    "listed agent padded": _LISTED_ACTIVITY.replace(b'"vec:1"', b'"vec:1 "') + b"}",
    "listed hash padded": _LISTED_ACTIVITY.replace(
        b'"USER_AGENT","$user_agent_id":"vec:1"', b'"USER_EMAIL","$hash":"3f2a "'
    )
    + b"}",
    "root account padded": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$compartment_id":"1000","$user_account_id":"u "'
    )
    + b"}",
    "root compartment not a number": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$compartment_id":"x","$user_account_id":"u"'
    )
    + b"}",
    "root agent padded": _ACTIVITY.replace(b'"vec:1"', b'"vec:1 "') + b"}",
    # An account without its compartment (MIC304) is answered with that rule alone: not
    # vouched for, here with another mistake or not.
    "root account alone": _ACTIVITY.replace(b'"$user_agent_id":"vec:1"', b'"$user_account_id":"u"')
    + b"}",
    "root account alone, padded": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$user_account_id":"u "'
    )
    + b"}",
    "root account alone, blank": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$user_account_id":" "'
    )
    + b"}",
    "root account alone, and an agent": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$user_account_id":"u","$user_agent_id":"vec:1"'
    )
    + b"}",
    "root account alone, an event in seconds": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$user_account_id":"u"'
    ).replace(b'"$ts":1700000000000,"$p', b'"$ts":1700000000,"$p')
    + b"}",
    "root hash padded": _ACTIVITY.replace(
        b'"$user_agent_id":"vec:1"', b'"$email_hash":{"$hash":" 3f"}'
    )
    + b"}",
    "properties a list": _ACTIVITY.replace(b'{"k":"v"}', b'["k"]') + b"}",
    "origin a string": _ACTIVITY + b',"$origin":"x"}',
    "location a list": _ACTIVITY + b',"$origin":{},"$location":[1]}',
    "topics a number": _ACTIVITY + b',"$topics":1}',
    "placeholder in properties": _ACTIVITY.replace(b'"v"', b'"<V>"') + b"}",
    "long integer in properties": _ACTIVITY.replace(b'"v"', b"18446744073709551616") + b"}",
    "invalid UTF-8 in properties": _ACTIVITY.replace(b'"v"', b'"\xff"') + b"}",
    "escaped key": _ACTIVITY.replace(b'"$type"', b'"\\u0024type"') + b"}",
    "escape in an event name": _ACTIVITY.replace(b'"a"', b'"\\u00e9"') + b"}",
    "escape in a listed identifier": _LISTED_ACTIVITY.replace(b'"vec:1"', b'"vec:\\u0031"') + b"}",
}


@pytest.mark.parametrize("line", ACTIVITY_MISTAKES.values(), ids=list(ACTIVITY_MISTAKES))
def test_activity_mistakes(line: bytes) -> None:
    clean = _ACTIVITY + b"}\n"
    counts = _same_both_ways("USER_ACTIVITY", [clean, line + b"\n", clean])
    assert counts["vouched"] == 1  # the last line; the first the engine checks itself


@pytest.mark.parametrize(
    ("name", "alone"),
    [
        (
            "USER_SEGMENT",
            b'{"operation":"UPDATE","user_account_id":"u%d","segment_id":"4521",'
            b'"expiration_duration":0}\n',
        ),
        (
            "USER_CHOICE",
            b'{"operation":"UPSERT","user_account_id":"u%d","force_replace":true,'
            b'"user_choice":{"$processing_id":"12","$choice_ts":1700000000000}}\n',
        ),
    ],
)
def test_a_segment_or_choice_export_without_compartments_is_told_by_one_rule(
    name: str, alone: bytes
) -> None:
    """As the activities' below: MIC304 alone on every line, odd lines among them."""
    odd = [
        alone.replace(b'"u%d"', b'"u%d","user_account_id":"v"'),
        alone.replace(b'"user_account_id"', b'"user\\u005faccount_id"'),
        alone.replace(b'"u%d"', b'" u%d"'),
        alone.replace(b'"u%d"', b'"u%d","email_hash":"h"'),
        alone.replace(b"{", b'{"compartment_id":" ",', 1),
    ]
    lines = [(odd[i % 5] if i % 50 == 7 else alone) % (i % 300) for i in range(1000)]
    counts = _same_both_ways(name, lines)
    assert counts["one rule"] >= 900


def test_an_activity_export_without_compartments_is_told_by_one_rule() -> None:
    """Every line's account without its compartment (MIC304, which the engine then runs
    alone, and tells from the first line of each set of keys): what the full checks give,
    the account's key in the properties too, or spelt with an escape, on some lines."""
    alone = _ACTIVITY.replace(b'"$user_agent_id":"vec:1"', b'"$user_account_id":"u%d"') + b"}\n"
    odd = [
        alone.replace(b'{"k":"v"}', b'{"$user_account_id":"x"}'),
        alone.replace(b'"$user_account_id"', b'"$user\\u005faccount_id"'),
        alone.replace(b'"$type":"TOUCH",', b"").replace(b"}\n", b',"$type":"TOUCH"}\n'),
        alone.replace(b'"u%d"', b'" u%d"'),
    ]
    lines = [(odd[i % 4] if i % 50 == 7 else alone) % (i % 300) for i in range(1000)]
    counts = _same_both_ways("USER_ACTIVITY", lines)
    assert counts["one rule"] >= 900


@pytest.mark.parametrize(
    "line",
    [
        _ACTIVITY.replace(b'"v"', b'"\\u0024ts"') + b"}",
        _ACTIVITY.replace(b'"v"', b'"K\\u00f6ln"') + b',"$origin":{"src":"\\u00e9t\\u00e9"}}',
        _ACTIVITY.replace(b'"v"', b'"\\\\u00e9"') + b"}",  # an escaped backslash, then "u"
        _ACTIVITY.replace(b'"v"', b'"\\u00e9"') + b',"$origin":{"k":"\\u00e9"}}',  # alike
    ],
)
def test_activity_escapes_inside_free_form_objects_are_vouched_for(line: bytes) -> None:
    # Python's json.dumps escapes every non-ASCII character: the properties' escapes
    # spell no key the decoder reads.
    clean = _ACTIVITY + b"}\n"
    counts = _same_both_ways("USER_ACTIVITY", [clean, line + b"\n", clean])
    assert counts["vouched"] == 2


@pytest.mark.parametrize(
    ("name", "line"),
    [
        (
            "USER_SEGMENT",
            '{"operation":"UPDATE","compartment_id":%d,"user_account_id":"u%d",'
            '"segment_id":"4521","expiration_duration":0}',
        ),
        (
            "USER_CHOICE",
            '{"operation":"DELETE","compartment_id":%d,"user_account_id":"u%d",'
            '"user_choice":{"$processing_id":"12"}}',
        ),
    ],
)
def test_a_systematic_wrong_type_skips_the_full_checks(name: str, line: str) -> None:
    """Every compartment_id a number: after the first such line, the next ones are found
    without the full checks (loosepath.py), with the same diagnostics."""
    lines = [(line % (1000 + i % 3, i)).encode() + b"\n" for i in range(300)]
    real = linecheck_module.LineChecker.check_line
    with mock.patch.object(
        linecheck_module.LineChecker, "check_line", autospec=True, side_effect=real
    ) as check_line:
        found = list(lint_lines(lines, "f.ndjson", Settings(doc_type=name)))
    assert [d.code for d in found] == ["MIC202"] * 300
    assert check_line.call_count <= 201
    _same_both_ways(name, lines)
