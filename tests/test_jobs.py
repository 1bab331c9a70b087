"""`--jobs N` reports exactly what `--jobs 1` reports: same bytes on stdout and stderr, same
exit code.

Large files are split into chunks checked in worker processes, and the parent mends what
crosses a boundary (line numbers, MIC003 once per file, MIC501's first line). The hidden
option `--chunk-size` makes the chunks small, so that files of a few kilobytes are split
into many chunks and every situation can sit right at a boundary. Parallel runs start only
when the input is at least twice the chunk size; each test checks that its files really are
split.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner
from helpers import ALL_FORMATS, installed_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mics_lint import Settings, parallel, tasks
from mics_lint import config as config_module
from mics_lint import merge as merge_module
from mics_lint.cli import cli
from mics_lint.linecheck import LineChecker
from mics_lint.merge import Merger
from mics_lint.userstore import BatchUsers

CHUNK = 300
FORMATS = ("json", "full")
BOM = b"\xef\xbb\xbf"
WIDTH = 120  # every line of the boundary tests is this many bytes, line end included

Outcome = tuple[int, bytes, bytes]


# -- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory (every run below is --isolated from config files)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def invoke(args: Sequence[str], input: bytes | None = None) -> Outcome:
    result = CliRunner().invoke(cli, ["check", "--isolated", *args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    assert b"Traceback" not in result.stderr_bytes
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


def assert_same_as_one_job(
    paths: Sequence[str | Path],
    *options: str,
    chunk: int = CHUNK,
    input: bytes | None = None,
    formats: Sequence[str] = FORMATS,
) -> dict[str, Outcome]:
    """Each format's output with `--jobs 2 --chunk-size chunk` is that of `--jobs 1`."""
    names = [str(p) for p in paths]
    outputs = {}
    for fmt in formats:
        base = ["--output-format", fmt, *options]
        one = invoke(["--jobs", "1", *base, *names], input)
        many = invoke(["--jobs", "2", "--chunk-size", str(chunk), *base, *names], input)
        assert many[0] == one[0], f"{fmt}: exit code {many[0]} with --jobs 2, {one[0]} with 1"
        assert many[2] == one[2], f"{fmt}: stderr differs"
        assert many[1].decode() == one[1].decode(), f"{fmt}: stdout differs"
        assert many == one
        outputs[fmt] = one
    return outputs


def chunks(path: Path | str, chunk: int = CHUNK) -> int:
    """How many pieces `--jobs 2 --chunk-size chunk` checks the file in (1: whole)."""
    size = os.path.getsize(path)
    runner = parallel.Runner(Settings(), 2, chunk)
    return len(runner.plan(str(path), str(path), size))


def records(outputs: dict[str, Outcome]) -> list[dict[str, object]]:
    """The diagnostics of a run's JSON output."""
    found: list[dict[str, object]] = json.loads(outputs["json"][1])
    return found


