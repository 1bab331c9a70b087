"""--fix and --diff for the command: which files `mics_lint.fix` rewrites, where the fixed
text goes, and what is said about it. The fixes themselves are all in `mics_lint.fix`."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from mics_lint.config import Settings
from mics_lint.discovery import Source
from mics_lint.exits import EXIT_FAILURE, EXIT_OK, EXIT_PROBLEMS, fail, to_stderr
from mics_lint.linter import ReadError, printable
from mics_lint.reading import HEAD_BYTES, gunzipped, is_gzip, read_error, read_errors
from mics_lint.reporters import Summary

# mics_lint.fix, mics_lint.diff and tempfile are imported where used: a check without
# --fix or --diff does not pay for them at start-up.

if TYPE_CHECKING:
    from mics_lint.fix import Lines


def apply_fixes(sources: list[Source], settings: Settings, unsafe: bool, summary: Summary) -> None:
    """--fix: each file rewritten in place, standard input fixed to standard output. A file
    that can't be read is left for the check to report; one that can't be fixed (written)
    is an error here, and the check then reports it as it is."""
    from mics_lint.fix import FixError
    from mics_lint.fixfile import fix_file

    summary.fixing = True
    if sys.stdout is None and any(source.path is None for source in sources):
        # Before any file is touched: the fixed standard input would have nowhere to go.
        raise click.ClickException(
            "standard output is closed: --fix - writes the fixed input there"
        )
    for source in sources:
        try:
            if source.path is None:
                result = _fix_stdin(source, settings, unsafe)
            else:
                result = fix_file(source.path, settings, unsafe=unsafe)
        except ReadError:
            continue  # the check reports it, once
        except FixError as exc:
            fail(f"cannot fix {exc}")
            summary.files_unfixed += 1
            continue
        if result is None:
            continue
        for stale in result.stale:
            to_stderr(
                f"mics-lint: warning: removed {printable(stale)}, a partial copy left by an "
                "interrupted --fix",
            )
        for crc in result.checksums:
            to_stderr(
                f"mics-lint: warning: removed {printable(crc)}, Hadoop's checksum of the file "
                "before its fix (Spark refuses to read a file whose checksum does not match)",
            )
        summary.fixed.update(result.fixed)
        summary.files_fixed += result.changed
        summary.hidden_fixes += sum(result.hidden.values())


def _fix_stdin(source: Source, settings: Settings, unsafe: bool) -> Any:
    """Standard input, fixed to standard output as it is read, and kept for the check
    (which then reads the fixed text). When it can't be fixed (not text, an unknown type),
    it goes to stdout as it came: a pipeline never loses its data. None when there was
    nothing to read. A reader that goes away (`| head`) stops it at once. Gzip data is
    fixed as a .gz file is (`_fix_gzip_stdin`)."""
    import tempfile

    from mics_lint.fix import fix_stream

    if sys.stdin is None:
        return None  # the check says that standard input is closed
    stdin = sys.stdin.buffer
    try:
        # The whole head first, as the check of a file sees it: a pipe's first read may
        # hold only part of the first records, which tell the document type.
        head = _read_head(stdin)
    except OSError as exc:
        raise ReadError(f"{source.display}: {exc.strerror or exc}") from None
    if is_gzip(head):
        return _fix_gzip_stdin(source, head, stdin, settings, unsafe)
    stream: Any = io.BufferedReader(_Prefixed(head, stdin), 1 << 16)
    # Kept open for the check that follows; memory up to 16 MiB, then disk.
    kept: Any = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    out = _StdoutTee(kept)
    sys.stdout.flush()
    with _writing_stdout("the fixed input"):
        try:
            try:
                result = fix_stream(stream, out, settings, source.display, unsafe=unsafe)
            except ReadError:
                if out.written:
                    raise
                result = None
                _pass_through(stream, out, source.display)
            out.flush()
        except OSError as exc:  # reading standard input failed half-way
            raise ReadError(f"{source.display}: {exc.strerror or exc}") from None
    kept.seek(0)
    source.stream = kept
    return result


def _fix_gzip_stdin(
    source: Source, head: bytes, stdin: BinaryIO, settings: Settings, unsafe: bool
) -> Any:
    """Gzip data on standard input, fixed as a .gz file is, and written back gzipped. Read
    whole first (to a temporary file), and the fixed data written out once complete: data
    that turns out damaged (cut short) goes to standard output as it came, and the check
    that follows reads it and says what is wrong with it."""
    import gzip
    import shutil
    import tempfile

    from mics_lint.fix import fix_stream
    from mics_lint.fixfile import GZIP_LEVEL

    raw: Any = tempfile.TemporaryFile()  # noqa: SIM115 - read by the check after
    try:
        raw.write(head)
        shutil.copyfileobj(stdin, raw, 1 << 16)
    except OSError as exc:
        raise ReadError(f"{source.display}: {exc.strerror or exc}") from None
    raw.seek(0)
    kept: Any = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    packed: Any = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    result = None
    failed: tuple[type[BaseException], ...] = (ReadError, *read_errors())
    try:
        with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0, compresslevel=GZIP_LEVEL) as written:
            text: Any = gzip.GzipFile(fileobj=raw, mode="rb")
            result = fix_stream(
                text, _StdoutTee(kept, written), settings, source.display, unsafe=unsafe
            )
        out, source.stream = packed, kept
    except failed:
        out = source.stream = raw
    out.seek(0)
    sys.stdout.flush()
    with _writing_stdout("the fixed input"):
        stdout = _Stdout()
        shutil.copyfileobj(out, stdout, 1 << 16)
        stdout.flush()
    source.stream.seek(0)
    return result


def _read_head(stdin: BinaryIO) -> bytes:
    head = bytearray()
    while len(head) < HEAD_BYTES:
        block = stdin.read1(HEAD_BYTES - len(head))  # type: ignore[attr-defined]
        if not block:
            break
        head += block
    return bytes(head)


class _Prefixed(io.RawIOBase):
    """Bytes already read, then the rest of a stream."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self.head = head
        self.rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        block: bytes = self.rest.read1(len(buffer))  # type: ignore[attr-defined]
        buffer[: len(block)] = block
        return len(block)


