"""JSON Schemas: loading them offline from the package, and checking records against them.

Each schema is checked two ways. `compile_fast` turns the subset of JSON Schema our schemas
use into plain Python predicates that only say "valid or not"; when a record is not valid,
jsonschema itself is asked why, so every message comes from the reference implementation.
A schema that uses a keyword outside the subset gets no fast predicate: correct, only slower.
The tests hold the two to the same answer on every fixture line.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import functools
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from mics_lint.startup import Fields

if TYPE_CHECKING:  # jsonschema takes ~70 ms to import: only lines that fail need it
    import jsonschema

Predicate = Callable[[Any], bool]

# Keywords that never change whether an instance is valid.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "default"}
)

TYPE_TESTS: dict[str, Predicate] = {
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


@functools.cache
def load_schema(filename: str) -> dict[str, Any]:
    """A schema shipped in the wheel (package `mics_lint.schemas`), or from the source tree;
    `file.json#form` is that schema for one of its forms (see `for_form`).

    Read by path rather than through importlib.resources, which costs 10 ms to import; and
    once a process, shared by its callers, who only read it: asked on every line of a file
    whose lines all had one wrong type, its file was read and parsed again each time.
    """
    filename, _, form = filename.partition("#")
    schema = _read_schema(filename)
    default = schema.get("x-mics-default-form")
    if not isinstance(default, str):
        return schema
    return _of_form(schema, form or default)


def for_form(filename: str, form: str) -> str:
    """The name under which `filename` is loaded, checked and cached for `form`: the file
    itself for its default form (or a schema without forms), else `file.json#form`."""
    default = _default_form(filename)
    if form == "auto":  # both forms' keys; which one a file uses is the MIC4xx rules' to say
        form = "either"
    return filename if default is None or form == default else f"{filename}#{form}"


@functools.cache
def _default_form(filename: str) -> str | None:
    default = _read_schema(filename).get("x-mics-default-form")
    return default if isinstance(default, str) else None


#: Where a form's schema names the keys it left out, and the form each belongs to.
OTHER_FORM_KEYS = "x-mics-other-form-keys"
FORM_CHECKED = "x-mics-form-checked"


def _of_form(schema: dict[str, Any], form: str) -> dict[str, Any]:
    """The schema without the properties of other forms ("either": with every form's)."""
    properties: dict[str, Any] = schema.get("properties", {})
    kept, left = {}, {}
    for key, sub in properties.items():
        owner = sub.get("x-mics-form") if isinstance(sub, dict) else None
        if owner is None or form in ("either", owner):
            kept[key] = sub
        else:
            left[key] = owner
    return {**schema, "properties": kept, OTHER_FORM_KEYS: left, FORM_CHECKED: form}


def _read_schema(filename: str) -> dict[str, Any]:
    installed = os.path.join(_package_folder(), "schemas", filename)
    # An editable install or a bare checkout: the top-level schemas/ folder.
    if not os.path.isfile(installed):
        installed = os.path.join(os.path.dirname(_package_folder()), "schemas", filename)
    with open(installed, "rb") as file:
        data = file.read()
    schema = orjson.loads(data)
    if not isinstance(schema, dict):
        raise ValueError(f"schema {filename} is not a JSON object")
    return schema


@functools.cache
def _package_folder() -> str:
    # os.path, not pathlib: a small check does not import it (start-up, issue 14). Once:
    # realpath asks the file system about each folder of the path.
    return os.path.dirname(os.path.realpath(__file__))


@functools.cache
def validator_for(filename: str) -> "jsonschema.protocols.Validator":
    import jsonschema

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


class SchemaError(Fields):  # a frozen dataclass took ~1 ms to make at import (issue 14)
    """What the messages need of one jsonschema error, with the instance of this record."""

    validator: str
    absolute_path: tuple[str | int, ...]
    validator_value: Any
    schema: Any
    instance: Any
    message: str


def errors(
    filename: str, record: dict[str, Any], shape: tuple[Any, ...] | None = None
) -> list[SchemaError]:
    """jsonschema's errors for a record, after the fast predicate found it invalid.

    A systematic mistake (every compartment_id a number) repeats one shape of error on
    every line, and jsonschema is slow: errors are remembered by the record's shape (its
    keys, the JSON type of each value, and whether each constrained value passes its own
    subschema) and only their instances are taken from the record at hand. `shape`: the
    record's `shape`, if the caller made it already.
    """
    if shape is None:
        shape = record_shape(filename, record)
    found = _ERRORS_BY_SHAPE.get((filename, shape))
    if found is None:
        from mics_lint.schema_shortcuts import without_jsonschema

        found = without_jsonschema(filename, record)
    if found is None:
        found = [
            (e.validator, tuple(e.absolute_path), e.validator_value, e.schema, e.message)
            for e in validator_for(filename).iter_errors(record)
        ]
        if len(_ERRORS_BY_SHAPE) >= 4096:
            _ERRORS_BY_SHAPE.clear()
        _ERRORS_BY_SHAPE[(filename, shape)] = found
    return [
        SchemaError(str(kw), path, value, sub, _at(record, path), message)
        for kw, path, value, sub, message in found
    ]


_ERRORS_BY_SHAPE: dict[tuple[str, tuple[Any, ...]], list[Any]] = {}


def takes_type(filename: str, record: dict[str, Any]) -> bool:
    """Whether the schema takes the record's `type` (a deletion's USER_EMAIL...): any, when
    its `type` field lists no values."""
    allowed = _type_values(filename)
    return allowed is None or record.get("type") in allowed


@functools.cache
def _type_values(filename: str) -> list[Any] | None:
    sub = load_schema(filename).get("properties", {}).get("type")
    values = sub.get("enum") if isinstance(sub, dict) else None
    return values if isinstance(values, list) else None


def allowing_unknown_keys(schema: dict[str, Any]) -> dict[str, Any] | None:
    """`schema` with `additionalProperties: false` lifted (unknown-key errors, lax path)."""
    if schema.get("additionalProperties") is not False or "patternProperties" in schema:
        return None
    return {**schema, "additionalProperties": True}


# Keywords whose errors depend only on the value they constrain, not on what it contains.
_FLAT = frozenset({"enum", "const", "pattern", "minLength", "maxLength"})


def record_shape(filename: str, record: dict[str, Any]) -> tuple[Any, ...]:
    """What a record's schema errors depend on (see `errors`); a shape that holds a value
    failing a nested constraint equals no other."""
    checks = _property_predicates(filename)
    return tuple(
        (key, type(value), checks[key](value) if key in checks else None)
        for key, value in record.items()
    )


@functools.cache
def _property_predicates(filename: str) -> dict[str, Callable[[Any], Any]]:
    """Per top-level property that constrains more than a type: what its shape records.

    For a flat constraint, whether the value passes. For a nested one (an object with
    properties, an array with items), the errors depend on what is inside, so only a value
    that passes is given a shape that can repeat; a failing one never matches another.
    """
    properties = load_schema(filename).get("properties", {})
    checks: dict[str, Callable[[Any], Any]] = {}
    for key, sub in properties.items():
        if not isinstance(sub, dict):
            continue
        keywords = {k for k in sub if k not in ANNOTATIONS and not k.startswith("x-")}
        if keywords <= {"type"}:
            continue
        try:
            valid = compile_fast(sub)
        except UnsupportedSchema:
            checks[key] = _never_the_same
            continue
        checks[key] = valid if keywords <= _FLAT | {"type"} else _passes_or_unique(valid)
    return checks


def _passes_or_unique(valid: Predicate) -> Callable[[Any], Any]:
    return lambda value: True if valid(value) else object()


def _never_the_same(value: Any) -> Any:
    return object()  # a fresh object: such a shape never repeats, so nothing is reused wrongly


def _at(record: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        record = record[part]
    return record


#: A schema's first records are checked by closures (schema_closures.py), the rest by its
#: compiled predicate: compiling costs ~0.8 ms, most of a small file's check (start-up, issue
#: 14), closures a few hundred ns more a record.
CLOSURE_RECORDS = 64
_checked: dict[str, int] = {}


def is_valid(filename: str, record: Any) -> bool:
    seen = _checked.get(filename, 0)
    if seen < CLOSURE_RECORDS:
        from mics_lint.schema_closures import closure_predicate

        _checked[filename] = seen + 1
        fast = closure_predicate(filename)
    else:
        fast = fast_predicate(filename)
    if fast is not None:
        return fast(record)
    return bool(validator_for(filename).is_valid(record))


def compile_fast(schema: Any) -> Predicate:
    """A predicate equal to `jsonschema ... is_valid` for the keyword subset used here.

    The schema becomes Python source, one function per subschema, so that checking a valid
    record costs a few dictionary lookups and isinstance calls, not a walk of the schema.
    """
    builder = _Builder()
    entry = builder.function(schema)
    namespace: dict[str, Any] = dict(builder.constants)
    # The source is made above from our own schema files, never from user input.
    exec("\n".join([*builder.lines, *builder.tables]), namespace)
    predicate: Predicate = namespace[entry]
    return predicate


# isinstance tests per JSON type; bool is an int in Python but not a JSON number.
_TYPE_SOURCE = {
    "object": "isinstance(v, dict)",
    "array": "isinstance(v, list)",
    "string": "isinstance(v, str)",
    "boolean": "isinstance(v, bool)",
    "null": "v is None",
    "integer": "((isinstance(v, int) and not isinstance(v, bool))"
    " or (isinstance(v, float) and v.is_integer()))",
    "number": "(isinstance(v, (int, float)) and not isinstance(v, bool))",
}


class _Builder:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.tables: list[str] = []
        self.count = 0
        self.constants: dict[str, Any] = {"json_equal": json_equal}
        # Equal constants share a name, and equal bodies one function: the source compiled
        # at a check's start is shorter (identifiers checked alike are one function).
        self.named: dict[tuple[type, Any], str] = {}
        self.bodies: dict[str, str] = {}

    def constant(self, value: Any) -> str:
        try:
            return self.named[type(value), value]
        except KeyError:
            shared = True
        except TypeError:  # unhashable (a list of options): a name of its own
            shared = False
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        if shared:
            self.named[type(value), value] = name
        return name

    def _defined(self, name: str, body: str) -> str:
        """`name`, defined as `body`; or the function already defined so."""
        same = self.bodies.setdefault(body, name)
        if same == name:
            self.lines.append(f"def {name}(v):\n{body}")
        return same

    def function(self, schema: Any) -> str:
        self.count += 1
        name = f"_f{self.count}"
        if schema is True or schema is False:
            return self._defined(name, f"    return {schema}\n")
        if not isinstance(schema, dict):
            raise UnsupportedSchema(repr(schema))
        body: list[str] = []
        for keyword, value in schema.items():
            if keyword in ANNOTATIONS or keyword.startswith("x-"):
                continue
            body.extend(self._keyword(keyword, value, schema))
        return self._defined(name, "".join(body) + "    return True\n")

    def _keyword(self, keyword: str, value: Any, schema: dict[str, Any]) -> list[str]:
        if keyword == "type":
            names = [value] if isinstance(value, str) else list(value)
            if any(n not in _TYPE_SOURCE for n in names):
                raise UnsupportedSchema(f"type {value!r}")
            return [
                f"    if not ({' or '.join(_TYPE_SOURCE[n] for n in names)}):\n"
                "        return False\n"
            ]
        if keyword in ("enum", "const"):
            allowed = list(value) if keyword == "enum" else [value]
            if all(isinstance(o, str) for o in allowed):
                options = self.constant(frozenset(allowed))
                return [
                    f"    if not (isinstance(v, str) and v in {options}):\n        return False\n"
                ]
            options = self.constant(allowed)
            return [f"    if not any(json_equal(v, o) for o in {options}):\n        return False\n"]
        if keyword == "pattern":
            search = self.constant(re.compile(value).search)
            return [f"    if isinstance(v, str) and {search}(v) is None:\n        return False\n"]
        if keyword in ("minimum", "maximum"):
            op = "<" if keyword == "minimum" else ">"
            return [
                "    if isinstance(v, (int, float)) and not isinstance(v, bool)"
                f" and v {op} {value!r}:\n        return False\n"
            ]
        if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
            test = f"isinstance(v, {'str' if 'Length' in keyword else 'list'}) and len(v)"
            op = "<" if keyword[:3] == "min" else ">"
            return [f"    if {test} {op} {int(value)}:\n        return False\n"]
        if keyword == "items" and isinstance(value, dict):
            each = self.function(value)
            return [
                f"    if isinstance(v, list):\n        for x in v:\n"
                f"            if not {each}(x):\n                return False\n"
            ]
        if keyword == "required":
            keys = self.constant(tuple(value))
            return [
                f"    if isinstance(v, dict):\n        for k in {keys}:\n"
                "            if k not in v:\n                return False\n"
            ]
        if keyword == "properties" or (
            keyword == "additionalProperties" and "properties" not in schema
        ):
            return self._object(schema)
        if keyword == "additionalProperties":
            return []  # handled with properties
        raise UnsupportedSchema(keyword)

    def _object(self, schema: dict[str, Any]) -> list[str]:
        checks = {k: self.function(s) for k, s in schema.get("properties", {}).items()}
        table = f"_t{len(self.tables)}"
        # Defined after every function, so the names below already exist when it runs.
        items = ", ".join(f"{k!r}: {fn}" for k, fn in checks.items())
        self.tables.append(f"{table} = {{{items}}}\n")
        extra = schema.get("additionalProperties", True)
        extra_name = None if extra is True else self.function(extra)
        lines = [
            "    if isinstance(v, dict):\n",
            f"        get = {table}.get\n",
            "        for k, x in v.items():\n",
            "            check = get(k)\n",
            "            if check is None:\n",
        ]
        if extra_name is None:
            lines.append("                continue\n")
        else:
            lines.append(f"                check = {extra_name}\n")
        lines.append("            if not check(x):\n                return False\n")
        return lines


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, but 1 is 1.0; Python's == says True == 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return bool(a == b)
