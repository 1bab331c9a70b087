"""MIC5xx: facts about several lines of one file.

These rules keep per-file state in `LineContext.state`, under their own code. The state is
one 16-byte digest per distinct user, not the identifier strings: memory grows with the
number of users, never with their length.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from mics_lint.diagnostic import Finding, Severity
from mics_lint.registry import Family, LineContext, Record
from mics_lint.rules.identifiers import present_identifiers

FAMILY = Family("MIC5", "across lines")


def user_key(record: Record) -> tuple[str, bytes] | None:
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
    joined = "\x00".join([name, *values]).encode("utf-8", "surrogatepass")
    return name, hashlib.blake2b(joined, digest_size=16).digest()


@FAMILY.rule(
    "MIC501",
    "duplicate-user",
    Severity.WARNING,
    "the same user already appeared on an earlier line",
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
    seen: dict[bytes, int] = ctx.state.setdefault("MIC501", {})
    first = seen.setdefault(key[1], ctx.lineno)
    if first != ctx.lineno:
        yield Finding(
            f"this user ({key[0]}) already appeared on line {first}: keep one command per user"
        )
