"""MIC501's users answered in batches: `BatchUsers`.

`UserTable.first_line` probes a table in Python, about 0.7 µs a line. Here a line only
appends its digest and number to two arrays (`add`); `resolve` then answers the whole batch
with a few numpy calls over a bucketed hash table:

* buckets of 8 slots (one 64-byte row of digests, one 32-byte row of lines): a batch gathers
  one row per user, so a user is usually decided by one memory access, even 90% full;
* a bucket's home comes from the digest's top 32 bits scaled to the bucket count, so the
  count need not be a power of two: the table grows by 1.6, not 2. The old and new tables
  coexist while growing, so peak memory is 12 B a slot * (1 + 1.6) / 0.9 full ≈ 35 B a user,
  where doubling at the same fill would need 40, and a table just grown is 0.56 full
  (21 B a user);
* numpy is imported by the first batch past `SMALL` users: until then a dict answers, so a
  small file never pays numpy's import (~100 ms, 13 MiB).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from mics_lint.rules.crossline import UserTable

    U64 = npt.NDArray[np.uint64]
    U32 = npt.NDArray[np.uint32]
    I64 = npt.NDArray[np.int64]

#: Slots a bucket: one cache line of digests.
BUCKET = 8
#: The table grows when an insert could fill it past this share of its slots.
MAX_LOAD = 0.9
#: How much larger a grown table is (see the module's docstring for the memory bound).
GROWTH = 1.6


class BatchUsers:
    """The first line of each user, by digest, answered a batch of lines at a time.

    Lines must be added in increasing order. Findings of lines resolved early (by
    `first_line`, `count`, `items` or `merge` while lines are pending) are kept and returned
    by the next `resolve`, so that no line's finding is lost.
    """

    __slots__ = (
        "_buckets",
        "_count",
        "_digests",
        "_found",
        "_lines",
        "_pending_digests",
        "_pending_lines",
        "_small",
        "add_digest",
        "add_line",
    )

    #: Users kept in a dict before the numpy table takes over: a file this small never
    #: imports numpy, and the dict (~120 B a user) stays under half a MiB.
    SMALL = 4096
    #: As `UserTable.RESERVE_LIMIT`: room made ahead is for at most this many users.
    RESERVE_LIMIT = 1 << 20
    #: Rows of the old table moved per step while growing: small steps keep the transient
    #: index arrays small against the tables themselves.
    _GROW_STEP = 1 << 14

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
        """The line where `digest` was first seen; records `lineno` if this is the first."""
        self._flush()
        if self._small is not None:
            first = self._small.setdefault(digest, lineno)
            if len(self._small) > self.SMALL:
                self._to_table(len(self._small))
            return first
        return self._probe_one(digest, lineno)

    def merge(
        self, digests: Iterable[int], lines: Iterable[int], shift: int
    ) -> list[tuple[int, int, int]]:
        """Adds the users of a chunk (their first lines moved by `shift`), as
        `UserTable.merge`: (line, first line, digest) of those seen before, sorted by line.
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
        for start in range(0, self._buckets, self._GROW_STEP):
            rows = self._digests[start : start + self._GROW_STEP]
            used = rows != 0
            yield from zip(
                rows[used].tolist(),
                self._lines[start : start + self._GROW_STEP][used].tolist(),
                strict=True,
            )

    @classmethod
    def from_table(cls, table: UserTable) -> BatchUsers:
        """A store holding the users of `table` (whose digests are distinct)."""
        users = cls()
        keys, lines = array("Q"), array("I")
        for digest, lineno in table.items():
            keys.append(digest)
            lines.append(lineno)
        if len(keys) <= cls.SMALL:
            users._small = dict(zip(keys, lines, strict=True))
        else:
            users._to_table(len(keys))
            import numpy as np

            users._probe(np.array(keys, dtype=np.uint64), np.array(lines, dtype=np.uint32))
        return users

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
        # Each user once (the probe needs distinct keys), at the earliest of its lines:
        # `unique` returns the first index of each, and the lines increase with the index.
        unique, first_index, inverse = np.unique(keys, return_index=True, return_inverse=True)
        firsts = self._probe(unique, lines[first_index])[inverse.reshape(-1)]
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
            self._probe(
                np.fromiter(small.keys(), dtype=np.uint64, count=len(small)),
                np.fromiter(small.values(), dtype=np.uint32, count=len(small)),
            )

    def _new_table(self, users: int) -> None:
        import numpy as np

        self._buckets = max(16, int(users / (BUCKET * MAX_LOAD)) + 1)
        self._digests = np.zeros((self._buckets, BUCKET), dtype=np.uint64)
        self._lines = np.zeros((self._buckets, BUCKET), dtype=np.uint32)
        self._count = 0

    def _grow(self, users: int) -> None:
        """A table with room for `users`, at least GROWTH times larger, holding every user
        of this one, which is freed step by step while they move (bounding the peak)."""
        old_digests, old_lines = self._digests, self._lines
        assert old_digests is not None and old_lines is not None
        self._new_table(max(users, int(self._buckets * BUCKET * MAX_LOAD * GROWTH)))
        step = self._GROW_STEP
        for start in range(0, len(old_digests), step):
            rows = old_digests[start : start + step]
            used = rows != 0
            self._probe(rows[used], old_lines[start : start + step][used])

    def _probe_one(self, digest: int, lineno: int) -> int:
        """`_probe` for one key, in Python: a dozen numpy calls cost more than this."""
        digests, table_lines = self._digests, self._lines
        assert digests is not None and table_lines is not None
        if self._count + 1 > self._grow_at():
            self._grow(self._count + 1)
            digests, table_lines = self._digests, self._lines
            assert digests is not None and table_lines is not None
        bucket = ((digest >> 32) * self._buckets) >> 32
        while True:
            row = digests[bucket].tolist()
            for slot, held in enumerate(row):
                if held == digest:
                    return int(table_lines[bucket, slot])
                if not held:
                    digests[bucket, slot] = digest
                    table_lines[bucket, slot] = lineno
                    self._count += 1
                    return lineno
            bucket = bucket + 1 if bucket + 1 < self._buckets else 0

    def _home(self, keys: U64) -> I64:
        import numpy as np

        # The top 32 bits scaled to [0, buckets): any bucket count, one multiply.
        scaled = (keys >> np.uint64(32)) * np.uint64(self._buckets)
        return (scaled >> np.uint64(32)).astype(np.int64)

    def _probe(self, keys: U64, lines: U32) -> U32:
        """The first line of each of `keys` (distinct): the recorded one, or `lines`' own,
        then recorded. Buckets are probed linearly; a key is in the first bucket from its
        home with a free slot, or in a full one before it, at the first free slot when it
        came (slots are never freed), so the first slot holding it or nothing decides."""
        import numpy as np

        if self._count + keys.size > self._grow_at():
            self._grow(self._count + keys.size)
        digests, table_lines = self._digests, self._lines
        assert digests is not None and table_lines is not None
        buckets = self._buckets
        firsts = lines.copy()
        todo = np.arange(keys.size)
        bucket = self._home(keys)
        wanted = keys
        added = 0
        while todo.size:
            rows = digests[bucket]
            stop = (rows == wanted[:, None]) | (rows == 0)
            slot = stop.argmax(axis=1)
            held = rows[np.arange(todo.size), slot]
            hit = held == wanted
            if hit.any():
                firsts[todo[hit]] = table_lines[bucket[hit], slot[hit]]
            free = held == 0
            settled = hit
            if free.any():
                free_bucket, free_slot, free_key = bucket[free], slot[free], wanted[free]
                digests[free_bucket, free_slot] = free_key
                # Two new keys of the batch may pick one free slot: the one written last
                # holds it; the others look again at the same bucket.
                won = digests[free_bucket, free_slot] == free_key
                table_lines[free_bucket[won], free_slot[won]] = firsts[todo[free][won]]
                added += int(np.count_nonzero(won))
                free[free] = won
                settled = hit | free
            # A full bucket without the key sends it to the next one; a key that lost a
            # free slot stays (its bucket now has one more key in it).
            onward = ~(hit | (held == 0))
            bucket[onward] += 1
            bucket[bucket == buckets] = 0
            keep = ~settled
            todo, bucket, wanted = todo[keep], bucket[keep], wanted[keep]
        self._count += added
        return firsts
