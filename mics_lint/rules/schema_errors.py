"""MIC201-MIC205: jsonschema's errors on one record, translated into one-line findings that
say what to change.

Which code a failing keyword gets is the table `_CODE_BY_KEYWORD`, unless the schema maps
the keyword to another code with `x-mics-codes` in the same subschema; `x-mics-hints` adds
the schema's own advice to a message. The rules themselves are declared in structure.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mics_lint.schema import SchemaError as ValidationError

from mics_lint import schema as schemas
from mics_lint.diagnostic import Finding
from mics_lint.framer import BACKSLASH
from mics_lint.jsontext import json_type, shorten
from mics_lint.lazyre import compiled
from mics_lint.registry import LineContext, Record
from mics_lint.rules.structure import (
    EMPTY_VALUE,
    INVALID_VALUE,
    MISSING_FIELD,
    UNKNOWN_FIELD,
    WRONG_TYPE,
)
from mics_lint.rules.tool_keys import json_net_type, tool_key
from mics_lint.rules.type_messages import (
    identifier_needed,
    named_otherwise,
    type_message,
)
from mics_lint.rules.unknown_keys import other_form_message, tool_key_message, unknown_key_message
from mics_lint.schema import FORM_CHECKED, OTHER_FORM_KEYS
from mics_lint.suggest import did_you_mean, rename_to

_CODE_BY_KEYWORD = {
    "required": MISSING_FIELD.code,
    "type": WRONG_TYPE.code,
    "enum": INVALID_VALUE.code,
    "const": INVALID_VALUE.code,
    "additionalProperties": UNKNOWN_FIELD.code,
    "minLength": EMPTY_VALUE.code,
    "minimum": INVALID_VALUE.code,
}


def _code_for(error: ValidationError) -> str:
    return _code_in(error.schema, str(error.validator))


def _code_in(subschema: Any, keyword: str) -> str:
    """The code of a failed keyword: the subschema's own (`x-mics-codes`), or its family's."""
    overrides = subschema.get("x-mics-codes", {}) if isinstance(subschema, dict) else {}
    return str(overrides.get(keyword) or _CODE_BY_KEYWORD.get(keyword, WRONG_TYPE.code))


def top_level_type_finding(
    key: str, value: Any, subschema: dict[str, Any], ctx: LineContext
) -> tuple[str, Finding]:
    """(code, finding) for a top-level field whose value fails its subschema's `type`: what
    `schema_findings` makes of that jsonschema error, for a caller that knows it is the
    line's only one (loosepath.py), and skips jsonschema. The key may be
    written with escapes (when MIC103 is not selected, the fast check lets them through).

    Remembered by all it depends on, when the key occurs once in the line and the line has
    no backslash: the column where it starts, and its bytes up to just past its value (the
    value, as written; a nonzero integer right after its colon, by the key and the value,
    which its literal writes). (With a backslash, the key itself may be written with escapes, and
    the one plain occurrence be another key of that name, inside user_profile.) A file
    whose every line has this mistake repeats a few values at a few places (`1000` after
    `{"operation":"UPSERT","compartment_id":`).
    """
    raw = ctx.raw
    quoted = _QUOTED_KEYS.get(key)
    if quoted is None:
        quoted = _QUOTED_KEYS[key] = b'"' + key.encode() + b'"'
    start = raw.find(quoted)
    memo = None
    if start >= 0 and raw.find(quoted, start + 1) < 0 and BACKSLASH not in raw:
        at = start + len(quoted)
        # `"key":1000`, as an export writes it: an int's literal is its digits, bar -0 (the
        # decoder took it whole: no digit, point or exponent follows), no regex. `raw[at]`
        # is there: the one plain occurrence of the key, which the record has, is its key.
        if type(value) is int and value and raw[at] == 0x3A:
            written: Any = (quoted, value)
        else:
            after = _LITERAL_AFTER.match(raw, at)
            written = None if after is None else raw[start : after.end() + 1]
        if written is not None:
            head = raw[:start]
            column = start if head.isascii() else len(head.decode("utf-8", "replace"))
            memo = (column, written, ctx.show_values, id(subschema))
            made = _TYPE_FINDINGS.get(memo)
            if made is not None and made[2] is subschema:
                return made[0], made[1]
    message = _wrong_type(key, key, subschema, value, ctx, nested=False)
    # The loose path's only identifier (another would be MIC302): a null is to be given.
    needed = value is None and identifier_needed({key: value}, (key,))
    finding = ctx.at(key, _hinted(message, subschema, "type", value, needed))
    code = _code_in(subschema, "type")
    if memo is not None:
        if len(_TYPE_FINDINGS) >= 1024:
            _TYPE_FINDINGS.clear()
        _TYPE_FINDINGS[memo] = (code, finding, subschema)
    return code, finding


# (column, the key's bytes to just past its value, show_values, id(subschema)) -> (code,
# finding, the subschema): the subschema is held so that its id stays its own.
_TYPE_FINDINGS: dict[tuple[Any, ...], tuple[str, Finding, Any]] = {}
_QUOTED_KEYS: dict[str, bytes] = {}
# A key's colon and a scalar after it; the bytes matched, and one more, fix everything the
# message reads (number_after stops where the literal does).
_LITERAL_AFTER = compiled(rb"[ \t\r\n]*:[ \t\r\n]*(?:-?[0-9][0-9.eE+-]*|true|false|null)")


def _like_data(value: object) -> bool:
    """Whether a value given for a word of a list may be personal data: a string holding
    digits, an "@" or a space (the list's words are capitals and underscores)."""
    return isinstance(value, str) and any(c.isdigit() or c in "@ " for c in value)


def _wrong_type(
    path: str, top: str, subschema: Any, value: Any, ctx: LineContext, *, nested: bool
) -> str:
    hide = None if ctx.show_values else top
    # The value as written (a long id's digits) is found by its top-level key only.
    written = "" if nested else ctx.value_text(top)
    # A field that digits never fill (a UUID) is not told to quote them: its hint says more.
    quote = not subschema.get("x-mics-not-digits")
    allowed = subschema.get("enum")
    if isinstance(allowed, list) and allowed and all(isinstance(a, str) for a in allowed):
        # A word of a list ("operation": 1): quoted, the number would be none of them.
        shown = " or ".join(f'"{a}"' for a in allowed[:4]) + " or ..." * (len(allowed) > 4)
        one = "" if len(allowed) == 1 else "one of "
        return f"{path} must be {one}{shown}, not {json_type(value)}"
    return type_message(path, subschema["type"], value, written, hide, quote=quote)


def _where(error: ValidationError) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".") or "the command"


