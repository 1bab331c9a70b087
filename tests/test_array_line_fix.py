"""MIC102's fix: a JSON array of commands written on one line (`json.dump(commands, f)`)
split into one line per element, each element's text kept as it was written; anything
else MIC102 reports left as it is, and the `[*]` marks of `check` promising exactly that.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from helpers import run_cli

from mics_lint.config import Selection, Settings
from mics_lint.fix import StreamSink, fix_stream, same_value
from mics_lint.jsontext import parse_exact
from mics_lint.linter import lint_stream
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import REGISTRY

A = '{"operation":"DELETE","user_agent_id":"vec:1"}'
B = '{"operation":"DELETE","user_agent_id":"vec:2"}'
C = '{"operation":"DELETE","email_hash":"3f2a9c"}'


def _fix(data: bytes, settings: Settings | None = None) -> bytes:
    out = io.BytesIO()
    fix_stream(io.BytesIO(data), StreamSink(out), settings or Settings(), "f.ndjson")
    return out.getvalue()


def _marks(data: bytes, settings: Settings | None = None) -> dict[int, str | None]:
    """Each MIC102's fix, by its line."""
    found = lint_stream(io.BytesIO(data), "f.ndjson", settings or Settings())
    return {d.line: d.fix for d in found if d.code == "MIC102"}


def _run(args: list[str], cwd: Path) -> tuple[int, str]:
    code, out, err = run_cli(args, cwd)
    return code, out + err


def test_an_array_of_commands_on_one_line_is_split() -> None:
    data = f"{C}\n[{A},{B}]\n{C}\n".encode()
    assert _fix(data) == f"{C}\n{A}\n{B}\n{C}\n".encode()


def test_an_array_of_one_command_is_its_command() -> None:
    assert _fix(f"[{A}]\n".encode()) == f"{A}\n".encode()


def test_each_element_keeps_its_exact_text() -> None:
    # json.dump's spaces, a 30-digit integer (a float to orjson), escapes, non-ASCII text
    # and a key order no sort gives: each element is written as it was.
    first = (
        '{"user_profile": {"card": 123456789012345678901234567890, "note": "a \\"b\\" '
        '\\u00e9 \\ud83d\\ude00", "city": "Zürich"}, "operation": "UPSERT", '
        '"user_account_id": "CRM-7", "compartment_id": "1000", "force_replace": false}'
    )
    second = '{"operation":"DELETE","user_agent_id":"vec:\\u00e9"}'
    data = f"[{first}, {second}]\n".encode()
    fixed = _fix(data)
    assert fixed == f"{first}\n{second}\n".encode()
    records = [parse_exact(line) for line in fixed.decode("utf-8").splitlines()]
    assert same_value(records, parse_exact(data.decode("utf-8")))
    assert records[0]["user_profile"]["card"] == 123456789012345678901234567890


def test_crlf_line_ends() -> None:
    data = f"[{A},{B}]\r\n{C}\r\n".encode()
    assert _fix(data) == f"{A}\n{B}\n{C}\n".encode()  # MIC003 fixed too
    kept_crlf = Settings(selections=(Selection(ignore=("MIC003",)),))
    assert _fix(data, kept_crlf) == f"{A}\r\n{B}\r\n{C}\r\n".encode()


def test_a_gzip_file_is_split_and_written_back_gzipped(tmp_path: Path) -> None:
    target = tmp_path / "export.ndjson.gz"
    target.write_bytes(gzip.compress(f"[{A},{B}]\n".encode()))
    code, out = _run(["check", "--isolated", "--fix", "export.ndjson.gz"], tmp_path)
    assert (code, gzip.decompress(target.read_bytes())) == (0, f"{A}\n{B}\n".encode())
    assert "Fixed 1 problem in 1 file." in out


def test_only_an_array_of_objects_is_split() -> None:
    kept = [
        "[]",
        f"[{A},1]",
        f'["vec:1",{A}]',
        f"[{A},[{B}]]",
        f"[{A},null]",
        '["vec:1","vec:2"]',
        "[1,2]",
        '"vec:1"',
        "42",
    ]
    data = "\n".join([f"[{A},{B}]", *kept, ""]).encode()
    assert _fix(data) == "\n".join([A, B, *kept, ""]).encode()
    marks = _marks(data)
    assert marks == {1: FIX_SAFE, **{n: None for n in range(2, len(kept) + 2)}}


