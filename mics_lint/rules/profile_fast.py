"""The USER_PROFILE fast check: vouches for a decoded line only when no rule can fire on it.

It mirrors, as cheap tests on the decoded Struct and the raw bytes, the conditions of
MIC103, MIC104, MIC206, MIC3xx, MIC4xx and MIC501, for each profile form: the decoder is made
from the form's schema, so its Struct has `force_replace` and `merge_objects`, or
`update_strategy`, or all three (`either`). Structure (MIC2xx) was checked by the
decode, apart from what the decoder leaves to its caller (see fastpath.py), checked inline
here: the identifiers' pattern (a non-space character), the profile being an object, and
the UTF-8 of the profile. Each test may be broader than its rule (any `<` at all, any `@`
in an e-mail hash) but never narrower: a line it does not vouch for simply takes the full path.
tests/test_fastpath.py checks that diagnostics are the same with and without it.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mics_lint.inline import joined
from mics_lint.jsontext import JSON_SPACE
from mics_lint.registry import FastCheck, FileState, Rule
from mics_lint.rules import REGISTRY, crossline, identifiers, operations, syntax
from mics_lint.rules.crossline import Users
from mics_lint.rules.fast_checks import rule_verdict, unplain_check
from mics_lint.startup import Fields
from mics_lint.userstore import BatchUsers

# What the check vouches for: doctypes.PROFILE_COVERS, besides every value rule (whose
# screens it calls).

if TYPE_CHECKING:
    from mics_lint.fastpath import FastDecoder

_IDENTIFIERS = ("compartment_id", "user_account_id", "email_hash", "user_agent_id")
_ID_KEYS = {
    "user account": b"user_account_id",
    "account alone": b"user_account_id",  # no compartment_id: MIC304's lines
    "email_hash": b"email_hash",
    "user_agent_id": b"user_agent_id",
}
# The length of `"key":` plus a comma (or the closing brace): a compact line is as long as
# the sum of its fields' parts, plus one for "{" and one for the line end.
_OPERATION = len('"operation":"UPSERT",')
_COMPARTMENT = len('"compartment_id":"",')
_ACCOUNT = len('"user_account_id":"",')
_EMAIL = len('"email_hash":"",')
_AGENT = len('"user_agent_id":"",')
_FORCE = len('"force_replace":,')
_MERGE = len('"merge_objects":,')
_STRATEGY = len('"update_strategy":"",')
_PROFILE = len('"user_profile":,')
# Summed once: a compact line's length with its braces, its LF and its operation, by its
# identifier (each addition here is a bytecode less on every line).
_ACCOUNT_LINE = 2 + _OPERATION + _COMPARTMENT + _ACCOUNT
_EMAIL_LINE = 2 + _OPERATION + _EMAIL
_AGENT_LINE = 2 + _OPERATION + _AGENT
# The profile's bytes (msgspec.Raw), copied by a join: bytes() parses its arguments by
# keyword first, 200 instructions more on every line (cachegrind).
_copy = b"".join


def _spaced(raw: bytes, plain: bool, size: int, c: Any, kind: str | None, unset: Any) -> bool:
    """Whether each top-level key the line has is written once: where the line is its
    compact form (`size` bytes with its LF) with a CRLF, or with the members its decoder
    leaves out (fastpath.UNREAD), or with spaces between its tokens (`json.dumps`'s `": "`
    and `", "`): as much longer as it has spaces outside its profile and its identifiers'
    values. So it holds no key twice: a key written twice adds bytes that are not spaces
    (its name, its colon, its comma). Else its keys are counted (`_keys_once`, given the
    form's fields, read here off the way of a compact line: a Struct of the other form
    has none)."""
    profile = c.user_profile
    extra = len(raw) - size - (raw[-2] == 0x0D)
    if extra <= 0 or extra == c.unread_bytes:
        if extra >= 0:
            return True
    elif (spaces := raw.count(b" ")) >= extra:
        if profile is not unset:
            spaces -= bytes(profile).count(b" ")
        for value in (c.compartment_id, c.user_account_id, c.email_hash, c.user_agent_id):
            if value is not unset:
                spaces -= value.count(" ")
        if spaces == extra:
            return True
    return _keys_once(
        raw,
        plain,
        profile,
        kind,
        getattr(c, "force_replace", unset),
        getattr(c, "merge_objects", unset),
        getattr(c, "update_strategy", unset),
        unset,
    )


def _keys_once(
    raw: bytes,
    plain: bool,
    profile: Any,
    kind: str | None,
    force: Any,
    merge: Any,
    strategy: Any,
    unset: Any,
) -> bool:
    """Each top-level key the line has is written once: a key counted other than once was
    written twice or escaped (the full checks decide); and a \\u escape outside the
    profile may spell a key a second time ("force\\u005freplace"). `unset`: fastpath.UNSET,
    passed, not imported (an import statement here cost a spaced line, as `json.dumps`
    writes them, a fifth of its time)."""
    count = raw.count
    # Each escape in the profile: their counts are equal (none crosses its edge, a bracket).
    if (
        not plain
        and raw.find(b"\\u") >= 0
        and (profile is unset or count(b"\\u") != bytes(profile).count(b"\\u"))
    ):
        return False
    return not (
        count(b"operation") != 1
        or (kind is not None and count(_ID_KEYS[kind]) != 1)
        or (kind == "user account" and count(b"compartment_id") != 1)
        or (force is not unset and count(b"force_replace") != 1)
        or (merge is not unset and count(b"merge_objects") != 1)
        or (strategy is not unset and count(b"update_strategy") != 1)
        or (profile is not unset and count(b"user_profile") != 1)
    )


class _Parts(Fields):
    """What `_check` reads on every line, made once per file."""

    check_dups: bool
    # What a line of a group that failed its screen needs tested on its own (MIC206,
    # MIC104, MIC001: fast_checks.unplain_check).
    rare_ok: Callable[[bytes], bool]
    # Each identifier kind's value rules' screens and MIC501's digest, joined into one
    # function of its values (inline.joined): 0 if a screen may fire, else the digest (1
    # without MIC501).
    account_key: Callable[[str, str], int]
    alone_key: Callable[[str], int]
    email_key: Callable[[str], int]
    agent_key: Callable[[str], int]
    form_required: bool
    # MIC407's screen: which lines may be in the other form than the file's: those with
    # update_strategy (True: the file is in the force_replace form), those without
    # (False), or none (None: MIC407 is not checked).
    minority: bool | None
    add_digest: Callable[[int], None] | None
    add_line: Callable[[int], None] | None
    first_line: Callable[[int, int], int] | None
    # A worker's line whose user came before in its chunk, and which nothing else fires on:
    # MIC501 run alone (registry.FastCheck), where the full checks cost 4 times as much.
    again: Rule
    user_agent_id: Callable[[str], Any]
    form_of_line: Callable[[bool, bool], str | None]
    # What user_profile's key and force_replace add to a compact UPSERT, by the latter's value
    force_size: dict[Any, int]
    merge_size: dict[Any, int]
    # The rules a line may break alone and still be answered by running only that rule
    # (see registry.FastCheck): MIC301, MIC401 and MIC304, the mistakes a whole export
    # repeats. `alone` is True where MIC304 is not enabled: the line is then clean.
    missing: Rule | None
    lacking: Rule | None
    alone: Rule | bool
    unset: Any  # fastpath.UNSET, imported with msgspec


def _parts(
    enabled: frozenset[str], users: Users | None, older: bool, newer: bool, file_form: str | None
) -> _Parts:
    from mics_lint.fastpath import UNSET

    # The value rules' screens, by role; None where no enabled rule reads that role.
    screens = REGISTRY.value_screens(enabled)
    # A file's BatchUsers queues each vouched line's user, answered a window of lines at a
    # time (userswindow.UsersWindow); a worker's chunk table answers at once.
    batch = users if isinstance(users, BatchUsers) else None
    digests = crossline.DIGESTERS
    return _Parts(
        check_dups=syntax.DUPLICATE_KEY.code in enabled,
        rare_ok=unplain_check(enabled),
        account_key=joined(
            ("compartment", "account"),
            [(screens["compartment_id"], "compartment"), (screens["user_account_id"], "account")],
            digests["user account"] if users is not None else None,
            remembered="compartment",
        ),
        alone_key=joined(
            ("account",),
            [(screens["user_account_id"], "account")],
            crossline.ACCOUNT_ALONE if users is not None else None,
        ),
        email_key=joined(
            ("email",),
            [(screens["email_hash"], "email")],
            digests["email_hash"] if users is not None else None,
        ),
        agent_key=joined(
            ("agent",),
            [(screens["user_agent_id"], "agent")],
            digests["user_agent_id"] if users is not None else None,
        ),
        # MIC401 holds in the force_replace form (update_strategy is optional when pinned),
        # and under "auto" (`file_form` not "") for an UPSERT in neither form.
        form_required=(older and not newer) or file_form != "",
        minority=(
            file_form == "force_replace"
            if file_form and operations.MINORITY_PROFILE_FORM.code in enabled
            else None
        ),
        add_digest=batch.add_digest if batch is not None else None,
        add_line=batch.add_line if batch is not None else None,
        first_line=users.first_line if users is not None and batch is None else None,
        again=crossline.DUPLICATE_USER,
        user_agent_id=identifiers.USER_AGENT_ID.fullmatch,
        form_of_line=operations.form_of_line,
        force_size={True: _PROFILE + _FORCE + 4, False: _PROFILE + _FORCE + 5, UNSET: _PROFILE},
        merge_size={True: _MERGE + 4, False: _MERGE + 5, UNSET: 0},
        missing=_enabled(identifiers.MISSING_IDENTIFIER, enabled),
        lacking=_enabled(operations.UPSERT_MISSING_FORM, enabled),
        alone=rule_verdict(identifiers.ACCOUNT_WITHOUT_COMPARTMENT, enabled),
        unset=UNSET,
    )


def _enabled(rule: Rule, enabled: frozenset[str]) -> Rule | None:
    return rule if rule.code in enabled else None


# The check proper, written flat with no helper calls on the way of a clean line: it runs
# on every one. An identifier must hold a non-space character (the schema's pattern "\S":
# `isspace` is the same test as re's \s, see tests/test_fastpath.py; a user agent id's
# `fullmatch` has no space in it). `size` adds up the length of the line as if written
# compactly with each key once: a line that long holds no key twice (a key written twice, a
# space, an escape or a non-ASCII identifier, counted in characters, only makes it longer;
# an identifier replaced by a stand-in, identifiers.STAND_INS, is at most 4 bytes longer
# quoted, far less than a key written twice adds). A line longer by its spaces between
# tokens alone (`json.dumps`'s) holds none twice either (`_spaced`): a key written twice adds
# 14 bytes or more that are not spaces ("operation" is the shortest key), more than two
# stand-ins take away; nor does one as long as that and the members its decoder leaves out
# (fastpath.UNREAD: laxpath.py's unknown key, written once). Otherwise the keys are
# counted (`_keys_once`). The digest is
# crossline.user_digest's (the kind in its two low bits).
# The forms are told by the keys the line holds, the usual line's (an UPSERT in the file's
# form) in the fewest tests; a test on the file's settings is decided once (constfold.py).
# An UPSERT: MIC402, MIC401 (the pinned force_replace form has no update_strategy),
# MIC407, the profile an object, MIC403/MIC405 (a replace with merge_objects or an empty
# profile); a DELETE with a payload is MIC404, a line with both forms MIC406. A line whose
# only fault is no identifier at all (MIC301), or an UPSERT's missing form (MIC401), gets
# that rule back: the engine runs it alone.
def _check(
    enabled: frozenset[str], users: Users | None, older: bool, newer: bool, file_form: str | None
) -> FastCheck:
    parts = _parts(enabled, users, older, newer, file_form)
    check_dups, rare_ok, account_key, alone_key, email_key, agent_key = parts[:6]
    form_required, minority, add_digest, add_line, first_line, again = parts[6:12]
    user_agent_id, line_form, force_size, merge_size, missing, lacking, alone, UNSET = parts[12:]

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
        account = c.user_account_id
        if account is not UNSET:
            compartment = c.compartment_id
            if c.email_hash is not UNSET or c.user_agent_id is not UNSET or not account.strip():
                return False
            if compartment is UNSET:  # MIC304, if nothing else fires
                kind, key, verdict = "account alone", alone_key(account), alone
                size = _ACCOUNT_LINE - _COMPARTMENT + len(account)
            elif not compartment.strip():
                return False
            else:
                kind, key, verdict = "user account", account_key(compartment, account), True
                size = _ACCOUNT_LINE + len(compartment) + len(account)
        elif c.compartment_id is not UNSET:
            return False
        elif c.email_hash is not UNSET:
            email = c.email_hash
            if c.user_agent_id is not UNSET or not email.strip():
                return False
            kind, key, verdict = "email_hash", email_key(email), True
            size = _EMAIL_LINE + len(email)
        elif c.user_agent_id is not UNSET:
            agent = c.user_agent_id
            if not user_agent_id(agent):
                return False
            kind, key, verdict = "user_agent_id", agent_key(agent), True
            size = _AGENT_LINE + len(agent)
        else:  # no identifier: MIC301, if nothing else
            kind, key, verdict, size = None, 1, missing or False, 2 + _OPERATION
        if not key:  # a value rule's screen (inline.joined)
            return False
        profile = c.user_profile
        force = c.force_replace if older else UNSET  # not a tuple unpacked: none made
        merge = c.merge_objects if older else UNSET
        strategy = c.update_strategy if newer else UNSET
        if c.operation == "UPSERT":
            if strategy is UNSET:  # the older form, or neither
                if force is UNSET and form_required:
                    if lacking is None or kind is None or verdict is not True:
                        return False  # a second rule fires
                    verdict = lacking  # MIC401, if nothing else fires
            elif force is not UNSET or merge is not UNSET:
                return False  # both forms: MIC406
            else:
                size += _STRATEGY + len(strategy)
            if minority is (strategy is not UNSET) and line_form(
                force is not UNSET or merge is not UNSET, strategy is not UNSET
            ) not in (None, file_form):
                return False  # MIC407
            # The profile's text, undecoded: an object, "{"? (none: MIC402)
            if profile is UNSET or (text := _copy((profile,)))[0] != 0x7B:
                return False
            if (merge is True or (text[1] != 0x22 and _empty(text))) and (
                force is True or strategy == "FORCE_REPLACE"
            ):
                return False  # MIC403, MIC405
            size += len(text) + force_size[force] + merge_size[merge]
        elif (force, merge, profile, strategy) != (UNSET, UNSET, UNSET, UNSET):
            return False  # MIC404 (and MIC406)
        if (not plain and not rare_ok(raw)) or (
            check_dups and len(raw) != size and not _spaced(raw, plain, size, c, kind, UNSET)
        ):
            return False
        if add_digest is not None and kind is not None:  # no user: nothing for MIC501
            add_digest(key)
            add_line(lineno)  # type: ignore[misc]
        elif first_line is not None and kind is not None and first_line(key, lineno) != lineno:
            return again if verdict is True else False  # seen in the chunk: MIC501 alone
        return verdict

    return check


def _empty(text: bytes) -> bool:
    """Whether a profile's text (an object) is empty (MIC405), written with spaces or not."""
    return not text[1:-1].strip(JSON_SPACE)


