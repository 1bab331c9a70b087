"""A fast check run over a group of lines in one call, written from the check's own source.

A fast check (registry.FastCheck) answers one decoded line. Called a line at a time, the
call itself, the fast loop's tests around it, and the call of each joined screen it makes
(inline.joined) were a twentieth of a `--jobs 1` run on the bench file. `group_check`
writes one function that decodes and checks the lines of a group in a loop: the check's
body, each `return X` made "on to the next line if X is True, else stop at this line
with X", and each call of a function declared as an expression (inline.inlinable: the
value rules' screens and MIC501's digest) written as that expression. Nothing is written
twice: the rules stay where they are declared, the check stays the one function the other
paths call. A check whose source cannot be read, or whose body holds what the rewrite
does not take (a loop, a nested function: see `_REFUSED`), gets None, and the fast loop
calls it a line at a time as before (the activity check has loops over its events).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from mics_lint.inline import applied, declared

#: (line number of the first line it did not vouch for, or 0 when it vouched for all;
#: what stopped it there: the check's verdict, or the decoder's error; the command decoded,
#: or None) of the group's lines after line `lineno`, `plain` as the fast check takes it.
GroupCheck = Callable[[list[bytes], int, bool], tuple[int, Any, Any]]

# The names the generated code adds to the check's: none of the check's own may be one.
_VERDICT, _ERROR, _GROUP, _DECODE, _ERRORS = (
    "_verdict_",
    "_error_",
    "_group_",
    "_decode_",
    "_errors_",
)
_ADDED = frozenset((_VERDICT, _ERROR, _GROUP, _DECODE, _ERRORS, "check_lines", "make"))
# What the rewrite of `return` does not take: a `continue` in a loop of the body would go
# on with that loop; a nested function's `return` is its own.
_REFUSED = (
    ast.For,
    ast.While,
    ast.AsyncFor,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Yield,
    ast.YieldFrom,
    ast.Await,
    ast.Global,
    ast.Nonlocal,
)
# The compiled maker of each check's code and inlined expressions: a worker of `--jobs`
# makes a fast check for every chunk it is given, the same code each time.
_MADE: dict[tuple[object, ...], Callable[..., GroupCheck] | None] = {}


def group_check(check: Callable[..., Any], decode: Any, errors: Any) -> GroupCheck | None:
    """`check` (a FastCheck) over a group of lines, each decoded by `decode` (raising one of
    `errors` where it refuses one), or None where it cannot be written."""
    code = getattr(check, "__code__", None)
    if code is None or code.co_argcount != 4:
        return None
    try:
        cells = [cell.cell_contents for cell in check.__closure__ or ()]
    except ValueError:  # a name the check reads is not bound yet
        return None
    free = dict(zip(code.co_freevars, cells, strict=True))
    # The code written depends on the check's code and on the expressions it inlines.
    key = (code, *sorted((name, declared(value)) for name, value in free.items()))
    if key not in _MADE:
        _MADE[key] = _maker(check, free)
    maker = _MADE[key]
    return None if maker is None else maker(**free, **{_DECODE: decode, _ERRORS: errors})


def _maker(check: Callable[..., Any], free: dict[str, Any]) -> Callable[..., GroupCheck] | None:
    import inspect
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(check))
    except (OSError, TypeError):  # no source: a frozen or zipped install
        return None
    function = ast.parse(source).body[0]
    if not isinstance(function, ast.FunctionDef):
        return None
    command, raw, lineno, plain = (a.arg for a in function.args.args)
    code = check.__code__
    if {*code.co_varnames, *code.co_names, *free} & _ADDED:
        return None
    # An inlined expression reads its parameters and builtins: none may be a name of the
    # check's own, or of its module's.
    taken = {*code.co_varnames, *free, *check.__globals__}
    body = [_Inliner(free, taken).visit(statement) for statement in function.body]
    if any(isinstance(node, _REFUSED) for statement in body for node in ast.walk(statement)):
        return None
    returns = _Returns(command, lineno)
    loop = ast.parse(
        f"def check_lines({_GROUP}, {lineno}, {plain}):\n"
        f"    for {raw} in {_GROUP}:\n"
        f"        {lineno} += 1\n"
        f"        try:\n"
        f"            {command} = {_DECODE}({raw})\n"
        f"        except {_ERRORS} as {_ERROR}:\n"
        f"            return {lineno}, {_ERROR}, None\n"
        f"    return 0, True, None\n"
    ).body[0]
    assert isinstance(loop, ast.FunctionDef) and isinstance(loop.body[0], ast.For)
    for statement in body:
        made = returns.visit(statement)
        loop.body[0].body.extend(made if isinstance(made, list) else [made])
    names = ", ".join(sorted({*free, _DECODE, _ERRORS}))
    maker = ast.parse(f"def make(*, {names}):\n    return check_lines\n").body[0]
    assert isinstance(maker, ast.FunctionDef)
    maker.body.insert(0, loop)
    module = ast.fix_missing_locations(ast.Module([maker], type_ignores=[]))
    namespace: dict[str, Any] = {}
    where = f"<{check.__module__}.{check.__qualname__} over a group>"
    exec(compile(module, where, "exec"), check.__globals__, namespace)
    made_maker: Callable[..., GroupCheck] = namespace["make"]
    return made_maker


class _Returns(ast.NodeTransformer):
    """`return X` as "on to the next line if X is True, else stop at this line with X"."""

    def __init__(self, command: str, lineno: str) -> None:
        self.command, self.lineno = command, lineno

    def _stop(self, verdict: ast.expr) -> ast.Return:
        line, command = ast.Name(self.lineno, ast.Load()), ast.Name(self.command, ast.Load())
        return ast.Return(ast.Tuple([line, verdict, command], ast.Load()))

    def visit_Return(self, node: ast.Return) -> ast.stmt | list[ast.stmt]:
        value = node.value if node.value is not None else ast.Constant(None)
        if isinstance(value, ast.Constant):
            return ast.Continue() if value.value is True else self._stop(value)
        verdict = ast.Name(_VERDICT, ast.Load())
        return [
            ast.Assign([ast.Name(_VERDICT, ast.Store())], value),
            ast.If(
                ast.Compare(verdict, [ast.IsNot()], [ast.Constant(True)]),
                [self._stop(verdict)],
                [],
            ),
            ast.Continue(),
        ]


class _Inliner(ast.NodeTransformer):
    """Each call, on names alone, of a free name bound to a function declared as an
    expression, written as that expression of those names (inline.applied)."""

    def __init__(self, free: dict[str, Any], taken: set[str]) -> None:
        self.free, self.taken = free, taken

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        func, args = node.func, node.args
        if not isinstance(func, ast.Name) or func.id not in self.free or node.keywords:
            return node
        names = [a.id for a in args if isinstance(a, ast.Name)]
        source = applied(self.free[func.id], *names) if len(names) == len(args) else None
        if source is None:
            return node
        written = ast.parse(source, mode="eval").body
        for sub in ast.walk(written):
            # A builtin the expression reads, under a name the check uses: not here.
            if isinstance(sub, ast.Name) and sub.id not in names and sub.id in self.taken:
                return node
        return written
