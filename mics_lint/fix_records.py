"""The record fixes of `--fix`: what it rewrites inside a line's text.

MIC101 (records joined by commas, or several on a line, one per line) and MIC102 (an array
of commands on one line, one per line) here, each record's own fixes (MIC202, MIC203,
MIC204, MIC307) in fix_plans.py, and the compact rewrite of MIC007's records. fix.py
decides which lines these apply to; this module only turns a line's text into its fixed
lines.

Proof, not hope: a record is rewritten only as the text it was, with whitespace outside
strings removed or with the one token a fix changes, so big numbers, escapes and unicode
keep their exact text. A compacted text is parsed again and must equal the value expected
(same keys in the same order, same values of the same types); a fix's edits are proven
where they are (fix_edits.py). Otherwise the record is left as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from mics_lint.fix_edits import (
    Span,
    Spans,
    encoded_object,
    is_shallow,
    object_spans,
    objects,
    proven_objects,
    untrailed,
)
from mics_lint.fix_plans import RecordPlanner
from mics_lint.framer import BOM, commas_alone, is_blank
from mics_lint.jsontext import parse_exact
from mics_lint.parsed import BROKEN, NOT_JSON, OBJECTS, TRAILING, UNPARSED, Retyped
from mics_lint.rules import syntax

INVALID = syntax.INVALID_JSON.code


class RecordFixer(RecordPlanner):
    """Fixes the records of one file's lines for its schema and rule selection, counting
    the fixes applied in `fixed` and the unsafe ones found but not applied in `hidden`."""

    # -- a line --------------------------------------------------------------------------

    def line(
        self, body: bytes, parsed: Any = UNPARSED, text: str | None = None, *, rewrite: bool = True
    ) -> list[bytes] | None:
        """The line's records, fixed; None when nothing in it changes.

        The linter, which parsed the line already, may say what it found (fixmarks.py's
        marks then parse nothing again): `parsed`, what orjson or the exact parser gives,
        NOT_JSON when neither takes it, OBJECTS (objects and commas), BROKEN (`objects`
        would refuse it), or Retyped (its only findings MIC202s); `text`, `body` decoded.
        Without `rewrite`, the fixes are counted, not made (None): what the marks need."""
        bom = body[:3] == BOM and INVALID in self.fixing
        if bom and not self.broken:
            # A BOM inside the file, where files were joined (`cat`): dropped, with the rest
            # of the line's MIC101 (one diagnostic, one fix). Not after a broken line, as
            # `_split` splits none: it may be the inside of a value spread over lines.
            fixed, hidden = self.fixed, self.hidden
            if is_blank(body.replace(BOM, b"")):  # the joined file was empty: no record
                fixed[INVALID] += 1
                return [] if rewrite else None
            counts = dict(fixed), dict(hidden)
            made = self.line(body[3:], rewrite=rewrite)
            # What the rest of the line needed (an array's MIC102, an id's MIC202) is told
            # by the check as this one MIC101: counted so.
            for kept, before in zip((fixed, hidden), counts, strict=True):
                for code in [c for c in kept if kept[c] != before.get(c, 0)]:
                    kept[code] = before.get(code, 0)
            fixed[INVALID] += 1
            return made if made is not None or not rewrite else [body[3:]]
        if type(parsed) is Retyped and not rewrite:
            for code, count in self.retyped(body, text, parsed).items():
                self.fixed[code] += count
            return None
        record = parsed
        if record is UNPARSED or type(record) is Retyped:
            try:
                record = orjson.loads(body)
            except orjson.JSONDecodeError:
                try:
                    text = body.decode("utf-8")
                    record = parse_exact(text)
                except (UnicodeDecodeError, ValueError, RecursionError):
                    record = NOT_JSON
        if record is NOT_JSON or record is OBJECTS or record is BROKEN or record is TRAILING:
            return self._split(body, rewrite, record)
        self.broken = False
        if type(record) is str and syntax.NOT_AN_OBJECT.code in self.fixing:
            # MIC102: an object encoded twice, as its text with its own fixes (the marks
            # count MIC102's alone, as `_array`'s); not an association's bare identifier.
            inner = encoded_object(record)
            if inner is not None and not (self.guard and self.guard.wrapper_lost([inner[1]])):
                self.fixed[syntax.NOT_AN_OBJECT.code] += 1
                return self._pieces(inner[0], [(inner[1], 0, len(inner[0]))]) if rewrite else None
        if not isinstance(record, dict):
            return self._array(body, record, text, rewrite) if type(record) is list else None
        if text is None:
            text = body.decode("utf-8")
        edits = self.plan(text, record, is_shallow(body))
        if edits is None or not rewrite:
            return None
        return [edits.apply(text).encode("utf-8")]

    def _split(self, body: bytes, rewrite: bool, told: object = NOT_JSON) -> list[bytes] | None:
        """MIC101: records joined by commas, or several on a line, one per line; else its
        trailing commas removed (`_untrailed`). Not after a broken line: this one may be the
        inside of a value spread over lines (`{"x":1},` in an array). `told`, what the
        linter found the line (parsed.py): NOT_JSON; OBJECTS, objects and commas; BROKEN or
        TRAILING, which `objects` would refuse. A record of the type's wrong shape and its
        comma (an association's bare identifier) is left whole."""
        if self.guard is not None and self.guard.item(body) is not None:
            self.broken = False  # a record, which its rule (MIC908) reports
            return None
        after_broken, self.broken = self.broken, True
        if syntax.INVALID_JSON.code not in self.fixing or after_broken:
            return None
        alone = told is not TRAILING and commas_alone(body)
        if alone or (told is TRAILING and not rewrite and is_shallow(body)):
            # A `,` alone goes. TRAILING: orjson took the line without that comma (the exact
            # parser would at this depth), the only one before a bracket (or it refused it).
            self.broken = False
            self.fixed[syntax.INVALID_JSON.code] += 1
            return [] if alone and rewrite else None
        spans: Spans | None = None
        if rewrite or told is not OBJECTS:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return None
            try:
                split = told is NOT_JSON or told is OBJECTS
                spans = objects(text, allow_commas=True) if split else None
            except (ValueError, RecursionError):
                spans = None
            if spans is None:
                return self._untrailed(text, rewrite)
        self.broken = False
        self.fixed[syntax.INVALID_JSON.code] += 1
        if spans is None or not rewrite:
            # The marks need this count only: the pieces' own fixes are of codes (MIC202...)
            # that a line which did not parse is never reported with.
            return None
        return self._pieces(text, spans)

    def counts_alike(self, body: bytes, told: object) -> bool:
        """Whether `line` counts the line (`told` TRAILING or OBJECTS, not rewritten; orjson
        took it, so no BOM begins it) as any other so told while `broken` is False: `_split`
        counts its MIC101 without reading it (but its brackets, for TRAILING) and leaves
        `broken` False (fixmarks.py counts the first and remembers; it asks only where
        MIC101 is shown, so fixed). Not where a guard may take the line (`Guard.item`)."""
        return (
            not self.broken
            and (self.guard is None or self.guard.misshapen is None)
            and (told is OBJECTS or (told is TRAILING and is_shallow(body)))
        )

    def _untrailed(self, text: str, rewrite: bool) -> list[bytes] | None:
        """MIC101: the line without its trailing commas, when it is then one JSON object
        (fix_edits.untrailed), with its record fixes, as `_pieces` makes a piece's."""
        made = untrailed(text)
        if made is None:
            return None
        self.broken = False
        self.fixed[syntax.INVALID_JSON.code] += 1
        if not rewrite:
            return None
        fixed, record = made
        return [(self.record(fixed, record) or fixed).encode("utf-8")]

    def _array(
        self, body: bytes, values: list[Any], text: str | None, rewrite: bool
    ) -> list[bytes] | None:
        """MIC102: a JSON array of commands on one line (`json.dump(commands, f)`), one
        line per element, each as it was written, whatever the line before (unlike
        `_split`): a pretty-printer writes `"key": [` on its key's line, not a whole array."""
        if syntax.NOT_AN_OBJECT.code not in self.fixing or not values:
            return None
        if any(type(v) is not dict for v in values) or (
            self.guard is not None and self.guard.wrapper_lost(values)
        ):
            return None
        try:
            text = body.decode("utf-8") if text is None else text
            if proven_objects(text) != len(values):
                return None
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
        self.fixed[syntax.NOT_AN_OBJECT.code] += 1
        if not rewrite:
            return None  # the marks count the split alone, as `_split`'s do
        # Read again one at a time (memory), as deep as the proof read them: an element
        # nested near the recursion limit passed it, and must not fail here.
        return self._pieces(text, object_spans(text, allow_commas=False, arrays=True))

    def _pieces(self, text: str, spans: Iterable[Span | None]) -> list[bytes]:
        """The lines of the records at `spans` in `text` (all objects: proven so), each with
        its record fixes."""
        made = []
        for span in spans:
            assert span is not None
            value, at, end = span
            made.append((self.record(text[at:end], value) or text[at:end]).encode("utf-8"))
        return made
