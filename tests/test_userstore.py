"""`BatchUsers` held to a plain dict's answers: lines added in batches, resolved, merged from
chunks, asked one at a time; and numpy left unimported."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from array import array

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mics_lint.buckets import BucketTable
from mics_lint.rules.crossline import user_digest
from mics_lint.userstore import BatchUsers


class RoundsOnly(BucketTable):
    """Every key of a probe through the vectorised rounds, none left to the Python loop."""

    _TAIL = 0


class Tiny(BatchUsers):
    """The numpy table from the ninth user, every key through the vectorised rounds, and a
    table small enough that a batch fills buckets, races for free slots and grows it."""

    SMALL = 8
    _TABLE = RoundsOnly


class TinyTail(Tiny):
    """As `Tiny`, but the last few keys of a probe go through the Python loop."""

    _TABLE = BucketTable


class SlicedTable(BucketTable):
    """A batch probed 3 keys at a time: a user twice in one batch is found across slices."""

    SLICE = 3


class TinySliced(Tiny):
    _TABLE = SlicedTable


VARIANTS = [BatchUsers, Tiny, TinyTail, TinySliced]

# Digests as user_digest makes them: nonzero, a kind in the two low bits. Drawn from a few
# hundred values so that users repeat within and across batches.
digests = st.integers(min_value=0, max_value=300).map(
    lambda n: ((n * 0x9E3779B97F4A7C15) & ((1 << 64) - 1) & ~3) | (n % 3 + 1)
)


class Model:
    """The answers as a dict gives them, each step applied at once, in order."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}
        self.found: list[tuple[int, int, int]] = []

    def add(self, digest: int, line: int) -> None:
        first = self.seen.setdefault(digest, line)
        if first != line:
            self.found.append((line, first, digest))

    def resolve(self) -> list[tuple[int, int, int]]:
        found, self.found = self.found, []
        return found

    def merge(self, keys: list[int], lines: list[int], shift: int) -> list[tuple[int, int, int]]:
        found = self.resolve()
        for line, digest in sorted(zip(lines, keys, strict=True), key=lambda pair: pair[0]):
            first = self.seen.setdefault(digest, line + shift)
            if first != line + shift:
                found.append((line + shift, first, digest))
        return sorted(found)


step = st.one_of(
    st.tuples(st.just("add"), st.lists(digests, max_size=120), st.integers(1, 3)),
    st.tuples(st.just("resolve")),
    st.tuples(st.just("first"), digests),
    st.tuples(
        st.just("merge"),
        st.lists(digests, max_size=60, unique=True),
        st.integers(min_value=0, max_value=50),
        st.booleans(),
    ),
    st.tuples(st.just("count")),
)


@pytest.mark.parametrize("kind", VARIANTS, ids=lambda kind: kind.__name__)
@settings(max_examples=150, deadline=None)
@given(steps=st.lists(step, max_size=25), reserve=st.integers(0, 3000))
def test_answers_as_a_dict_does(kind: type[BatchUsers], steps: list[tuple], reserve: int) -> None:
    users, model = kind(), Model()
    users.reserve(reserve)
    line = 0
    for action, *args in steps:
        if action == "add":
            values, gap = args
            for digest in values:
                line += gap
                users.add(digest, line)
                model.add(digest, line)
        elif action == "resolve":
            assert users.resolve() == model.resolve()
        elif action == "first":
            line += 1
            assert users.first_line(args[0], line) == model.seen.setdefault(args[0], line)
        elif action == "merge":
            keys, shift, shuffled = args
            # A chunk's lines: past every line so far (as the parent merges), increasing
            # as a chunk's users come, or in any order.
            lines = sorted(random.Random(len(keys)).sample(range(1, 200), len(keys)))
            if shuffled:
                lines.reverse()
            shift += line
            assert users.merge(array("Q", keys), array("I", lines), shift) == model.merge(
                keys, lines, shift
            )
            line = shift + 200
        else:
            assert users.count == len(model.seen)
    assert users.resolve() == model.resolve()
    assert users.count == len(model.seen)
    assert dict(users.items()) == model.seen


