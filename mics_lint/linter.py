"""The engine: bytes in, diagnostics out, in order, and nothing printed.

A file is read line by line (reading.py) and each line is checked once: by the fast path
where it vouches (fastloop.py), else by the full checks (linecheck.py); memory stays flat
however long the file. This module is the public API (`lint_file`, `lint_stream`,
`lint_lines`) and `FileLinter`, which drives one file: two situations need a look at several
lines before anything can be said, so their lines are held back: a file that starts with
blank lines (is it empty?), and a file whose first lines all fail to parse (is it one JSON
document spread over lines?). Both holds end at the first line that parses, or after
`HOLD_LIMIT` bytes; a file that opens with `{` or `[` alone is held as one document until
its lines prove it none (opening.py). docs/architecture.md follows a line from bytes to a
printed diagnostic.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.doctypes import DETECT_RECORDS, DocType, DocTypeError
from mics_lint.fastloop import FastLoop
from mics_lint.framer import DOCUMENT_PARSE_LIMIT, HOLD_LIMIT, SPACE, given_lines
from mics_lint.held import Hold, Memo, document, document_found, fixable, go_to, where
from mics_lint.joining import joined
from mics_lint.jsontext import parse_exact
from mics_lint.linecheck import BLANK, INVALID, RECORD, TOO_LONG, LineChecker
from mics_lint.names import printable
from mics_lint.reading import (
    HEAD_BYTES,
    UTF16,
    UTF32,
    LineReader,
    ReadError,
    open_input,
    sniff,
    text_head,
)
from mics_lint.rules import framing as f
from mics_lint.rules import syntax
from mics_lint.rules.crossline import Users
from mics_lint.splitrecords import Splitter

__all__ = [
    "HEAD_BYTES",
    "FileLinter",
    "LineReader",
    "ReadError",
    "doc_type_of",
    "lint_file",
    "lint_lines",
    "lint_stream",
    "printable",
    "sniff",
    "text_head",
]


def lint_file(
    path: str | os.PathLike[str],
    settings: Settings | None = None,
    *,
    display: str | None = None,
    on_read: Callable[[int], None] | None = None,
    on_type: Callable[[DocType], None] | None = None,
) -> Iterator[Diagnostic]:
    """Lint one import file (`.gz` read transparently); raise ReadError if it can't be read.

    `on_read`, if given, is called with each number of bytes read from the file, a block
    at a time (for a progress bar); `on_type` with the document type the file is checked
    as, once it is known and before its first diagnostic.
    """
    if isinstance(path, bytes):  # a name as os.listdir(bytes) gives it
        path = os.fsdecode(path)
    name = display if display is not None else printable(os.fsdecode(path))
    with contextlib.ExitStack() as files:
        handle, size = open_input(path, name, files, on_read)
        for batch in _batches(handle, name, settings, size, on_type):
            yield from batch  # one generator for each diagnostic to pass, not five


def lint_stream(
    stream: BinaryIO,
    path: str,
    settings: Settings | None = None,
    *,
    size: int | None = None,
    on_type: Callable[[DocType], None] | None = None,
) -> Iterator[Diagnostic]:
    """Lint an open binary stream (standard input, say); read errors become ReadError, and
    so does a stream that is not text (a binary file: an image, an archive, random bytes).
    `on_type` as for lint_file."""
    for batch in _batches(stream, path, settings, size, on_type):
        yield from batch


def _batches(
    stream: BinaryIO,
    path: str,
    settings: Settings | None,
    size: int | None,
    on_type: Callable[[DocType], None] | None,
) -> Iterator[list[Diagnostic]]:
    """lint_stream's diagnostics, a batch at a time (FileLinter.run)."""
    settings = settings or Settings()
    reader = LineReader(stream, path, settings.max_line_bytes)
    head, utf16 = text_head(reader)  # UTF-16 is the first line's to report (MIC009)
    doc_type = doc_type_of(settings, path, head)
    if on_type is not None:
        on_type(doc_type)
    linter = FileLinter(
        path, settings, size, skip_rest=reader.skip_rest, doc_type=doc_type, head=head
    )
    linter.fast.again = reader  # MIC501's lines, read again if it can (userswindow.py)
    batches = linter.run(reader.lines(), reader.buffered)
    if utf16:  # read as UTF-8 (MIC009 not selected), which --fix refuses to write (fix.py)
        return ([d if d.fix is None else d.with_fix(None) for d in b] for b in batches)
    return batches