def fit(text: str | bytes, end: bytes = b"\n", width: int = WIDTH) -> bytes:
    """One line padded with spaces (before its line end) to exactly `width` bytes."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    room = width - len(body) - len(end)
    assert room >= 0, body
    return body + b" " * room + end


def delete(ident: str, kind: str = "user_agent_id") -> str:
    return json.dumps({"operation": "DELETE", kind: ident}, separators=(",", ":"))


def clean_lines(count: int, prefix: str = "vec:") -> list[bytes]:
    return [fit(delete(f"{prefix}{i}")) for i in range(count)]


def boundary_lines(path: Path, chunk: int) -> list[int]:
    """0-based indices of the lines that start a chunk (but the first)."""
    size = path.stat().st_size
    count = max(2, min(size // chunk, 64))
    starts = parallel._boundaries(str(path), size, count)[1:-1]
    assert all(start % WIDTH == 0 for start in starts)
    return [start // WIDTH for start in starts]


# A line for each kind of trouble, all of them shorter than WIDTH.
BAD: list[bytes] = [
    fit(delete("vec:1") + ","),  # MIC101, records separated by commas
    fit(b""),  # MIC004, blank (spaces only)
    fit('{"operation":"delete","email_hash":"jane@example.com"}'),  # MIC203, MIC305
    fit('{"operation":"UPSERT","email_hash":"h1","user_agent_id":"vec:9"}'),  # MIC302/401/402
    fit(delete("vec:3")),  # MIC501: the user of line 4
    fit(b"[1,2]"),  # MIC102
    fit(f"[{delete('vec:6')},{delete('vec:8')}]"),  # MIC102, split by --fix
    fit(b'{"operation":"DELETE","user_agent_id":"\xff\xfe"}'),  # MIC001
    fit(delete("vec:5"), b"\r\n"),  # MIC003 (the first CRLF line), MIC501
    fit('{"operation":"DELETE","email_hash":"a","email_hash":"b"}'),  # MIC103
    fit('{"operation":"UPSERT","email_hash":"h2","force_replace":true,"user_profile":{}}'),
    fit('{"operation":"DELETE","user_agent_id":"89998434","user_profile":{"n":1e999}}'),
    fit('{"operation":"DELETE","user_agent_id":"<USER_AGENT_ID>"}'),
    fit('{"operation":"DELETE","compartment_id":"1000"}'),  # MIC303
    fit('{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}\r'),
    fit(
        '{"operation":"UPSERT","email_hash":"h3","force_replace":false,'
        '"user_profile":{"n":18446744073709551616}}'
    ),
    fit(b"{"),
    fit(b'{"operation":"DELETE",'),
]


# -- bad lines at chunk boundaries ------------------------------------------------------------


@pytest.mark.parametrize("chunk", [160, 300, 700])
@pytest.mark.parametrize("shift", [0, 1, 2])
def test_bad_lines_on_both_sides_of_every_boundary(project: Path, chunk: int, shift: int) -> None:
    path = project / "edges.ndjson"
    lines = clean_lines(70)
    path.write_bytes(b"".join(lines))
    starts = boundary_lines(path, chunk)
    assert len(starts) >= 3
    kinds = iter(BAD[shift:] + BAD[:shift] + BAD)
    for start in starts:
        for index in (start - 1, start):
            lines[index] = next(kinds, fit(delete("vec:7")))
    path.write_bytes(b"".join(lines))
    assert boundary_lines(path, chunk) == starts  # the lines kept their length
    found = records(assert_same_as_one_job([path], chunk=chunk))
    assert len(found) >= len(starts)
    assert sum(d["code"] == "MIC003" for d in found) <= 1


def test_every_kind_of_bad_line_as_a_chunk_s_first_and_last(project: Path) -> None:
    """Each kind of bad line in turn: first line of a chunk, then last line of a chunk."""
    base = clean_lines(40)
    probe = project / "probe.ndjson"
    probe.write_bytes(b"".join(base))
    start = boundary_lines(probe, CHUNK)[1]
    paths = []
    for number, bad in enumerate(BAD):
        for index in (start - 1, start):
            lines = list(base)
            lines[index] = bad
            path = project / f"bad{number:02}-{index}.ndjson"
            path.write_bytes(b"".join(lines))
            paths.append(path)
    assert all(chunks(p) >= 3 for p in paths)
    assert_same_as_one_job(paths)


# -- CRLF, blank lines, the last line, a BOM --------------------------------------------------


def test_a_chunk_starts_in_the_fix_marks_state_of_the_lines_before(project: Path) -> None:
    # Found by the property test below: a comma line after a line that is not UTF-8 is not
    # split by --fix (nor marked); its chunk, starting clean, marked it [*].
    delete = b'{"operation":"DELETE","user_agent_id":"vec:%d"}'
    path = project / "f.ndjson"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + delete % 0
        + b" \n"
        + delete % 1
        + b" \n"
        + b'{"operation":"DELETE","user_agent_id":"\xff\xfe"}'
        + b" " * 76
        + b"\n"
        + delete % 2
        + b","
        + b" " * 72
        + b"\r"
    )
    assert chunks(path, 20) >= 3
    assert_same_as_one_job([path], chunk=20)


def test_crlf_reported_once_per_file(project: Path) -> None:
    lines = clean_lines(60)
    # From line 25 on every line ends with CRLF; the first such line is not JSON, and gets
    # MIC003 all the same (what `--fix` mends there): once, whatever the chunks.
    for index in range(24, 60):
        lines[index] = lines[index][:-2] + b"\r\n"
    lines[24] = fit(b'{"operation":', b"\r\n")
    first = project / "crlf.ndjson"
    first.write_bytes(b"".join(lines))
    every = project / "all-crlf.ndjson"
    every.write_bytes(b"".join(line[:-2] + b"\r\n" for line in clean_lines(40)))
    assert chunks(first) >= 3 and chunks(every) >= 3
    found = records(assert_same_as_one_job([first, every]))
    crlf = [(d["path"], d["line"]) for d in found if d["code"] == "MIC003"]
    assert crlf == [(str(every), 1), (str(first), 25)]


def test_blank_lines_at_the_start_in_the_middle_and_at_the_end(project: Path) -> None:
    lines = [fit(b""), b"\n", b"\r\n", *clean_lines(50), b"\t\n", b"\n"]
    for index in (10, 11, 12, 30, 31):
        lines[index] = b" \n"
    path = project / "blank.ndjson"
    path.write_bytes(b"".join(lines))
    assert chunks(path) >= 3
    found = records(assert_same_as_one_job([path]))
    assert sum(d["code"] == "MIC004" for d in found) >= 8


def test_missing_final_newline(project: Path) -> None:
    valid = project / "valid.ndjson"
    valid.write_bytes(b"".join(clean_lines(40)).rstrip(b"\n"))
    broken = project / "broken.ndjson"
    broken.write_bytes(b"".join(clean_lines(40)) + b'{"operation":"DELETE",')
    crlf = project / "crlf-last.ndjson"
    crlf.write_bytes(b"".join(clean_lines(40)) + delete("vec:x").encode() + b"\r")
    assert all(chunks(p) >= 3 for p in (valid, broken, crlf))
    found = records(assert_same_as_one_job([valid, broken, crlf]))
    # A cut-off last line keeps it (`--fix` adds the newline); a CR alone is MIC003's.
    assert {d["path"] for d in found if d["code"] == "MIC005"} == {str(valid), str(broken)}


@pytest.mark.parametrize(
    "first",
    [delete("vec:first").encode(), b"junk", b"", b"{", b"[", b'{"operation":"DELETE"'],
    ids=["valid", "junk", "blank", "brace", "bracket", "cut"],
)
def test_byte_order_mark(project: Path, first: bytes) -> None:
    path = project / "bom.ndjson"
    path.write_bytes(BOM + first + b"\n" + b"".join(clean_lines(40)))
    found = records(assert_same_as_one_job([path]))
    assert [d["code"] for d in found if d["code"] == "MIC002"] == ["MIC002"]


# -- duplicate users across chunks ------------------------------------------------------------


def test_duplicate_users_name_their_first_line(project: Path) -> None:
    users = [
        ("user_agent_id", "vec:dup"),
        ("email_hash", "3f2a9c"),
        ("account", "CRM-1"),
    ]

    def line(kind: str, ident: str, compartment: str = "1000", extra: str = "") -> bytes:
        if kind == "account":
            text = (
                f'{{"operation":"DELETE","compartment_id":"{compartment}",'
                f'"user_account_id":"{ident}"{extra}}}'
            )
        else:
            text = f'{{"operation":"DELETE","{kind}":"{ident}"{extra}}}'
        return fit(text)

    lines = clean_lines(90)
    expected: dict[int, int] = {}  # line -> the first line it must name
    plan = [
        # (0-based index, user, compartment, extra keys)
        (2, 0, "1000", ""),
        (5, 1, "1000", ',"merge_objects":true'),  # the first line has its own warning
        (8, 2, "1000", ""),
        (9, 2, "2000", ""),  # another compartment: another user
        (20, 0, "1000", ""),  # a later chunk
        (21, 0, "1000", ""),  # the same chunk again
        (40, 1, "1000", ""),
        (41, 2, "2000", ""),
        (60, 2, "1000", ',"user_profile":{}'),  # a duplicate with its own warning
        (88, 1, "1000", ""),
        (89, 0, "1000", ""),  # the last line
    ]
    first_seen: dict[tuple[int, str], int] = {}
    for index, user, compartment, extra in plan:
        kind, ident = users[user]
        lines[index] = line(kind, ident, compartment, extra)
        key = (user, compartment if kind == "account" else "")
        if key in first_seen:
            expected[index + 1] = first_seen[key]
        else:
            first_seen[key] = index + 1
    lines[89] = lines[89].rstrip(b" \n")  # and no final newline
    path = project / "dups.ndjson"
    path.write_bytes(b"".join(lines))
    assert chunks(path) >= 10
    found = records(assert_same_as_one_job([path]))
    named = {
        int(d["line"]): int(str(d["message"]).split("line ")[1].split(":")[0])
        for d in found
        if d["code"] == "MIC501"
    }
    assert named == expected


def test_duplicate_users_with_rules_selected(project: Path) -> None:
    lines = clean_lines(40)
    for index in (3, 17, 18, 35):
        lines[index] = fit(delete("vec:same"))
    path = project / "dups.ndjson"
    path.write_bytes(b"".join(lines))
    for options in (
        ["--select", "MIC501"],
        ["--ignore", "MIC501"],
        ["--severity", "MIC501=error"],
        ["--per-file-ignores", "dups.ndjson:MIC501"],
        ["--statistics"],
    ):
        assert_same_as_one_job([path], *options)


def test_duplicate_users_read_again_from_their_group(project: Path) -> None:
    """The parent reads a later chunk's MIC501 line again from the group of lines its worker
    read it in: any place in a group, a group's first and last, CRLF line ends, non-ASCII
    text, and many lines of one group at once."""
    lines = [fit(delete(f"vec:{i}"), b"\r\n") for i in range(400)]
    # Users of the first chunk's lines again, later: alone, in runs, at every place.
    again = [150, 151, 152, 199, 200, 233, 234, 235, 236, 237, 238, 300, 301, 398, 399]
    for number, index in enumerate(again):
        lines[index] = fit(delete(f"vec:{number}"), b"\r\n")
    lines[151] = fit('{"operation":"DELETE","user_agent_id":"vec:1","x":"é"}', b"\r\n")
    path = project / "dups.ndjson"
    path.write_bytes(b"".join(lines))
    assert chunks(path, 12_000) >= 3
    found = records(assert_same_as_one_job([path], chunk=12_000, formats=("json",)))
    assert sorted(int(str(d["line"])) for d in found if d["code"] == "MIC501") == [
        index + 1 for index in again
    ]


# -- files that are not NDJSON from their first line ------------------------------------------


def commands(count: int) -> list[dict[str, object]]:
    return [
        {"operation": "UPSERT", "email_hash": f"h{i}", "force_replace": False,
         "user_profile": {"n": i}}
        for i in range(count)
    ]  # fmt: skip


def test_pretty_printed_documents(project: Path) -> None:
    array = project / "array.ndjson"
    array.write_text(json.dumps(commands(12), indent=2) + "\n", encoding="utf-8")
    obj = project / "object.ndjson"
    obj.write_text(json.dumps(commands(1)[0] | {"user_profile": commands(6)}, indent=2))
    spaced = project / "spaced.ndjson"
    spaced.write_bytes(b"\n\n" + json.dumps(commands(12), indent=2).encode() + b"\n")
    bom = project / "bom.ndjson"
    bom.write_bytes(BOM + json.dumps(commands(12), indent=2).encode() + b"\n")
    broken = project / "broken.ndjson"
    broken.write_bytes(json.dumps(commands(12), indent=2).encode()[:-40] + b"\n")
    two = project / "two.ndjson"
    two.write_bytes(b"".join(json.dumps(c, indent=2).encode() + b"\n" for c in commands(6)))
    paths = [array, obj, spaced, bom, broken, two]
    assert all(p.stat().st_size >= 2 * CHUNK for p in paths)
    found = records(assert_same_as_one_job(paths))
    assert {d["path"] for d in found if d["code"] == "MIC007"} >= {
        str(p) for p in (array, obj, spaced, bom)
    }


def test_first_lines_all_invalid(project: Path) -> None:
    # More than a whole chunk of broken lines before the first command.
    late = project / "late.ndjson"
    late.write_bytes(b"".join(fit(f"junk {i}") for i in range(12)) + b"".join(clean_lines(30)))
    # A document whose first line is not a lone "{": found only when every line is read.
    doc = project / "doc.ndjson"
    value = commands(1)[0] | {"user_profile": {"items": commands(10)}}
    doc.write_bytes(json.dumps(value, indent=1).replace("{\n", "{", 1).encode())
    compact_doc = project / "compact.ndjson"
    text = json.dumps(commands(10), indent=1).replace("[\n", "[", 1)
    compact_doc.write_bytes(text.encode() + b"\n")
    junk = project / "junk.ndjson"
    junk.write_bytes(b"".join(fit(f"junk {i}") for i in range(30)))
    blank = project / "blank.ndjson"
    blank.write_bytes(b"".join(fit(b"") for _ in range(30)))
    bom_blank = project / "bom-blank.ndjson"
    bom_blank.write_bytes(BOM + b"\n" * 700)
    utf8 = project / "utf8.ndjson"
    utf8.write_bytes(b"{\n" + b'  "a": "\xff",\n' * 60 + b"}\n")
    paths = [late, doc, compact_doc, junk, blank, bom_blank, utf8]
    assert all(p.stat().st_size >= 2 * CHUNK for p in paths)
    assert all(chunks(p) >= 2 for p in (late, compact_doc, junk))
    # One object over all its lines, as a record split over lines is: no chunk starts
    # inside it (parallel._record_start), so it is checked whole.
    assert chunks(doc) == 1
    found = records(assert_same_as_one_job(paths))
    codes = {(d["path"], d["code"]) for d in found}
    assert (str(blank), "MIC008") in codes
    assert {(str(doc), "MIC007"), (str(compact_doc), "MIC007")} <= codes


# -- several files, gzip, standard input, --max-diagnostics -----------------------------------


def several_files(project: Path) -> list[Path]:
    """Files of several kinds, as paths relative to `project` (the working directory)."""
    one = project / "one.ndjson"
    lines = clean_lines(50)
    lines[7] = BAD[3]
    lines[30] = BAD[0]
    lines[31] = fit(delete("vec:7"))
    one.write_bytes(b"".join(lines))
    two = project / "sub" / "two.ndjson"
    two.parent.mkdir()
    lines = clean_lines(45)  # the same users as one.ndjson: not duplicates across files
    lines[0] = lines[0][:-2] + b"\r\n"
    lines[20] = BAD[2]
    two.write_bytes(b"".join(lines))
    small = project / "small.jsonl"
    small.write_bytes(BAD[5] + fit(delete("vec:1")) + fit(delete("vec:1")))
    packed = project / "packed.ndjson.gz"
    lines = clean_lines(40)
    lines[39] = BAD[9]
    packed.write_bytes(gzip.compress(b"".join(lines)))
    empty = project / "empty.ndjson"
    empty.write_bytes(b"")
    return [p.relative_to(project) for p in (one, two, small, packed, empty)]


STDIN = b"".join([BAD[1], fit(delete("vec:1")), BAD[4], fit(delete("vec:1"))]) + b"[]"


def test_several_files_with_gzip_and_stdin(project: Path) -> None:
    paths = several_files(project)
    assert chunks(paths[0]) >= 3 and chunks(paths[1]) >= 3
    outputs = assert_same_as_one_job([*paths, "-"], input=STDIN)
    assert {d["path"] for d in records(outputs)} >= {
        "-", "one.ndjson", "sub/two.ndjson", "small.jsonl", "packed.ndjson.gz", "empty.ndjson",
    }  # fmt: skip
    # A directory, searched for import files, and a name for standard input.
    assert_same_as_one_job([".", "-"], "--stdin-filename", "stdin.ndjson", input=STDIN)


@pytest.mark.parametrize("limit", ["0", "1", "3"])
def test_max_diagnostics(project: Path, limit: str) -> None:
    paths = several_files(project)
    assert_same_as_one_job([*paths, "-"], "--max-diagnostics", limit, input=STDIN)
    assert_same_as_one_job(paths, "--max-diagnostics", limit, "--quiet")


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_output_format(project: Path, fmt: str) -> None:
    path = project / "edges.ndjson"
    lines = clean_lines(60)
    for index, bad in zip(range(3, 60, 4), BAD, strict=False):
        lines[index] = bad
    path.write_bytes(b"".join(lines))
    assert_same_as_one_job([path, *several_files(project)], formats=[fmt])


@pytest.mark.parametrize(
    "options",
    [["--max-file-size", "1000"], ["--select", "MIC0,MIC1"], ["--strict"], ["--exit-zero"]],
    ids=str,
)
def test_other_options(project: Path, options: list[str]) -> None:
    path = project / "edges.ndjson"
    lines = clean_lines(60)
    for index, bad in zip(range(1, 60, 3), BAD, strict=False):
        lines[index] = bad
    path.write_bytes(b"".join(lines))
    assert_same_as_one_job([path], *options)


def _truncated(data: bytes) -> bytes:
    return data[:-30]


def _trailing_garbage(data: bytes) -> bytes:
    return data + b"garbage!"


def _bad_crc(data: bytes) -> bytes:
    return data[:-8] + bytes([data[-8] ^ 1]) + data[-7:]


@pytest.mark.parametrize(
    "spoil", [_truncated, _trailing_garbage, _bad_crc], ids=lambda f: f.__name__
)
def test_a_broken_gzip_file_among_large_files(
    project: Path, spoil: Callable[[bytes], bytes]
) -> None:
    """A .gz that breaks after some lines have been read: `--jobs 1` reports those lines'
    diagnostics, then the read error; a worker must not drop them."""
    big = project / "big.ndjson"
    big.write_bytes(b"".join(clean_lines(40)))
    packed = project / "packed.ndjson.gz"
    packed.write_bytes(
        spoil(gzip.compress(b'{"operation":"DELETE"}\n' + b"".join(clean_lines(40))))
    )
    assert chunks(big) >= 3
    assert_same_as_one_job([big.name, packed.name])


def test_chunks_long_enough_for_the_fast_path(project: Path) -> None:
    """Chunks of a few hundred lines, so that the workers' fast path runs too."""
    lines = [delete(f"vec:{i}").encode() + b"\n" for i in range(1300)]
    for number, index in enumerate(range(150, 1300, 61)):
        lines[index] = BAD[number % len(BAD)]
    for index in (230, 480, 481, 950, 1299):
        lines[index] = delete("vec:210").encode() + b"\n"  # MIC501, naming line 211
    for index in range(700, 1300, 2):
        lines[index] = lines[index].removesuffix(b"\n").rstrip(b"\r ") + b"\r\n"
    path = project / "long.ndjson"
    path.write_bytes(b"".join(lines))
    chunk = 13_000
    assert path.stat().st_size // chunk >= 4
    assert chunks(path, chunk) >= 4
    found = records(assert_same_as_one_job([path], chunk=chunk))
    named = {d["line"] for d in found if "already appeared on line 211" in str(d["message"])}
    assert named >= {231, 481, 482, 951, 1300}
    assert sum(d["code"] == "MIC003" for d in found) == 1


