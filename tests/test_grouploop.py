"""The fast check over a group of lines (grouploop.py): written from the check's source,
it answers each line as the check does, and where it cannot be written the fast loop
calls the check a line at a time, with the same diagnostics."""

from __future__ import annotations

import functools
import importlib
import json
import linecache
from pathlib import Path
from typing import Any

import msgspec
import pytest

from mics_lint import Settings, fastloop, grouploop, lint_lines
from mics_lint.inline import inlinable

DECODE = msgspec.json.Decoder().decode
ERRORS = (msgspec.DecodeError,)


def _lines(*records: object) -> list[bytes]:
    return [json.dumps(r).encode() + b"\n" for r in records]


def _made_check() -> Any:
    """A check of the shape fast checks have: a closure over screens declared as
    expressions, returning True, False or another verdict."""
    screen = inlinable("0 if '@' in value else len(value)", ("value",))
    other = object()

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        value = c.get("v")
        if value is None:
            return False
        key = screen(value)
        if not key:
            return other
        return True if plain or key < 5 else "long"

    return check, other


def test_the_group_check_answers_as_the_check_does() -> None:
    check, other = _made_check()
    group_check = grouploop.group_check(check, DECODE, ERRORS)
    assert group_check is not None
    group = _lines({"v": "a"}, {"v": "b"}, {"v": "x@y"}, {"w": 1}, {"v": "longer"})
    group.insert(3, b"{not json\n")
    # Each call stops at the first line not vouched for: its number, the verdict, the record.
    assert group_check(group, 10, False) == (13, other, {"v": "x@y"})
    stop, error, record = group_check(group[3:], 13, False)
    assert (stop, type(error), record) == (14, msgspec.DecodeError, None)
    assert group_check(group[4:], 14, False) == (15, False, {"w": 1})
    assert group_check(group[5:], 15, False) == (16, "long", {"v": "longer"})
    assert group_check(group[5:], 15, True) == (0, True, None)
    assert group_check([], 15, True) == (0, True, None)
    # The same answers, line by line.
    for raw in _lines({"v": "a"}, {"v": "x@y"}, {"w": 1}, {"v": "longer"}):
        record = DECODE(raw)
        verdict = check(record, raw, 1, False)
        assert group_check([raw], 0, False) == (
            (0, True, None) if verdict is True else (1, verdict, record)
        )


def test_the_screen_is_written_inline_and_the_code_made_once() -> None:
    check, _ = _made_check()
    made = grouploop.group_check(check, DECODE, ERRORS)
    again = grouploop.group_check(_made_check()[0], DECODE, ERRORS)
    assert made is not None and again is not None
    assert made.__code__ is again.__code__  # one compile for every file's check
    assert "screen" not in made.__code__.co_freevars  # inlined, not called


