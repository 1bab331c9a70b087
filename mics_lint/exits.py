"""How the command ends: its exit codes, its one-line errors, and the click group that
turns every failure into one of them.

Exit codes: 0 no error-severity diagnostic; 1 at least one (or any diagnostic with
`--strict`); 2 the command could not do its job (bad option or config, unreadable file),
said in one line on stderr; 130 interrupted; 143 terminated.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from mics_lint.commands import Group
from mics_lint.names import printable

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process it terminated


class OneLineGroup(Group):
    """A click group whose failures are one line on stderr, never a usage dump or a trace."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.Exit as done:
            code = done.exit_code
        except click.UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
                # `mics-lint` alone asks for help, as in click before 8.2: not an error.
                click.echo(exc.ctx.get_help())
                code = EXIT_OK
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
            # The reader went away (`mics-lint check ... | head`): stop quietly.
            _silence_stdout()
            code = EXIT_PROBLEMS
        except KeyboardInterrupt:
            fail("interrupted")
            code = EXIT_INTERRUPTED
        except Terminated:
            fail("terminated")
            code = EXIT_TERMINATED
        except Exception as exc:  # a bug: still one line, never a traceback
            if os.environ.get("MICS_LINT_DEBUG"):
                raise
            fail(
                f"internal error ({type(exc).__name__}: {exc}); please report it, with "
                "MICS_LINT_DEBUG=1 set for the details"
            )
            code = EXIT_FAILURE
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that files and workers are cleaned up."""


def on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def sigterm_raises() -> None:
    """SIGTERM raises Terminated from now on; ValueError outside the main thread."""
    try:
        # The C module under `signal`: that one makes three enums at import (~1 ms of a
        # small check's start-up, issue 14), and only SIGTERM's number is needed here.
        from _signal import SIGTERM, signal  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - an interpreter without it
        from signal import SIGTERM, signal
    signal(SIGTERM, on_sigterm)


def fail(message: str) -> None:
    # One line whatever the message quotes (a path, a config value, an OS error): see names.py.
    click.echo(f"mics-lint: error: {printable(message)}", err=True)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
