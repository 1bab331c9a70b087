"""`--fix`: rewrite what is mechanical in an import file, never a record's meaning.

The fixer reads a file once, line by line, and tells a `Sink` what becomes of each line:
copied as it was (`same`) or replaced (`changed`). One sink writes the fixed file, another
a unified diff (`--diff`). It never prints, never exits, and writes nothing itself but
through `fix_file`, which renames a complete temporary file over the original.

What it may change, and only for the codes the file's rule selection enables:
- safe: MIC002 (the BOM), MIC003 (CRLF to LF), MIC004 (blank lines), MIC005 (the final
  newline), MIC007 (a document to one compact command per line), MIC101 (commas between
  records, several records on a line), MIC102 (an array of commands on one line, a line
  each; a command encoded twice, as its text), MIC202 (an identifier written as an integer);
- unsafe, with `unsafe=True`: MIC203 (the case of an enum value), MIC204 (a misspelt key,
  when exactly one known key is close).

Proof, not hope: a record is rewritten only as the text it was, with whitespace outside
strings removed or with the one token a fix changes; the result is parsed again and must
equal the value expected (same keys in the same order, same values of the same types), or
the line is copied byte for byte. That rewriting of a record's text is fix_records.py's;
this module decides what becomes of each line. Memory stays bounded by the longest line,
apart from MIC007, whose document is read whole (up to framer.DOCUMENT_FIX_LIMIT).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import orjson

from mics_lint import framer
from mics_lint import schema as schemas
from mics_lint.config import Settings
from mics_lint.fix_edits import compact, object_spans, same_value
from mics_lint.fix_records import RecordFixer
from mics_lint.guards import Guard
from mics_lint.held import fixable
from mics_lint.jsontext import parse_exact
from mics_lint.linter import LineReader, doc_type_of, text_head
from mics_lint.opening import Split, string_breaks, without_comma
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import REGISTRY, syntax
from mics_lint.rules import framing as f
from mics_lint.splitrecords import Piece, Splitter

# same_value is the proof's comparison, still imported from here by the tests.
__all__ = [
    "DOCUMENT_LIMIT",
    "FIXES",
    "FixError",
    "FixResult",
    "Fixer",
    "Sink",
    "StreamSink",
    "fix_stream",
    "same_value",
]

#: A document (MIC007) is read whole to be fixed; a larger one is left as it is.
DOCUMENT_LIMIT = framer.DOCUMENT_FIX_LIMIT
_HOLDING, _LINES, _AS_IS = "holding", "lines", "as is"


class FixError(Exception):
    """A file that could not be fixed (read or written half-way); it is left unchanged."""


class Lines(Protocol):
    """Lines with their ends, read once: a list, or a document's held lines, which a list
    of millions of bytes objects would double (framer.HeldLines)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[bytes]: ...


class Sink(Protocol):
    """Where the fixer says what becomes of each line of the file."""

    def same(self, raw: bytes) -> None:
        """An original line (with its line end), kept as it was."""

    def changed(self, old: Lines, new: list[bytes]) -> None:
        """Original lines (with their line ends) replaced by new ones (none: dropped)."""


