"""The fast path: decode and check a line's structure in one C call, for lines that are clean.

msgspec decodes a line straight into a Struct type generated from the document type's JSON
Schema, refusing anything the schema refuses (and, where the two differ, a little more),
with two exceptions left to the caller because msgspec does them slowly: a string's
`pattern` (listed in `FastDecoder.patterns`) and a free-form object, kept undecoded as
`msgspec.Raw` (listed in `FastDecoder.objects`: the caller checks that it is an object, and
that a line that is not ASCII is valid UTF-8, which msgspec does not check in what it
skips). Both are named by their JSON keys, a nested field as "outer.inner", a field of an
array's items as "name[].key". `FastDecoder.residual_ok` does both, generically; a document
type's fast check (in its rules module) may do them inline instead, then looks at what the
rules would look at, and vouches for the line only when no rule could fire. Every line it
does not vouch for goes through the full checks, which alone write messages. So the fast
path can only be faster, never different; tests/test_fastpath.py holds it to that on
generated lines.

Only a subset of JSON Schema is translated. A schema outside it gets no fast path (None):
slower, still correct.
"""

from __future__ import annotations

import operator
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Annotated, Any, Literal

import msgspec

from mics_lint.framer import is_utf8
from mics_lint.nestedkeys import structured_objects
from mics_lint.schema import ANNOTATIONS

#: What msgspec raises on a line it will not decode into the Struct.
DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
#: What a decoder raises for JSON that breaks its Struct (a type, an unknown key), where
#: another decoder of the same text may take it; anything else, none would.
INVALID = msgspec.ValidationError
#: How an INVALID starts for a key a closed Struct does not have: any decoder closed as
#: well refuses that text too.
UNKNOWN_KEY = "Object contains unknown field"
#: What a DecodeError says of a comma at the end of a value (`{"a": 1,}`) or after it
#: (`{"a": 1},`, "trailing characters"): fastloop.py takes the next lines with one straight
#: to the full checks. Another wording only makes them slower.
TRAILING = "malformed: trailing"
UNSET: Any = msgspec.UNSET
#: An attribute of every decoded command: how many bytes of its line are members its
#: fields leave out, each written once and compactly (`"key":value,`), which a check adds
#: to the compact length it sums (0; laxpath.py's decoder of a shape sets it).
UNREAD = "unread_bytes"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class Unsupported(Exception):
    """The schema uses something the fast path does not translate."""


@dataclass(frozen=True)
class FastDecoder:
    """Decodes a line into a Struct; with `residual_ok`, refuses all the schema refuses."""

    decode: Callable[[bytes], Any]
    #: String fields whose `pattern` the decoder does not check: name -> the pattern (a
    #: nested field as "outer.inner", with JSON names).
    patterns: dict[str, str]
    #: Object fields decoded as msgspec.Raw (the object's text, not checked as UTF-8).
    objects: tuple[str, ...]
    #: The top-level keys the Struct has (JSON names).
    keys: frozenset[str] = frozenset()
    #: The decoder refuses top-level keys outside `keys`, even where the schema allows them.
    closed: bool = False
    #: The length of a decoded command written as compact JSON, where that proves its line
    #: held each key once (see `compact_length`), else -1; None for a Struct where it never
    #: does.
    compact_length: Callable[[Any, bytearray], int] | None = None
    #: The nested objects whose keys the schema declares, with those keys (MIC103 inside
    #: them: nestedkeys.py), for the checks to count.
    nested: dict[tuple[str, ...], frozenset[str]] = dataclass_field(default_factory=dict)

    def residual_ok(self, command: Any, raw: bytes) -> bool:
        """The checks the decoder leaves out: patterns, objects, and UTF-8 of what it skips."""
        for name, pattern in self.patterns.items():
            for value in values_at(command, name):
                # Only strings: a pattern says nothing of a union's other members.
                if type(value) is str and re.search(pattern, value) is None:
                    return False
        for name in self.objects:
            for value in values_at(command, name):
                if memoryview(value)[0] != 0x7B:  # not "{"
                    return False
        return not self.objects or raw.isascii() or is_utf8(raw)


# Decoders made once per process, by what they are made from: a `--jobs` worker checks many
# chunks of one file, and each decoder is a new Struct class, whose making (about 0.2 ms)
# also empties the interpreter's caches of attribute lookups. Bounded: a process checking
# many files of many shapes starts afresh past it.
_MADE: dict[tuple[object, ...], FastDecoder | None] = {}
_MADE_MOST = 1024


