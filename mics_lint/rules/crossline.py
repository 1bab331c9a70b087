"""MIC5xx: facts about several lines of one file.

These rules keep per-file state in `LineContext.state`, under their own code. MIC501 keeps a
`UserTable`: a 64-bit digest and a line number per distinct user, never the identifier
strings, so memory grows with the number of users (at most about 31 bytes each, even while
the table grows), not with their length. Room made ahead by `reserve` (from a file's size)
may exceed that for a file whose later lines repeat its users, up to RESERVE_LIMIT users.
Two different users share a digest with odds of about n²/2^65 for n users (one in ten
thousand for ten million users); the price is a spurious MIC501 warning.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Union

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import ACROSS_USERS, Family, LineContext, Record
from mics_lint.rules.identifiers import present_identifiers

if TYPE_CHECKING:
    from mics_lint.userstore import BatchUsers

FAMILY = Family("MIC5", "across lines")
DUPLICATE_USER_STATE = "MIC501"
# Set only in a worker checking a chunk: line -> (identifier kind, digest) of each MIC501.
DUPLICATE_FOUND_STATE = "MIC501-found"

_MASK64 = (1 << 64) - 1


_KINDS = ("user account", "email_hash", "user_agent_id")
KIND_BITS = {name: index + 1 for index, name in enumerate(_KINDS)}


def user_digest(name: str, *values: str) -> int:
    """A nonzero 64-bit digest of one user's identifier; its two low bits say which kind.

    Python's string hash is seeded per process: every process that adds to one file's
    table must share the seed (see `parallel.py`).
    """
    return (hash((name, *values)) & _MASK64 & ~3) | KIND_BITS[name]


def kind_name(digest: int) -> str:
    """The identifier kind a digest was made from ("email_hash", ...)."""
    return _KINDS[(digest & 3) - 1]


def user_key(record: Record) -> tuple[str, int] | None:
    """Who the command is about, as (identifier name, digest); None when that is unclear."""
    found = present_identifiers(record)
    if len(found) != 1:
        return None
    name, keys = found[0]
    values = [record.get(k, "") for k in keys]
    # The last key names the user (user_account_id for an account); a compartment alone
    # names nobody (MIC303).
    if not all(isinstance(v, str) for v in values) or not values[-1]:
        return None
    return name, user_digest(name, *values)


class _Shard:
    """Open addressing over two flat arrays: a digest and a first line a slot."""

    __slots__ = ("count", "digests", "grow_at", "lines", "mask")

    def __init__(self, capacity: int) -> None:
        self.digests = array("Q", bytes(8 * capacity))
        self.lines = array("I", bytes(4 * capacity))
        self.mask = capacity - 1
        self.count = 0
        self.grow_at = capacity * 4 // 5

    def grow(self, size: int = 0) -> None:
        """Doubles the shard, or makes it `size` slots (a power of two, larger than now)."""
        old = zip(self.digests, self.lines, strict=True)
        size = size or (self.mask + 1) * 2
        digests = self.digests = array("Q", bytes(8 * size))
        lines = self.lines = array("I", bytes(4 * size))
        mask = self.mask = size - 1
        self.grow_at = size * 4 // 5
        # Every digest is distinct here: only an empty slot is looked for (a hot loop).
        for digest, lineno in old:
            if digest:
                slot = digest & mask
                if digests[slot]:
                    step = (digest >> 40) | 1
                    while digests[slot]:
                        slot = (slot + step) & mask
                digests[slot] = digest
                lines[slot] = lineno


class UserTable:
    """The first line of each user, by digest.

    12 bytes a slot, each shard kept between 40% and 80% full: 15 to 30 bytes per user. The
    table is split in 64 shards by the digest's top bits so that growing (which holds a
    shard's old and new arrays at once) never doubles the whole table: at most 1/64 more.
    """

    __slots__ = ("_shards",)

    SHARDS = 64

    def __init__(self, capacity: int = 1024) -> None:
        per_shard = max(16, capacity // self.SHARDS)
        self._shards = [_Shard(per_shard) for _ in range(self.SHARDS)]

    @property
    def count(self) -> int:
        return sum(shard.count for shard in self._shards)

    #: `reserve` makes room ahead for at most this many users (25 MiB); past that, the
    #: table grows as users come. A guess too high (a file whose first lines are all new
    #: users, and the rest repeats them) costs room never used, up to this bound.
    RESERVE_LIMIT = 1 << 20

    def reserve(self, users: int) -> None:
        """Makes room for `users` users at once (at most RESERVE_LIMIT): growing step by
        step as they come costs more than adding them (each is moved about once more)."""
        needed = min(users, self.RESERVE_LIMIT) // self.SHARDS * 5 // 4 + 1  # <= 80% full
        size = 1 << needed.bit_length()
        for shard in self._shards:
            if size > shard.mask + 1:
                shard.grow(size)

    def first_line(self, digest: int, lineno: int) -> int:
        """The line where `digest` was first seen; records `lineno` if this is the first."""
        shard = self._shards[digest >> 58]  # the top 6 bits pick the shard
        digests = shard.digests
        mask = shard.mask
        slot = digest & mask
        held = digests[slot]
        if held:
            step = (digest >> 40) | 1  # odd, so every slot is reached (the size is 2**n)
            while held:
                if held == digest:
                    return shard.lines[slot]
                slot = (slot + step) & mask
                held = digests[slot]
        digests[slot] = digest
        shard.lines[slot] = lineno
        shard.count += 1
        if shard.count > shard.grow_at:
            shard.grow()
        return lineno

    def merge(
        self, digests: Iterable[int], lines: Iterable[int], shift: int
    ) -> list[tuple[int, int, int]]:
        """Adds the users of a chunk (their first lines moved by `shift`): `first_line` for
        many users in one call, for the parent of parallel workers, which merges every
        user of a file alone. Returns (line, first line, digest) of users seen before."""
        shards = self._shards
        seen = []
        for digest, line in zip(digests, lines, strict=True):
            line += shift
            shard = shards[digest >> 58]
            table = shard.digests
            mask = shard.mask
            slot = digest & mask
            held = table[slot]
            while held:
                if held == digest:
                    seen.append((line, shard.lines[slot], digest))
                    break
                slot = (slot + ((digest >> 40) | 1)) & mask
                held = table[slot]
            else:  # an empty slot: a new user
                table[slot] = digest
                shard.lines[slot] = line
                shard.count += 1
                if shard.count > shard.grow_at:
                    shard.grow()
        return seen

    def items(self) -> Iterator[tuple[int, int]]:
        """(digest, first line) of every user, in no particular order."""
        for shard in self._shards:
            for digest, lineno in zip(shard.digests, shard.lines, strict=True):
                if digest:
                    yield digest, lineno


class ChunkUsers:
    """MIC501's table for one chunk of a file checked in parallel: at most ~10,000 lines, so
    a dict, whose `setdefault` is the same question as `UserTable.first_line` asked in one C
    call instead of a Python loop. The parent merges chunks into one `UserTable`."""

    __slots__ = ("_lines", "first_line")

    def __init__(self) -> None:
        self._lines: dict[int, int] = {}
        self.first_line: Callable[[int, int], int] = self._lines.setdefault

    @property
    def count(self) -> int:
        return len(self._lines)

    def items(self) -> Iterator[tuple[int, int]]:
        return iter(self._lines.items())

    def arrays(self) -> tuple[array[int], array[int]]:
        """The digests and first lines, in the same order: compact to send to the parent."""
        return array("Q", self._lines), array("I", self._lines.values())


#: What MIC501 keeps users in: a file's `BatchUsers` (userstore.py), a worker's
#: `ChunkUsers`, or a `UserTable`.
Users = Union["BatchUsers", UserTable, ChunkUsers]


def duplicate_message(name: str, first: int) -> str:
    return f"this user ({name}) already appeared on line {first}: keep one command per user"


@FAMILY.rule(
    "MIC501",
    "duplicate-user",
    Severity.WARNING,
    "the same user already appeared on an earlier line",
    across_chunks=ACROSS_USERS,
)
def duplicate_user(record: Record, ctx: LineContext) -> Iterator[Finding]:
    """
    ## What it does
    Checks that each user (the same identifier, with the same compartment for a user
    account) appears on one line only. Reported on every later line, naming the first.

    ## Why is this bad?
    The platform does not promise to apply the lines of a file in order, so two commands for
    one user race: an UPSERT and a DELETE, or two UPSERTs with different profiles, end in
    either state. Duplicates usually come from a join that multiplied rows.

    ## Example
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    {"operation":"DELETE","email_hash":"3f2a9c"}
    ```

    Use instead:
    ```ndjson
    {"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,"user_profile":{"tier":"gold"}}
    ```
    Keep one command per user: the last state you want.
    """
    key = user_key(record)
    if key is None:
        return
    table: Users | None = ctx.state.get(DUPLICATE_USER_STATE)
    if table is None:  # not setdefault: a new table is 12 KiB, too much to make per line
        from mics_lint.userstore import BatchUsers

        table = ctx.state[DUPLICATE_USER_STATE] = BatchUsers()
    first = table.first_line(key[1], ctx.lineno)
    if first != ctx.lineno:
        found = ctx.state.get(DUPLICATE_FOUND_STATE)
        if found is not None:
            found[ctx.lineno] = key
        yield Finding(duplicate_message(key[0], first))


DUPLICATE_USER = FAMILY.rules[-1]
