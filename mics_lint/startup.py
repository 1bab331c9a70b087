"""Start-up: imports whose objects live as long as the program, made without collection.

Importing the engine and its command makes tens of thousands of objects that all live on
(classes, rule tables, schema maps, click's commands): the collections they would trigger
free nothing and took 2-10 ms of a 3-line check's start-up (issue 14, bench/run.py).
`record` makes the frozen dataclasses of start-up without compiling anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

__all__ = ["lasting", "record"]


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