def made(key: tuple[object, ...], make: Callable[[], FastDecoder | None]) -> FastDecoder | None:
    """The decoder `make` gives, made once per process for `key` (None: there is none)."""
    if key not in _MADE:
        if len(_MADE) >= _MADE_MOST:
            _MADE.clear()
        _MADE[key] = make()
    return _MADE[key]


def struct_decoder(
    schema: dict[str, Any],
    *,
    closed: bool = False,
    loose: frozenset[str] = frozenset(),
    unset: tuple[str, ...] = (),
    unread: Any = 0,
) -> FastDecoder | None:
    """A decoder into a Struct equivalent to `schema` with `residual_ok`, or None.

    `loose`: top-level fields taken with any value at all (their patterns still listed),
    for lines the strict decoder refused: see loosepath.py.

    `closed`: refuse top-level keys the schema does not name even where it allows them (a
    line with custom keys then takes the full checks): msgspec would skip them unseen, and
    a check could not tell a custom key written twice (MIC103).

    `unset`: attributes the Struct's commands have, always UNSET, besides its fields (keys
    another schema names, which a check reads: laxpath.py's decoder of a shape); and
    `unread`, the commands' UNREAD (0)."""
    patterns: dict[str, str] = {}
    objects: list[str] = []
    try:
        namespace = {UNREAD: unread, **dict.fromkeys(unset, UNSET)}
        struct = _struct(schema, patterns, objects, closed=closed, loose=loose, namespace=namespace)
    except Unsupported:
        return None
    keys = frozenset(schema.get("properties", {}))
    return FastDecoder(
        msgspec.json.Decoder(struct).decode,
        patterns,
        tuple(objects),
        keys,
        closed,
        compact_length(struct),
        structured_objects(schema),
    )


def compact_length(struct: type[msgspec.Struct]) -> Callable[[Any, bytearray], int] | None:
    """The length of a command `struct` decodes, written as compact JSON into the caller's
    buffer (one of its own: a check's, not shared across threads; a new bytes a line cost
    2.2k of an activity line's 46k instructions): for a line with
    no backslash, exactly the line's length (without its LF) only when the line is compact
    and holds each key once. -1 for a command with a float set; None for a Struct where
    the proof never holds.

    A line with no backslash has no escape in any string, so msgspec writes each string,
    key, enum value, boolean and integer of the decoded command as the line wrote it (it
    refuses an integer written with a fraction or an exponent; `-0` comes back as `0`,
    shorter), an object kept as Raw verbatim, and leaves out the fields the line did not
    have (their default is UNSET). Fields may come in another order, which leaves the
    length as it is. So the encoding is never longer than such a line, and shorter when the
    line has whitespace outside strings or a key twice (one occurrence's value is kept, the
    other's bytes are not written): a length equal to the line's is the proof that no key
    is repeated, with no counting. A float breaks it (`1e2` is written `100.0`, longer), as
    would a default other than UNSET (written though absent): a top-level float field
    makes the length -1 for a command that has it; any other, no length at all."""
    floats = []
    for field in msgspec.structs.fields(struct):
        if not _exact_default(field):
            return None
        if not _exact(field.type):
            if field.type != float | msgspec.UnsetType:
                return None
            floats.append(field.name)
    encode_into = msgspec.json.Encoder().encode_into
    # One call a line: each function below is the whole answer (a lambda calling `encoded`
    # was two Python calls, on every line of an activity file).
    if not floats:

        def encoded(command: Any, buffer: bytearray) -> int:
            encode_into(command, buffer)
            return len(buffer)

        return encoded
    get = operator.attrgetter(*floats)
    unset: Any = UNSET if len(floats) == 1 else (UNSET,) * len(floats)

    def without_floats(command: Any, buffer: bytearray) -> int:
        if get(command) != unset:
            return -1
        encode_into(command, buffer)
        return len(buffer)

    return without_floats


