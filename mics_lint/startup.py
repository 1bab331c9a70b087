"""Start-up: imports whose objects live as long as the program, made without collection.

Importing the engine and its command makes tens of thousands of objects that all live on
(classes, rule tables, schema maps, click's commands): the collections they would trigger
free nothing and took 2-10 ms of a 3-line check's start-up (issue 14, bench/run.py).
`record` makes the frozen dataclasses of start-up, and `Fields` its NamedTuples, without
compiling anything.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gc
import itertools
import operator
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

__all__ = ["Fields", "lasting", "later", "record"]


@contextlib.contextmanager
def lasting() -> Iterator[None]:
    """No collection inside; then what was made goes to the oldest generation (freeze,
    unfreeze), so that the next young collection does not walk it all, and collection
    resumes as it was. A host program's objects age with them: nothing is lost, a full
    collection still sees them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()


if TYPE_CHECKING:  # mypy reads `record` as the dataclass it makes (frozen included)
    from dataclasses import dataclass as record
else:

    def record(*, frozen: bool, slots: bool = False, **written: bool) -> Any:
        """@dataclass(frozen=..., slots=..., init=False, repr=False, eq=False), for a class
        whose __init__, __repr__, __eq__ and __hash__ are written out, without compiling the
        two methods that `frozen` adds (__setattr__ and __delattr__, ~0.3 ms a class at
        import). They are closures here, doing what @dataclass's compiled ones do, and the
        class is recorded as frozen as @dataclass(frozen=True) records it."""
        if any(written.get(name, True) for name in ("init", "repr", "eq")):
            raise TypeError("record: write __init__, __repr__ and __eq__ out")

        def make(cls: type) -> type:
            made = dataclasses.dataclass(slots=slots, init=False, repr=False, eq=False)(cls)
            if frozen:
                names = tuple(made.__dataclass_fields__)
                made.__setattr__, made.__delattr__ = _refusals(made, names)
                if slots:  # pickling: what @dataclass gives a frozen class with slots
                    made.__getstate__, made.__setstate__ = _slot_state(names)
                made.__dataclass_params__.frozen = True
            return made

        return make


