"""Where a report is written: standard output, or a file that is replaced only when the
report is complete, so that a failed run never leaves half a report behind."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TextIO

import click


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
            return remote.write_url(output_file)  # uploaded in one piece once complete
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
    target = Path(output_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when a report goes to a file

        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    except FileExistsError:
        # mkdir(exist_ok=True) refuses only a folder on the way that is a file.
        raise click.ClickException(
            f"cannot write {output_file}: {_file_on_the_way(target.parent)} is not a directory"
        ) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output_file}: {exc.strerror or exc}") from None
    try:
        # mkstemp makes the file private; a report gets the mode a new file would get.
        os.chmod(temp, _new_file_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as stream:
            yield stream
        os.replace(temp, target)
    except OSError as exc:  # a full disk, say: the old report stays as it was
        Path(temp).unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output_file}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _file_on_the_way(folder: Path) -> Path:
    """The first part of `folder` that exists and is not a directory."""
    for part in (*reversed(folder.parents), folder):
        if part.exists() and not part.is_dir():
            return part
    return folder


def _new_file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)  # keep the mode of the file replaced
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
