"""What a held-out review of `--fix` found (the session after fce3ba4): a safe fix that
traded an error for a warning, and a fix the docs say is never made. Each case holds the
`[*]` marks of a check to what `--fix` then does, on a short file and past the first
lines (the fast path)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import run_cli, write

from mics_lint import Settings, lint_file
from mics_lint.merge import unpacked
from mics_lint.tasks import Task, check_task


def marks(path: Path, **options: object) -> list[tuple[int, str, str | None]]:
    settings = Settings(**options)  # type: ignore[arg-type]
    return [(d.line, d.code, d.fix) for d in lint_file(str(path), settings)]


def fixed(path: Path, *args: str) -> tuple[str, bytes]:
    _, out, err = run_cli(["check", "--isolated", "--fix", *args, path.name], path.parent)
    assert err == "", err
    return out, path.read_bytes()


def chunk_marks(tmp_path: Path, lines: list[str], first: int) -> list[tuple[int, str, str | None]]:
    """The marks of a --jobs chunk that starts at `lines[first]` (its lines numbered from 2),
    held to one process's marks of the same lines."""
    path = write(tmp_path / "p.ndjson", *lines)
    data = path.read_bytes()
    start = sum(len(line.encode()) + 1 for line in lines[:first])
    whole = [(d.line - first + 1, d.code, d.fix) for d in lint_file(str(path), Settings())]
    chunk = check_task(Task(str(path), str(path), start, len(data), len(data)), Settings())
    made = [(d.line, d.code, d.fix) for d in unpacked(chunk.diagnostics)]
    assert made == [m for m in whole if m[0] > 1]
    return made


def test_a_negative_compartment_id_is_not_quoted(tmp_path: Path) -> None:
    """`-5` quoted is `"-5"`, which MIC308 reports as a warning only: the file passed CI
    after a safe fix. Left as it is, its MIC202 error stays, unmarked; `5` is quoted."""
    negative = '{"operation":"DELETE","compartment_id":-5,"user_account_id":"CRM-2"}'
    positive = '{"operation":"DELETE","compartment_id":5,"user_account_id":"CRM-2"}'
    zero = '{"operation":"DELETE","compartment_id":0,"user_account_id":"CRM-2"}'
    signed = zero.replace(":0,", ":-0,")  # `str` of its value writes 0: asked of the text
    short = write(tmp_path / "short.ndjson", negative, positive, zero, signed)
    assert [fix for _, _, fix in marks(short)] == [None, "safe", "safe", None]
    out, data = fixed(short)
    assert data.splitlines() == [
        negative.encode(),
        positive.replace(":5,", ':"5",').encode(),
        zero.replace(":0,", ':"0",').encode(),
        signed.encode(),
    ]
    assert "Fixed 2 problems" in out
    # Every line of an export so: the fast path's loose lines, marked as the fixer fixes.
    many = write(
        tmp_path / "many.ndjson", *[negative.replace("CRM-2", f"C{n}") for n in range(600)]
    )
    assert {fix for _, _, fix in marks(many)} == {None}
    assert {fix for _, _, fix in marks(many, fast_path_from=1)} == {None}
    out, data = fixed(many)
    assert b'"compartment_id":-5' in data and "Fixed" not in out


def test_a_user_point_id_in_an_identifiers_deletion_is_not_quoted(tmp_path: Path) -> None:
    """docs/fixing.md: not a `user_point_id`, which digits never fill (a UUID); it was in a
    user points deletion, not in an identifiers deletion."""
    line = '{"type":"USER_POINT","user_point_id":123}'
    path = write(tmp_path / "ids.ndjson", line)
    found = marks(path, doc_type="identifiers-deletion")
    assert ("MIC202" in {code for _, code, _ in found}) and {f for _, _, f in found} == {None}
    _, data = fixed(path, "--doc-type", "identifiers-deletion")
    assert data == (line + "\n").encode()


