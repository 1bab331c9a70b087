"""Fast checks of the types other than profiles (the profile's, tuned harder, is
profile_fast.py).

Each vouches for a decoded line only when no rule can fire on it, as profile_fast.py
explains: a test may be broader than its rule, never narrower, and a line it does not vouch
for takes the full checks. tests/test_fastpath.py holds every type's check to the same
diagnostics with it on and off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from mics_lint.framer import BACKSLASH, LESS_THAN, is_utf8
from mics_lint.longints import may_hold_long_int
from mics_lint.nestedkeys import counted
from mics_lint.registry import FastCheck, FastCheckMaker, FileState, Rule, ValueTest
from mics_lint.rules import (
    REGISTRY,
    choices,
    deletions,
    identifiers,
    segments,
    structure,
    syntax,
    typed_identifiers,
)
from mics_lint.rules.crossline import Users

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder


class Screens:
    """The value rules' screens by role, for one file's rule selection."""

    def __init__(self, enabled: frozenset[str]) -> None:
        self.by_role: dict[str, ValueTest | None] = REGISTRY.value_screens(enabled)

    def ok(self, role: str, value: Any) -> bool:
        """No enabled value rule can fire on this value (a string, or UNSET/other: ok)."""
        screen = self.by_role[role]
        return screen is None or type(value) is not str or not screen(value)


_IDENTIFIER_PATTERNS = {
    "compartment_id": r"\S",
    "user_account_id": r"\S",
    "email_hash": r"\S",
    "user_agent_id": r"\S",
}


def _one_identifier(c: Any, unset: Any, screens: Screens, alone: Rule | bool) -> bool | Rule:
    """MIC301 to MIC306 and the value rules cannot fire: one identifier, well formed (as
    in profile_fast.py); or an account without its compartment, `alone` then (MIC304, for
    the engine to run by itself; True where it is not enabled)."""
    account = c.user_account_id
    if account is not unset:
        compartment = c.compartment_id
        if c.email_hash is not unset or c.user_agent_id is not unset or not account.strip():
            return False
        if not screens.ok("user_account_id", account):
            return False
        if compartment is unset:
            return alone
        return bool(compartment.strip()) and screens.ok("compartment_id", compartment)
    if c.compartment_id is not unset:
        return False
    email = c.email_hash
    if email is not unset:
        return (
            c.user_agent_id is unset
            and bool(email)
            and not email.isspace()
            and screens.ok("email_hash", email)
        )
    agent = c.user_agent_id
    return (
        agent is not unset
        and identifiers.USER_AGENT_ID.fullmatch(agent) is not None
        and screens.ok("user_agent_id", agent)
    )


def rule_verdict(rule: Rule, enabled: frozenset[str]) -> Rule | bool:
    """A fast check's verdict on a line that only `rule` can fire on (registry.FastCheck):
    the rule, for the engine to run by itself; True (clean) where it is not enabled."""
    return rule if rule.code in enabled else True


def filled(value: Any, unset: Any) -> bool:
    """A string field present and holding a non-space character (the schemas' `\\S`)."""
    return value is not unset and bool(value) and not value.isspace()


def _escaped_lt(raw: bytes) -> bool:
    """Whether a string in `raw` starts with "<" written as an escape (`"\\u003c`, or
    `\\u003C`): one search, the case after."""
    at = raw.find(b'"\\u003')
    while at >= 0:
        if raw[at + 6 : at + 7] in (b"c", b"C"):
            return True
        at = raw.find(b'"\\u003', at + 1)
    return False


def unplain_check(enabled: frozenset[str]) -> Callable[[bytes], bool]:
    """What a line that is not `plain` (see `common`) needs tested on its own: no string
    that may be a placeholder (MIC206), integers within 64 bits and UTF-8 (MIC104, MIC001,
    for the values msgspec skipped). A plain line passed all of these with its group."""
    check_ints = syntax.UNSAFE_INTEGER.code in enabled
    check_placeholders = structure.PLACEHOLDER_VALUE.code in enabled

    def unplain_ok(raw: bytes) -> bool:
        # A placeholder is a string starting with "<", or with its escape "\\u003c" (no
        # other escape decodes to "<"): not any string starting with an escape, as every
        # non-ASCII one does in Python's json.dumps (ensure_ascii). Both bytes are rare, and
        # a one-byte search is a memchr, ten times a two-byte one.
        if check_placeholders and (
            (LESS_THAN in raw and raw.find(b'"<') >= 0) or (BACKSLASH in raw and _escaped_lt(raw))
        ):
            return False
        if check_ints and may_hold_long_int(raw):
            return False
        return raw.isascii() or is_utf8(raw)

    return unplain_ok


def common(
    enabled: frozenset[str], keys: tuple[bytes, ...], decoder: FastDecoder, unset: Any
) -> Callable[[Any, bytes, bool], bool]:
    """The checks every type needs on the raw line: no key twice (MIC103), at the top level
    (`keys`) and in the objects whose keys the schema declares (nestedkeys.py), and
    `unplain_check`'s on a line that is not plain. `plain`: the caller found no "<", no
    backslash and no run of 19 digits in the line, and checked its UTF-8. A line without a
    backslash as long as its command's compact encoding, or longer by spaces alone, holds
    each key once (fastpath.compact_length); any other has its keys counted."""
    check_dups = syntax.DUPLICATE_KEY.code in enabled
    unplain_ok = unplain_check(enabled)
    compact, buffer = decoder.compact_length, bytearray()  # the buffer: this check's own
    nested_ok = nested_check(enabled, decoder, unset)

    def raw_ok(c: Any, raw: bytes, plain: bool) -> bool:
        if not plain and not unplain_ok(raw):
            return False
        if check_dups:
            if not plain and raw.find(b"\\u") >= 0:
                return False  # a key may be written with escapes: the tokenizer decides
            if compact is not None and (plain or BACKSLASH not in raw) and raw[-1] == 0x0A:
                length = compact(c, buffer)
                if length + 1 == len(raw) or spaced_encoding(raw, buffer, length):
                    return True
            count = raw.count
            for key in keys:
                if count(key) > 1:  # a key twice, or its name inside a value: full checks
                    return False
            return nested_ok(c, raw)
        return True

    return raw_ok


def spaced_encoding(raw: bytes, encoded: bytearray, length: int) -> bool:
    """Whether the line is its command's compact encoding (`length` bytes in `encoded`, see
    fastpath.compact_length) with spaces between its tokens (`json.dumps`'s `": "` and
    `", "`), or as it is, then a CRLF (a LF: the caller's own test): as much longer as it
    has spaces beyond the encoding's (those in its strings and objects). A key written
    twice adds bytes that are not spaces (its name, its colon, its comma)."""
    if length < 0:
        return False
    extra = len(raw) - length - 1 - (raw[-2] == 0x0D)
    if extra <= 0:
        return extra == 0
    return raw.count(b" ") - encoded.count(b" ") == extra


def segment_check(
    enabled: frozenset[str], users: Users | None, decoder: FastDecoder, state: FileState
) -> FastCheck:
    """USER_SEGMENT: the MIC3xx identifier rules and MIC701 to MIC705."""
    from mics_lint.fastpath import UNSET

    expected = {**_IDENTIFIER_PATTERNS, "segment_id": r"\S", "segment_technical_name": r"\S"}
    if decoder.patterns != expected or decoder.objects:
        return generic(decoder)
    keys = tuple(
        f'"{k}"'.encode()
        for k in (
            "operation",
            *_IDENTIFIER_PATTERNS,
            "segment_id",
            "segment_technical_name",
            "expiration_duration",
            "expiration_ts",
            "data_bag",
        )
    )
    raw_ok = common(enabled, keys, decoder, UNSET)
    loads, error = orjson.loads, orjson.JSONDecodeError
    in_seconds = segments.expiration_in_seconds
    screens = Screens(enabled)
    alone = rule_verdict(identifiers.ACCOUNT_WITHOUT_COMPARTMENT, enabled)

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        verdict = _one_identifier(c, UNSET, screens, alone)
        if verdict is False:
            return False
        segment_id, name = c.segment_id, c.segment_technical_name
        if segment_id is UNSET:
            if not filled(name, UNSET):
                return False  # MIC703, or MIC205
        elif name is not UNSET or not filled(segment_id, UNSET):
            return False  # MIC705, or MIC205
        expiration_ts = c.expiration_ts
        if c.operation == "UPDATE" and c.expiration_duration is UNSET and expiration_ts is UNSET:
            return False  # MIC704
        if expiration_ts is not UNSET and in_seconds(expiration_ts):
            return False  # MIC706
        if c.data_bag is not UNSET:
            try:
                loads(c.data_bag)
            except error:
                return False  # MIC702
        return verdict if raw_ok(c, raw, plain) else False

    return check


def choice_check(
    enabled: frozenset[str], users: Users | None, decoder: FastDecoder, state: FileState
) -> FastCheck:
    """USER_CHOICE: the MIC3xx identifier rules and MIC801 to MIC804."""
    from mics_lint.fastpath import UNSET

    expected = {**_IDENTIFIER_PATTERNS, "user_choice.$processing_id": r"\S"}
    if decoder.patterns != expected or decoder.objects:
        return generic(decoder)
    keys = tuple(
        f'"{k}"'.encode()
        for k in ("operation", *_IDENTIFIER_PATTERNS, "force_replace", "user_choice")
    )
    raw_ok = common(enabled, keys, decoder, UNSET)
    screens = Screens(enabled)
    alone = rule_verdict(identifiers.ACCOUNT_WITHOUT_COMPARTMENT, enabled)
    in_seconds = choices.choice_ts_in_seconds_test

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        verdict = _one_identifier(c, UNSET, screens, alone)
        if verdict is False:
            return False
        choice = c.user_choice
        if choice is UNSET or not filled(choice.dollar_processing_id, UNSET):
            return False  # MIC802 or MIC803, or MIC205
        choice_ts = choice.dollar_choice_ts
        if c.operation == "UPSERT" and (c.force_replace is UNSET or choice_ts is UNSET):
            return False  # MIC801 or MIC804
        if choice_ts is not UNSET and in_seconds(choice_ts):
            return False  # MIC805
        return verdict if raw_ok(c, raw, plain) else False

    return check


def _deletion_check(refuse_udp: bool) -> FastCheckMaker:
    """The deletion types: MIC901 to MIC905 (the schema says which `type`s each takes);
    `refuse_udp` for identifiers deletions, where a `udp:` id is MIC904."""

    def make(
        enabled: frozenset[str], users: Users | None, decoder: FastDecoder, state: FileState
    ) -> FastCheck:
        from mics_lint.fastpath import UNSET

        strings = {"user_account_id", "compartment_id", "hash", "user_agent_id", "user_point_id"}
        if decoder.objects or any(
            k not in strings or v != r"\S" for k, v in decoder.patterns.items()
        ):
            return generic(decoder)
        fields = ("user_account_id", "compartment_id", "hash", "user_agent_id", "user_point_id")
        quoted = tuple(f'"{k}"'.encode() for k in ("type", *fields))
        raw_ok = common(enabled, quoted, decoder, UNSET)
        uuid = deletions.UUID.fullmatch
        agent_form = identifiers.USER_AGENT_ID.fullmatch
        screens = Screens(enabled)

        def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
            if getattr(c, "email_hash", UNSET) is not UNSET:
                return False  # MIC903
            present = {n for n in fields if getattr(c, n, UNSET) is not UNSET}
            kind = c.type
            if present - deletions.MAY_HAVE[kind]:
                return False  # MIC902
            need = deletions.NEEDS[kind][0]
            if need not in present or not filled(getattr(c, need), UNSET):
                return False  # MIC901, or MIC205
            if kind == "USER_AGENT" and (
                agent_form(c.user_agent_id) is None
                or (refuse_udp and c.user_agent_id.startswith("udp:"))
            ):
                return False  # MIC306, MIC904
            if kind == "USER_POINT" and uuid(c.user_point_id) is None:
                return False  # MIC905
            if not _values_ok(c, screens, UNSET):
                return False  # a value rule (MIC305, MIC307...)
            compartment = getattr(c, "compartment_id", UNSET)
            if type(compartment) is str and not filled(compartment, UNSET):
                return False  # MIC205 (an integer compartment_id is fine)
            return raw_ok(c, raw, plain)

        return check

    return make


def association_check(
    enabled: frozenset[str], users: Users | None, decoder: FastDecoder, state: FileState
) -> FastCheck:
    """USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS: MIC901 to MIC903 on each identifier, and
    MIC906 (two identifiers at least)."""
    from mics_lint.fastpath import UNSET

    wanted = {
        f"identifiers[].{k}": r"\S"
        for k in ("hash", "user_agent_id", "user_account_id", "compartment_id")
    }
    if decoder.patterns != wanted or decoder.objects:
        return generic(decoder)
    fields = ("user_account_id", "compartment_id", "hash", "email", "user_agent_id")
    raw_ok = common(enabled, (b'"identifiers"',), decoder, UNSET)
    screens = Screens(enabled)
    repeated = typed_identifiers.repeated_identifiers
    agent_form = identifiers.USER_AGENT_ID.fullmatch

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        items = c.identifiers
        if len(items) < 2:
            return False  # MIC906
        for item in items:
            if item.email_hash is not UNSET:
                return False  # MIC903
            kind = item.type
            present = {n for n in fields if getattr(item, n) is not UNSET}
            if present - deletions.MAY_HAVE[kind]:
                return False  # MIC902
            if not filled(getattr(item, deletions.NEEDS[kind][0]), UNSET):
                return False  # MIC901, or MIC205
            if kind == "USER_AGENT" and agent_form(item.user_agent_id) is None:
                return False  # MIC306
            if not _values_ok(item, screens, UNSET):
                return False  # a value rule (MIC305, MIC307...)
            if "compartment_id" in present and not filled(item.compartment_id, UNSET):
                return False  # MIC205
        if next(repeated(items, UNSET), None) is not None:
            return False  # MIC907
        return raw_ok(c, raw, plain)

    return check


def _values_ok(item: Any, screens: Screens, unset: Any) -> bool:
    """A deletion line's or an association item's identifier values pass every value
    rule's screen, by the roles of their field map (deletions.identifier_values)."""
    ok = screens.ok
    return all(ok(role, getattr(item, key, unset)) for key, role in deletions.VALUE_ROLES.items())


identifiers_deletion_check = _deletion_check(refuse_udp=True)
points_deletion_check = _deletion_check(refuse_udp=False)


def nested_check(
    enabled: frozenset[str], decoder: FastDecoder, unset: Any
) -> Callable[[Any, bytes], bool]:
    """MIC103 inside the objects whose keys the schema declares (nestedkeys.py): none of
    those keys written twice."""
    if syntax.DUPLICATE_KEY.code not in enabled or not decoder.nested:
        return lambda c, raw: True
    from mics_lint.fastpath import attribute

    return counted(decoder.nested, attribute, unset, getattr)


def generic(decoder: FastDecoder) -> FastCheck:
    # The schema changed: what the checks above rely on may no longer hold. Vouching for
    # nothing is slower, never wrong.
    return lambda c, raw, lineno, plain: False