class _StdoutFailed(Exception):
    """Standard output could not be written. Not an OSError, so that no reader's handler
    (fix_file's) takes it for a file that can't be read."""

    def __init__(self, exc: OSError) -> None:
        super().__init__(str(exc))
        self.broken_pipe = isinstance(exc, BrokenPipeError)
        self.reason = exc.strerror or str(exc)


class _Stdout:
    """Standard output's bytes, whose failures are _StdoutFailed."""

    def __init__(self) -> None:
        self.stream: BinaryIO = sys.stdout.buffer

    def write(self, data: bytes) -> int:
        try:
            return self.stream.write(data)
        except OSError as exc:
            raise _StdoutFailed(exc) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            raise _StdoutFailed(exc) from None


@contextlib.contextmanager
def _writing_stdout(what: str) -> Iterator[None]:
    """A broken pipe ends the command quietly (`| head`), as for a check; any other
    failure to write standard output (a full disk) is one line."""
    try:
        yield
    except _StdoutFailed as exc:
        if exc.broken_pipe:
            raise BrokenPipeError from None
        raise click.ClickException(
            f"cannot write {what} to standard output: {exc.reason}"
        ) from None


class _StdoutTee:
    """A fix's sink: each line to standard output at once (or to `out`: gzip data on its
    way there), and to `kept` for the check."""

    def __init__(self, kept: BinaryIO, out: Any = None) -> None:
        self.kept = kept
        self.stdout = _Stdout() if out is None else out
        self.written = False

    def write(self, data: bytes) -> None:
        self.written = True
        self.kept.write(data)
        self.stdout.write(data)

    def flush(self) -> None:
        self.stdout.flush()

    def same(self, raw: bytes) -> None:
        self.write(raw)

    def changed(self, old: Lines, new: list[bytes]) -> None:
        for line in new:
            self.write(line)


def _pass_through(stream: BinaryIO, out: _StdoutTee, name: str) -> None:
    """Standard input that can't be fixed, to standard output as it came."""
    while True:
        try:
            block = stream.read(1 << 16)
        except OSError as exc:
            raise ReadError(f"{name}: {exc.strerror or exc}") from None
        if not block:
            return
        out.write(block)


def show_diff(
    sources: list[Source], settings: Settings, unsafe: bool, failed: int, quiet: bool = False
) -> int:
    """--diff: what --fix would change, as a unified diff on stdout; a summary on stderr
    (not under `quiet`: --quiet)."""
    if sys.stdout is None:
        raise click.ClickException("standard output is closed: --diff writes the diff there")
    with _writing_stdout("the diff"):
        return _show_diff(sources, settings, unsafe, failed, quiet)


def _show_diff(
    sources: list[Source], settings: Settings, unsafe: bool, failed: int, quiet: bool
) -> int:
    from mics_lint.diff import UnifiedDiff
    from mics_lint.fix import FixError, fix_stream
    from mics_lint.fixfile import fix_file

    out: Any = _Stdout()
    fixed = files = hidden = 0
    for source in sources:
        name = os.fsencode(source.path) if source.path is not None else source.display.encode()
        diff = UnifiedDiff(out, name)
        try:
            if source.path is None:
                if sys.stdin is None:
                    raise ReadError(f"{source.display}: standard input is closed")
                try:
                    result = fix_stream(
                        gunzipped(sys.stdin.buffer), diff, settings, source.display, unsafe=unsafe
                    )
                except read_errors() as exc:  # gzip's EOFError: data cut short
                    raise read_error(source.display, exc) from None
            else:
                result = fix_file(source.path, settings, unsafe=unsafe, sink=diff)
        except ReadError as exc:
            fail(f"{exc.verb} {exc}")
            failed += 1
            continue
        except FixError as exc:
            fail(f"cannot read {exc}")
            failed += 1
            continue
        diff.finish()
        fixed += sum(result.fixed.values())
        files += result.changed
        hidden += sum(result.hidden.values())
    out.flush()
    if not quiet:
        to_stderr(_would_fix(fixed, files, hidden))
    if failed:
        return EXIT_FAILURE
    return EXIT_PROBLEMS if fixed else EXIT_OK


def _would_fix(fixed: int, files: int, hidden: int) -> str:
    """The --diff summary line."""
    if fixed:
        message = f"Would fix {fixed:,} problem{'s' if fixed != 1 else ''} in {files:,} file"
        message += "s." if files != 1 else "."
    else:
        message = "Nothing to fix."
    if hidden:
        message += f" {hidden:,} more with `--unsafe-fixes`."
    return message