def test_a_chunk_after_a_line_that_is_no_json_marks_as_one_process(tmp_path: Path) -> None:
    """--jobs 2: a chunk whose line before is two records on one line read it first, for
    the fixer's state (`follow`), which made the marks before the run had its splitter: a
    record split over lines in that chunk was then no split record to the marks, and the
    comma line after it lost its `[*]`."""
    record = '{"operation":"DELETE","email_hash":"h%d"}'
    lines = [record % n for n in range(20)]
    lines.append('{"operation":"DELETE","email_hash":"a"}{"operation":"DELETE","email_hash":"b"}')
    first = len(lines)  # the chunk starts at the line after those two records
    lines += ['{"operation":"DELETE","email_hash":"c"},', *(record % n for n in range(20, 24))]
    lines += ["{", '"operation":"DELETE",', '"email_hash":"d"', "}", '{"email_hash":"e"},']
    made = chunk_marks(tmp_path, lines, first)
    assert [fix for _, _, fix in made] == ["safe", "safe", "safe"]


def test_a_record_split_after_a_comma_line_is_fixed_in_one_run(tmp_path: Path) -> None:
    """A pasted array's item (`{...},`) as the file's first line: the split record after it
    was found only once the comma was gone, on a second `--fix` (a hook failing twice)."""
    lines = ['{"operation":"DELETE","email_hash":"3f2a9c"},', "{", '  "operation": "DELETE",']
    path = write(tmp_path / "f.ndjson", *lines, '  "email_hash": "7be01d"', "}")
    assert [(line, fix) for line, _, fix in marks(path)] == [(1, "safe"), (2, "safe")]
    out, data = fixed(path)
    assert "Fixed 2 problems" in out and "All checks passed" in out
    assert data.count(b"\n") == 2
    again, _ = fixed(path)
    assert "Nothing to fix" in again


@pytest.mark.parametrize(
    "data",
    [
        b'{"operation":"DELETE","email_hash":"a"}\n{"operation":"DELETE","email',  # cut off
        b'{"operation":"DELETE","email_hash":"a"}\r\n{"operation":"DELETE","email_hash":"b"}\r',
        b'{"operation":"DELETE","email_hash":"a"}\n{"operation":"DELETE","email_hash":"b"}\r',
        b'\n\xef\xbb\xbf{"operation":"DELETE","email_hash":"3f2a9c"}\n',
        b"{",  # one line: a broken line to the linter, no document; its newline added
        b'{"operation":"DELETE","email_hash":007}\n\xef\xbb\xbf{"operation":"DELETE",'
        b'"email_hash":"b"}\n{"operation":"DELETE","email_hash":"c"},\n',
    ],
    ids=[
        "cut-off-last-line",
        "crlf-then-a-lone-cr",
        "a-lone-cr-last",
        "bom-after-a-blank-line",
        "a-brace-alone",
        "a-bom-line-after-a-broken-line",
    ],
)
def test_the_fixable_count_is_what_diff_would_fix(tmp_path: Path, data: bytes) -> None:
    """A cut-off last line got no MIC005, yet `--fix` adds its newline (a CI that wants a
    clean `--diff` failed on a check with nothing fixable); a last line ended by a CR alone
    got MIC005 beside MIC003, which `--fix` mends in one (LF); a BOM after a blank line was
    the file's first once the blank line was gone (a new MIC002 after `--fix`): now any
    BOM inside the file goes, and a second `--fix` has nothing to do."""
    path = tmp_path / "f.ndjson"
    path.write_bytes(data)
    _, out, _ = run_cli(["check", "--isolated", path.name], tmp_path)
    _, diff, told = run_cli(["check", "--isolated", "--diff", path.name], tmp_path)
    promised = re.search(r"(\d+) problems? (?:marked \[\*\] )?can be fixed", out)
    done = re.search(r"Would fix (\d+) problems?", diff + told)
    if b"007" in data:  # after a broken line, a BOM line is left as a comma line is
        assert "can be fixed" not in out and "Nothing to fix" in diff + told
        return
    assert promised is not None and done is not None, (out, diff)
    assert promised.group(1) == done.group(1) == ("2" if data[:1] == b"\n" else "1")
    run_cli(["check", "--isolated", "--fix", path.name], tmp_path)
    _, again, _ = run_cli(["check", "--isolated", path.name], tmp_path)
    assert "can be fixed" not in again


BOM = b"\xef\xbb\xbf"
DELETE = b'{"operation":"DELETE","email_hash":"a"}\n'


