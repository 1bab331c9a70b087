"""Reading an import file: opening it (a `.gz` transparently, a FIFO without waiting for
ever), telling text from what is not (`sniff`), and its lines, each bounded in memory by
max-line-bytes (`LineReader`). Errors become one `ReadError` a file, never a traceback."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
import sys
import weakref
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, cast

#: A file's read buffer. Its lines are read one `readline` at a time; with the default
#: buffer (the file system's 4 KiB block) that took 212-221 ns a line of the 100k-line
#: bench file, with 64 KiB 130-145 (a `--jobs` chunk, with the default: 337 instructions a
#: line more).
READ_BUFFER = 1 << 16
# The files opened here with READ_BUFFER: `LineReader.buffered` takes whole lines only from
# those. `peek` copies all a buffer holds, and a caller's stream may have a buffer of
# megabytes (an 8 MiB one read slower so than line by line), or a URL's 1 MiB.
_OWN_BUFFERS: weakref.WeakSet[object] = weakref.WeakSet()


class ReadError(Exception):
    """A file could not be read (missing, unreadable, a broken .gz); the message says why,
    and `verb` what could not be done ("cannot read", "cannot tell the type of")."""

    def __init__(self, message: str, verb: str = "cannot read") -> None:
        super().__init__(message)
        self.verb = verb

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a worker to the parent
        return (type(self), (str(self), self.verb))


def open_input(
    path: str | os.PathLike[str],
    name: str,
    files: contextlib.ExitStack,
    on_read: Callable[[int], None] | None = None,
) -> tuple[BinaryIO, int | None]:
    """A file opened for reading (closed with `files`), and its size when it is known
    before reading (a regular file, not compressed); ReadError if it cannot be opened."""
    if isinstance(path, str) and "://" in path:
        from mics_lint import remote  # fsspec only for URLs: local paths never import it

        if remote.is_url(path):
            return remote.open_input(path, name, files, on_read)
    compressed = gzip_named(os.fspath(path))
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(f"{name}: is a directory")
        raw: Any = files.enter_context(_open(path, stat.S_ISFIFO(info.st_mode)))
    except OSError as exc:
        raise ReadError(f"{name}: {exc.strerror or exc}") from None
    if on_read is not None:
        raw = Counted(raw, on_read)  # counted a block at a time: it costs nothing
    handle: Any = io.BufferedReader(raw, READ_BUFFER)
    _OWN_BUFFERS.add(handle)
    if compressed:
        import gzip  # only for .gz files: start-up stays short

        handle = files.enter_context(gzip.GzipFile(fileobj=handle, mode="rb"))
    size = info.st_size if stat.S_ISREG(info.st_mode) and not compressed else None
    return handle, size


def open_binary(path: str, buffering: int = READ_BUFFER) -> BinaryIO:
    """A file, or a URL, opened for reading in chunks (seeks); OSError if it cannot be.
    `buffering` 0 for a few reads of known spans here and there: a buffered read of a few
    bytes fills the whole buffer first (a URL keeps its own blocks)."""
    if "://" in path:
        from mics_lint import remote

        if remote.is_url(path):
            return remote.open_binary(path)
    handle = open(path, "rb", buffering=buffering)  # noqa: SIM115 (the caller closes it)
    if buffering == READ_BUFFER:
        _OWN_BUFFERS.add(handle)
    return handle


def _open(path: str | os.PathLike[str], fifo: bool) -> BinaryIO:
    """The file, unbuffered. A FIFO is opened without waiting for a writer: with none, it
    reads as empty, where a plain open would wait for ever."""
    if not fifo:
        return open(path, "rb", buffering=0)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.set_blocking(fd, True)  # a writer that is there is waited for, line by line
    return open(fd, "rb", buffering=0)


def text_head(reader: LineReader) -> tuple[bytes, bool]:
    """A stream's first bytes, and whether they are UTF-16; ReadError when they are not
    text at all (an image, an archive, random bytes): nothing of it is read as lines."""
    head = reader.peek()
    found = sniff(head)
    if found is not None and found[0] == BINARY:
        what = found[1]
        if head.startswith(_GZIP) and _decompressed(reader.stream):
            what = "gzip-compressed twice: decompress it once (gunzip), keeping one .gz"
        raise ReadError(
            f"{reader.path}: not a text file ({what}); an import file is UTF-8 text, "
            "one JSON command per line"
        )
    return head, found is not None


def _decompressed(stream: object) -> bool:
    """Whether `stream` is a .gz file's content (what it holds was compressed once)."""
    import sys

    gzip = sys.modules.get("gzip")  # imported by open_input for every .gz
    return gzip is not None and isinstance(stream, gzip.GzipFile)


