"""MIC501's users answered in batches: `BatchUsers`.

A table probed in Python, one line at a time, costs about 0.7 µs a line (the `UserTable`
MIC501 used before). Here a line only
appends its digest and number to two arrays (`add`); `resolve` then answers the whole batch
with a few numpy calls over a bucketed hash table. bench/userstore.py, batches of 4096,
5% repeats: 0.30 µs a line (the two appends 0.08 of it) against 0.78 for `first_line` with
room reserved; 0.41-0.44 against 1.6-1.7 when both grow as users come (1M and 5M users).

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
* numpy is imported by the first batch past `SMALL` users: until then a dict answers, so a
  small file never pays numpy's import (~100 ms, 13 MiB).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mmap

    import numpy as np
    import numpy.typing as npt

    U64 = npt.NDArray[np.uint64]
    U32 = npt.NDArray[np.uint32]

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


def _count_true_bytes(flags: Any) -> Any:
    """Per row of a (n, 8) bool array, how many are True: the row's bytes summed by one
    multiply (count_nonzero along an axis is a slow, general reduction)."""
    import numpy as np

    bits = flags.view(np.uint64).reshape(-1)
    return ((bits * np.uint64(0x0101010101010101)) >> np.uint64(56)).astype(np.intp)


def _trim_heap() -> None:
    """Gives the heap's free pages back to the system (glibc's malloc_trim; elsewhere
    nothing). The index arrays of a growth's steps, a few MiB, come from the heap and stay
    in RSS once freed: 4 to 8 B a user at 1M users, in the final size and in the next
    growth's peak."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None


def _mapped(shape: tuple[int, int], dtype: str) -> tuple[Any, mmap.mmap]:
    """A zeroed array in its own anonymous memory map. From numpy's allocator (malloc), a
    table of a few MiB may land in the heap, which glibc keeps after it is freed: the
    freed tables of past growths then stayed in RSS (40 B a user where the table was 20).
    A map is given back to the system when the array goes."""
    import mmap

    import numpy as np

    items = shape[0] * shape[1]
    size = max(1, items * np.dtype(dtype).itemsize)
    if hasattr(mmap, "MAP_PRIVATE"):
        # Private: pages of a shared anonymous map stay in memory after MADV_DONTNEED.
        buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    else:  # Windows: an anonymous map (pagefile-backed), without madvise
        buffer = mmap.mmap(-1, size)
    return np.frombuffer(buffer, dtype=dtype, count=items).reshape(shape), buffer


def _forget(buffer: mmap.mmap, size: int) -> None:
    """Hands back to the system the whole pages of `buffer` (from `_mapped`) in its first
    `size` bytes: they read as zeros afterwards, and are not read again (see `_grow`)."""
    import mmap

    end = min(size, len(buffer)) // mmap.PAGESIZE * mmap.PAGESIZE
    if end > 0 and hasattr(mmap, "MADV_DONTNEED") and hasattr(mmap, "MAP_PRIVATE"):
        buffer.madvise(mmap.MADV_DONTNEED, 0, end)


