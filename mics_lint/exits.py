"""How the command ends: its exit codes, its one-line errors, and the click group that
turns every failure into one of them.

Exit codes: 0 no error-severity diagnostic; 1 at least one (or any diagnostic with
`--strict`); 2 the command could not do its job (bad option or config, unreadable file),
said in one line on stderr; 130 interrupted; 143 terminated.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from mics_lint.commands import Group, echo
from mics_lint.names import printable

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process it terminated


def _path_like(word: str) -> bool:
    """Whether a word given where a command goes names a file or folder (or standard input)."""
    import os

    suffixes = (".ndjson", ".jsonl", ".json", ".gz", ".txt")
    return word == "-" or "/" in word or word.lower().endswith(suffixes) or os.path.exists(word)


class OneLineGroup(Group):
    """A click group whose failures are one line on stderr, never a usage dump or a trace."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # As Abort, click's main writes no blank line before ours (its blank line ends
            # a terminal's `^C`; in a log, or with stderr a file, it was a stray first line).
            raise click.Abort() from None
        except BrokenPipeError:
            # Ended here: click's main would make any broken pipe exit 1.
            _silence_stdout()
            raise click.exceptions.Exit(_pipe_code()) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # `mics-lint exports/x.ndjson`: a path where the command goes, as ruff's old form
        # had it; said so, with the command to run, rather than "no such command".
        name = args[0] if args else ""
        if name and name not in self.commands and _path_like(name):
            rest = " ".join(args[1:4]) + (" ..." if len(args) > 4 else "")
            raise click.UsageError(
                f"{name!r} is not a command: to check it, mics-lint check {name} {rest}".rstrip()
            )
        return super().resolve_command(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            code = done.exit_code
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
                # `mics-lint` alone asks for help, as in click before 8.2: not an error.
                try:
                    echo(exc.ctx.get_help())
                    code = EXIT_OK
                except click.ClickException as closed:  # standard output closed
                    fail(closed.format_message())
                    code = EXIT_FAILURE
            else:
                fail(exc.format_message())
                code = EXIT_FAILURE
        except click.ClickException as exc:
            fail(exc.format_message())
            code = EXIT_FAILURE
        except click.Abort:
            fail("interrupted")
            code = EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`mics-lint check ... | head`): stop quietly, with the
            # code the command said its output had earned by then (when_pipe_breaks).
            _silence_stdout()
            code = _pipe_code()
        except KeyboardInterrupt:
            fail("interrupted")
            code = EXIT_INTERRUPTED
        except Terminated:
            fail("terminated")
            code = EXIT_TERMINATED
        except OSError as exc:
            if _stdout_failed(exc):
                # `mics-lint rules > /dev/full`: what `check` says of its report (output.py).
                fail(f"cannot write to standard output: {exc.strerror or exc}")
            else:
                _internal(exc)
            code = EXIT_FAILURE
        except Exception as exc:  # a bug: still one line, never a traceback
            _internal(exc)
            code = EXIT_FAILURE
        sys.exit(code if isinstance(code, int) else EXIT_OK)


def _internal(exc: Exception) -> None:
    """A bug: still one line, never a traceback (unless MICS_LINT_DEBUG asks for it)."""
    if os.environ.get("MICS_LINT_DEBUG"):
        raise exc
    fail(
        f"internal error ({type(exc).__name__}: {exc}); please report it, with "
        "MICS_LINT_DEBUG=1 set for the details"
    )


def _stdout_failed(exc: OSError) -> bool:
    """Whether `exc`, out of a command, is standard output's refusal of its text (a full
    disk, a device error): every file mics-lint writes itself says so in its own words
    (output.py, targets.py), so a write's error that reaches here is standard output's.
    What it still holds is dropped, so that the exit does not fail on it again."""
    import errno

    if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", -1)):
        return False
    _silence_stdout()
    return True


def end_now(code: int) -> None:
    """Ends the process with `code` at once, without the interpreter's teardown (its modules
    and objects freed one by one: 8.6 ms of a 77 ms `import mics_lint.cli`, a third of what
    mics-lint adds to Python's start-up), where nothing waits for that teardown: no atexit
    callback (logging's, multiprocessing's, Dask's, a temporary folder's weakref.finalize),
    no thread but this one, and standard output and error flushed. Else it returns, and the
    caller exits as usual. Every file mics-lint writes is closed by then (`with` blocks)."""
    import atexit
    import threading

    callbacks = getattr(atexit, "_ncallbacks", None)  # CPython's; elsewhere, exit as usual
    if callbacks is None or callbacks() or threading.active_count() != 1:
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a broken pipe, a full disk, a closed stream: as usual
        return
    os._exit(code)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that files and workers are cleaned up."""


def _no_output_lost() -> int:
    return EXIT_OK


# The exit code of a broken pipe: a listing's reader took what it wanted (0); a check says
# what it had found (checking.py).
_pipe_code: Callable[[], int] = _no_output_lost


def when_pipe_breaks(code: Callable[[], int]) -> None:
    """From now on, a broken pipe on standard output ends the command with `code()`,
    asked then: only the command knows what its output had said by that time."""
    global _pipe_code
    _pipe_code = code


def on_signal(signum: int, frame: object) -> None:
    """The first SIGINT or SIGTERM raises, where the program is; those that follow are
    ignored. The first one's clean-up (workers joined, temporary files removed) must run
    to its end: cut short by a second signal (an impatient Ctrl-C, or `timeout`, which
    signals the process and then its group), it left workers that the interpreter's exit
    waited for, for ever, and printed a traceback."""
    import signal  # the module only now: start-up imports `_signal` (sigterm_raises)

    # SIG_IGN, not a handler that returns: the interpreter's finalization puts the default
    # action back for its handlers, and a signal then killed the process (exit -2 for 143).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if signum == signal.SIGTERM:
        raise Terminated
    raise KeyboardInterrupt


def sigterm_raises() -> None:
    """SIGTERM raises Terminated from now on, SIGINT KeyboardInterrupt (unless it is
    ignored, as in a background job), each once (on_signal); ValueError outside the main
    thread."""
    try:
        # The C module under `signal`: that one makes three enums at import (~1 ms of a
        # small check's start-up, issue 14), and only the signals' numbers are needed here.
        from _signal import (  # type: ignore[import-not-found]
            SIGINT,
            SIGTERM,
            default_int_handler,
            getsignal,
            signal,
        )
    except ImportError:  # pragma: no cover - an interpreter without it
        from signal import SIGINT, SIGTERM, default_int_handler, getsignal, signal
    signal(SIGTERM, on_signal)
    if getsignal(SIGINT) is default_int_handler:
        signal(SIGINT, on_signal)


def fail(message: str) -> None:
    # One line whatever the message quotes (a path, a config value, an OS error): see names.py.
    line = f"mics-lint: error: {printable(message)}"
    if os.environ.get("GITHUB_ACTIONS") == "true":
        # The runner reads a step's stderr for commands too (a file named `##[add-mask]CRM`
        # would mask the log's text): a stop-commands block keeps it text, as the github
        # format's text report on stdout.
        from mics_lint.reporters.annotations import runs_command, stop_token

        if runs_command(line):
            token = stop_token([line])
            line = f"::stop-commands::{token}\n{line}\n::{token}::"
    to_stderr(line)


def to_stderr(text: str) -> None:
    """A line on standard error; nothing where it cannot take it (a full disk): no place is
    left to say so, and the report on standard output, or the exit code, must not be lost
    to it (Python's own last words on a broken stderr made the exit code 1)."""
    with contextlib.suppress(OSError, ValueError):
        click.echo(text, err=True)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
