"""A line with an unknown top-level key (`"forceReplace"` on every line of an export) is
cheap to check, and checked as before: its schema findings remembered by the record's shape
(schema_errors.record_findings) equal those described anew, and a line's diagnostics made
with their fixes (LineChecker.stamp) equal those made, sorted, then marked.

Lines are generated with near misses of known keys, several unknown keys, keys written
with escapes or twice, the same names inside user_profile, and other faults beside them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mics_lint import Settings, lint_lines
from mics_lint import linecheck as linecheck_module
from mics_lint import schema as schemas
from mics_lint.config import Selection
from mics_lint.diagnostic import Diagnostic
from mics_lint.doctypes import USER_PROFILE
from mics_lint.linecheck import LineChecker
from mics_lint.registry import LineContext
from mics_lint.rules import schema_errors

EXAMPLES = int(os.environ.get("MICS_LINT_FUZZ_EXAMPLES", "200"))

UNKNOWN = [
    "forceReplace",
    "force_replce",
    "Force_Replace",
    "compartmentId",
    "user_acount_id",
    "emailHash",
    "operatoin",
    "merge_object",
    "update_strategie",
    "zzz",
    "jean.dupont@example.com",
    "a_very_long_unknown_key_that_is_cut_in_its_message_x",
    "a_very_long_unknown_key_that_is_cut_in_its_message_y",
]
KNOWN = sorted(USER_PROFILE.keys)
VALUES: dict[str, list[Any]] = {
    "operation": ["UPSERT", "DELETE", "upsert", "Upsert", 1],
    "compartment_id": ["1000", 1000, 1001, " 1000", ""],
    "user_account_id": ["CRM-1", "CRM-2", 12345678901234567890, 7, None],
    "email_hash": ["e1", "a@b.co", " e2"],
    "user_agent_id": ["vec:1", "nope"],
    "force_replace": [True, False, "true"],
    "merge_objects": [True, 1],
    "update_strategy": ["PARTIAL_UPDATE", "partial_update", "NOPE"],
    "user_profile": [{}, {"tier": "gold"}, {"forceReplace": 1, "zzz": 2}, []],
}
ANY_VALUE = [True, 1, "x", None, {"forceReplace": True}, [1]]


def _key_text(key: str, escaped: bool) -> str:
    if escaped:  # its first letter as a \\u escape: the same key to a parser
        return f'"\\u{ord(key[0]):04x}{json.dumps(key)[2:-1]}"'
    return json.dumps(key, ensure_ascii=False)


@st.composite
def layouts(draw: st.DrawFn) -> list[tuple[str, bool]]:
    """Keys in order, each maybe written with an escape; maybe one written twice."""
    keys = draw(
        st.lists(st.sampled_from(KNOWN + UNKNOWN), min_size=1, max_size=7).filter(
            lambda ks: any(k in UNKNOWN for k in ks)
        )
    )
    if draw(st.booleans()):
        keys.append(draw(st.sampled_from(keys)))
    return [(k, draw(st.integers(0, 5)) == 0) for k in keys]


def _line(draw: st.DrawFn, layout: list[tuple[str, bool]], spaced: bool) -> bytes:
    sep, colon = (", ", ": ") if spaced else (",", ":")
    parts = []
    for key, escaped in layout:
        value = draw(st.sampled_from(VALUES.get(key, ANY_VALUE)))
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        parts.append(_key_text(key, escaped) + colon + text)
    return ("{" + sep.join(parts) + "}\n").encode()


@st.composite
def same_layout_pairs(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """Two lines with the same keys in the same order, their values drawn apart."""
    layout = draw(layouts())
    spaced = draw(st.booleans())
    return _line(draw, layout, spaced), _line(draw, layout, draw(st.booleans()) and spaced)


@st.composite
def files(draw: st.DrawFn) -> list[bytes]:
    """Lines of a few layouts, each repeated with values drawn anew (the memos' case)."""
    shapes = draw(st.lists(layouts(), min_size=1, max_size=3))
    return [
        _line(draw, draw(st.sampled_from(shapes)), draw(st.booleans()))
        for _ in range(draw(st.integers(1, 12)))
    ]


def _forget() -> None:
    schema_errors._DESCRIBED_BY_SHAPE.clear()
    schemas._ERRORS_BY_SHAPE.clear()


FORMS = ["either", "force_replace", "update_strategy"]


def _refused(line: bytes, form: str, show: bool) -> tuple[Any, str, Any, LineContext] | None:
    """(record, schema file, schema, context) of a line the form's schema refuses."""
    record = orjson.loads(line)
    filename = schemas.for_form(USER_PROFILE.schema_file, form)
    if schemas.is_valid(filename, record):
        return None
    ctx = LineContext(2, line.rstrip(b"\n"), {}, show)
    return record, filename, schemas.load_schema(filename), ctx


def _findings(line: bytes, form: str, show: bool) -> list[Any] | None:
    refused = _refused(line, form, show)
    if refused is None:
        return None
    record, filename, schema, ctx = refused
    return schema_errors.record_findings(filename, record, schema, ctx)


def _described_anew(line: bytes, form: str, show: bool) -> list[Any] | None:
    refused = _refused(line, form, show)
    if refused is None:
        return None
    record, filename, schema, ctx = refused
    _forget()
    return list(
        schema_errors.schema_findings(schemas.errors(filename, record), record, schema, ctx)
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(same_layout_pairs(), st.sampled_from(FORMS), st.booleans())
def test_findings_remembered_by_shape_are_those_described_anew(
    pair: tuple[bytes, bytes], form: str, show: bool
) -> None:
    first, second = pair
    _forget()
    _findings(first, form, show)  # the memo, warmed by a line of the same keys
    remembered = _findings(second, form, show)
    assert remembered == _described_anew(second, form, show)


# Lines of one shape (the same keys and types) whose other faults read their values.
PAIRS = [
    (
        b'{"compartment_id":1000,"forceReplace":true}',
        b'{"compartment_id":1001,"forceReplace":true}',
    ),
    (b'{"operation":"upsert","zzz":1}', b'{"operation":"Upsert","zzz":1}'),
    (b'{"user_account_id":7,"zzz":1}', b'{"user_account_id":12345678901234567890,"zzz":1}'),
    (b'{"update_strategy":"NOPE","zzz":1}', b'{"update_strategy":"partial_update","zzz":1}'),
    (b'{"email_hash":"","zzz":1}', b'{"email_hash":"e1","zzz":1}'),
    (
        b'{"operation":"UPSERT","user_profile":[],"x":1}',
        b'{"operation":"UPSERT","user_profile":[1],"x":1}',
    ),
    (b'{"a@b.co":1,"x@y.org":2}', b'{"a@b.co":1, "x@y.org":2}'),
]


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("show", [False, True])
def test_findings_of_one_shape_read_each_line_s_values(
    pair: tuple[bytes, bytes], form: str, show: bool
) -> None:
    for first, second in (pair, pair[::-1]):
        for warmed_showing in (show, not show):  # values shown or not: not the same memo
            _forget()
            _findings(first, form, warmed_showing)
            assert _findings(second, form, show) == _described_anew(second, form, show)


def test_a_misspelt_key_is_remembered_and_still_located_per_line() -> None:
    _forget()
    lines = [
        b'{"operation":"UPSERT","email_hash":"e1","forceReplace":true}\n',
        b'{"operation":"UPSERT","email_hash":"e1-longer","forceReplace":false}\n',
        b'{"operation":"UPSERT", "email_hash":"e", "forceReplace" :true}\n',
    ]
    found = [_findings(line, "force_replace", False) for line in lines]
    assert len(schema_errors._DESCRIBED_BY_SHAPE) == 1  # one shape: the same keys and types
    columns = [[(f.column, f.end_column) for _, f in each or []] for each in found]
    assert columns == [[(41, 55)], [(48, 62)], [(42, 56)]]
    assert {f.message for each in found for _, f in each or []} == {
        'unknown field "forceReplace"; did you mean "force_replace"?'
    }


def test_a_value_error_is_not_remembered() -> None:
    _forget()
    _findings(b'{"operation":"UPSERT","email_hash":1,"forceReplace":true}\n', "either", False)
    assert not schema_errors._DESCRIBED_BY_SHAPE


def _old_stamp(
    self: LineChecker,
    found: list[Any],
    body: bytes,
    lineno: int,
    text: str | None = None,
    parsed: Any = linecheck_module.UNPARSED,
) -> list[Diagnostic]:
    """LineChecker.stamp as it was: every diagnostic made, sorted, then marked."""
    if not found:
        return []
    codes = {code for code, _ in found}
    if codes & linecheck_module.LINE_ENDING:
        keep = linecheck_module.LINE_ENDING | linecheck_module.FILE_LEVEL
        found = [(c, x) for c, x in found if c in keep]
    else:
        self.crlf_reported = self.crlf_reported or "MIC003" in codes
    if text is None:
        text = linecheck_module.decode_lenient(body)
    made = [self.diagnostic(c, x, lineno, len(text) + 1, text) for c, x in found]
    kept = sorted((d for d in made if d is not None), key=Diagnostic.sort_key)
    # The findings, as LineChecker.stamp gives them for several diagnostics: the marks then
    # go to the very ones the fixer mends (the session after 1892e92).
    located = [(d.code, d) for d in kept] if len(found) > 1 else None  # d.column, as a finding's
    fixes = self.fix_marks.fixes([d.code for d in kept], body, lineno, parsed, text, located)
    return [d.with_fix(fix) for d, fix in zip(kept, fixes, strict=True)]


CONFIGS = [
    Settings(),
    Settings(show_values=True),
    Settings(selections=(Selection(ignore=("MIC401", "MIC307")),)),
    Settings(profile_form="force_replace"),
    Settings(profile_form="either"),
]


def _shown(lines: list[bytes], config: Settings) -> list[tuple[Diagnostic, str | None]]:
    _forget()
    return [(d, d.fix) for d in lint_lines(lines, "f.ndjson", config)]


@settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files(), st.sampled_from(CONFIGS))
def test_output_is_what_the_uncached_checks_and_old_stamp_give(
    lines: list[bytes], config: Settings
) -> None:
    now = _shown(lines, config)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LineChecker, "stamp", _old_stamp)
        # Nothing remembered from one line to the next: each described anew.
        patch.setattr(schema_errors, "_DESCRIBED_BY_SHAPE", _Forgetful())
        before = _shown(lines, config)
    assert now == before


class _Forgetful(dict[Any, Any]):
    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        return iter(())