def test_a_loop_whose_returns_stop_the_line_is_rewritten() -> None:
    """A `return` of a constant other than True inside a loop (the activity check's loop
    over its events) stops at the line: the rewrite takes it, and answers as the check."""

    def looping(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        for value in c.values():
            while value is None:
                return False
            for item in value if isinstance(value, list) else ():
                if item == "stop":
                    return "stopped"
                if item == "skip":
                    break  # the inner loop's own
        return True

    group_check = grouploop.group_check(looping, DECODE, ERRORS)
    assert group_check is not None
    group = _lines({"a": 1}, {"a": ["skip", "stop"]}, {"a": [1, "stop"]}, {"a": None})
    assert group_check(group, 0, True) == (3, "stopped", {"a": [1, "stop"]})
    assert group_check(group[3:], 3, True) == (4, False, {"a": None})
    assert group_check(group[:2], 0, True) == (0, True, None)


def test_a_check_it_cannot_rewrite_is_called_a_line_at_a_time() -> None:
    def looping(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        for value in c.values():
            if value is None:
                return True  # a `continue` here would go on with this loop
            print(value)
        return False

    def returning(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        for value in c.values():
            while value is None:
                return bool(value)
        return True

    def nested(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        def inner() -> bool:
            return True

        return inner()

    def shadowing(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        _decode_ = c
        return bool(_decode_)

    written: dict[str, Any] = {}
    exec("def check(c, raw, lineno, plain):\n    return True\n", written)  # no source file
    for check in (looping, returning, nested, shadowing, written["check"], len):
        assert grouploop.group_check(check, DECODE, ERRORS) is None


def test_a_builtin_the_check_shadows_is_not_inlined() -> None:
    """A screen's `len` is the builtin; where the check has a local `len`, the screen is
    called, not written inline, and answers the same."""
    screen = inlinable("len(value) > 3", ("value",))

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        len = 0  # noqa: F841  (the name is the point)
        return not screen(c["v"])

    made = grouploop.group_check(check, DECODE, ERRORS)
    assert made is not None
    assert "screen" in made.__code__.co_freevars
    assert made(_lines({"v": "ab"}, {"v": "abcd"}), 0, True) == (2, False, {"v": "abcd"})


PROFILE = {"operation": "UPSERT", "force_replace": True, "user_profile": {"a": 1}}


def _mixed_file() -> list[bytes]:
    """Clean lines, and every way a line leaves the group check: a rule's finding, a
    finding one rule answers (no identifier), streaks of wrong-typed ids, unknown keys
    and trailing commas, in runs that start and end inside groups and across them."""
    clean = [
        json.dumps({**PROFILE, "email_hash": f"h{n}"}, separators=(",", ":")).encode() + b"\n"
        for n in range(4000)
    ]
    bad = {
        7: b'{"operation":"DELETE","email_hash":"jane@example.com"}\n',
        8: b'{"operation":"DELETE","compartment_id":1000,"user_account_id":"u8"}\n',
        63: b'{"operation":"DELETE"}\n',
        64: b'{"operation":"DELETE","email_hash":"h1"}\n',
        65: b'{"operation":"DELETE","email_hash":"x","forceReplace":true}\n',
        66: b'{"operation":"DELETE","email_hash":"y","forceReplace":true}\n',
        130: b'{"operation":"DELETE","email_hash":"z"},\n',
        131: b'{"operation":"DELETE","email_hash":"w"},\n',
    }
    for start in (300, 1000, 2500):
        for n in range(start, start + 150):
            bad[n] = b'{"operation":"DELETE","compartment_id":7,"user_account_id":"u%d"}\n' % n
    return [bad.get(n, line) for n, line in enumerate(clean)]


@pytest.mark.parametrize("start", [1, 200])
def test_the_same_diagnostics_with_and_without_the_group_check(
    monkeypatch: pytest.MonkeyPatch, start: int
) -> None:
    grouped = _grouped(monkeypatch, _mixed_file(), Settings(fast_path_from=start))
    assert {d.code for d in grouped} >= {"MIC202", "MIC204", "MIC301", "MIC305", "MIC101"}


def _grouped(monkeypatch: pytest.MonkeyPatch, lines: list[bytes], settings: Settings) -> list[Any]:
    """The diagnostics of `lines` with the group check, which the fast path made, once
    held equal to those of the check called a line at a time and of the fast path off."""
    made: list[bool] = []
    prepare = fastloop.FastLoop.prepare

    def noted(self: fastloop.FastLoop, lines_read: int, bytes_read: int) -> None:
        prepare(self, lines_read, bytes_read)
        made.append(self.vouch_group is not None)

    monkeypatch.setattr(fastloop.FastLoop, "prepare", noted)
    grouped = list(lint_lines(lines, "f.ndjson", settings))
    assert made == [True]
    monkeypatch.setattr(grouploop, "group_check", lambda *args: None)
    assert grouped == list(lint_lines(lines, "f.ndjson", settings))
    full = Settings(fast_path=False, doc_type=settings.doc_type)
    assert grouped == list(lint_lines(lines, "f.ndjson", full))
    return grouped


def test_what_the_rewrite_cannot_keep_is_refused_or_kept() -> None:
    """From a review: a check that falls off its end vouches for nothing; a parameter set
    in the body, keyword or positional-only parameters, and a wrapper are not rewritten."""

    def falls_off(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        if c.get("v"):
            return True

    made = grouploop.group_check(falls_off, DECODE, ERRORS)
    assert made is not None
    assert made(_lines({"v": 1}, {"w": 1}), 0, True) == (2, None, {"w": 1})

    def rebinds(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        plain = plain or bool(c)
        return plain

    def keyword(c: Any, raw: bytes, lineno: int, plain: bool, *, small: int = 2) -> bool:
        return len(c) < small

    def positional(c: Any, raw: bytes, lineno: int, plain: bool, /) -> bool:
        return True

    @functools.wraps(falls_off)
    def wrapper(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        return False

    for check in (rebinds, keyword, positional, wrapper):
        assert grouploop.group_check(check, DECODE, ERRORS) is None


def test_a_source_edited_since_its_import_is_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "edited_check.py"
    module.write_text("def check(c, raw, lineno, plain):\n    return c['v'] > 10\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    imported = importlib.import_module("edited_check")
    assert grouploop.group_check(imported.check, DECODE, ERRORS) is not None
    module.write_text("def check(c, raw, lineno, plain):\n    return c['v'] > 100\n")
    linecache.checkcache(str(module))
    grouploop._MADE.clear()
    assert grouploop.group_check(imported.check, DECODE, ERRORS) is None


def test_an_argument_named_like_the_screens_builtin_is_not_inlined() -> None:
    screen = inlinable("len(value) > 3", ("value",))

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> bool:
        len = c["v"]  # the name is the point
        return not screen(len)

    made = grouploop.group_check(check, DECODE, ERRORS)
    assert made is not None
    assert made(_lines({"v": "ab"}, {"v": "abcd"}), 0, True) == (2, False, {"v": "abcd"})


def test_a_module_function_called_through_its_import_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.11 compiles `module.f()` as an attribute's load where `module` was bound by
    an import of the file, else as a method's: the check is compiled again after its
    module's imports, or its code would never match its source (the activity check reads
    the clock so)."""
    module = tmp_path / "importing_check.py"
    module.write_text(
        "import json\n"
        "if True:\n"
        "    import math\n"
        "def check(c, raw, lineno, plain):\n"
        "    return json.dumps(c) != '' and math.isfinite(lineno)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    imported = importlib.import_module("importing_check")
    made = grouploop.group_check(imported.check, DECODE, ERRORS)
    assert made is not None
    assert made(_lines({"v": 1}), 0, True) == (0, True, None)


def _activity(n: int, **changes: Any) -> bytes:
    record = {
        "$user_account_id": f"u{n}",
        "$compartment_id": "1000",
        "$type": "APP_VISIT",
        "$session_status": "CLOSED_SESSION",
        "$ts": 1700000000000 + n,
        "$events": [{"$event_name": "$app_open", "$ts": 1700000000000 + n, "$properties": {}}],
    }
    record.update(changes)
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


@pytest.mark.parametrize("start", [1, 200])
def test_the_activity_check_over_a_group_gives_the_same_diagnostics(
    monkeypatch: pytest.MonkeyPatch, start: int
) -> None:
    """The activity check, whose loop over its events stops at a line, runs over a group;
    bad events, times and objects at the start, middle and end of groups give what the
    check called a line at a time and the full checks give."""
    event = {"$event_name": "$app_open", "$ts": 1700000000000, "$properties": {}}
    bad = {
        3: {"$events": [event, {**event, "$event_name": " "}]},
        63: {"$events": [{**event, "$ts": 17000}]},
        64: {"$ts": 99999999999999},
        65: {"$origin": [1]},
        127: {"$events": [{**event, "$properties": [1]}]},
        500: {"$location": {"$latitude": 1}},
    }
    lines = [_activity(n, **bad.get(n, {})) for n in range(2000)]
    settings = Settings(fast_path_from=start, doc_type="USER_ACTIVITY")
    assert {d.line for d in _grouped(monkeypatch, lines, settings)} >= {4, 64, 65, 66, 128}


def test_a_lone_wrong_type_id_starts_no_loose_streak(monkeypatch: pytest.MonkeyPatch) -> None:
    """An integer `compartment_id` on one line among good ones is taken by the loose path
    once; the next line goes back to the group loop (decoded loosely first, it cost that
    line twice its bytecodes). Two such lines in a row start the streak, which an export
    with the mistake on every line keeps: the loose path first, no failed strict decode."""
    from mics_lint import loosepath

    taken: list[int] = []
    line = loosepath.LoosePath.line

    def counted(self: loosepath.LoosePath, raw: bytes, lineno: int, *args: Any) -> Any:
        taken.append(lineno)
        return line(self, raw, lineno, *args)

    monkeypatch.setattr(loosepath.LoosePath, "line", counted)
    lines = _mixed_file()  # lone ones at 9, and runs of 150 from 301, 1001 and 2501
    settings = Settings(fast_path_from=1)
    found = list(lint_lines(lines, "f.ndjson", settings))
    assert found == list(lint_lines(lines, "f.ndjson", Settings(fast_path=False)))
    assert 9 in taken and 10 not in taken
    for start in (301, 1001, 2501):
        # Each line of a run once, and the clean line that ends it.
        assert [n for n in taken if start <= n <= start + 150] == list(range(start, start + 151))


def _check_on(seen: set[str], older: bool, rule: object) -> Any:
    """A check closing over a screen with a name of its own (a set of values found clean)
    and over settings the written code reads as constants."""
    screen = inlinable(
        "0 if value not in SEEN and ('@' in value or SEEN.add(value)) else 1",
        ("value",),
        {"SEEN": seen},
    )

    def check(c: Any, raw: bytes, lineno: int, plain: bool) -> Any:
        value = c.get("v")
        if value is None or not screen(value):
            return False
        if older:
            return True if rule is not None else "no rule"
        return "newer"

    return check


def test_a_screen_with_names_of_its_own_is_written_with_them_bound() -> None:
    """The expression's own names are bound, under names of their own, to the very objects
    the screen reads: the set the written code fills is the screen's."""
    seen: set[str] = set()
    check = _check_on(seen, True, object())
    made = grouploop.group_check(check, DECODE, ERRORS)
    assert made is not None and "screen" not in made.__code__.co_freevars
    assert made(_lines({"v": "a"}, {"v": "b"}, {"v": "a"}), 0, True) == (0, True, None)
    assert seen == {"a", "b"}
    assert made(_lines({"v": "c"}, {"v": "x@y"}), 0, True) == (2, False, {"v": "x@y"})
    assert seen == {"a", "b", "c"}
    # Another check with another set: code of its own, bound to its own set.
    other: set[str] = set()
    again = grouploop.group_check(_check_on(other, True, object()), DECODE, ERRORS)
    assert again is not None and again(_lines({"v": "d"}), 0, True) == (0, True, None)
    assert other == {"d"} and "d" not in seen


_SHARED: set[str] = set()


@pytest.mark.parametrize("older", [True, False])
@pytest.mark.parametrize("rule", [object(), None])
def test_settings_read_as_constants_give_each_file_its_own_code(older: bool, rule: object) -> None:
    """The code written for one check's settings is not reused for another's: each answers
    as its check, whatever order they are made in. (One set for all: the checks differ
    by their settings alone.)"""
    check = _check_on(_SHARED, older, rule)
    made = grouploop.group_check(check, DECODE, ERRORS)
    assert made is not None
    assert "older" not in made.__code__.co_freevars  # read as a constant
    for raw in _lines({"v": "a"}, {"v": "b@c"}, {"w": 1}):
        record = DECODE(raw)
        verdict = check(record, raw, 1, True)
        assert made([raw], 0, True) == (
            (0, True, None) if verdict is True else (1, verdict, record)
        )
