"""JSON Schemas: loading them offline from the package, and checking records against them.

Each schema is checked two ways. `compile_fast` turns the subset of JSON Schema our schemas
use into plain Python predicates that only say "valid or not"; when a record is not valid,
jsonschema itself is asked why, so every message comes from the reference implementation.
A schema that uses a keyword outside the subset gets no fast predicate: correct, only slower.
The tests hold the two to the same answer on every fixture line.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import orjson
from jsonschema.exceptions import ValidationError

Predicate = Callable[[Any], bool]

# Keywords that never change whether an instance is valid.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "default"}
)

_TYPE_TESTS: dict[str, Predicate] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
}


class UnsupportedSchema(Exception):
    """The schema uses a keyword `compile_fast` does not handle."""


def load_schema(filename: str) -> dict[str, Any]:
    """A schema shipped in the wheel (package `mics_lint.schemas`), or from the source tree."""
    try:
        data = importlib.resources.files("mics_lint.schemas").joinpath(filename).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        # Running from a source checkout that was never installed.
        data = (Path(__file__).resolve().parent.parent / "schemas" / filename).read_bytes()
    schema = orjson.loads(data)
    if not isinstance(schema, dict):
        raise ValueError(f"schema {filename} is not a JSON object")
    return schema


@functools.cache
def validator_for(filename: str) -> jsonschema.protocols.Validator:
    schema = load_schema(filename)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@functools.cache
def fast_predicate(filename: str) -> Predicate | None:
    try:
        return compile_fast(load_schema(filename))
    except UnsupportedSchema:
        return None


def iter_errors(filename: str, record: Any) -> Iterator[ValidationError]:
    """jsonschema's errors for a record, after the fast predicate found it invalid."""
    yield from validator_for(filename).iter_errors(record)


def is_valid(filename: str, record: Any) -> bool:
    fast = fast_predicate(filename)
    if fast is not None:
        return fast(record)
    return bool(validator_for(filename).is_valid(record))


def compile_fast(schema: Any) -> Predicate:
    """A predicate equal to `jsonschema ... is_valid` for the keyword subset used here."""
    if schema is True or schema is False:
        return _constant(bool(schema))
    if not isinstance(schema, dict):
        raise UnsupportedSchema(repr(schema))
    tests: list[Predicate] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword.startswith("x-"):
            continue
        if keyword == "type":
            names = [value] if isinstance(value, str) else list(value)
            tests.append(_any_of([_TYPE_TESTS[n] for n in names]))
        elif keyword == "enum":
            tests.append(_enum_test(list(value)))
        elif keyword == "const":
            tests.append(_enum_test([value]))
        elif keyword == "pattern":
            tests.append(_string_test(re.compile(value).search))
        elif keyword == "minLength":
            tests.append(_length_test(int(value), None))
        elif keyword == "maxLength":
            tests.append(_length_test(None, int(value)))
        elif keyword == "required":
            tests.append(_required_test(tuple(value)))
        elif keyword in ("properties", "additionalProperties"):
            if keyword == "properties" or "properties" not in schema:
                tests.append(_object_test(schema))
        else:
            raise UnsupportedSchema(keyword)
    return tests[0] if len(tests) == 1 else _all_of(tests)


def _constant(answer: bool) -> Predicate:
    return lambda value: answer


def _any_of(tests: list[Predicate]) -> Predicate:
    return lambda value: any(test(value) for test in tests)


def _all_of(tests: list[Predicate]) -> Predicate:
    return lambda value: all(test(value) for test in tests)


def _string_test(test: Callable[[str], Any]) -> Predicate:
    # Like JSON Schema's string keywords, it says nothing about values that are not strings.
    return lambda value: not isinstance(value, str) or bool(test(value))


def _length_test(low: int | None, high: int | None) -> Predicate:
    def test(text: str) -> bool:
        return (low is None or len(text) >= low) and (high is None or len(text) <= high)

    return _string_test(test)


def _required_test(keys: tuple[str, ...]) -> Predicate:
    return lambda value: not isinstance(value, dict) or all(k in value for k in keys)


def _enum_test(options: list[Any]) -> Predicate:
    # JSON equality: true is not 1, 1 is 1.0; Python's == says True == 1.
    def same(a: Any, b: Any) -> bool:
        if isinstance(a, bool) or isinstance(b, bool):
            return type(a) is type(b) and a == b
        return bool(a == b)

    return lambda v: any(same(v, o) for o in options)


def _object_test(schema: dict[str, Any]) -> Predicate:
    props = {k: compile_fast(s) for k, s in schema.get("properties", {}).items()}
    extra = schema.get("additionalProperties", True)
    extra_test = compile_fast(extra)

    def test(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            check = props.get(key)
            if check is None:
                if not extra_test(item):
                    return False
            elif not check(item):
                return False
        return True

    return test
