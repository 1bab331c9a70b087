"""A line whose only fault is an unknown key stays off the full checks (laxpath.py), with
the diagnostics the full checks give it, whatever comes with the key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_fastpath import (
    PATH,
    assert_same_both_ways,
    fast_threshold,
    lint_counting_full_checks,
    padding,
)

from mics_lint import Settings, fastloop, laxpath, lint_lines
from mics_lint.config import Selection

UPSERT = b'{"operation":"UPSERT","email_hash":"e%d","force_replace":false,"user_profile":{"n":1}}'
LINES = [
    UPSERT.replace(b'"force_replace"', b'"forceReplace"'),  # MIC204 and MIC401
    UPSERT.replace(b"{", b'{"source":"crm",', 1),  # MIC204 alone, first
    UPSERT[:-1] + b',"source":"crm"}',  # last
    UPSERT[:-1] + b',"source":{"a":[1,{"b":null}]},"extra":2}',  # two, nested
    UPSERT[:-1] + b',"source":"crm","source":"x"}',  # written twice: MIC103
    UPSERT[:-1] + b',"source":"source"}',  # also a value
    UPSERT[:-1] + b',"forcereplace":true}',  # a near miss beside the key it misses
    UPSERT[:-1] + b',"$events":[]}',  # another type's marker
    UPSERT[:-1] + b',"segment_id":"1"}',
    UPSERT[:-1] + b',"n":12345678901234567890}',  # MIC104 in it
    UPSERT[:-1] + b',"x":"<PLACEHOLDER>"}',
    UPSERT[:-1] + b',"x":"caf\xc3\xa9"}',
    UPSERT[:-1] + b',"x":"caf\xe9"}',  # invalid UTF-8
    UPSERT[:-1] + b',"x":"a\\u0041"}',  # an escape
    UPSERT[:-1] + b',"x\\u0041":1}',
    UPSERT[:-1] + b',"update_strategy":"PARTIAL_UPDATE","x":1}',  # MIC406 too
    UPSERT.replace(b'"email_hash":"e%d",', b"")[:-1] + b',"x":1}',  # no identifier
    UPSERT.replace(b'"e%d"', b"1000")[:-1] + b',"x":1}',  # a wrong type too
    UPSERT.replace(b'"e%d"', b'"a@b.c"')[:-1] + b',"x":1}',  # MIC305 too
    UPSERT.replace(b'"e%d"', b'" e%d"')[:-1] + b',"x":1}',  # MIC307 too
    UPSERT.replace(b'{"n":1}', b"{}").replace(b"false", b"true")[:-1] + b',"x":1}',  # MIC405
    b'{"operation":"DELETE","email_hash":"e%d","x":1}',
    b'{"operation":"DELETE","email_hash":"e%d","force_replace":true,"x":1}',  # MIC404 too
    b'{"operation":"DELETE","x":1}',
    b'{"operation":"DELETE","email_hash":"e%d","$events":[]}',  # MIC207: an activity?
    b'{"operation":"DELETE","email_hash":"e%d","segment_id":"1"}',
    b'{"operation":"DELETE","email_hash":"e%d","user_choice":"x"}',
    b'{"operation": "DELETE", "email_hash": "e%d", "x": 1}',  # spaces
    # The keys of lines above, a value failing its pattern: its findings are not those the
    # keys alone give (schema_errors.record_findings), whichever comes first.
    UPSERT.replace(b'"e%d"', b'"   "')[:-1] + b',"x":1}',
    b'{"operation":"DELETE","email_hash":"","x":1}',
    b'{"operation":"DELETE","compartment_id":"1","user_account_id":"u%d","x":1}',
    b'{"operation":"DELETE","compartment_id":"a1","user_account_id":"u%d","x":1}',
    b'{"operation":"DELETE","compartment_id":"1","user_account_id":" ","x":1}',
    b'{"operation":"DELETE","user_account_id":"u%d","compartment":"1"}',  # MIC304 too
    b'{"operation":"DELETE","compartment":"1","user_account_id":"u%d"}',
    b'{"operation":"DELETE","user_account_id":"u%d","x":"user_account_id"}',
]
CONFIGS = [
    Settings(),
    Settings(show_values=True),
    Settings(selections=(Selection(ignore=("MIC204",)),)),
    Settings(selections=(Selection(ignore=("MIC2",)),)),
    Settings(selections=(Selection(ignore=("MIC401", "MIC501")),)),
    Settings(selections=(Selection(ignore=("MIC304",)),)),
    Settings(selections=(Selection(select=("MIC1", "MIC5")),)),
    Settings(profile_form="force_replace"),
    Settings(profile_form="update_strategy"),
    Settings(profile_form="either"),
]


def fill(line: bytes, i: int) -> bytes:
    return (line % (i % 9) if b"%d" in line else line) + b"\n"


def mixed(count: int) -> list[bytes]:
    """Each kind of line in turn, users repeating (MIC501), CRLF now and then."""
    body = [fill(LINES[i % len(LINES)], i) for i in range(count)]
    body[7] = body[7].replace(b"\n", b"\r\n")
    return body


@pytest.mark.parametrize("config", CONFIGS)
def test_unknown_keys_give_what_the_full_checks_give(config: Settings) -> None:
    assert_same_both_ways([*padding(), *mixed(3 * len(LINES))], config)


def test_a_systematic_unknown_key_skips_the_full_checks() -> None:
    lines = [fill(LINES[0], i) for i in range(1000)]
    found, full_checks, counts = lint_counting_full_checks(lines)
    assert full_checks <= fast_threshold() + 1
    assert counts["one rule"] >= 1000 - fast_threshold() - 1
    codes = [d.code for d in found]
    assert codes.count("MIC204") == codes.count("MIC401") == 1000
    assert_same_both_ways(lines)


CLEAN = b'{"operation":"DELETE","email_hash":"c%d"}'
WRONG_TYPE = b'{"operation":"DELETE","compartment_id":1000,"user_account_id":"a%d"}'
COMMA = b'{"operation":"DELETE","email_hash":"t%d"},'


@pytest.mark.parametrize("config", CONFIGS[:4])
def test_runs_of_unknown_keys_among_other_lines(config: Settings) -> None:
    """After a line the lax path took, the next lines try it first (the strict and loose
    decoders refuse a line with an unknown key): runs of each kind of line, between clean
    lines, integer ids (the loose path's own runs) and trailing commas, give what the full
    checks give."""
    kinds = [*LINES, CLEAN, WRONG_TYPE, COMMA]
    body = [fill(kinds[(i // 3) % len(kinds)], i) for i in range(6 * len(kinds))]
    body += [fill(kinds[(i * 7) % len(kinds)], i) for i in range(3 * len(kinds))]
    assert_same_both_ways([*padding(), *body], config)


def test_an_unknown_key_between_clean_lines_takes_no_needless_decode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A line with an unknown key among clean ones: the loose decoder, closed as the strict
    one is, is not asked (msgspec's error names the key); and the clean line after it,
    which tries the lax path first where it holds the key again, is not read by it."""
    calls = {"loose": 0, "lax": 0}

    def counted(kind: str, decode: Any) -> Any:
        def decoding(raw: bytes) -> Any:
            calls[kind] += 1
            return decode(raw)

        return decoding

    loose_path = fastloop.FastLoop._loose_path

    def loose(self: fastloop.FastLoop, fastpath: Any) -> Any:
        made = loose_path(self, fastpath)
        if made is not None:
            made.decode = counted("loose", made.decode)
        return made

    monkeypatch.setattr(fastloop.FastLoop, "_loose_path", loose)
    lax_init = laxpath.LaxPath.__init__

    def init(self: laxpath.LaxPath, checker: Any, decode: Any, refused: Any) -> None:
        lax_init(self, checker, counted("lax", decode), refused)

    monkeypatch.setattr(laxpath.LaxPath, "__init__", init)
    read = laxpath.LaxPath.line

    def line(self: laxpath.LaxPath, raw: bytes, *args: Any) -> Any:
        calls["read"] = calls.get("read", 0) + 1
        return read(self, raw, *args)

    monkeypatch.setattr(laxpath.LaxPath, "line", line)
    body = [fill(LINES[0] if i % 2 else CLEAN, i) for i in range(200)]
    found = list(lint_lines([*padding(), *body], PATH, Settings()))
    assert [d.code for d in found].count("MIC204") == 100
    # Each clean line after one: its text lacks the key (LaxPath.again), so no read at all.
    # The lax decoder reads the first line of the key: the others are its shape's
    # (LaxPath._again).
    assert calls == {"loose": 0, "lax": 1, "read": 100}


PROFILE = b'"user_profile":{"n":1}'
DEEP = b'"user_profile":{"n":' + b"[" * 995 + b"]" * 995 + b"}"  # too deep for the exact parser
RENAMES = [
    b'{"operation":"UPSERT","email_hash":"r%d","forceReplace":true,' + PROFILE + b"}",
    b'{"operation":"UPSERT","email_hash":"r%d","forceReplace":true,' + DEEP + b"}",
    # The key it would become is there: no rename, whatever its spelling.
    b'{"operation":"UPSERT","email_hash":"r%d","forcereplace":true,"force_replace":true,'
    + PROFILE
    + b"}",
    # Two that would become the same key: the first is renamed, only.
    b'{"operation":"UPSERT","email_hash":"r%d","forceReplace":true,"force-replace":true,'
    + PROFILE
    + b"}",
    # The other form's key is there (MIC406 too): a rename would mix them.
    b'{"operation":"UPSERT","email_hash":"r%d","forceReplace":true,'
    b'"update_strategy":"PARTIAL_UPDATE",' + PROFILE + b"}",
    b'{"operation":"UPSERT","email_hash":"r%d","updateStrategy":"PARTIAL_UPDATE",' + PROFILE + b"}",
    b'{"operation":"UPSERT","email_hash":" r%d","forceReplace":true,' + PROFILE + b"}",
]


@pytest.mark.parametrize(
    "config", [*CONFIGS, Settings(selections=(Selection(ignore=("MIC307",)),))]
)
def test_fix_marks_of_unknown_keys_remembered_by_the_keys(config: Settings) -> None:
    """The fix marks of the lax path's lines are remembered by their keys (laxpath.py):
    lines of the same keys whose renames differ only by depth, and lines whose other keys
    forbid the rename, mixed and in runs, are marked as the full checks mark them."""
    body = [fill(RENAMES[i % len(RENAMES)], i) for i in range(4 * len(RENAMES))]
    body += [fill(RENAMES[(i // 4) % len(RENAMES)], i) for i in range(4 * len(RENAMES))]
    assert_same_both_ways([*padding(), *body], config)


def test_the_lax_path_fixes_are_unsafe() -> None:
    """laxpath.py remembers a line's fix marks by its keys because the fixes a line it
    takes may get, a rename (MIC204) and a trim (MIC307), are unsafe: the marks count them
    without making an edit, so without proving one on the line's text. A safe one would
    need the line itself: see laxpath.py's docstring before changing either."""
    from mics_lint.registry import FIX_UNSAFE
    from mics_lint.rules import REGISTRY

    assert REGISTRY["MIC204"].fix == FIX_UNSAFE
    assert REGISTRY["MIC307"].fix == FIX_UNSAFE


def test_fix_marks_of_alike_lines_are_counted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 lines with the same misspelt key: the fixer counts the first line's fixes only."""
    from mics_lint import fixmarks

    counted = []
    count = fixmarks.FixMarks._count

    def counting(self: fixmarks.FixMarks, codes: list[str], *args: Any) -> dict[str, int]:
        counted.append(codes)
        return count(self, codes, *args)

    monkeypatch.setattr(fixmarks.FixMarks, "_count", counting)
    lines = [fill(RENAMES[0], i) for i in range(300)]
    found = list(lint_lines([*padding(), *lines], PATH, Settings()))
    assert [d.fix for d in found if d.code == "MIC204"] == ["unsafe"] * 300
    assert len(counted) <= fast_threshold() + 1


@pytest.mark.parametrize(
    ("form", "other"),
    [
        ("update_strategy", '"force_replace":true'),
        ("force_replace", '"update_strategy":"FORCE_REPLACE"'),
    ],
)
def test_a_key_of_the_other_profile_form_goes_to_the_full_checks(form: str, other: str) -> None:
    """Under a pinned form the other form's key is unknown (MIC204), and the lax decoder's
    command leaves it out; but a datamart's MIC251 reads it (a replace whose profile lacks a
    required field): the lax path answered such a line as a merge, and MIC251 was lost
    (found by a fuzzer comparing the fast path with the full checks)."""
    from pathlib import Path

    datamart = str(Path(__file__).parent.parent / "docs" / "examples" / "datamart.gql")
    line = '{"operation":"UPSERT","email_hash":"h%d",%s,"user_profile":{}}\n'
    lines = [line % (n, other) for n in range(30)]
    settings = {"profile_form": form, "datamart_schemas": (("*", datamart),)}
    full = list(lint_lines(lines, settings=Settings(**settings)))
    fast = list(lint_lines(lines, settings=Settings(**settings, fast_path_from=1)))
    assert [(d.line, d.code) for d in fast] == [(d.line, d.code) for d in full]
    assert {"MIC204", "MIC251"} <= {d.code for d in full}
    assert sum(d.code == "MIC251" for d in full) == 30


# Lines of one shape (keys in order, operation) whose unknown keys move: values of other
# lengths before them, non-ASCII text before them (columns count characters), two unknown
# keys, a line spaced as json.dumps writes it, CRLF after MIC003 is reported.
SHAPES = [
    b'{"operation":"UPSERT","email_hash":"e%s","forceReplace":true,"user_profile":{"n":"%s"}}',
    b'{"operation":"UPSERT","email_hash":"e%s","user_profile":{"n":"%s"},"forceReplace":false}',
    b'{"operation":"UPSERT","email_hash":"e%s","user_profile":{"n":"%s"},"a":1,"b":"x"}',
    b'{"b":"%s","operation":"DELETE","email_hash":"e%s","a":null}',
    b'{"operation": "UPSERT", "user_profile": {"n": "%s"}, "source": "%s", "force_replace": true}',
]
FILLERS = [b"", b"x" * 40, "Łódź 🚚 café".encode(), b"\xc3\xa9" * 7, b"1"]


def shaped(count: int) -> list[bytes]:
    body = []
    for i in range(count):
        shape, filler = SHAPES[i % len(SHAPES)], FILLERS[(i // len(SHAPES)) % len(FILLERS)]
        body.append(shape % (b"%d" % (i % 13), filler) + b"\n")
    body[11] = body[11].replace(b"\n", b"\r\n")
    return body


@pytest.mark.parametrize("config", CONFIGS)
def test_lines_of_one_shape_told_from_its_first_where_their_keys_are(config: Settings) -> None:
    """laxpath.py tells a line's diagnostics from those of the first line of its shape
    (`LaxPath._template`): their columns where each line has its key, its text, its width."""
    body = shaped(20 * len(SHAPES))
    counts = assert_same_both_ways([*padding(), *body], config)
    assert counts


def test_lines_of_one_shape_skip_the_schema_and_the_stamping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the first line of a shape, no schema finding is looked up and nothing is
    stamped: the template answers (and its diagnostics are the full checks', above)."""
    asked: list[int] = []
    findings = laxpath.LaxPath._findings

    def counted(self: laxpath.LaxPath, record: Any, ctx: Any, keys: Any) -> Any:
        asked.append(ctx.lineno)
        return findings(self, record, ctx, keys)

    monkeypatch.setattr(laxpath.LaxPath, "_findings", counted)
    body = [fill(LINES[0], i) for i in range(500)]
    found = list(lint_lines([*padding(), *body], PATH, Settings()))
    assert [d.code for d in found].count("MIC204") == 500
    assert len(asked) == 1


def test_rules_declared_by_keys_give_the_same_findings_whatever_the_values() -> None:
    """A rule declared `by_keys` (Rule.by_keys: laxpath.py remembers its findings by a
    line's keys) finds the same on its own example, and on the example with every value
    but the operation changed, as strings, numbers, nulls and objects."""
    import orjson

    from mics_lint.registry import LineContext
    from mics_lint.rules import REGISTRY

    declared = [rule for rule in REGISTRY.values() if rule.by_keys]
    assert {rule.code for rule in declared} >= {"MIC301", "MIC401"}
    for rule in declared:
        assert rule.check is not None
        for example in (rule.example, rule.example.replace("force_replace", "forceReplace")):
            record = orjson.loads(example.strip().splitlines()[0])
            state: dict[str, Any] = {}
            found = list(rule.check(record, LineContext(2, b"", state)))
            assert found, rule.code
            for other in ("x", "", 0, None, {"a": 1}, [" "]):
                changed = {k: v if k == "operation" else other for k, v in record.items()}
                again = list(rule.check(changed, LineContext(2, b"", state)))
                assert again == found, (rule.code, other)
            assert state == {}, rule.code  # nothing remembered


def test_a_shape_told_by_the_verdict_of_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The template of a shape is its first line's, for that line's verdict: a line of the
    shape the fast check answers otherwise (here, a check made to vouch for every other
    line whole) is stamped anew, not told from the template."""
    line = laxpath.LaxPath.line

    def alternating(self: laxpath.LaxPath, raw: bytes, lineno: int, plain: bool, vouch: Any) -> Any:
        def told(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
            verdict = vouch(c, raw, lineno, plain)
            return True if verdict is not False and lineno % 2 else verdict

        return line(self, raw, lineno, plain, told)

    monkeypatch.setattr(laxpath.LaxPath, "line", alternating)
    body = [fill(LINES[0], i) for i in range(200)]
    found = list(lint_lines([*padding(), *body], PATH, Settings()))
    first = len(padding()) + 20  # past where the fast path starts
    shown = [d for d in found if d.code != "MIC501"]  # users repeat
    codes = {n: sorted(d.code for d in shown if d.line == n) for n in range(first, first + 40)}
    for n, made in codes.items():
        assert made == (["MIC204"] if n % 2 else ["MIC204", "MIC401"]), n


def test_a_rule_not_declared_by_keys_is_run_on_each_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fast check's verdict naming a rule not declared `by_keys`: no template, the rule
    runs on every line (its findings may read a value)."""
    import dataclasses

    from mics_lint.rules import operations

    rule = operations.UPSERT_MISSING_FORM
    ran: list[int] = []

    def check(record: Any, ctx: Any) -> Any:
        ran.append(ctx.lineno)
        assert rule.check is not None
        return rule.check(record, ctx)

    undeclared = dataclasses.replace(rule, by_keys=False, check=check)
    monkeypatch.setattr(operations, "UPSERT_MISSING_FORM", undeclared)
    body = [fill(LINES[0], i) for i in range(300)]
    found = list(lint_lines([*padding(), *body], PATH, Settings()))
    assert [d.code for d in found].count("MIC401") == 300
    assert len(ran) >= 300 - fast_threshold()


@pytest.mark.parametrize("doc_type", ["USER_PROFILE", "USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS"])
def test_guarded_by_keys_only_where_the_keys_decide(doc_type: str) -> None:
    """Guard.guarded_by_keys (laxpath.py asks it) answers as `guarded` does, in any order:
    records of the same keys that differ by a value it reads (a deletion's `type`, an
    association's bare identifier) are not told alike."""
    import itertools

    from mics_lint.doctypes import DOC_TYPES
    from mics_lint.guards import Guard
    from mics_lint.rules import REGISTRY

    records: list[dict[str, Any]] = [
        {"type": "USER_EMAIL", "hash": "x"},
        {"type": "BOGUS", "hash": "x"},
        {"type": "USER_ACCOUNT", "compartment_id": "1", "user_account_id": "a"},
        {"type": "BOGUS", "compartment_id": "1", "user_account_id": "a"},
        {"operation": "DELETE", "email_hash": "e", "x": 1},
        {"$events": [], "email_hash": "e"},
        {"operation": "DELETE", "x": 1},
    ]
    for ordered in itertools.permutations(records[:4]):
        for record in [*ordered, *records[4:]]:
            guard = Guard(DOC_TYPES[doc_type], frozenset(REGISTRY))
            expected = guard.guarded(record)
            cached = Guard(DOC_TYPES[doc_type], frozenset(REGISTRY))
            for one in [*ordered, record]:
                cached.guarded_by_keys(one, tuple(one))
            assert cached.guarded_by_keys(record, tuple(record)) == expected, record


def test_no_template_from_a_line_of_a_split_record() -> None:
    """A whole object inside a record split over lines is marked as that record (its own
    marks go): the first line of its shape after it still takes its own marks, not that
    line's (a template made there lost the `unsafe` of every later line)."""
    lines = [
        b'{"operation":"DELETE","email_hash":"a"}\n',
        b'{"x":\n',
        b' {"operation":"DELETE","email_hash":"b","forceReplace":true}\n',
        b"}\n",
        *(
            fill(b'{"operation":"DELETE","email_hash":"d%d","forceReplace":true}', i)
            for i in range(5)
        ),
    ]
    for config in (Settings(fast_path_from=1), Settings()):
        assert_same_both_ways(lines if config.fast_path_from else [*padding(), *lines], config)


@pytest.mark.parametrize("values", [(b'"vec:1"', b"[1]"), (b"[1]", b'"vec:1"'), (b"{}", b"1")])
def test_renames_told_by_the_types_of_the_unknown_keys_values(values: tuple[bytes, bytes]) -> None:
    """Whether `userAgentId` would be renamed `user_agent_id` depends on whether its value
    would name a second user: a string would (read as one: no rename, no mark), an array
    would not. Lines of the same keys whose values differ so are not told alike."""
    lines = [
        b'{"operation":"DELETE","email_hash":"e%d","userAgentId":%s}\n' % (i, values[i % 2])
        for i in range(6)
    ]
    assert_same_both_ways([*padding(), *lines])


def test_a_template_of_many_unknown_keys_searches_each_key_once() -> None:
    """A line of many unknown keys: its template finds each key once (a search for every
    key for every diagnostic took 15 s for 2,000 keys, where the full checks take 0.1 s)."""

    class Counted(str):
        finds = 0

        def find(self, *args: Any) -> int:
            Counted.finds += 1
            return super().find(*args)

    members = ",".join(f'"prop_{j:03d}":"v{j}"' for j in range(300))
    line = '{"operation":"DELETE","email_hash":"e",' + members + "}"
    made = list(lint_lines([line.encode() + b"\n"], PATH, Settings()))
    assert [d.code for d in made] == ["MIC204"] * 300
    unknown = tuple(f"prop_{j:03d}" for j in range(300))
    record = json.loads(line)
    template, placed = laxpath.LaxPath._template(None, made, None, unknown, Counted(line), record)  # type: ignore[arg-type]
    assert template is not None and len(template) == 300 and placed == ()
    assert Counted.finds == 300


# An unknown key's value of each JSON type (a line's shape holds the types of its unknown
# keys' values), written first, last, alone with the operation, beside a known key written
# twice, or spaced; a profile with a number past a double's range (orjson refuses it, the
# full checks parse it with the standard library); long lines and short.
LONG_HASH = b'"e%d' + b"a" * 260 + b'"'
ALL_VALUES = [b'"crm"', b"12", b"-0", b"1.5", b"2e3", b"-1E-2", b"true", b"false", b"null"]
ALL_VALUES += [b"[]", b'[1,{"a":"operation"}]', b"{}", b'{"email_hash":"x"}', b"123456789012345"]
SHAPED_BY_VALUES = [
    b'{"operation":"UPSERT","email_hash":"e%d","source":%s,"user_profile":{"n":1}}',
    b'{"source":%s,"operation":"DELETE","email_hash":"e%d"}',
    b'{"operation":"UPSERT","email_hash":"e%d","forceReplace":%s,"user_profile":{"n":1e400}}',
    b'{"operation":"DELETE","x":%s}',
    b'{"operation":"DELETE","email_hash":"e%d","a":1,"b":%s}',
    b'{"operation":"DELETE","email_hash":"e%d","note":%s,"email_hash":"f"}',
    b'{"operation":"DELETE", "email_hash":"e%d", "x": %s}',
    b'{"operation":"DELETE","email_hash":"e%d","user_profile2":%s}',
]


@pytest.mark.parametrize(
    "config", [*CONFIGS[:2], Settings(selections=(Selection(ignore=("MIC104",)),))]
)
@pytest.mark.parametrize("long", [False, True])
def test_runs_of_one_shape_with_values_of_each_type(config: Settings, long: bool) -> None:
    """Runs of lines of one set of keys, each JSON type of value in turn for the unknown
    key, give what the full checks give."""
    body = []
    for shape in SHAPED_BY_VALUES:
        for i, value in enumerate(ALL_VALUES * 2):
            line = shape.replace(b"%s", value)
            line = line.replace(b'"e%d"', LONG_HASH) if long else line
            body.append((line % (i % 5) if b"%d" in line else line) + b"\n")
    body += [b'{"operation":"DELETE","email_hash":"e1","n":12345678901234567890123}\n'] * 3
    assert_same_both_ways([*padding(), *body], config)


ACCOUNT = (
    b'{"operation":"UPSERT","compartment_id":"1","user_account_id":"u%d","user_profile":{"n":1},'
)
STRATEGY = (
    b'{"operation":"UPSERT","email_hash":"e%d","update_strategy":"PARTIAL_UPDATE",'
    b'"user_profile":{"n":1},'
)
# An account without its compartment, whose key is misspelt: MIC204 and MIC304, at two keys
ALONE = (
    b'{"operation":"UPSERT","user_account_id":"u%d","force_replace":true,"user_profile":{"n":1},'
)

# Lines a shape's decoder (LaxPath._again) reads after runs of the first of each: some of
# its keys in another order, or with a key written twice, added or left out, its unknown
# key's value of another type or as long as another, another operation; and lines it
# takes whose values make other diagnostics.
AFTER_A_SHAPE = [
    (
        ACCOUNT + b'"forceReplace":true}',
        [
            b'{"forceReplace":false,"user_account_id":"u%d","operation":"UPSERT","compartment_id":"1","user_profile":{"n":1}}',
            ACCOUNT.replace(b'"compartment_id":"1",', b'"compartment_id":"1","compartment_id":"2",')
            + b'"forceReplace":true}',
            ACCOUNT + b'"forceReplace":true,"forceReplace":false}',
            ACCOUNT + b'"forceReplace":1}',
            ACCOUNT + b'"forceReplace":"true"}',
            ACCOUNT + b'"forceReplace":null}',
            ACCOUNT + b'"email_hash":"e1","forceReplace":true}',
            ACCOUNT.replace(b',"user_profile":{"n":1}', b"") + b'"forceReplace":true}',
            ACCOUNT.replace(b"UPSERT", b"DELETE") + b'"forceReplace":true}',
            ACCOUNT.replace(b'{"n":1}', b"{}") + b'"forceReplace":true}',
            ACCOUNT.replace(b'"u%d"', b'" u%d"') + b'"forceReplace":true}',
            ACCOUNT.replace(b'"u%d"', b'"u%d<b>"') + b'"forceReplace":true}',
            ACCOUNT.replace(b":", b": ").replace(b",", b", ") + b' "forceReplace": false}',
            ACCOUNT.replace(b'{"n":1}', b'{"forceReplace":1}') + b'"forceReplace":true}',
        ],
    ),
    (
        ACCOUNT + b'"source":"crm"}',
        [
            ACCOUNT + '"source":"Łódź café"}'.encode(),
            ACCOUNT + b'"source":"source"}',
            ACCOUNT + b'"source":""}',
            ACCOUNT + b'"source":"\xe9"}',  # invalid UTF-8
            ACCOUNT + b'"source":["crm"]}',
            ACCOUNT + b'"source":1}',
        ],
    ),
    (  # another type's field: MIC204 names one of the line's own keys (not in its order)
        STRATEGY + b'"segment_id":true}',
        [
            STRATEGY.replace(b'"update_strategy":"PARTIAL_UPDATE",', b"")
            + b'"update_strategy":"PARTIAL_UPDATE","segment_id":true}',
            b'{"segment_id":false,' + STRATEGY[1:-1] + b"}",
            STRATEGY + b'"user_choice":"x"}',
        ],
    ),
    (
        ACCOUNT + b'"n2":5}',
        [
            ACCOUNT + b'"n2":-0}',
            ACCOUNT + b'"n2":-17}',
            ACCOUNT + b'"n2":5.0}',
            ACCOUNT + b'"n2":1e2}',
            ACCOUNT + b'"n2":12345678901234567890}',
            ACCOUNT + b'"n2":9223372036854775808}',
            ACCOUNT + b'"n2":true}',
        ],
    ),
]


HEAD = b'{"operation":"UPSERT","force_replace":true,'
AFTER_A_SHAPE.append(
    (
        HEAD + b'"user_account_id":"u%d","user_profile":{"n":1},"compartment":"1000"}',
        [
            # the keys past the first two in another order: MIC204's column before MIC304's
            HEAD + b'"compartment":"1000","user_profile":{"n":1},"user_account_id":"u%d"}',
            # the account's key in the profile before it, or as a value
            HEAD
            + b'"user_profile":{"user_account_id":1},"user_account_id":"u%d","compartment":"1"}',
            HEAD
            + b'"user_account_id":"u%d","user_profile":{"n":1},"compartment":"user_account_id"}',
            HEAD + b'"user_account_id":"u%d","user_profile":{"n":1},"compartment":"user_account"}',
            HEAD + b'"user_account_id":"u%d","user_profile":{"n":1},"compartment":1000}',
            HEAD + b'"user_account_id":"u%d ","user_profile":{"n":1},"compartment":"1000"}',
            HEAD + b'"user_account_id":"u%d","user_profile":{},"compartment":"1000"}',
            HEAD.replace(b"true", b"false")
            + b'"user_account_id":"u%d","user_profile":{"n":1},"compartment":"1000"}',
            HEAD + b'"user_account_id":"u%d","user_profile":{"n":1},"compartment":"1000",'
            b'"compartment_id":"1000"}',
            ALONE + b'"compartment":"1000"}',
        ],
    )
)


@pytest.mark.parametrize("config", CONFIGS)
def test_lines_after_a_shape_read_by_its_decoder(config: Settings) -> None:
    """Past the first lines of a shape, a line is read by that shape's decoder first (its
    keys each once, its unknown key's value of the type of the first line's): whatever
    the line differs by, it gets what the full checks give."""
    body = []
    for first, others in AFTER_A_SHAPE:
        for other in others:
            body += [fill(first, i) for i in range(3)] + [fill(other, 3)]
        body += [fill(other, i) for i in range(3) for other in others]
    assert_same_both_ways([*padding(), *body], config)


def test_lines_of_a_shape_read_by_its_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shape's lines past its first two are read by its decoder alone (not by orjson and
    the lax decoder), several shapes in turn."""
    read = []
    again = laxpath.LaxPath._again

    def counted(self: laxpath.LaxPath, shaped: Any, raw: bytes, *args: Any) -> Any:
        made = again(self, shaped, raw, *args)
        read.append(made is not None)
        return made

    monkeypatch.setattr(laxpath.LaxPath, "_again", counted)
    firsts = [first for first, _ in AFTER_A_SHAPE]
    body = [fill(firsts[i % 3], i) for i in range(300)]
    found = list(lint_lines([*padding(), *body], PATH, Settings()))
    assert [d.code for d in found].count("MIC204") == 300
    assert read.count(True) >= 300 - 3 * 2 - fast_threshold()


@pytest.mark.parametrize(
    "value",
    [
        b"true",
        b"false",
        b"0",
        b"-17",
        b"9223372036854775807",
        b'""',
        b'"crm"',
        '"Łódź 🚚"'.encode(),
    ],
)
@pytest.mark.parametrize("last", [False, True])
def test_a_shapes_unknown_member_counted_as_written(value: bytes, last: bool) -> None:
    """The bytes a shape's decoder tells the fast check its unknown key's member takes
    (fastpath.UNREAD) are those it is written with, with its comma: the check proves by
    the line's length that no other key is written twice."""
    import orjson

    from mics_lint.fastpath import UNREAD

    member = b'"forceReplace":' + value
    line = ACCOUNT + member + b"}" if last else ACCOUNT[:1] + member + b"," + ACCOUNT[1:-1] + b"}"
    made: list[laxpath.LaxPath] = []
    init = laxpath.LaxPath.__init__

    def kept(self: laxpath.LaxPath, *args: Any) -> None:
        init(self, *args)
        made.append(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(laxpath.LaxPath, "__init__", kept)
        list(lint_lines([*padding(), *[fill(line, i) for i in range(30)]], PATH, Settings()))
    record = orjson.loads(line % 1)
    shape = (tuple(record), type(record["forceReplace"]), "UPSERT")
    shaped = made[0]._shaped(shape, ("forceReplace",), line % 1)
    assert shaped is not None
    assert getattr(shaped.decode(line % 1), UNREAD) == len(member) + 1


@pytest.mark.parametrize("key", ["segment_id", "user_choice", "$events", "hash", "userAgentId"])
def test_mic204_says_the_same_of_the_keys_in_any_order(key: str) -> None:
    """A shape's decoder tells a line of the shape's keys in another order alike (see
    laxpath.py): MIC204's message reads which keys a line has, not their order."""
    from itertools import permutations

    from mics_lint.rules.unknown_keys import unknown_key_message

    known = ("operation", "compartment_id", "user_account_id", "email_hash", "user_agent_id")
    known += ("force_replace", "merge_objects", "update_strategy", "user_profile")
    line = ("operation", "email_hash", "user_account_id", "merge_objects", "user_profile")
    said = {
        unknown_key_message(key, known, False, True, True, keys)
        for keys in permutations((*line, "update_strategy"))
    }
    assert len(said) == 1, said
