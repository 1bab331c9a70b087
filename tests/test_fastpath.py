"""The fast path changes nothing: same diagnostics with it on and off, and never looser than
the schema.

Three properties on generated commands, valid and subtly invalid (hypothesis):
1. a generated file gets exactly the same diagnostics (records and source lines) from
   `lint_lines` with `Settings()` and with `Settings(fast_path=False)`;
2. the msgspec decoder built from the schema accepts a command only if jsonschema finds it
   valid (it may be stricter, never looser), and the compiled predicate of `schema.py`
   agrees with jsonschema exactly;
3. on raw lines (duplicate keys, escaped keys, odd whitespace) the decoder accepts only
   JSON the reference parsers read, and sees the values they see.

The engine starts the fast path only from some line on (a short file is done before msgspec
would be imported); property 1 lowers that line to 1, and a second property runs files
padded to the real threshold.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import re
import sys
from collections.abc import Iterator
from typing import Any
from unittest import mock

import msgspec
import orjson
import pytest
from click.testing import CliRunner
from helpers import counting_vouches
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mics_lint import Settings, lint_lines
from mics_lint import config as config_module
from mics_lint import linecheck as linecheck_module
from mics_lint.cli import cli
from mics_lint.config import Selection
from mics_lint.fastpath import DECODE_ERRORS, UNSET, struct_decoder
from mics_lint.jsontext import parse_exact
from mics_lint.schema import fast_predicate, load_schema, validator_for
from mics_lint.splitrecords import GROUP_BYTES

SCHEMA_FILE = "user_profile_import.schema.json"
DECODER = struct_decoder(load_schema(SCHEMA_FILE))
VALIDATOR = validator_for(SCHEMA_FILE)
PREDICATE = fast_predicate(SCHEMA_FILE)
PATH = "f.ndjson"
BOM = b"\xef\xbb\xbf"

# Sized for a slow 2-core CI machine: the whole module in well under a minute.
FAST = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- values -----------------------------------------------------------------------------------

# Characters that matter to some rule or to JSON: placeholders, e-mails, user agent prefixes,
# quotes and escapes, whitespace of every kind, non-ASCII, NUL.
CHARS = [
    "a", "Z", "0", "9", "-", "_", ".", "/", "<", ">", "@", ":", '"', "\\", " ", "\t", "\n",
    "\r", "\x00", "\x1f", "\x7f", "é", "\u00e9", "ü", "€", "\u00a0", "\u2028", "\ufeff",
    "😀",
]  # fmt: skip
# Lone surrogates: valid JSON (as escapes) that orjson and msgspec refuse; kept rare.
SURROGATES = ["\ud800", "a\udfff", "\udc00\ud800", "\ud800\udfff"]
# Identifier values seen often, so that users repeat across lines (MIC501).
POOL = [
    "1000", "42", "CRM-1", "CRM-2", "3f2a9c", "836f82db", "vec:123", "net:9:12345",
    "udp:987", "vec:é", "89998434", "jane@example.com", "a@b.c", "x@y", "<USER_ACCOUNT_ID>",
    "<COMPARTMENT_ID>", "<>", "", " ", "\t", "vec:1\n", "é:ü", 'x:"y"', "a\\b", "\u00e9",
    "😀", "\ud800", "a\u00a0b", "\u2028",
]  # fmt: skip
BIG_INTS = [
    2**63 - 1, 2**63, 2**63 + 1, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 2**64 + 1,
    10**18, 10**19, -(10**19), 10**20, 10**40, 999_999_999_999_999_999,
]  # fmt: skip
WRONG_TYPES = [1000, 0, -1, 2**63, 2**64, 1.5, None, True, False, [], {}, ["1000"], {"a": 1}]

text = st.one_of(*[st.text(st.sampled_from(CHARS), max_size=8)] * 9, st.sampled_from(SURROGATES))
identifier_text = st.one_of(st.sampled_from(POOL), st.sampled_from(POOL), text)
identifier_value = st.one_of(
    identifier_text, identifier_text, identifier_text, st.sampled_from(WRONG_TYPES)
)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BIG_INTS),
    st.integers(min_value=2**63 - 3, max_value=2**64 + 3),
    st.integers(min_value=-(2**63) - 3, max_value=-(2**63) + 3),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
    st.sampled_from(POOL),
)
profile_value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
user_profile = st.dictionaries(
    st.one_of(text, st.sampled_from(["tier", "email", "operation", "user_profile", "<k>"])),
    profile_value,
    max_size=4,
)


def chance(draw: st.DrawFn, percent: int) -> bool:
    return draw(st.integers(0, 99)) < percent


CLEAN_IDS = {
    "account": [("1000", "CRM-1"), ("1000", "CRM-2"), ("2000", "CRM-1"), ("1000", "é-ü"),
                ("42", "a:b"), ("1000", 'q"uote')],
    "email": ["3f2a9c", "836f82db", "e\u00e9", "a:b", "x.y", "😀"],
    "agent": ["vec:123", "net:9:12345", "udp:987", "vec:é", "Ab-9_z:x:y", "vec:\\"],
}  # fmt: skip
MUTATIONS = [
    "wrong type", "empty identifier", "whitespace identifier", "unknown key", "missing key",
    "two identifiers", "compartment alone", "account alone", "lowercase operation",
    "delete with payload", "placeholder", "clear-text e-mail", "agent without prefix",
    "merge ignored", "empty profile", "big integer", "no profile", "no force_replace",
    "mixed forms", "strategy on delete",
]  # fmt: skip
STRATEGIES = ["PARTIAL_UPDATE", "PARTIAL_DELETE", "FORCE_REPLACE"]


@st.composite
def clean_commands(draw: st.DrawFn) -> dict[str, Any]:
    """A command no rule objects to (unless its profile does), sometimes with one mistake."""
    items: dict[str, Any] = {"operation": draw(st.sampled_from(["UPSERT", "DELETE"]))}
    kind = draw(st.sampled_from(["account", "email", "agent"]))
    if kind == "account":
        items["compartment_id"], items["user_account_id"] = draw(
            st.sampled_from(CLEAN_IDS["account"])
        )
    else:
        items[f"{kind}_hash" if kind == "email" else "user_agent_id"] = draw(
            st.sampled_from(CLEAN_IDS[kind])
        )
    if items["operation"] == "UPSERT":
        # Both profile forms (profile-form), and neither key: SETTINGS checks each form.
        form = draw(st.sampled_from(["force_replace", "force_replace", "update_strategy", "none"]))
        if form == "force_replace":
            items["force_replace"] = draw(st.booleans())
            if chance(draw, 40):
                items["merge_objects"] = draw(st.booleans()) and not items["force_replace"]
        elif form == "update_strategy":
            items["update_strategy"] = draw(st.sampled_from(STRATEGIES))
        profile = draw(user_profile) if chance(draw, 50) else {"tier": draw(scalar)}
        items["user_profile"] = profile or {"tier": "gold"}
    if chance(draw, 40):
        mutate(draw, items, draw(st.sampled_from(MUTATIONS)))
    order = draw(st.permutations(list(items)))
    return {key: items[key] for key in order}


def mutate(draw: st.DrawFn, items: dict[str, Any], mutation: str) -> None:
    ids = [k for k in ("compartment_id", "user_account_id", "email_hash", "user_agent_id")
           if k in items]  # fmt: skip
    if mutation == "wrong type":
        key = draw(st.sampled_from(list(items)))
        items[key] = draw(st.sampled_from(WRONG_TYPES))
    elif mutation in ("empty identifier", "whitespace identifier"):
        blank = ["", " ", "\t", "\u00a0", "\u2028", "\n"]
        items[draw(st.sampled_from(ids))] = (
            "" if mutation == "empty identifier" else draw(st.sampled_from(blank[1:]))
        )
    elif mutation == "unknown key":
        items[draw(st.sampled_from(["forceReplace", "tier", "user_acount_id", ""]))] = 1
    elif mutation == "missing key":
        del items[draw(st.sampled_from(list(items)))]
    elif mutation == "two identifiers":
        extra = draw(st.sampled_from(["email_hash", "user_agent_id", "user_account_id"]))
        items.setdefault(extra, "vec:2" if extra == "user_agent_id" else "x2")
    elif mutation == "compartment alone":
        for key in ids:
            del items[key]
        items["compartment_id"] = "1000"
    elif mutation == "account alone":
        for key in ids:
            del items[key]
        items["user_account_id"] = "CRM-1"
    elif mutation == "lowercase operation":
        items["operation"] = items["operation"].lower()
    elif mutation == "delete with payload":
        items["operation"] = "DELETE"
        items.setdefault("merge_objects", False)
    elif mutation == "placeholder":
        key = draw(st.sampled_from([*ids, "user_profile"]))
        items[key] = {"x": "<NAME>"} if key == "user_profile" else "<USER_ACCOUNT_ID>"
    elif mutation == "clear-text e-mail":
        for key in ids:
            del items[key]
        items["email_hash"] = draw(st.sampled_from(["jane@example.com", " a@b.c ", "a@b", "@"]))
    elif mutation == "agent without prefix":
        for key in ids:
            del items[key]
        items["user_agent_id"] = draw(st.sampled_from(["89998434", ":x", "9a:1", "vec:", "v c:1"]))
    elif mutation == "merge ignored":
        items.update(operation="UPSERT", force_replace=True, merge_objects=True)
        items.setdefault("user_profile", {"a": 1})
    elif mutation == "empty profile":
        items.update(operation="UPSERT", force_replace=True, user_profile={})
    elif mutation == "big integer":
        items["operation"] = "UPSERT"
        items.setdefault("force_replace", False)
        items["user_profile"] = {"n": draw(st.sampled_from(BIG_INTS))}
    elif mutation == "no profile":
        items.pop("user_profile", None)
    elif mutation == "no force_replace":
        items.pop("force_replace", None)
    elif mutation == "mixed forms":
        items["update_strategy"] = draw(st.sampled_from([*STRATEGIES, "partial_update", 1]))
        items.setdefault(draw(st.sampled_from(["force_replace", "merge_objects"])), True)
    elif mutation == "strategy on delete":
        items.update(operation="DELETE", update_strategy=draw(st.sampled_from(STRATEGIES)))


@st.composite
def wild_commands(draw: st.DrawFn) -> dict[str, Any]:
    """Any mix of fields and values: most of these are wrong somewhere."""
    items: dict[str, Any] = {}
    operation = (
        draw(st.sampled_from(["UPSERT", "DELETE"]))
        if chance(draw, 85)
        else draw(
            st.sampled_from(
                ["upsert", "delete", "Upsert", "UPDATE", "", " UPSERT", "DELETE ", 1, None,
                 True, ["UPSERT"], {"op": "UPSERT"}]
            )
        )
    )  # fmt: skip
    if chance(draw, 92):
        items["operation"] = operation
    kind = draw(
        st.sampled_from(
            ["account", "email", "agent"] * 3
            + ["none", "two", "three", "compartment alone", "account alone"]
        )
    )
    account = {"compartment_id": draw(identifier_value), "user_account_id": draw(identifier_value)}
    email = {"email_hash": draw(identifier_value)}
    agent = {"user_agent_id": draw(identifier_value)}
    if kind == "account":
        items.update(account)
    elif kind == "email":
        items.update(email)
    elif kind == "agent":
        items.update(agent)
    elif kind == "two":
        for part in draw(st.permutations([account, email, agent]))[:2]:
            items.update(part)
    elif kind == "three":
        items.update(account | email | agent)
    elif kind == "compartment alone":
        items["compartment_id"] = account["compartment_id"]
    elif kind == "account alone":
        items["user_account_id"] = account["user_account_id"]
    payload = operation == "UPSERT" or chance(draw, 15)  # a DELETE with payload, sometimes
    if payload:
        if chance(draw, 90):
            items["force_replace"] = (
                draw(st.booleans())
                if chance(draw, 90)
                else draw(st.sampled_from(["true", "false", 1, 0, None]))
            )
        if chance(draw, 35):
            items["merge_objects"] = (
                draw(st.booleans()) if chance(draw, 90) else draw(st.sampled_from(["true", 0]))
            )
        if chance(draw, 90):
            items["user_profile"] = (
                draw(user_profile)
                if chance(draw, 92)
                else draw(st.sampled_from([[], "x", None, 1, [{"a": 1}]]))
            )
    if chance(draw, 8):
        unknown = ["forceReplace", "tier", "user_acount_id", "", "operation ", "Operation",
                   "email", "<key>", "é"]  # fmt: skip
        items[draw(st.sampled_from(unknown))] = draw(scalar)
    order = draw(st.permutations(list(items)))
    return {key: items[key] for key in order}


def commands() -> st.SearchStrategy[dict[str, Any]]:
    """Commands as Python dicts: mostly nearly clean, the rest anything."""
    return st.one_of(clean_commands(), clean_commands(), clean_commands(), wild_commands())


# -- lines ------------------------------------------------------------------------------------


def encode(command: Any, style: str = "orjson") -> bytes:
    """One command as JSON text: orjson, ASCII-escaped, spaced, or raw with bad UTF-8."""
    if style == "ascii":
        return json.dumps(command, ensure_ascii=True, separators=(",", ":")).encode()
    if style == "spaced":
        return json.dumps(command, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if style == "raw":  # lone surrogates become bytes that are not UTF-8 (MIC001)
        dumped = json.dumps(command, ensure_ascii=False, separators=(",", ":"))
        return dumped.encode("utf-8", "surrogatepass")
    try:
        return orjson.dumps(command)
    except orjson.JSONEncodeError:  # lone surrogates, integers past 64 bits
        return encode(command, "ascii")


def escape_key(line: bytes, key: str) -> bytes:
    """`"operation":` written `"op\\u0065ration":` (the first time it occurs)."""
    quoted = b'"' + key.encode() + b'":'
    if quoted not in line or not key:
        return line
    index = len(key) // 2
    spelled = key[:index] + f"\\u{ord(key[index]):04x}" + key[index + 1 :]
    return line.replace(quoted, b'"' + spelled.encode() + b'":', 1)


JUNK = [
    b"{", b"[", b"}", b"]", b"not json", b'{"operation":"DELETE"', b"{'operation':'DELETE'}",
    b'{"operation":"DELETE","email_hash":"a"}{"operation":"DELETE","email_hash":"b"}',
    b'{"operation":"DELETE","email_hash":"a"} x', b"NaN", b'{"a":NaN}', b"True",
    b'{operation:"DELETE"}', b'{"operation":"DELETE",,"email_hash":"a"}', b"\x0c{}",
    b'{"operation":"DELETE","email_hash":"a\tb"}', b'{"operation":"DELETE","email_hash":"\\x"}',
    b'{"operation":"DELETE","email_hash":"a","user_profile":{"n":1e400}}',
    b'{"operation":"DELETE","email_hash":"a","user_profile":{"n":01}}',
    b'{"operation":"DELETE","email_hash":"\\ud800"}',
    b'{"operation":"DELETE","email_hash":"\\udc00\\ud800"}',
]  # fmt: skip
BLANKS = [b"", b" ", b"\t", b"\r", b"  \t ", b"\x0b", b"\x0c"]
LINE_KINDS = ["command"] * 16 + [
    "crlf", "duplicate key", "escaped key", "trailing comma", "blank", "junk",
    "not an object", "bad utf-8", "spaces", "bom",
]  # fmt: skip
KNOWN_KEYS = ["operation", "compartment_id", "user_account_id", "email_hash", "user_agent_id",
              "force_replace", "merge_objects", "user_profile"]  # fmt: skip


@st.composite
def raw_lines(draw: st.DrawFn) -> bytes:
    """One line of a file, with its line end: a command, or a command spoilt as text."""
    command = draw(commands())
    line = encode(command, draw(st.sampled_from(["orjson", "orjson", "ascii", "spaced", "raw"])))
    kind = draw(st.sampled_from(LINE_KINDS))
    end = b"\n"
    if kind == "crlf":
        end = b"\r\n"
    elif kind == "duplicate key":
        key = draw(st.sampled_from([*command, *KNOWN_KEYS]))
        value = encode(draw(st.one_of(identifier_value, st.sampled_from(["UPSERT", "DELETE"]))))
        pair = b'"' + key.encode("utf-8", "surrogatepass") + b'":' + value
        if chance(draw, 30):
            pair = escape_key(pair + b",", key)[:-1]
        if line == b"{}":
            line = b"{" + pair + b"}"
        elif chance(draw, 50):
            line = b"{" + pair + b"," + line[1:]
        else:
            line = line[:-1] + b"," + pair + b"}"
    elif kind == "escaped key":
        for key in draw(st.lists(st.sampled_from(KNOWN_KEYS), min_size=1, max_size=3)):
            line = escape_key(line, key)
    elif kind == "trailing comma":
        line = line + b"," if chance(draw, 50) or line == b"{}" else line[:-1] + b",}"
    elif kind == "blank":
        line = draw(st.sampled_from(BLANKS))
    elif kind == "junk":
        line = draw(st.sampled_from(JUNK))
    elif kind == "not an object":
        line = draw(st.sampled_from([b"[" + line + b"]", b"1", b'"x"', b"null", b"[]", b"-0"]))
    elif kind == "bad utf-8":
        cut = draw(st.integers(0, len(line)))
        bad = draw(st.sampled_from([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe9", b"\xf4\x90"]))
        line = line[:cut] + bad + line[cut:]
    elif kind == "spaces":
        line = draw(st.sampled_from([b" ", b"\t", b"  \r"])) + line + b" "
    elif kind == "bom":
        line = BOM + line
    return line + end


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A pretty-printed document that opens a file (MIC007), whole or broken."""
    value: Any = draw(commands())
    if chance(draw, 40):
        value = [value, draw(commands())]
    text = json.dumps(value, indent=2, ensure_ascii=True).encode()
    if chance(draw, 30):
        text = text[: draw(st.integers(1, len(text)))]
    return text + b"\n"


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """A whole file, as bytes: lines, sometimes a BOM, CRLF, a document, no final newline."""
    lines = draw(st.lists(raw_lines(), min_size=1, max_size=10))
    if chance(draw, 5):
        lines.insert(0, draw(documents()))
    if chance(draw, 10):
        lines = [line.removesuffix(b"\n").removesuffix(b"\r") + b"\r\n" for line in lines]
    data = b"".join(lines)
    if chance(draw, 8):
        data = BOM + data
    if chance(draw, 15):
        data = data.removesuffix(b"\n")
    return data


