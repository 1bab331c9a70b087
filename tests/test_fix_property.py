"""`--fix` never changes a record: random valid commands, their framing broken in random
ways, fixed; the records read back must be the originals, in order, and a second fix must
change nothing. MICS_LINT_FUZZ_EXAMPLES sets the number of examples (default 200)."""

from __future__ import annotations

import io
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mics_lint.config import Settings
from mics_lint.fix import StreamSink, fix_stream, same_value
from mics_lint.jsontext import parse_exact
from mics_lint.linter import lint_stream
from mics_lint.rules.tables import table

EXAMPLES = int(os.environ.get("MICS_LINT_FUZZ_EXAMPLES", "200"))
# String fields of the schema: an integer there is MIC202's, which --fix quotes.
_IDENTIFIERS = ("compartment_id", "user_account_id", "email_hash", "user_agent_id")
_FRAMING = {"MIC002", "MIC003", "MIC004", "MIC005", "MIC007", "MIC101", "MIC102"}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)


def _command(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: str(v) if k in _IDENTIFIERS and type(v) in (int, float) else v for k, v in record.items()
    }


commands = st.lists(
    st.dictionaries(
        st.sampled_from(["operation", "email_hash", "user_profile", *"abcdef", "é", "k\n"]),
        values,
        max_size=5,
    ).map(_command),
    min_size=1,
    max_size=8,
)


def _dump(record: Any, ascii_only: bool, spaced: bool) -> str:
    separators = (", ", ": ") if spaced else (",", ":")
    return json.dumps(record, ensure_ascii=ascii_only, separators=separators)


@st.composite
def broken_files(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bytes]:
    records = draw(commands)
    ascii_only = draw(st.booleans())
    spaced = draw(st.booleans())
    shapes = ["lines", "lines", "lines", "array", "array-line", "pretty-run", "pretty"]
    shape = draw(st.sampled_from(shapes))
    if not records[0] and shape != "array":
        shape = "lines"  # `{}` prints on one line: that file is NDJSON, not a document
    if shape in ("array", "pretty-run", "pretty") and any(table(r) is not None for r in records):
        # A pandas table pretty-printed (`{"operation": {"0": null}}`) is left as it is
        # (MIC007 names it, MIC105 would say its line is no command): no record to keep.
        shape = "lines"
    crlf = draw(st.booleans())
    newline = "\r\n" if crlf else "\n"
    if shape == "array":
        text = json.dumps(records, ensure_ascii=ascii_only, indent=draw(st.sampled_from([1, 2])))
        text = text.replace("\n", newline) + newline
    elif shape == "array-line":  # json.dump(commands, f): MIC102's
        text = _dump(records, ascii_only, spaced) + newline
    elif shape == "pretty-run" or (shape == "pretty" and len(records) == 1):
        parts = [json.dumps(r, ensure_ascii=ascii_only, indent=2) for r in records]
        text = newline.join(p.replace("\n", newline) for p in parts) + newline
    else:
        lines = [_dump(r, ascii_only, spaced) for r in records]
        text = ""
        for index, line in enumerate(lines):
            text += draw(st.sampled_from(["", "", "", newline, "  " + newline, "\t" + newline]))
            text += line
            last = index == len(lines) - 1
            joint = draw(st.sampled_from(["newline", "newline", "comma", "space", "comma-space"]))
            if last or joint == "newline":
                text += newline
            elif joint == "comma":
                text += "," + newline
            elif joint == "space":
                text += " "
            else:
                text += ", "
        if draw(st.booleans()):
            text = text.removesuffix(newline)  # no final newline
    data = text.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return records, data


def _fix(data: bytes) -> bytes:
    out = io.BytesIO()
    fix_stream(io.BytesIO(data), StreamSink(out), Settings(), "f.ndjson")
    return out.getvalue()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(broken_files())
def test_fixing_keeps_every_record_in_order(case: tuple[list[dict[str, Any]], bytes]) -> None:
    records, data = case
    fixed = _fix(data)
    lines = fixed.split(b"\n")
    assert lines[-1] == b""  # ends with a newline
    found = [parse_exact(line.decode("utf-8")) for line in lines[:-1]]
    assert len(found) == len(records)
    for got, want in zip(found, records, strict=True):
        assert same_value(got, want)
    assert _fix(fixed) == fixed  # nothing left to fix
    left = {d.code for d in lint_stream(io.BytesIO(fixed), "f.ndjson", Settings())}
    assert not left & _FRAMING
