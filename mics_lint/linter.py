"""The engine: bytes in, diagnostics out, in order, and nothing printed.

A file is read line by line and each line is parsed once with orjson; memory stays flat
however long the file. Two situations need a look at several lines before anything can be
said, so their lines are held back: a file that starts with blank lines (is it empty?), and a
file whose first lines all fail to parse (is it one JSON document spread over lines?). Both
holds end at the first line that parses, or after `_HOLD_LIMIT` bytes.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import orjson

from mics_lint import schema as schemas
from mics_lint.config import ActiveRules, Settings
from mics_lint.diagnostic import Diagnostic, Finding
from mics_lint.doctypes import DOC_TYPES
from mics_lint.jsontext import (
    decode_lenient,
    duplicate_keys,
    offset_to_line_col,
    parse_exact,
    shorten,
    unsafe_integers,
)
from mics_lint.registry import LineContext, Record
from mics_lint.rules import REGISTRY, syntax
from mics_lint.rules import framing as f
from mics_lint.rules.structure import schema_findings

__all__ = ["ReadError", "lint_file", "lint_lines", "lint_stream", "printable"]

_HOLD_LIMIT = 8 * 1024 * 1024
# An integer literal of 19 digits or more may lie outside the signed 64-bit range. Looking
# for a run of 19 zeros after mapping every digit to "0" is ten times faster than a regex.
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_RUN = b"0" * 19
# Codes about the file as a whole: kept when a file's lines are summed up by MIC007 or MIC008.
_FILE_LEVEL = frozenset({f.BYTE_ORDER_MARK.code, f.FILE_TOO_LARGE.code})
# A line with one of these gets no other line-level diagnostic.
_LINE_ENDING = frozenset({f.INVALID_UTF8.code, syntax.INVALID_JSON.code, syntax.NOT_AN_OBJECT.code})
_WHITESPACE = b" \t\r\n\x0b\x0c"

Found = list[tuple[str, Finding]]


class ReadError(Exception):
    """A file could not be read (missing, unreadable, a broken .gz); the message says why."""


def lint_file(
    path: str | os.PathLike[str], settings: Settings | None = None, *, display: str | None = None
) -> Iterator[Diagnostic]:
    """Lint one import file (`.gz` read transparently); raise ReadError if it can't be read."""
    name = display if display is not None else printable(os.fspath(path))
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(f"{name}: is a directory")
        compressed = os.fspath(path).endswith(".gz")
        handle: BinaryIO = (
            gzip.open(path, "rb") if compressed else open(path, "rb")  # type: ignore[assignment]  # noqa: SIM115
        )
    except OSError as exc:
        raise ReadError(f"{name}: {exc.strerror or exc}") from None
    size = info.st_size if stat.S_ISREG(info.st_mode) and not compressed else None
    with handle:
        yield from lint_stream(handle, name, settings, size=size)


def lint_stream(
    stream: BinaryIO, path: str, settings: Settings | None = None, *, size: int | None = None
) -> Iterator[Diagnostic]:
    """Lint an open binary stream (standard input, say); read errors become ReadError."""
    lines = _read_lines(stream, path)
    yield from lint_lines(lines, path, settings, size=size)