def test_many_users_through_growth_and_batches() -> None:
    """The real class on real sizes: dict, then the table, grown several times."""
    rng = random.Random(3)
    pool = [user_digest("email_hash", f"{rng.getrandbits(64):x}") for _ in range(60_000)]
    users, model = BatchUsers(), Model()
    line = 0
    for size in (100, 4000, 5000, 4096, 20_000, 30_000, 1, 0, 8000):
        for _ in range(size):
            line += 1
            digest = rng.choice(pool) if rng.random() < 0.3 else pool[line % len(pool)]
            users.add_digest(digest)
            users.add_line(line)
            model.add(digest, line)
        assert users.resolve() == model.resolve()
    assert users.count == len(model.seen)
    assert dict(users.items()) == model.seen
    extra = [user_digest("user_agent_id", str(n)) for n in range(3000)] + pool[:50]
    keys, lines = array("Q", extra), array("I", range(1, len(extra) + 1))
    assert users.merge(keys, lines, line) == model.merge(extra, list(lines), line)


@pytest.mark.parametrize("kind", VARIANTS, ids=lambda kind: kind.__name__)
def test_first_line_alone_moves_to_the_table(kind: type[BatchUsers]) -> None:
    users, seen = kind(), {}
    keys = [user_digest("email_hash", str(n % 700)) for n in range(2000)]
    for line, digest in enumerate(keys, start=1):
        assert users.first_line(digest, line) == seen.setdefault(digest, line)
    assert users.count == len(seen)
    assert dict(users.items()) == seen


@pytest.mark.parametrize("kind", VARIANTS, ids=lambda kind: kind.__name__)
def test_keys_whose_step_bits_are_zero_still_move_on(kind: type[BatchUsers]) -> None:
    """Bits 2-33 choose a key's step: all zero once made a step of 1, which looked at one
    full bucket again for 2**32 / buckets rounds (a hang)."""
    users, model = kind(), Model()
    for line in range(1, 3001):
        digest = ((line % 1500 + 1) << 34) | 1
        users.add(digest, line)
        model.add(digest, line)
        if line % 500 == 0:
            assert users.resolve() == model.resolve()
    assert dict(users.items()) == model.seen


def test_reserve_keeps_users_and_is_bounded() -> None:
    users = BatchUsers()
    for line in range(1, 101):
        users.add(user_digest("user_agent_id", str(line)), line)
    users.reserve(50_000)
    assert users.resolve() == []
    assert all(
        users.first_line(user_digest("user_agent_id", str(line)), 999) == line
        for line in range(1, 101)
    )
    huge = BatchUsers()
    huge.reserve(10**12)  # a wild guess is capped: room for RESERVE_LIMIT users at most
    assert huge._table is not None
    assert huge._table.buckets * 8 <= BatchUsers.RESERVE_LIMIT * 2


def test_uneven_appends_are_refused() -> None:
    users = BatchUsers()
    users.add_digest(5)
    with pytest.raises(ValueError):
        users.resolve()


def test_numpy_is_not_imported_by_the_package_nor_a_small_file() -> None:
    code = (
        "import sys, mics_lint, mics_lint.cli, mics_lint.userstore, mics_lint.buckets\n"
        "users = mics_lint.userstore.BatchUsers()\n"
        "for line in range(1, 2001):\n"
        "    users.add(line % 1000 * 4 + 1, line)\n"
        "assert len(users.resolve()) == 1000\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
@pytest.mark.parametrize("preset", [None, "2"])
def test_numpy_loaded_without_blas_threads(preset: str | None) -> None:
    """The table's numpy starts no OpenBLAS thread (each spins ~0.12 s of CPU) unless the
    user sized the pool, and the environment is left as it was."""
    code = (
        "import os\n"
        "from mics_lint.buckets import BucketTable\n"
        "BucketTable(10)\n"
        "threads = [l for l in open('/proc/self/status') if l.startswith('Threads:')]\n"
        "print(threads[0].split()[1], os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset is not None:
        env["OPENBLAS_NUM_THREADS"] = preset
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[1] == str(preset)
    if preset is None:
        assert out[0] == "1"
    elif (os.cpu_count() or 1) > 1:
        assert out[0] == "2"  # the user's choice stands


def test_a_guess_a_little_low_does_not_double_the_table() -> None:
    """A file's first lines guess its users (FastLoop.prepare); the guess of the 1M-line
    bench file was 0.5% low, and the last windows doubled the table. Room is made for an
    eighth more, and a batch's worth."""
    users = BatchUsers()
    guess = 100_000
    users.reserve(guess)
    assert users._table is not None
    made = users._table.buckets
    for line in range(1, guess + guess // 20 + 1):  # 5% more users than guessed
        users.add(user_digest("user_agent_id", str(line)), line)
        if line % 8192 == 0:
            assert users.resolve() == []
    assert users.resolve() == []
    assert users.count == guess + guess // 20
    assert users._table.buckets == made