def keys_told(struct: type[msgspec.Struct]) -> Callable[[Any], tuple[bool, ...]] | None:
    """For a Struct that refuses keys it does not define and leaves each one a line lacks
    UNSET: which of its fields a decoded command has, in the Struct's order; so, which
    keys the line has (FastLoop._one_rule). None for any other Struct."""
    fields = msgspec.structs.fields(struct)
    if not struct.__struct_config__.forbid_unknown_fields or not all(map(_exact_default, fields)):
        return None
    values = operator.attrgetter(*[field.name for field in fields])
    if len(fields) == 1:
        return lambda command: (values(command) is not UNSET,)
    unset = (UNSET,) * len(fields)
    return lambda command: tuple(map(operator.is_not, values(command), unset))


def _exact_default(field: Any) -> bool:
    return (
        field.default is UNSET or field.default is msgspec.NODEFAULT
    ) and field.default_factory is msgspec.NODEFAULT


def _exact(kind: Any) -> bool:
    """Whether values of `kind` encode no longer than a compact line wrote them."""
    if kind in (str, bool, msgspec.Raw, msgspec.UnsetType):
        return True
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return all(
            _exact_default(field) and _exact(field.type) for field in msgspec.structs.fields(kind)
        )
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin is Annotated:
        return _exact(arguments[0])
    if origin is Literal:
        return all(type(value) is str for value in arguments)
    if origin in (list, types.UnionType, typing.Union):
        return all(_exact(argument) for argument in arguments)
    return kind is int  # not float, nor Any (a loose field)


def attribute(name: str) -> str:
    """The Struct attribute of a JSON key: `$processing_id` becomes `dollar_processing_id`."""
    return name.replace("$", "dollar_")


def values_at(command: Any, name: str) -> list[Any]:
    """The values a `patterns` or `objects` name points at in a decoded line (each item's
    for "name[].key"), leaving out those not set."""
    found = [command]
    for part in name.split("."):
        many = part.endswith("[]")
        field = attribute(part.removesuffix("[]"))
        found = [v for v in (getattr(item, field) for item in found) if v is not UNSET]
        if many:
            found = [item for items in found for item in items]
    return found


def _struct(
    schema: dict[str, Any],
    patterns: dict[str, str],
    objects: list[str],
    prefix: str = "",
    struct_name: str = "FastCommand",
    *,
    closed: bool = False,
    loose: frozenset[str] = frozenset(),
    namespace: dict[str, Any] | None = None,
) -> type[msgspec.Struct]:
    _only(schema, {"type", "required", "additionalProperties", "properties"})
    if schema.get("type") != "object":
        raise Unsupported("the top level must be an object")
    extra = schema.get("additionalProperties", True)
    if extra not in (True, False):
        raise Unsupported("additionalProperties must be true or false")
    required = set(schema.get("required", ()))
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    rename: dict[str, str] = {}
    for name, sub in schema.get("properties", {}).items():
        if not isinstance(sub, dict):
            raise Unsupported(repr(sub))
        items = sub.get("items")
        if sub.get("type") == "object" and "properties" in sub:
            if prefix:
                raise Unsupported("objects nested twice")
            kind: Any = _struct(sub, patterns, objects, f"{name}.", f"Fast_{attribute(name)}")
        elif sub.get("type") == "array" and isinstance(items, dict) and "properties" in items:
            if prefix or set(sub) - ANNOTATIONS - _extensions(sub) - {"minItems"} != {
                "type",
                "items",
            }:
                raise Unsupported("an array of objects inside an object, or with keywords")
            # Patterns of its items are named "name[].key": the type's check verifies them.
            item = _struct(items, patterns, objects, f"{name}[].", f"Fast_{attribute(name)}")
            kind = list[item]  # type: ignore[valid-type]
            if "minItems" in sub:  # msgspec counts items as jsonschema does: exact
                kind = Annotated[kind, msgspec.Meta(min_length=sub["minItems"])]
        else:
            kind = _field_type(sub)
        if name in loose:
            kind = Any
        if "pattern" in sub:
            patterns[prefix + name] = sub["pattern"]
        if kind is msgspec.Raw:
            # In a nested object or an array's items ("name[].key"), the type's check
            # verifies it is an object, as it does patterns (or residual_ok does).
            objects.append(prefix + name)
        field = attribute(name)
        if not field.isidentifier() or field in rename or field in (namespace or ()):
            raise Unsupported(f"key {name!r}")
        rename[field] = name
        if name in required:
            fields.append((field, kind))
        else:
            # Any takes no union: a field absent is still UNSET, its default.
            fields.append((field, kind if kind is Any else kind | msgspec.UnsetType, UNSET))
    if required - set(schema.get("properties", {})):
        raise Unsupported("a required field without a property schema")
    # Required fields first: msgspec wants fields without defaults before the others.
    fields.sort(key=lambda f: len(f) == 3)
    # gc=False: the fields are strings, numbers, booleans, Raw and Structs of those, so no
    # cycle can pass through one.
    return msgspec.defstruct(
        struct_name,
        fields,
        forbid_unknown_fields=extra is False or closed,
        kw_only=True,
        gc=False,
        rename=rename,
        namespace=namespace,
    )


