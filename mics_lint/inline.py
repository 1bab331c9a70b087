"""Small functions declared as one expression, and joined into one function.

A fast check calls, on every identifier of every line, functions declared elsewhere: the
value rules' screens (registry.value_screens) and MIC501's digest (crossline.DIGESTERS).
A Python call costs more than most of them, so each is declared as an expression
(`inlinable`), and a fast check joins those of one identifier into one function
(`joined`): one call where there were three, each part the very expression its owner
declared, never a copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

_EXPRESSION = "__inline_expression__"
_NAMES = "__inline_names__"


def inlinable(
    source: str, params: tuple[str, ...], names: dict[str, Any] | None = None
) -> Callable[..., Any]:
    """A function of `params` returning `source`, an expression of them and of builtins
    alone, which `joined` (and grouploop.py) may write into another function; or of
    `names` too, its globals, then only called."""
    function: Callable[..., Any] = eval(
        compile(f"lambda {', '.join(params)}: {source}", f"<inline {source}>", "eval"),
        dict(names or {}),
    )
    setattr(function, _EXPRESSION, (source, params))
    if names:  # written elsewhere only with its names bound there (`with_names`)
        setattr(function, _NAMES, dict(names))
    return function


def later(source: str, params: tuple[str, ...]) -> Callable[..., Any]:
    """`inlinable(source, params)`, compiled at its first call: the value rules' screens are
    declared at import, and runs call them only through `joined`, which reads their
    expressions, if at all (start-up, issue 14)."""
    made: list[Callable[..., Any]] = []

    def function(*args: Any) -> Any:
        if not made:
            made.append(inlinable(source, params))
        return made[0](*args)

    setattr(function, _EXPRESSION, (source, params))
    return function


def with_names(function: object) -> tuple[str, tuple[str, ...], dict[str, Any]] | None:
    """(expression, parameters, the names it reads besides them and builtins) of a
    function made by `inlinable` or `later`; None for any other function. Whoever writes
    the expression elsewhere binds those names there to these very objects (a set of
    values found clean, say, which the function and its copies fill together)."""
    found: tuple[str, tuple[str, ...]] | None = getattr(function, _EXPRESSION, None)
    if found is None:
        return None
    return found[0], found[1], dict(getattr(function, _NAMES, None) or {})


def applied(function: object, *args: str, names: dict[str, str] | None = None) -> str | None:
    """The expression of a function made by `inlinable`, on the names `args`, its own
    names (`with_names`) written as `names` renames them; None for any other function, or
    for one whose own names `names` does not all rename."""
    written = with_names(function)
    if written is None or len(written[1]) != len(args):
        return None
    source, params, own = written
    renames = dict(zip(params, args, strict=True))
    if own:
        if names is None or not own.keys() <= names.keys():
            return None
        renames.update((name, names[name]) for name in own)
    import ast  # a fast check is being made: a file of some size

    tree = ast.parse(source, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in renames:
            node.id = renames[node.id]
    return ast.unparse(tree)


def joined(
    params: tuple[str, ...],
    screens: Sequence[tuple[Callable[[str], bool] | None, str]],
    digest: Callable[..., int] | None,
    remembered: str | None = None,
) -> Callable[..., int]:
    """One function of `params` (names of identifier values): 0 when any of `screens`, a
    (screen, param) each (None: no screen), may fire on its param, else `digest` of
    `params` (1 without one). Written as one expression when all parts declare theirs;
    else calls, with the same answers. The values of the param `remembered` that no
    screen fired on are kept (up to `REMEMBERED`), and not screened again: a compartment
    repeats on every line of an export, and a screen's answer is its value's alone."""
    return _joined(params, tuple(screens), digest, remembered)


#: How many values `joined` keeps as clean, at most, for one joined function.
REMEMBERED = 1024


@functools.cache  # a worker makes a fast check for each chunk it is given
def _joined(
    params: tuple[str, ...],
    screens: tuple[tuple[Callable[[str], bool] | None, str], ...],
    digest: Callable[..., int] | None,
    remembered: str | None,
) -> Callable[..., int]:
    tests = [(screen, name) for screen, name in screens if screen is not None]
    written = [applied(screen, name) for screen, name in tests]
    key = "1" if digest is None else applied(digest, *params)
    if key is not None and all(w is not None for w in written):
        kept = [f"({w})" for w, (_, name) in zip(written, tests, strict=True) if name == remembered]
        bad = [f"({w})" for w, (_, name) in zip(written, tests, strict=True) if name != remembered]
        if kept:  # not in the clean values, and fired on (else kept: `add` gives None)
            v = remembered
            keep = f"len(_CLEAN) >= {REMEMBERED} or _CLEAN.add({v}) is None"
            bad.insert(0, f"({v} not in _CLEAN and ({' or '.join(kept)} or not ({keep})))")
        source = f"0 if {' or '.join(bad)} else ({key})" if bad else key
        return inlinable(source, params, {"_CLEAN": set()} if kept else None)
    index = {name: at for at, name in enumerate(params)}
    looked = [(screen, index[name]) for screen, name in tests]

    def called(*values: str) -> int:
        if any(screen(values[at]) for screen, at in looked):
            return 0
        return 1 if digest is None else digest(*values)

    return called