#: The most diagnostics a batch holds: a file's first 8 MiB of blank lines, let go at once
#: (`_release`), are 8 million MIC004s, which one list held in 1.6 GB.
BATCH = 4096


def in_batches(found: Iterable[Diagnostic]) -> Iterator[list[Diagnostic]]:
    """`found` as lists of at most BATCH diagnostics (none empty)."""
    found = iter(found)
    while batch := list(itertools.islice(found, BATCH)):
        yield batch


def doc_type_of(settings: Settings, path: str, head: bytes) -> DocType:
    """The document type `path` is checked as (Settings.doc_type_for), or ReadError."""
    try:
        return settings.doc_type_for(path, head)
    except DocTypeError as exc:
        raise ReadError(str(exc), verb="cannot tell the document type of") from None


def lint_lines(
    lines: Iterable[bytes | str],
    path: str | os.PathLike[str] = "-",
    settings: Settings | None = None,
    *,
    size: int | None = None,
) -> Iterator[Diagnostic]:
    """Lint the lines of one file, str or bytes, each with its line end as read
    (`b"...\\n"`) or without any (`text.splitlines()`: see framer.given_lines).

    `size`, when known before reading, lets MIC006 be reported at line 1; otherwise it is
    reported where the limit is passed. TypeError if `lines` is one text, not its lines.
    """
    settings = settings or Settings()
    path = printable(os.fsdecode(path))
    as_bytes = given_lines(lines)
    first = list(itertools.islice(as_bytes, DETECT_RECORDS))  # enough to tell the type
    head = b"".join(line.rstrip(b"\n") + b"\n" for line in first)
    doc_type = doc_type_of(settings, path, head)
    linter = FileLinter(path, settings, size, doc_type=doc_type, head=head)
    for batch in linter.run(itertools.chain(first, as_bytes)):
        yield from batch