def schema_findings(
    errors: Iterable[ValidationError], record: Record, schema: dict[str, Any], ctx: LineContext
) -> Iterator[tuple[str, Finding]]:
    """(code, finding) for each jsonschema error of one record, one per fact.

    A field of the wrong type is reported once, as MIC202, even when other keywords
    (`enum`, `pattern`) fail on it too.
    """
    yield from _located(_described(errors, record, schema, ctx), ctx)


def record_findings(
    filename: str,
    record: Record,
    schema: dict[str, Any],
    ctx: LineContext,
    keys: tuple[str, ...] | None = None,
) -> list[tuple[str, Finding]]:
    """`schema_findings` of a record the schema `filename` (loaded as `schema`) refused.

    A misspelt or missing top-level key on every line (`forceReplace`) repeats one shape
    (schema.record_shape) whose errors are all such keys: their messages depend on the
    record's keys alone, which its shape holds, so they are remembered by it, and only
    where they point is found in each line. Any other error reads the values: described
    anew each line.

    `keys`: the record's keys in order, from a caller that answers the line only if each
    known key's value passes its subschema (laxpath.py): such errors are then looked up by
    the keys alone. A record whose values fail is never remembered by them.
    """
    if keys is not None:
        described = _DESCRIBED_BY_SHAPE.get((filename, keys, ctx.show_values))
        if described is not None:
            return _located(described, ctx)
    shape = schemas.record_shape(filename, record)
    if json_net_type(record):
        shape += (("$type", "a tool's", None),)  # MIC204's message reads its value
    key = (filename, shape, ctx.show_values)
    described = _DESCRIBED_BY_SHAPE.get(key)
    by_keys = described is not None  # errors that the record's keys alone decide
    if described is None:
        errors = schemas.errors(filename, record, shape)
        described = _described(errors, record, schema, ctx)
        by_keys = all(not e.absolute_path and e.validator in _BY_KEYS for e in errors)
        if by_keys:
            _remember(key, described)
    if keys is not None and by_keys and _passes(shape):
        _remember((filename, keys, ctx.show_values), described)
    return _located(described, ctx)


