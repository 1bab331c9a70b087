"""A fast check run over a group of lines in one call, written from the check's own source.

A fast check (registry.FastCheck) answers one decoded line. Called a line at a time, the
call itself, the fast loop's tests around it, and the call of each joined screen it makes
(inline.joined) were a twentieth of a `--jobs 1` run on the bench file. `group_check`
writes one function that decodes and checks the lines of a group in a loop: the check's
body, each `return X` made "on to the next line if X is True, else stop at this line
with X", and each call of a function declared as an expression (inline.inlinable: the
value rules' screens and MIC501's digest) written as that expression, with the names it
keeps of its own bound to the same objects. Each setting the check closes over that holds
a constant is written as that constant, and the tests it decides folded (constfold.py).
Nothing is written twice: the rules stay where they are declared, the check stays the one
function the other paths call. A check whose source cannot be read, or whose body holds
what the rewrite does not take (a nested function: see `_REFUSED`; a loop that would go on
to the next line from inside it: `_in_loops`), gets None, and the fast loop calls it a
line at a time.

What the rewrite takes for granted, as every fast check does: it reads each local only
after setting it on that line (the loop would see the last line's, where the check alone
raises), and nothing rebinds the names it closes over once it is made (they are read then).
"""

from __future__ import annotations

import ast
import functools
import inspect
from collections.abc import Callable
from typing import Any

