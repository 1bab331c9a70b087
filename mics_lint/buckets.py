"""MIC501's numpy table of users: `BucketTable`, which `BatchUsers` (userstore.py) hands
its users to once past `SMALL` of them.

* buckets of 8 slots (one 64-byte row of digests, one 32-byte row of lines): a batch gathers
  one row per user, so a user is usually decided by one memory access, even 90% full;
* a key's buckets are a 32-bit place scaled to the bucket count (see `_probe`), so the
  count need not be a power of two (`reserve` sizes it to the users), and a key's first
  bucket is at the same relative place in a table twice the size;
* the table doubles at 90% full: 12 B a slot, so 13 to 27 B a user. While it grows, the
  old table is read in order and its pages handed back as the new one fills in the same
  order (`_grow`), so the peak is the new table and a few MiB: measured 32 B a user just
  after a growth, where old and new tables together would be 40;
* the tables are memory maps of their own, not malloc'd: a freed table in the heap stayed
  in RSS;
* numpy is imported inside the methods, not by this module: importing it costs nothing
  until a table is made (see userstore.py).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from mics_lint.pagemaps import forget, load_numpy, mapped, trim_heap

if TYPE_CHECKING:
    import mmap

    import numpy as np
    import numpy.typing as npt

    U64 = npt.NDArray[np.uint64]
    U32 = npt.NDArray[np.uint32]
    Index = npt.NDArray[np.intp]
    Flags = npt.NDArray[np.bool_]

_MASK32 = (1 << 32) - 1
_NO_LINE = _MASK32  # above every line, for the minimum of a key's lines in one batch

#: Slots a bucket: one cache line of digests.
BUCKET = 8
#: The table grows when an insert could fill it past this share of its slots.
MAX_LOAD = 0.9
#: How much larger a grown table is (see the module's docstring for the memory bound).
GROWTH = 2.0


_LITTLE_ENDIAN = sys.byteorder == "little"


def _first_true_byte(flags: Any) -> Any:
    """Per row of a (n, 8) bool array, the index of its first True, or 7 when none:
    the row read as one little-endian uint64, its lowest set bit counted. Several times
    faster than argmax(axis=1), which is the largest part of a batch's first round."""
    import numpy as np

    one = np.uint64(1)
    bits = flags.view(np.uint64).reshape(-1)
    below = (bits & (~bits + one)) - one  # the bits below the lowest set one
    return np.minimum(np.bitwise_count(below) >> np.uint8(3), 7).astype(np.intp)


