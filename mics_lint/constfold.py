"""The code grouploop.py writes for a fast check, specialised on what its free names hold.

A fast check is made for one file: its free names hold that file's settings, read on every
line (`older`, `form_required`, whether MIC501's table is there). Where such a name holds a
constant (None, a bool, a number, a string), the code written for the group reads the
constant instead, and the tests it decides are decided once, when the code is written: a
branch that can never be taken is not written at all (`if older:` with `older` True is its
body). A name holding any other object is known not to be None. Nothing is decided that
the check itself would not decide the same way on every line: the values are those the
check closes over, which nothing rebinds (grouploop.py).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

# The values written as constants: immutable, compared without calling user code, equal
# only where they are the same value (not floats: 0.0 == -0.0, and a NaN is not itself).
_CONSTANT = (type(None), bool, int, str, bytes)
_COMPARED: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
# Nodes whose own names may shadow a free one: left as they are.
_SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def constant(value: object) -> bool:
    """Whether a free name holding `value` is written as a constant."""
    return type(value) in _CONSTANT


def _singleton(value: object) -> bool:
    return value is None or value is True or value is False


def _gives_bool(node: ast.expr) -> bool:
    """Whether an expression always gives a bool: an identity test, or a negation."""
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    return isinstance(node, ast.Compare) and all(
        isinstance(op, ast.Is | ast.IsNot) for op in node.ops
    )


_INERT = (ast.Name, ast.Constant, ast.Load, ast.Compare, ast.Is, ast.IsNot, ast.UnaryOp, ast.Not)


def _inert(node: ast.AST) -> bool:
    """A node whose evaluation runs no code of anyone's: a name, a constant, `not`, `is`."""
    return isinstance(node, _INERT)


def folded(body: list[ast.stmt], free: dict[str, Any]) -> list[ast.stmt]:
    """`body` with the free names holding a constant written as it, and the tests and
    branches that decides folded."""
    return _Folder(free).statements(body)


class _Folder(ast.NodeTransformer):
    def __init__(self, free: dict[str, Any]) -> None:
        self.constants = {name: value for name, value in free.items() if constant(value)}
        self.objects = {name for name, value in free.items() if not constant(value)}
        self.identity = False  # inside an operand of `is`: see visit_Compare

    def statements(self, body: list[ast.stmt]) -> list[ast.stmt]:
        found: list[ast.stmt] = []
        for statement in body:
            made = self.visit(statement)
            if isinstance(made, list):
                found += made
            elif made is not None:
                found.append(made)
        return found

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, _SCOPES):
            return node
        for field, value in ast.iter_fields(node):
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                block = self.statements(value)
                # An emptied block stays a block (a `try` needs its `finally`), but `else`.
                setattr(node, field, block or ([] if field == "orelse" else [ast.Pass()]))
            elif isinstance(value, list):
                setattr(
                    node, field, [self.visit(v) if isinstance(v, ast.AST) else v for v in value]
                )
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.constants:
            value = self.constants[node.id]
            if not self.identity or _singleton(value):
                return ast.copy_location(ast.Constant(value), node)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Constant):
            return ast.copy_location(ast.Constant(not node.operand.value), node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.expr:
        """`a and b` is its first falsy operand, or its last: a truthy constant before the
        last is never the value, a falsy one is (`or`: the other way round)."""
        self.generic_visit(node)
        stops = isinstance(node.op, ast.Or)  # the truth that ends the operation
        values: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                if bool(value.value) is stops:
                    values.append(value)
                    break
                continue  # never the value, unless last (below)
            values.append(value)
        else:
            last = node.values[-1]
            if isinstance(last, ast.Constant):
                values.append(last)
        if len(values) == 1:
            return values[0]
        node.values = values
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        if any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            # `is` of a constant other than a singleton is a compiler warning, and an
            # object's identity: the name stays, read as it was.
            # So is any inside an operand (`(mode if plain else None) is other`).
            self.identity, before = True, self.identity
            node.left = self.visit(node.left)
            node.comparators = [self.visit(o) for o in node.comparators]
            self.identity = before
        else:
            self.generic_visit(node)
        if len(node.ops) != 1:
            return node
        left, right, op = node.left, node.comparators[0], type(node.ops[0])
        if (
            isinstance(left, ast.Constant)
            and isinstance(right, ast.Constant)
            and op in _COMPARED
            # identity told for singletons only: two equal strings may be one object or two
            and (op in (ast.Eq, ast.NotEq) or _singleton(left.value) or _singleton(right.value))
        ):
            value = _COMPARED[op](left.value, right.value)
            return ast.copy_location(ast.Constant(bool(value)), node)
        # A bool constant's identity with a test that gives a bool: the test, or its negation.
        for one, other in ((left, right), (right, left)):
            if isinstance(one, ast.Constant) and type(one.value) is bool and _gives_bool(other):
                same = (op is ast.Is) is one.value
                if op in (ast.Is, ast.IsNot):
                    made = other if same else ast.UnaryOp(ast.Not(), other)
                    return ast.copy_location(made, node)
            # None is never a test's bool: where the test runs no code (names and
            # constants alone), the identity is decided (MIC407's test with `minority` None).
            if (
                isinstance(one, ast.Constant)
                and one.value is None
                and op in (ast.Is, ast.IsNot)
                and _gives_bool(other)
                and all(map(_inert, ast.walk(other)))
            ):
                return ast.copy_location(ast.Constant(op is ast.IsNot), node)
        # An object a free name holds is not None.
        for one, other in ((left, right), (right, left)):
            if (
                isinstance(one, ast.Name)
                and one.id in self.objects
                and isinstance(other, ast.Constant)
                and other.value is None
                and op in (ast.Is, ast.IsNot)
            ):
                return ast.copy_location(ast.Constant(op is ast.IsNot), node)
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node

    def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt]:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node