def remembered(filename: str, keys: tuple[str, ...], show_values: bool) -> bool:
    """Whether `record_findings` answers a record of these keys from memory, given `keys`
    (no validation: nothing it can raise)."""
    return (filename, keys, show_values) in _DESCRIBED_BY_SHAPE


def _remember(key: tuple[Any, ...], described: _Described) -> None:
    if len(_DESCRIBED_BY_SHAPE) >= 4096:
        _DESCRIBED_BY_SHAPE.clear()
    _DESCRIBED_BY_SHAPE[key] = described


def _passes(shape: tuple[Any, ...]) -> bool:
    """Whether every tested value of a record's shape passed its subschema."""
    return all(passed is None or passed is True for _, _, passed in shape)


# One error's messages: (path, code, is a type error, [(where, message), ...]), `where` a
# key or a path to point at (None: the whole line).
_Described = list[tuple[str, str, bool, list[tuple[Any, str]]]]
# Keywords whose top-level errors say only which keys the record has or lacks.
_BY_KEYS = frozenset({"required", "additionalProperties"})
_DESCRIBED_BY_SHAPE: dict[tuple[str, tuple[Any, ...], bool], _Described] = {}


def _described(
    errors: Iterable[ValidationError], record: Record, schema: dict[str, Any], ctx: LineContext
) -> _Described:
    known = _known_keys(schema)
    described: _Described = []
    for error in errors:
        path = _where(error)
        top = str(error.absolute_path[0]) if error.absolute_path else ""
        # Asked only where it changes the advice: a null (see _hinted).
        null = error.validator == "type" and error.instance is None
        required = null and (
            _required_here(error, schema, record.get("operation"))
            or identifier_needed(record, tuple(error.absolute_path))
        )
        messages = list(_describe(error, path, top, record, known, ctx, required))
        described.append((path, _code_for(error), error.validator == "type", messages))
    return described


def _located(described: _Described, ctx: LineContext) -> list[tuple[str, Finding]]:
    # A list: made whole before the caller adds any (a RecursionError adds none).
    wrong_type = {path for path, _, is_type, _ in described if is_type}
    seen: set[tuple[str, Finding]] = set()
    located = []
    for path, code, is_type, messages in described:
        if path in wrong_type and not is_type:
            continue
        for where, message in messages:
            finding = Finding(message) if where is None else ctx.at(where, message)
            # jsonschema raises `required` once per missing key, each listing them all.
            if (code, finding) in seen:
                continue
            seen.add((code, finding))
            located.append((code, finding))
    return located


_KNOWN: dict[int, tuple[dict[str, Any], tuple[str, ...]]] = {}


def _known_keys(schema: dict[str, Any]) -> tuple[str, ...]:
    """The keys a message may offer as known: made once per schema (every bad line asks)."""
    kept = _KNOWN.get(id(schema))
    if kept is None or kept[0] is not schema:  # the schema is held: its id stays its own
        properties = schema.get("properties", {})
        known = tuple(name for name, sub in properties.items() if not _mistake(sub))
        if len(_KNOWN) > 64:
            _KNOWN.clear()
        kept = _KNOWN[id(schema)] = (schema, known)
    return kept[1]