class BucketTable:
    """Users by digest in buckets of BUCKET slots: a batch's keys probed and recorded by a
    few numpy calls (`batch`), a single key in Python (`probe_one`). A digest is nonzero
    (zero marks a free slot); slots are never freed."""

    __slots__ = ("_buckets", "_count", "_digests", "_lines", "_maps")

    #: While growing, the old table moves in this many steps (of at least 512 rows): the
    #: index arrays of a step, ~150 B a user, stay small against the tables.
    _GROW_STEPS = 64
    #: A probe finishes in Python once this few keys are left (see `_probe`).
    _TAIL = 6
    #: Keys probed at once: a probe gathers a 96-byte row of the table per key, plus its
    #: index arrays, ~0.5 MiB for 4096 keys, which stay in a core's L2 cache (2 MiB here).
    #: A Dask join's batch of 48k users took 0.31-0.39 s for 1M users whole, 0.25-0.28 s
    #: in slices of 4096; `--jobs 1`'s windows of 8192 lines, 0.31-0.39 s against 0.27-0.31.
    SLICE = 4096

    def __init__(self, users: int) -> None:
        """An empty table with room for `users`; imports numpy."""
        load_numpy()
        self._buckets = 0
        self._count = 0
        self._digests: U64 | None = None
        self._lines: U32 | None = None
        # The memory maps under the two tables, to hand pages back while growing.
        self._maps: list[mmap.mmap | None] = [None, None]
        self._new_table(users)

    @property
    def count(self) -> int:
        """Distinct users recorded."""
        return self._count

    @property
    def buckets(self) -> int:
        """Buckets of BUCKET slots."""
        return self._buckets

    def load(self, users: dict[int, int]) -> None:
        """Records a dict's users (digest: first line) into this table, which is empty."""
        import numpy as np

        if users:
            keys = np.fromiter(users.keys(), dtype=np.uint64, count=len(users))
            lines = np.fromiter(users.values(), dtype=np.uint32, count=len(users))
            self._fill([(keys, lines)])

    def batch(
        self, keys: array[int], lines: array[int], shift: int | None = None
    ) -> list[tuple[int, int, int]]:
        """(line, first line, digest) of the batch's lines whose user was seen before, in
        line order; records its new users. `shift` moves the lines first (a chunk's users
        merged), through 64 bits and back to 32 as the lines of a merge always were."""
        import numpy as np

        # Copies, so that the arrays can be emptied (an exported buffer could not be).
        digests = np.array(keys, dtype=np.uint64)
        if shift is None:
            firsts = np.array(lines, dtype=np.uint32)
        else:
            firsts = (np.array(lines, dtype=np.int64) + shift).astype(np.uint32)
        return self._batch(digests, firsts)

    def reserve(self, users: int) -> None:
        """Grows the table now if `users` would grow it."""
        if users > self._grow_at():
            self._grow(users)

    def items(self) -> Iterator[tuple[int, int]]:
        """(digest, first line) of every user, in no particular order."""
        assert self._digests is not None and self._lines is not None
        step = 1 << 14
        for start in range(0, self._buckets, step):
            rows = self._digests[start : start + step]
            used = rows != 0
            yield from zip(
                rows[used].tolist(),
                self._lines[start : start + step][used].tolist(),
                strict=True,
            )

    # ------------------------------------------------------------------ the batches

    def _batch(self, keys: U64, lines: U32) -> list[tuple[int, int, int]]:
        """The batch's findings in line order; records its new users."""
        import numpy as np

        if lines.size > 1 and bool((lines[1:] < lines[:-1]).any()):
            order = np.argsort(lines, kind="stable")
            keys, lines = keys[order], lines[order]
        found: list[tuple[int, int, int]] = []
        for at in range(0, len(keys), self.SLICE):  # in line order: each sees the last's users
            part, part_lines = keys[at : at + self.SLICE], lines[at : at + self.SLICE]
            firsts = self._probe(part, part_lines)
            again = np.flatnonzero(firsts != part_lines)
            found += zip(
                part_lines[again].tolist(),
                firsts[again].tolist(),
                part[again].tolist(),
                strict=True,
            )
        return found

    # ------------------------------------------------------------------ the table

    def _grow_at(self) -> int:
        return int(self._buckets * BUCKET * MAX_LOAD)

    def _new_table(self, users: int) -> None:
        """Empty arrays with room for `users` (at least 16 buckets)."""
        self._buckets = max(16, int(users / (BUCKET * MAX_LOAD)) + 1)
        self._digests, self._maps[0] = mapped((self._buckets, BUCKET), "uint64")
        self._lines, self._maps[1] = mapped((self._buckets, BUCKET), "uint32")
        self._count = 0

    def _grow(self, users: int) -> None:
        """A table with room for `users`, at least GROWTH times larger, holding every user
        of this one.

        The old table is read in row order and its pages handed back as it goes. A key in
        its first bucket (most) then lands in the new table at the same relative place
        (both scale the key's top bits), so the new table's pages are touched in the same
        order as the old one's are freed: the peak is about the new table, not old and new
        together. Keys away from their first bucket would touch the new table anywhere:
        they are kept aside and placed last."""
        import numpy as np

        old_digests, old_lines = self._digests, self._lines
        assert old_digests is not None and old_lines is not None
        old_buckets, (digest_map, line_map) = self._buckets, self._maps
        self._maps = [None, None]
        self._new_table(max(users, int(old_buckets * BUCKET * MAX_LOAD * GROWTH)))
        # Whole pages of both maps a step: 64 B of digests and 32 B of lines a row.
        step = -(-max(512, old_buckets // self._GROW_STEPS) // 128) * 128
        scale, shift = np.uint64(old_buckets), np.uint64(32)

        def steps() -> Iterator[tuple[U64, U32]]:
            aside: list[tuple[U64, U32]] = []
            for start in range(0, old_buckets, step):
                rows = old_digests[start : start + step]
                used = rows != 0
                keys, lines = rows[used], old_lines[start : start + step][used]
                home = (((keys >> shift) * scale) >> shift).astype(np.intp)
                at_home = home == np.nonzero(used)[0] + start
                aside.append((keys[~at_home], lines[~at_home]))
                yield keys[at_home], lines[at_home]
                assert digest_map is not None and line_map is not None
                forget(digest_map, (start + step) * BUCKET * 8)
                forget(line_map, (start + step) * BUCKET * 4)
            # A step's worth at a time: the index arrays of placing them all at once
            # (~150 B a key) would be the peak.
            while aside:
                yield aside.pop()

        self._fill(steps())
        trim_heap()

    def _fill(self, parts: Iterable[tuple[U64, U32]]) -> None:
        """Records distinct keys into a table that was empty, most in their first bucket.

        `_probe` would do, but the keys of a step of growing come in bucket order, several
        to a bucket, and its free-slot races let one of them in a round: here the keys of a
        bucket take its next free slots by rank (the count of a bucket's keys so far is
        kept, a byte a bucket), and those past its end are probed once, at the end. Their
        first bucket is full by then, and stays so: where they land is where `_probe`
        looks for them.
        """
        import numpy as np

        digests, table_lines = self._digests, self._lines
        assert digests is not None and table_lines is not None
        flat_digests, flat_lines = digests.reshape(-1), table_lines.reshape(-1)
        filled = np.zeros(self._buckets, dtype=np.uint8)
        scale, shift = np.uint64(self._buckets), np.uint64(32)
        over_keys, over_lines = [], []
        for keys, lines in parts:
            if not keys.size:
                continue
            bucket = (((keys >> shift) * scale) >> shift).astype(np.intp)
            order = np.argsort(bucket, kind="stable")  # nearly sorted already: cheap
            bucket = bucket[order]
            index = np.arange(bucket.size)
            starts = np.ones(bucket.size, dtype=bool)
            starts[1:] = bucket[1:] != bucket[:-1]
            rank = index - np.maximum.accumulate(np.where(starts, index, 0))
            slot = filled[bucket] + rank
            fits = slot < BUCKET
            at = (bucket * BUCKET + slot)[fits]
            placed = order[fits]
            flat_digests[at] = keys[placed]
            flat_lines[at] = lines[placed]
            self._count += int(placed.size)
            last = np.empty(bucket.size, dtype=bool)
            last[:-1] = starts[1:]
            last[-1] = True
            filled[bucket[last]] = np.minimum(slot[last] + 1, BUCKET)
            if placed.size < keys.size:
                over = order[~fits]
                over_keys.append(keys[over])
                over_lines.append(lines[over])
        if over_keys:
            self._probe(np.concatenate(over_keys), np.concatenate(over_lines))

    def _step_range(self) -> tuple[int, int]:
        """A key's step is in [least, least + span), odd: at least a bucket's width of
        places, at most 2**32 less one, so every step lands in another bucket. A step
        below a bucket's width (the key's bits chose it) would look at one full bucket
        again for up to 2**32 / buckets rounds."""
        least = -(-(1 << 32) // self._buckets)
        return least, (1 << 32) - 2 * least - 1

    def probe_one(self, digest: int, lineno: int) -> int:
        """The line where `digest` was first seen; records `lineno` if this is the first.
        `_probe` for one key, in Python: a dozen numpy calls cost more than this."""
        digests, table_lines = self._digests, self._lines
        assert digests is not None and table_lines is not None
        if self._count + 1 > self._grow_at():
            self._grow(self._count + 1)
            digests, table_lines = self._digests, self._lines
            assert digests is not None and table_lines is not None
        buckets = self._buckets
        place = digest >> 32
        least, span = self._step_range()
        step = (least + ((digest >> 2) & _MASK32) % span) | 1
        while True:
            bucket = (place * buckets) >> 32
            row = digests[bucket].tolist()
            for slot, held in enumerate(row):
                if held == digest:
                    return int(table_lines[bucket, slot])
                if not held:
                    digests[bucket, slot] = digest
                    table_lines[bucket, slot] = lineno
                    self._count += 1
                    return lineno
            place = (place + step) & _MASK32

    def _probe(self, keys: U64, lines: U32) -> U32:
        """The first line of each of `keys`: the recorded one, or else the earliest of its
        `lines` (distinct), then recorded. Keys may repeat (within a batch, a repeated
        user): no sort to make them distinct, which cost a third of a batch.

        A key's buckets: a 32-bit place (its top bits), moved by an odd step (other bits,
        see `_step_range`) modulo 2**32 and scaled to the bucket count, so every place is
        reached and keys that meet in one bucket part at the next (linear probing at 90%
        full made runs of hundreds of full buckets). A key is in the first of its buckets
        with a free slot, or in a full one before it, at the first slot free when it came
        (slots are never freed): the first slot holding it or nothing decides."""
        import numpy as np

        if self._count + keys.size > self._grow_at():
            self._grow(self._count + keys.size)
        digests, table_lines = self._digests, self._lines
        assert digests is not None and table_lines is not None
        flat_lines = table_lines.reshape(-1)
        firsts = lines.copy()
        todo = np.arange(keys.size)
        place = keys >> np.uint64(32)
        least, span = self._step_range()
        raw = (keys >> np.uint64(2)) & np.uint64(_MASK32)
        step = (np.uint64(least) + raw % np.uint64(span)) | np.uint64(1)
        scale, shift, mask32 = np.uint64(self._buckets), np.uint64(32), np.uint64(_MASK32)
        added = 0
        # Most keys are decided by their first bucket; those left look at their next 2,
        # then 4, then 8 at once: few rounds of numpy calls, without gathering for every
        # key the buckets only a few need.
        width = 1
        while todo.size > self._TAIL:
            wanted = keys[todo]
            ahead = np.arange(width, dtype=np.uint64) * step[:, None]
            places = (place[:, None] + ahead) & mask32
            bucket = ((places * scale) >> shift).astype(np.intp)
            # take: a fifth of the time of digests[bucket]
            rows = digests.take(bucket.reshape(-1), axis=0).reshape(todo.size, -1)
            stop = rows == wanted[:, None]
            stop |= rows == 0
            # The first slot holding the key or nothing; a row without one gives a slot
            # holding another key, as full buckets do.
            first = _first_true_byte(stop) if width == 1 and _LITTLE_ENDIAN else stop.argmax(axis=1)
            row_starts = np.arange(todo.size) * width
            held = rows.reshape(-1).take(row_starts * BUCKET + first)
            nth, slot = np.divmod(first, BUCKET)
            where = bucket.reshape(-1).take(row_starts + nth) * BUCKET + slot
            hit = held == wanted
            if hit.any():
                firsts[todo[hit]] = flat_lines[where[hit]]
            empty = held == 0
            settled = hit
            if empty.any():
                won, new = self._claim(where[empty], wanted[empty], todo[empty], lines, firsts)
                added += new
                settled = hit.copy()
                settled[empty] = won
            # No stop in `width` full buckets: on past them; lost a slot: from its bucket.
            moved = np.where(hit | empty, nth, width).astype(np.uint64)
            keep = ~settled
            todo = todo[keep]
            place = (place[keep] + moved[keep] * step[keep]) & mask32
            step = step[keep]
            width = min(2 * width, BUCKET)
        # The last few keys, in Python: a round of numpy calls costs the same for 3 keys
        # as for 3,000, and the stragglers of full buckets can need a dozen rounds.
        self._count += added
        for index, digest in zip(todo.tolist(), keys[todo].tolist(), strict=True):
            firsts[index] = self.probe_one(digest, int(firsts[index]))
        return firsts

    def _claim(
        self, free_at: Index, new_keys: U64, who: Index, lines: U32, firsts: U32
    ) -> tuple[Flags, int]:
        """Puts `new_keys` (the keys at `who` in a `_probe`'s batch) in the free slots
        `free_at`, and the first line of those that keep their slot in `firsts`: which of
        them keep it, and how many users are new."""
        import numpy as np

        assert self._digests is not None and self._lines is not None
        flat_digests, flat_lines = self._digests.reshape(-1), self._lines.reshape(-1)
        flat_digests[free_at] = new_keys
        # Two new keys of the batch may pick one free slot: one of them holds it
        # (which is not promised); the others look again from that bucket.
        won = flat_digests[free_at] == new_keys
        at, who = free_at[won], who[won]
        # One key twice in the batch wins one slot twice (its copies go the same
        # way): the earliest line is kept, the others answer with it.
        flat_lines[at] = _NO_LINE
        np.minimum.at(flat_lines, at, lines[who])
        kept = flat_lines[at]
        firsts[who] = kept
        return won, int(np.count_nonzero(kept == lines[who]))
