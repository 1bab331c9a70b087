"""The datamart checks of one record: each schema field's value against its declared type.

`problems` walks a profile or an activity (with its events) along the compiled schema and
yields `(code, path, at_value, message)` for the enabled codes only. The full checks turn
them into findings (rules.py); the fast check (fast.py) only asks whether there is one.
Each rule's test is one function here, named after it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from mics_lint.datamart.keys import lookup, name_of, undeclared
from mics_lint.datamart.model import (
    ENUM,
    OBJECT,
    SCALAR,
    Datamart,
    FieldSpec,
    JsonPath,
    ObjectSpec,
    Problem,
)
from mics_lint.datamart.rules import (
    IN_SECONDS,
    NEAR_MISS_KEY,
    NULL_FIELD,
    NUMBER_FOR_STRING,
    SECONDS_FROM,
    SECONDS_TO,
    TIMESTAMP_DATE,
    UNDECLARED_KEY,
    WRONG_TYPE,
)
from mics_lint.jsontext import json_type
from mics_lint.names import two_ends

#: Why a line replaces an object whole: the line replaces the profile (an activity is
#: always whole), or it merges without `merge_objects` (see `whole`).
LINE, MERGE = "line", "merge"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WRITE = {
    "string": "write it as a string",
    "integer": "write an integer",
    "number": "write a number",
    "boolean": "write true or false",
    "timestamp": "write epoch milliseconds as an integer",
    "date": "write the date as a string",
}


def kind_of(value: Any) -> str:
    """How a message names a JSON value's type: jsontext.json_type's words, with a decimal
    number told apart from an integer (as MIC202 says it) and an array called a list."""
    if isinstance(value, float):
        # orjson reads an integer past 64 bits as a float: not "a decimal number" to a reader.
        # Nor "an integer": `1e300` reads the same, and the text is not at hand here.
        past = value >= 2**64 or value < -(2**63)  # orjson's ints: -2**63 to 2**64 - 1
        return "a number past 64 bits" if value.is_integer() and past else "a decimal number"
    return "a list" if isinstance(value, list) else json_type(value)


class _Format:
    """The keys the import format itself types (its JSON Schema): their wrong types, values
    out of its enums and absences are its rules' (MIC2xx, MIC603), not reported twice;
    `$ts` in seconds is MIC601's."""

    def __init__(self) -> None:
        from mics_lint.schema import load_schema

        schema = load_schema("user_activity.schema.json")
        events = schema["properties"]["$events"]["items"]
        self.typed = {
            "activity": _types(schema["properties"]),
            "event": _types(events["properties"]),
        }
        self.enums = {
            "activity": _enums(schema["properties"]),
            "event": _enums(events["properties"]),
        }
        self.required = {
            "activity": frozenset(schema["required"]),
            "event": frozenset([*events["required"], "$event_name"]),  # MIC603's
        }


def _types(properties: dict[str, Any]) -> dict[str, str]:
    return {k: v["type"] for k, v in properties.items() if isinstance(v.get("type"), str)}


def _enums(properties: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: v["enum"] for k, v in properties.items() if isinstance(v.get("enum"), list)}


#: Whether a value has a JSON Schema type (a boolean is no integer there, unlike Python).
_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
}


@functools.cache
def _format() -> _Format:
    return _Format()


def profile_problems(
    dm: Datamart, record: dict[str, Any], enabled: frozenset[str]
) -> Iterator[Problem]:
    profile = record.get("user_profile")
    if dm.profile is None or not isinstance(profile, dict) or record.get("operation") != "UPSERT":
        return
    if record.get("update_strategy") == "PARTIAL_DELETE":
        return  # the profile names what to delete: no value of it is indexed
    form = (record.get(key) for key in ("force_replace", "update_strategy", "merge_objects"))
    at, top = ("user_profile",), dm.types[dm.profile]
    yield from _walked(_object(dm, top, profile, at, whole(*form), "", "profile", enabled))


def whole(force_replace: Any, update_strategy: Any, merge_objects: Any) -> tuple[str, str]:
    """Whether a profile line replaces the stored profile whole, and each nested object it
    sends: why (LINE, MERGE), or "" (no). A merge without `merge_objects: true` replaces
    the nested objects (formats reference §4.1: "`false`: a nested object with the same
    property name overrides the old one", the default); what PARTIAL_UPDATE does to them
    is not documented: not taken as a replace. (fast.py picks its Struct by it.)"""
    if force_replace is True or update_strategy == "FORCE_REPLACE":
        return LINE, LINE
    if force_replace is False and merge_objects is not True:
        return "", MERGE
    return "", ""


def activity_problems(
    dm: Datamart, record: dict[str, Any], enabled: frozenset[str]
) -> Iterator[Problem]:
    if dm.activity is None:
        return
    # An activity line is the whole activity, stored as sent: always a whole object.
    top = dm.types[dm.activity]
    yield from _walked(_object(dm, top, record, (), (LINE, LINE), "", "activity", enabled))