def test_a_chunk_sent_unpacked_names_its_first_lines_as_a_packed_one(project: Path) -> None:
    """A worker sends its diagnostics as they are where they share no path or type
    (merge.Packed.of): their MIC501s are named by the same bulk lookup, each replaced."""
    lines = [fit(delete(f"vec:{i % 7}")) for i in range(40)]
    path = project / "few.ndjson"
    path.write_bytes(b"".join(lines))
    plan = parallel.Runner(Settings(), 2, CHUNK).plan(str(path), str(path), path.stat().st_size)
    assert len(plan) >= 3
    packed = [tasks.check_task(task, Settings()) for task in plan]
    unpacked = [tasks.check_task(task, Settings()) for task in plan]
    for result in unpacked:
        result.diagnostics = list(merge_module.unpacked(result.diagnostics))
    made = list(Merger(plan, Settings()).merge(iter(packed)))
    assert list(Merger(plan, Settings()).merge(iter(unpacked))) == made
    named = [d.message for d in made if d.code == "MIC501"]
    assert len(named) == 33
    assert named[-1].endswith("already appeared on line 5: keep one command per user")


@pytest.mark.parametrize(
    ("data", "options"),
    [
        (
            b'{"operation":"DELETE","email_hash":"b"}\n,\r\r\n{"operation":"DELETE","email_hash":"a"},\n',
            [],
        ),
        (
            b"".join(fit(delete(f"vec:{i}")) for i in range(6))
            + BOM
            + b",\r\r\n"
            + BOM
            + b"\r\r\n"
            + fit(delete("vec:9")),
            ["--ignore", "MIC004"],
        ),
    ],
    ids=["comma-line", "bom-lines"],
)
def test_a_stray_cr_before_a_chunk_is_read_as_one_process_reads_it(
    project: Path, data: bytes, options: list[str]
) -> None:
    """A line ending "\r\r\n" before a chunk: the marks of one process read its stray CR
    as whitespace (the fixer's way), the chunk's look back at it (FixMarks.follow) read
    it as part of the line, so a comma line was broken there, and the next line's MIC101
    lost its `[*]` with --jobs 2 alone (a review of the session after 0990246)."""
    path = project / "cr.ndjson"
    path.write_bytes(data)
    for chunk in (5, 10, 30):
        outputs = assert_same_as_one_job([path], *options, chunk=chunk, formats=("text",))
        assert b"[*]" in outputs["text"][1]


