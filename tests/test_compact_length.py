"""fastpath.compact_length: a line without a backslash is exactly as long as its decoded
command written compactly only when it is compact and holds each key once, the proof the
activity check takes instead of counting keys (MIC103)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fastpath_types import activities_strategy

from mics_lint.doctypes import DOC_TYPES
from mics_lint.fastpath import DECODE_ERRORS, FastDecoder, struct_decoder
from mics_lint.schema import load_schema


def decoder(name: str) -> FastDecoder:
    doc_type = DOC_TYPES[name]
    made = struct_decoder(load_schema(doc_type.schema_file), closed=doc_type.fast_closed)
    assert made is not None and made.compact_length is not None
    return made


ACTIVITY = decoder("USER_ACTIVITY")
_REUSED = bytearray()
_KEYS = ["$ts", "$type", "$events", "$user_agent_id", "$email_hash", "$origin", "$ttl"]


def _written(
    record: dict[str, Any], spaced: bool, repeat: str | None, inner: bool
) -> tuple[bytes, bool]:
    """The record as a line, with a top-level key written twice (`repeat`) and the first
    event's first key written twice (`inner`) where the record has them; and whether a
    key is repeated."""
    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps(record, ensure_ascii=False, separators=separators)
    repeated = False
    events = record.get("$events")
    if inner and isinstance(events, list) and events and isinstance(events[0], dict) and events[0]:
        opening = json.dumps({"$events": [{}]}, separators=separators)[1:-3]
        start = text.index(opening) + len(opening)
        key = next(iter(events[0]))
        pair = json.dumps(key) + separators[1] + json.dumps(events[0][key]) + separators[0]
        text = text[:start] + pair + text[start:]
        repeated = True
    if repeat is not None and repeat in record:
        text = text[:-1] + f',"{repeat}":' + json.dumps(record[repeat]) + "}"
        repeated = True
    return text.encode() + b"\n", repeated


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    activities_strategy,
    st.booleans(),
    st.sampled_from([None, *_KEYS]),
    st.booleans(),
)
def test_as_long_only_when_compact_and_each_key_once(
    record: dict[str, Any], spaced: bool, repeat: str | None, inner: bool
) -> None:
    line, repeated = _written(record, spaced, repeat, inner)
    if b"\\" in line:
        return  # an escape: the check counts keys
    try:
        command = ACTIVITY.decode(line)
    except DECODE_ERRORS:
        return
    assert ACTIVITY.compact_length is not None
    length = ACTIVITY.compact_length(command, bytearray())
    # One buffer for every line, as a check keeps its own: longer lines, then shorter.
    assert ACTIVITY.compact_length(command, _REUSED) == length
    if length == -1:
        assert record.get("$session_duration") is not None  # a float: no proof
        return
    body = len(line) - 1
    # Never longer; shorter with a key twice or a space (and where a nested object that
    # takes any key had one the Struct skips, or for -0): never a false proof.
    assert length <= body
    if repeated or (spaced and len(record) > 0):
        assert length < body, line


@pytest.mark.parametrize(
    ("line", "equal"),
    [
        (
            b'{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
            b'"$ts":1700000000000,"$events":[]}',
            True,
        ),
        # key order is not the Struct's: the length is the same
        (
            b'{"$events":[],"$ts":1700000000000,"$type":"TOUCH","$session_status":"NO_SESSION",'
            b'"$user_agent_id":"vec:1"}',
            True,
        ),
        # -0 is written 0: shorter, never a false proof
        (
            b'{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
            b'"$ts":-0,"$events":[]}',
            False,
        ),
        # a free-form object is kept as written, spaces and all
        (
            b'{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
            b'"$ts":1,"$events":[],"$origin":{ "a" : 1, "a": 2 }}',
            True,
        ),
    ],
)
def test_examples(line: bytes, equal: bool) -> None:
    assert ACTIVITY.compact_length is not None
    command = ACTIVITY.decode(line)
    assert (ACTIVITY.compact_length(command, bytearray()) == len(line)) is equal


def test_a_float_field_voids_the_proof() -> None:
    line = (
        b'{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION",'
        b'"$ts":1,"$events":[],"$session_duration":1e2}'
    )
    assert ACTIVITY.compact_length is not None
    assert ACTIVITY.compact_length(ACTIVITY.decode(line), bytearray()) == -1


def test_which_types_get_a_length() -> None:
    """A float anywhere but at the top level, or a default other than UNSET: no length."""
    without = set()
    for name, doc_type in DOC_TYPES.items():
        made = struct_decoder(load_schema(doc_type.schema_file), closed=doc_type.fast_closed)
        if made is not None and made.compact_length is None:
            without.add(name)
    assert without == {"USER_SEGMENT"}
