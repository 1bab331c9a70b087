"""--fix and --diff for the command: which files `mics_lint.fix` rewrites, where the fixed
text goes, and what is said about it. The fixes themselves are all in `mics_lint.fix`."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import click

from mics_lint.config import Settings
from mics_lint.discovery import Source
from mics_lint.exits import EXIT_FAILURE, EXIT_OK, EXIT_PROBLEMS, fail
from mics_lint.linter import ReadError
from mics_lint.reporters import Summary

# mics_lint.fix, mics_lint.diff and tempfile are imported where used: a check without
# --fix or --diff does not pay for them at start-up.


def apply_fixes(sources: list[Source], settings: Settings, unsafe: bool, summary: Summary) -> None:
    """--fix: each file rewritten in place, standard input fixed to standard output. A file
    that can't be read is left for the check to report; one that can't be fixed (written)
    is an error here, and the check then reports it as it is."""
    from mics_lint.fix import FixError, fix_file

    summary.fixing = True
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
        summary.fixed.update(result.fixed)
        summary.files_fixed += result.changed
        summary.hidden_fixes += sum(result.hidden.values())


def _fix_stdin(source: Source, settings: Settings, unsafe: bool) -> Any:
    """Standard input, fixed to standard output, and kept for the check (which then reads
    the fixed text). When it can't be fixed (not text, an unknown type), it goes to stdout
    as it came: a pipeline never loses its data. None when there was nothing to read."""
    import tempfile

    from mics_lint.fix import StreamSink, fix_stream

    if sys.stdin is None:
        return None  # the check says that standard input is closed
    # Both kept open for the check that follows; memory up to 16 MiB each, then disk.
    given: Any = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    fixed: Any = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    try:
        shutil.copyfileobj(sys.stdin.buffer, given)
    except OSError as exc:
        raise ReadError(f"{source.display}: {exc.strerror or exc}") from None
    given.seek(0)
    try:
        result = fix_stream(given, StreamSink(fixed), settings, source.display, unsafe=unsafe)
        out = fixed
    except ReadError:
        result, out = None, given
    out.seek(0)
    shutil.copyfileobj(out, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    out.seek(0)
    source.stream = out
    return result


def show_diff(sources: list[Source], settings: Settings, unsafe: bool, failed: int) -> int:
    """--diff: what --fix would change, as a unified diff on stdout; a summary on stderr."""
    from mics_lint.diff import UnifiedDiff
    from mics_lint.fix import FixError, fix_file, fix_stream

    out = sys.stdout.buffer
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
                        sys.stdin.buffer, diff, settings, source.display, unsafe=unsafe
                    )
                except OSError as exc:
                    raise ReadError(f"{source.display}: {exc.strerror or exc}") from None
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
    click.echo(_would_fix(fixed, files, hidden), err=True)
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
