"""Where a report is written: standard output, or a file that is replaced only when the
report is complete, so that a failed run never leaves half a report behind."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, TextIO

import click

from mics_lint import targets
from mics_lint.discovery import Source, is_url
from mics_lint.discovery import shown_url as shown
from mics_lint.names import printable

if TYPE_CHECKING:  # pathlib only to make a missing folder: start-up (issue 14)
    from pathlib import Path


def open_output(
    output_file: str | None, machine: bool, to_stderr: bool = False
) -> AbstractContextManager[TextIO]:
    """stdout, or a file written beside its target and renamed over it only when complete.

    JSON is always UTF-8; text follows the terminal's encoding, and a character it cannot
    show is written as an escape rather than ending the run with an encoding error.
    """
    if output_file is None and to_stderr:
        return contextlib.nullcontext(sys.stderr)
    if output_file is None:
        return _stdout(machine)
    if "://" in output_file:
        from mics_lint import remote

        if remote.is_url(output_file):
            local = remote.local_path(output_file)  # file://: a local file, replaced whole
            if local is None:
                return remote.write_url(output_file)  # uploaded in one piece once complete
            output_file = local
    return _replaced(output_file)


@contextmanager
def _stdout(machine: bool) -> Iterator[TextIO]:
    if sys.stdout is None:  # started with standard output closed (`>&-`)
        raise click.ClickException("standard output is closed: write the report with -o FILE")
    encoding = "utf-8" if machine else (sys.stdout.encoding or "utf-8")
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # an in-memory stdout (tests, embedding): nothing to re-encode
        yield sys.stdout
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding=encoding, errors="backslashreplace")
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        raise  # the reader went away: the group ends quietly
    except OSError as exc:  # a full disk, say: the report is lost, so say so
        raise click.ClickException(
            f"cannot write the report to standard output: {exc.strerror or exc}"
        ) from None
    finally:
        with contextlib.suppress(ValueError, OSError):
            stream.flush()
        with contextlib.suppress(ValueError, OSError):
            stream.detach()  # leave sys.stdout's buffer open


@contextmanager
def _replaced(output_file: str) -> Iterator[TextIO]:
    if not os.path.isdir(os.path.dirname(output_file) or "."):  # usually it is there
        _make_folder(output_file)
    where = targets.target(output_file)
    if where.kind == targets.REFUSED:
        raise click.ClickException(f"cannot write {output_file}: it is {where.what}")
    if where.kind == targets.DIRECT:
        # Renaming a file over /dev/null or /dev/stdout would replace the device or the
        # link, so they get the report as a stream does (not atomically: it has no old
        # content to keep).
        with _direct(output_file, where) as stream:
            yield stream
        return
    # A link is followed: the file it leads to is replaced, and the link stays.
    real = os.path.realpath(output_file)
    targets.remove_stale(real)
    try:
        temp = targets.Beside(real)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output_file}: {exc.strerror or exc}") from None
    try:
        # mkstemp makes the file private; a report gets the mode a new file would get.
        os.chmod(temp.path, _new_file_mode(where.info))
        with _stream(temp.fd, output_file) as stream:
            yield stream
        temp.replace(real)
    except OSError as exc:  # a full disk, say: the old report stays as it was
        raise click.ClickException(f"cannot write {output_file}: {exc.strerror or exc}") from None
    finally:
        temp.close()


@contextmanager
def _direct(output_file: str, where: targets.Target) -> Iterator[TextIO]:
    regular = where.info is not None and stat.S_ISREG(where.info.st_mode)
    try:
        fd = targets.open_direct(output_file, regular)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENXIO:
            reason = f"nothing reads from it ({where.what})"
        raise click.ClickException(f"cannot write {output_file}: {reason}") from None
    stream = _stream(fd, output_file)
    try:
        yield stream
        stream.flush()
    except BrokenPipeError:
        raise  # the reader went away: the group ends quietly
    except OSError as exc:  # /dev/full, say
        raise click.ClickException(f"cannot write {output_file}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            stream.close()


class _Report(io.TextIOWrapper):
    """A report file's stream, whose failed write names its own file: the reports of a run
    are written inside one another's contexts, and the innermost would claim any OSError."""

    label = ""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except BrokenPipeError:
            raise  # the reader went away: the group ends quietly
        except OSError as exc:  # /dev/full, a full disk
            raise click.ClickException(
                f"cannot write {self.label}: {exc.strerror or exc}"
            ) from None


