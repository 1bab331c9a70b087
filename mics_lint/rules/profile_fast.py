"""The USER_PROFILE fast check: vouches for a decoded line only when no rule can fire on it.

It mirrors, as cheap tests on the decoded Struct and the raw bytes, the conditions of
MIC103, MIC104, MIC206, MIC3xx, MIC4xx and MIC501 (structure, MIC2xx, was checked by the
decode itself). Each test may be broader than its rule (any `<` at all, any `@` in an
e-mail hash) but never narrower: a line it does not vouch for simply takes the full path.
tests/test_fastpath.py checks that diagnostics are the same with and without it.
"""

from __future__ import annotations

from typing import Any

from mics_lint.registry import FastCheck
from mics_lint.rules import crossline, identifiers, syntax
from mics_lint.rules.crossline import UserTable

_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_RUN = b"0" * 19  # an integer of 19 digits or more may not fit in 64 bits


def make_check(enabled: frozenset[str], users: UserTable | None) -> FastCheck:
    """The check for one file, with the work of rules that are not selected left out."""
    check_dups = syntax.DUPLICATE_KEY.code in enabled
    check_ints = syntax.UNSAFE_INTEGER.code in enabled
    if crossline.DUPLICATE_USER.code not in enabled:
        users = None
    user_agent_id = identifiers.USER_AGENT_ID.fullmatch
    from mics_lint.fastpath import UNSET  # msgspec is imported only for files worth it

    count = bytes.count
    first_line = users.first_line if users is not None else None
    kinds = crossline.KIND_BITS
    mask64 = (1 << 64) - 1 - 3

    def check(c: Any, raw: bytes, lineno: int) -> bool:
        # Written flat, with no helper calls: this runs on every clean line.
        account = c.user_account_id
        if account is not UNSET:
            compartment = c.compartment_id
            if compartment is UNSET or c.email_hash is not UNSET or c.user_agent_id is not UNSET:
                return False
            if check_dups and (
                count(raw, b"user_account_id") != 1 or count(raw, b"compartment_id") != 1
            ):
                return False
            kind = "user account"
            key: int = hash((kind, compartment, account))
        elif c.compartment_id is not UNSET:
            return False
        elif c.email_hash is not UNSET:
            email = c.email_hash
            if c.user_agent_id is not UNSET or "@" in email:
                return False
            if check_dups and count(raw, b"email_hash") != 1:
                return False
            kind = "email_hash"
            key = hash((kind, email))
        elif c.user_agent_id is not UNSET and user_agent_id(c.user_agent_id):
            if check_dups and count(raw, b"user_agent_id") != 1:
                return False
            kind = "user_agent_id"
            key = hash((kind, c.user_agent_id))
        else:
            return False
        force, merge, profile = c.force_replace, c.merge_objects, c.user_profile
        if c.operation == "UPSERT":
            if force is UNSET or profile is UNSET:
                return False
            if force is True and (merge is True or not profile):
                return False
        elif force is not UNSET or merge is not UNSET or profile is not UNSET:
            return False
        if b"<" in raw or b"\\u003" in raw:  # a placeholder, "<USER_ACCOUNT_ID>"
            return False
        if check_ints and _LONG_RUN in raw.translate(_DIGITS_TO_ZERO):
            return False
        # Not once: written twice, or with \u escapes (the slow path decides).
        if check_dups and (
            count(raw, b"operation") != 1
            or (force is not UNSET and count(raw, b"force_replace") != 1)
            or (merge is not UNSET and count(raw, b"merge_objects") != 1)
            or (profile is not UNSET and count(raw, b"user_profile") != 1)
        ):
            return False
        # The digest as crossline.user_digest makes it (the kind in the two low bits).
        return first_line is None or first_line((key & mask64) | kinds[kind], lineno) == lineno

    return check
