"""What Windows and .NET tools write, as an audit found it: SQL Server's FOR JSON rows and
sqlcmd's frame, .NET's dates, a Ctrl-Z, an export's empty cells; each said for what it is,
and only where it is that (a review's cases)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mics_lint import Settings, lint_lines

PROFILE = {"operation": "UPSERT", "email_hash": "3f2a9c", "force_replace": True}


def _messages(lines: list[str], settings: Settings | None = None) -> list[tuple[str, str]]:
    found = lint_lines([line + "\n" for line in lines], "f.ndjson", settings or Settings())
    return [(d.code, d.message) for d in found]


def test_an_ssms_row_is_named_and_two_records_of_that_length_are_not() -> None:
    records = [{**PROFILE, "user_profile": {"note": "x" * 40, "n": i}} for i in range(60)]
    text = json.dumps(records, separators=(",", ":"))
    row = text[:2033]
    assert row[-1] not in "}]"
    ((code, message),) = _messages([row])
    assert code == "MIC101" and "SQL Server Management Studio" in message
    line = json.dumps({**PROFILE, "user_profile": {"n": "z" * 10}}, separators=(",", ":"))
    filler = json.dumps(
        {**PROFILE, "user_profile": {"n": "z" * (2033 - 2 * len(line) - 1 + 10)}},
        separators=(",", ":"),
    )
    both = filler + "," + line  # two records on one line, 2,033 characters long
    assert len(both) == 2033
    messages = _messages([both])
    assert messages and not any("Management Studio" in m for _, m in messages), messages


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("(12 rows affected)", "sqlcmd's count of rows"),
        ("(1 row affected)", "sqlcmd's count of rows"),
        ("JSON_F52E2B61-18A1-11d1-B105-00805F49916B", "sqlcmd's column header"),
        ("-" * 41, "the line under sqlcmd's column header"),
        ("------------ ----------", "the line under sqlcmd's column header"),
        ("\x1a", "Ctrl-Z (U+001A)"),
    ],
)
def test_what_a_tool_writes_around_the_records_is_named(line: str, said: str) -> None:
    ((code, message),) = _messages([line])
    assert code == "MIC101" and message.startswith(said), message


@pytest.mark.parametrize("line", ["---", "- - - - - - - - - -", '{"a":"(3 rows affected)"}'])
def test_other_lines_are_not_taken_for_sqlcmds(line: str) -> None:
    assert not any("sqlcmd" in m for _, m in _messages([line]))


def test_a_dotnet_date_is_told_its_milliseconds_in_a_time_field_only() -> None:
    line = {"operation": "UPDATE", "user_agent_id": "vec:1", "segment_id": "1"}
    dated = {**line, "expiration_ts": "/Date(1699000000000)/"}
    ((_, message),) = _messages([json.dumps(dated)], Settings(doc_type="segment"))
    assert message.endswith("write 1699000000000 (the milliseconds of .NET's /Date()/)")
    minutes = {**line, "expiration_duration": "/Date(1699000000000)/"}
    ((_, message),) = _messages([json.dumps(minutes)], Settings(doc_type="segment"))
    assert "1699000000000" not in message


def test_a_deletes_null_expiration_may_be_left_out() -> None:
    line = {"operation": "DELETE", "user_agent_id": "vec:1", "segment_id": "1"}
    for key in ("expiration_ts", "expiration_duration"):
        ((code, message),) = _messages([json.dumps({**line, key: None})])
        assert code == "MIC202" and "or leave the key out" in message, message


def test_blank_identifiers_are_empty_cells_too() -> None:
    line = {"operation": "DELETE", "compartment_id": " ", "user_account_id": " "}
    found = _messages([json.dumps({**line, "email_hash": "3f2a9c"})])
    (several,) = [m for c, m in found if c == "MIC302"]
    assert several.endswith("leave out compartment_id and user_account_id)"), several


A = b'{"operation":"DELETE","email_hash":"3f2a9c"}'
B = b'{"operation":"DELETE","email_hash":"7be01d"}'
BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("line", "fixed"),
    [
        (A + BOM + B, [A, B]),  # `cat` of a file without its final newline and one with a BOM
        (A + b" " + BOM + b" " + B, [A, B]),
        (A + BOM, [A]),  # a BOM after the last record: dropped
        (A + BOM + BOM + B, None),  # not one file's start: left as it is
    ],
)
def test_a_byte_order_mark_between_records_is_where_files_were_joined(
    line: bytes, fixed: list[bytes] | None
) -> None:
    import io

    from mics_lint.fix import StreamSink, fix_stream

    lines = [A + b"\n", line + b"\n"]
    ((found,),) = [[d for d in lint_lines(lines, "f.ndjson", Settings()) if d.line == 2]]
    assert found.code == "MIC101"
    if line.endswith(B):
        assert "joined by a byte-order mark (U+FEFF" in found.message
    out = io.BytesIO()
    result = fix_stream(io.BytesIO(b"".join(lines)), StreamSink(out), Settings(), "f.ndjson")
    assert (found.fix == "safe") == (fixed is not None) == (result.fixed["MIC101"] == 1)
    expected = [A, *(fixed or [])] if fixed is not None else [A, line]
    assert out.getvalue() == b"".join(piece + b"\n" for piece in expected)


@pytest.mark.parametrize("ignore", [(), ("MIC002",), ("MIC004",), ("MIC002", "MIC003")])
@pytest.mark.parametrize("fast", [None, 1])
@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_a_byte_order_mark_on_a_blank_first_line_is_marked_as_fix_mends_it(
    ignore: tuple[str, ...], fast: int | None, ending: bytes
) -> None:
    """Windows' editors save a BOM; a file that opens with a blank line then holds it on
    that line. `--fix` removes the line with its BOM, but keeps it, line and all, where
    MIC002 is not selected: the line's MIC004 is then marked for no fix (it was `[*]`)."""
    import io

    from mics_lint.config import Selection
    from mics_lint.fix import StreamSink, fix_stream

    data = BOM + ending + ending + A + ending + B + ending
    settings = Settings(selections=(Selection(ignore=ignore),), fast_path_from=fast)
    found = list(lint_lines(io.BytesIO(data).readlines(), "f.ndjson", settings))
    marked = Counter(d.code for d in found if d.fix == "safe")
    out = io.BytesIO()
    result = fix_stream(io.BytesIO(data), StreamSink(out), settings, "f.ndjson")
    assert marked == result.fixed
    kept = "MIC002" in ignore and "MIC004" not in ignore
    assert [d.line for d in found if d.code == "MIC004" and d.fix is None] == [1] * kept
    assert out.getvalue().startswith(BOM) == ("MIC002" in ignore)