from mics_lint.constfold import constant, folded
from mics_lint.inline import applied, with_names

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
# What the rewrite of `return` does not take: a nested function's `return` is its own. A
# loop of the body is taken where each `return` in it stops at the line (see `_in_loops`).
_REFUSED = (
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
    if code is None or hasattr(check, "__wrapped__") or not _plain_signature(code):
        return None  # (a wrapper's source is the function it wraps: inspect follows it)
    try:
        cells = [cell.cell_contents for cell in check.__closure__ or ()]
    except ValueError:  # a name the check reads is not bound yet
        return None
    free = dict(zip(code.co_freevars, cells, strict=True))
    # The code written depends on the check's code (equal code in two files is two checks)
    # and on the expressions it inlines. Its cells are read now: no check rebinds one.
    key = (code.co_filename, code, *sorted((n, *_written(v)) for n, v in free.items()))
    if key not in _MADE:
        _MADE[key] = _maker(check, free)
    maker = _MADE[key]
    return None if maker is None else maker(**free, **{_DECODE: decode, _ERRORS: errors})


def _written(value: object) -> tuple[object, object]:
    """What the code written for a check takes from a free name's value: the constant it
    writes in its place (constfold.py), or the expression it inlines and the objects that
    expression's own names are bound to (the maker binds these very objects: kept alive
    by `_MADE`, their ids stay theirs)."""
    if constant(value):
        return "constant", (type(value), value)
    found = with_names(value)
    if found is None:
        return "object", None
    source, params, names = found
    return "inlined", (source, params, tuple(sorted((n, id(v)) for n, v in names.items())))


def _plain_signature(code: Any) -> bool:
    """Four positional parameters, and nothing else: no `*args`, keywords or defaults."""
    return (
        code.co_argcount == 4
        and not code.co_posonlyargcount
        and not code.co_kwonlyargcount
        and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    )


def _source(check: Callable[..., Any]) -> ast.FunctionDef | None:
    """The check's function as its source file holds it, if that is the code running (a
    file edited since it was imported is not: compiled again, its code would differ)."""
    import textwrap

    try:
        source = textwrap.dedent(inspect.getsource(check))
        function = ast.parse(source).body[0]
    except (OSError, TypeError, SyntaxError):  # no source (a frozen install), or cut
        return None
    code = check.__code__
    if not isinstance(function, ast.FunctionDef) or function.name != code.co_name:
        return None
    # Compiled again inside a function binding its free names, as it was, after its
    # module's imports: the same code?
    outer = ast.parse(f"def _outer({', '.join(code.co_freevars)}):\n    pass\n").body[0]
    assert isinstance(outer, ast.FunctionDef)
    outer.body = [function, ast.Return(ast.Name(function.name, ast.Load()))]
    module = ast.fix_missing_locations(ast.Module([*_imports(check), outer], type_ignores=[]))
    made = compile(module, code.co_filename, "exec").co_consts
    again = next(
        c
        for c in next(c for c in made if getattr(c, "co_name", None) == "_outer").co_consts
        if getattr(c, "co_name", None) == code.co_name
    )

    def shape(c: Any) -> tuple[object, ...]:
        consts = tuple(k for k in c.co_consts if not inspect.iscode(k))
        return c.co_code, consts, c.co_names, c.co_varnames, c.co_freevars

    return function if shape(again) == shape(code) else None


def _imports(check: Callable[..., Any]) -> list[ast.stmt]:
    """The import statements of the check's module, outside its functions and classes.
    Python 3.11 compiles a call of a module's function (`activities.now_ms()`) as an
    attribute's load where the module's name was bound by an import, else as a method's."""
    module = inspect.getmodule(check)
    try:
        body = ast.parse(inspect.getsource(module)).body if module is not None else []
    except (OSError, TypeError, SyntaxError):
        return []
    found: list[ast.stmt] = []
    for node in body:  # grows as blocks (`if TYPE_CHECKING:`, `try:`) give their statements
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body += [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]
            for handler in getattr(node, "handlers", ()):
                body += handler.body
    return found


def _maker(check: Callable[..., Any], free: dict[str, Any]) -> Callable[..., GroupCheck] | None:
    function = _source(check)
    if function is None:
        return None
    params = [a.arg for a in function.args.args]
    command, raw, lineno, plain = params
    code = check.__code__
    if {*code.co_varnames, *code.co_names, *free} & _ADDED:
        return None
    # An inlined expression reads its parameters and builtins: none may be a name of the
    # check's own, or of its module's.
    taken = {*code.co_varnames, *free, *check.__globals__}
    inliner = _Inliner(free, taken)
    body = folded([inliner.visit(statement) for statement in function.body], free)
    nodes = [node for statement in body for node in ast.walk(statement)]
    if (
        any(isinstance(node, _REFUSED) for node in nodes)
        or any(
            # A parameter set in the body would carry its value to the next line.
            isinstance(node, ast.Name) and node.id in params and not isinstance(node.ctx, ast.Load)
            for node in nodes
        )
        or not _in_loops(nodes)
    ):
        return None
    returns = _Returns(command, lineno)
    loop = ast.parse(
        f"def check_lines({_GROUP}, {lineno}, {plain}):\n"
        f"    for {raw} in {_GROUP}:\n"
        f"        {lineno} += 1\n"
        f"        try:\n"
        f"            {command} = {_DECODE}({raw})\n"
        f"        except {_ERRORS} as {_ERROR}:\n"
        # Without its traceback: that holds this frame, whose caller's keeps the error, a
        # cycle that keeps the file's lines until the collector runs (test_memory_cycles).
        f"            return {lineno}, {_ERROR}.with_traceback(None), None\n"
        f"    return 0, True, None\n"
    ).body[0]
    assert isinstance(loop, ast.FunctionDef) and isinstance(loop.body[0], ast.For)
    for statement in body:
        made = returns.visit(statement)
        loop.body[0].body.extend(made if isinstance(made, list) else [made])
    # A check that ends without a `return` returns None: no vouch.
    loop.body[0].body.append(returns.visit(ast.Return(ast.Constant(None))))
    names = ", ".join(sorted({*free, *inliner.bound, _DECODE, _ERRORS}))
    maker = ast.parse(f"def make(*, {names}):\n    return check_lines\n").body[0]
    assert isinstance(maker, ast.FunctionDef)
    maker.body.insert(0, loop)
    module = ast.fix_missing_locations(ast.Module([maker], type_ignores=[]))
    namespace: dict[str, Any] = {}
    where = f"<{check.__module__}.{check.__qualname__} over a group>"
    exec(compile(module, where, "exec"), check.__globals__, namespace)
    made_maker: Callable[..., GroupCheck] = namespace["make"]
    if inliner.bound:
        return functools.partial(made_maker, **inliner.bound)
    return made_maker


def _in_loops(nodes: list[ast.AST]) -> bool:
    """Whether each `return` inside a loop of the check returns a constant other than True:
    the rewrite makes it a `return` of the group's function (the line stops the group). A
    `return True`, or of a value, becomes a `continue`, which in a loop would go on with
    that loop, not with the next line. (The activity check's loop over its events.)"""
    for node in nodes:
        if isinstance(node, ast.For | ast.While):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and not (
                    isinstance(inner.value, ast.Constant) and inner.value.value is not True
                ):
                    return False
    return True


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
    expression, written as that expression of those names (inline.with_names); the names
    the expression reads of its own (a set of clean values) bound under new names, in
    `bound`, for the maker to pass."""

    def __init__(self, free: dict[str, Any], taken: set[str]) -> None:
        self.free, self.taken = free, taken
        self.bound: dict[str, Any] = {}

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        func, args = node.func, node.args
        if not isinstance(func, ast.Name) or func.id not in self.free or node.keywords:
            return node
        names = [a.id for a in args if isinstance(a, ast.Name)]
        written = with_names(self.free[func.id])
        if written is None or len(names) != len(args) or len(written[1]) != len(args):
            return node
        source, params, own = written
        # A builtin the expression reads, under a name the check uses or the call passes:
        # not here (`len(value)` on an argument named `len` would read the argument).
        builtins = {
            sub.id
            for sub in ast.walk(ast.parse(source, mode="eval"))
            if isinstance(sub, ast.Name) and sub.id not in params and sub.id not in own
        }
        if builtins & (self.taken | set(names)):
            return node
        bound: dict[str, str] = {}
        for name, value in own.items():
            bound[name] = f"_{name}_{len(self.bound)}_"
            while bound[name] in self.taken or bound[name] in _ADDED:  # none of the check's
                bound[name] += "_"
            self.bound[bound[name]] = value
        made = applied(self.free[func.id], *names, names=bound)
        return node if made is None else ast.parse(made, mode="eval").body