class BatchUsers:
    """The first line of each user, by digest, answered a batch of lines at a time.

    Lines must be added in increasing order. Pending lines are resolved before anything
    else is answered: their findings are kept for the next `resolve` when `first_line`,
    `count` or `items` is asked first, and returned with its own by `merge`, so that no
    line's finding is lost.
    """

    __slots__ = (
        "_buckets",
        "_count",
        "_digests",
        "_found",
        "_lines",
        "_maps",
        "_pending_digests",
        "_pending_lines",
        "_small",
        "add_digest",
        "add_line",
    )

    #: Users kept in a dict before the numpy table takes over: a file this small never
    #: imports numpy, and the dict (~120 B a user) stays under half a MiB.
    SMALL = 4096
    #: Room made ahead (`reserve`, a guess from a file's size) is for at most this many users.
    RESERVE_LIMIT = 1 << 20
    #: While growing, the old table moves in this many steps (of at least 512 rows): the
    #: index arrays of a step, ~150 B a user, stay small against the tables.
    _GROW_STEPS = 64
    #: A probe finishes in Python once this few keys are left (see `_probe`).
    _TAIL = 6

    def __init__(self) -> None:
        self._pending_digests = array("Q")
        self._pending_lines = array("I")
        # The hot loop appends to these directly: two C calls, no Python frame (`add`).
        self.add_digest = self._pending_digests.append
        self.add_line = self._pending_lines.append
        self._small: dict[int, int] | None = {}
        self._found: list[tuple[int, int, int]] = []
        self._buckets = 0
        self._count = 0
        self._digests: U64 | None = None
        self._lines: U32 | None = None
        # The memory maps under the two tables, to hand pages back while growing.
        self._maps: list[mmap.mmap | None] = [None, None]

    def add(self, digest: int, lineno: int) -> None:
        """Queues one line's user; `resolve` answers it."""
        self.add_digest(digest)
        self.add_line(lineno)

    @property
    def pending(self) -> int:
        """Lines added since the last resolve."""
        return len(self._pending_lines)

    @property
    def count(self) -> int:
        """Distinct users recorded (pending lines are resolved first)."""
        self._flush()
        return len(self._small) if self._small is not None else self._count

    # ------------------------------------------------------------------ answering lines

    def resolve(self) -> list[tuple[int, int, int]]:
        """(line, first line, digest) of every line added since the last resolve whose user
        was seen before, in increasing line order; records the new users."""
        self._flush()
        found, self._found = self._found, []
        return found

    def first_line(self, digest: int, lineno: int) -> int:
        """The line where `digest` was first seen; records `lineno` if this is the first.

        Pending lines are all earlier than `lineno`. They are resolved first only when one
        of them holds this user: a bad line among clean ones asks about its own user, and a
        numpy batch per bad line would cost more than all the clean lines' appends."""
        if self._pending_lines and self._pending_holds(digest):
            self._flush()
        if self._small is not None:
            first = self._small.setdefault(digest, lineno)
            if len(self._small) > self.SMALL:
                self._to_table(len(self._small))
            return first
        return self._probe_one(digest, lineno)

    def _pending_holds(self, digest: int) -> bool:
        """Whether a pending line has this user: a search of the queued digests' bytes."""
        data = self._pending_digests.tobytes()
        needle = digest.to_bytes(8, sys.byteorder)
        at = data.find(needle)
        while at >= 0:
            if at % 8 == 0:  # aligned: a whole digest, not the end of one and the next
                return True
            at = data.find(needle, at + 1)
        return False

    def merge(
        self, digests: Iterable[int], lines: Iterable[int], shift: int
    ) -> list[tuple[int, int, int]]:
        """Adds the users of a chunk (their first lines moved by `shift`), as
        `first_line` would for each: (line, first line, digest) of those seen before, sorted
        by line.
        Pending lines are resolved first and their findings come with these."""
        self._flush()
        found, self._found = self._found, []
        keys = digests if isinstance(digests, array) else array("Q", digests)
        firsts = lines if isinstance(lines, array) else array("I", lines)
        if len(keys) != len(firsts):
            raise ValueError("merge: digests and lines differ in length")
        if not keys:
            return found
        if self._small is not None and len(self._small) + len(keys) <= self.SMALL:
            moved = array("I", (line + shift for line in firsts))
            found.extend(self._small_batch(keys, moved, ordered=False))
        else:
            if self._small is not None:
                self._to_table(len(self._small) + len(keys))
            import numpy as np

            moved_lines = (np.array(firsts, dtype=np.int64) + shift).astype(np.uint32)
            found.extend(self._table_batch(np.array(keys, dtype=np.uint64), moved_lines))
        found.sort()
        return found

    def reserve(self, users: int) -> None:
        """Makes room for `users` users at once (at most RESERVE_LIMIT), so that a file's
        users do not grow the table step by step. Past `SMALL` this imports numpy."""
        users = min(users, self.RESERVE_LIMIT)
        if users <= self.SMALL:
            return
        if self._small is not None:
            self._to_table(users)
        elif users > self._grow_at():
            self._grow(users)

    def items(self) -> Iterator[tuple[int, int]]:
        """(digest, first line) of every user, in no particular order."""
        self._flush()
        if self._small is not None:
            yield from list(self._small.items())
            return
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

    def _flush(self) -> None:
        """Resolves the pending lines into `_found`."""
        keys, lines = self._pending_digests, self._pending_lines
        if not keys:
            return
        if len(keys) != len(lines):
            raise ValueError("BatchUsers: add_digest and add_line were called unevenly")
        if self._small is not None and len(self._small) + len(keys) <= self.SMALL:
            self._found.extend(self._small_batch(keys, lines, ordered=True))
        else:
            if self._small is not None:
                self._to_table(len(self._small) + len(keys))
            import numpy as np

            # Copies, so that the arrays can be emptied (an exported buffer could not be).
            batch = self._table_batch(
                np.array(keys, dtype=np.uint64), np.array(lines, dtype=np.uint32)
            )
            self._found.extend(batch)
        del keys[:]
        del lines[:]

    def _small_batch(
        self, keys: array[int], lines: array[int], *, ordered: bool
    ) -> list[tuple[int, int, int]]:
        assert self._small is not None
        setdefault = self._small.setdefault
        pairs: Iterable[tuple[int, int]] = zip(keys, lines, strict=True)
        if not ordered:  # a line earlier in the file, not in the list, is the first
            pairs = sorted(pairs, key=lambda pair: pair[1])
        found = []
        for digest, lineno in pairs:
            first = setdefault(digest, lineno)
            if first != lineno:
                found.append((lineno, first, digest))
        return found

    def _table_batch(self, keys: U64, lines: U32) -> list[tuple[int, int, int]]:
        """The batch's findings in line order; records its new users."""
        import numpy as np

        if lines.size > 1 and bool((lines[1:] < lines[:-1]).any()):
            order = np.argsort(lines, kind="stable")
            keys, lines = keys[order], lines[order]
        firsts = self._probe(keys, lines)
        again = np.flatnonzero(firsts != lines)
        return list(
            zip(
                lines[again].tolist(),
                firsts[again].tolist(),
                keys[again].tolist(),
                strict=True,
            )
        )

    # ------------------------------------------------------------------ the table

    def _grow_at(self) -> int:
        return int(self._buckets * BUCKET * MAX_LOAD)

    def _to_table(self, users: int) -> None:
        """Moves the dict's users into a numpy table with room for `users`."""
        import numpy as np

        small, self._small = self._small, None
        self._new_table(users)
        if small:
            keys = np.fromiter(small.keys(), dtype=np.uint64, count=len(small))
            lines = np.fromiter(small.values(), dtype=np.uint32, count=len(small))
            self._fill([(keys, lines)])

    def _new_table(self, users: int) -> None:
        self._buckets = max(16, int(users / (BUCKET * MAX_LOAD)) + 1)
        self._digests, self._maps[0] = _mapped((self._buckets, BUCKET), "uint64")
        self._lines, self._maps[1] = _mapped((self._buckets, BUCKET), "uint32")
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
                _forget(digest_map, (start + step) * BUCKET * 8)
                _forget(line_map, (start + step) * BUCKET * 4)
            # A step's worth at a time: the index arrays of placing them all at once
            # (~150 B a key) would be the peak.
            while aside:
                yield aside.pop()

        self._fill(steps())
        _trim_heap()

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

    def _probe_one(self, digest: int, lineno: int) -> int:
        """`_probe` for one key, in Python: a dozen numpy calls cost more than this."""
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
        flat_digests, flat_lines = digests.reshape(-1), table_lines.reshape(-1)
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
                free_at, new_keys = where[empty], wanted[empty]
                flat_digests[free_at] = new_keys
                # Two new keys of the batch may pick one free slot: one of them holds it
                # (which is not promised); the others look again from that bucket.
                won = flat_digests[free_at] == new_keys
                at, who = free_at[won], todo[empty][won]
                # One key twice in the batch wins one slot twice (its copies go the same
                # way): the earliest line is kept, the others answer with it.
                flat_lines[at] = _NO_LINE
                np.minimum.at(flat_lines, at, lines[who])
                kept = flat_lines[at]
                firsts[who] = kept
                added += int(np.count_nonzero(kept == lines[who]))
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
        added = 0
        for index, digest in zip(todo.tolist(), keys[todo].tolist(), strict=True):
            firsts[index] = self._probe_one(digest, int(firsts[index]))
        self._count += added
        return firsts
