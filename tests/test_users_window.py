"""MIC501 on the fast path: users queued, answered a window of lines at a time.

The fast check queues each vouched line's user in the file's `BatchUsers`; the fast loop
answers them every few thousand lines and puts the MIC501s among the window's other
diagnostics. Lines the full checks take (bad ones) ask the same table at once, while other
lines' users may be queued. The report must be the one the full checks give, line by line.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from mics_lint import Settings, lint_lines
from mics_lint.userswindow import WINDOW as _WINDOW


def _file(count: int, seed: int, users: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        # About a third of the lines repeat a user; far fewer given many more `users`.
        user = rng.randrange(users or count * 3 // 4)
        kind = user % 3
        if kind == 0:
            ident = b'"compartment_id":"%d","user_account_id":"A-%d"' % (user % 7, user)
        elif kind == 1:
            ident = b'"email_hash":"%032x"' % user
        else:
            ident = b'"user_agent_id":"vec:%d"' % user
        roll = rng.random()
        if roll < 0.01:
            line = b'{"operation":"DELETE",%s,"forceReplace":true}' % ident  # full checks
        elif roll < 0.02:
            line = b'{"operation":"DELETE",%s},' % ident  # invalid JSON: no user at all
        elif roll < 0.5:
            line = b'{"operation":"DELETE",%s}' % ident
        else:
            profile = b'{"tier":"gold","n":%d,"name":"Ren\xc3\xa9e"}' % n
            line = b'{"operation":"UPSERT",%s,"force_replace":false,"user_profile":%s}' % (
                ident,
                profile,
            )
        lines.append(line + b"\n")
    return lines


def _report(lines: list[bytes], settings: Settings) -> list[tuple[Any, ...]]:
    """Each diagnostic, with its line's text and end (MIC501's: the whole line)."""
    found = lint_lines(lines, "u.ndjson", settings)
    return [(d.line, d.column, d.end_column, d.code, d.message, d.source) for d in found]


def test_users_across_windows_are_reported_as_line_by_line() -> None:
    lines = _file(3 * _WINDOW + 1234, seed=5)
    fast = _report(lines, Settings())
    slow = _report(lines, Settings(fast_path=False))
    assert fast == slow
    duplicates = [line for line, _, _, code, _, _ in fast if code == "MIC501"]
    assert len(duplicates) > _WINDOW // 2
    # Some name a first line in an earlier window, and some a line of their own window.
    firsts = {int(re.search(r"on line (\d+)", m)[1]) for _, _, _, c, m, _ in fast if c == "MIC501"}
    assert min(firsts) < _WINDOW < max(firsts)


def test_a_file_of_one_repeated_user_from_the_fast_path_on() -> None:
    line = b'{"operation":"DELETE","email_hash":"3f2a9c"}\n'
    lines = [line] * (_WINDOW + 10)
    fast = _report(lines, Settings(fast_path_from=1))
    assert fast == _report(lines, Settings(fast_path=False))
    assert len(fast) == len(lines) - 1


def test_the_guess_of_a_file_s_users_holds_past_max_file_size(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path makes room for as many users as the first lines promise, from their
    bytes: counted on past MIC006, where the checker stops counting (a guess from one line's
    bytes was wildly high, and capped)."""
    from mics_lint import lint_file
    from mics_lint.userstore import BatchUsers

    guesses: list[int] = []
    reserve = BatchUsers.reserve

    def spy(self: BatchUsers, users: int) -> None:
        guesses.append(users)
        reserve(self, users)

    monkeypatch.setattr(BatchUsers, "reserve", spy)
    path = tmp_path / "big.ndjson"
    path.write_bytes(
        b"".join(b'{"operation":"DELETE","email_hash":"e%07d"}\n' % i for i in range(20_000))
    )
    for limit in (100 * 1024 * 1024, 1000):  # under max-file-size, and over it from line 1
        guesses.clear()
        found = [d.code for d in lint_file(str(path), Settings(max_file_size=limit))]
        assert found == ([] if limit > 1000 else ["MIC006"])
        assert len(guesses) == 1 and 19_000 <= guesses[0] <= 21_000, guesses


