"""The record fixer's cheap decision against the one it replaced, on generated lines.

`RecordFixer.record` finds the keys to fix by a search where that is proven
(`fix_edits.places`) and proves its edits where they are (`proven_locally`); before, it
read every key with top_level_keys and parsed both whole texts again. The fixer decides the
`[*]` marks, the hint's count and what `--fix` writes, so the two must agree on every line:
the same text out, the same counts of fixes made and found. The lines are made to reach the
corners of both: keys written with escapes, repeated, or also nested; backslashes in values;
integers past 64 bits; enum values in another case; identifiers with spaces around them;
misspelt keys; whitespace around the punctuation.
MICS_LINT_FUZZ_EXAMPLES sets the number of examples (default 200).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mics_lint import fix_plans
from mics_lint import schema as schemas
from mics_lint.fix_edits import Edits, proven_whole
from mics_lint.fix_records import RecordFixer
from mics_lint.jsontext import top_level_keys
from mics_lint.parsed import Retyped
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import REGISTRY, identifiers

EXAMPLES = int(os.environ.get("MICS_LINT_FUZZ_EXAMPLES", "200"))

_KEYS = [
    "operation",
    "compartment_id",
    "user_account_id",
    "email_hash",
    "user_agent_id",
    "force_replace",
    "merge_objects",
    "user_profile",
    "forceReplace",  # MIC204: one known key close to it
    "update_strategy",  # the other form's key: no rename mixes the two (MIC406)
    "updateStrategy",
    "compartmentId",
    "user_acount_id",
    "email",
    "x/y",  # a key with a character that may be escaped
    "a b",
    ", ",  # quoted, also text between two strings: `"a", "b"`
    ":",
    "é",
]
_OPERATIONS = ["UPSERT", "DELETE", "upsert", "Delete", "UPSERTS", "up sert"]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.sampled_from([1.5, 1e3, -0.0, 12.0])
    | st.text(alphabet="ab 1é", max_size=6)
    | st.text(alphabet='ab 1"\\/\té', max_size=6)
    | st.sampled_from(_OPERATIONS)
    | st.sampled_from([" CRM-1", "CRM-1 ", "\tx", "1000", "a\\b"])
)
plain_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**25), max_value=10**25)
    | st.text(alphabet="ab 1é", max_size=6)
    | st.sampled_from(_OPERATIONS)
    | st.sampled_from([" CRM-1", "CRM-1 ", "1000", 1.5, 1e3, 12.0])
)


def _objects(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=2) | st.lists(
        st.tuples(st.sampled_from(_KEYS), inner), max_size=3
    ).map(lambda kv: ("obj", kv))


values = st.recursive(scalars, _objects, max_leaves=6)
# Lines without a backslash: where fix_edits.places searches instead of reading.
plain_values = st.recursive(plain_scalars, _objects, max_leaves=6)


def _key_text(key: str, escape: bool) -> str:
    if escape:  # every character as \uXXXX: decodes to the same key
        return '"' + "".join(f"\\u{ord(c):04x}" for c in key) + '"'
    return json.dumps(key, ensure_ascii=False)


def _value_text(value: Any, draw: st.DrawFn, plain: bool) -> str:
    if isinstance(value, tuple):  # an object, keys maybe repeated
        items = [
            f"{_key_text(k, not plain and draw(st.booleans()))}:{_value_text(v, draw, plain)}"
            for k, v in value[1]
        ]
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_value_text(v, draw, plain) for v in value) + "]"
    if isinstance(value, float) and value == 1e3 and draw(st.booleans()):
        return "1e3"
    return json.dumps(value, ensure_ascii=not plain and draw(st.booleans()))


# What the fixes look for, more often than chance would give it.
_LIKELY = {
    "operation": st.sampled_from(_OPERATIONS),
    "compartment_id": st.integers(min_value=-(10**25), max_value=10**25),
    "user_account_id": st.integers(0, 10**20) | st.sampled_from([" CRM-1", "CRM-1\t"]),
    "email_hash": st.sampled_from([" a", "b ", "c"]),
    "forceReplace": st.booleans(),
}


@st.composite
def lines(draw: st.DrawFn) -> str:
    plain = draw(st.booleans())
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(_KEYS), plain_values if plain else values),
            min_size=1,
            max_size=7,
        )
    )
    space = draw(st.sampled_from(["", " ", "\t", "  "]))
    items = []
    for key, value in pairs:
        if key in _LIKELY and draw(st.booleans()):
            value = draw(_LIKELY[key])
        escape = not plain and draw(st.integers(0, 9)) == 0
        before, after = draw(st.sampled_from([("", ""), (space, ""), ("", space)]))
        items.append(f"{_key_text(key, escape)}{before}:{after}{_value_text(value, draw, plain)}")
    return space + "{" + space + ("," + space).join(items) + space + "}" + space


def _old_places(text: str, keys: list[str]) -> list[tuple[str, int, int]]:
    listed = top_level_keys(text)
    counts = Counter(k for k, _, _ in listed)
    return [(k, s, e) for k, s, e in listed if k in keys and counts[k] == 1]


def _old_proven(text: str, edits: Edits, shallow: bool | None = None) -> bool:
    return proven_whole(text, edits.apply(text), edits.becomes)


def _fixer(fixing: frozenset[str]) -> tuple[RecordFixer, Counter[str], Counter[str]]:
    schema = schemas.load_schema("user_profile_import.schema.json")
    fixes = {r.code: r.fix for r in REGISTRY.values() if r.fix is not None}
    fixed: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    fixer = RecordFixer(
        schema,
        fixing=fixing,
        looking=frozenset(fixes),
        fixed=fixed,
        hidden=hidden,
        identifier_values=identifiers.top_level_values,
    )
    return fixer, fixed, hidden


def _decide(body: bytes, fixing: frozenset[str]) -> tuple[Any, Counter[str], Counter[str]]:
    fixer, fixed, hidden = _fixer(fixing)
    return fixer.line(body), fixed, hidden


@contextlib.contextmanager
def old_decision() -> Iterator[pytest.MonkeyPatch]:
    """The fixer with its old search for keys and its old whole-text proof."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fix_plans, "places", _old_places)
        patch.setattr(fix_plans, "proven", _old_proven)
        yield patch