def _field_type(schema: Any) -> Any:
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    _only(schema, {"type", "enum", "pattern", "minLength", "maxLength", "minimum"})
    kind = schema.get("type")
    if kind == "integer" and set(schema) - ANNOTATIONS <= {"type", "minimum"} | _extensions(schema):
        # Within 64 bits: a larger integer is MIC104's, which only the full checks report.
        # msgspec refuses 5.0, which jsonschema calls an integer: stricter, so still safe.
        low = schema.get("minimum", INT64_MIN)
        if not isinstance(low, int) or isinstance(low, bool):
            raise Unsupported("a minimum that is not an integer")
        return Annotated[int, msgspec.Meta(ge=max(low, INT64_MIN), le=INT64_MAX)]
    if kind == "number" and set(schema) - ANNOTATIONS <= {"type", "minimum"} | _extensions(schema):
        # msgspec reads an integer as a float too, as jsonschema calls it a number.
        low = schema.get("minimum")
        if low is None:
            return float
        if not isinstance(low, (int, float)) or isinstance(low, bool):
            raise Unsupported("a minimum that is not a number")
        return Annotated[float, msgspec.Meta(ge=low)]
    if "minimum" in schema:
        raise Unsupported(f"minimum on a {kind}")
    if isinstance(kind, list):
        # A plain union, such as a compartment_id given as a string or an integer; a
        # pattern (its strings') is left to the caller, as for a string field.
        if set(schema) - ANNOTATIONS - _extensions(schema) - {"pattern"} != {"type"}:
            raise Unsupported("keywords on a union of types")
        if "pattern" in schema and "string" not in kind:
            raise Unsupported("a pattern on a union without strings")
        simple = {"string": str, "boolean": bool}
        if any(k not in simple and k != "integer" for k in kind):
            raise Unsupported(f"type {kind!r}")
        bounded = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]
        members = [simple.get(k, bounded) for k in kind]
        union: Any = members[0]
        for member in members[1:]:
            union = union | member
        return union
    if "enum" in schema:
        values = schema["enum"]
        if kind != "string" or not all(isinstance(v, str) for v in values):
            raise Unsupported("only enums of strings")
        return Literal[tuple(values)]
    if kind == "string":
        if "minLength" in schema or "maxLength" in schema:
            # msgspec counts characters as jsonschema does (code points): exact.
            return Annotated[
                str,
                msgspec.Meta(
                    min_length=schema.get("minLength"), max_length=schema.get("maxLength")
                ),
            ]
        if "pattern" in schema:
            try:
                re.compile(schema["pattern"])
            except re.error:
                raise Unsupported("a pattern Python can't read") from None
        return str
    if {k for k in schema if k not in ANNOTATIONS and not k.startswith("x-")} != {"type"}:
        raise Unsupported(f"keywords on a {kind}")
    if kind == "boolean":
        return bool
    if kind == "number":
        # msgspec reads an integer as a float too, and refuses a boolean, as jsonschema
        # does; it refuses 1e400 (out of range), which jsonschema takes: stricter, so safe.
        return float
    if kind == "object":
        # Skipped, not decoded: three times faster, and the rules read only its first bytes.
        return msgspec.Raw
    raise Unsupported(f"type {kind!r}")


def plain_string(schema: Any) -> bool:
    """The decoder takes any string for a field of this schema (it may have a `pattern`,
    which the decoder leaves to its caller, but no length)."""
    try:
        return _field_type(schema) is str
    except Unsupported:
        return False


def _extensions(schema: dict[str, Any]) -> set[str]:
    return {k for k in schema if k.startswith("x-")}


def _only(schema: dict[str, Any], allowed: set[str]) -> None:
    for keyword in schema:
        if keyword not in allowed and keyword not in ANNOTATIONS and not keyword.startswith("x-"):
            raise Unsupported(keyword)
