"""MIC5xx: facts about several lines of one file.

These rules keep per-file state in `LineContext.state`, under their own code. MIC501 keeps a
`BatchUsers` (userstore.py): a 64-bit digest and a line number per distinct user, never the
identifier strings, so memory grows with the number of users (18 to 32 bytes each), not
with their length; the fast path queues users and has them answered in batches. Two
different users share a digest with odds of about n²/2^65 for n users (one in ten
thousand for ten million users); the price is a spurious MIC501 warning.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Union

from mics_lint.diagnostic import Finding, Severity
from mics_lint.inline import inlinable
from mics_lint.registry import ACROSS_USERS, Family, LineContext, Record
from mics_lint.rules.identifiers import present_identifiers

if TYPE_CHECKING:
    from mics_lint.userstore import BatchUsers

FAMILY = Family("MIC5", "across lines")
DUPLICATE_USER_STATE = "MIC501"
# Set only in a worker checking a chunk: line -> (identifier kind, digest) of each MIC501.
DUPLICATE_FOUND_STATE = "MIC501-found"

# 64 bits, less the two low ones, which say the kind.
_DIGEST_MASK = ((1 << 64) - 1) & ~3


_KINDS = ("user account", "email_hash", "user_agent_id")
KIND_BITS = {name: index + 1 for index, name in enumerate(_KINDS)}
_BITS = KIND_BITS


def user_digest(name: str, *values: str) -> int:
    """A nonzero 64-bit digest of one user's identifier; its two low bits say which kind.

    Python's string hash is seeded per process: every process that adds to one file's
    table must share the seed (see `parallel.py`). The kind's bits keep kinds apart, so
    only the values are hashed.
    """
    return DIGESTERS[name](*values)


def _digester(name: str, values: tuple[str, ...], key: str) -> Callable[..., int]:
    """`user_digest` of one kind, a function of its `values` alone (hashed as `key`),
    declared as one expression: the profile fast check joins it with the screens of the
    same values (inline.joined), where a call of its own would cost more than the hash."""
    digest: Callable[..., int] = inlinable(
        f"(hash({key}) & {_DIGEST_MASK}) | {_BITS[name]}", values
    )
    return digest


#: `user_digest` by kind.
DIGESTERS = {
    "user account": _digester("user account", ("compartment", "account"), "(compartment, account)"),
    "email_hash": _digester("email_hash", ("value",), "value"),
    "user_agent_id": _digester("user_agent_id", ("value",), "value"),
}
#: The digest of an account on a line without compartment_id, whose compartment `user_key`
#: reads as "" (MIC304's lines, an export relying on the default compartment).
ACCOUNT_ALONE = _digester("user account", ("account",), '("", account)')


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


class ChunkUsers:
    """MIC501's table for one chunk of a file checked in parallel: at most ~10,000 lines, so
    a dict, whose `setdefault` answers `first_line` in one C call. The parent merges chunks
    into one `BatchUsers`."""

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
        from mics_lint.userstore import DIGESTS  # its typecode converts each digest fastest

        return array(DIGESTS, self._lines), array("I", self._lines.values())


#: What MIC501 keeps users in: a file's `BatchUsers` (userstore.py), or a worker's
#: `ChunkUsers`.
Users = Union["BatchUsers", ChunkUsers]


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