_SAFE = frozenset(r.code for r in REGISTRY.values() if r.fix == FIX_SAFE)
_ALL = frozenset(r.code for r in REGISTRY.values() if r.fix is not None)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines(), st.sampled_from([_SAFE, _ALL]))
def test_the_cheap_decision_is_the_old_one(text: str, fixing: frozenset[str]) -> None:
    body = text.encode("utf-8")
    new = _decide(body, fixing)
    with old_decision():
        old = _decide(body, fixing)
    assert new == old


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines())
def test_the_loose_paths_count_is_plans(text: str) -> None:
    """What fastloop's loose path tells the fixer (Retyped: the identifiers that are not
    strings) gives the MIC202 count `plan` gives. Under the marks' safe fixes MIC202's are
    the only edits plan makes, so it holds on any record, not only the loose path's."""
    _assert_loose_count_is_plans(text)


_UPSERT = '{"operation":"UPSERT","compartment_id":%s,"user_account_id":%s,"user_profile":%s}'


@pytest.mark.parametrize(
    "text",
    [
        _UPSERT % ("1000", '"a"', "{}"),  # the count known without a search (_retyped)
        _UPSERT % ("1000", "42", "{}"),
        _UPSERT % ("-0", "true", "{}"),
        _UPSERT % ("1000", "null", '{"compartment_id":1}'),  # the key quoted twice
        _UPSERT % ("1000", '"a"', '{"x":"compartment_id"}'),
        _UPSERT % ("1.0", '"a"', "{}"),  # a float: no fix
        _UPSERT % ("1e3", "7", "{}"),
        _UPSERT % ("1000", '"a\\b"', "{}"),  # a backslash
        _UPSERT % ("1000", '"a"', "[" * 70 + "]" * 70),  # too deep to prove in place
        _UPSERT % ("1000", '"a"', "[" * 1000 + "]" * 1000),  # too deep for the exact parser
        _UPSERT.replace('"operation"', '"compartment_id":7,"operation"') % ("1", '"a"', "{}"),
        _UPSERT % ("1000", '"a"', "[" * 40 + "{}" * 30 + "]" * 40),
        _UPSERT.replace('"compartment_id"', '"compartment_id" ') % ("1000", "1", "{}"),
    ],
)
def test_the_loose_paths_count_on_the_corners(text: str) -> None:
    _assert_loose_count_is_plans(text)


def _assert_loose_count_is_plans(text: str) -> None:
    body = text.encode("utf-8")
    try:
        record = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    if not isinstance(record, dict):
        return
    _, planned, _ = _decide(body, _SAFE)
    fixer, fixed, _ = _fixer(_SAFE)
    wrong = Retyped(  # (key, value, its finding's column: not read here)
        (k, v, 0) for k, v in record.items() if k in fixer.string_fields and not isinstance(v, str)
    )
    assert fixer.line(body, wrong, text, rewrite=False) is None
    assert fixed[fix_plans.WRONG_TYPE] == planned[fix_plans.WRONG_TYPE]
    assert not fixer.broken


