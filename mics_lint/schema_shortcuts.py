"""jsonschema's errors for the commonest bad records, made without jsonschema.

Importing jsonschema and making a validator (its schema checked against the meta-schema)
costs ~0.1 s, as much as checking 25,000 valid lines: a small file with one misspelt key or
one identifier written as a number would pay it all. `schema.errors` asks here first; a
record answered here gets exactly the list jsonschema would give (the keyword, the path,
the keyword's value, the subschema, the message), tests/test_schema.py holds it to that.

Each shortcut is exact by the same argument: the schema with the faulty part loosened takes
the record (its predicate equals jsonschema's `is_valid`), and the top-level keywords of an
object schema are checked independently, so the errors are the loosened part's alone.
"""

from __future__ import annotations

import functools
from typing import Any

from mics_lint.jsontext import json_type
from mics_lint.schema import (
    ANNOTATIONS,
    TYPE_TESTS,
    Predicate,
    UnsupportedSchema,
    allowing_unknown_keys,
    compile_fast,
    load_schema,
)
from mics_lint.schema_closures import closures

# The JSON type each keyword constrains: jsonschema's check of any of them returns at once
# for a value of another type.
_KEYWORD_TYPES = {
    **dict.fromkeys(("minLength", "maxLength", "pattern"), "string"),
    **dict.fromkeys(
        ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), "number"
    ),
    **dict.fromkeys(("items", "minItems", "maxItems", "uniqueItems", "contains"), "array"),
    **dict.fromkeys(
        ("properties", "required", "additionalProperties", "minProperties", "maxProperties"),
        "object",
    ),
}


def without_jsonschema(filename: str, record: dict[str, Any]) -> list[Any] | None:
    """`schema.errors`' list for `record`, or None: only jsonschema can tell."""
    try:
        found = unknown_keys_only(filename, record)
        return found if found is not None else wrong_types_only(filename, record)
    except RecursionError:  # a value nested deep (its repr): jsonschema goes a little deeper
        return None


def unknown_keys_only(filename: str, record: dict[str, Any]) -> list[Any] | None:
    """The errors of a record whose one fault is keys the schema does not list.

    The schema with those keys allowed takes the record, so its only failing keyword is
    `additionalProperties: false`, for which jsonschema gives one error, worded as below:
    a misspelt key, the commonest bad line of an export."""
    lax = _lax_predicate(filename)
    if lax is None or not lax(record):
        return None
    schema = load_schema(filename)
    known = schema.get("properties", {})
    extras = sorted((key for key in record if key not in known), key=str)
    if not extras:
        return None
    listed = ", ".join(repr(key) for key in extras)
    verb = "was" if len(extras) == 1 else "were"
    message = f"Additional properties are not allowed ({listed} {verb} unexpected)"
    return [("additionalProperties", (), False, schema, message)]


@functools.cache
def _lax_predicate(filename: str) -> Predicate | None:
    lax = allowing_unknown_keys(load_schema(filename))
    try:
        return None if lax is None else compile_fast(lax)
    except UnsupportedSchema:
        return None


def wrong_types_only(filename: str, record: dict[str, Any]) -> list[Any] | None:
    """The errors of a record whose one fault is top-level values of a JSON type their
    field does not take (`"compartment_id": 1000`, `"force_replace": "true"`).

    The schema with those fields taking anything takes the record, so the errors are those
    of each field's subschema on its value: the `type` error alone, as no other keyword of
    the subschema constrains a value of the value's type (`_typed`)."""
    typed = _typed(filename)
    wrong = []
    for key, (test, kinds) in typed.items():  # the schema's order, which jsonschema follows
        if key in record:
            value = record[key]
            if not test(value) and _kind(value) not in kinds:
                wrong.append(key)
    if not wrong:
        return None
    loosened = _loosened(filename, tuple(wrong))
    if loosened is None or not loosened(record):
        return None
    properties = load_schema(filename)["properties"]
    found = []
    for key in wrong:
        sub = properties[key]
        names = [sub["type"]] if isinstance(sub["type"], str) else sub["type"]
        message = f"{record[key]!r} is not of type {', '.join(repr(n) for n in names)}"
        found.append(("type", (key,), sub["type"], sub, message))
    return found


@functools.cache
def _typed(filename: str) -> dict[str, tuple[Predicate, frozenset[str]]]:
    """Per top-level field whose subschema has a `type` and otherwise only keywords of
    `_KEYWORD_TYPES`: its type's test, and the JSON types those other keywords constrain
    (a value of one of them may fail one of those too: left to jsonschema)."""
    fields = {}
    for key, sub in load_schema(filename).get("properties", {}).items():
        if not isinstance(sub, dict):
            continue
        names = sub.get("type")
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names or any(n not in TYPE_TESTS for n in names):
            continue
        others = {k for k in sub if k != "type" and k not in ANNOTATIONS and k[:2] != "x-"}
        if not others <= _KEYWORD_TYPES.keys():
            continue
        tests = [TYPE_TESTS[n] for n in names]
        fields[key] = (_any_of(tests), frozenset(_KEYWORD_TYPES[k] for k in others))
    return fields


def _any_of(tests: list[Predicate]) -> Predicate:
    return lambda value: any(test(value) for test in tests)


def _kind(value: Any) -> str:
    """The JSON type of a value, as `_KEYWORD_TYPES` names them (an integer is a number)."""
    kind = json_type(value).rpartition(" ")[2]
    return "number" if kind == "integer" else kind


@functools.lru_cache(maxsize=64)
def _loosened(filename: str, keys: tuple[str, ...]) -> Predicate | None:
    """The schema's predicate with the fields `keys` taking any value."""
    schema = load_schema(filename)
    properties = {**schema["properties"], **dict.fromkeys(keys, True)}
    try:
        return closures({**schema, "properties": properties})
    except UnsupportedSchema:
        return None
