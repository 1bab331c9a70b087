"""The full checks of one line, and the making of its diagnostics.

`LineChecker` holds what one file's lines share: its rule selection, its schema, MIC501's
users, and where the file stands (bytes read, whether MIC003 and MIC006 were reported). Its
`check_line` runs every check on one line (framing, parsing, the schema, the record and value
rules); `stamp` turns (code, finding) pairs into sorted diagnostics of the selected codes.
The fast path (fastloop.py) sends it every line it does not vouch for.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from mics_lint import framer
from mics_lint import schema as schemas
from mics_lint.config import ActiveRules, Settings
from mics_lint.diagnostic import Diagnostic, Finding, made
from mics_lint.doctypes import DocType, first_records
from mics_lint.guards import Guard
from mics_lint.jsontext import (
    duplicate_keys,
    known_exact_error,
    object_and_comma,
    parse_exact,
    path_text,
    unsafe_integers,
)
from mics_lint.longints import may_hold_long_int
from mics_lint.nestedkeys import record_repeats
from mics_lint.parsed import BROKEN, NOT_JSON, OBJECTS, TRAILING, UNPARSED
from mics_lint.registry import LineContext, Record, Rule, broken_value_rules
from mics_lint.rules import REGISTRY, deletions, operations, row_shapes, structure, syntax
from mics_lint.rules import framing as f
from mics_lint.rules.crossline import DUPLICATE_USER_STATE, Users
from mics_lint.rules.envelopes import OWN_STATE
from mics_lint.rules.identifiers import KEYS_STATE
from mics_lint.rules.operations import FILE_FORM_STATE, PROFILE_FORM_STATE
from mics_lint.rules.structure import record_findings
from mics_lint.splitrecords import Splitter
from mics_lint.startup import later
from mics_lint.userstore import BatchUsers

if TYPE_CHECKING:
    from mics_lint import redact
    from mics_lint.fixmarks import FixMarks  # with a line's first diagnostic only
else:  # imported at its first use: a message, a shown line (start-up, issue 14)
    redact = later("mics_lint.redact")

# Codes about the file as a whole: kept when a file's lines are summed up by MIC007 or MIC008.
FILE_LEVEL = frozenset({f.BYTE_ORDER_MARK.code, f.FILE_TOO_LARGE.code})
# What a broken line keeps of its other diagnostics: the file's, its CRLF and a missing final
# newline, which `--fix` mends there too (unreported, either would be a fix unannounced).
KEPT_ON_BROKEN = FILE_LEVEL | {f.CRLF_LINE_ENDINGS.code, f.MISSING_FINAL_NEWLINE.code}
# A line with one of these gets no other line-level diagnostic.
LINE_ENDING = frozenset(
    {f.INVALID_UTF8.code, f.LINE_TOO_LONG.code, syntax.INVALID_JSON.code, syntax.NOT_AN_OBJECT.code}
)
RECORD, BLANK, INVALID, TOO_LONG = "record", "blank", "invalid", "too long"  # what a line was

Found = list[tuple[str, Finding]]
finding_code = itemgetter(0)  # of a (code, finding) pair


class LineChecker:
    """The full checks of one file's lines (or one chunk's: see parallel.py)."""

    def __init__(
        self,
        path: str,
        settings: Settings,
        size: int | None,
        doc_type: DocType,
        *,
        size_reported: bool = False,
        users: Users | None = None,
        head: bytes = b"",
    ) -> None:
        self.path = path
        self.max_line = settings.max_line_bytes
        self.show_values = settings.show_values
        self.skip_rest: Callable[[bytes], tuple[int, int]] | None = None  # LineReader's
        active: ActiveRules = settings.rules_for(path)
        self.enabled = active.enabled
        self.severity = active.severity
        self.names: dict[str, str] = {}  # each code's rule name, as diagnostics are made
        datamart: dict[str, Any] = {}  # the MIC25x rules' state, with a datamart schema
        if settings.datamart_schemas:
            from mics_lint.datamart.attach import attach

            schema = settings.datamart_schema_for(path)
            doc_type = attach(doc_type, schema, self.enabled, datamart)
        # A profile file is checked against the form its settings name (a schema variant).
        self.schema_file = schemas.for_form(doc_type.schema_file, settings.profile_form)
        self.schema = schemas.load_schema(self.schema_file)
        self.rules = [r for r in doc_type.record_rules if r.code in self.enabled]
        self.checks = [(r.code, r.check) for r in self.rules if r.check is not None]
        self.value_rules = REGISTRY.value_rules(self.enabled)
        self.identifier_values = doc_type.identifier_values
        self.check_dups = syntax.DUPLICATE_KEY.code in self.enabled
        self.nested = record_repeats(self.schema) if self.check_dups else None
        self.check_ints = syntax.UNSAFE_INTEGER.code in self.enabled
        self.check_utf16 = f.UTF16_FILE.code in self.enabled
        self.check_schema = not self.enabled.isdisjoint(structure.schema_codes(self.schema))
        self.guard = Guard(doc_type, self.enabled)
        profiles = operations.FAMILY in doc_type.rule_sources  # a DELETE's nulls (MIC404)
        self.schema_view = operations.schema_view if profiles else None
        self.users: Users = users if users is not None else BatchUsers()
        self.state: dict[str, Any] = {
            DUPLICATE_USER_STATE: self.users,
            PROFILE_FORM_STATE: settings.profile_form,
            deletions.TYPES_STATE: deletions.types_of(self.schema),
            OWN_STATE: self.guard.own,  # MIC106 asks as its guard does
            KEYS_STATE: doc_type.keys,
            **datamart,
        }
        if settings.profile_form == "auto" and profiles:  # the file's form, from `head`
            self.state[FILE_FORM_STATE] = operations.form_of_file(first_records(head))
        # Where the file stands: what the next line's checks depend on.
        self.crlf_reported = False
        self.limit = settings.max_file_size
        self.size = size
        self.bytes_read = 0
        self.size_reported = size_reported
        self.quoted: dict[str, bytes] = {}
        self.doc_type = doc_type
        self.marks_made: FixMarks | None = None
        self.splitter: Splitter | None = None  # its reader's split records (FileLinter's)

    def runs(self, rule: Rule) -> bool:
        """Whether this file's lines are checked by `rule` (of its type, and selected)."""
        return any(r.code == rule.code for r in self.rules)

    def check_line(self, raw: bytes, lineno: int, over: bool) -> tuple[list[Diagnostic], str]:
        """The line's diagnostics, and what it was: RECORD, BLANK, INVALID or TOO_LONG."""
        found: Found = []
        size = self.oversized(raw)
        if size is not None:
            found.append((f.LINE_TOO_LONG.code, f.line_too_long(self.max_line, size)))
            if self.size is None:
                over = self.bytes_read > self.limit  # with the skipped rest counted
            self.report_size(over, found)
            return self.stamp(found, b"", lineno), TOO_LONG
        body = raw
        ended = body.endswith(b"\n")
        if ended:
            body = body[:-1]
        elif body[-1:] != b"\r":  # a CR alone ends it: MIC003's, which `--fix` makes LF
            found.append((f.MISSING_FINAL_NEWLINE.code, f.NO_FINAL_NEWLINE))
        if body.endswith(b"\r"):
            body = body[:-1]
            # Also a lone CR (`--fix` makes it LF); not a break in a split record's string.
            if not self.crlf_reported and not (self.splitter and self.splitter.in_string(lineno)):
                found.append((f.CRLF_LINE_ENDINGS.code, f.CRLF if ended else f.CR_ALONE))
        if lineno == 1 and body.startswith(f.BOM):
            body = body[3:]
            found.append((f.BYTE_ORDER_MARK.code, f.STARTS_WITH_BOM))
        self.report_size(over, found)
        exc = None
        braced = syntax.comma_before_brace(body) if body[-2:] == b",}" else None
        if braced is not None:  # `{...,}`: told by one parse, which the fixer is told of
            found.append((syntax.INVALID_JSON.code, Finding(*braced[1])))
            return self.stamp(found, body, lineno, braced[0], TRAILING), INVALID
        # Never JSON, orjson spared (its error is made in Python): a comma at the end, a blank.
        if body[-1:] != b"," and not framer.is_blank(body):
            try:
                record = orjson.loads(body)
            except orjson.JSONDecodeError as error:
                exc = error.with_traceback(None)  # which holds this frame: a cycle
            else:
                return self._checked(record, record, body, lineno, found)
        # `parsed`, the line's own parse, is handed to the fixer (RecordFixer.line); not a
        # misshapen item's record, which is the line without its comma.
        record = self.guard.item(body)
        if record is not None:
            return self._checked(record, UNPARSED, body, lineno, found)
        verdict, record, text = self._unparsed(body, exc, found)
        if verdict != RECORD:
            return self.stamp(found, body, lineno, text, record), verdict
        return self._checked(record, record, body, lineno, found)

    def _checked(
        self, record: Any, parsed: Any, body: bytes, lineno: int, found: Found
    ) -> tuple[list[Diagnostic], str]:
        """check_line's end for a line that is JSON (`parsed`, its own parse, see stamp)."""
        text = None
        if isinstance(record, dict):
            text = self._check_record(record, body, lineno, found)
        else:
            lost = isinstance(record, list) and self.guard.wrapper_lost(record)
            message = row_shapes.not_an_object(record, identifiers=lost)
            found.append((syntax.NOT_AN_OBJECT.code, Finding(message)))
        return self.stamp(found, body, lineno, text, parsed), RECORD

    def oversized(self, raw: bytes) -> int | None:
        """The length of a line over max-line-bytes (the rest of one the reader cut read past),
        or None for a line within it."""
        if len(raw) <= self.max_line:
            return None
        size = len(raw.removesuffix(b"\n").removesuffix(b"\r"))
        if size <= self.max_line:
            return None
        if raw[-1:] != b"\n" and self.skip_rest is not None:
            rest, ending = self.skip_rest(raw)
            size = len(raw) + rest - ending
            if not self.size_reported:
                self.bytes_read += rest
        return size

    def report_size(self, over: bool, found: Found) -> None:
        """MIC006, the first time the file is found over max-file-size."""
        if over and not self.size_reported:
            self.size_reported = True
            size, known = (self.bytes_read, False) if self.size is None else (self.size, True)
            found.append((f.FILE_TOO_LARGE.code, f.too_large(self.limit, size, known)))

    def _unparsed(
        self, body: bytes, exc: orjson.JSONDecodeError | None, found: Found
    ) -> tuple[str, Any, str | None]:
        """A line orjson rejects (`exc`, its error if it was asked): invalid UTF-8, blank,
        valid after all, or invalid JSON. With what it is, its record if it is one, else
        what the fixer is told of it (RecordFixer.line), and its text if it is UTF-8."""
        try:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as bad:
                found.append((f.INVALID_UTF8.code, f.invalid_utf8(body, bad.start)))
                return INVALID, NOT_JSON, None
            if not text.strip(framer.SPACE_TEXT):
                found.append((f.BLANK_LINE.code, f.BLANK))
                return BLANK, NOT_JSON, text
            if object_and_comma(body):
                # As a JSON array's items pasted as lines are: not JSON (nothing may follow a
                # value), and the first case of invalid_json_message, told without parsing the
                # line twice more; the fixer is told, not to parse it a third time.
                message, column = syntax.separated_by_commas(text)
                found.append((syntax.INVALID_JSON.code, Finding(message, column)))
                return INVALID, OBJECTS, text
            if exc is None:
                exc = orjson_error(body)
            exact: BaseException | None = known_exact_error(text, exc)
            if exact is None:
                try:
                    # orjson refuses some valid JSON (very deep nesting); the standard library
                    # decides.
                    return RECORD, parse_exact(text), text
                except (ValueError, RecursionError) as error:
                    exact = error
            message, column = syntax.invalid_json_message(
                text, char_pos(exc, text), exc.msg, self.show_values, exact, self.doc_type.name
            )
            found.append((syntax.INVALID_JSON.code, Finding(message, column)))
            # The fixer told that it would not split the line either: no third parse for a mark.
            return INVALID, BROKEN if syntax.not_objects(text, exact) else NOT_JSON, text
        finally:  # its traceback (its context's) holds this frame: a cycle (test_memory_cycles)
            exact = None

    def _check_record(self, record: Record, body: bytes, lineno: int, found: Found) -> str | None:
        """Adds the record's findings; returns the line's text if a check decoded it."""
        ctx = LineContext(lineno, body, self.state, self.show_values)
        guard = self.guard  # its tests asked only where they run (every bad line asks)
        others = guard.other(record) if guard.other_type else ()
        if others:  # of another type: its own checks would only add noise
            keys = [k for k in record if k in others[0].markers]
            message = structure.other_type_message(others, keys, self.doc_type.name)
            found.append((structure.OTHER_DOCUMENT_TYPE.code, ctx.at(keys[0], message)))
            return ctx.decoded
        rule = guard.misshapen_rule(record) if guard.shapes else None
        if rule is not None:
            # Its fields are misplaced, not unknown: one finding says so (see DocType).
            assert rule.check is not None
            found.extend((rule.code, finding) for finding in rule.check(record, ctx))
            return ctx.decoded
        if self.check_dups and self._may_repeat_keys(record, body):
            for key, start, end in duplicate_keys(ctx.text):
                message = syntax.duplicate_key_message(key, self.show_values)
                found.append((syntax.DUPLICATE_KEY.code, Finding(message, start + 1, end + 1)))
        if self.nested is not None:  # keys inside a choice's, an event's... (nestedkeys.py)
            for path in self.nested(record, body, ctx.text):
                shown = self.show_values
                message = syntax.duplicate_key_message(str(path[-1]), shown, path_text(path[:-1]))
                found.append((syntax.DUPLICATE_KEY.code, ctx.at(path, message)))
        if self.check_ints and may_hold_long_int(body):
            for path, literal in unsafe_integers(ctx.text):
                message = syntax.unsafe_integer_message(
                    path, literal, self.show_values, self.schema
                )
                found.append((syntax.UNSAFE_INTEGER.code, ctx.at(path or "", message)))
        view = self.schema_view(record, ctx) if self.schema_view is not None else record
        if self.check_schema and not schemas.is_valid(self.schema_file, view):
            with contextlib.suppress(RecursionError):  # nested ~1,000 deep: jsonschema's repr
                found.extend(record_findings(self.schema_file, view, self.schema, ctx))
        for code, check in self.checks:
            for finding in check(record, ctx):
                found.append((code, finding))
        if self.value_rules:
            self._check_values(record, ctx, found)
        return ctx.decoded

    def _check_values(self, record: Record, ctx: LineContext, found: Found) -> None:
        """The value rules, on each identifier value the type's field map finds."""
        for rule, (path, where, _, value) in broken_value_rules(
            self.value_rules, self.identifier_values, record
        ):
            message = rule.message(where, value, self.show_values)  # type: ignore[misc]
            found.append((rule.code, ctx.at(path, message)))

    def _may_repeat_keys(self, record: Record, body: bytes) -> bool:
        # Cheap test: a key whose quoted spelling occurs once in the line occurs once as a
        # key. One written with \u escapes ("force\u005freplace") is not found so: the
        # tokenizer decides, and at once for many keys (a search each would be quadratic).
        if len(record) > 32 or body.find(b"\\u") >= 0:
            return True
        for key in record:
            quoted = self.quoted.get(key)
            if quoted is None:
                quoted = b'"' + key.encode("utf-8", "surrogatepass") + b'"'
                if len(self.quoted) < 1024:
                    self.quoted[key] = quoted
            if body.count(quoted) != 1:
                return True
        return False

    def stamp(
        self,
        found: Found,
        body: bytes,
        lineno: int,
        text: str | None = None,
        parsed: Any = UNPARSED,
    ) -> list[Diagnostic]:
        """The line's diagnostics, sorted and marked with their fixes. `text`: `body` decoded,
        if a check did; `parsed`, what parsing it gave (see RecordFixer.line)."""
        if not found:
            return []
        if text is None:
            text = body.decode("utf-8", "replace")  # decode_lenient, a call less
        width = len(text) + 1
        # Fixes first: each diagnostic made once; asked even for none, for the fixer's state.
        enabled = self.enabled
        if len(found) == 1:  # most bad lines: nothing to filter, sort or set apart
            code, finding = found[0]
            self.crlf_reported = self.crlf_reported or code == f.CRLF_LINE_ENDINGS.code
            shown = [code] if code in enabled else []
            fixes = self.fix_marks.fixes(shown, body, lineno, parsed, text)
            one = self.diagnostic(code, finding, lineno, width, text, fixes[0] if fixes else None)
            return [] if one is None else [one]
        codes = set(map(finding_code, found))  # not a comprehension: a call a line (Python 3.11)
        if codes & LINE_ENDING:
            found = [(c, x) for c, x in found if c in LINE_ENDING or c in KEPT_ON_BROKEN]
        self.crlf_reported = self.crlf_reported or f.CRLF_LINE_ENDINGS.code in codes
        kept = [(code, finding) for code, finding in found if code in enabled]
        if len(kept) > 1:
            kept.sort(key=_shown_order)
        # `kept`, for the columns: which of a line's MIC202s the fixer mends.
        fixes = self.fix_marks.fixes(
            list(map(finding_code, kept)), body, lineno, parsed, text, kept
        )
        made = []
        # --fix keeps a blank first line whose BOM it keeps (MIC002 not selected): fix.py
        kept_bom = lineno == 1 and f.BYTE_ORDER_MARK.code in codes - enabled
        for (code, finding), fix in zip(kept, fixes, strict=True):
            unfixed = kept_bom and code == f.BLANK_LINE.code
            one = self.diagnostic(code, finding, lineno, width, text, None if unfixed else fix)
            assert one is not None  # kept: its code is enabled
            made.append(one)
        return made

    def stamp_record(
        self, found: Found, rule: Rule | None, record: Record, ctx: LineContext, told: Any = None
    ) -> list[Diagnostic]:
        """A parsed line's `found`, with the findings of `rule`, which a fast check named as
        the one rule that can fire on it besides (registry.FastCheck), stamped; `told`, what
        to tell the fix marks of the parse if not `record` (parsed.Alike)."""
        if rule is not None:
            assert rule.check is not None, f"{rule.code} has no record check"
            found, code = [*found], rule.code
            for finding in rule.check(record, ctx):  # not a generator: a call a line
                found.append((code, finding))
        return self.stamp(found, ctx.raw, ctx.lineno, ctx.decoded, record if told is None else told)

    @property
    def fix_marks(self) -> FixMarks:
        """What --fix would do about a line's diagnostics: made on a file's first of them."""
        if self.marks_made is None:
            from mics_lint.fixmarks import FixMarks

            self.marks_made = FixMarks(
                self.schema, self.enabled, self.identifier_values, self.splitter, self.guard
            )
        return self.marks_made

    @staticmethod
    def ordered(made: Sequence[Diagnostic | None]) -> list[Diagnostic]:
        if len(made) == 1:  # most bad lines have one problem
            return [] if made[0] is None else [made[0]]
        return sorted((d for d in made if d is not None), key=Diagnostic.sort_key)

    def diagnostic(
        self,
        code: str,
        finding: Finding,
        lineno: int,
        width: int,
        source: str | None = None,
        fix: str | None = None,
    ) -> Diagnostic | None:
        if code not in self.enabled:
            return None
        name = self.names.get(code)
        if name is None:
            name = self.names[code] = REGISTRY[code].name
        message, column, end = finding
        if not column:  # the whole line
            column, end = 1, end or max(width, 1)
        elif not end:
            end = column + 1
        if "@" in message and not self.show_values:  # mask_emails's own test, a call less
            message = redact.mask_emails(message)
        path, severity, doc = self.path, self.severity[code], self.doc_type.name
        return made(
            path, lineno, column, lineno, end, code, name, severity, message, source, doc, fix
        )


def _shown_order(found: tuple[str, Finding]) -> tuple[int, str]:
    """Diagnostic.sort_key of a finding of the line (its column as `diagnostic` makes it)."""
    code, finding = found
    return finding.column or 1, code


def char_pos(exc: orjson.JSONDecodeError, text: str) -> int:
    pos: int = exc.pos  # within the line, but checked: a column past it is no help
    return pos if 0 <= pos <= len(text) else max(0, min(int(pos), len(text)))


def orjson_error(body: bytes) -> orjson.JSONDecodeError:
    """orjson's error for `body`, a line it does not take."""
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        return exc.with_traceback(None)  # which holds its caller's frame: a cycle
    raise AssertionError("orjson takes the line")