def make_check(
    enabled: frozenset[str], users: Users | None, decoder: "FastDecoder", state: FileState
) -> FastCheck:
    """The check for one file, with the work of rules that are not selected left out."""
    # msgspec is imported only for files worth it
    from mics_lint.fastpath import DECODE_ERRORS

    # Which form the decoder was made for: its Struct's fields say.
    try:
        fields = type(decoder.decode(b'{"operation":"DELETE"}')).__struct_fields__
    except DECODE_ERRORS:  # a schema this check was not written for: vouch for nothing
        return lambda c, raw, lineno, plain: False
    if crossline.DUPLICATE_USER.code not in enabled:
        users = None
    # Under profile-form "auto", the form the file's first records use (None: none does);
    # pinned forms: "", for none of the auto rules.
    auto = state.get(operations.PROFILE_FORM_STATE) == "auto"
    file_form = state.get(operations.FILE_FORM_STATE) if auto else ""
    check = _check(
        enabled, users, "force_replace" in fields, "update_strategy" in fields, file_form
    )
    if decoder.patterns != dict.fromkeys(_IDENTIFIERS, r"\S") or decoder.objects != (
        "user_profile",
    ):
        # The schema changed: what is checked inline above no longer matches what the
        # decoder leaves out. Still correct, a little slower.
        residual_ok = decoder.residual_ok

        def checked(c: Any, raw: bytes, lineno: int, plain: bool) -> bool | Rule:
            return residual_ok(c, raw) and check(c, raw, lineno, plain)

        return checked
    return check
