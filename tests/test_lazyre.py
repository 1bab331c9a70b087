"""lazyre.compiled: a pattern compiled at its first use answers as re.compile's does."""

from __future__ import annotations

import re

from mics_lint.lazyre import compiled
from mics_lint.rules import deletions


def test_the_same_answers_as_re_compile() -> None:
    text = 'a "b": 1, "c": [2]'
    for pattern, flags in ((r'"[^"]*"|\d+', 0), (r"\s*:", 0), (r"(B)", re.IGNORECASE)):
        lazy, eager = compiled(pattern, flags), re.compile(pattern, flags)
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
        assert lazy.sub("x", text) == eager.sub("x", text)
        assert (lazy.pattern, lazy.flags) == (eager.pattern, eager.flags)
        assert bool(lazy.match(text, 3)) == bool(eager.match(text, 3))
    assert compiled(rb"[ \t]*:").match(b"  : 1") is not None


def test_compiled_at_first_use_then_kept() -> None:
    lazy = compiled(r"\d+")
    assert "fullmatch" not in vars(lazy)
    assert lazy.fullmatch("12") is not None
    assert vars(lazy)["fullmatch"] == lazy.fullmatch  # the next use goes straight to it


def test_a_rule_module_pattern_works_through_it() -> None:
    assert deletions.UUID.fullmatch("95772db3-e762-45da-8cf1-4893debffae7") is not None
    assert deletions.UUID.fullmatch("CRM-42") is None


def test_the_stale_temporary_file_shape_is_the_one_it_was() -> None:
    """targets._temp_of, told without a regular expression: the same names as the one it
    replaced (PREFIX, 8 of tempfile's characters, TEMP_SUFFIX)."""
    from mics_lint import targets

    prefix = targets._prefix("/x/rep.txt")
    shape = re.compile(re.escape(prefix) + "[a-z0-9_]{8}" + re.escape(targets.TEMP_SUFFIX))
    names = [
        f"{prefix}{middle}{targets.TEMP_SUFFIX}"
        for middle in ("abcd_123", "ABCD_123", "abc-_123", "abcd_12", "abcd_1234", "abcdé123")
    ]
    names += [prefix + targets.TEMP_SUFFIX, "rep.txt", f"x{prefix}abcd_123{targets.TEMP_SUFFIX}"]
    for name in names:
        assert targets._temp_of(name, prefix) is bool(shape.fullmatch(name)), name