class FileLinter:
    """One file, or one chunk of a file (`first_line` > 1: see parallel.py): its public
    surface is `run`, `state`, `users`, `skip_rest` and `still_holding`."""

    def __init__(
        self,
        path: str,
        settings: Settings,
        size: int | None,
        *,
        first_line: int = 1,
        size_reported: bool = False,
        skip_rest: Callable[[bytes], tuple[int, int]] | None = None,
        users: Users | None = None,
        doc_type: DocType | None = None,
        head: bytes = b"",
    ) -> None:
        # `head`: the file's first bytes (every chunk's alike), which tell its type and,
        # for a profile file, its form (profile-form "auto").
        if doc_type is None:
            doc_type = settings.doc_type_for(path, head)
        self.checker = LineChecker(
            path, settings, size, doc_type, size_reported=size_reported, users=users, head=head
        )
        self.checker.skip_rest = skip_rest
        # Made here, before anything asks the fix marks (a chunk's `follow`), which read it.
        # A chunk after the first starts past the file's first lines (see splitrecords).
        self.checker.splitter = Splitter(self.checker.max_line, active=first_line != 1)
        self.checker.splitter.escapes = syntax.INVALID_JSON.code in self.checker.enabled
        self.fast = FastLoop(self.checker, settings, first_line)
        self.first_line = first_line
        self.still_holding = False
        self.memo: Memo | None = None
        # The bytes of the lines read, counted on past MIC006 (the checker's count stops
        # there), each once, without the rest of a line cut at max-line-bytes: what the
        # fast path guesses the file's users from (FastLoop.prepare), a guess.
        self.bytes_seen = 0

    @property
    def state(self) -> dict[str, Any]:
        """What cross-line rules remember, by code (MIC501's users...)."""
        return self.checker.state

    @property
    def users(self) -> Users:
        return self.checker.users

    @property
    def skip_rest(self) -> Callable[[bytes], tuple[int, int]] | None:
        return self.checker.skip_rest

    @skip_rest.setter
    def skip_rest(self, skip: Callable[[bytes], tuple[int, int]] | None) -> None:
        self.checker.skip_rest = skip

    def run(
        self,
        lines: Iterable[bytes],
        buffered: Callable[[int], list[bytes] | None] | None = None,
    ) -> Iterator[list[Diagnostic]]:
        """The diagnostics of `lines`, a batch at a time (a group of lines', or a line's);
        `buffered`, their reader's whole lines taken at once (see Splitter.line_groups)."""
        splitter = self.checker.splitter
        assert splitter is not None  # made with the linter
        groups = splitter.line_groups(lines, self.first_line, buffered)
        return joined(self._run(groups, splitter), splitter)

    def _run(self, groups: Iterable[list[bytes]], splitter: Splitter) -> Iterator[list[Diagnostic]]:
        checker = self.checker
        # Only a file's first lines are held (is it empty? one document?); a chunk's are not.
        hold = Hold(checker) if self.first_line == 1 else None
        lineno = self.first_line - 1
        fast = self.fast
        groups = iter(groups)
        for group in groups:
            for at, raw in enumerate(group):
                if lineno == 0 and checker.check_utf16:
                    found = sniff(raw)
                    if found is not None and found[0] in (UTF16, UTF32):
                        yield self.utf16(*found)  # its lines are not read: all broken
                        return
                if fast.wanted and lineno + 1 >= fast.start_at:
                    fast.prepare(lineno, self.bytes_seen)
                if fast.vouch is not None and hold is None:
                    # No more holding: the rest of the file goes round the fast loop.
                    self.still_holding = False
                    rest = itertools.chain((group[at:],), groups)
                    yield from fast.run(rest, lineno, self.bytes_seen)
                    return
                lineno += 1
                self.bytes_seen += len(raw)  # not in _count: held lines are counted again
                if hold is not None and lineno == splitter.not_document:
                    # A file that opened with `{` or `[` alone proved no document here
                    # (opening.py): its held lines are lines (a split record's joined).
                    yield from in_batches(self._release(hold, unread=True))
                    hold = None
                over = self._count(raw)
                if hold is not None and hold.document:
                    self._hold_document(hold, raw)
                    continue
                memo = self._repeat(raw, lineno, over)
                if (
                    memo is not None
                    and hold is not None
                    and memo.verdict == BLANK
                    and hold.bytes + len(raw) <= HOLD_LIMIT
                ):
                    # Another blank line of a run: held as the line before it was, with
                    # nothing to note (no MIC002, no MIC006), so held at once.
                    memo.last = lineno
                    hold.lines.append(raw)
                    hold.bytes += len(raw)
                    continue
                if memo is not None:
                    diagnostics, verdict = self._again(memo, lineno), memo.verdict
                else:
                    diagnostics, verdict = self._check(raw, lineno, over)
                if hold is not None:
                    if self._holds(hold, raw, lineno, diagnostics, verdict):
                        continue
                    yield from in_batches(self._release(hold))
                    hold = None
                if diagnostics:
                    yield diagnostics
        self.still_holding = hold is not None
        if hold is not None:
            yield from in_batches(self._end_held(hold, lineno))

    def _count(self, raw: bytes) -> bool:
        """Counts a line's bytes; whether the file is now over max-file-size (MIC006)."""
        checker = self.checker
        if checker.size_reported:
            return False
        checker.bytes_read += len(raw)
        return (checker.size if checker.size is not None else checker.bytes_read) > checker.limit

    def _repeat(self, raw: bytes, lineno: int, over: bool) -> Memo | None:
        """The memo of the line before, if line `lineno` repeats it (see _check)."""
        memo = self.memo
        if (
            memo is not None
            and lineno == memo.last + 1
            and raw == memo.raw
            and (self.checker.size_reported or not over)
        ):
            return memo
        return None

    def _check(self, raw: bytes, lineno: int, over: bool) -> tuple[list[Diagnostic], str]:
        """checker.check_line, at once for a line that repeats the one before (millions of
        blank lines cost little): a blank or broken line changes nothing the next line's
        checks depend on, unless it is line 1, reports MIC006 or is the first with CRLF."""
        memo = self._repeat(raw, lineno, over)
        if memo is not None:
            return self._again(memo, lineno), memo.verdict
        checker = self.checker
        # The fix marks' state the next line starts from, against this one's: not the
        # state last set, which a gap of clean lines since then has ended.
        broken = self._broken(lineno)
        before = (checker.crlf_reported, checker.size_reported, checker.bytes_read, broken)
        diagnostics, verdict = checker.check_line(raw, lineno, over)
        broken = self._broken(lineno + 1)
        after = (checker.crlf_reported, checker.size_reported, checker.bytes_read, broken)
        self.memo = None
        if verdict in (BLANK, INVALID) and lineno > 1 and before == after:
            self.memo = Memo(raw, lineno, diagnostics, verdict)
        return diagnostics, verdict

    def _broken(self, lineno: int) -> bool | None:
        """The fix marks' state line `lineno` starts from (fixmarks.py), which a line's marks
        depend on: a repeat of a line that changed it would be marked otherwise."""
        marks = self.checker.marks_made
        return None if marks is None else marks.broken_at(lineno)

    def _again(self, memo: Memo, lineno: int) -> list[Diagnostic]:
        """The diagnostics of a line that repeats the one before, told to the fix marks."""
        marks = self.checker.marks_made
        if marks is not None:
            marks.seen(lineno)
        return memo.at(lineno)

    def _holds(
        self, hold: Hold, raw: bytes, lineno: int, diagnostics: list[Diagnostic], verdict: str
    ) -> bool:
        """Whether the file's first lines are still held once this one is."""
        if verdict in (RECORD, TOO_LONG) or hold.bytes + len(raw) > HOLD_LIMIT:
            return False
        if verdict != BLANK:
            body = raw.removeprefix(f.BOM) if lineno == 1 else raw
            if hold.nonblank == 0 and f.opens_document(body):
                hold.document = body.strip(SPACE)
            elif not hold.goes_on(body):
                return False  # no line after it can make the lines one document
            hold.nonblank += 1
        hold.add(raw, diagnostics)
        return True

    def _hold_document(self, hold: Hold, raw: bytes) -> None:
        """A line of a document (MIC007): held unchecked, up to DOCUMENT_PARSE_LIMIT."""
        if self.checker.oversized(raw) is not None:  # not pieced together: too long
            hold.too_big, hold.opened = True, None
        if hold.too_big:
            return  # only counted: the document is too large to piece together
        hold.add(raw, [])
        if hold.bytes > DOCUMENT_PARSE_LIMIT:  # memory stays bounded: MIC007 unparsed
            hold.too_big, hold.opened = True, hold.document
            hold.lines.clear()

    def _release(self, hold: Hold, *, unread: bool = False) -> Iterator[Diagnostic]:
        """The held lines' diagnostics, made again from where the file stood before them;
        then it stands where they leave it when the line that ends the hold is `unread`
        (not yet counted nor checked), else where it stood (that line read)."""
        checker = self.checker
        # The fix marks' state too (held.where): a broken first line checked again left the
        # fixer's state broken, past the line that parsed.
        now = where(checker)
        go_to(checker, hold.start)
        self.memo = None
        try:
            for lineno, raw in enumerate(hold.lines, self.first_line):
                yield from self._check(raw, lineno, self._count(raw))[0]
            if unread:
                now = where(checker)
        finally:
            go_to(checker, now)
            self.memo = None

    def utf16(self, kind: str, variant: str) -> list[Diagnostic]:
        """A UTF-16 (or UTF-32) file: one diagnostic, and its lines are not read."""
        checker = self.checker
        finding = f.utf16(variant, kind.upper())
        return checker.ordered([checker.diagnostic(f.UTF16_FILE.code, finding, 1, 1)])

    def _end_held(self, hold: Hold, last: int) -> Iterable[Diagnostic]:
        """The end of a file none of whose lines parsed: empty, one document, or broken lines."""
        checker = self.checker
        kept: list[Diagnostic | None] = list(hold.kept)
        if hold.too_big:  # not parsed: what its first line opens says what it is
            return document_found(checker, kept, last, hold.opened)
        if hold.nonblank == 0:
            return checker.ordered(
                [*kept, checker.diagnostic(f.EMPTY_FILE.code, f.empty(hold.only_bom), 1, 1)]
            )
        if self.checker.splitter is not None and self.checker.splitter.close():
            return self._release(hold)  # a record broken inside its strings, alone: joined
        if hold.document and last > 1:
            return document(checker, hold.lines.joined(), last, kept)  # a lone "{" is broken
        if hold.nonblank >= 2:
            raw = hold.lines.joined().removeprefix(f.BOM)
            with contextlib.suppress(UnicodeDecodeError, ValueError, RecursionError):
                text = raw.decode("utf-8")
                value = parse_exact(text)
                return document_found(checker, kept, last, value, fixable(text) > 0)
        return self._release(hold)
