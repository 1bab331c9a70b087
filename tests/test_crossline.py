"""MIC501's tables: `BatchUsers` (one per file; tests/test_userstore.py tests its batches)
and `ChunkUsers` (a worker's chunk), held to the same answers as a plain dict, one line at a
time, through growth, `reserve` and `merge`."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mics_lint.rules.crossline import ChunkUsers, kind_name, user_digest
from mics_lint.userstore import BatchUsers

# Digests as user_digest makes them: nonzero, 64 bits, a kind in the two low bits. Few
# distinct values, so that repeats are common.
digests = st.integers(min_value=0, max_value=40).map(
    lambda n: ((n * 0x9E3779B97F4A7C15) & ((1 << 64) - 1) & ~3) | 1
)


def _model(seen: dict[int, int], digest: int, line: int) -> int:
    return seen.setdefault(digest, line)


@settings(max_examples=200)
@given(st.lists(digests, max_size=300), st.integers(min_value=0, max_value=5000))
def test_first_line_answers_as_a_dict_does(values: list[int], reserve: int) -> None:
    table, chunk, seen = BatchUsers(), ChunkUsers(), {}
    table.reserve(reserve)
    for line, digest in enumerate(values, start=1):
        expected = _model(seen, digest, line)
        assert table.first_line(digest, line) == expected
        assert chunk.first_line(digest, line) == expected
    assert table.count == chunk.count == len(seen)
    assert dict(table.items()) == dict(chunk.items()) == seen


def test_growing_keeps_every_user() -> None:
    rng = random.Random(5)
    values = [user_digest("email_hash", f"{rng.getrandbits(64):x}") for _ in range(20_000)]
    table = BatchUsers()  # from a dict to a table, which grows many times on the way
    for line, digest in enumerate(values, start=1):
        assert table.first_line(digest, line) == line
    for line, digest in enumerate(values, start=1):
        assert table.first_line(digest, line + 100_000) == line
    assert table.count == len(values)


def test_reserve_makes_room_without_losing_users() -> None:
    table = BatchUsers()
    for line in range(1, 101):
        table.first_line(user_digest("user_agent_id", str(line)), line)
    table.reserve(50_000)
    assert all(
        table.first_line(user_digest("user_agent_id", str(line)), 999) == line
        for line in range(1, 101)
    )
    BatchUsers().reserve(10**12)  # a wild guess is capped: no memory error


@settings(max_examples=100)
@given(st.lists(st.lists(digests, max_size=60, unique=True), max_size=6))
def test_merge_answers_as_first_line_does(chunks: list[list[int]]) -> None:
    merged, one_by_one = BatchUsers(), BatchUsers()
    shift = 0
    for chunk in chunks:
        lines = list(range(2, len(chunk) + 2))
        expected = []
        for digest, line in zip(chunk, lines, strict=True):
            first = one_by_one.first_line(digest, line + shift)
            if first != line + shift:
                expected.append((line + shift, first, digest))
        assert merged.merge(chunk, lines, shift) == expected
        shift += len(chunk) + 1
    assert dict(merged.items()) == dict(one_by_one.items())


def test_chunk_arrays_keep_digests_and_lines_together() -> None:
    chunk = ChunkUsers()
    for line, name in enumerate(["a", "b", "a", "c"], start=2):
        chunk.first_line(user_digest("user_agent_id", name), line)
    digests, lines = chunk.arrays()
    assert list(zip(digests, lines, strict=True)) == list(chunk.items())
    assert [kind_name(d) for d in digests] == ["user_agent_id"] * 3
    assert list(lines) == [2, 3, 5]