def test_a_few_users_on_every_line_cost_a_worker_and_the_parent_little(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export whose join repeated 20 users over every line: MIC501 on nearly all of
    them. A worker ran the full checks on each (its fast check refused a user seen in its
    chunk), and the parent probed its table and copied the diagnostic for each: `--jobs 2`
    took 36 s where `--jobs 1` took 6.5. A worker now runs MIC501 alone on such a line,
    and the parent names the first lines of a chunk's MIC501s in one lookup."""
    upsert = (
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d",'
        '"force_replace":false,"user_profile":{"n":%d}}\n'
    )
    data = "".join(upsert % (n % 20, n) for n in range(1300)).encode()
    path = project / "joined.ndjson"
    path.write_bytes(data)
    start = data.index(b"\n", len(data) // 3) + 1
    end = data.index(b"\n", 2 * len(data) // 3) + 1
    full = 0
    checked = LineChecker.check_line

    def counted(self: LineChecker, *args: Any, **kwargs: Any) -> Any:
        nonlocal full
        full += 1
        return checked(self, *args, **kwargs)

    monkeypatch.setattr(LineChecker, "check_line", counted)
    result = tasks.check_task(tasks.Task(str(path), str(path), start, end, len(data)), Settings())
    assert result.lines > 400 and result.found is not None and len(result.found) > 400
    assert full <= 5, f"{full} of {result.lines} lines took the full checks"

    one = invoke(["--jobs", "1", "--output-format", "json", "joined.ndjson"])
    found = json.loads(one[1])
    assert sum(d["code"] == "MIC501" for d in found) == 1280
    assert found[-1]["message"].endswith("already appeared on line 20: keep one command per user")
    probes = 0
    probe = BatchUsers.first_line

    def probed(self: BatchUsers, digest: int, lineno: int) -> int:
        nonlocal probes
        probes += 1
        return probe(self, digest, lineno)

    monkeypatch.setattr(BatchUsers, "first_line", probed)  # the parent's merge
    options = ["--jobs", "2", "--chunk-size", "13000", "--output-format", "json"]
    assert invoke([*options, "joined.ndjson"]) == one
    assert probes == 0


# -- random files -------------------------------------------------------------------------------

POOL = [
    *(fit(delete(f"vec:{i}"), width=w) for i in range(4) for w in (48, 60, 90)),
    *(fit(delete(f"h{i}", "email_hash")) for i in range(3)),
    *(line[:-1] + b"\r\n" for line in BAD[:6]),
    *BAD,
    b"\n",
    b"\r\n",
    b"{\n",
    b"[\n",
    b"  \n",
]


@st.composite
def random_file(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.sampled_from(POOL), min_size=4, max_size=45))
    data = b"".join(lines)
    if draw(st.integers(0, 9)) == 0:
        data = BOM + data
    if draw(st.integers(0, 5)) == 0:
        data = data.rstrip(b"\n")
    return data


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=random_file(),
    other=st.one_of(st.none(), random_file()),
    fast_from_first_line=st.booleans(),
    pick=st.data(),
)
def test_random_files_and_chunk_sizes(
    project: Path,
    data: bytes,
    other: bytes | None,
    fast_from_first_line: bool,
    pick: st.DataObject,
) -> None:
    folder = Path(tempfile.mkdtemp(dir=project))
    files = [data] if other is None else [data, other]
    paths = []
    for number, content in enumerate(files):
        path = folder / f"f{number}.ndjson"
        path.write_bytes(content)
        paths.append(path)
    total = sum(len(f) for f in files)
    chunk = pick.draw(st.integers(min_value=20, max_value=max(20, total // 2)), label="chunk")
    with contextlib.chdir(folder), fast_path_from(1 if fast_from_first_line else None):
        assert_same_as_one_job([p.name for p in paths], chunk=chunk)


@contextlib.contextmanager
def fast_path_from(line: int | None) -> Iterator[None]:
    """Start the engine's fast path at `line`, in this process and in forked workers."""
    forked = multiprocessing.get_start_method() == "fork"
    if line is None or not forked:
        yield
        return
    with mock.patch.object(config_module, "DEFAULT_FAST_PATH_FROM", line):
        yield


# -- the installed command, in real processes --------------------------------------------------

COMMAND = installed_command()


@pytest.mark.skipif(COMMAND is None, reason="the mics-lint console script is not installed")
def test_installed_command_with_two_jobs(tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson"
    lines = clean_lines(120)
    for index, bad in zip(range(5, 120, 6), BAD, strict=False):
        lines[index] = bad
    lines[100] = fit(delete("vec:3"))
    path.write_bytes(b"".join(lines))
    assert chunks(path, 500) >= 10
    assert COMMAND is not None
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    runs = []
    for jobs in (["--jobs", "1"], ["--jobs", "2", "--chunk-size", "500"]):
        for fmt in FORMATS:
            done = subprocess.run(
                [COMMAND, "check", "--isolated", "--output-format", fmt, *jobs, path.name],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                timeout=120,
                check=False,
            )
            runs.append((done.returncode, done.stdout, done.stderr))
    assert runs[2:] == runs[:2]
    assert runs[0][0] == 1
    assert b"already appeared on line 4" in runs[0][1]


def test_a_stopped_pool_is_woken_quietly_at_exit() -> None:
    """At exit, Python 3.11 wakes a pool's manager thread without the lock that orders it
    with the thread's own closing of the pipe: a write to the pipe just closed under it
    raised, and the traceback reached the user ("Bad file descriptor", a stop under load).
    The race is played here: the pipe closed after the wake-up's check."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(1)
    assert pool.submit(int, "1").result() == 1
    wakeup = pool._executor_manager_thread_wakeup  # type: ignore[attr-defined]
    manager = pool._executor_manager_thread  # type: ignore[attr-defined]
    parallel._stop(pool)
    assert not manager.is_alive()  # waited for
    wakeup._writer.close()
    wakeup._closed = False  # as seen by the exit's call, before the thread's close
    wakeup.wakeup()


_WORKERS_SEE_NUMPY = """
import sys
from mics_lint import parallel, tasks
from mics_lint.config import Selection, Settings

checked = tasks.check_task


def check_task(task, settings):  # in a worker: did it fork with numpy?
    with open(sys.argv[2], "a") as seen:
        seen.write("yes\\n" if "numpy" in sys.modules else "no\\n")
    return checked(task, settings)


tasks.check_task = check_task
selections = (Selection(ignore=("MIC501",)),) if sys.argv[3] == "ignore" else ()
runner = parallel.Runner(Settings(selections=selections), 2, 8192)
for found in runner.lint([(sys.argv[1], sys.argv[1])]):
    list(found)
"""


@pytest.mark.parametrize(("rules", "expected"), [("all", {"yes"}), ("ignore", {"no"})])
def test_workers_fork_with_numpy_where_the_parent_merges_users(
    tmp_path: Path, rules: str, expected: set[str]
) -> None:
    """A split file's users are merged in numpy's table (MIC501): numpy is imported before
    the workers fork, so that their long-integer screen is numpy's, never imported by
    each; without MIC501 nobody needs it, and nobody pays for its import."""
    path = tmp_path / "many.ndjson"
    path.write_bytes(b"".join(clean_lines(2000)))
    assert chunks(path, 8192) >= 8
    seen = tmp_path / "seen.txt"
    subprocess.run(
        [sys.executable, "-c", _WORKERS_SEE_NUMPY, str(path), str(seen), rules],
        check=True,
        timeout=120,
    )
    assert len(seen.read_text().split()) == chunks(path, 8192)
    assert set(seen.read_text().split()) == expected


@pytest.mark.parametrize("options", [[], ["--ignore", "MIC101"]])
def test_a_user_repeated_inside_a_split_record_of_a_later_chunk(
    project: Path, options: list[str]
) -> None:
    """A record split over lines whose inner line repeats a user of an earlier chunk: its
    lines' diagnostics give way to the record's, the MIC501 the merge adds too (as in one
    process), whether MIC101 is shown or not; its user still counts for the lines after."""
    lines = clean_lines(90)
    lines[3] = fit(delete("vec:same"))
    lines[60:61] = [b'{"x":\n', b" " + fit(delete("vec:same")), b"}\n"]
    lines[70] = fit(delete("vec:same"))
    lines[80:81] = [b'{"x":\n', b" " + fit(delete("vec:inner")), b"}\n"]
    lines[85] = fit(delete("vec:inner"))
    path = project / "split.ndjson"
    path.write_bytes(b"".join(lines))
    assert chunks(path) >= 10
    found = records(assert_same_as_one_job([path], *options))
    named = {int(d["line"]): str(d["message"]) for d in found if d["code"] == "MIC501"}
    assert sorted(named) == [71, 86]
    assert "line 4:" in named[71] and "line 82:" in named[86]


@pytest.mark.parametrize(
    ("data", "options"),
    [
        # The line before a chunk parses alone, but inside a record split over lines: the
        # state at the chunk is the record's (joined by the fixer), not that line's.
        (b'{}\n{"x":\n {}\n}\n{},\n', []),
        (b'{}\n{"x":\n[1,\n2]\n}\n{},\n', []),
        # A line over max-line-bytes before a chunk: the reader cuts it (MIC010 alone),
        # which leaves the fixer's state clean, as a line that parses does.
        (b'{}\n{"a":"' + b"y" * 300 + b"\n{},\n{}\n", ["--max-line-bytes", "300"]),
        # No line before a chunk parsed alone: one process looks for split records only
        # from the first line that does, so `{"a":` and `1}` are two broken lines.
        (b'{"a\n{"a\n{"a":\n1}\n{}\n{"b":\n2}\n', []),
        (b'{"a\n{"x":\n %s\n}\n%s\n' % (delete("vec:1").encode(), delete("vec:1").encode()), []),
        (b'{"a\n{"a\n{"a":\n1},\n{},\n{"a":\n1},\n', []),
    ],
)
def test_chunk_starts_after_odd_lines(project: Path, data: bytes, options: list[str]) -> None:
    """Found by fuzzing `--jobs 2` with chunks of one line against `--jobs 1`."""
    path = project / "odd.ndjson"
    path.write_bytes(data)
    assert_same_as_one_job([path], *options, chunk=1)


@pytest.mark.parametrize(("broken", "again"), [(0, 0), (20, 1)])
def test_a_chunk_is_checked_again_only_after_chunks_of_broken_lines(
    project: Path, monkeypatch: pytest.MonkeyPatch, broken: int, again: int
) -> None:
    """The parent checks a chunk again only where no line before it parsed alone and the
    chunk found a split record before its own first such line: never in a usual file."""
    lines = [fit(b'{"a') for _ in range(broken)] + clean_lines(40)
    lines[broken + 30 : broken + 31] = [fit(b'{"x":'), fit(b"1}")]
    if broken:  # the split record opens the second chunk, before any line parses alone
        lines[broken : broken + 1] = [fit(b'{"x":'), fit(b"1}")]
    path = project / "late.ndjson"
    path.write_bytes(b"".join(lines))
    plan = parallel.Runner(Settings(), 2, CHUNK).plan(str(path), str(path), path.stat().st_size)
    assert len(plan) >= 10
    assert_same_as_one_job([path])
    results = [tasks.check_task(task, Settings()) for task in plan]
    checked = []
    check_task = tasks.check_task
    monkeypatch.setattr(tasks, "check_task", lambda t, s: checked.append(t) or check_task(t, s))
    list(Merger(plan, Settings()).merge(iter(results)))
    assert [task.watch for task in checked] == [True] * again


# -- a file replaced while its chunks are checked --------------------------------------------


def test_a_file_replaced_during_the_run_is_refused_not_mixed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker opens the file anew for its chunk: a file put in its place meanwhile (an
    exporter's atomic replace) gave a report of pieces of both files, exit 1 and no word
    (a hostile-input review). Now the chunks of another file are refused: exit 2."""
    line = b'{"operation":"DELETE","email_hash":"%06d"}\n'
    (project / "a.ndjson").write_bytes(b"".join(line % i for i in range(200)))
    (project / "b.tmp").write_bytes(b"".join(b"[%06d]\n" % i for i in range(400)))
    assert chunks("a.ndjson") > 2
    planned = parallel.Runner.plan

    def plan(self: parallel.Runner, path: str, display: str, size: int | None) -> list[Any]:
        made = planned(self, path, display, size)
        os.replace(project / "b.tmp", project / "a.ndjson")  # once planned, before any chunk
        return made

    monkeypatch.setattr(parallel.Runner, "plan", plan)
    code, out, err = invoke(["--jobs", "2", "--chunk-size", str(CHUNK), "a.ndjson"])
    assert code == 2
    assert b"MIC102" not in out  # nothing of the new file's lines (arrays)
    assert b"changed while it was checked" in err


def test_a_file_only_touched_during_the_run_is_checked(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup or sync tool that touches the file changes nothing a chunk reads: not
    refused (a review found it was, by the time of change)."""
    line = b'{"operation":"DELETE","email_hash":"%06d"}\n'
    (project / "a.ndjson").write_bytes(b"".join(line % (i % 150) for i in range(200)))
    expected = invoke(["--jobs", "1", "a.ndjson"])
    planned = parallel.Runner.plan

    def plan(self: parallel.Runner, path: str, display: str, size: int | None) -> list[Any]:
        made = planned(self, path, display, size)
        os.utime(project / "a.ndjson", (1, 1))
        return made

    monkeypatch.setattr(parallel.Runner, "plan", plan)
    assert invoke(["--jobs", "2", "--chunk-size", str(CHUNK), "a.ndjson"]) == expected


def _task(name: str, start: int = 0, end: int = -1) -> tasks.Task:
    return tasks.Task(name, name, start, end)


def test_small_whole_files_are_batched_in_order() -> None:
    """Small whole files go to a worker several at a time (a task costs the pool about as
    much as a small file); a chunk, a large file and one of unknown size go alone; the
    order of the tasks is kept."""
    quarter, big = tasks.BATCH_BYTES // 4, tasks.BATCH_BYTES
    chunked = [_task("c", 0, 10), _task("c", 10, 20)]
    names = "abdefghijkl"
    plans = [[_task(n)] for n in "ab"] + [chunked] + [[_task(n)] for n in "defghijkl"]
    sizes = [quarter, quarter, 5000, quarter, None, 0, quarter, quarter, quarter, quarter]
    sizes += [quarter, big]  # k: one quarter too many for f's batch; l: large
    assert len(plans) == len(sizes) == len(names) + 1
    batches = tasks.batched(plans, sizes)
    assert [[t.path for t in batch] for batch in batches] == [
        ["a", "b"],
        ["c"],
        ["c"],
        ["d"],
        ["e"],
        ["f", "g", "h", "i", "j"],  # 0 and four quarters: full
        ["k"],
        ["l"],
    ]
    assert [t for batch in batches for t in batch] == [t for plan in plans for t in plan]
    many = tasks.batched([[_task(str(n))] for n in range(600)], [1] * 600)
    assert [len(batch) for batch in many] == [tasks.BATCH_FILES, tasks.BATCH_FILES, 88]
    # Read over a network, URLs are read by the workers side by side: never batched.
    urls = [[_task(f"s3://bucket/{n}.ndjson")] for n in range(3)]
    assert [len(batch) for batch in tasks.batched(urls, [100] * 3)] == [1, 1, 1]


@pytest.mark.parametrize("chunk", [100, 500], ids=["chunked", "batched"])
def test_a_task_that_fails_in_a_batch_fails_alone(
    project: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """An unexpected error in one file (in a batch of small files, or in one of a file's
    chunks) is raised where that file's results are due: the files before it report as
    they would alone, and the files after it keep their own results (a caller that goes
    on, as the Python API's may)."""
    names = []
    for n in range(6):
        path = project / f"g{n}.ndjson"
        path.write_bytes(b"".join(clean_lines(2)) + b"{bad json\n" * (n + 1))
        names.append(str(path))
    checked = tasks.check_task

    def failing(task: tasks.Task, settings: Settings) -> tasks.Result:
        if task.path.endswith("g1.ndjson"):
            raise RuntimeError("boom in g1")
        return checked(task, settings)

    monkeypatch.setattr(tasks, "check_task", failing)  # the workers fork with it
    monkeypatch.setattr(tasks, "BATCH_FILES", 2)
    runner = parallel.Runner(Settings(), 2, chunk)
    plans = [runner.plan(n, n, os.path.getsize(n)) for n in names]
    assert all((len(plan) > 1) is (chunk == 100) for plan in plans)
    files = runner.lint([(n, Path(n).name) for n in names])
    found: list[object] = []
    for _ in names:
        try:
            found.append(sorted({(d.path, d.code) for d in next(files)}))
        except RuntimeError as exc:
            found.append(str(exc))
    files.close()
    assert found == [
        [("g0.ndjson", "MIC101")],
        "boom in g1",
        *[[(f"g{n}.ndjson", "MIC101")] for n in range(2, 6)],
    ]


def test_many_small_files_through_the_pool(project: Path) -> None:
    """Files batched together report as they do one by one: a bad line, a duplicate user
    (never across files), an empty file, a binary one and a broken .gz among them."""
    names = []
    for n in range(40):
        lines = clean_lines(3, prefix="vec:")
        if n % 7 == 3:
            lines[1] = BAD[n % len(BAD)]
        path = project / f"part-{n:03d}.ndjson"
        path.write_bytes(b"".join(lines))
        names.append(path.name)
    (project / "part-010.ndjson").write_bytes(b"")
    (project / "part-020.ndjson").write_bytes(b"\x00\x01\x02binary\xff")
    (project / "part-030.ndjson.gz").write_bytes(b"\x1f\x8b not gzip")
    names.append("part-030.ndjson.gz")
    sizes = [os.path.getsize(project / n) for n in names]
    assert sum(sizes) >= 2 * CHUNK  # the pool runs
    outputs = assert_same_as_one_job(names)
    assert {d["path"] for d in records(outputs)} >= {"part-010.ndjson", "part-020.ndjson"}
