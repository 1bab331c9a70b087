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

A line whose shape (its keys in order, and its operation) was answered here before is
told from that first line's diagnostics (`LaxPath._template`), when the fast check's verdict
is the same: the schema's findings are remembered by the keys, the one rule besides is
declared decided by them (Rule.by_keys), and so are the fix marks (below): only where each
unknown key is written, and the line's text, change. Such a line skips the schema's
findings, the rule and the stamping (an export's misspelt key on every line: issue 14's
target of three times a valid line's cost).

The fix marks of such a line (fixmarks.py) are remembered by its keys, in order: the fixer
the marks ask makes no edit of it, so proves none. Its known keys' values are valid (the
decoder took them: no MIC202 or MIC203 to fix); what is left are renames of its unknown
keys (MIC204) and trims of its identifiers (MIC307), unsafe fixes both, which the marks
count without an edit (tests/test_lax_path.py holds them unsafe). Whether a key would be
renamed depends on the record's other keys alone (the name it would take there already,
taken by another key, or of the other form), never on a value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from mics_lint import diagnostic
from mics_lint.diagnostic import Diagnostic, Finding, Severity
from mics_lint.framer import BACKSLASH, split_ending
from mics_lint.linecheck import LineChecker, finding_code
from mics_lint.parsed import Alike
from mics_lint.registry import FastCheck, LineContext, Rule
from mics_lint.rules.schema_errors import remembered
from mics_lint.rules.structure import UNKNOWN_FIELD, record_findings
from mics_lint.schema import OTHER_FORM_KEYS

_UNKNOWN_ONLY = {UNKNOWN_FIELD.code}
# One diagnostic of a shape: (code, name, severity, message), fix, and the quoted key it is
# at (None: the whole line).
_Template = tuple[tuple[tuple[str, str, Severity, str], str | None, str | None], ...]
_UNSEEN: Any = object()


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
        # The quoted spelling of each key the schema does not know, by a record's keys
        # (none: none, or one a rule reads anyway).
        self.unknown: dict[tuple[str, ...], tuple[bytes, ...]] = {}
        # Each shape answered here, (keys, operation): the fast check's verdict on its first
        # line, and the template of that line's diagnostics (`_template`; None: none).
        self.shapes: dict[tuple[Any, ...], tuple[bool | str, _Template | None]] = {}
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
        """The line's diagnostics, or None: the full checks decide."""
        if lineno == 1 or BACKSLASH in raw:  # line 1 may start with a BOM
            return None
        # The keys first: a line that holds a key of the last one taken here tries this path
        # first (fastloop.py, `again`), and may well be clean, which they tell before a decode.
        body = split_ending(raw)[0]
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(record, dict):
            return None
        keys = tuple(record)
        if not self._keys_once(keys, raw):
            return None
        try:
            command = self.decode(raw)
        except self.refused:
            return None
        checker = self.checker
        if checker.guard.guarded_by_keys(record, keys):
            return None
        # The schema's findings for these keys were all MIC204 (then only a value can make
        # them other, and the check below refuses a value that fails): as they are again.
        shape = (keys, command.operation)
        # Its diagnostics told from those of the shape's first line (`_template`), if the
        # fix marks are theirs, and the schema's findings remembered by the keys: then the
        # verdict may differ from the first line's, and those findings be found after it.
        known = self.shapes.get(shape)
        marks = checker.fix_marks
        quick = (
            known is not None
            and known[1] is not None
            and marks.alike_ok(lineno)
            and (
                not checker.check_schema
                or remembered(checker.schema_file, keys, checker.show_values)
            )
        )
        found: list[tuple[str, Finding]] | None = []
        if not quick:
            found = self._findings(
                record, LineContext(lineno, body, checker.state, checker.show_values), keys
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
                return self._stamped(known[1], body, lineno)
            found = self._findings(
                record, LineContext(lineno, body, checker.state, checker.show_values), keys
            )
        ctx = LineContext(lineno, body, checker.state, checker.show_values)
        rule = None if verdict is True else verdict
        made = checker.stamp_record(found or [], rule, record, ctx, Alike((record, keys)))
        if known is None:
            if len(self.shapes) >= 1024:
                self.shapes.clear()
            self.shapes[shape] = (told, self._template(made, rule, record, ctx.text))
        return made

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

    def _stamped(self, template: _Template, body: bytes, lineno: int) -> list[Diagnostic]:
        """`template`'s diagnostics on line `lineno` (its text `body`)."""
        text = body.decode("utf-8", "replace")  # as LineChecker.stamp decodes it
        width = len(text) + 1
        path, kind = self.checker.path, self.checker.doc_type.name
        made = []
        for what, fix, quoted in template:  # what: code, name, severity, message
            if quoted is None:
                column, end = 1, width
            else:
                column = text.find(quoted) + 1
                end = column + len(quoted)
            made.append(diagnostic.made(path, lineno, column, lineno, end, *what, text, kind, fix))
        return made

    def _template(
        self, made: list[Diagnostic], rule: Rule | None, record: dict[str, Any], text: str
    ) -> _Template | None:
        """What each of `made` (a line's diagnostics) would be on any line of its shape that
        is answered here, or None if they cannot be told so. Each is MIC204, at an unknown
        key, or `rule`'s, which declares its findings decided by the keys (Rule.by_keys), at
        the whole line. Its message, fix and place in the order are then the same on every
        such line (its place: the whole line's first, then its unknown keys' in order); its
        column is where its key is written, `"key"`, which `_keys_once` found once in the
        line; and it spans the whole line where it starts at column 1 (a key cannot: the
        line's `{` is there)."""
        codes = {UNKNOWN_FIELD.code}
        if rule is not None:
            if not rule.by_keys:
                return None
            codes.add(rule.code)
        width = len(text) + 1
        quoted = [f'"{key}"' for key in record.keys() - self.known]
        template = []
        for one in made:
            if one.code not in codes or one.line != one.end_line or one.source != text:
                return None
            if one.column == 1 and one.end_column == width:
                at = None
            else:
                at = next((q for q in quoted if text.find(q) + 1 == one.column), None)
                if at is None or one.end_column != one.column + len(at):
                    return None
            template.append(((one.code, one.name, one.severity, one.message), one.fix, at))
        return tuple(template)

    def _keys_once(self, keys: tuple[str, ...], raw: bytes) -> bool:
        """Whether the record (of `keys`) has a key the schema does not know, and each is
        written once in the line (its quoted spelling found once: a key written twice, or
        also a string value, means the full checks)."""
        quoted = self.unknown.get(keys)
        if quoted is None:
            unknown = [key for key in keys if key not in self.known]
            read = not self.read_anyway.isdisjoint(unknown)
            quoted = () if read else tuple(map(orjson.dumps, unknown))
            if len(self.unknown) >= 1024:
                self.unknown.clear()
            self.unknown[keys] = quoted
        if not quoted:
            return False
        for one in quoted:
            if raw.count(one) != 1:
                return False
        self.last = quoted[0]  # any of them will do for `again`
        return True
