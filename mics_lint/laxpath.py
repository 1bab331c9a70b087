"""Lines whose only fault is a key the schema does not know (`"forceReplace": true` on
every line of an export), kept off the full checks.

The fast decoder refuses a line with an unknown key (its Struct forbids them, as the schema
does). `LaxPath` decodes such a line again with the same Struct that lets unknown keys
pass, and has the type's fast check judge the rest: when it vouches (or names the one rule
that can fire, see registry.FastCheck), the line's diagnostics are the schema's findings
about its keys (MIC204, made by the code the full checks use, remembered by the record's
shape) and that rule's. Exact because, before the check runs (it may record the line's
user for MIC501, which the line must then keep):

- orjson parses the line, and every key it has beyond the schema's is written once and
  plainly (no backslash: no escaped spelling of a key to miss) (MIC103);
- no guard rule takes the record (guards.py: of another type, MIC207; of its type's
  wrong shape);
- the schema's findings about it are all MIC204: the decoder, made from the same schema,
  took every known field, so nothing else can be wrong with them (those findings are
  looked up by the record's keys, which is exact for a line the fast check then vouches
  for: its values pass, schema_errors.record_findings);

and the type declares that none of its record rules reads a key its schema does not name
(`DocType.fast_lax`: profiles; a deletion's MIC902 reads `hash` on a USER_AGENT line).
tests/test_fastpath.py, tests/test_fastpath_types.py and tests/test_lax_path.py hold it to
the full checks.

A line whose shape (its keys in order, the types of its unknown keys' values, and its
operation) was answered here before is told from that first line's diagnostics
(`LaxPath._template`, templates.py), when the fast check's verdict is the same: the
schema's findings are remembered by the keys, the one rule besides is declared decided by
them (Rule.by_keys), and so are the fix marks (below): only where each unknown key is
written, and the line's text, change. Such a line skips the schema's
findings, the rule and the stamping (an export's misspelt key on every line: issue 14's
target of three times a valid line's cost).

The fix marks of such a line (fixmarks.py) are remembered by its keys, in order: the fixer
the marks ask makes no edit of it, so proves none. Its known keys' values are valid (the
decoder took them: no MIC202 or MIC203 to fix); what is left are renames of its unknown
keys (MIC204) and trims of its identifiers (MIC307), unsafe fixes both, which the marks
count without an edit (tests/test_lax_path.py holds them unsafe). Whether a key would be
renamed depends on the record's other keys (the name it would take there already, taken by
another key, or of the other form) and on whether it would add an identifier
(renames.Renames), which reads an unknown key's value as a string unless it is an array or
an object: the marks are remembered by the keys and the types of the unknown keys' values
(a line's shape is both, with its operation). The known keys' values have their schema's
types: the decoder took them.

A line of the last shapes told so (`LaxPath.recent`: a few, as an export's lines differ
by their identifier) is read by each one's own decoder first (`_shaped`; `_again`), not
by orjson and the lax decoder: a Struct of the schema's fields for exactly the shape's
keys, each required and no other allowed, the one unknown key typed as the first line's
value (a boolean, a string, an integer). It takes a line with those keys and no other,
whose known values the lax decoder would take and whose unknown value has the shape's
type; the unknown key is written once (its spelling counted), the known ones are proved
once by the fast check, as on any line. Their order may differ from the first line's,
which changes nothing told with one unknown key: the schema's one MIC204 (whose message
names the line's own keys in the schema's order, unknown_keys.py), the guard rules and a
rule by keys read which keys a record has, and so does a rename's conflict with the other
keys. (Of several unknown keys, the order can decide which one a rename takes: no
decoder.) It also tells the fast check the bytes of the unknown key's member
(fastpath.UNREAD): a compact line is as long as its known members and that one, which
proves no known key written twice without counting each.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, Literal, NamedTuple

import orjson

from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.fastpath import attribute, made, struct_decoder
from mics_lint.framer import BACKSLASH, ended_body
from mics_lint.linecheck import LineChecker, finding_code
from mics_lint.parsed import Alike
from mics_lint.registry import FastCheck, LineContext, Rule
from mics_lint.rules.schema_errors import remembered
from mics_lint.rules.structure import UNKNOWN_FIELD, record_findings
from mics_lint.rules.tool_keys import json_net_type
from mics_lint.schema import OTHER_FORM_KEYS
from mics_lint.templates import Template, keyed, placed_spellings, stamped_placed, template_of

_UNKNOWN_ONLY = {UNKNOWN_FIELD.code}
# The JSON type of an unknown key's value, by its Python type, where a decoder of a shape
# types it exactly (a float field would take an integer too).
_TYPES = {bool: "boolean", str: "string", int: "integer"}
_TOOL, _TOOL_MARK = object, "\x00$type: a tool's"  # a shape's, its keys' (tool_keys.py)
# How many shapes' decoders a line tries (LaxPath.recent): an export's few shapes (by its
# identifier); a line of none of them costs a refused decode each.
_RECENT = 4


def _member_length(name: str, key: str, kind: type) -> Callable[[Any], int]:
    """The length of a command's member `key` (attribute `name`) of a value of type `kind`,
    written compactly with its comma: `"key":value,`. Never longer than it is written on a
    line without a backslash, where a string's text is as orjson writes it, and an integer's
    as str() writes it but for "-0" (shorter: the check then counts its keys)."""
    around = len(orjson.dumps(key)) + 2  # its colon and its comma (or the closing brace)
    value = attrgetter(name)
    if kind is bool:
        return lambda command: around + (4 if value(command) else 5)
    if kind is int:
        return lambda command: around + len(str(value(command)))
    return lambda command: around + len(orjson.dumps(value(command)))


class _Shaped(NamedTuple):
    """The decoder of one shape's lines (LaxPath._shaped): its keys in the order of its
    first line, its unknown key's value's type, its unknown key, plain and quoted, and
    its first line's text up to its second key (see `line`)."""

    decode: Callable[[bytes], Any]
    keys: tuple[str, ...]
    kind: type
    key: str
    spelling: bytes
    head: bytes