@pytest.mark.parametrize(
    ("data", "marked"),
    [
        # Line 1 loses one BOM as MIC002 and a second as MIC101's: a line of BOMs only
        # goes, as MIC101's fix (it was MIC004's, unmarked: "Fixed 2" for 1 marked).
        (BOM + BOM + b"\n" + DELETE, [(1, "MIC002", "safe"), (1, "MIC101", "safe")]),
        (BOM + BOM + b" \t" + BOM + b"\n" + DELETE, [(1, "MIC002", "safe"), (1, "MIC101", "safe")]),
        # Inside the file, where `cat` joined an empty file with a BOM: the same fix.
        (DELETE + BOM + b"\n" + DELETE.replace(b'"a"', b'"b"'), [(2, "MIC101", "safe")]),
    ],
    ids=["first-line", "first-line-spaced", "inside"],
)
def test_a_line_of_boms_only_goes_as_its_mark_says(
    tmp_path: Path, data: bytes, marked: list[tuple[int, str, str]]
) -> None:
    path = tmp_path / "f.ndjson"
    path.write_bytes(data)
    assert marks(path) == marked
    out, fixed_data = fixed(path)
    assert f"Fixed {len(marked)} problem" in out
    assert BOM not in fixed_data and b"\n\n" not in fixed_data
    assert marks(path) == []


def test_a_utf16_file_read_as_utf8_marks_nothing_to_fix(tmp_path: Path) -> None:
    """With MIC009 not selected its lines are read as UTF-8, but --fix never writes a
    UTF-16 file (it would break it): a MIC005 there was marked `[*]`, then "Nothing to fix"."""
    path = tmp_path / "u16.ndjson"
    path.write_bytes(b"\xff\xfe\n\x00")
    for chosen in (["--select", "MIC004,MIC005,MIC003"], ["--ignore", "MIC009"]):
        _, out, _ = run_cli(["check", "--isolated", *chosen, path.name], tmp_path)
        assert "MIC005" in out and "[*]" not in out and "can be fixed" not in out
        out, data = fixed(path, *chosen)
        assert "Nothing to fix" in out and data == b"\xff\xfe\n\x00"
    assert marks(path)[0][1] == "MIC009"  # by default, its one diagnostic


def test_a_chunk_right_after_a_split_record_marks_as_one_process(tmp_path: Path) -> None:
    """A chunk boundary that falls inside a record split over lines moves past it
    (parallel._record_start): the chunk's fixer was given the record's lines one by one,
    each broken, and the comma line opening the chunk lost its `[*]`."""
    record = '{"operation":"DELETE","email_hash":"h%d"}'
    lines = [record % n for n in range(10)]
    lines += ["{", '"operation":"DELETE",', '"email_hash":"d"', "}"]
    first = len(lines)
    lines += ['{"operation":"DELETE","email_hash":"c"},', *(record % n for n in range(20, 24))]
    assert chunk_marks(tmp_path, lines, first) == [(2, "MIC101", "safe")]


def test_a_chunk_after_a_record_split_over_lines_marks_as_one_process(tmp_path: Path) -> None:
    """--jobs 2: a chunk that starts two lines after a record split over lines, the line
    between a comma line: the lines before the chunk were given to the fixer one by one
    (`follow`), the split record's first line left its state broken, and the comma line
    and the chunk's own lost their `[*]` (a review of the trailing-comma fix)."""
    record = '{"operation":"DELETE","email_hash":"h%d"}'
    lines = [record % n for n in range(20)]
    lines += ['{"operation":"DELETE",', '"email_hash":"split"}']
    lines.append('{"operation":"DELETE","email_hash":"a",}')
    first = len(lines)
    lines.append('{"operation":"DELETE","email_hash":"b",}')
    lines.append('{"operation":"DELETE","email_hash":"c"},')
    made = chunk_marks(tmp_path, lines, first)
    assert [fix for _, _, fix in made] == ["safe", "safe"]