#: What a text in another encoding is, for `sniff`: UTF-16 or UTF-32, both MIC009's.
BINARY, UTF16, UTF32 = "binary", "utf-16", "utf-32"
_GZIP = b"\x1f\x8b"
# Formats a misnamed import file often turns out to be: (first bytes, what to call them).
_MAGIC = (
    # A file named .gz is read through gzip, as standard input is when checked; --fix and
    # --diff of standard input are not: hence the other way out.
    (_GZIP, "gzip-compressed data: name it .gz and mics-lint reads it, or gunzip it first"),
    (b"PK\x03\x04", "a zip archive: extract it first"),
    (b"PAR1", "a Parquet file: export it as NDJSON"),
    (b"Obj\x01", "an Avro file: export it as NDJSON"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"BZh", "bzip2-compressed data: decompress it first"),
    (b"\xfd7zXZ\x00", "xz-compressed data: decompress it first"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data: decompress it first"),
    # zlib's header and a byte no text starts with: Hadoop's and Spark's `.deflate` parts.
    (
        (b"\x78\x01", b"\x78\x9c", b"\x78\xda"),
        "zlib-compressed data (Hadoop's .deflate): decompress it, or export without compression",
    ),
)
# Bytes that text does not hold (C0 controls but tab, line feed, form feed, return).
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\x0c\r")
HEAD_BYTES = 8192
#: A first line longer than HEAD_BYTES is read on, up to this, to tell the file's type: an
#: activity whose own keys come first can name its `$type` and `$ts` past 8 KiB.
LINE_HEAD_BYTES = 1 << 20


def _rewinds(stream: object) -> bool:
    """Whether `stream` can go back to where it was (a gzip file does by reading its own
    file again from the start: that one must)."""
    seekable = getattr(stream, "seekable", None)
    if seekable is None or not seekable():
        return False
    inner = getattr(stream, "fileobj", None)  # gzip.GzipFile's
    return inner is None or _rewinds(inner)


def head_of(stream: BinaryIO) -> bytes:
    """A seekable stream's first bytes, read and gone back over: HEAD_BYTES, or the whole
    first line where it is longer (up to LINE_HEAD_BYTES), which the first bytes alone
    would cut before its keys that tell its type (JSON's keys come in any order)."""
    at = stream.tell()
    head = stream.read(HEAD_BYTES)
    if len(head) == HEAD_BYTES and b"\n" not in head:
        head += stream.readline(LINE_HEAD_BYTES - HEAD_BYTES)
    stream.seek(at)
    return head


def is_gzip(head: bytes) -> bool:
    """Whether a stream's first bytes are gzip's."""
    return head.startswith(_GZIP)


def gunzipped(stream: BinaryIO) -> BinaryIO:
    """A stream with no name to tell (standard input) as text: gzip-compressed data
    (`< export.ndjson.gz`) read through gzip, as a .gz file is; anything else as it comes."""
    peek = getattr(stream, "peek", None)
    if peek is None or not peek(len(_GZIP)).startswith(_GZIP):
        return stream
    import gzip

    return cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))


def sniff(head: bytes) -> tuple[str, str] | None:
    """What a file's first bytes say it is when it is not UTF-8 text: (UTF16, which) or
    (BINARY, what), else None. A stray control byte in text is not enough: that is a
    line's problem (MIC101), reported on its line."""
    head = head[:HEAD_BYTES]
    utf32 = _utf32(head)
    if utf32 is not None:
        return UTF32, utf32
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not head.startswith(b"\xff\xfe\x00\x00"):
        order = "little-endian" if head[0] == 0xFF else "big-endian"
        return UTF16, f"{order}, with a byte-order mark"
    sample = head[:64] if len(head) >= 64 else head[: len(head) - len(head) % 2]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if not odd.strip(b"\x00") and all(even):
            return UTF16, "little-endian, without a byte-order mark"
        if not even.strip(b"\x00") and all(odd):
            return UTF16, "big-endian, without a byte-order mark"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return BINARY, what
    controls = len(head) - len(head.translate(None, _CONTROL))
    # A few control bytes are a broken line of text (MIC101); many are not text at all,
    # unless a whole first line is a command's text without one: then they are lines of
    # their own (NUL padding after a crash, say), each reported, as the lines before are.
    if controls >= 16 and controls > len(head) // 20 and not _text_first(head):
        return BINARY, "binary data: more than 5% of its first bytes are control bytes"
    return None


