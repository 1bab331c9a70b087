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
from mics_lint.rules.crossline import UserTable, user_digest

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

    def check(c: Any, raw: bytes, lineno: int) -> bool:
        account = c.user_account_id
        if account is not UNSET:
            compartment = c.compartment_id
            if compartment is UNSET or c.email_hash is not UNSET or c.user_agent_id is not UNSET:
                return False
            key: tuple[str, ...] = ("user account", compartment, account)
            names = [b"compartment_id", b"user_account_id"]
        elif c.compartment_id is not UNSET:
            return False
        elif c.email_hash is not UNSET:
            email = c.email_hash
            if c.user_agent_id is not UNSET or "@" in email:
                return False
            key = ("email_hash", email)
            names = [b"email_hash"]
        elif c.user_agent_id is not UNSET and user_agent_id(c.user_agent_id):
            key = ("user_agent_id", c.user_agent_id)
            names = [b"user_agent_id"]
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
        if check_dups:
            names.append(b"operation")
            if force is not UNSET:
                names.append(b"force_replace")
            if merge is not UNSET:
                names.append(b"merge_objects")
            if profile is not UNSET:
                names.append(b"user_profile")
            for name in names:
                # Not once: written twice, or with \u escapes (the slow path decides).
                if raw.count(name) != 1:
                    return False
        return users is None or users.first_line(user_digest(*key), lineno) == lineno

    return check
