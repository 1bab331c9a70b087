"""The engine: bytes in, diagnostics out, in order, and nothing printed.

A file is read line by line and each line is parsed once with orjson; memory stays flat
however long the file. Two situations need a look at several lines before anything can be
said, so their lines are held back: a file that starts with blank lines (is it empty?), and a
file whose first lines all fail to parse (is it one JSON document spread over lines?). Both
holds end at the first line that parses, or after `_HOLD_LIMIT` bytes.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import os
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO, NamedTuple

import orjson

from mics_lint import config, redact
from mics_lint import schema as schemas
from mics_lint.config import ActiveRules, Settings
from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.doctypes import DETECT_RECORDS, DocType, DocTypeError, looks_like
from mics_lint.jsontext import (
    DIGITS_TO_ZERO,
    LONG_DIGIT_RUN,
    decode_lenient,
    duplicate_keys,
    parse_exact,
    path_text,
    unsafe_integers,
)
from mics_lint.registry import FastCheck, LineContext, Record
from mics_lint.rules import REGISTRY, structure, syntax
from mics_lint.rules import framing as f
from mics_lint.rules.crossline import DUPLICATE_USER_STATE, Users, UserTable
from mics_lint.rules.operations import PROFILE_FORM_STATE
from mics_lint.rules.structure import schema_findings

__all__ = ["ReadError", "lint_file", "lint_lines", "lint_stream", "printable"]

_HOLD_LIMIT = 8 * 1024 * 1024
# A multi-line document (MIC007) is parsed whole to say where it breaks, up to this size;
# a larger one is reported without being parsed (parsing costs ~15 times its size).
_DOCUMENT_LIMIT = 16 * 1024 * 1024
# Lines screened together on the fast path: 64 lines of a few hundred bytes stay well under
# the size at which a joined block would be allocated by mmap (slower), yet a block that
# fails a screen sends only 64 lines to their own searches.
_GROUP = 64
# ... and a group ends once it holds this many bytes: lines of megabytes are read ahead one
# or two at a time, so memory stays bounded by max-line-bytes, as with no groups.
_GROUP_BYTES = 64 * 1024
# (schema file, closed, loose fields...) -> FastDecoder, or None
_DECODERS: dict[tuple[str | bool, ...], Any] = {}
_NOT_MADE = object()
# An integer literal of 19 digits or more may lie outside the signed 64-bit range. Looking
# for a run of 19 zeros after mapping every digit to "0" is ten times faster than a regex.
# Codes about the file as a whole: kept when a file's lines are summed up by MIC007 or MIC008.
_FILE_LEVEL = frozenset({f.BYTE_ORDER_MARK.code, f.FILE_TOO_LARGE.code})
# A line with one of these gets no other line-level diagnostic.
_LINE_ENDING = frozenset(
    {
        f.INVALID_UTF8.code,
        f.LINE_TOO_LONG.code,
        syntax.INVALID_JSON.code,
        syntax.NOT_AN_OBJECT.code,
    }
)
# What a line turned out to be.
_RECORD, _BLANK, _INVALID, _TOO_LONG = "record", "blank", "invalid", "too long"

Found = list[tuple[str, Finding]]


class ReadError(Exception):
    """A file could not be read (missing, unreadable, a broken .gz); the message says why,
    and `verb` what could not be done ("cannot read", "cannot tell the type of")."""

    def __init__(self, message: str, verb: str = "cannot read") -> None:
        super().__init__(message)
        self.verb = verb

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a worker to the parent
        return (type(self), (str(self), self.verb))


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
    name = display if display is not None else printable(os.fspath(path))
    compressed = os.fspath(path).endswith(".gz")
    with contextlib.ExitStack() as files:
        try:
            info = os.stat(path)
            if stat.S_ISDIR(info.st_mode):
                raise ReadError(f"{name}: is a directory")
            raw: Any = files.enter_context(_open(path, stat.S_ISFIFO(info.st_mode)))
        except OSError as exc:
            raise ReadError(f"{name}: {exc.strerror or exc}") from None
        if on_read is not None:
            raw = _Counted(raw, on_read)  # counted a block at a time: it costs nothing
        handle: Any = io.BufferedReader(raw, 1 << 16)
        if compressed:
            import gzip  # only for .gz files: start-up stays short

            handle = files.enter_context(gzip.GzipFile(fileobj=handle, mode="rb"))
        size = info.st_size if stat.S_ISREG(info.st_mode) and not compressed else None
        yield from lint_stream(handle, name, settings, size=size, on_type=on_type)


def _open(path: str | os.PathLike[str], fifo: bool) -> BinaryIO:
    """The file, unbuffered. A FIFO is opened without waiting for a writer: with none, it
    reads as empty, where a plain open would wait for ever."""
    if not fifo:
        return open(path, "rb", buffering=0)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)  # a writer that is there is waited for, line by line
    return open(fd, "rb", buffering=0)


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
    settings = settings or Settings()
    reader = LineReader(stream, path, settings.max_line_bytes)
    head, _ = text_head(reader)  # UTF-16 is the first line's to report (MIC009)
    doc_type = doc_type_of(settings, path, head)
    if on_type is not None:
        on_type(doc_type)
    linter = _FileLinter(path, settings, size, skip_rest=reader.skip_rest, doc_type=doc_type)
    yield from linter.run(reader.lines())


def text_head(reader: LineReader) -> tuple[bytes, bool]:
    """A stream's first bytes, and whether they are UTF-16; ReadError when they are not
    text at all (an image, an archive, random bytes): nothing of it is read as lines."""
    head = reader.peek()
    found = sniff(head)
    if found is not None and found[0] == _BINARY:
        raise ReadError(
            f"{reader.path}: not a text file ({found[1]}); an import file is UTF-8 text, "
            "one JSON command per line"
        )
    return head, found is not None


def doc_type_of(settings: Settings, path: str, head: bytes) -> DocType:
    """The document type `path` is checked as (Settings.doc_type_for), or ReadError."""
    try:
        return settings.doc_type_for(path, head)
    except DocTypeError as exc:
        raise ReadError(str(exc), verb="cannot tell the document type of") from None


_BINARY, _UTF16 = "binary", "utf-16"
# Formats a misnamed import file often turns out to be: (first bytes, what to call them).
_MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data: name it .gz and mics-lint reads it"),
    (b"PK\x03\x04", "a zip archive: extract it first"),
    (b"PAR1", "a Parquet file: export it as NDJSON"),
    (b"Obj\x01", "an Avro file: export it as NDJSON"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"BZh", "bzip2-compressed data: decompress it first"),
    (b"\xfd7zXZ\x00", "xz-compressed data: decompress it first"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data: decompress it first"),
)
# Bytes that text does not hold (C0 controls but tab, line feed, form feed, return).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\x0c\r")
HEAD_BYTES = 8192


def sniff(head: bytes) -> tuple[str, str] | None:
    """What a file's first bytes say it is when it is not UTF-8 text: (_UTF16, which) or
    (_BINARY, what), else None. A stray control byte in text is not enough: that is a
    line's problem (MIC101), reported on its line."""
    head = head[:HEAD_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00"):
        order = "little-endian" if head[0] == 0xFF else "big-endian"
        return _UTF16, f"{order}, with a byte-order mark"
    sample = head[:64] if len(head) >= 64 else head[: len(head) - len(head) % 2]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if not odd.strip(b"\x00") and all(even):
            return _UTF16, "little-endian, without a byte-order mark"
        if not even.strip(b"\x00") and all(odd):
            return _UTF16, "big-endian, without a byte-order mark"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return _BINARY, what
    controls = len(head) - len(head.translate(None, _CONTROL))
    # A few control bytes are a broken line of text (MIC101); many are not text at all.
    if controls >= 16 and controls > len(head) // 20:
        return _BINARY, "binary data: more than 5% of its first bytes are control bytes"
    return None


class LineReader:
    """The lines of a binary stream, each with its line end. A line longer than `limit`
    comes cut after `limit + 2` bytes, and `skip_rest` reads past the rest of it, so that
    memory stays bounded by `limit` whatever the line."""

    def __init__(self, stream: BinaryIO, path: str, limit: int) -> None:
        self.stream = stream
        self.path = path
        self.limit = limit
        self.skipped = 0  # bytes passed over by skip_rest

    def peek(self) -> bytes:
        """The first bytes, without consuming them (b"" if the stream can't tell)."""
        peek = getattr(self.stream, "peek", None)
        with self._errors():
            if peek is not None:
                return bytes(peek(HEAD_BYTES)[:HEAD_BYTES])
            seekable = getattr(self.stream, "seekable", None)
            if seekable is None or not seekable():
                return b""
            at = self.stream.tell()  # a spooled standard input, say: read, and go back
            head = self.stream.read(HEAD_BYTES)
            self.stream.seek(at)
            return head

    def lines(self) -> Iterator[bytes]:
        # limit + 2: a line of exactly `limit` bytes ending in CRLF arrives whole, never cut
        # between its CR and its LF.
        with self._errors():
            yield from iter(functools.partial(self.stream.readline, self.limit + 2), b"")

    def skip_rest(self, cut: bytes) -> tuple[int, int]:
        """Read past the rest of the line `cut` begins: (bytes read, and how many bytes end
        the line: 0 at the end of the file, 1 for LF, 2 for CRLF, whose CR may be in `cut`)."""
        count = 0
        last = cut[-1:]
        with self._errors():
            while True:
                part = self.stream.readline(1 << 20)
                count += len(part)
                last = (last + part)[-2:]
                if not part or part[-1:] == b"\n":
                    self.skipped += count
                    if part:
                        ending = 2 if last == b"\r\n" else 1
                    else:  # the end of the file: a last CR is not the line's, as in _check_line
                        ending = 1 if last[-1:] == b"\r" else 0
                    return count, ending

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (OSError, EOFError, zlib.error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, EOFError):
                reason = "the compressed file is truncated"
            raise ReadError(f"{self.path}: {reason}") from None


class _Counted(io.RawIOBase):
    """A raw file that reports how many bytes were read from it."""

    def __init__(self, raw: Any, on_read: Callable[[int], None]) -> None:
        self.raw = raw
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        count: int | None = self.raw.readinto(buffer)
        if count:
            self.on_read(count)
        return count


def printable(path: str) -> str:
    """A path as shown in reports: undecodable bytes of a file name become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def lint_lines(
    lines: Iterable[bytes | str],
    path: str = "-",
    settings: Settings | None = None,
    *,
    size: int | None = None,
) -> Iterator[Diagnostic]:
    """Lint the lines of one file, each with its line end as read (`b"...\\n"`).

    `size`, when known before reading, lets MIC006 be reported at line 1; otherwise it is
    reported where the limit is passed.
    """
    settings = settings or Settings()
    as_bytes = (x.encode("utf-8", "surrogateescape") if isinstance(x, str) else x for x in lines)
    first = list(itertools.islice(as_bytes, DETECT_RECORDS))  # enough to tell the type
    doc_type = doc_type_of(settings, path, b"".join(line.rstrip(b"\n") + b"\n" for line in first))
    linter = _FileLinter(path, settings, size, doc_type=doc_type)
    yield from linter.run(itertools.chain(first, as_bytes))


class _Loose(NamedTuple):
    """The loose decoder, its fast check (without MIC501), and (attribute, field, stand-in,
    field schema) of each field it takes loosely."""

    decode: Callable[[bytes], Any]
    check: FastCheck
    fields: tuple[tuple[str, str, str, dict[str, Any]], ...]
    unset: Any


class _Held(NamedTuple):
    raw: bytes
    diagnostics: list[Diagnostic]
    blank: bool


class _FileLinter:
    """One file, or one chunk of a file (`first_line` > 1: see parallel.py)."""

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
    ) -> None:
        self.path = path
        self.max_line = settings.max_line_bytes
        self.show_values = settings.show_values
        self.skip_rest = skip_rest
        self.first_line = first_line
        active: ActiveRules = settings.rules_for(path)
        self.enabled = active.enabled
        self.severity = active.severity
        if doc_type is None:
            doc_type = settings.doc_type_for(path)
        # A profile file is checked against the form its settings name (a schema variant).
        self.schema_file = schemas.for_form(doc_type.schema_file, settings.profile_form)
        self.schema = schemas.load_schema(self.schema_file)
        self.rules = [r for r in doc_type.record_rules if r.code in self.enabled]
        self.checks = [(r.code, r.check) for r in self.rules if r.check is not None]
        self.value_rules = REGISTRY.value_rules(self.enabled)
        self.identifier_values = doc_type.identifier_values
        self.check_dups = syntax.DUPLICATE_KEY.code in self.enabled
        self.check_ints = syntax.UNSAFE_INTEGER.code in self.enabled
        self.check_utf16 = f.UTF16_FILE.code in self.enabled
        self.check_schema = any(r.code in self.enabled for r in structure.FAMILY.rules)
        self.check_other_type = structure.OTHER_DOCUMENT_TYPE.code in self.enabled
        self.users: Users = users if users is not None else UserTable()
        self.state: dict[str, Any] = {
            DUPLICATE_USER_STATE: self.users,
            PROFILE_FORM_STATE: settings.profile_form,
        }
        self.crlf_reported = False
        self.limit = settings.max_file_size
        self.size = size
        self.bytes_read = 0
        self.size_reported = size_reported
        self.quoted: dict[str, bytes] = {}
        self.still_holding = False
        self.doc_type = doc_type
        # The fast path vouches for a line only where it knows every rule that could fire
        # on it: a rule it does not cover (one just added, say) means the full checks.
        self.fast_wanted = (
            settings.fast_path
            and doc_type.fast_check is not None
            and not doc_type.fast_uncovered(self.enabled)
        )
        start = settings.fast_path_from
        if start is None:
            start = config.DEFAULT_FAST_PATH_FROM  # looked up now: tests may change it
        self.fast_from = start if first_line == 1 else 0
        self.decode_errors: tuple[type[Exception], ...] = ()
        self.loose: _Loose | None = None

    # -- the file ------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes]) -> Iterator[Diagnostic]:
        held: list[_Held] = []
        # Only a file's first lines are held (is it empty? one document?); a chunk's are not.
        holding = self.first_line == 1
        held_bytes = 0
        document = False  # the file opened with a line holding only "{" or "["
        too_big = False  # ... and is too large to hold and parse as one
        lineno = self.first_line - 1
        decode: Any = None
        vouch: FastCheck | None = None
        lines = iter(lines)
        for raw in lines:
            if lineno == 0 and self.check_utf16:
                found = sniff(raw)
                if found is not None and found[0] == _UTF16:
                    yield from self.utf16(found[1])  # its lines are not read: all broken
                    return
            # A chunk (first_line > 1) is part of a large file: fast from its first line.
            if vouch is None and self.fast_wanted and lineno + 1 >= self.fast_from:
                decode, vouch = self._fast_path(lineno)
            if vouch is not None and not holding and not document:
                # No more holding: the rest of the file goes round the fast loop.
                self.still_holding = False
                yield from self._fast_loop(itertools.chain((raw,), lines), lineno, decode, vouch)
                return
            lineno += 1
            over = False
            if not self.size_reported:
                self.bytes_read += len(raw)
                over = (self.size if self.size is not None else self.bytes_read) > self.limit
            if document:
                if self._oversized(raw) is not None:  # not pieced together: too long
                    too_big = True
                if too_big:
                    continue  # only counted: the document is too large to piece together
                held.append(_Held(raw, [], False))
                held_bytes += len(raw)
                if held_bytes > _DOCUMENT_LIMIT:
                    too_big = True  # memory stays bounded: MIC007 without parsing it
                    held = [h for h in held if h.diagnostics]
                continue
            diagnostics, verdict = self._check_line(raw, lineno, over)
            if not holding:
                yield from diagnostics
                continue
            if verdict == _TOO_LONG:
                raw = b""  # not kept: a file with such a line is no document to piece together
            held.append(_Held(raw, diagnostics, verdict == _BLANK))
            held_bytes += len(raw)
            if verdict in (_RECORD, _TOO_LONG) or held_bytes > _HOLD_LIMIT:
                holding = False
                yield from _release(held)
                held = []
            elif verdict == _INVALID:
                document = f.opens_document(raw.removeprefix(f.BOM) if lineno == 1 else raw)
        self.still_holding = holding
        if too_big:
            kept = [d for h in held for d in h.diagnostics if d.code in _FILE_LEVEL]
            yield from self._document_found(kept, lineno, None)
        elif holding:
            yield from self._end_held(held, lineno, document)

    def _fast_loop(
        self, lines: Iterable[bytes], lineno: int, decode: Any, vouch: FastCheck
    ) -> Iterator[Diagnostic]:
        """The lines after line `lineno`, the fast path first: the loop most lines of a large
        file go round, kept short.

        Lines go in groups of up to _GROUP, read ahead and screened together: a group with
        no `<`, no backslash and no run of 19 digits anywhere spares each of its lines three
        searches of its own (one search over the group costs a tenth of those). A line longer
        than max-line-bytes ends its group, as the reader may have cut it: the rest of it is
        read from the stream (`skip_rest`) before any line after it. A read error while a
        group fills is raised once the lines read before it are checked, as without groups.
        """
        errors = self.decode_errors
        check_line = self._check_line
        crlf_reported = self.crlf_reported
        size, limit = self.size, self.limit
        count_bytes = not self.size_reported  # until MIC006 is reported
        max_raw = self.max_line + 1  # a longer line (with its LF) is MIC010's: slow path
        screen_ints = self.check_ints
        loose = self._loose_line if self.loose is not None else None
        streak = False  # decode loosely first: see _loose_line
        group: list[bytes] = []
        append = group.append
        lines = iter(lines)
        while True:
            held = 0
            failed: Exception | None = None
            try:
                for raw in lines:
                    append(raw)
                    held += len(raw)
                    if len(group) == _GROUP or len(raw) > max_raw or held >= _GROUP_BYTES:
                        break
            except Exception as exc:  # a read error (a truncated .gz): after the lines read
                failed = exc
            if not group:
                if failed is not None:
                    raise failed
                return
            block = b"".join(group)
            plain = (
                b"<" not in block
                and b"\\" not in block
                and not (screen_ints and LONG_DIGIT_RUN in block.translate(DIGITS_TO_ZERO))
            )
            # A group within max-file-size, without a CR, and whose last line is whole and
            # short (only a last line may be cut or end the file unfinished; the others are
            # shorter than max-line-bytes, or the group would have ended) needs no test per
            # line before its lines' fast path. Its bytes are counted at once: none of its
            # lines can change the file's MIC006 or MIC003 state.
            last = group[-1]
            simple = (
                last[-1:] == b"\n"
                and len(last) <= max_raw
                and b"\r" not in block
                and not (
                    count_bytes
                    and (size if size is not None else self.bytes_read + len(block)) > limit
                )
            )
            if simple and count_bytes:
                self.bytes_read += len(block)
            over = False
            for raw in group:
                lineno += 1
                if not simple:
                    over = False
                    if count_bytes:
                        self.bytes_read += len(raw)
                        over = (size if size is not None else self.bytes_read) > limit
                if simple or (
                    not over
                    and raw[-1:] == b"\n"
                    and (crlf_reported or raw[-2:-1] != b"\r")
                    and len(raw) <= max_raw
                ):
                    if streak and loose is not None:  # the last line's only fault: an id's type
                        made = loose(raw, lineno, plain, vouch)
                        if made is not None:
                            yield from made
                            continue
                        streak = False
                    else:
                        try:
                            command = decode(raw)
                        except errors:
                            if loose is not None:
                                made = loose(raw, lineno, plain, None)
                                if made is not None:
                                    streak = True
                                    yield from made
                                    continue
                        else:
                            if vouch(command, raw, lineno, plain):
                                continue
                diagnostics, _ = check_line(raw, lineno, over)
                yield from diagnostics
                crlf_reported = self.crlf_reported
                count_bytes = not self.size_reported
            group.clear()
            if failed is not None:
                raise failed

    def utf16(self, variant: str) -> list[Diagnostic]:
        """A UTF-16 file: one diagnostic, and its lines are not read."""
        return self._sorted([self._diag(f.UTF16_FILE.code, f.utf16(variant), 1, 1)])

    def _fast_path(self, lines_read: int) -> tuple[Any, FastCheck | None]:
        """The decoder and the check of the fast path; (None, None) if there is none."""
        from mics_lint import fastpath

        self.fast_wanted = False
        self.decode_errors = fastpath.DECODE_ERRORS
        # Made once per schema: a worker checks many chunks of one file.
        key = (self.schema_file, self.doc_type.fast_closed)
        decoder = _DECODERS.get(key, _NOT_MADE)
        if decoder is _NOT_MADE:
            decoder = _DECODERS[key] = fastpath.struct_decoder(
                self.schema, closed=self.doc_type.fast_closed
            )
        if decoder is None or self.doc_type.fast_check is None:
            return None, None
        if isinstance(self.users, UserTable) and self.size and self.bytes_read and lines_read:
            # Room at once for as many users as the first lines promise, up to a bound.
            expected = self.size * lines_read // self.bytes_read
            share = self.users.count / lines_read
            self.users.reserve(int(expected * share))
        if self.doc_type.fast_loose:
            self.loose = self._loose_path(fastpath)
        return decoder.decode, self.doc_type.fast_check(self.enabled, self.users, decoder)

    def _loose_path(self, fastpath: Any) -> _Loose | None:
        """The second try of a line the fast decoder refused: see `_loose_line`."""
        names = dict(self.doc_type.fast_loose)
        key: tuple[str | bool, ...] = (self.schema_file, self.doc_type.fast_closed, *names)
        decoder = _DECODERS.get(key, _NOT_MADE)
        if decoder is _NOT_MADE:
            decoder = _DECODERS[key] = fastpath.struct_decoder(
                self.schema, closed=self.doc_type.fast_closed, loose=frozenset(names)
            )
        if decoder is None or self.doc_type.fast_check is None:
            return None
        properties = self.schema.get("properties", {})
        fields = []
        for name, stand_in in names.items():
            subschema = properties.get(name)
            # A field the strict decoder takes as any string: decoded loosely, a string is
            # what the strict decoder would have made of it (see _loose_line's streak).
            if not isinstance(subschema, dict) or not fastpath.plain_string(subschema):
                return None
            fields.append((fastpath.attribute(name), name, stand_in, subschema))
        # Without MIC501: a user named by an id of the wrong type is no one (crossline.user_key).
        check = self.doc_type.fast_check(self.enabled, None, decoder)
        return _Loose(decoder.decode, check, tuple(fields), fastpath.UNSET)

    def _loose_line(
        self, raw: bytes, lineno: int, plain: bool, vouch: FastCheck | None
    ) -> list[Diagnostic] | None:
        """The diagnostics of a line the fast decoder refused only because an identifier is
        not a string (`compartment_id: 1000` on every line of an export), or None.

        The loose decoder takes those identifiers with any value and every other field as
        the fast decoder does. A stand-in string goes in place of each identifier that is a
        number, a boolean or null, and the fast check runs without MIC501: if it vouches,
        the full checks would find nothing but MIC202 on those identifiers. The rules read
        an identifier only through `isinstance(value, str)` (presence aside, unchanged),
        and MIC501 skips a user named by an id that is not a string. So the line gets what
        the full checks give it, made by the code `schema_findings` uses for jsonschema's
        `type` errors, at a fraction of the cost: a file whose every line has
        this mistake stays cheap. tests/test_fastpath.py holds it to the full checks.

        Once a line was taken so, the next ones are decoded loosely first (no failed strict
        decode each): `vouch`, the fast check, then takes a line whose identifiers are all
        strings ([] when it vouches), which the strict decoder would have decoded the same
        (those fields are plain strings to it).
        """
        loose = self.loose
        assert loose is not None
        try:
            command = loose.decode(raw)
        except self.decode_errors:
            return None
        wrong = []
        unset = loose.unset
        for attribute, name, stand_in, subschema in loose.fields:
            value = getattr(command, attribute)
            if value is unset or type(value) is str:
                continue
            if value is not None and type(value) not in (int, float, bool):
                return None  # an array or an object: the full checks say more about it
            wrong.append((name, value, subschema))
            if type(value) is not float:  # written as str() writes it (but "-0"): as long
                stand_in += "0" * (len(str(value)) - 2 - len(stand_in))
            setattr(command, attribute, stand_in)
        if not wrong:
            return [] if vouch is not None and vouch(command, raw, lineno, plain) else None
        if lineno == 1 or not loose.check(command, raw, lineno, plain):
            return None
        body = raw[:-1]
        if body[-1:] == b"\r":  # a CRLF line, after MIC003 was reported
            body = body[:-1]
        ctx = LineContext(lineno, body, self.state, self.show_values)
        found = [
            structure.top_level_type_finding(name, value, subschema, ctx)
            for name, value, subschema in wrong
        ]
        return self._stamp(found, body, lineno, ctx.decoded)

    def _end_held(self, held: list[_Held], last: int, document: bool) -> list[Diagnostic]:
        """The end of a file none of whose lines parsed: empty, one document, or broken lines."""
        kept: list[Diagnostic | None] = [
            d for h in held for d in h.diagnostics if d.code in _FILE_LEVEL
        ]
        if all(h.blank for h in held):
            only_bom = all(not h.raw.removeprefix(f.BOM) for h in held)
            return self._sorted([*kept, self._diag(f.EMPTY_FILE.code, f.empty(only_bom), 1, 1)])
        if document and last > 1:
            return self._document(held, last, kept)  # a lone "{" is a broken line
        if sum(not h.blank for h in held) >= 2:
            raw = b"".join(h.raw for h in held).removeprefix(f.BOM)
            with contextlib.suppress(UnicodeDecodeError, ValueError, RecursionError):
                value = parse_exact(raw.decode("utf-8"))
                return self._document_found(kept, last, value)
        return list(_release(held))

    def _document(
        self, held: list[_Held], last: int, kept: list[Diagnostic | None]
    ) -> list[Diagnostic]:
        """A file that opens with `{` or `[` alone: MIC007, and where the document breaks."""
        raw = b"".join(h.raw for h in held).removeprefix(f.BOM)
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
            made = self._diag(f.INVALID_UTF8.code, finding, line, width)
            return self._document_found([*kept, made], last, None)
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            try:  # valid JSON that orjson refuses (nesting deeper than it allows)
                value = parse_exact(text)
            except (ValueError, RecursionError):
                line, col, message = syntax.document_error(
                    text, _char_pos(exc, text), exc.msg, self.show_values
                )
                broken = self._diag(syntax.INVALID_JSON.code, Finding(message, col), line, col + 1)
                return self._document_found([*kept, broken], last, None)
        return self._document_found(kept, last, value)

    def _document_found(
        self, kept: Sequence[Diagnostic | None], last: int, value: Any
    ) -> list[Diagnostic]:
        kept = list(kept)
        if self.size is None and self.bytes_read > self.limit and not self.size_reported:
            too_large = f.too_large(self.limit, self.bytes_read, known_before=False)
            kept.append(self._diag(f.FILE_TOO_LARGE.code, too_large, 1, 1))
        kept.append(self._diag(f.NOT_NDJSON.code, f.not_ndjson(value, last), 1, 1))
        return self._sorted(kept)

    # -- one line ------------------------------------------------------------------------

    def _check_line(self, raw: bytes, lineno: int, over: bool) -> tuple[list[Diagnostic], str]:
        """The line's diagnostics, and what it was: _RECORD, _BLANK, _INVALID or _TOO_LONG."""
        found: Found = []
        size = self._oversized(raw)
        if size is not None:
            found.append((f.LINE_TOO_LONG.code, f.line_too_long(self.max_line, size)))
            if self.size is None:
                over = self.bytes_read > self.limit  # with the skipped rest counted
            self._report_size(over, found)
            return self._stamp(found, b"", lineno), _TOO_LONG
        body = raw
        if body.endswith(b"\n"):
            body = body[:-1]
        else:
            found.append((f.MISSING_FINAL_NEWLINE.code, f.NO_FINAL_NEWLINE))
        if body.endswith(b"\r"):
            body = body[:-1]
            if not self.crlf_reported:
                found.append((f.CRLF_LINE_ENDINGS.code, f.CRLF))
        if lineno == 1 and body.startswith(f.BOM):
            body = body[3:]
            found.append((f.BYTE_ORDER_MARK.code, f.STARTS_WITH_BOM))
        self._report_size(over, found)
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            verdict, record = self._unparsed(body, exc, found)
            if verdict != _RECORD:
                return self._stamp(found, body, lineno), verdict
        text = None
        if isinstance(record, dict):
            text = self._check_record(record, body, lineno, found)
        else:
            found.append((syntax.NOT_AN_OBJECT.code, Finding(syntax.not_an_object(record))))
        return self._stamp(found, body, lineno, text), _RECORD

    def _oversized(self, raw: bytes) -> int | None:
        """The length of a line over max-line-bytes (reading past the rest of one the reader
        cut), or None for a line within it."""
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

    def _report_size(self, over: bool, found: Found) -> None:
        """MIC006, the first time the file is found over max-file-size."""
        if over and not self.size_reported:
            self.size_reported = True
            known = self.size is not None
            size = self.size if self.size is not None else self.bytes_read
            found.append((f.FILE_TOO_LARGE.code, f.too_large(self.limit, size, known)))

    def _unparsed(self, body: bytes, exc: orjson.JSONDecodeError, found: Found) -> tuple[str, Any]:
        """A line orjson rejected: invalid UTF-8, blank, valid after all, or invalid JSON."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as bad:
            found.append((f.INVALID_UTF8.code, f.invalid_utf8(body, bad.start)))
            return _INVALID, None
        if not text.strip(" \t\r\n\x0b\x0c"):
            found.append((f.BLANK_LINE.code, f.BLANK))
            return _BLANK, None
        try:
            # orjson refuses some valid JSON (very deep nesting); the standard library decides.
            return _RECORD, parse_exact(text)
        except (ValueError, RecursionError):
            pass
        message, column = syntax.invalid_json_message(
            text, _char_pos(exc, text), exc.msg, self.show_values
        )
        found.append((syntax.INVALID_JSON.code, Finding(message, column)))
        return _INVALID, None

    def _check_record(self, record: Record, body: bytes, lineno: int, found: Found) -> str | None:
        """Adds the record's findings; returns the line's text if a check decoded it."""
        ctx = LineContext(lineno, body, self.state, self.show_values)
        if self.check_other_type:
            other = looks_like(record, self.doc_type)
            if other is not None:  # of another type: its own checks would only add noise
                keys = [k for k in record if k in other.markers]
                message = structure.other_type_message(
                    other.name, other.short_name, keys, self.doc_type.name
                )
                found.append((structure.OTHER_DOCUMENT_TYPE.code, ctx.at(keys[0], message)))
                return ctx.decoded
        if self.check_dups and self._may_repeat_keys(record, body):
            for key, start, end in duplicate_keys(ctx.text):
                message = syntax.duplicate_key_message(key, self.show_values)
                found.append((syntax.DUPLICATE_KEY.code, Finding(message, start + 1, end + 1)))
        if self.check_ints and LONG_DIGIT_RUN in body.translate(DIGITS_TO_ZERO):
            for path, literal in unsafe_integers(ctx.text):
                key = str(path[0]) if path else ""
                where = path_text(path)
                message = syntax.unsafe_integer_message(key, literal, self.show_values, where)
                found.append((syntax.UNSAFE_INTEGER.code, ctx.at(path or key, message)))
        if self.check_schema and not schemas.is_valid(self.schema_file, record):
            try:
                errors = schemas.errors(self.schema_file, record)
                found.extend(schema_findings(errors, record, self.schema, ctx))
            except RecursionError:  # a value nested ~1,000 deep: jsonschema's repr gives up
                pass
        for code, check in self.checks:
            for finding in check(record, ctx):
                found.append((code, finding))
        if self.value_rules:
            self._check_values(record, ctx, found)
        return ctx.decoded

    def _check_values(self, record: Record, ctx: LineContext, found: Found) -> None:
        """The value rules, on each identifier value the type's field map finds."""
        for path, where, role, value in self.identifier_values(record):
            for rule in self.value_rules:
                if (rule.roles is None or role in rule.roles) and rule.bad(value):  # type: ignore[misc]
                    message = rule.message(where, value, self.show_values)  # type: ignore[misc]
                    found.append((rule.code, ctx.at(path, message)))

    def _may_repeat_keys(self, record: Record, body: bytes) -> bool:
        # Cheap test: a key whose quoted spelling occurs once in the line occurs once as a
        # key. Not at all means it was written with \u escapes: the tokenizer decides, and
        # decides at once for a record of many keys (a search per key would be quadratic).
        if len(record) > 32 or b"\\u" in body:
            # A key written with \u escapes ("force\u005freplace") is not found by its
            # plain spelling: only the tokenizer, which decodes keys, can tell.
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

    def _stamp(
        self, found: Found, body: bytes, lineno: int, text: str | None = None
    ) -> list[Diagnostic]:
        if not found:
            return []
        codes = {code for code, _ in found}
        if codes & _LINE_ENDING:
            found = [(c, x) for c, x in found if c in _LINE_ENDING or c in _FILE_LEVEL]
        else:
            self.crlf_reported = self.crlf_reported or f.CRLF_LINE_ENDINGS.code in codes
        if text is None:
            text = decode_lenient(body)
        width = len(text) + 1
        made = [self._diag(code, finding, lineno, width, text) for code, finding in found]
        return self._sorted(made)

    @staticmethod
    def _sorted(made: Sequence[Diagnostic | None]) -> list[Diagnostic]:
        if len(made) == 1:  # most bad lines have one problem
            return [] if made[0] is None else [made[0]]
        return sorted((d for d in made if d is not None), key=Diagnostic.sort_key)

    def _diag(
        self, code: str, finding: Finding, lineno: int, width: int, source: str | None = None
    ) -> Diagnostic | None:
        if code not in self.enabled:
            return None
        rule = REGISTRY[code]
        column = finding.column or 1
        if finding.end_column:
            end = finding.end_column
        elif finding.column:
            end = min(column + 1, max(width, column + 1))
        else:
            end = max(width, column)
        message = finding.message if self.show_values else redact.mask_emails(finding.message)
        return Diagnostic(
            self.path,
            lineno,
            column,
            lineno,
            end,
            code,
            rule.name,
            self.severity[code],
            message,
            source,
            self.doc_type.name,
        )


def _release(held: Iterable[_Held]) -> Iterator[Diagnostic]:
    for h in held:
        yield from h.diagnostics


def _char_pos(exc: orjson.JSONDecodeError, text: str) -> int:
    return max(0, min(int(exc.pos), len(text)))