def split(data: bytes) -> list[bytes]:
    """Lines as a file read in binary gives them: split at \\n only, line ends kept."""
    return io.BytesIO(data).readlines()


SETTINGS = [
    Settings(),
    Settings(selections=(Selection(ignore=("MIC103",)),)),
    Settings(selections=(Selection(ignore=("MIC104",)),)),
    Settings(selections=(Selection(ignore=("MIC501",)),)),
    Settings(selections=(Selection(ignore=("MIC2",)),)),
    Settings(selections=(Selection(ignore=("MIC003", "MIC206", "MIC305")),)),
    Settings(selections=(Selection(select=("MIC501",)),)),
    Settings(selections=(Selection(select=("MIC1", "MIC4")),)),
    Settings(max_file_size=300),
    Settings(profile_form="update_strategy"),
    Settings(profile_form="either"),
    Settings(profile_form="either", selections=(Selection(ignore=("MIC103", "MIC406")),)),
]


# -- helpers ----------------------------------------------------------------------------------


@contextlib.contextmanager
def fast_from_line(line: int) -> Iterator[None]:
    """Let the fast path start at `line` (the engine may wait for a later line)."""
    with mock.patch.object(config_module, "DEFAULT_FAST_PATH_FROM", line):
        yield


def diagnostics(
    lines: list[bytes], config: Settings, size: int | None = None
) -> list[tuple[dict[str, object], str | None, str | None]]:
    """Each diagnostic's record, its line's text and its fix mark (`[*]`, the hint)."""
    return [(d.to_dict(), d.source, d.fix) for d in lint_lines(lines, PATH, config, size=size)]


