"""Constant folding of the code written for a fast check (constfold.py): what it writes
answers as the code it was written from, for every value of the check's locals."""

from __future__ import annotations

import ast
import itertools
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
never = (rule is (c is None), None is not (c is older), None is (str(c) is c))
rule_set = rule is not None and (rule is None or c)
seen = [older for older in (c,)]
fn = (lambda older: older)(c)
result = (force, flag, pair, kind, same, told, never, rule_set, seen, fn)
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
    # None is never a test's bool, decided where the test runs no code (not `str`).
    assert "never = (c is None, True, None is (str(c) is c))" in made
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


# Random code over two locals (`c`, `d`) and four settings, folded and not: the same value.
_SETTING_NAMES = ("s1", "s2", "s3", "s4")
# A string made at run time: equal to a literal (which the compiler interns), another
# object, as a setting read from a file is; the locals draw from the same values, so that
# `is` may hold between a setting and a local, and not between either and the literal.
_LITERAL = "xz"
_RUNTIME = "".join(["x", "z"])
_SETTING_VALUES = st.sampled_from(
    [None, True, False, 0, 1, "", _LITERAL, _RUNTIME, _RUNTIME, object(), [1]]
)
_LEAF = st.sampled_from(["c", "d", *_SETTING_NAMES, "None", "True", "False", "0", "'xz'"])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        pair = st.tuples(inner, inner)
        return st.one_of(
            inner.map(lambda e: f"(not {e})"),
            pair.map(lambda p: f"({p[0]} and {p[1]})"),
            pair.map(lambda p: f"({p[0]} or {p[1]})"),
            st.tuples(inner, st.sampled_from(["is", "is not", "==", "!="]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        )

    return st.recursive(_LEAF, extend, max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(
    condition=_expressions(),
    then=_expressions(),
    otherwise=_expressions(),
    values=st.tuples(*[_SETTING_VALUES] * 4),
    locals_=st.tuples(_SETTING_VALUES, _SETTING_VALUES),
)
def test_random_code_folded_answers_as_written(
    condition: str, then: str, otherwise: str, values: tuple[Any, ...], locals_: tuple[Any, Any]
) -> None:
    """Every fold keeps the value of what it folds (identity of objects included), for any
    mix of settings that are constants and settings that are objects."""
    source = (
        f"if {condition}:\n    result = ({then}, 1)\nelse:\n    result = ({otherwise}, 2)\n"
        f"same = ({then}) is ({otherwise})\n"
    )
    free = dict(zip(_SETTING_NAMES, values, strict=True))
    c, d = locals_

    def run(body: list[ast.stmt]) -> tuple[Any, Any]:
        module = ast.fix_missing_locations(ast.Module(body, type_ignores=[]))
        scope: dict[str, Any] = {**free, "c": c, "d": d}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # the source's own `is 'x'`
            exec(compile(module, "<test>", "exec"), {}, scope)
        return scope["result"], scope["same"]

    expected = run(ast.parse(source).body)
    folded_body = folded(ast.parse(source).body, free)
    made = ast.fix_missing_locations(ast.Module(folded_body, type_ignores=[]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        compile(made, "<made>", "exec")
    assert _identical(run(folded_body), expected), (source, free, c, d)


def _identical(left: Any, right: Any) -> bool:
    """Equal values, each part the same object where an object (not a constant) is."""
    if isinstance(left, tuple) and isinstance(right, tuple):
        return len(left) == len(right) and all(map(_identical, left, right))
    if constant(left) or constant(right):
        return type(left) is type(right) and left == right
    return left is right