def test_a_second_fix_finds_nothing(tmp_path: Path) -> None:
    target = tmp_path / "f.ndjson"
    target.write_text(f"[{A},{B}]\n[{C}]\n", encoding="utf-8")
    args = ["check", "--isolated", "--fix", "f.ndjson"]
    code, out = _run(args, tmp_path)
    assert (code, "Fixed 2 problems in 1 file." in out) == (0, True)
    fixed = target.read_bytes()
    assert fixed == f"{A}\n{B}\n{C}\n".encode()
    code, out = _run(args, tmp_path)
    assert (code, "Nothing to fix." in out, target.read_bytes()) == (0, True, fixed)


def test_the_marks_promise_what_fix_does() -> None:
    # Each line alone: marked [*] exactly when --fix rewrites it, and its count with it.
    lines = {
        f"[{A},{B}]": True,
        f"[{A}]": True,
        f"[ {A} , {B} ]": True,
        '[{"operation":"DELETE","compartment_id":1000,"user_account_id":"a"}]': True,
        f"[{A},{{}}]": True,  # an empty object is an object: MIC201 reports it once split
        f'[{A},{{"operation":"DELETE","email_hash":"a","n":123456789012345678901234567890}}]': True,
        "[]": False,
        f"[{A},2]": False,
        '[{"a":1},"b"]': False,
        "[[]]": False,
    }
    for line, fixable in lines.items():
        data = f"{C}\n{line}\n".encode()
        marked = _marks(data)[2] is not None
        changed = _fix(data) != data
        assert (line, marked, changed) == (line, fixable, fixable)


def test_split_whatever_the_line_before() -> None:
    # Unlike MIC101's split, which keeps a line after a broken one whole (it may be the
    # inside of a value spread over lines), a whole array is split: no state to carry.
    broken = '{"operation":"DELETE",'
    data = f"{broken}\n[{A},{B}]\n{broken}\n{C},{C}\n".encode()
    found = lint_stream(io.BytesIO(data), "f.ndjson", Settings())
    assert [(d.line, d.code, d.fix) for d in found] == [
        (1, "MIC101", None),
        (2, "MIC102", FIX_SAFE),
        (3, "MIC101", None),
        (4, "MIC101", None),
    ]
    assert _fix(data) == f"{broken}\n{A}\n{B}\n{broken}\n{C},{C}\n".encode()


def test_not_fixed_when_mic102_is_not_selected() -> None:
    data = f"[{A},{B}]\n".encode()
    assert _fix(data) == f"{A}\n{B}\n".encode()
    ignored = Settings(selections=(Selection(ignore=("MIC102",)),))
    assert _fix(data, ignored) == data


def test_an_associations_identifiers_are_not_split() -> None:
    # An array of typed identifiers is one user's list without its wrapper (MIC908): a line
    # each would part them. An array of association lines is split as any other.
    user = '{"identifiers":[{"type":"USER_AGENT","user_agent_id":"vec:1"}]}'
    bare = '[{"type":"USER_EMAIL","hash":"3f2a9c"},{"type":"USER_AGENT","user_agent_id":"vec:2"}]'
    data = f"{user}\n[{user},{user}]\n{bare}\n".encode()
    assert _fix(data) == f"{user}\n{user}\n{user}\n{bare}\n".encode()
    assert _marks(data) == {2: FIX_SAFE, 3: None}


def test_the_counts_say_one_object_in_the_singular() -> None:
    found = list(lint_stream(io.BytesIO(f"[{A}]\n".encode()), "f.ndjson", Settings()))
    assert [d.message for d in found] == [
        "the line is a JSON array of 1 object, not one command: put each command on a line "
        "of its own"
    ]
    pretty = json.dumps([json.loads(A)], indent=2).encode() + b"\n"
    found = list(lint_stream(io.BytesIO(pretty), "f.ndjson", Settings()))
    assert [d.code for d in found] == ["MIC007"]
    assert found[0].message.startswith("the file is a JSON array of 1 value spread over 6 lines")


def test_the_rule_declares_its_fix() -> None:
    rule = REGISTRY["MIC102"]
    assert (rule.fix, rule.fix_always) == (FIX_SAFE, False)
    assert "Fix: safe, applied by `--fix`; available sometimes" in rule.fix_text


def test_a_byte_order_mark_before_the_array() -> None:
    data = f"\ufeff[{A},{B}]\n".encode()
    assert _marks(data) == {1: FIX_SAFE}
    assert _fix(data) == f"{A}\n{B}\n".encode()  # MIC002 fixed too
