"""The profile's datamart types as msgspec Structs: the fast check's first, C-speed test.

A profile that decodes into them breaks no enabled MIC25x rule: each Struct field takes
only what walk.py lets pass (a `!` field no null, and no absence on a whole replace; an
Int only an integer; a Timestamp, with MIC257 on, only from 11 digits; unknown keys only
when neither MIC255 nor MIC256 runs). A profile that does not decode is not wrong for all
that: fast.py then asks walk.py itself. Made only for schemas whose profile fields are
plain keys (no `@Property` path of several keys or candidates): None otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import msgspec

from mics_lint.datamart.model import ANY, ENUM, OBJECT, Datamart, FieldSpec
from mics_lint.datamart.rules import (
    IN_SECONDS,
    NEAR_MISS_KEY,
    NULL_FIELD,
    SECONDS_TO,
    UNDECLARED_KEY,
)

# Integers within 64 bits, signed (msgspec takes no wider bound): orjson reads one past
# 2**64 - 1 as a float, which walk.py does not take for an Int, where msgspec would have
# taken it (MIC104's screen is not asked when MIC104 is not selected). Those between are
# walked, and pass there.
_INT64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
_SCALARS: dict[str, Any] = {
    "string": str,
    "integer": _INT64,
    "number": float,  # takes integers too, as walk.py does
    "boolean": bool,
    "timestamp": _INT64,
    "date": str,
}


class _Unsupported(Exception):
    """A schema these Structs cannot stand for exactly: walk.py alone judges."""


def profile_decoders(
    datamart: Datamart, enabled: frozenset[str]
) -> list[msgspec.json.Decoder[Any]] | None:
    """Decoders of a profile that replaces the stored one, of one merged into it, and of
    one merged into it whose nested objects replace the stored ones (walk.whole)."""
    if datamart.profile is None:
        return None
    try:
        made = [
            _Builder(datamart, enabled, inner).struct(datamart.profile, replace)
            for replace, inner in ((True, True), (False, False), (False, True))
        ]
    except _Unsupported:
        return None
    return [msgspec.json.Decoder(struct) for struct in made]


class _Builder:
    def __init__(self, datamart: Datamart, enabled: frozenset[str], inner: bool) -> None:
        self.datamart = datamart
        self.enabled = enabled
        self.inner = inner  # whether nested objects are replaced whole
        self.open: set[str] = set()
        self.forbid = bool({UNDECLARED_KEY, NEAR_MISS_KEY} & enabled)

    def struct(self, name: str, replace: bool) -> Any:
        if name in self.open:
            raise _Unsupported  # a type that holds itself
        self.open.add(name)
        spec = self.datamart.types[name]
        fields: list[tuple[str, Any, Any] | tuple[str, Any]] = []
        rename: dict[str, str] = {}
        taken: set[str] = set()
        for index, field in enumerate(spec.fields):
            if len(field.sources) != 1 or len(field.sources[0]) != 1:
                raise _Unsupported
            key = field.sources[0][0]
            if key in taken:
                raise _Unsupported
            taken.add(key)
            attribute = f"f{index}"
            rename[attribute] = key
            required = (
                replace
                and field.non_null
                and field.how not in ("guess", "default")
                and NULL_FIELD in self.enabled
            )
            kind = self._type(field)
            if required:
                fields.append((attribute, kind))
            else:
                fields.append((attribute, kind, msgspec.UNSET))
        # The keys of fields the platform fills or computes are known keys, of any value.
        for index, (key, _) in enumerate(spec.skipped):
            if key not in taken:
                rename[f"s{index}"] = key
                fields.append((f"s{index}", Any, msgspec.UNSET))
        fields.sort(key=lambda f: len(f) == 3)  # msgspec: required fields first
        self.open.discard(name)
        # gc=False: made and dropped at once, millions of times; never in a cycle.
        return msgspec.defstruct(
            f"Datamart{name}",
            fields,
            rename=rename,
            forbid_unknown_fields=self.forbid,
            gc=False,
        )

    def _type(self, field: FieldSpec) -> Any:
        nullable_items = not field.items_non_null or NULL_FIELD not in self.enabled
        item = self._item(field)
        if field.is_list:
            kind: Any = list[Union[item, None]] if nullable_items else list[item]  # type: ignore[valid-type]  # noqa: UP007
        else:
            kind = item
        if not field.non_null or NULL_FIELD not in self.enabled:
            kind = Union[kind, None]  # noqa: UP007
        return kind

    def _item(self, field: FieldSpec) -> Any:
        if field.kind == OBJECT:
            return self.struct(field.base, self.inner)
        if field.kind == ENUM:
            if not field.enum_values:
                raise _Unsupported
            return Literal[tuple(sorted(field.enum_values))]
        if field.kind == ANY:
            return Any
        kind = _SCALARS.get(field.json)
        if kind is None:
            return Any
        if field.json == "timestamp" and IN_SECONDS in self.enabled:
            # Stricter than MIC257 (a value below it is walked, and 11 or 12 digits pass).
            return Annotated[int, msgspec.Meta(ge=SECONDS_TO, le=2**63 - 1)]
        return kind
