"""MIC501's users answered in batches: `BatchUsers`.

A table probed in Python, one line at a time, costs about 0.7 µs a line (the `UserTable`
MIC501 used before). Here a line only
appends its digest and number to two arrays (`add`); `resolve` then answers the whole batch
with a few numpy calls over a bucketed hash table (`BucketTable`, buckets.py: its buckets,
growth and memory). bench/userstore.py, batches of 4096,
5% repeats: 0.30 µs a line (the two appends 0.08 of it) against 0.78 for `first_line` with
room reserved; 0.41-0.44 against 1.6-1.7 when both grow as users come (1M and 5M users).

* numpy is imported by the first batch past `SMALL` users: until then a dict answers, so a
  small file never pays numpy's import (~100 ms, 13 MiB).
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # imported past `SMALL` users: a small file never needs it (start-up)
    from mics_lint.buckets import BucketTable

# The digests' array type: 8-byte unsigned. "L" where C's long is 8 bytes (Linux, macOS):
# appending an int past 30 bits to it converts in a few steps, where "Q" takes the generic
# byte-array conversion, 300 instructions more on every vouched line (cachegrind).
DIGESTS = "L" if array("L").itemsize == 8 else "Q"


class BatchUsers:
    """The first line of each user, by digest, answered a batch of lines at a time.

    Lines must be added in increasing order. Pending lines are resolved before anything
    else is answered: their findings are kept for the next `resolve` when `first_line`,
    `count` or `items` is asked first, and returned with its own by `merge`, so that no
    line's finding is lost.
    """

    __slots__ = (
        "_found",
        "_pending_digests",
        "_pending_lines",
        "_small",
        "_table",
        "add_digest",
        "add_line",
    )

    #: Users kept in a dict before the numpy table takes over: a file this small never
    #: imports numpy, and the dict (~120 B a user) stays under half a MiB.
    SMALL = 4096
    #: Room made ahead (`reserve`, a guess from a file's size) is for at most this many users.
    RESERVE_LIMIT = 1 << 20
    #: The table made past `SMALL` users (tests shrink it through a subclass); None:
    #: buckets.BucketTable, imported then.
    _TABLE: ClassVar[type[BucketTable] | None] = None

    def __init__(self) -> None:
        self._pending_digests = array(DIGESTS)
        self._pending_lines = array("I")
        # The hot loop appends to these directly: two C calls, no Python frame (`add`).
        self.add_digest = self._pending_digests.append
        self.add_line = self._pending_lines.append
        # The users: in the dict until the table is made, then in the table alone.
        self._small: dict[int, int] = {}
        self._table: BucketTable | None = None
        self._found: list[tuple[int, int, int]] = []

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
        return len(self._small) if self._table is None else self._table.count

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
        if self._table is None:
            first = self._small.setdefault(digest, lineno)
            if len(self._small) > self.SMALL:
                self._to_table(len(self._small))
            return first
        return self._table.probe_one(digest, lineno)

    def withdraw(self, lineno: int) -> None:
        """Takes back the user of line `lineno` if it is the last one added (`add_digest`,
        `add_line`): that line's checks start again (FastLoop._full)."""
        lines = self._pending_lines
        if lines and lines[-1] == lineno:
            lines.pop()
            self._pending_digests.pop()

    def _pending_holds(self, digest: int) -> bool:
        """Whether a pending line has this user: one numpy compare of the queued digests
        once the table brought numpy, else a search of their bytes. A line the full checks
        take asks it, with up to 8,192 queued (userswindow.WINDOW): for 4,096, the compare
        took 2.7 µs, the copy and search 12.8 (timeit)."""
        if self._table is not None:
            numpy = sys.modules["numpy"]
            return bool((numpy.frombuffer(self._pending_digests, numpy.uint64) == digest).any())
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
        keys = digests if isinstance(digests, array) else array(DIGESTS, digests)
        firsts = lines if isinstance(lines, array) else array("I", lines)
        if len(keys) != len(firsts):
            raise ValueError("merge: digests and lines differ in length")
        if not keys:
            return found
        if self._table is None and len(self._small) + len(keys) <= self.SMALL:
            moved = array("I", (line + shift for line in firsts))
            found.extend(self._small_batch(keys, moved, ordered=False))
        else:
            table = self._table
            if table is None:
                table = self._to_table(len(self._small) + len(keys))
            found.extend(table.batch(keys, firsts, shift))
        found.sort()
        return found

    def reserve(self, users: int) -> None:
        """Makes room for `users` users at once (at most RESERVE_LIMIT), so that a file's
        users do not grow the table step by step. Past `SMALL` this imports numpy.

        `users` is a guess from a file's first lines: an eighth more, and a batch's worth
        (a batch grows the table if all its keys could be new), so that a guess a little
        low does not double the table at the file's end. The 1M-line bench file's first
        lines promised 988,494 users for its 993,953: the table doubled at line ~990,000,
        0.08 s and twice the memory."""
        if users <= self.SMALL:
            return  # a small file never imports numpy
        users = min(users + users // 8 + self._table_class().SLICE, self.RESERVE_LIMIT)
        if self._table is None:
            self._to_table(users)
        else:
            self._table.reserve(users)

    def items(self) -> Iterator[tuple[int, int]]:
        """(digest, first line) of every user, in no particular order."""
        self._flush()
        if self._table is None:
            yield from list(self._small.items())
        else:
            yield from self._table.items()

    # ------------------------------------------------------------------ the batches

    def _flush(self) -> None:
        """Resolves the pending lines into `_found`."""
        keys, lines = self._pending_digests, self._pending_lines
        if not keys:
            return
        if len(keys) != len(lines):
            raise ValueError("BatchUsers: add_digest and add_line were called unevenly")
        if self._table is None and len(self._small) + len(keys) <= self.SMALL:
            self._found.extend(self._small_batch(keys, lines, ordered=True))
        else:
            table = self._table
            if table is None:
                table = self._to_table(len(self._small) + len(keys))
            self._found.extend(table.batch(keys, lines))
        del keys[:]
        del lines[:]

    def _small_batch(
        self, keys: array[int], lines: array[int], *, ordered: bool
    ) -> list[tuple[int, int, int]]:
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

    def _to_table(self, users: int) -> BucketTable:
        """Moves the dict's users into a numpy table with room for `users`."""
        table = self._table = self._table_class()(users)
        table.load(self._small)
        self._small = {}
        return table

    def _table_class(self) -> type[BucketTable]:
        if self._TABLE is not None:
            return self._TABLE
        from mics_lint.buckets import BucketTable

        return BucketTable