def _describe(
    error: ValidationError,
    path: str,
    top: str,
    record: Record,
    known: tuple[str, ...],
    ctx: LineContext,
    required: bool = False,
) -> Iterator[tuple[Any, str]]:
    """(where, message) for each fact of one error: see _Described. `required`: the key
    is one its object must have."""
    keyword = error.validator
    value = error.instance
    subschema: Any = error.schema
    for where, message in _describe_keyword(error, path, top, record, known, ctx):
        yield where, _hinted(message, subschema, str(keyword), value, required)


def _required_here(error: ValidationError, schema: dict[str, Any], operation: object) -> bool:
    """Whether the key a `type` error is about is in its object's `required`, or in its
    `x-mics-needed` for the line's `operation` (or `*`: any): a key a rule asks for
    (`$choice_ts` on an UPSERT, MIC804). A null there is to be given its value, not left out
    (`"operation": null`). The object's schema is found along the record's path
    (`properties`, `items`); one behind a `$ref` is not."""
    *steps, key = error.absolute_path or ("",)
    node: Any = schema
    for step in steps:
        node = (
            node.get("items" if isinstance(step, int) else "properties")
            if isinstance(node, dict)
            else None
        )
        if isinstance(node, dict) and not isinstance(step, int):
            node = node.get(step)
    if not isinstance(node, dict):
        return False
    needed = node.get("x-mics-needed", {})
    return key in node.get("required", ()) or any(
        key in needed.get(k, ()) for k in ("*", operation) if isinstance(k, str)
    )


def _mistake(subschema: Any) -> bool:
    """A key a schema lists only so that its own rule reports it (`x-mics-mistake`)."""
    return isinstance(subschema, dict) and bool(subschema.get("x-mics-mistake"))


def _hinted(message: str, subschema: Any, keyword: str, value: Any, required: bool = False) -> str:
    """The schema's own advice for this failure (`x-mics-hints`), added to the message;
    `required`: the key is one its object must have (see _required_here)."""
    hints = subschema.get("x-mics-hints", {}) if isinstance(subschema, dict) else {}
    hint = hints.get(keyword)
    if isinstance(hint, dict) and keyword == "type":  # per type found: {"type": {"null": ...}}
        hint = hint.get(json_type(value).rpartition(" ")[2])
    elif isinstance(hint, dict):  # per value: {"enum": {"UPSERT": "..."}}
        # Whatever its case: "update" is as far from UPSERT as "UPDATE" is.
        hint = hint.get(value, hint.get(value.upper())) if isinstance(value, str) else None
    if hint is None and keyword == "type" and value is None:
        # A dataframe's missing value (NaN written as null): no value to send under it.
        hint = "give its value" if required else "give its value, or leave the key out"
    if not isinstance(hint, str):
        return message
    return f"{message}: {hint}"