def as_utf8(head: bytes) -> bytes:
    """A file's first bytes as UTF-8: as they are, unless `sniff` finds them UTF-16 or
    UTF-32 (MIC009), which are decoded (a character cut at the end is dropped)."""
    found = sniff(head) if head[:1] in (b"\xff", b"\xfe", b"\x00") or head[1:2] == b"\x00" else None
    if found is None or found[0] not in (UTF16, UTF32):
        return head
    width = "16" if found[0] == UTF16 else "32"
    order = "le" if found[1].startswith("little") else "be"
    text = head.decode(f"utf-{width}-{order}", "ignore").removeprefix("\ufeff")
    return text.encode("utf-8", "replace")


def _text_first(head: bytes) -> bool:
    """Whether `head` starts with a whole line that opens a JSON object or array and holds
    no control byte."""
    first, newline, _ = head.partition(b"\n")
    opened = first.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t")[:1] in (b"{", b"[")
    return bool(newline) and opened and len(first.translate(None, _CONTROL)) == len(first)


def _utf32(head: bytes) -> str | None:
    """Which UTF-32 `head` is, by its byte-order mark or by three zero bytes beside each
    ASCII character of its first 16 characters; None if it is not."""
    if head.startswith(b"\xff\xfe\x00\x00"):
        return "little-endian, with a byte-order mark"
    if head.startswith(b"\x00\x00\xfe\xff"):
        return "big-endian, with a byte-order mark"
    sample = head[:64]
    if len(sample) < 8 or len(sample) % 4:
        sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 8:
        return None
    chars = [sample[i : i + 4] for i in range(0, len(sample), 4)]
    if all(c[0] and not c[1:].strip(b"\x00") for c in chars):
        return "little-endian, without a byte-order mark"
    if all(c[3] and not c[:3].strip(b"\x00") for c in chars):
        return "big-endian, without a byte-order mark"
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
        # A file opened here: whole lines from its buffer, no line over the limit (`buffered`).
        self._own = type(stream) is io.BufferedReader and stream in _OWN_BUFFERS
        # `read_again`'s file, from the offset of its first line: a regular file opened here.
        self._again: tuple[int, int] | None = None
        if self._own:
            self._peek, self._readlines = cast(io.BufferedReader, stream).peek, stream.readlines
            with contextlib.suppress(OSError, AttributeError, ValueError):
                fd = stream.fileno()
                # os.pread: not on Windows, whose files keep their lines instead.
                if stat.S_ISREG(os.fstat(fd).st_mode) and hasattr(os, "pread"):
                    self._again = fd, stream.tell()

    @property
    def buffered(self) -> Callable[[int], list[bytes] | None] | None:
        """`_buffered` for a file opened here, else None (not kept: a cycle, freed late)."""
        return self._buffered if self._own else None

    @property
    def rereadable(self) -> bool:
        """Whether `read_again` can read the lines again: a regular file opened here."""
        return self._again is not None

    def read_again(self, offset: int, size: int) -> bytes:
        """`size` bytes of the stream from `offset` (the bytes of the lines it gave before
        them, and the `skipped` ones), read in place: the lines' reads go on undisturbed.
        Fewer at the end of the file."""
        assert self._again is not None, "read_again: not a regular file opened here"
        fd, origin = self._again
        parts: list[bytes] = []
        with self._errors():
            while size > 0:
                part = os.pread(fd, size, origin + offset)
                if not part:
                    break
                parts.append(part)
                size -= len(part)
                offset += len(part)
        return b"".join(parts)

    def peek(self) -> bytes:
        """The first bytes, without consuming them (b"" if the stream can't tell): HEAD_BYTES,
        or the whole first line where it is longer and the stream can go back, up to
        LINE_HEAD_BYTES (`head_of`). From a pipe, at most what its first read holds."""
        stream = self.stream
        peek = getattr(stream, "peek", None)
        with self._errors():
            if _rewinds(stream):  # a file (standard input's too), a .gz file, a URL
                return head_of(stream)
            return b"" if peek is None else bytes(peek(HEAD_BYTES)[:HEAD_BYTES])

    def lines(self) -> Iterator[bytes]:
        # limit + 2: a line of exactly `limit` bytes ending in CRLF arrives whole, never cut
        # between its CR and its LF.
        with self._errors():
            yield from iter(functools.partial(self.stream.readline, self.limit + 2), b"")

    def _buffered(self, most: int) -> list[bytes] | None:
        """The whole lines the stream's buffer holds (one raw read first if it is empty),
        up to `most` bytes, each with its LF, taken by one call in C; None if the buffer
        holds no whole line within `most` bytes (`lines` reads on).

        `lines` gives the same lines one `readline` a time, at about twice the cost a line
        (the generator, and a call a line). None of these lines is cut: each is shorter
        than `most`, which the caller keeps within the limit."""
        with self._errors():
            end = self._peek(most).rfind(b"\n", 0, most)
            # readlines(hint) stops once its lines pass `hint` bytes: at this LF's line. A
            # hint of 0 is no hint, the whole rest of the stream: an LF first (a blank line)
            # is left to `lines`, and this guard keeps memory bounded.
            return self._readlines(end) if end > 0 else None

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
        except read_errors() as exc:
            raise read_error(self.path, exc, _position(self.stream)) from None


def gzip_named(path: str) -> bool:
    """Whether a file is read as gzip, by its name: `.gz`, in any case (`X.NDJSON.GZ`)."""
    return path[-3:].lower() == ".gz"


def read_error(path: str, exc: BaseException, done: int = 0) -> ReadError:
    """The ReadError of a failed read (`read_errors`) of `path`, as named for the user;
    `done`, the bytes read (decompressed) before it."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if isinstance(exc, EOFError):
        reason = "the compressed file is truncated"
    elif _is_gzip_error(exc) and "Not a gzipped file" in reason and done:
        # What `gzip -t` calls trailing garbage: the lines before it were checked.
        reason = (
            f"bytes that are not gzip data follow the compressed text (past its {done:,} "
            "bytes): remove them, or export the file again"
        )
    elif _is_gzip_error(exc) and "Not a gzipped file" in reason:
        # gzip's words quote the bytes found; what the user can do is rename it.
        reason = "named .gz but not gzip-compressed: name it without .gz, or gzip it"
    elif _is_gzip_error(exc) and reason.startswith(("CRC check failed", "Incorrect length")):
        # gzip's words give the two checksums; what the user can do is get a good copy.
        reason = f"the compressed file is corrupt ({reason}): copy or export it again"
    return ReadError(f"{path}: {reason}")


def _position(stream: BinaryIO) -> int:
    """Where a .gz file's read stands in its decompressed text; 0 for any other."""
    try:
        return stream.tell() if _decompressed(stream) else 0
    except (OSError, ValueError):
        return 0


def _is_gzip_error(exc: BaseException) -> bool:
    gzip = sys.modules.get("gzip")  # imported by open_input for every .gz
    return gzip is not None and isinstance(exc, gzip.BadGzipFile)


def read_errors() -> tuple[type[Exception], ...]:
    # zlib.error only once gzip (which imports zlib) is in use: a plain file's check does
    # not load the library (start-up, issue 14).
    zlib = sys.modules.get("zlib")
    return (OSError, EOFError) if zlib is None else (OSError, EOFError, zlib.error)


class Counted(io.RawIOBase):
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


def read_small(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a small file (a config, a schema), `limit` at most; OSError for one
    that is larger, or a device. A device such as /dev/zero never ends; a FIFO is read as
    a pipe is (`--config <(...)`), but opened without waiting for a writer, which made a
    FIFO no one writes to hang for ever (with none, it reads as empty)."""
    import errno

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if stat.S_ISFIFO(mode):
            os.set_blocking(fd, True)  # a writer that has not written yet is waited for
        elif not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file nor a pipe (a device)")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit >> 20} MiB")
    return data
