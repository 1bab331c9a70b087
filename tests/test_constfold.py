"""Constant folding of the code written for a fast check (constfold.py): what it writes
answers as the code it was written from, for every value of the check's locals."""

from __future__ import annotations

import ast
import itertools
from typing import Any

import pytest

from mics_lint.constfold import constant, folded

_BODY = """
if older:
    force = c if older else None
else:
    force = None
flag = form_required and force is None and not newer
pair = (older or newer, newer and c)
kind = "a" if file_form == "force_replace" else "b"
same = minority is c
told = (minority is (c is None), minority is not (not c), (c == 1) is minority)
rule_set = rule is not None and (rule is None or c)
seen = [older for older in (c,)]
fn = (lambda older: older)(c)
result = (force, flag, pair, kind, same, told, rule_set, seen, fn)
"""
_FREE = ("older", "newer", "form_required", "file_form", "minority", "rule")


def _run(body: list[ast.stmt], free: dict[str, Any], c: Any) -> Any:
    module = ast.fix_missing_locations(ast.Module(body, type_ignores=[]))
    scope: dict[str, Any] = {**free, "c": c}
    exec(compile(module, "<test>", "exec"), {}, scope)
    return scope["result"]


_SETTINGS = list(
    itertools.product(
        (True, False),  # older
        (True, False, None),  # newer
        (True, False, 0, 1),  # form_required
        ("force_replace", "update_strategy", None),  # file_form
        (True, False, None),  # minority
        (object(), None),  # rule: an object (not None), or None
    )
)


@pytest.mark.parametrize("values", _SETTINGS[::7])
def test_the_folded_code_answers_as_the_code_it_was_written_from(values: tuple[Any, ...]) -> None:
    free = dict(zip(_FREE, values, strict=True))
    for c in (True, False, None, 0, 1, "x", ""):
        original = _run(ast.parse(_BODY).body, free, c)
        made = folded(ast.parse(_BODY).body, free)
        assert _run(made, free, c) == original, (free, c)


def test_a_branch_decided_by_a_constant_is_not_written() -> None:
    made = ast.unparse(
        ast.Module(folded(ast.parse(_BODY).body, dict.fromkeys(_FREE, True)), type_ignores=[])
    )
    assert "older" not in made.split("seen")[0]  # read as the constant, the tests folded
    assert "force = c\n" in made and "else" not in made.split("flag")[0]
    assert "rule is not None" not in made  # an object is not None
    # A bool's identity with a test giving a bool is the test (`==` may give anything).
    assert "told = (c is None, not not c, (c == 1) is True)" in made
    # A name a lambda or a comprehension binds is its own: not the free one.
    assert "lambda older: older" in made and "[older for older in (c,)]" in made


def test_identity_is_folded_for_singletons_only() -> None:
    """Two equal strings may be one object or two: `is` with one is left to run, on the
    name (a literal there is a compiler warning)."""
    body = ast.parse("result = (mode is other, mode == 'x', flag is True, flag is c)").body
    made = folded(body, {"mode": "x", "other": "x", "flag": True})
    assert ast.unparse(made[0]) == "result = (mode is other, True, True, True is c)"
    compile(ast.fix_missing_locations(ast.Module(made, type_ignores=[])), "<test>", "exec")


def test_what_is_written_as_a_constant() -> None:
    assert all(map(constant, (None, True, 0, "s", b"b")))
    assert not any(map(constant, ([], {}, object(), (1,), frozenset())))
    # Equal floats need not be the same value (0.0 and -0.0), nor a NaN equal to itself.
    assert not constant(1.5) and not constant(float("nan"))

    class Text(str):
        pass

    assert not constant(Text("s"))  # a subclass may compare as it likes


def test_an_emptied_block_stays_a_block() -> None:
    body = ast.parse("for x in c:\n    if off:\n        y = 1\nresult = 1").body
    made = folded(body, {"off": False})
    assert _run(made, {}, [1, 2]) == 1
    loop = made[0]
    assert isinstance(loop, ast.For) and isinstance(loop.body[0], ast.Pass)