def assert_same_both_ways(
    lines: list[bytes], config: Settings | None = None, size: int | None = None
) -> dict[str, int]:
    """Fast path on and off give the same diagnostics; returns the fast check's counts."""
    config = config or Settings()
    with counting_vouches() as counts:
        fast = diagnostics(lines, dataclasses.replace(config, fast_path=True), size)
    slow = diagnostics(lines, dataclasses.replace(config, fast_path=False), size)
    assert fast == slow
    return counts


def fast_threshold() -> int:
    """The line a file's fast path starts at in this process (line 10 once msgspec is in)."""
    return config_module.default_fast_path_from()


def padding() -> list[bytes]:
    """Clean lines that bring the next line to where the engine starts the fast path."""
    count = max(1, fast_threshold())
    return [b'{"operation":"DELETE","user_agent_id":"pad:%d"}\n' % i for i in range(count)]


def decodes(line: bytes) -> Any:
    """The fast decoder's Struct for a line, or None when it (with its residual checks)
    refuses the line."""
    assert DECODER is not None
    try:
        decoded = DECODER.decode(line)
    except DECODE_ERRORS:
        return None
    return decoded if DECODER.residual_ok(decoded, line) else None


def struct_fields(decoded: Any) -> dict[str, Any]:
    """The Struct's fields as JSON values (an undecoded object parsed the way the engine
    parses a line)."""
    fields = {}
    for name, value in msgspec.structs.asdict(decoded).items():
        if isinstance(value, msgspec.Raw):
            value = parse_exact(bytes(memoryview(value)).decode("utf-8"))
        if value is not UNSET:
            fields[name] = value
    return fields


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values: true is not 1, key order does not matter, 1.0 is 1.0."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# -- property 1: diagnostics with the fast path on and off --------------------------------------