class _Within(tuple[Any, ...]):
    """`_object`'s arguments for an object nested in the one walked (`_walked` goes in)."""


def _walked(top: Iterator[Problem | _Within]) -> Iterator[Problem]:
    """The problems of `top` and of the objects it steps into, in a recursive walk's order,
    on a stack of its own: a type that holds itself is followed 1,024 deep (orjson's limit),
    past Python's recursion limit (three generators a level), losing no finding."""
    stack = [top]
    while stack:
        for item in stack[-1]:
            if type(item) is _Within:
                stack.append(_object(*item))
                break
            yield item
        else:
            stack.pop()


def _object(
    dm: Datamart,
    spec: ObjectSpec,
    obj: dict[str, Any],
    path: JsonPath,
    whole: tuple[str, str],
    chain: str,
    role: str,
    enabled: frozenset[str],
) -> Iterator[Problem | _Within]:
    """`whole`: whether the line replaces this object whole (its absent `!` fields are then
    reported), and whether it replaces whole the objects nested in it: why (LINE or MERGE),
    or "" (no)."""
    replace, inner = whole
    fmt = _format() if role in ("activity", "event") else None
    for field in spec.fields:
        here = f"{chain}: {field.where}" if chain else field.where
        found = None
        for source in field.sources:
            present, value = lookup(obj, source)
            if present and (value is not None or found is None):
                found = (source, value)
                if value is not None:
                    break
        if found is None:
            if (
                replace
                and field.non_null
                and field.how not in ("guess", "default")
                and NULL_FIELD in enabled
            ):
                first = field.sources[0]
                if fmt is None or len(first) > 1 or first[0] not in fmt.required[role]:
                    yield _absent(field, path, here, role, replace)
            continue
        source, value = found
        at = path + source
        if (
            fmt is not None
            and len(source) == 1
            and source[0] in fmt.typed[role]
            and not _JSON_TYPES[fmt.typed[role][source[0]]](value)
        ):
            continue  # of a type the import format refuses: its rules report it
        if (
            fmt is not None
            and len(source) == 1
            and value not in fmt.enums[role].get(source[0], (value,))
        ):
            continue  # a value the import format refuses (MIC203's)
        if value is None:
            if field.non_null and NULL_FIELD in enabled:
                yield null_field(field, at, here, role)
            continue
        # Below a key no source maps (a guess), nothing is known to be required either.
        nested = inner if field.how != "guess" else ""
        yield from _field_value(dm, field, value, at, nested, here, role, enabled)
    if UNDECLARED_KEY in enabled or NEAR_MISS_KEY in enabled:
        yield from undeclared(spec, obj, path, enabled)


def _field_value(
    dm: Datamart,
    field: FieldSpec,
    value: Any,
    at: JsonPath,
    replace: str,
    here: str,
    role: str,
    enabled: frozenset[str],
) -> Iterator[Problem | _Within]:
    if not field.is_list:
        yield from _one(dm, field, value, at, replace, here, role, enabled)
        return
    if not isinstance(value, list):
        if WRONG_TYPE in enabled:
            yield wrong_type(field, at, here, value, "write a list, [...]")
        return
    for index, item in enumerate(value):
        if item is None:
            if field.items_non_null and NULL_FIELD in enabled:
                yield null_field(field, (*at, index), here, role)
            continue
        yield from _one(dm, field, item, (*at, index), replace, here, role, enabled)


def _one(
    dm: Datamart,
    field: FieldSpec,
    value: Any,
    at: JsonPath,
    replace: str,
    here: str,
    role: str,
    enabled: frozenset[str],
) -> Iterator[Problem | _Within]:
    if field.kind == OBJECT:
        if isinstance(value, dict):
            spec = dm.types[field.base]
            # A nested object of a custom type: "within" the profile, activity or event.
            inner = "event" if field.base == dm.event else "within " + _root(role)
            yield _Within((dm, spec, value, at, (replace, replace), here, inner, enabled))
        elif WRONG_TYPE in enabled:
            yield wrong_type(field, at, here, value, f"write an object of {field.base}, {{...}}")
    elif field.kind == ENUM:
        if isinstance(value, str) and value in field.enum_values:
            return
        if WRONG_TYPE in enabled:
            yield enum_value(field, at, here, value)
    elif field.kind == SCALAR:
        yield from _scalar(field, value, at, here, role, enabled)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


#: Whether a JSON value indexes as each kind of scalar (model.SCALARS' values).
_FITS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _integer,
    "number": _number,
    "boolean": lambda v: isinstance(v, bool),
    "timestamp": _integer,
    "date": lambda v: isinstance(v, str),
}