def test_a_comma_with_no_value_before_it_is_no_trailing_comma(tmp_path: Path) -> None:
    """`{,}`, `[,]`: no value before the comma; JavaScript reads `[,]` as an array of one
    hole, JSON5 refuses it: what it stood for is not known, so the line is left."""
    delete = '{"operation":"DELETE","email_hash":"x%d"'
    lines = [delete % 0 + "}", delete % 1 + ',"t":[,]}', "{,}", delete % 2 + ',"t":{ ,}}']
    path = write(tmp_path / "lone.ndjson", *lines, delete % 3 + ",}")
    assert [(line, fix) for line, code, fix in marks(path) if code == "MIC101"] == [
        (2, None),
        (3, None),
        (4, None),
        (5, None),  # after a line --fix cannot mend: never split or mended
    ]
    _, data = fixed(path)
    assert data == path.read_bytes()


def test_a_line_of_escaped_quotes_is_read_once() -> None:
    """A string that does not close (escaped quotes to the line's end) is read once, whole,
    not again from each quote inside it: a 160 KB line took two minutes."""
    from mics_lint.fix_edits import _TRAILING_TOKENS, untrailed

    line = '{"a":"' + '\\"' * 80_000 + ",}"
    for text in (line, line + "\\"):  # the key, then one string to the end
        assert [found.end() for found in _TRAILING_TOKENS.finditer(text)] == [4, len(text)]
    assert untrailed(line) is None


R1 = b'{"operation":"DELETE","email_hash":"h1"}'
R2 = b'{"operation":"DELETE","email_hash":"h2"}'


@pytest.mark.parametrize(
    ("data", "options"),
    [
        # A BOM inside the file before an array, or a command written as a JSON string: the
        # rest of the line's fix (MIC102) was counted beside the one MIC101 marked.
        (R1 + b"\n" + BOM + b"[" + R2 + b"]\n", []),
        (R1 + b"\n" + BOM + b'"' + R2.replace(b'"', b'\\"') + b'"\n', []),
        (BOM + BOM + b"[" + R2 + b"]\n", []),
        # A stray CR before CRLF (a text-mode writer's "\r\r\n"): the marks read the CR as
        # part of the line, the fixer as whitespace, so a comma line's MIC101 was unmarked.
        (R1 + b"\n,\r\r\n", []),
        (R1 + b"\n" + R2[:-1] + b",},\r\r\n", []),
        (R1 + b"\n,\r\r", []),
        # ... and a kept blank line kept its CRLF after "Fixed 1": marked again, for ever.
        (R1 + b"\n\r\r\n", ["--ignore", "MIC004"]),
        (BOM + b"\r\r\n" + R1 + b"\n", ["--ignore", "MIC002"]),
        # A CRLF on an inner line of a record split over lines: gone, but not counted.
        (R1 + b'\n{"operation":"DELETE",\r\n"email_hash":"h2"}\n', []),
        # Two BOMs with MIC101 not selected: the second started the fixed file.
        (BOM + BOM + R1 + b"\n", ["--select", "MIC002"]),
        (BOM + BOM + R1.replace(b'"h1"', b'"compartment_id":1') + b"\n", ["--ignore", "MIC101"]),
    ],
    ids=[
        "bom-array",
        "bom-encoded",
        "two-boms-array",
        "stray-cr-comma",
        "stray-cr-trailing-comma",
        "stray-cr-lone",
        "stray-cr-kept-blank",
        "stray-cr-kept-blank-after-bom",
        "crlf-inside-split-record",
        "two-boms-mic002-only",
        "two-boms-no-mic101",
    ],
)
def test_fixed_as_many_as_marked_and_then_clean(
    tmp_path: Path, data: bytes, options: list[str]
) -> None:
    """Found by a fuzzer of marks against fixes (the session after 0990246)."""
    path = tmp_path / "f.ndjson"
    path.write_bytes(data)
    _, out, _ = run_cli(["check", "--isolated", *options, path.name], tmp_path)
    marked = re.search(r"(\d+) problems? marked \[\*\]", out)
    assert marked is not None, out
    out, fixed_data = fixed(path, *options)
    assert f"Fixed {marked.group(1)} problem" in out, out
    _, again, _ = run_cli(["check", "--isolated", *options, path.name], tmp_path)
    assert "[*]" not in again, (fixed_data, again)
