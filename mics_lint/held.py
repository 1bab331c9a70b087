"""What the engine keeps of a file's first lines while it cannot yet tell what they are.

`Hold`: the first lines while they may be blank only (MIC008) or one document spread over
lines (MIC007), and what they are found to be (`document`, `document_found`). `Memo`: the
last line checked, reused for a run of the same line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.framer import HeldLines, JsonPrefix
from mics_lint.jsontext import decode_lenient, parse_exact
from mics_lint.linecheck import FILE_LEVEL, LineChecker, char_pos
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import framing as f
from mics_lint.rules import syntax

__all__ = [
    "Hold",
    "Memo",
    "Where",
    "document",
    "document_found",
    "fixable",
    "go_to",
    "moved",
    "where",
]

#: Where a file stands for its next line's checks: MIC003 reported, MIC006 reported, the bytes
#: read, and the fix marks' state (fixmarks.FixMarks.state; None: not made yet).
Where = tuple[bool, bool, int, tuple[bool, int] | None]


def where(checker: LineChecker) -> Where:
    marks = checker.marks_made
    state = None if marks is None else marks.state()
    return checker.crlf_reported, checker.size_reported, checker.bytes_read, state


def go_to(checker: LineChecker, place: Where) -> None:
    """The file set back (or on) to `place`, which `where` gave: the held lines are checked
    again from where the file stood before them (linter._release)."""
    checker.crlf_reported, checker.size_reported, checker.bytes_read, state = place
    if checker.marks_made is not None:
        checker.marks_made.restore(state)


class Hold:
    """A file's first lines while they may be blank only (MIC008) or one JSON document
    spread over lines (MIC007): their bytes, not their diagnostics (made again if the
    lines are let go), so that memory is bounded by HOLD_LIMIT whatever their number."""

    def __init__(self, checker: LineChecker) -> None:
        self.lines = HeldLines()
        self.bytes = 0
        self.kept: list[Diagnostic] = []  # of the codes about the file (FILE_LEVEL)
        self.nonblank = 0
        self.only_bom = True  # every line empty but for a byte-order mark
        self.document = b""  # the first line not blank holds only this, "{" or "["
        self.too_big = False  # ... and the document is too large to hold and parse
        # ... by its size alone (no line over max-line-bytes): what its first line opens
        self.opened: bytes | None = None
        self.prefix = JsonPrefix()
        self.splitter = checker.splitter
        # Where the file stood before its first line: the held lines are checked again
        # from there when they are let go.
        self.start = where(checker)

    def goes_on(self, body: bytes) -> bool:
        """Whether lines after this one (not blank) may still make the held ones one value:
        the prefix takes it, or the splitter still follows the file's first value, which
        may be a record split over lines, by a line break inside a string (opening.py).
        Held while it is followed, a chunk of `--jobs` that ends there says so (merge.py:
        then the file is checked in one process, which tells where it ends)."""
        following = self.splitter is not None and self.splitter.opening is not None
        return self.prefix.feed(body) or following

    def add(self, raw: bytes, diagnostics: list[Diagnostic]) -> None:
        self.lines.append(raw)
        self.bytes += len(raw)
        if diagnostics:
            self.kept.extend(d for d in diagnostics if d.code in FILE_LEVEL)
        if self.only_bom:
            self.only_bom = not raw.removeprefix(f.BOM)


class Memo:
    """The last line checked, when a next line byte for byte the same would get the same
    diagnostics a line further (a run of blank or broken lines): see FileLinter._check."""

    __slots__ = ("diagnostics", "last", "raw", "verdict")

    def __init__(self, raw: bytes, line: int, diagnostics: list[Diagnostic], verdict: str) -> None:
        self.raw = raw
        self.last = line  # the last line of the run
        self.diagnostics = diagnostics  # of its first line
        self.verdict = verdict

    def at(self, line: int) -> list[Diagnostic]:
        """The diagnostics of the run's next line, `line`."""
        self.last = line
        return [moved(d, line) for d in self.diagnostics]


def moved(d: Diagnostic, line: int) -> Diagnostic:
    """The same diagnostic on another line."""
    return Diagnostic(
        d.path,
        line,
        d.column,
        line + d.end_line - d.line,
        d.end_column,
        d.code,
        d.name,
        d.severity,
        d.message,
        d.source,
        d.doc_type,
        d.fix,
    )


def fixable(text: str) -> int:
    """How many objects --fix makes of this document (MIC007), as fix.Fixer reads it: it is
    objects, an array of objects, or a run of them (each compacted, proven); 0: none."""
    from mics_lint.fix_edits import object_spans  # the fixer's parser: only for a bad file
    from mics_lint.rules.tables import table

    count = 0
    try:
        for span in object_spans(text, allow_commas=True, arrays=True):
            # A pandas table (indent=...): compacted, its line would be MIC105, no command.
            if span is None or table(span[0]) is not None:
                return 0
            count += 1
    except (ValueError, RecursionError):
        return 0
    return count


def document(
    checker: LineChecker, joined: bytes, last: int, kept: list[Diagnostic | None]
) -> list[Diagnostic]:
    """A file that opens with `{` or `[` alone: MIC007, and where the document breaks."""
    raw = joined.removeprefix(f.BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        # Located in its own line, as a line-by-line file would be.
        start = raw.rfind(b"\n", 0, bad.start) + 1
        end = raw.find(b"\n", bad.start)
        line_bytes = raw[start : end if end >= 0 else len(raw)]
        finding = f.invalid_utf8(line_bytes, bad.start - start)
        line = raw.count(b"\n", 0, bad.start) + 1
        width = len(decode_lenient(line_bytes)) + 1
        made = checker.diagnostic(f.INVALID_UTF8.code, finding, line, width)
        return document_found(checker, [*kept, made], last, None)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:  # valid JSON that orjson refuses (nesting deeper than it allows)
            value = parse_exact(text)
        except (ValueError, RecursionError):
            run = fixable(text)
            if run > 1:  # `jq .` of several commands: MIC007 says it all, --fix mends it
                return document_found(checker, kept, last, None, True, run)
            line, col, message = syntax.document_error(
                text, char_pos(exc, text), exc.msg, checker.show_values
            )
            broken = checker.diagnostic(
                syntax.INVALID_JSON.code, Finding(message, col), line, col + 1
            )
            return document_found(checker, [*kept, broken], last, None, run > 0)
    return document_found(checker, kept, last, value, fixable(text) > 0)


def document_found(
    checker: LineChecker,
    kept: Sequence[Diagnostic | None],
    last: int,
    value: Any,
    fixable: bool = False,
    run: int = 0,
) -> list[Diagnostic]:
    """MIC007: the held lines are one JSON document (`value`, None if broken), or the
    lines of one (`run`: how many records `--fix` would make of them)."""
    kept = list(kept)
    if checker.size is None and checker.bytes_read > checker.limit and not checker.size_reported:
        too_large = f.too_large(checker.limit, checker.bytes_read, known_before=False)
        kept.append(checker.diagnostic(f.FILE_TOO_LARGE.code, too_large, 1, 1))
    made = checker.diagnostic(f.NOT_NDJSON.code, f.not_ndjson(value, last, run), 1, 1)
    kept.append(made.with_fix(FIX_SAFE) if made is not None and fixable else made)
    return checker.ordered(kept)