def printable(path: str) -> str:
    """A path as shown in reports: undecodable bytes of a file name become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _read_lines(stream: BinaryIO, path: str) -> Iterator[bytes]:
    try:
        yield from stream
    except (OSError, EOFError, zlib.error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if isinstance(exc, EOFError):
            reason = "the compressed file is truncated"
        raise ReadError(f"{path}: {reason}") from None


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
    yield from _FileLinter(path, settings, size).run(lines)


class _FileLinter:
    def __init__(self, path: str, settings: Settings, size: int | None) -> None:
        self.path = path
        active: ActiveRules = settings.rules_for(path)
        self.enabled = active.enabled
        self.severity = active.severity
        doc_type = DOC_TYPES[settings.doc_type]
        self.schema_file = doc_type.schema_file
        self.schema = schemas.load_schema(doc_type.schema_file)
        self.rules = [r for r in doc_type.record_rules if r.code in self.enabled]
        self.check_dups = syntax.DUPLICATE_KEY.code in self.enabled
        self.check_ints = syntax.UNSAFE_INTEGER.code in self.enabled
        self.state: dict[str, Any] = {}
        self.crlf_reported = False
        self.limit = settings.max_file_size
        self.size = size
        self.bytes_read = 0
        self.size_reported = False
        self.quoted: dict[str, bytes] = {}

    # -- the file ------------------------------------------------------------------------

    def run(self, lines: Iterable[bytes | str]) -> Iterator[Diagnostic]:
        held: list[tuple[bytes, list[Diagnostic], bool]] = []  # (line, diagnostics, is blank)
        holding = True
        held_bytes = 0
        lineno = 0
        document: list[bytes] | None = None
        for lineno, raw in enumerate(lines, 1):
            if isinstance(raw, str):
                raw = raw.encode("utf-8", "surrogateescape")
            if document is not None:
                document.append(raw)
                self.bytes_read += len(raw)
                continue
            diagnostics, verdict = self._check_line(raw, lineno)
            if not holding:
                yield from diagnostics
                continue
            if verdict == "record":
                holding = False
                for _, earlier, _ in held:
                    yield from earlier
                held = []
                yield from diagnostics
                continue
            held.append((raw, diagnostics, verdict == "blank"))
            held_bytes += len(raw)
            if verdict != "blank" and _opens_document(raw, lineno):
                document = [line for line, _, _ in held]
            elif held_bytes > _HOLD_LIMIT:
                holding = False
                for _, earlier, _ in held:
                    yield from earlier
                held = []
        if document is not None and lineno > 1:
            yield from self._document(document, held, lineno)
        elif document is not None:
            for _, diagnostics, _ in held:  # a lone "{" is a broken line, not a document
                yield from diagnostics
        elif holding:
            yield from self._end_held(held, lineno)

    def _end_held(
        self, held: list[tuple[bytes, list[Diagnostic], bool]], last: int
    ) -> Iterator[Diagnostic]:
        """At the end of a file every line of which was held: empty, one document, or not."""
        if all(blank for _, _, blank in held):
            kept = [d for _, ds, _ in held for d in ds if d.code in _FILE_LEVEL]
            empty = self._diag(f.EMPTY_FILE.code, Finding(_empty_message(held)), 1, 1)
            yield from sorted([*kept, *([empty] if empty else [])], key=Diagnostic.sort_key)
            return
        if sum(not blank for _, _, blank in held) >= 2:
            text = _document_text([line for line, _, _ in held])
            if text is not None:
                try:
                    value = parse_exact(text)
                except (ValueError, RecursionError):
                    pass
                else:
                    yield from self._document_found(held, last, value)
                    return
        for _, diagnostics, _ in held:
            yield from diagnostics

    def _document(
        self,
        lines: list[bytes],
        held: list[tuple[bytes, list[Diagnostic], bool]],
        last: int,
    ) -> Iterator[Diagnostic]:
        """A file that opens with a line holding only `{` or `[`: one multi-line document."""
        text = _document_text(lines)
        found: list[Diagnostic] = []
        value: Any = None
        if text is None:
            raw = b"".join(lines).removeprefix(f.BOM)
            bad = raw.decode("utf-8", "replace").find("\ufffd")
            line, col = offset_to_line_col(raw.decode("utf-8", "replace"), max(bad, 0))
            made = self._diag(
                f.INVALID_UTF8.code, Finding("the file is not valid UTF-8", col), line, col
            )
            found.extend([made] if made else [])
        else:
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                line, col, message = _document_error(text, exc)
                made = self._diag(syntax.INVALID_JSON.code, Finding(message, col), line, col)
                found.extend([made] if made else [])
        summary = self._document_found(held, last, value)
        yield from sorted([*summary, *found], key=Diagnostic.sort_key)

    def _document_found(
        self, held: list[tuple[bytes, list[Diagnostic], bool]], last: int, value: Any
    ) -> list[Diagnostic]:
        kept = [d for _, ds, _ in held for d in ds if d.code in _FILE_LEVEL]
        if self.size is None and self.bytes_read > self.limit and not self.size_reported:
            made = self._diag(f.FILE_TOO_LARGE.code, Finding(self._size_message()), 1, 1)
            kept.extend([made] if made else [])
        if isinstance(value, list):
            what = f"a JSON array of {len(value)} values spread over {last} lines"
            fix = "write one command per line (jq -c '.[]' turns the array into NDJSON)"
        elif isinstance(value, dict):
            what = f"one JSON object pretty-printed over {last} lines"
            fix = "write each command on a single line (jq -c . compacts it)"
        else:
            what = f"one JSON document spread over {last} lines"
            fix = "write each command as one JSON object on a single line"
        made = self._diag(
            f.NOT_NDJSON.code, Finding(f"the file is {what}, not NDJSON: {fix}"), 1, 1
        )
        return sorted([*kept, *([made] if made else [])], key=Diagnostic.sort_key)

    # -- one line ------------------------------------------------------------------------

    def _check_line(self, raw: bytes, lineno: int) -> tuple[list[Diagnostic], str]:
        """The line's diagnostics, and what it was: "record", "blank" or "invalid"."""
        found: Found = []
        body = raw
        if body.endswith(b"\n"):
            body = body[:-1]
        else:
            found.append(
                (
                    f.MISSING_FINAL_NEWLINE.code,
                    Finding("no newline at the end of the file: end the last line with \\n"),
                )
            )
        if body.endswith(b"\r"):
            body = body[:-1]
            if not self.crlf_reported:
                found.append(
                    (
                        f.CRLF_LINE_ENDINGS.code,
                        Finding(
                            "line ends with CRLF (\\r\\n): use LF (\\n) line endings "
                            "(reported once per file)"
                        ),
                    )
                )
        if lineno == 1 and body.startswith(f.BOM):
            body = body[3:]
            found.append(
                (
                    f.BYTE_ORDER_MARK.code,
                    Finding(
                        "the file starts with a UTF-8 byte-order mark (BOM): save it as UTF-8 "
                        "without BOM"
                    ),
                )
            )
        if not self.size_reported:
            self.bytes_read += len(raw)
            if (self.size if self.size is not None else self.bytes_read) > self.limit:
                self.size_reported = True
                found.append((f.FILE_TOO_LARGE.code, Finding(self._size_message())))
        verdict = "record"
        try:
            record = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            verdict, parsed = self._unparsed(body, exc, found)
            if parsed is None:
                return self._stamp(found, raw, body, lineno), verdict
            record = parsed
        if isinstance(record, dict):
            self._check_record(record, body, lineno, found)
        else:
            found.append((syntax.NOT_AN_OBJECT.code, Finding(_not_object_message(record))))
        return self._stamp(found, raw, body, lineno), verdict

    def _unparsed(self, body: bytes, exc: orjson.JSONDecodeError, found: Found) -> tuple[str, Any]:
        """A line orjson rejected: invalid UTF-8, blank, valid after all, or invalid JSON."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as bad:
            column = len(body[: bad.start].decode("utf-8", "replace")) + 1
            byte = body[bad.start : bad.start + 1].hex().upper()
            found.append(
                (
                    f.INVALID_UTF8.code,
                    Finding(f"byte 0x{byte} is not UTF-8: re-export the file as UTF-8", column),
                )
            )
            return "invalid", None
        if not text.strip(" \t\r\n\x0b\x0c"):
            found.append(
                (
                    f.BLANK_LINE.code,
                    Finding("blank line: remove it (every line must be one command)"),
                )
            )
            return "blank", None
        try:
            # orjson refuses some valid JSON (very deep nesting); the standard library decides.
            return "record", parse_exact(text)
        except (ValueError, RecursionError):
            pass
        message, column = syntax.invalid_json_message(text, _char_pos(exc, text), exc.msg)
        found.append((syntax.INVALID_JSON.code, Finding(message, column)))
        return "invalid", None

    def _check_record(self, record: Record, body: bytes, lineno: int, found: Found) -> None:
        ctx = LineContext(lineno, body, self.state)
        if self.check_dups and self._may_repeat_keys(record, body):
            for key, start, end in duplicate_keys(decode_lenient(body)):
                found.append(
                    (
                        syntax.DUPLICATE_KEY.code,
                        Finding(
                            f"key {shorten(key, 40)} appears more than once: the last value "
                            "is used, remove the others",
                            start + 1,
                            end + 1,
                        ),
                    )
                )
        if self.check_ints and _LONG_RUN in body.translate(_DIGITS_TO_ZERO):
            for key, literal in unsafe_integers(decode_lenient(body)):
                shown = literal if len(literal) <= 30 else literal[:27] + "..."
                found.append(
                    (
                        syntax.UNSAFE_INTEGER.code,
                        ctx.at(
                            key,
                            f"integer {shown} in {key or 'the line'} is outside the 64-bit "
                            "range and loses precision: write it as a string",
                        ),
                    )
                )
        if not schemas.is_valid(self.schema_file, record):
            errors = schemas.iter_errors(self.schema_file, record)
            found.extend(schema_findings(errors, record, self.schema, ctx))
        for rule in self.rules:
            assert rule.check is not None
            for finding in rule.check(record, ctx):
                found.append((rule.code, finding))

    def _may_repeat_keys(self, record: Record, body: bytes) -> bool:
        # Cheap test: a key whose quoted spelling occurs once in the line occurs once as a key.
        for key in record:
            quoted = self.quoted.get(key)
            if quoted is None:
                quoted = b'"' + key.encode("utf-8", "surrogatepass") + b'"'
                if len(self.quoted) < 1024:
                    self.quoted[key] = quoted
            if body.count(quoted) > 1:
                return True
        return False

    def _size_message(self) -> str:
        size = self.size if self.size is not None else self.bytes_read
        where = "" if self.size is not None else " (at this line)"
        return (
            f"the file is larger than {_mib(self.limit)}{where}, the recommended maximum "
            f"per import file{'' if self.size is None else f' ({_mib(size)})'}: split it"
        )

    def _stamp(self, found: Found, raw: bytes, body: bytes, lineno: int) -> list[Diagnostic]:
        if not found:
            return []
        codes = {code for code, _ in found}
        if codes & _LINE_ENDING:
            found = [(c, x) for c, x in found if c in _LINE_ENDING or c in _FILE_LEVEL]
        else:
            self.crlf_reported = self.crlf_reported or f.CRLF_LINE_ENDINGS.code in codes
        width = len(decode_lenient(body)) + 1
        made = [self._diag(code, finding, lineno, width) for code, finding in found]
        return sorted((d for d in made if d is not None), key=Diagnostic.sort_key)

    def _diag(self, code: str, finding: Finding, lineno: int, width: int) -> Diagnostic | None:
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
        return Diagnostic(
            self.path,
            lineno,
            column,
            lineno,
            end,
            code,
            rule.name,
            self.severity[code],
            finding.message,
        )


def _mib(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    return f"{size:,} bytes"


def _opens_document(raw: bytes, lineno: int) -> bool:
    body = raw.removeprefix(f.BOM) if lineno == 1 else raw
    return body.strip(_WHITESPACE) in (b"{", b"[")


def _document_text(lines: list[bytes]) -> str | None:
    try:
        return b"".join(lines).removeprefix(f.BOM).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _document_error(text: str, exc: orjson.JSONDecodeError) -> tuple[int, int, str]:
    """Line, column and message of the syntax error in a multi-line document."""
    pos = _char_pos(exc, text)
    try:
        first_end = json.JSONDecoder().raw_decode(text, len(text) - len(text.lstrip()))[1]
    except (ValueError, RecursionError):
        first_end = -1
    if first_end >= 0 and text[first_end:].strip():
        pos = first_end + len(text[first_end:]) - len(text[first_end:].lstrip())
        message = (
            "a second JSON value starts here: the file holds several multi-line commands; "
            "write each on a single line"
        )
    else:
        message, column = syntax.invalid_json_message(text, pos, exc.msg)
        pos = column - 1
    line, col = offset_to_line_col(text, pos)
    return line, col, message


def _char_pos(exc: orjson.JSONDecodeError, text: str) -> int:
    return max(0, min(int(exc.pos), len(text)))


def _not_object_message(value: Any) -> str:
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return (
                f"the line is a JSON array of {len(value)} objects, not one command: put each "
                "command on a line of its own"
            )
        return "the line is a JSON array, not a command object: each line must be {...}"
    kind = {str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")
    return f"the line is {kind}, not a command object: each line must be one JSON object {{...}}"


def _empty_message(held: list[tuple[bytes, list[Diagnostic], bool]]) -> str:
    if not held or all(not line.removeprefix(f.BOM) for line, _, _ in held):
        return "the file is empty: it holds no command"
    return "the file holds only whitespace: it holds no command"
