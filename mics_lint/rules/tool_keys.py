"""Keys an export tool writes of its own on every record (MongoDB's `_id`, Json.NET's
`$type`...): neither a field of an import nor custom data. MIC204 says so (unknown_keys.py),
and a file's type is told without them (envelopes.commands_in, guards.looks_like). Kept
apart from unknown_keys.py, whose imports a clean file's check never needs (start-up)."""

from __future__ import annotations

from collections.abc import Mapping

# Keys an export tool writes of its own on every record: neither a field nor custom data.
_TOOL_KEYS = {
    "_id": "MongoDB's document id (mongoexport)",
    "_row": "R's row name (jsonlite's stream_out)",
    "__index_level_0__": "pandas' index, kept by pyarrow",
    "Unnamed: 0": "pandas' index column, read back from a CSV",
}
_JSON_NET_TYPE = "Json.NET's type name (TypeNameHandling: set it to None)"


def tool_key(key: str, value: object) -> str | None:
    """What an export tool's own key of a command is, or None: one of _TOOL_KEYS, or
    Json.NET's `$type` naming a .NET class ("Acme.Crm.ProfileCommand, Acme.Crm"), which is
    no activity's `$type` (those are words: TOUCH, SITE_VISIT)."""
    if key in _TOOL_KEYS:
        return _TOOL_KEYS[key]
    if key == "$type" and isinstance(value, str) and _dotnet_class(value):
        return _JSON_NET_TYPE
    return None


def _dotnet_class(value: str) -> bool:
    """A .NET type name, as Json.NET writes it: dotted, or with its assembly after a comma
    ("ProfileCommand, MyApp", a class of no namespace), no other space."""
    name, comma, _ = value.partition(", ")
    return bool("." in name or comma) and name[:1].isalpha() and " " not in name


def json_net_type(record: Mapping[str, object]) -> bool:
    """Whether the record's `$type` is Json.NET's (tool_key), not an activity's: what the
    findings remembered by a record's keys must tell apart (MIC204's message reads it)."""
    return "$type" in record and tool_key("$type", record["$type"]) is not None


def without_tool_keys(record: dict[str, object]) -> dict[str, object]:
    """The record without Json.NET's `$type` (tool_key): what its keys say of its type."""
    if json_net_type(record):
        return {k: v for k, v in record.items() if k != "$type"}
    return record