class StreamSink:
    """Writes the fixed file to a binary stream."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def same(self, raw: bytes) -> None:
        self.stream.write(raw)

    def changed(self, old: Lines, new: list[bytes]) -> None:
        for line in new:
            self.stream.write(line)


@dataclass
class FixResult:
    """What was fixed in one file: fixes applied per code."""

    fixed: Counter[str] = field(default_factory=Counter)
    #: Unsafe fixes found but not applied (no `unsafe=True`), per code.
    hidden: Counter[str] = field(default_factory=Counter)
    #: Temporary files of this file left by a killed --fix, removed before writing.
    stale: list[str] = field(default_factory=list)
    #: Hadoop's checksum file of this file (Spark's `.part-....crc`), removed once the file
    #: was rewritten: it no longer matched, and Spark refuses to read a file beside one.
    checksums: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


class Fixer:
    """Fixes one file (or standard input) for one rule selection."""

    def __init__(
        self, settings: Settings, path: str, *, unsafe: bool = False, head: bytes = b""
    ) -> None:
        enabled = settings.rules_for(path).enabled
        allowed = {code for code, safety in FIXES.items() if safety == FIX_SAFE or unsafe}
        self.fixing = frozenset(enabled & allowed)
        # Unsafe fixes not applied are still looked for: counted, for a hint.
        self.looking = frozenset(enabled & set(FIXES))
        self.max_line = settings.max_line_bytes
        doc_type = doc_type_of(settings, path, head)
        self.schema = schemas.load_schema(
            schemas.for_form(doc_type.schema_file, settings.profile_form)
        )
        self.result = FixResult()
        self.records = RecordFixer(
            self.schema,
            fixing=self.fixing,
            looking=self.looking,
            fixed=self.result.fixed,
            hidden=self.result.hidden,
            identifier_values=doc_type.identifier_values,
            guard=Guard(doc_type, frozenset(enabled)),
            value_rules=REGISTRY.value_rules(frozenset(enabled)),
        )
        self.crlf_fixed = False
        self.first = True  # the next line is the file's first

    # -- the file ------------------------------------------------------------------------

    def run(self, stream: BinaryIO, sink: Sink) -> FixResult:
        """Read `stream` to its end, telling `sink` what becomes of each line."""
        # The first lines are held while they may be one document (MIC007), as the linter
        # holds them: a first line of only "{" or "[", or lines none of which parses alone.
        held = framer.HeldLines()  # their bytes end to end: millions of lines cost little
        held_bytes = 0
        state = _HOLDING
        document = seen_text = False
        prefix = framer.JsonPrefix()
        splitter = Splitter(self.max_line)
        lineno = 1  # of the group's first line
        for group in splitter.groups(self._pieces(stream)):
            lineno, at = lineno + len(group), lineno
            if state == _HOLDING and at == splitter.not_document:
                # A file that opened with `{` or `[` alone and proved no document here, as
                # the linter finds it (opening.py): its held lines are lines.
                self._not_document(held, splitter, sink)
                held = framer.HeldLines()
                state = _LINES
            # A record split over lines, found only once a line parsed (holding is over).
            if len(group) > 1:
                split = splitter.spans.pop()  # the group's, found just before it came
                if state == _LINES and self._split(group, split, sink):
                    continue
            for raw in group:
                whole = type(raw) is not Piece
                whole = whole and len(framer.split_ending(raw)[0]) <= self.max_line
                if state == _HOLDING:
                    keep = False
                    if whole:
                        body = framer.body(raw, first=not held)
                        blank = framer.is_blank(body)
                        if not seen_text and not blank and f.opens_document(body):
                            document = True
                        seen_text = seen_text or not blank
                        keep = document or not self._parses(body)
                        # A line no later line can mend into one document ends the hold,
                        # as the linter's does: held to the limit, the lines would be fixed
                        # alike. Not while the splitter follows the file's first value (a
                        # line of it may end inside a string: opening.py), which may be a
                        # record split over lines, joined where it tells (`_not_document`).
                        keep = keep and (
                            document or blank or prefix.feed(body) or splitter.opening is not None
                        )
                    if keep:
                        held.append(raw)
                        held_bytes += len(raw)
                        if held_bytes <= (DOCUMENT_LIMIT if document else framer.HOLD_LIMIT):
                            continue
                    # Holding ends: a line parsed, is too long, or too much is held. A
                    # document too large to fix is copied as it is, to its end: fixing some
                    # of its lines alone would make records out of pieces of it.
                    state = _AS_IS if document else _LINES
                    self._release(held, sink, as_is=document)
                    held = framer.HeldLines()
                    if keep:
                        continue
                if state == _AS_IS or not whole:  # over max-line-bytes: never parsed
                    sink.same(raw)
                    self.first = False
                else:
                    self._line(raw, sink)
        if state == _HOLDING and held:
            nonblank = sum(
                not framer.is_blank(framer.body(h, first=at == 0)) for at, h in enumerate(held)
            )
            if splitter.close():  # a record broken inside its strings, alone (as the linter)
                self._not_document(held, splitter, sink)
                return self.result
            # As the linter decides MIC007: a first line of only "{" or "[", or lines that
            # together parse as one value (not merely as records joined by commas: MIC101).
            if (document or (nonblank >= 2 and _one_value(held))) and self._document(held, sink):
                return self.result
            # Only whitespace (after a BOM, perhaps): MIC008 alone, which no fix mends (the
            # linter marks no line of it); emptied, the file was still MIC008. One line (`{`
            # alone) is no document to the linter: a broken line, whose missing newline
            # (MIC005) is added.
            self._release(held, sink, as_is=(document and held.count > 1) or not nonblank)
        return self.result

    def _pieces(self, stream: BinaryIO) -> Iterator[bytes]:
        """The lines, a piece of a line over max-line-bytes as a `Piece`."""
        for raw, whole in self._lines(stream):
            yield raw if whole else Piece(raw)

    def _not_document(self, held: framer.HeldLines, splitter: Splitter, sink: Sink) -> None:
        """The held lines of a file that proved no document: each fixed as a line, but the
        record split over its first lines (`splitter.opened`), if they are one, joined."""
        lines = list(held)
        split = splitter.opened
        start, end = (split.first - 1, split.last) if split is not None else (0, 0)
        if split is not None:
            splitter.spans.remove(split)  # the groups' spans are taken from the end
        for raw in lines[:start]:
            self._line(raw, sink)
        if split is not None and not self._split(lines[start:end], split, sink):
            for raw in lines[start:end]:
                self._line(raw, sink)
        for raw in lines[end:]:
            self._line(raw, sink)

    def _split(self, group: list[bytes], split: Split, sink: Sink) -> bool:
        """A record split over lines (splitrecords.py) as one compact line (MIC101), its
        breaks inside strings written as escapes; False (nothing written) when MIC101 is
        not fixed or the compact text is not proven."""
        if syntax.INVALID_JSON.code not in self.fixing:
            return False
        value = split.value
        text = without_comma(string_breaks(group) if split.in_string else b"".join(group))
        bom = self.first and text.startswith(f.BOM)  # a record over the file's first lines
        compacted = compact((text[3:] if bom else text).decode("utf-8"), value)  # it parsed
        if compacted is None:
            return False
        fixed = self.records.record(compacted, value)
        line = (fixed if fixed is not None else compacted).encode("utf-8")
        if bom and f.BYTE_ORDER_MARK.code in self.fixing:
            self.result.fixed[f.BYTE_ORDER_MARK.code] += 1
        elif bom:
            line = f.BOM + line
        for inner in group[:-1]:  # a CRLF inside goes too: counted, as the check marks it
            self._ending(framer.split_ending(inner)[1])
        line += self._ending(framer.split_ending(group[-1])[1])
        self.result.fixed[syntax.INVALID_JSON.code] += 1
        self.records.broken = False
        self.first = False
        sink.changed(group, [line])
        return True

    def _lines(self, stream: BinaryIO) -> Iterator[tuple[bytes, bool]]:
        """Each line with its end, and whether it is whole; a line over max-line-bytes
        comes in pieces (False), so that memory stays bounded."""
        limit = self.max_line + 2
        readline = stream.readline
        while True:
            raw = readline(limit)
            if not raw:
                return
            if len(raw) < limit or raw.endswith(b"\n"):
                yield raw, True
                continue
            yield raw, False
            while raw and not raw.endswith(b"\n"):
                raw = readline(1 << 20)
                if raw:
                    yield raw, False

    def _release(self, held: framer.HeldLines, sink: Sink, *, as_is: bool) -> None:
        for raw in held:
            if as_is:
                self._as_is(raw, sink)
            else:
                self._line(raw, sink)

    def _as_is(self, raw: bytes, sink: Sink) -> None:
        """A held line kept as it is (whitespace only, or a document not fixed), but for
        the file's BOM, which MIC002's fix removes wherever the file's lines are kept: the
        report marks it so."""
        first, self.first = self.first, False
        if first and raw.startswith(f.BOM) and f.BYTE_ORDER_MARK.code in self.fixing:
            self.result.fixed[f.BYTE_ORDER_MARK.code] += 1
            sink.changed([raw], [raw[len(f.BOM) :]])
        else:
            sink.same(raw)

    @staticmethod
    def _parses(body: bytes) -> bool:
        """Whether a line parses as JSON alone, as the linter decides it (blank: no)."""
        if framer.is_blank(body):
            return False
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            try:
                parse_exact(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                return False
        return True

    # -- one line ------------------------------------------------------------------------

    def _line(self, raw: bytes, sink: Sink) -> None:
        """Fix one line: its BOM (line 1), its end, whether it is kept, and its records."""
        body, ending = framer.split_ending(raw)
        fixing = self.fixing
        prefix = b""
        first, self.first = self.first, False
        if first and body.startswith(f.BOM):
            body = body[3:]  # a second is one inside the file: MIC101's (RecordFixer.line)
            if f.BYTE_ORDER_MARK.code in fixing:
                self.result.fixed[f.BYTE_ORDER_MARK.code] += 1
                while syntax.INVALID_JSON.code not in fixing and body.startswith(f.BOM):
                    body = body[3:]  # else it would start the fixed file: MIC002 again
            else:
                prefix = f.BOM
        if ending in (b"\r\n", b"\r") and f.CRLF_LINE_ENDINGS.code in fixing:
            body = body.rstrip(b"\r")  # "\r\r\n": the stray CR is whitespace (a kept blank too)
        if framer.is_blank(body):
            if f.BLANK_LINE.code in fixing and not prefix:
                self.result.fixed[f.BLANK_LINE.code] += 1
                # Its end goes with it, mended as the marks count it: the file's first CRLF
                # (MIC003), or the missing final newline (MIC005).
                self._ending(ending)
                sink.changed([raw], [])
                return
            body = prefix + body
            prefix = b""
            new = [body + self._ending(ending)]
        else:
            records = self.records.line(body)
            if records == []:  # no record in it (`,` alone): gone, its end mended as counted
                end = self._ending(ending)  # (a BOM kept stays, as on a blank line)
                sink.changed([raw], [prefix + end] if prefix else [])
                return
            pieces = records if records is not None else [body]
            end = self._ending(ending)
            between = b"\r\n" if end == b"\r\n" else b"\n"  # CRLF kept if not fixed
            new = [piece + between for piece in pieces[:-1]]
            new.append(pieces[-1] + end)
            new[0] = prefix + new[0]
        if new == [raw]:
            sink.same(raw)
        else:
            sink.changed([raw], new)

    def _ending(self, ending: bytes) -> bytes:
        """The line end a line gets: LF for CRLF (MIC003), LF where the last one lacks it."""
        if ending in (b"\r\n", b"\r") and f.CRLF_LINE_ENDINGS.code in self.fixing:
            if not self.crlf_fixed:  # reported once per file, fixed once per file
                self.crlf_fixed = True
                self.result.fixed[f.CRLF_LINE_ENDINGS.code] += 1
            return b"\n"
        if not ending and f.MISSING_FINAL_NEWLINE.code in self.fixing:
            self.result.fixed[f.MISSING_FINAL_NEWLINE.code] += 1
            return b"\n"
        return ending

    # -- a document (MIC007) -------------------------------------------------------------

    def _document(self, held: framer.HeldLines, sink: Sink) -> bool:
        """A pretty-printed object, an array of commands, or a run of either: one compact
        command per line. False (nothing written) when it is not one of those."""
        if f.NOT_NDJSON.code not in self.fixing:
            return False
        raw = held.joined()
        bom = raw.startswith(f.BOM)
        try:
            text = raw.removeprefix(f.BOM).decode("utf-8")
        except UnicodeDecodeError:
            return False
        # Read twice, each value dropped once its line is made: all of them held at once
        # took the fix of a pretty-printed 30 MB export to 515 MB (333 MB so).
        if fixable(text) == 0:
            return False
        lines = []
        for span in object_spans(text, allow_commas=True, arrays=True):
            assert span is not None  # (fixable said so)
            value, start, end = span
            compacted = compact(text[start:end], value)
            if compacted is None:
                return False
            fixed = self.records.record(compacted, value)
            lines.append((fixed if fixed is not None else compacted).encode("utf-8") + b"\n")
        if bom:
            if f.BYTE_ORDER_MARK.code in self.fixing:
                self.result.fixed[f.BYTE_ORDER_MARK.code] += 1
            elif lines:
                lines[0] = f.BOM + lines[0]
        self.result.fixed[f.NOT_NDJSON.code] += 1
        sink.changed(held, lines)
        return True


#: Each fixable rule and how safe its fix is (declared with the rule: see registry.Rule).
FIXES: dict[str, str] = {r.code: r.fix for r in REGISTRY.values() if r.fix is not None}


def _one_value(held: framer.HeldLines) -> bool:
    try:
        parse_exact(held.joined().removeprefix(f.BOM).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    return True


def fix_stream(
    stream: BinaryIO, sink: Sink, settings: Settings, path: str, *, unsafe: bool = False
) -> FixResult:
    """Fix one stream (standard input, say), telling `sink` what becomes of each line.
    Raises ReadError when it is not text, or its document type cannot be told."""
    head, utf16 = text_head(LineReader(stream, path, settings.max_line_bytes))
    if utf16:  # MIC009: fixing its bytes as UTF-8 would break it
        for block in iter(lambda: stream.read(1 << 20), b""):
            sink.same(block)
        return FixResult()
    return Fixer(settings, path, unsafe=unsafe, head=head).run(stream, sink)