def _scalar(
    field: FieldSpec, value: Any, at: JsonPath, here: str, role: str, enabled: frozenset[str]
) -> Iterator[Problem]:
    json = field.json
    fits = _FITS.get(json)
    if fits is None:
        return  # a scalar the file declares itself: any JSON is taken
    if fits(value):
        # An activity's and its events' own $ts in seconds are MIC601's.
        own_ts = role in ("activity", "event") and at[-1] == "$ts"
        seconds = json == "timestamp" and SECONDS_FROM <= value < SECONDS_TO and not own_ts
        if seconds and IN_SECONDS in enabled:
            yield in_seconds(field, at, here, value)
        return
    if json == "string" and _number(value):
        # GraphQL's ID takes an integer as input, as the docs' cart example sends `"id":1`
        if NUMBER_FOR_STRING in enabled and not (field.base == "ID" and _integer(value)):
            yield number_for_string(field, at, here, value)
    elif (json == "date" and _number(value)) or (
        json == "timestamp" and isinstance(value, str) and _DATE.match(value)
    ):
        if TIMESTAMP_DATE in enabled:
            yield timestamp_date(field, at, here, value)
    elif WRONG_TYPE in enabled:
        yield wrong_type(field, at, here, value, _WRITE[json])


def _enum_advice(field: FieldSpec, value: Any) -> str:
    from mics_lint.suggest import did_you_mean

    values = sorted(field.enum_values)
    if isinstance(value, str):
        hint = did_you_mean(value, values)
        if hint:
            return f"it is not a value of {field.base}{hint}"
    shown = ", ".join(values[:8]) + (", ..." if len(values) > 8 else "")
    return f"use one of {field.base}'s values: {shown}"


# -- the messages, one per rule ------------------------------------------------------------


def null_field(field: FieldSpec, at: JsonPath, here: str, role: str) -> Problem:
    what = "an element of" if isinstance(at[-1], int) else ""
    subject = f"{name_of(at)} is null" if not what else f"{name_of(at)} is a null element"
    return (
        NULL_FIELD,
        at,
        True,
        f"{subject}, and the datamart schema declares {field.declared} "
        f"({two_ends(here, 120)}): the whole {_whole(role, field)} will not be indexed; give "
        "it a value",
    )


def _absent(field: FieldSpec, path: JsonPath, here: str, role: str, why: str) -> Problem:
    key = " or ".join(".".join(source) for source in field.sources)
    if why == MERGE:
        replaces = (
            f'without "merge_objects": true this line replaces the stored {field.owner} object '
            f"whole, which will not be indexed without it (perhaps the whole {_root(role)} "
            f'either); add {key}, or "merge_objects": true'
        )
    else:
        replaces = (
            f"this line replaces the whole {_whole(role, field)}, which will not be indexed "
            f"without it; add {key}"
        )
    return (
        NULL_FIELD,
        path,
        False,
        f"{name_of(path)} has no {key}, and the datamart schema declares {field.declared} "
        f"({two_ends(here, 120)}): {replaces}",
    )


def _root(role: str) -> str:
    return role.removeprefix("within ")


def _whole(role: str, field: FieldSpec) -> str:
    """What will not be indexed: which object a nested `!` drops is not documented."""
    if role.startswith("within "):
        return f"{field.owner} object (perhaps the whole {_root(role)})"
    return role


def _declares(field: FieldSpec, at: JsonPath, here: str) -> str:
    """The start of a value's message: the field and what the datamart schema says of it."""
    return f"{name_of(at)}: the datamart schema declares {field.declared} ({two_ends(here, 120)})"


def wrong_type(field: FieldSpec, at: JsonPath, here: str, value: Any, advice: str) -> Problem:
    return (
        WRONG_TYPE,
        at,
        True,
        f"{_declares(field, at, here)}, this value is "
        f"{kind_of(value)}: it will not index as declared; {advice}",
    )


def enum_value(field: FieldSpec, at: JsonPath, here: str, value: Any) -> Problem:
    if not isinstance(value, str):
        return wrong_type(field, at, here, value, _enum_advice(field, value))
    from mics_lint.suggest import did_you_mean

    hint = did_you_mean(value, sorted(field.enum_values))
    return (
        WRONG_TYPE,
        at,
        True,
        f"{_declares(field, at, here)}, and this string is not one of its values: it will "
        f"not index as declared{hint or '; ' + _enum_advice(field, None)}",
    )


def timestamp_date(field: FieldSpec, at: JsonPath, here: str, value: Any) -> Problem:
    want = "a date string" if field.json == "date" else "epoch milliseconds"
    return (
        TIMESTAMP_DATE,
        at,
        True,
        f"{_declares(field, at, here)}, this value is "
        f"{'a number' if field.json == 'date' else 'a date string'}: the platform does not "
        f"convert between timestamps and dates; write {want}",
    )


def number_for_string(field: FieldSpec, at: JsonPath, here: str, value: Any) -> Problem:
    return (
        NUMBER_FOR_STRING,
        at,
        True,
        f"{_declares(field, at, here)}, this value is {kind_of(value)}: write it in quotes",
    )


def in_seconds(field: FieldSpec, at: JsonPath, here: str, value: int) -> Problem:
    return (
        IN_SECONDS,
        at,
        True,
        f"{_declares(field, at, here)}, epoch "
        "milliseconds, and this value has 10 digits (in milliseconds, a moment of early 1970; "
        "in seconds, one of 2001 to 2286): it looks like seconds; multiply it by 1000",
    )