@FAST
@given(data=files(), config=st.sampled_from(SETTINGS), size_known=st.booleans())
def test_fast_path_changes_no_diagnostic(data: bytes, config: Settings, size_known: bool) -> None:
    lines = split(data)
    with fast_from_line(1):
        counts = assert_same_both_ways(lines, config, len(data) if size_known else None)
    event(f"fast check vouched for {min(counts['vouched'], 3)}+ lines")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines=st.lists(raw_lines(), min_size=1, max_size=8), config=st.sampled_from(SETTINGS))
def test_fast_path_changes_no_diagnostic_past_the_real_threshold(
    lines: list[bytes], config: Settings
) -> None:
    """No patched threshold: the generated lines come after enough clean lines."""
    counts = assert_same_both_ways(padding() + split(b"".join(lines)), config)
    if config == Settings():
        assert counts["vouched"] >= 1  # the padding's last lines at least


# -- property 2: the fast decoder is never looser than the schema -------------------------------


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=commands())
def test_fast_decoder_and_predicate_agree_with_jsonschema(command: dict[str, Any]) -> None:
    valid = VALIDATOR.is_valid(command)
    assert PREDICATE is not None
    assert PREDICATE(command) == valid
    event("valid" if valid else "invalid")
    for style in ("orjson", "ascii", "spaced"):
        line = encode(command, style)
        decoded = decodes(line)
        if decoded is None:
            continue
        assert valid, f"the fast decoder accepted a command jsonschema rejects ({style})"
        # What it decoded is what the line says (two lone surrogates in a row are one
        # character once written as JSON, so compare with the line read back).
        assert same_json(struct_fields(decoded), parse_exact(line.decode("utf-8")))


# -- property 3: on raw text, the decoder reads only what the reference parsers read -----------


