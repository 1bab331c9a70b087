"""The fast path: decode and check a line's structure in one C call, for lines that are clean.

msgspec decodes a line straight into a Struct type generated from the document type's JSON
Schema, refusing anything the schema refuses (and, where the two differ, a little more).
A document type's fast check (in its rules module) then looks at what the rules would look
at, and vouches for the line only when no rule could fire. Every line it does not vouch
for goes through the full checks, which alone write messages. So the fast path can only
be faster, never different; tests/test_fastpath.py holds it to that on generated lines.

Only a subset of JSON Schema is translated. A schema outside it gets no fast path (None):
slower, still correct.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

#: What msgspec raises on a line it will not decode into the Struct.
DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
UNSET: Any = msgspec.UNSET


_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "examples", "default"}
)


class Unsupported(Exception):
    """The schema uses something the fast path does not translate."""


def struct_decoder(schema: dict[str, Any]) -> msgspec.json.Decoder[Any] | None:
    """A decoder into a Struct equivalent to (or stricter than) `schema`, or None."""
    try:
        struct = _struct(schema)
    except Unsupported:
        return None
    return msgspec.json.Decoder(struct)


def _struct(schema: dict[str, Any]) -> type[msgspec.Struct]:
    _only(schema, {"type", "required", "additionalProperties", "properties"})
    if schema.get("type") != "object":
        raise Unsupported("the top level must be an object")
    extra = schema.get("additionalProperties", True)
    if extra not in (True, False):
        raise Unsupported("additionalProperties must be true or false")
    required = set(schema.get("required", ()))
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, sub in schema.get("properties", {}).items():
        kind = _field_type(sub)
        if name in required:
            fields.append((name, kind))
        else:
            fields.append((name, kind | msgspec.UnsetType, UNSET))
    if required - set(schema.get("properties", {})):
        raise Unsupported("a required field without a property schema")
    # Required fields first: msgspec wants fields without defaults before the others.
    fields.sort(key=lambda f: len(f) == 3)
    return msgspec.defstruct(
        "FastCommand", fields, forbid_unknown_fields=extra is False, kw_only=True
    )


def _field_type(schema: Any) -> Any:
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    _only(schema, {"type", "enum", "pattern", "minLength", "maxLength", "x-mics-codes"})
    kind = schema.get("type")
    if "enum" in schema:
        values = schema["enum"]
        if kind != "string" or not all(isinstance(v, str) for v in values):
            raise Unsupported("only enums of strings")
        return Literal[tuple(values)]
    if kind == "string":
        meta = {}
        if "pattern" in schema:
            meta["pattern"] = schema["pattern"]
        if "minLength" in schema:
            meta["min_length"] = schema["minLength"]
        if "maxLength" in schema:
            meta["max_length"] = schema["maxLength"]
        return Annotated[str, msgspec.Meta(**meta)] if meta else str
    if {k for k in schema if k not in _ANNOTATIONS and not k.startswith("x-")} != {"type"}:
        raise Unsupported(f"keywords on a {kind}")
    if kind == "boolean":
        return bool
    if kind == "object":
        return dict[str, Any]
    raise Unsupported(f"type {kind!r}")


def _only(schema: dict[str, Any], allowed: set[str]) -> None:
    for keyword in schema:
        if keyword not in allowed and keyword not in _ANNOTATIONS and not keyword.startswith("x-"):
            raise Unsupported(keyword)