def _refusals(cls: Any, names: tuple[str, ...]) -> tuple[Callable[..., None], ...]:
    """A frozen dataclass's __setattr__ and __delattr__, as @dataclass writes them."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    __setattr__.__qualname__ = f"{cls.__qualname__}.__setattr__"
    __delattr__.__qualname__ = f"{cls.__qualname__}.__delattr__"
    return __setattr__, __delattr__


def _slot_state(names: tuple[str, ...]) -> tuple[Callable[..., Any], ...]:
    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=False):
            object.__setattr__(self, name, value)

    return __getstate__, __setstate__


def later(name: str) -> Any:
    """The module `name`, imported when one of its attributes is first read; each attribute
    read is then kept on the stand-in, so that the next read is a plain attribute's. For
    what only a bad line or a message needs (redaction, jsonschema's errors): an import
    statement inside the function that needs it would cost ~1 us at every call, through
    importlib's _handle_fromlist (start-up, issue 14); a stand-in asking the module at every
    read, ~2 us (__getattr__ comes after a failed lookup). Functions and constants only: a
    name rebound or patched on the module after its first read is not seen (where a test
    patches one, its user imports the module itself)."""
    return _Later(name)


class _Later:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)  # copy, pickle and the like probe dunders: none here
        import importlib

        found = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, found)
        return found


if TYPE_CHECKING:  # mypy reads `Fields` as the NamedTuple it makes
    from typing import NamedTuple as Fields
else:

    class _FieldsMeta(type):
        def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> type:
            if ns.get("__module__") == __name__:
                return super().__new__(mcls, name, bases, ns)  # `Fields` itself
            return _tuple_class(name, ns)

    class Fields(metaclass=_FieldsMeta):
        """`class X(Fields)`: what `class X(typing.NamedTuple)` makes, a tuple subclass with
        the same attributes and methods, made without compiling its __new__ (typing and
        collections.namedtuple eval one) and without typing's work on each annotation:
        ~0.15 ms a class at import (start-up, issue 14). Annotations are kept as written.
        tests/test_records.py holds each to a NamedTuple made from the same fields."""


def _tuple_class(name: str, ns: dict[str, Any]) -> type:
    annotations: dict[str, Any] = ns.get("__annotations__", {})
    names = tuple(annotations)
    defaults = {n: ns[n] for n in names if n in ns}
    for before, after in itertools.pairwise(names):
        if before in defaults and after not in defaults:
            raise TypeError(
                f"Non-default namedtuple field {after} cannot follow default field {before}"
            )
    made: dict[str, Any] = {
        "__doc__": f"{name}({', '.join(names)})",
        "__slots__": (),
        "_fields": names,
        "_field_defaults": defaults,
        "__match_args__": names,
        "__new__": _new_for(names, defaults),
        "_make": classmethod(_make),
        "_replace": _replace,
        "__repr__": _repr,
        "_asdict": _asdict,
        "__getnewargs__": _getnewargs,
    }
    for index, field in enumerate(names):
        made[field] = _tuplegetter(index, f"Alias for field number {index}")
    for key, value in ns.items():
        if key in _PROHIBITED:
            raise AttributeError(f"Cannot overwrite NamedTuple attribute {key}")
        if key not in defaults and (key != "__doc__" or value is not None):
            made[key] = value
    return type(name, (tuple,), made)


_PROHIBITED = frozenset(
    {"__new__", "__init__", "__slots__", "__getnewargs__", "_fields", "_field_defaults"}
    | {"_make", "_replace", "_asdict", "_source"}
)


def _property(index: int, doc: str) -> Any:  # collections.namedtuple's, where C has none
    return property(operator.itemgetter(index), doc=doc)


# The C accessor collections.namedtuple uses for each field.
_tuplegetter: Callable[[int, str], Any] = getattr(collections, "_tuplegetter", _property)


def _new_for(names: tuple[str, ...], defaults: dict[str, Any]) -> Callable[..., Any]:
    """A NamedTuple's __new__: its fields by position or name, defaults filled in. A
    closure, not code compiled for the class; positions alone (most calls: a Finding is
    made for each finding) take no step through `_bound`."""
    count, tail = len(names), tuple(defaults.values())
    first = count - len(tail)  # the first field with a default
    new = tuple.__new__

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            if len(args) == count:
                return new(cls, args)
            if first <= len(args) < count:
                return new(cls, args + tail[len(args) - first :])
        return new(cls, _bound(cls, names, args, kwargs))

    return __new__


def _bound(cls: Any, names: tuple[str, ...], args: Any, kwargs: dict[str, Any]) -> tuple[Any, ...]:
    where = f"{cls.__name__}.__new__()"
    if len(args) > len(names):
        raise TypeError(
            f"{where} takes {len(names) + 1} positional arguments but {len(args) + 1} were given"
        )
    values = list(args)
    defaults = cls._field_defaults
    for name in names[len(args) :]:
        if name in kwargs:
            values.append(kwargs.pop(name))
        elif name in defaults:
            values.append(defaults[name])
        else:
            raise TypeError(f"{where} missing required argument: {name!r}")
    for name in kwargs:
        if name in names:
            raise TypeError(f"{where} got multiple values for argument {name!r}")
        raise TypeError(f"{where} got an unexpected keyword argument {name!r}")
    return tuple(values)


def _make(cls: Any, iterable: Any) -> Any:
    result = tuple.__new__(cls, iterable)
    if len(result) != len(cls._fields):
        raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
    return result


def _replace(self: Any, /, **kwds: Any) -> Any:
    result = self._make(map(kwds.pop, self._fields, self))
    if kwds:
        raise ValueError(f"Got unexpected field names: {list(kwds)!r}")
    return result


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self, strict=True))
    return f"{self.__class__.__name__}({shown})"


def _asdict(self: Any) -> dict[str, Any]:
    return dict(zip(self._fields, self, strict=True))


def _getnewargs(self: Any) -> tuple[Any, ...]:
    return tuple(self)