# Files whose held lines the fixer keeps as they are: whitespace alone (MIC008, which no
# fix mends), or a pretty-printed document it cannot mend (cut off, MIC007).
KEPT_AFTER_A_BOM = [
    (BOM, "MIC008"),
    (BOM + b"\n", "MIC008"),
    (BOM + b"\n\n", "MIC008"),
    (BOM + b"\r\n \n", "MIC008"),
    (BOM + b" \n", "MIC008"),
    (BOM + b"\t", "MIC008"),
    (BOM + b'{\n  "operation": "DELETE",\n  "email_hash": \n', "MIC007"),
]


@pytest.mark.parametrize("ignore", [(), ("MIC002",), ("MIC004",)])
@pytest.mark.parametrize(("data", "code"), KEPT_AFTER_A_BOM)
def test_lines_kept_as_they_are_lose_only_the_files_bom(
    data: bytes, code: str, ignore: tuple[str, ...]
) -> None:
    """Lines the fixer keeps as they are keep them so, but for the file's BOM (MIC002,
    marked `[*]`): `--fix` fixes as many problems as were marked. A file of whitespace
    after a BOM lost its blank lines too ("Fixed 2" where one was marked), a cut-off
    document kept its BOM ("Nothing to fix" where one was)."""
    import io

    from mics_lint.config import Selection
    from mics_lint.fix import StreamSink, fix_stream

    settings = Settings(selections=(Selection(ignore=ignore),))
    found = list(lint_lines(io.BytesIO(data).readlines(), "f.ndjson", settings))
    assert code in {d.code for d in found}
    marked = Counter(d.code for d in found if d.fix == "safe")
    out = io.BytesIO()
    result = fix_stream(io.BytesIO(data), StreamSink(out), settings, "f.ndjson")
    assert marked == result.fixed
    assert out.getvalue() == (data if "MIC002" in ignore else data[len(BOM) :])