def reference_parse(line: bytes) -> tuple[bool, Any]:
    """(parsed, value) as the engine reads a line: orjson, else the standard library."""
    body = line.removesuffix(b"\n").removesuffix(b"\r")
    try:
        return True, orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return True, parse_exact(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False, None


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(line=raw_lines())
def test_fast_decoder_reads_raw_lines_as_the_reference_parsers_do(line: bytes) -> None:
    decoded = decodes(line)
    if decoded is None:
        return
    parsed, value = reference_parse(line)
    assert parsed, "the fast decoder accepted a line that is not JSON"
    assert VALIDATOR.is_valid(value)
    # orjson reads integers past 64 bits as floats; the exact parser keeps them.
    exact = parse_exact(line.decode("utf-8"))
    assert same_json(struct_fields(decoded), exact)


# -- the fast path runs at all --------------------------------------------------------------


def test_the_fast_path_exists_and_vouches_for_clean_lines() -> None:
    assert DECODER is not None, "the schema fell outside what the fast path translates"
    assert PREDICATE is not None
    lines = [
        b'{"operation":"UPSERT","compartment_id":"1000","user_account_id":"u%d",'
        b'"force_replace":false,"user_profile":{"n":%d}}\n' % (i, i)
        for i in range(300)
    ]
    counts = assert_same_both_ways(lines)
    assert counts["vouched"] >= 50


def test_generated_files_exercise_the_fast_path() -> None:
    """Property 1 is not vacuous: its files often have lines the fast check vouches for."""
    seen = {"vouched": 0, "refused": 0}

    @settings(max_examples=200, deadline=None, database=None)
    @given(data=files())
    def run(data: bytes) -> None:
        with fast_from_line(1):
            counts = assert_same_both_ways(split(data))
        seen["vouched"] += counts["vouched"]
        seen["refused"] += counts["checked"] - counts["vouched"]

    run()
    assert seen["vouched"] >= 20
    assert seen["refused"] >= 20


# -- regressions ------------------------------------------------------------------------------


def deep_profile(depth: int) -> bytes:
    nested = b'{"a":' * depth + b"1" + b"}" * depth
    return b'{"operation":"DELETE","email_hash":"deep","user_profile":' + nested + b"}\n"


@pytest.mark.parametrize("depth", [900, 1000, 1020, 1100, 3000])
def test_deeply_nested_profile(depth: int) -> None:
    """msgspec raises RecursionError (not a DecodeError) on deep nesting: no crash, same
    diagnostics as the full checks."""
    lines = [*padding(), deep_profile(depth)]
    fast = diagnostics(lines, Settings())
    slow = diagnostics(lines, Settings(fast_path=False))
    assert fast == slow


CASES = {
    # msgspec keeps the last of two keys, as orjson does; `\u` spellings are other keys
    # for MIC103 ("compared as written") but the same field for both parsers.
    "escaped duplicate, e-mail last": b'{"operation":"DELETE","email_hash":"a",'
    b'"email_h\\u0061sh":"b@c.d"}',
    "escaped duplicate, e-mail first": b'{"operation":"DELETE","email_hash":"b@c.d",'
    b'"email_h\\u0061sh":"a"}',
    "escaped duplicate operation": b'{"operation":"UPSERT","email_hash":"a","force_replace":'
    b'false,"user_profile":{},"oper\\u0061tion":"DELETE"}',
    "escaped operation twice": b'{"oper\\u0061tion":"DELETE","oper\\u0061tion":"DELETE",'
    b'"email_hash":"x1"}',
    "plain duplicate": b'{"operation":"DELETE","email_hash":"a","email_hash":"b"}',
    "placeholder written with an escape": b'{"operation":"DELETE","user_agent_id":"vec:1",'
    b'"user_profile":{"x":"\\u003cNAME>"}}',
    "placeholder": b'{"operation":"DELETE","compartment_id":"<COMPARTMENT_ID>",'
    b'"user_account_id":"a"}',
    "2**63 - 1": b'{"operation":"UPSERT","email_hash":"i1","force_replace":false,'
    b'"user_profile":{"n":9223372036854775807}}',
    "2**63": b'{"operation":"UPSERT","email_hash":"i2","force_replace":false,'
    b'"user_profile":{"n":9223372036854775808}}',
    "-2**63 - 1": b'{"operation":"UPSERT","email_hash":"i3","force_replace":false,'
    b'"user_profile":{"n":-9223372036854775809}}',
    "2**64": b'{"operation":"UPSERT","email_hash":"i4","force_replace":false,'
    b'"user_profile":{"n":18446744073709551616}}',
    "1e400": b'{"operation":"UPSERT","email_hash":"i5","force_replace":false,'
    b'"user_profile":{"n":1e400}}',
    "long float": b'{"operation":"UPSERT","email_hash":"i6","force_replace":false,'
    b'"user_profile":{"n":0.12345678901234567890123}}',
    "lone surrogate": b'{"operation":"DELETE","email_hash":"\\ud800"}',
    "surrogate as bytes": b'{"operation":"DELETE","email_hash":"\xed\xa0\x80"}',
    "clear-text e-mail": b'{"operation":"DELETE","email_hash":"jane@example.com"}',
    "user_agent_id with a newline": b'{"operation":"DELETE","user_agent_id":"vec:1\\n"}',
    "user_agent_id without prefix": b'{"operation":"DELETE","user_agent_id":"89998434"}',
    "whitespace identifier": b'{"operation":"DELETE","user_agent_id":"\\u00a0"}',
    "empty identifier": b'{"operation":"DELETE","email_hash":""}',
    # A key twice, once written with an escape: its plain spelling occurs once.
    "escaped duplicate key": b'{"operation":"UPSERT","email_hash":"e1","force_replace":true,'
    b'"force\\u005freplace":false,"user_profile":{"a":1}}',
    "escape in the profile only": b'{"operation":"UPSERT","email_hash":"e1", "force_replace":true,'
    b'"user_profile":{"k\\u00e9":"\\u00e9"}}',
    "replace with empty profile": b'{"operation":"UPSERT","email_hash":"e1",'
    b'"force_replace":true,"user_profile":{}}',
    "merge ignored": b'{"operation":"UPSERT","email_hash":"e2","force_replace":true,'
    b'"merge_objects":true,"user_profile":{"a":1}}',
    "delete with payload": b'{"operation":"DELETE","email_hash":"e3","merge_objects":false}',
    "account alone": b'{"operation":"DELETE","user_account_id":"acc"}',
    "compartment alone": b'{"operation":"DELETE","compartment_id":"1000"}',
    "two identifiers": b'{"operation":"DELETE","email_hash":"e4","user_agent_id":"vec:4"}',
    "lowercase operation": b'{"operation":"delete","email_hash":"e5"}',
    "NUL in identifier": b'{"operation":"DELETE","email_hash":"\\u0000"}',
    "DEL in identifier": b'{"operation":"DELETE","email_hash":"a\x7f"}',
    "nested duplicate keys": b'{"operation":"UPSERT","email_hash":"e6","force_replace":false,'
    b'"user_profile":{"a":1,"a":2}}',
    # The decoder skips the profile undecoded: what it leaves to the fast check.
    "invalid UTF-8 in the profile": b'{"operation":"UPSERT","email_hash":"p1",'
    b'"force_replace":false,"user_profile":{"city":"Z\xfcrich"}}',
    "invalid UTF-8 in a profile key": b'{"operation":"UPSERT","email_hash":"p2",'
    b'"force_replace":false,"user_profile":{"\xff":1}}',
    "valid UTF-8 in the profile": b'{"operation":"UPSERT","email_hash":"p3",'
    b'"force_replace":false,"user_profile":{"city":"Z\xc3\xbcrich"}}',
    "profile is a list": b'{"operation":"UPSERT","email_hash":"p4","force_replace":false,'
    b'"user_profile":[{"a":1}]}',
    "profile is a string": b'{"operation":"UPSERT","email_hash":"p5","force_replace":false,'
    b'"user_profile":"{}"}',
    "profile is null": b'{"operation":"UPSERT","email_hash":"p6","force_replace":false,'
    b'"user_profile":null}',
    "profile list holding a profile key": b'{"operation":"UPSERT","email_hash":"p7",'
    b'"force_replace":false,"user_profile" : [{"user_profile":{"a":1}}]}',
    "replace with a spaced empty profile": b'{"operation":"UPSERT","email_hash":"p8",'
    b'"force_replace":true,"user_profile":{ \t }}',
    "replace with a spaced profile": b'{"operation":"UPSERT","email_hash":"p9",'
    b'"force_replace":true,"user_profile": { "a" : 1 } }',
    "broken JSON in the profile": b'{"operation":"UPSERT","email_hash":"p10",'
    b'"force_replace":false,"user_profile":{"a":tru}}',
    "whitespace account": b'{"operation":"DELETE","compartment_id":"1","user_account_id":" "}',
    "whitespace compartment": b'{"operation":"DELETE","compartment_id":"\\t",'
    b'"user_account_id":"a"}',
    "empty account": b'{"operation":"DELETE","compartment_id":"1","user_account_id":""}',
    # The duplicate-key test sums lengths in characters: a non-ASCII identifier is longer
    # in bytes, so the line falls back to counting keys.
    "non-ASCII identifier": '{"operation":"DELETE","user_agent_id":"vec:é1"}'.encode(),
    "non-ASCII identifier, key twice": '{"operation":"DELETE","email_hash":"é",'
    '"email_hash":"é"}'.encode(),
    "unicode-space e-mail hash": b'{"operation":"DELETE","email_hash":"\\u2003\\u3000"}',
}


@pytest.mark.parametrize("line", list(CASES.values()), ids=list(CASES))
@pytest.mark.parametrize("end", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_regression_lines(line: bytes, end: bytes) -> None:
    """Each line twice after the fast path starts (MIC501 on the second), then after a CRLF
    line has been reported."""
    lines = [*padding(), line + end, line + end, b'{"operation":"DELETE","email_hash":"z"}\r\n']
    lines += [line + end]
    assert_same_both_ways(lines)


def test_isspace_is_the_complement_of_the_schema_pattern() -> None:
    """The fast check tests an identifier with `str.isspace` in place of re's `\\S`."""
    differ = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if chr(code).isspace() != (re.search(r"\S", chr(code)) is None)
    ]
    assert differ == []


def test_the_decoder_leaves_only_what_the_fast_check_checks() -> None:
    """If the schema changes what the decoder leaves out, the profile check still verifies
    it (slower): the generic residual check is wrapped in."""
    assert DECODER is not None
    assert DECODER.objects == ("user_profile",)
    assert set(DECODER.patterns.values()) == {r"\S"}


def test_duplicate_users_named_at_their_first_line() -> None:
    lines = [
        *padding(),
        b'{"operation":"DELETE","compartment_id":"1","user_account_id":"a"}\n',
        b'{"operation":"DELETE","compartment_id":"2","user_account_id":"a"}\n',
        b'{"operation":"DELETE","email_hash":"a"}\n',
        b'{"operation":"DELETE","user_agent_id":"vec:a"}\n',
        b'{"operation":"UPSERT","compartment_id":"1","user_account_id":"a","force_replace":'
        b'false,"user_profile":{}}\n',
        b'{"operation":"DELETE","email_h\\u0061sh":"a"}\n',
        b'{"operation":"DELETE","user_agent_id":"vec:a"}\n',
    ]
    assert_same_both_ways(lines)
    found = [d for d in lint_lines(lines, PATH, Settings()) if d.code == "MIC501"]
    first = len(padding()) + 1
    assert [(d.line, d.message.split("line ")[1].split(":")[0]) for d in found] == [
        (first + 4, str(first)),
        (first + 5, str(first + 2)),
        (first + 6, str(first + 3)),
    ]


def test_file_start_edge_cases() -> None:
    """Held first lines (blank, broken, a BOM) and the fast path from line 1."""
    for data in [
        b"\n\n" + CASES["placeholder"] + b"\n" + CASES["clear-text e-mail"] + b"\n",
        BOM + CASES["plain duplicate"] + b"\n" + CASES["plain duplicate"] + b"\n",
        b"{\n" + CASES["lowercase operation"] + b"\n",
        b"junk\n" + CASES["2**64"] + b"\n" + CASES["2**64"],
        b'{"operation":"DELETE",\n"email_hash":"a"}\n' + CASES["account alone"] + b"\n",
    ]:
        with fast_from_line(1):
            assert_same_both_ways(split(data))
            assert_same_both_ways(split(data), size=len(data))


GROUP_PROBLEMS = [
    b'{"operation":"DELETE","email_hash":"<EMAIL_HASH>"}',  # MIC206
    b'{"operation":"UPSERT","email_hash":"g1","force_replace":false,'
    b'"user_profile":{"n":12345678901234567890}}',  # MIC104
    b'{"operation":"DELETE","email_hash":"g2","email\\u005fhash":"g3"}',  # MIC103
    b'{"operation":"DELETE","email_hash":"\\u003cX>"}',  # MIC206, escaped
]


@pytest.mark.parametrize("problem", GROUP_PROBLEMS)
@pytest.mark.parametrize("neighbour", [b"", b'{"operation":"DELETE","email_hash":"a\\\\b"}\n'])
@pytest.mark.parametrize("at", [0, 1, 63, 64, 65, 130])
def test_lines_screened_in_groups(problem: bytes, neighbour: bytes, at: int) -> None:
    """The fast loop screens lines in groups (no "<", backslash or long digit run in the
    whole group spares each line its own searches): a problem line anywhere in a group,
    alone or next to a line that fails the group's screen, is found as without the fast
    path, and the clean lines of a clean group are still vouched for."""
    body = [b'{"operation":"DELETE","email_hash":"c%d"}\n' % i for i in range(200)]
    body.insert(at, problem + b"\n")
    if neighbour:
        body.insert(at + 1, neighbour)
    counts = assert_same_both_ways([*padding(), *body])
    assert counts["vouched"] >= 190
    found = [d.code for d in lint_lines([*padding(), *body], PATH, Settings())]
    assert found and set(found) <= {"MIC103", "MIC104", "MIC206"}


@pytest.mark.parametrize(
    ("max_line", "length"),
    # A limit under GROUP_BYTES, each line tested; at it and over, the bytes alone end a
    # group (splitrecords.Splitter._read).
    [(1000, 3000), (GROUP_BYTES, 3 * GROUP_BYTES), (GROUP_BYTES + 1, GROUP_BYTES + 40)],
)
def test_a_cut_line_ends_its_group(tmp_path: Any, max_line: int, length: int) -> None:
    """A line over max-line-bytes comes cut, and the rest of it is read from the file: the
    group read ahead must end at it, or the rest read would be another line's."""
    from mics_lint import lint_file

    lines = [b'{"operation":"DELETE","email_hash":"c%d"}\n' % i for i in range(300)]
    long = b'{"operation":"DELETE","email_hash":"' + b"x" * length + b'"}'
    lines[250:250] = [long + b"\n", b'{"operation":"DELETE","email_hash":"<X>"}\n', long]
    lines.insert(254, b"\n")
    path = tmp_path / "cut.ndjson"
    path.write_bytes(b"".join(lines))
    got = {}
    for fast in (True, False):
        config = Settings(max_line_bytes=max_line, fast_path=fast)
        got[fast] = [(d.line, d.code) for d in lint_file(str(path), config)]
    assert got[True] == got[False]
    # Line 253 runs on into the next clean line; 254 is blank.
    assert got[True] == [(251, "MIC010"), (252, "MIC206"), (253, "MIC010"), (254, "MIC004")]


# -- an identifier of the wrong type on every line (loosepath.py) ----------------

WRONG_LITERALS = [
    b"1000", b"0", b"-0", b"-5", b"1.5", b"1e3", b"-1.5E-3", b"true", b"false", b"null",
    b"12345678901234567", b"9223372036854775808", b"[1000]", b"{}", b'"1000"',
]  # fmt: skip
IDENTIFIER_SHAPES = [
    b'"compartment_id":%s,"user_account_id":"CRM-%d"',
    b'"compartment_id":"1000","user_account_id":%s%.0d',
    b'"user_account_id":%s , "compartment_id" :  %d',
    b'"email_hash":%s%.0d',
    b'"user_agent_id":%s%.0d',
    b'"compartment_id":%s,"user_account_id":%d',
    b'"email_hash":%s,"user_agent_id":"vec:%d"',
    b'"compartment_id":%s%.0d',
]


def wrong_id_line(shape: bytes, literal: bytes, i: int, upsert: bool) -> bytes:
    ids = shape % (literal, i)
    if upsert:
        return b'{"operation":"UPSERT",%s,"force_replace":false,"user_profile":{"n":%d}}\n' % (
            ids,
            i,
        )
    return b'{"operation":"DELETE",%s}\n' % ids


@pytest.mark.parametrize("shape", IDENTIFIER_SHAPES)
@pytest.mark.parametrize(
    "config",
    [
        Settings(),
        Settings(show_values=True),
        Settings(selections=(Selection(ignore=("MIC202",)),)),
        Settings(selections=(Selection(ignore=("MIC104", "MIC103")),)),
    ],
)
def test_identifiers_of_the_wrong_type(shape: bytes, config: Settings) -> None:
    """Every literal in every identifier place, in runs (the loose decoder goes first after
    one such line) broken by clean lines, by lines with other faults and by users that
    repeat: the same diagnostics as the full checks."""
    body = []
    for i, literal in enumerate(WRONG_LITERALS * 3):
        body.append(wrong_id_line(shape, literal, i % 7, upsert=i % 2 == 0))
        if i % 5 == 0:
            body.append(
                b'{"operation":"DELETE","compartment_id":"1000","user_account_id":"CRM-3"}\n'
            )
        if i % 11 == 0:
            body.append(b'{"operation":"UPSERT","email_hash":"e%d","user_profile":{}}\n' % i)
        if i % 13 == 0:
            body.append(wrong_id_line(shape, literal, i, upsert=True).replace(b"false", b"0"))
        if i % 4 == 0:  # a key twice, long or short
            line = wrong_id_line(shape, literal, i, upsert=i % 8 == 0)
            body.append(line.replace(b'"operation"', b'"operation":"DELETE","operation"'))
            body.append(line.replace(b"{", b'{"user_profile":{},', 1))
    body.insert(20, b'{"operation":"DELETE","email_hash":"z"}\r\n')
    assert_same_both_ways([*padding(), *body], config)


def lint_counting_full_checks(lines: list[bytes]) -> tuple[list[Any], int, dict[str, int]]:
    """lint_lines with the default settings; how many lines took the full checks, and the
    fast check's counts (`counting_vouches`)."""
    full = mock.patch.object(
        linecheck_module.LineChecker, "check_line", autospec=True, side_effect=CHECK_LINE
    )
    with full as check_line, counting_vouches() as counts:
        found = list(lint_lines(lines, PATH, Settings()))
    return found, check_line.call_count, counts


def test_a_systematic_wrong_type_skips_the_full_checks() -> None:
    """A file whose every compartment_id is a number: past the first lines, no line goes
    through the full checks, and each still gets its MIC202."""
    lines = [
        wrong_id_line(IDENTIFIER_SHAPES[0], b"%d" % (1000 + i % 3), i, upsert=i % 3 > 0)
        for i in range(1000)
    ]
    found, full_checks, _ = lint_counting_full_checks(lines)
    assert len(found) == 1000 and {d.code for d in found} == {"MIC202"}
    assert full_checks <= fast_threshold() + 1
    assert found[-1].message == (
        'compartment_id must be a string, not an integer: write it in quotes, "1000"'
    )
    assert_same_both_ways(lines)


CHECK_LINE = linecheck_module.LineChecker.check_line


@pytest.mark.parametrize("limit_line", [230, 263, 300])
@pytest.mark.parametrize("size_known", [True, False])
@pytest.mark.parametrize("crlf_at", [None, 240, 299])
def test_groups_that_need_tests_per_line(
    limit_line: int, size_known: bool, crlf_at: int | None
) -> None:
    """A group of lines skips the tests of each line (file size, CR, a cut or unfinished
    line) only when it can: max-file-size passed inside a group, a CRLF line in it, and a
    last line without its newline give the same diagnostics as without the fast path."""
    body = [b'{"operation":"DELETE","email_hash":"s%d"}\n' % i for i in range(300)]
    body[250] = b'{"operation":"DELETE","email_hash":"<X>"}\n'
    if crlf_at is not None:
        body[crlf_at] = body[crlf_at].replace(b"\n", b"\r\n")
    body[-1] = body[-1].rstrip(b"\n")
    lines = [*padding(), *body]
    limit = sum(len(line) for line in lines[: len(padding()) + limit_line])
    size = sum(map(len, lines)) if size_known else None
    assert_same_both_ways(lines, Settings(max_file_size=limit), size)


def test_a_read_error_comes_after_the_lines_read_before_it(tmp_path: Any) -> None:
    """A .gz that breaks half-way: the lines read ahead into a group before the break get
    their diagnostics, then the read error, as without the fast path."""
    import gzip

    from mics_lint import ReadError, lint_file

    lines = [b'{"operation":"DELETE","user_account_id":"u%d"}\n' % i for i in range(5000)]
    data = gzip.compress(b"".join(lines))
    path = tmp_path / "broken.ndjson.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    got: dict[bool, list[Any]] = {}
    for fast in (True, False):
        got[fast] = []
        with pytest.raises(ReadError):
            for d in lint_file(str(path), Settings(fast_path=fast)):
                got[fast].append((d.line, d.code))
    assert len(got[False]) > 300
    assert got[True] == got[False]


def test_long_lines_are_not_read_far_ahead() -> None:
    """Lines of 40 kB: a group ends after a few of them, not 64 (memory stays bounded by
    max-line-bytes, not 64 times it)."""
    pulled = 0

    def lines() -> Iterator[bytes]:
        nonlocal pulled
        for i in range(400):
            pulled += 1
            if i == 250:
                yield b'{"operation":"DELETE","user_account_id":"u"}\n'
            else:
                yield b'{"operation":"DELETE","email_hash":"%s%d"}\n' % (b"h" * 40_000, i)

    # Without MIC501, a diagnostic waits only for its group.
    without_users = Settings(per_file_ignores=(("*", ("MIC501",)),))
    first = next(lint_lines(lines(), PATH, without_users))
    assert (first.line, first.code) == (251, "MIC304")
    assert pulled <= 251 + 3  # lint_lines reads one line ahead: is a line the last one?
    # With it, for MIC501's window of lines too, which is bounded in bytes (4 MiB: about
    # a hundred such lines), not only in lines.
    pulled = 0
    first = next(lint_lines(lines(), PATH, Settings()))
    assert (first.line, first.code) == (251, "MIC304")
    assert pulled <= 251 + (4 << 20) // 40_000 + 3  # line 251's window, at its longest


def test_the_wrong_type_memo_is_not_misled_by_an_escaped_key() -> None:
    """With MIC103 off, a key written with escapes passes the loose path: its one plain
    spelling may be another key of that name inside user_profile, at the column where a
    later line has it at the top level. The later line's finding is its own."""
    escaped = (
        b'{"user_profile":{"":0,"compartment_id":5,"z":1},"operation":"UPSERT",'
        b'"compartment\\u005fid":true,"user_account_id":"a","force_replace":false}\n'
    )
    plain = (
        b'{"operation":"UPSERT","compartment_id":5,"user_account_id":"a",'
        b'"force_replace":false,"user_profile":{}}\n'
    )
    assert escaped.index(b'"compartment_id"') == plain.index(b'"compartment_id"')
    config = Settings(selections=(Selection(ignore=("MIC103",)),))
    assert_same_both_ways([*padding(), escaped, plain], config)
    found = list(lint_lines([*padding(), escaped, plain], PATH, config))
    assert found[-1].message.endswith('write it in quotes, "5"')


@pytest.mark.parametrize("at", [1, 2500])
def test_a_line_after_a_loose_one_named_one_rule_reports_its_user_once(
    at: int, tmp_path: Any
) -> None:
    """After a line taken loosely (an identifier not a string), the next is decoded loosely
    first; when the check named one rule for it (MIC401) it had queued its user for MIC501,
    and the full checks reported that user again: the rule runs alone, as on a line decoded
    strictly. (Found by a review's fuzzer: MIC501 twice on the same line.)"""
    lines = [b'{"operation":"DELETE","email_hash":"h%d"}\n' % n for n in range(3000)]
    lines[at] = b'{"operation":"DELETE","compartment_id":true,"user_account_id":"C1"}\n'
    lines[at + 1] = b'{"operation":"UPSERT","email_hash":"h0","user_profile":{"n":1}}\n'
    full = [d.to_dict() for d in lint_lines(lines, "f.ndjson", Settings(fast_path=False))]
    assert [(d["line"], d["code"]) for d in full] == [
        (at + 1, "MIC202"),
        (at + 2, "MIC401"),
        (at + 2, "MIC501"),
    ]
    for config in (Settings(), Settings(fast_path_from=1)):
        assert [d.to_dict() for d in lint_lines(lines, "f.ndjson", config)] == full
    # In chunks too (`--jobs 2`), whose users a chunk keeps in a dict of its own.
    path = tmp_path / "f.ndjson"
    path.write_bytes(b"".join(lines))
    args = ["check", "--isolated", "--jobs", "2", "--chunk-size", "8192", "--output-format", "json"]
    result = CliRunner().invoke(cli, [*args, str(path)])
    found = [(d["line"], d["code"]) for d in json.loads(result.stdout)]
    assert found == [(d["line"], d["code"]) for d in full], result.stderr