@pytest.mark.parametrize(
    "text",
    [
        '{"operation":"DELETE","compartment_id":1000,"user_account_id":"a"}',
        '{"operation":"DELETE","compartment_id":123456789012345678901234,"user_account_id":"a"}',
        '{"operation":"DELETE","compartment_id":1000,"user_account_id":"a\\\\b"}',
        '{"operation":"DELETE","\\u0063ompartment_id":1000,"user_account_id":"a"}',
        '{"operation":"DELETE","compartment_id":1,"compartment_id":2,"user_account_id":"a"}',
        '{"operation":"delete","email_hash":" a ","x":{"compartment_id":1}}',
        '{"operation":"UPSERT","forceReplace":true,"email_hash":"a","user_profile":{}}',
        '{"operation":"UPSERT","forceReplace":true,"email_hash":"a","force_replace":false}',
        # More keys to fix than are searched for one by one (fix_edits._SEARCHED)
        '{"operation":"DELETE","email_hash":"a",'
        + ",".join(f'"forceReplac{c}":1' for c in "abcdefghij")
        + "}",
    ],
)
def test_the_cheap_decision_on_the_corners(text: str) -> None:
    body = text.encode("utf-8")
    orjson.loads(body)  # each is JSON
    for fixing in (_SAFE, _ALL):
        new = _decide(body, fixing)
        with old_decision():
            old = _decide(body, fixing)
        assert new == old


def test_with_fix_keeps_every_other_field() -> None:
    # Diagnostic.with_fix names the fields itself (dataclasses.replace is slow): a field
    # added to Diagnostic and not to with_fix would be lost.
    from dataclasses import fields

    from mics_lint.diagnostic import Diagnostic, Severity

    values: dict[str, Any] = {}
    for number, f in enumerate(fields(Diagnostic)):
        values[f.name] = Severity.WARNING if f.name == "severity" else f"{f.name}-{number}"
    made = Diagnostic(**values).with_fix("safe")
    assert {f.name: getattr(made, f.name) for f in fields(Diagnostic)} == {
        **values,
        "fix": "safe",
    }


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """Generated lines, some with a comma after them (MIC101) or cut short."""
    out = []
    for text in draw(st.lists(lines(), min_size=1, max_size=6)):
        tail = draw(st.sampled_from(["", "", ",", " ,", "x"]))
        out.append(text + tail)
    return ("\n".join(out) + "\n").encode("utf-8")


def _marks(data: bytes, fast_path: bool) -> list[tuple[str, int, int, str, str | None]]:
    import io

    from mics_lint.config import Settings
    from mics_lint.linter import lint_stream

    found = lint_stream(io.BytesIO(data), "f.ndjson", Settings(fast_path=fast_path))
    return [(d.message, d.line, d.column, d.code, d.fix) for d in found]


@settings(
    max_examples=EXAMPLES // 4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(files(), st.booleans())
def test_the_marks_are_the_old_ones(data: bytes, fast_path: bool) -> None:
    # The marks ask the cheap decision, told the linter's own parse of each line
    # (fixmarks.FixMarks.fixes); before, the fixer parsed each line again itself.
    new = _marks(data, fast_path)
    line = RecordFixer.line
    with old_decision() as patch:
        patch.setattr(RecordFixer, "line", lambda self, body, *told, **how: line(self, body, **how))
        old = _marks(data, fast_path)
    assert new == old


def _old_may_fix(fixer: RecordFixer, key: str, value: Any) -> bool:
    """RecordFixer._may_fix as it was, before `_wanted` asked it of every key in one loop."""
    if key not in fixer.known:
        return fixer.closed and fix_plans.UNKNOWN in fixer.looking
    if key in fixer.string_fields:
        return type(value) in (int, float) and fix_plans.WRONG_TYPE in fixer.looking
    enum = fixer.enums.get(key)
    return enum is not None and value not in enum and fix_plans.INVALID_VALUE in fixer.looking


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines(), st.sets(st.sampled_from(sorted(_ALL))))
def test_the_keys_wanted_are_those_the_old_test_gave(text: str, looking: set[str]) -> None:
    fixer = RecordFixer(
        schemas.load_schema("user_profile_import.schema.json"),
        fixing=_SAFE,
        looking=frozenset(looking),
        fixed=Counter(),
        hidden=Counter(),
        identifier_values=identifiers.top_level_values,
    )
    record = orjson.loads(text)
    untrimmed = fixer._untrimmed(record)
    old = [k for k, v in record.items() if k in untrimmed or _old_may_fix(fixer, k, v)]
    assert fixer._wanted(record, untrimmed) == old
