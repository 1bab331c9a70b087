"""`--fix` on a file: the fixed text written beside it and renamed over it when complete.

The fixing itself is fix.py's (`Fixer`); this module is about the file: what may be
replaced (a regular file, with one name, without the setuid/setgid bit), the temporary
copy beside it, and the error that leaves the original unchanged.
"""

from __future__ import annotations

import contextlib
import os
import stat
from typing import Any, BinaryIO

from mics_lint.config import Settings
from mics_lint.fix import FixError, FixResult, Sink, StreamSink, fix_stream
from mics_lint.linter import ReadError
from mics_lint.names import printable
from mics_lint.reading import gzip_named, read_error
from mics_lint.targets import descriptor

__all__ = ["fix_file"]


def fix_file(
    path: str, settings: Settings, *, unsafe: bool = False, sink: Sink | None = None
) -> FixResult:
    """Fix a file in place (`.gz` written back gzipped), or only tell `sink` (a diff).

    The fixed file is written beside the original and renamed over it only when complete
    and changed, with the original's permissions; a link is followed, not replaced.
    Raises ReadError when the file can't be opened, FixError when fixing fails half-way
    (the file is then unchanged).
    """
    import zlib

    name = printable(path)
    target = os.path.realpath(path)
    compressed = gzip_named(path)
    with contextlib.ExitStack() as files:
        try:
            info = os.stat(target)
            if stat.S_ISDIR(info.st_mode):
                raise ReadError(f"{name}: is a directory")
            if sink is None and not stat.S_ISREG(info.st_mode):
                # Before opening it: a FIFO's data would be read here, and lost.
                raise FixError(f"{name}: not a regular file, so not rewritten in place")
            if sink is None and descriptor(path) is not None:
                # /dev/fd/3 is a stream handed over, not a file to rewrite (whatever it is
                # open on); standard input is `-`, fixed to standard output.
                raise FixError(
                    f"{name}: an open file descriptor, not a file, so not rewritten in place"
                )
            if sink is None and not os.access(target, os.W_OK):
                # Writing beside it and renaming needs only the folder's permission: the
                # file itself is checked, as a write in place would be.
                raise FixError(f"{name}: not writable (permission denied); the file is unchanged")
            folder = os.path.dirname(target)
            if sink is None and not os.access(folder, os.W_OK | os.X_OK):
                # The copy is made there: "Permission denied" alone named the file, which is
                # writable.
                raise FixError(
                    f"{name}: its folder {printable(folder)} is not writable (the fixed copy "
                    "is written there, then renamed over the file); the file is unchanged"
                )
            handle = files.enter_context(open(target, "rb"))
        except OSError as exc:
            raise ReadError(f"{name}: {exc.strerror or exc}") from None
        source: Any = handle
        if compressed:
            import gzip

            source = gzip.GzipFile(fileobj=handle, mode="rb")
        try:
            if sink is not None:
                return fix_stream(source, sink, settings, name, unsafe=unsafe)
            result = _rewrite(source, target, info, settings, name, unsafe, compressed)
            result.stale = [_shown_beside(path, stale) for stale in result.stale]
            result.checksums = [_shown_beside(path, crc) for crc in result.checksums]
            return result
        except (EOFError, zlib.error) as exc:
            # Compressed data cut short or damaged: unreadable, which the check that follows
            # says (once); a read error never changes the file.
            raise read_error(name, exc) from None
        except OSError as exc:
            raise _fix_error(name, exc) from None
    raise AssertionError("unreachable")  # pragma: no cover - for mypy's flow analysis


def _shown_beside(path: str, found: str) -> str:
    """A file found beside the file `path` leads to, named as the user would name it: in
    the folder of `path` as given, unless a link led elsewhere."""
    given = os.path.dirname(path)
    if os.path.realpath(given or ".") == os.path.dirname(found):
        return os.path.join(given, os.path.basename(found))
    return found


#: A fixed `.gz` is written at gzip's own default level: at Python's (9) a 12.6 MB file took
#: 11 s of CPU to write, against 1 s for its check, for a file a few percent smaller.
GZIP_LEVEL = 6


def _fix_error(name: str, exc: OSError) -> FixError:
    return FixError(f"{name}: {exc.strerror or exc}; the file is unchanged")


def _rewrite(
    source: BinaryIO,
    target: str,
    info: os.stat_result,
    settings: Settings,
    name: str,
    unsafe: bool,
    compressed: bool,
) -> FixResult:
    from mics_lint import targets

    stale = targets.remove_stale(target)
    with targets.beside(target) as temp:
        with os.fdopen(temp.fd, "wb") as out:
            sink_stream: Any = out
            with contextlib.ExitStack() as stack:
                if compressed:
                    import gzip

                    inner = os.path.basename(target)  # a link's target may not end in .gz
                    inner = inner[:-3] if gzip_named(inner) else inner
                    sink_stream = stack.enter_context(
                        gzip.GzipFile(
                            filename=inner,
                            fileobj=out,
                            mode="wb",
                            mtime=0,
                            compresslevel=GZIP_LEVEL,
                        )
                    )
                result = fix_stream(source, StreamSink(sink_stream), settings, name, unsafe=unsafe)
            out.flush()
            os.fsync(out.fileno())
        result.stale = stale
        if not result.changed:
            return result
        _refuse_unsafe_replace(name, os.stat(target))  # as it is now, not as it was read
        os.chmod(temp.path, stat.S_IMODE(info.st_mode))
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(temp.path, info.st_uid, info.st_gid)
        made = os.stat(temp.path)
        if (made.st_uid, made.st_gid) != (info.st_uid, info.st_gid):
            raise FixError(
                f"{name}: the fixed file would not keep its owner or group (it belongs to "
                "another user): fix a copy, or run as its owner; the file is unchanged"
            )
        temp.replace(target)
    crc = os.path.join(os.path.dirname(target), f".{os.path.basename(target)}.crc")
    if os.path.isfile(crc):  # Hadoop's checksum of the bytes replaced (see FixResult)
        with contextlib.suppress(OSError):
            os.remove(crc)
            result.checksums.append(crc)
    return result


def _refuse_unsafe_replace(name: str, info: os.stat_result) -> None:
    """FixError when replacing the file by a new one would lose what --fix must not: the
    content seen through its other names (hard links), or its setuid/setgid bits (which a
    new file owned by someone else can't keep, and which a data file should not have)."""
    if info.st_nlink > 1:
        raise FixError(
            f"{name}: --fix is unsafe for a file with hard links ({info.st_nlink} names): it "
            "writes a new file, and the other names would keep the old content; fix a copy "
            "(or see the changes with --diff); the file is unchanged"
        )
    if info.st_mode & (stat.S_ISUID | stat.S_ISGID):
        raise FixError(
            f"{name}: --fix is unsafe for a file with the setuid or setgid bit: the new file "
            "would not keep it; clear the bit (chmod u-s,g-s) first; the file is unchanged"
        )