# A shape answered here: the fast check's verdict on its first line, the template of that
# line's diagnostics (None: none), its decoder (None: none), and the quoted known keys the
# template places the rule's diagnostics at (templates.keyed), to find once in a line.
_Known = tuple[bool | str, Template | None, _Shaped | None, tuple[bytes, ...]]


class LaxPath:
    """The second try of a line the fast decoders refused (see the module's docstring)."""

    def __init__(
        self,
        checker: LineChecker,
        decode: Callable[[bytes], Any],
        refused: tuple[type[Exception], ...],
    ) -> None:
        self.checker = checker
        self.decode = decode
        self.refused = refused
        self.known = frozenset(checker.schema.get("properties", {}))
        # Keys of the profile form not checked: unknown to the schema, but rules still read
        # them (a datamart's MIC251 reads a force_replace under "update_strategy" as a
        # replace), which the lax decoder's command leaves out.
        self.read_anyway = frozenset(checker.schema.get(OTHER_FORM_KEYS, {}))
        # Each key the schema does not know and its quoted spelling, by a record's keys
        # (none: none, or one a rule reads anyway).
        self.unknown: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[bytes, ...]]] = {}
        # Each shape answered here, (keys, operation): the fast check's verdict on its first
        # line, and the template of that line's diagnostics (`_template`; None: none).
        self.shapes: dict[tuple[Any, ...], _Known] = {}
        # The decoders of the last shapes answered from their templates, the last first
        # (`_again`).
        self.recent: list[_Shaped] = []
        # An unknown key of the last line read here, quoted (see `again`).
        self.last = b""

    def again(self, raw: bytes) -> bool:
        """Whether `raw` has the unknown key of the last line read here written in it: the
        line after one taken here tries this path first only then (an export repeats its
        mistake), and a clean line after an odd one is decoded at once, without orjson."""
        return raw.find(self.last) >= 0  # not `in`: see framer.BACKSLASH

    def line(
        self, raw: bytes, lineno: int, plain: bool, vouch: FastCheck
    ) -> list[Diagnostic] | None:
        """The line's diagnostics, or None: the full checks decide. `raw` ends with LF, or
        CRLF once MIC003 was reported, as every line the fast loop answers does."""
        if lineno == 1 or BACKSLASH in raw:  # line 1 may start with a BOM
            return None
        made = self._recent(raw, lineno, plain, vouch)
        if made is not None:
            return made
        # The keys first: a line that holds a key of the last one taken here tries this path
        # first (fastloop.py, `again`), and may well be clean, which they tell before a decode.
        body = ended_body(raw)  # LF, or CRLF after MIC003
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(record, dict):
            return None
        keys = tuple(record)
        unknown = self._keys_once(keys, raw)
        if unknown is None:
            return None
        try:
            command = self.decode(raw)
        except self.refused:
            return None
        checker = self.checker
        if checker.guard.guarded_by_keys(record, keys):
            return None
        kinds = (  # one unknown key, most often: no tuple made
            type(record[unknown[0]])
            if len(unknown) == 1
            else tuple([type(record[key]) for key in unknown])
        )
        tool = "$type" in unknown and json_net_type(record)
        memo = (*keys, _TOOL_MARK) if tool else keys  # MIC204's message reads its value
        shape = (keys, _TOOL if tool else kinds, command.operation)
        # Its diagnostics told from those of the shape's first line (`_template`), if the
        # fix marks are theirs, and the schema's findings remembered by the keys (all MIC204
        # for a shape answered here: only a value could make them other, and the check
        # refuses a value that fails): then the verdict may differ from the first line's,
        # and those findings be found after it.
        known = self.shapes.get(shape)
        quick = self._told(known, memo, lineno)
        found: list[tuple[str, Finding]] | None = []
        if not quick:
            found = self._findings(
                record, LineContext(lineno, body, checker.state, checker.show_values), memo
            )
            if found is None:
                return None
        verdict = vouch(command, raw, lineno, plain)
        if verdict is False:
            return None
        told = True if verdict is True else verdict.code  # a Rule's hash is its fields'
        if quick:
            assert known is not None and known[1] is not None
            if known[0] == told:
                made = stamped_placed(self.checker, known[1], known[3], body, lineno)
                if made is not None:
                    self._use(known[2])
                    return made
            found = self._findings(
                record, LineContext(lineno, body, checker.state, checker.show_values), memo
            )
        return self._stamp(
            found or [], verdict, record, shape, known is None, unknown, body, lineno
        )

    def _recent(
        self, raw: bytes, lineno: int, plain: bool, vouch: FastCheck
    ) -> list[Diagnostic] | None:
        """The line's diagnostics if one of the last shapes' decoders reads it (`_again`)."""
        for shaped in self.recent:
            # Its first line's text up to its second key: a line of another shape is
            # mostly told so, before a decode that fails (a microsecond, its error made).
            made = (
                self._again(shaped, raw, lineno, plain, vouch)
                if raw.startswith(shaped.head)
                else None
            )
            if made is not None:
                if shaped is not self.recent[0]:
                    self._use(shaped)
                return made
        return None

    def _stamp(
        self,
        found: list[tuple[str, Finding]],
        verdict: Literal[True] | Rule,
        record: dict[str, Any],
        shape: tuple[Any, ...],
        new: bool,
        unknown: tuple[str, ...],
        body: bytes,
        lineno: int,
    ) -> list[Diagnostic]:
        """The line's diagnostics, made by the full checks' stamp; a `new` shape's template
        remembered (`_template`), and its decoder (`_shaped`)."""
        checker = self.checker
        ctx = LineContext(lineno, body, checker.state, checker.show_values)
        rule = None if verdict is True else verdict
        # A template only of a line whose marks are its shape's (not one of a record split
        # over lines, marked as the record): asked before the marks are.
        alike = new and checker.fix_marks.alike_ok(lineno)
        made = checker.stamp_record(found, rule, record, ctx, Alike((record, shape)))
        if alike:
            if len(self.shapes) >= 1024:
                self.shapes.clear()
            template, placed = self._template(made, rule, unknown, ctx.text, record)
            shaped = None if template is None else self._shaped(shape, unknown, body)
            told = True if rule is None else rule.code
            self.shapes[shape] = (told, template, shaped, placed)
            self._use(shaped)
        return made

    def _use(self, shaped: _Shaped | None) -> None:
        """`shaped` tried first from the next line on (`recent`)."""
        recent = self.recent
        if shaped is None or (recent and recent[0] is shaped):
            return
        if shaped in recent:
            recent.remove(shaped)
        recent.insert(0, shaped)
        del recent[_RECENT:]

    def _again(
        self, shaped: _Shaped, raw: bytes, lineno: int, plain: bool, vouch: FastCheck
    ) -> list[Diagnostic] | None:
        """The line's diagnostics if it has the keys of the last shape answered from its
        template (`shaped`), and so that template's, else None (see the module's
        docstring, "A line of the last shapes")."""
        try:
            command = shaped.decode(raw)
        except self.refused:
            return None
        if raw.count(shaped.spelling) != 1:
            return None
        self.last = shaped.spelling
        keys, checker = shaped.keys, self.checker
        shape = (keys, shaped.kind, command.operation)
        known = self.shapes.get(shape)
        if not self._told(known, keys, lineno) or not checker.guard.clear_by_keys(keys):
            return None
        assert known is not None and known[1] is not None
        verdict = vouch(command, raw, lineno, plain)
        if verdict is False:
            return None
        body = ended_body(raw)  # LF, or CRLF after MIC003
        if known[0] == (True if verdict is True else verdict.code):
            made = stamped_placed(self.checker, known[1], known[3], body, lineno)
            if made is not None:
                return made
        try:  # its user recorded (MIC501): the line is answered here
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        ctx = LineContext(lineno, body, checker.state, checker.show_values)
        found = self._findings(record, ctx, keys)
        return self._stamp(found or [], verdict, record, shape, False, (shaped.key,), body, lineno)

    def _told(self, known: _Known | None, keys: tuple[str, ...], lineno: int) -> bool:
        """Whether a line of a shape answered before (`known`) may be told from its
        template, the fast check's verdict the same: the shape has one, the line's fix
        marks are its (parsed.Alike), and the schema's findings are remembered by `keys`."""
        checker = self.checker
        return (
            known is not None
            and known[1] is not None
            and checker.fix_marks.alike_ok(lineno)
            and (
                not checker.check_schema
                or remembered(checker.schema_file, keys, checker.show_values)
            )
        )

    def _shaped(
        self, shape: tuple[Any, ...], unknown: tuple[str, ...], body: bytes
    ) -> _Shaped | None:
        """The decoder of lines of exactly `shape`'s keys (each once, none other), with its
        one unknown key of its value's type: None for several unknown keys (see the
        module's docstring), or for a value or a key it cannot type."""
        keys, kind = shape[0], shape[1]
        if len(unknown) != 1 or kind not in _TYPES or unknown[0].startswith("_"):
            return None
        schema = self.checker.schema
        properties = {
            key: schema["properties"][key] if key in self.known else {"type": _TYPES[kind]}
            for key in keys
        }
        exact = {**schema, "properties": properties, "required": list(keys)}
        exact["additionalProperties"] = False
        # The known keys it lacks read UNSET, as on the lax decoder's commands: a line
        # with one is refused at that key. Its unknown key's member is the check's UNREAD.
        absent = tuple(attribute(key) for key in self.known if key not in keys)
        unread = property(_member_length(attribute(unknown[0]), unknown[0], kind))
        decoder = made(
            (self.checker.schema_file, "shape", keys, kind, unknown[0]),
            lambda: struct_decoder(exact, unset=absent, unread=unread),
        )
        if decoder is None:
            return None
        second = orjson.dumps(keys[1]) + b":"
        head = body[: body.find(second) + len(second)] if second in body else b""
        return _Shaped(decoder.decode, keys, kind, unknown[0], orjson.dumps(unknown[0]), head)

    def _findings(
        self, record: dict[str, Any], ctx: LineContext, keys: tuple[str, ...]
    ) -> list[tuple[str, Finding]] | None:
        """The schema's findings about the record, if they are all MIC204 (else None)."""
        checker = self.checker
        if not checker.check_schema:
            return []
        try:
            found = record_findings(checker.schema_file, record, checker.schema, ctx, keys)
        except RecursionError:
            return None
        # Not any(): a call a line (Python 3.11).
        return found if found and set(map(finding_code, found)) == _UNKNOWN_ONLY else None

    def _template(
        self,
        made: list[Diagnostic],
        rule: Rule | None,
        unknown: tuple[str, ...],
        text: str,
        record: dict[str, Any],
    ) -> tuple[Template | None, tuple[bytes, ...]]:
        """What each of `made` (a line's diagnostics) would be on any line of its shape that
        is answered here, or None if they cannot be told so; and the known keys it is at,
        quoted, which such a line must write once. Each is MIC204, at an unknown key, or
        `rule`'s, which declares its findings decided by the keys (Rule.by_keys), at the
        whole line or at a key the line writes once (MIC304's `"user_account_id"`:
        templates.keyed). Its message and fix are then the same on every such line; its
        column is where its key is written, `"key"`, which `_keys_once` found once in the
        line (a line here holds no backslash: no key spelt with an escape); it spans the
        whole line where it starts at column 1 (a key cannot: the line's `{` is there)."""
        codes = {UNKNOWN_FIELD.code}
        ruled: dict[int, str] = {}
        if rule is not None:
            if not rule.by_keys:
                return None, ()
            codes.add(rule.code)
            ruled = keyed(made, rule.code, text, record)
        # Each unknown key by the column it is written at: found once each.
        at_column = dict(ruled)
        for key in unknown:
            quoted = f'"{key}"'
            at_column[text.find(quoted) + 1] = quoted
        template = template_of(made, codes, text, at_column)
        return template, () if template is None else placed_spellings(template, ruled)

    def _keys_once(self, keys: tuple[str, ...], raw: bytes) -> tuple[str, ...] | None:
        """The keys the schema does not know of a record (of `keys`), if it has any and each
        is written once in the line (its quoted spelling found once: a key written twice, or
        also a string value, means the full checks); else None."""
        known = self.unknown.get(keys)
        if known is None:
            names = tuple(key for key in keys if key not in self.known)
            read = not self.read_anyway.isdisjoint(names)
            known = ((), ()) if read else (names, tuple(map(orjson.dumps, names)))
            if len(self.unknown) >= 1024:
                self.unknown.clear()
            self.unknown[keys] = known
        names, spellings = known
        if not names:
            return None
        for quoted in spellings:
            if raw.count(quoted) != 1:
                return None
        self.last = spellings[0]  # any of them will do for `again`
        return names