def _describe_keyword(
    error: ValidationError,
    path: str,
    top: str,
    record: Record,
    known: tuple[str, ...],
    ctx: LineContext,
) -> Iterator[tuple[Any, str]]:
    keyword = error.validator
    value = error.instance
    expected: Any = error.validator_value
    subschema: Any = error.schema
    # Where a nested failure is pointed at: its own key, or the element (an event, an
    # identifier); a top-level one at its key, as the search by key is cheaper.
    nested = tuple(error.absolute_path)
    at: str | tuple[str | int, ...] = nested if len(nested) > 1 else top
    if keyword == "required":
        for name in expected:
            if isinstance(value, dict) and name not in value:
                hint = _required_hint(name, value, subschema, bool(nested))
                if nested:  # an event, an identifier
                    yield nested, f'{path}: "{name}" is missing{hint}'
                else:
                    yield None, f'"{name}" is missing{hint}'
    elif keyword == "type":
        yield at, _wrong_type(path, top, subschema, value, ctx, nested=len(nested) > 1)
    elif keyword in ("enum", "const"):
        allowed = expected if keyword == "enum" else [expected]
        shown = " or ".join(shorten(a) for a in allowed)
        hint = did_you_mean(value, [str(a) for a in allowed]) if isinstance(value, str) else ""
        written = shorten(value, show_values=ctx.show_values)
        if not hint and not ctx.show_values and _like_data(value):
            # Near no word of the list, with digits: an export's shifted column, maybe an
            # id or a phone number (`"operation":"0612345678"`), cut as an id's value is.
            from mics_lint import redact

            written = redact.identifier(value)
        yield at, f"{path} is {written}, expected {shown}{hint}"
    elif keyword == "additionalProperties" and isinstance(value, dict):
        properties = subschema.get("properties", {})
        unknown = [key for key in value if key not in properties]
        # Dozens of unknown keys are not typos: no "did you mean" (difflib costs ~50 µs each).
        suggest = len(unknown) <= _MAX_SUGGESTED
        if error.absolute_path:  # a nested object (an association's identifier): its keys
            known = tuple(k for k, v in properties.items() if not _mistake(v))
        others = subschema.get(OTHER_FORM_KEYS, {})
        held = tuple(k for k in value if k in properties)  # a few: the message's cache key
        for key in unknown:
            if key in others:
                message = other_form_message(key, others[key], subschema.get(FORM_CHECKED))
            else:
                top_level = not error.absolute_path
                tool = tool_key(key, value[key]) if top_level else None
                message = (
                    tool_key_message(key, tool)
                    if tool is not None
                    else unknown_key_message(key, known, ctx.show_values, suggest, top_level, held)
                )
            if nested:
                yield (*nested, key), f"{path}: {message}"
            else:
                yield key, message
    elif keyword == "minimum":
        yield at, f"{path} is {shorten(value)}, expected {expected} or more"
    elif keyword == "minItems":
        needs = f": it needs {expected} item{'s' * (expected != 1)} or more"
        hints = error.schema.get("x-mics-hints", {}) if isinstance(error.schema, dict) else {}
        yield at, f"{path} is an empty list{'' if 'minItems' in hints else needs}"  # or its hint
    elif _code_for(error) == EMPTY_VALUE.code:
        removable = named_otherwise(record, nested)
        yield (
            at,
            f"{path} is empty: give the identifier's value{', or remove the field' * removable}",
        )
    else:
        yield at, f"{path}: {shorten(error.message, 120, ctx.show_values)}"


def _required_hint(name: str, found: dict[Any, Any], schema: Any, nested: bool) -> str:
    """What to do about a key the line (or the object `found`, an event...) must have: the
    key written otherwise there, to rename; else the schema's word on it (`x-mics-hints`'
    `required`), or the values its schema allows (a deletion's `type`)."""
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    # A key the schema knows is no misspelling of another (an activity's $type is not $ts).
    # Nor is an export tool's own key (Json.NET's `$type` naming a class) a deletion's `type`.
    renamable = [k for k in found if isinstance(k, str) and k not in properties]
    rename = rename_to(name, [k for k in renamable if tool_key(k, found[k]) is None])
    if rename is not None:
        return f": {rename}"
    hints = schema.get("x-mics-hints", {}).get("required", {}) if isinstance(schema, dict) else {}
    if isinstance(hints, dict) and isinstance(hints.get(name), str):
        return f": {hints[name]}"
    subschema = properties.get(name, {})
    allowed = subschema.get("enum", []) if isinstance(subschema, dict) else []
    if not allowed:
        return ""
    if len(allowed) > _MAX_LISTED:  # an activity's 14 $types
        some = " or ".join(shorten(a) for a in allowed[:2])
        shown = f"one of its {len(allowed)} values, such as {some}"
    else:
        shown = " or ".join(shorten(a) for a in allowed)
    return f': add "{name}": {shown}' if nested else f': every line needs "{name}": {shown}'


_MAX_LISTED = 5
_MAX_SUGGESTED = 32