def _stream(fd: int, output_file: str) -> _Report:
    stream = _Report(open(fd, "wb"), encoding="utf-8", errors="backslashreplace")  # noqa: SIM115
    stream.label = output_file
    return stream


def _make_folder(output_file: str) -> None:
    """The folders on the way to `output_file`, made; ClickException when one cannot be."""
    from pathlib import Path

    try:
        Path(output_file).parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        # mkdir(exist_ok=True) refuses only a folder on the way that is a file.
        raise click.ClickException(
            f"cannot write {output_file}: "
            f"{_file_on_the_way(Path(output_file).parent)} is not a directory"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output_file}: {exc.strerror or exc}") from None


def _file_on_the_way(folder: Path) -> Path:
    """The first part of `folder` that exists and is not a directory."""
    for part in (*reversed(folder.parents), folder):
        if part.exists() and not part.is_dir():
            return part
    return folder


def _new_file_mode(replaced: os.stat_result | None) -> int:
    if replaced is not None:
        return stat.S_IMODE(replaced.st_mode)  # keep the mode of the file replaced
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def output_clash(
    output_file: str | None, extra: list[tuple[str, str]], sources: list[Source]
) -> str | None:
    """The error when a report would replace one of the files it reports on (`-o a.ndjson
    a.ndjson`, or through a link), or another report: said before anything is read or
    written. `extra`: the --report (format, path) pairs."""
    outputs = [(f"-o {output_file}", output_file)] if output_file else []
    outputs += [(f"--report {fmt}:{path}", path) for fmt, path in extra]
    for option, path in outputs:
        if is_url(path) and "file://" not in path.lower():
            from mics_lint import remote

            try:
                remote.usable(path, f"{option.split(' ')[0]}: ")
            except remote.RemoteError as exc:
                return str(exc)
    outputs = [(option, _local(path)) for option, path in outputs]
    twice = _written_twice(outputs)
    if twice is not None:
        return twice
    inputs: list[tuple[str, os.stat_result]] = []
    for source in sources:
        with contextlib.suppress(OSError, ValueError):  # unreadable: reported when read
            if source.path is not None:
                inputs.append((source.display, os.stat(_local(source.path))))
            elif sys.stdin is not None:  # `- < a.ndjson` reads a.ndjson
                inputs.append((source.display, os.fstat(sys.stdin.fileno())))
    # An object store has no inodes: a URL output is an input when it names the same object.
    urls = {identity(s.path): s.display for s in sources if s.path and is_url(s.path)}
    for option, path in outputs:
        if is_url(path):
            if identity(path) in urls:
                return (
                    f"{option}: {shown(path)} is also an input ({urls[identity(path)]}):"
                    " the report would replace it; write the report to another object"
                )
            continue
        try:
            # Where the writer's rename lands: `x/../in.ndjson` is in.ndjson once the
            # missing folder x is made, though stat(path) fails before (realpath takes a
            # missing folder as written, and resolves the links of those that exist).
            info = os.stat(os.path.realpath(path))
        except OSError:
            continue  # not there yet: not an input
        if not stat.S_ISREG(info.st_mode):
            continue  # /dev/null as input and output: nothing is replaced
        for display, read in inputs:
            if targets.same_file(info, read):
                return (
                    f"{option}: {printable(path)} is also an input ({display}): the report "
                    "would replace it; write the report to another file"
                )
    return None


def _written_twice(outputs: list[tuple[str, str]]) -> str | None:
    """The error when two reports would be written to one file (the last would replace the
    other): said before anything is read or written. A device (/dev/null) may take both."""
    seen: dict[str, str] = {}
    for option, path in outputs:
        if is_url(path):
            key = identity(path)
        else:
            with contextlib.suppress(OSError):
                if not stat.S_ISREG(os.stat(path).st_mode):
                    continue
            key = os.path.realpath(path)
        if key in seen:
            return (
                f"{option}: {printable(path)} is also written by {seen[key]}: the last would "
                "replace the other; give each report its own file"
            )
        seen[key] = option
    return None


def _local(path: str) -> str:
    """A `file://` URL as the local path it names (compared by inode, written whole)."""
    if "://" not in path:
        return path
    from mics_lint import remote

    return remote.local_path(path) or path


def identity(url: str) -> str:
    """remote.identity, imported only for a URL."""
    from mics_lint import remote

    return remote.identity(url)
