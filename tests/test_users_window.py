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
from mics_lint.fastloop import _WINDOW


def _file(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        user = rng.randrange(count * 3 // 4)  # about a third of the lines repeat a user
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


def _report(lines: list[bytes], settings: Settings) -> list[tuple[int, int, str, str]]:
    return [(d.line, d.column, d.code, d.message) for d in lint_lines(lines, "u.ndjson", settings)]


def test_users_across_windows_are_reported_as_line_by_line() -> None:
    lines = _file(3 * _WINDOW + 1234, seed=5)
    fast = _report(lines, Settings())
    slow = _report(lines, Settings(fast_path=False))
    assert fast == slow
    duplicates = [line for line, _, code, _ in fast if code == "MIC501"]
    assert len(duplicates) > _WINDOW // 2
    # Some name a first line in an earlier window, and some a line of their own window.
    firsts = {int(re.search(r"on line (\d+)", m)[1]) for _, _, c, m in fast if c == "MIC501"}
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
