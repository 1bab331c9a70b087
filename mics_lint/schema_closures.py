"""`compile_fast`'s predicate made of closures: the same answers, with nothing compiled.

schema.compile_fast writes a schema as Python source and compiles it, ~0.8 ms for a
profile schema: the largest single cost of checking a small file (start-up, issue 14). A
schema's first records are checked by this predicate instead (schema.is_valid), which
costs a few hundred nanoseconds more a record. Each keyword is read as `_Builder._keyword`
reads it, and refused where it refuses; tests/test_schema.py holds both to jsonschema.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from mics_lint.schema import (
    ANNOTATIONS,
    TYPE_TESTS,
    Predicate,
    UnsupportedSchema,
    json_equal,
    load_schema,
)


@functools.cache
def closure_predicate(filename: str) -> Predicate | None:
    """schema.fast_predicate's answers for the schema `filename`; None where it has none."""
    try:
        return closures(load_schema(filename))
    except UnsupportedSchema:
        return None


def closures(schema: Any) -> Predicate:
    """A predicate equal to `compile_fast(schema)`: True when every keyword's test is."""
    if schema is True or schema is False:
        answer: bool = schema
        return lambda v: answer
    if not isinstance(schema, dict):
        raise UnsupportedSchema(repr(schema))
    tests: list[Predicate] = []
    for keyword, value in schema.items():
        if keyword in ANNOTATIONS or keyword.startswith("x-"):
            continue
        tests.extend(_keyword(keyword, value, schema))
    if len(tests) == 1:
        return tests[0]
    every = tuple(tests)

    def check(v: Any) -> bool:
        for test in every:  # noqa: SIM110 (a loop: all() makes a generator each record)
            if not test(v):
                return False
        return True

    return check


def _keyword(keyword: str, value: Any, schema: dict[str, Any]) -> list[Predicate]:
    if keyword == "type":
        names = [value] if isinstance(value, str) else list(value)
        if any(n not in TYPE_TESTS for n in names):
            raise UnsupportedSchema(f"type {value!r}")
        types = tuple(TYPE_TESTS[n] for n in names)
        return [types[0] if len(types) == 1 else lambda v: any(t(v) for t in types)]
    if keyword in ("enum", "const"):
        allowed = list(value) if keyword == "enum" else [value]
        if all(isinstance(o, str) for o in allowed):
            options = frozenset(allowed)
            return [lambda v: isinstance(v, str) and v in options]
        return [lambda v: any(json_equal(v, o) for o in allowed)]
    if keyword == "pattern":
        search = re.compile(value).search
        return [lambda v: not isinstance(v, str) or search(v) is not None]
    if keyword in ("minimum", "maximum"):
        bound, number = value, TYPE_TESTS["number"]
        if keyword == "minimum":
            return [lambda v: not (number(v) and v < bound)]
        return [lambda v: not (number(v) and v > bound)]
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        size, kind = int(value), str if "Length" in keyword else list
        if keyword[:3] == "min":
            return [lambda v: not (isinstance(v, kind) and len(v) < size)]
        return [lambda v: not (isinstance(v, kind) and len(v) > size)]
    if keyword == "items" and isinstance(value, dict):
        each = closures(value)
        return [lambda v: not isinstance(v, list) or all(each(x) for x in v)]
    if keyword == "required":
        keys = tuple(value)
        return [lambda v: not isinstance(v, dict) or all(k in v for k in keys)]
    if keyword == "properties" or (
        keyword == "additionalProperties" and "properties" not in schema
    ):
        return [_object(schema)]
    if keyword == "additionalProperties":
        return []  # with properties
    raise UnsupportedSchema(keyword)


def _object(schema: dict[str, Any]) -> Predicate:
    get = {k: closures(s) for k, s in schema.get("properties", {}).items()}.get
    extra = schema.get("additionalProperties", True)
    other = None if extra is True else closures(extra)

    def check(v: Any) -> bool:
        if isinstance(v, dict):
            for k, x in v.items():
                test = get(k)
                if test is None:
                    if other is None:
                        continue
                    test = other
                if not test(x):
                    return False
        return True

    return check