def test_the_first_lines_bytes_are_counted_once(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines held at the start (blank ones: is the file empty?) are checked again when let
    go; their bytes still count once in the guess."""
    from mics_lint import lint_file
    from mics_lint.fastloop import FastLoop

    asked: list[tuple[int, int]] = []
    prepare = FastLoop.prepare

    def spy(self: FastLoop, lines_read: int, bytes_read: int) -> None:
        asked.append((lines_read, bytes_read))
        prepare(self, lines_read, bytes_read)

    monkeypatch.setattr(FastLoop, "prepare", spy)
    record = b'{"operation":"DELETE","email_hash":"e%07d"}\n'
    for head in (b"", b"\n" * 100):
        data = head + b"".join(record % i for i in range(5000))
        path = tmp_path / "f.ndjson"
        path.write_bytes(data)
        asked.clear()
        list(lint_file(str(path), Settings()))
        lines, size = asked[0]
        assert size == len(b"".join(data.splitlines(keepends=True)[:lines]))


def _tricky(seed: int) -> bytes:
    """A file of repeated users around what moves where lines start: a BOM, CRLF lines,
    blank lines, a line past max-line-bytes (its rest passed over), a record split over
    lines, a last line without its LF."""
    rng = random.Random(seed)
    # Dense repeats (a group's lines split once) or sparse ones (its LFs searched).
    lines = _file(2 * _WINDOW + 500, seed, users=0 if seed % 2 else 100 * _WINDOW)
    bom = rng.random() < 0.5
    for _ in range(rng.randrange(4)):
        at = rng.randrange(1, len(lines))
        kind = rng.randrange(4)
        if kind == 0:
            lines[at] = lines[at][:-1] + b"\r\n"
        elif kind == 1:
            lines.insert(at, b"\n")
        elif kind == 2:  # past the first lines, or among them
            at = at if rng.random() < 0.5 else rng.randrange(1, 50)
            lines.insert(at, b'{"operation":"DELETE","email_hash":"' + b"a" * 5000 + b'"}\n')
        else:
            lines[at : at + 1] = [b'{"operation":"DELETE",\n', b'"email_hash":"x"}\n']
    data = (b"\xef\xbb\xbf" if bom else b"") + b"".join(lines)
    return data[:-1] if rng.random() < 0.5 else data


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("start", [1, None])
def test_lines_read_again_from_the_file_are_the_lines_held(
    tmp_path: Any, seed: int, start: int | None
) -> None:
    """A regular file's MIC501 lines are read again from it (userswindow.py), a stream's
    are kept: the same report, wherever the lines start (a BOM, CRLF, a long line's rest
    passed over, a record split over lines, no last LF)."""
    import io

    from mics_lint import lint_file
    from mics_lint.linter import lint_stream
    from mics_lint.reading import LineReader

    data = _tricky(seed)
    path = tmp_path / "u.ndjson"
    path.write_bytes(data)
    settings = Settings(fast_path_from=start, max_line_bytes=4096)
    read = [
        (d.line, d.column, d.end_column, d.code, d.message, d.source)
        for d in lint_file(str(path), settings)
    ]
    stream = io.BufferedReader(io.BytesIO(data))  # not a file: its lines are kept
    assert not LineReader(stream, "u", 100).rereadable
    kept = [
        (d.line, d.column, d.end_column, d.code, d.message, d.source)
        for d in lint_stream(stream, str(path), settings)
    ]
    assert read == kept
    # And both to the full checks', which make each MIC501 with its own line.
    slow = Settings(fast_path=False, max_line_bytes=4096)
    assert read == [
        (d.line, d.column, d.end_column, d.code, d.message, d.source)
        for d in lint_file(str(path), slow)
    ]
    assert sum(code == "MIC501" for _, _, _, code, _, _ in read) > 50


def test_a_file_opened_here_is_read_again(tmp_path: Any) -> None:
    import contextlib

    from mics_lint.reading import LineReader, open_input

    path = tmp_path / "f.ndjson"
    path.write_bytes(b"ab\ncd\n")
    with contextlib.ExitStack() as files:
        handle, _ = open_input(str(path), "f", files)
        reader = LineReader(handle, "f", 100)
        assert reader.rereadable
        assert list(reader.lines()) == [b"ab\n", b"cd\n"]
        assert reader.read_again(3, 10) == b"cd\n"  # fewer at the end, position unmoved


def test_a_file_cut_short_while_checked_still_gets_its_mic501s(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A line read again from a file cut short since (another process writing it) is
    empty: its MIC501 is still reported, on the line it was found on, with no traceback."""
    from mics_lint import lint_file
    from mics_lint.reading import LineReader

    monkeypatch.setattr(LineReader, "read_again", lambda self, offset, size: b"")
    path = tmp_path / "u.ndjson"
    path.write_bytes(b"".join(_file(_WINDOW + 100, seed=3)))
    found = [d for d in lint_file(str(path), Settings(fast_path_from=1)) if d.code == "MIC501"]
    assert found and all(d.source == "" for d in found)


@pytest.mark.parametrize("every", [2, 150])
def test_lines_read_again_past_blank_and_crlf_lines(tmp_path: Any, every: int) -> None:
    """MIC501's lines found again in their group, past blank lines and CRLF lines just
    before them: dense (every 2nd line, a group split once) or sparse (its LFs searched)."""
    from mics_lint import lint_file

    lines = []
    for n in range(_WINDOW + 300):
        user = 0 if n % every == 0 else n
        line = b'{"operation":"DELETE","email_hash":"h%d"}' % user
        if n % every == 0:
            lines.append(b"\n")  # a blank line just before it
            line += b"\r"
        lines.append(line + b"\n")
    path = tmp_path / "u.ndjson"
    path.write_bytes(b"".join(lines))

    def report(settings: Settings) -> list[tuple[Any, ...]]:
        found = lint_file(str(path), settings)
        return [(d.line, d.end_column, d.code, d.source) for d in found if d.code == "MIC501"]

    fast = report(Settings(fast_path_from=1))
    assert len(fast) > 50
    assert fast == report(Settings(fast_path=False))
