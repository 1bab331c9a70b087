"""The `mics-lint` command: parse options, build Settings, call the engine, pick an exit code.

Exit codes: 0 no error-severity diagnostic; 1 at least one (or any diagnostic with
`--strict`); 2 the command could not do its job (bad option or config, unreadable file),
said in one line on stderr. Nothing else here decides what is a problem.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import click
import orjson

from mics_lint import __version__
from mics_lint.config import (
    ConfigError,
    FileConfig,
    Settings,
    build_settings,
    find_config,
    load_config,
)
from mics_lint.diagnostic import Severity
from mics_lint.linter import ReadError, lint_stream, printable
from mics_lint.parallel import CHUNK_BYTES, Runner, cpu_count, telling
from mics_lint.reporters import (
    MACHINE_FORMATS,
    REPORTERS,
    Fanout,
    JsonStatisticsReporter,
    Options,
    Reporter,
    StatisticsReporter,
    Summary,
)
from mics_lint.rules import REGISTRY
from mics_lint.suggest import did_you_mean

IMPORT_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
EXIT_OK, EXIT_PROBLEMS, EXIT_FAILURE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process it terminated


class _Group(click.Group):
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
                _fail(exc.format_message())
                code = EXIT_FAILURE
        except click.ClickException as exc:
            _fail(exc.format_message())
            code = EXIT_FAILURE
        except click.Abort:
            _fail("interrupted")
            code = EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`mics-lint check ... | head`): stop quietly.
            _silence_stdout()
            code = EXIT_PROBLEMS
        except KeyboardInterrupt:
            _fail("interrupted")
            code = EXIT_INTERRUPTED
        except _Terminated:
            _fail("terminated")
            code = EXIT_TERMINATED
        except Exception as exc:  # a bug: still one line, never a traceback
            if os.environ.get("MICS_LINT_DEBUG"):
                raise
            _fail(
                f"internal error ({type(exc).__name__}: {exc}); please report it, with "
                "MICS_LINT_DEBUG=1 set for the details"
            )
            code = EXIT_FAILURE
        sys.exit(code if isinstance(code, int) else EXIT_OK)


class _Terminated(BaseException):
    """SIGTERM, raised where the program is, so that files and workers are cleaned up."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Terminated


def _fail(message: str) -> None:
    click.echo(f"mics-lint: error: {message}", err=True)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mics-lint")
def cli() -> None:
    """Lint mediarithmics bulk-import NDJSON files before you upload them."""


@dataclass
class Source:
    display: str
    path: str | None  # None: standard input
    stream: BinaryIO | None = None  # standard input once fixed (--fix), read again


@cli.command()
# readable=False: an unreadable file is the engine's one-line error, not a usage error that
# would stop the other files from being checked.
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True, readable=False, path_type=str))
@click.option(
    "--output-format",
    type=click.Choice(["auto", *REPORTERS]),
    default="auto",
    show_default=True,
    help="How to write diagnostics (auto: github on GitHub Actions, else text).",
)
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT:PATH",
    help="Also write a report in FORMAT to PATH (repeatable).",
)
@click.option("--stdin-filename", default="-", show_default=True, help="Name of `-` in reports.")
@click.option("--select", multiple=True, help="Only these codes or prefixes (comma-separated).")
@click.option("--extend-select", multiple=True, help="Add these codes or prefixes.")
@click.option("--ignore", multiple=True, help="Skip these codes or prefixes.")
@click.option(
    "--per-file-ignores", multiple=True, metavar="GLOB:CODES", help="Skip codes in files."
)
@click.option("--severity", multiple=True, metavar="CODE=LEVEL", help="error or warning.")
@click.option("--max-file-size", metavar="SIZE", help="MIC006 threshold (default 100MiB).")
@click.option(
    "--max-line-bytes", metavar="SIZE", help="Longer lines are skipped, MIC010 (default 64MiB)."
)
@click.option(
    "--doc-type",
    metavar="TYPE",
    default=None,
    help="The document type of every file: profile, segment, choice (or USER_PROFILE, ...); "
    "default: by config glob, else told from each file's first records.",
)
@click.option(
    "--profile-form",
    metavar="FORM",
    default=None,
    help="Profile lines: force_replace (default), update_strategy, or either.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--show-values",
    is_flag=True,
    help="Show identifiers, profile values and e-mail addresses whole (local debugging only).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with errors (not on exit 2).")
@click.option("--statistics", is_flag=True, help="Show counts per code instead of diagnostics.")
@click.option("--quiet", "-q", is_flag=True, help="Only diagnostics: no summary line.")
@click.option(
    "--max-diagnostics",
    type=click.IntRange(min=0),
    metavar="N",
    help="Show at most N diagnostics per file (all are still counted).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=cpu_count,
    show_default="the number of CPUs",
    help="Worker processes for large inputs (1: check everything in this process).",
)
@click.option("--chunk-size", type=click.IntRange(min=1), default=CHUNK_BYTES, hidden=True)
@click.option(
    "--no-progress", is_flag=True, help="No progress bar (shown on a terminal for inputs > 50 MB)."
)
@click.option(
    "--fix",
    "fix",
    is_flag=True,
    help="Fix what is safe in place (- : to standard output), then report what is left.",
)
@click.option(
    "--diff",
    "diff",
    is_flag=True,
    help="Print what --fix would change, as a diff; change nothing (exit 1 if anything).",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix or --diff: also fixes that may change a command's meaning.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour text output (auto: on a terminal, unless NO_COLOR is set).",
)
def check(
    paths: Sequence[str],
    output_format: str,
    output_file: str | None,
    reports: Sequence[str],
    stdin_filename: str,
    select: Sequence[str],
    extend_select: Sequence[str],
    ignore: Sequence[str],
    per_file_ignores: Sequence[str],
    severity: Sequence[str],
    max_file_size: str | None,
    max_line_bytes: str | None,
    doc_type: str | None,
    profile_form: str | None,
    config_path: str | None,
    isolated: bool,
    strict: bool,
    show_values: bool,
    exit_zero: bool,
    statistics: bool,
    quiet: bool,
    max_diagnostics: int | None,
    jobs: int,
    chunk_size: int,
    no_progress: bool,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    color: str,
) -> int:
    """Check import files, directories (searched for *.ndjson, *.jsonl and their .gz) or -."""
    try:
        config = _config(config_path, isolated)
        settings = build_settings(
            config,
            select=select or None,
            extend_select=extend_select,
            ignore=ignore,
            per_file_ignores=per_file_ignores,
            severity=severity,
            max_file_size=max_file_size,
            max_line_bytes=max_line_bytes,
            doc_type=doc_type,
            profile_form=profile_form,
            show_values=show_values,
        )
        extra = [_parse_report(item) for item in reports]
    except ConfigError as exc:
        _fail(str(exc))
        return EXIT_FAILURE
    if output_format == "auto":
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if unsafe_fixes and not (fix or diff):
        _fail("--unsafe-fixes only works with --fix or --diff")
        return EXIT_FAILURE
    if diff and (output_file or reports or statistics):
        _fail("--diff writes the diff to standard output: it takes no -o, --report or --statistics")
        return EXIT_FAILURE
    sources, missing = _expand(paths or ["."], stdin_filename)
    summary = Summary(
        files_checked=len(sources), files_unreadable=missing, max_diagnostics=max_diagnostics
    )
    if diff:
        return _show_diff(sources, settings, unsafe_fixes, missing)
    if fix:
        _apply_fixes(sources, settings, unsafe_fixes, summary)
    # Fixed standard input went to standard output: the report goes to stderr instead.
    to_stderr = any(s.stream is not None for s in sources) and output_file is None
    try:
        with contextlib.ExitStack() as outputs:
            machine = output_format in MACHINE_FORMATS
            stream = outputs.enter_context(_output(output_file, machine, to_stderr))
            options = Options(
                color=_use_color(color, stream, output_file) and not machine,
                quiet=quiet,
                width=shutil.get_terminal_size((100, 24)).columns,
                show_values=show_values,
            )
            main = _reporter(output_format, statistics, stream, options)
            reporters = [main]
            for fmt, path in extra:
                target = outputs.enter_context(_output(path, fmt in MACHINE_FORMATS))
                plain = dataclasses.replace(options, color=False)
                reporters.append(REPORTERS[fmt](target, plain))
            progress = None if no_progress else Progress.for_sources(sources)
            runner = Runner(settings, jobs, chunk_size, progress)
            try:
                _run(sources, runner, Fanout(reporters), summary)
            finally:
                if progress is not None:
                    progress.close()
            if summary.hidden and (quiet or not main.human):  # stdout stays one format
                click.echo(summary.hidden_sentence(), err=True)
    except KeyboardInterrupt:
        raise click.Abort() from None  # raised here, click adds no blank line before ours
    if summary.files_unreadable or summary.files_unfixed:
        return EXIT_FAILURE
    if exit_zero:
        return EXIT_OK
    if summary.errors or (strict and summary.warnings):
        return EXIT_PROBLEMS
    return EXIT_OK


class Progress:
    """A progress bar on stderr, redrawn at most ten times a second."""

    THRESHOLD = 50 * 1000 * 1000
    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.next_draw = 0.0
        self.drawn = False

    @classmethod
    def for_sources(cls, sources: list[Source]) -> Progress | None:
        """A bar when stderr is a terminal and the files add up to more than 50 MB."""
        stream = sys.stderr
        if not stream.isatty():
            return None
        total = 0
        for source in sources:
            if source.path is not None:
                with contextlib.suppress(OSError):
                    total += os.stat(source.path).st_size
        return cls(total, stream) if total > cls.THRESHOLD else None

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now >= self.next_draw:
            self.next_draw = now + 0.1
            share = min(self.done / self.total, 1.0)
            filled = int(share * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            mb_done, mb_total = self.done / 1e6, self.total / 1e6
            self.stream.write(f"\r[{bar}] {share:4.0%} {mb_done:,.0f}/{mb_total:,.0f} MB")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * (self.WIDTH + 30) + "\r")
            self.stream.flush()


def _reporter(fmt: str, statistics: bool, stream: TextIO, options: Options) -> Reporter:
    if not statistics:
        return REPORTERS[fmt](stream, options)
    if fmt in MACHINE_FORMATS:
        return JsonStatisticsReporter(stream, options)
    return StatisticsReporter(stream, options)


def _parse_report(item: str) -> tuple[str, str]:
    fmt, sep, path = item.partition(":")
    if not sep or not path:
        raise ConfigError(f"--report: {item!r} is not FORMAT:PATH (sarif:mics-lint.sarif)")
    if fmt not in REPORTERS:
        raise ConfigError(
            f"--report: unknown format {fmt!r}{did_you_mean(fmt, REPORTERS)}; "
            f"use one of {', '.join(REPORTERS)}"
        )
    return fmt, path


def _run(sources: list[Source], runner: Runner, reporter: Reporter, summary: Summary) -> None:
    """Lint every source into the reporter; unreadable files are one line on stderr each."""
    limit = summary.max_diagnostics

    def told(display: str, doc_type: str) -> None:
        summary.doc_types[display] = doc_type
        reporter.file_type(display, doc_type)

    runner.on_type = told
    files = runner.lint([(s.path, s.display) for s in sources if s.path is not None])
    reporter.start()
    for source in sources:
        reporter.file_started(source.display)
        shown = counted = 0
        try:
            if source.path is None:
                if sys.stdin is None:  # started with standard input closed (`<&-`)
                    raise ReadError(f"{source.display}: standard input is closed")
                stdin = source.stream or sys.stdin.buffer
                diagnostics = lint_stream(
                    stdin,
                    source.display,
                    runner.settings,
                    on_type=telling(told, source.display),
                )
            else:
                diagnostics = next(files)
            for diagnostic in diagnostics:
                summary.add(diagnostic)
                counted += 1
                if limit is None or shown < limit:
                    reporter.report(diagnostic)
                    shown += 1
        except ReadError as exc:
            _fail(f"{exc.verb} {exc}")
            reporter.file_failed(source.display, f"{exc.verb} {exc}")
            summary.files_unreadable += 1
        summary.hidden += counted - shown
        summary.files_with_problems += counted > 0
        reporter.file_finished(source.display, shown)
    # Let the runner end its pool itself (waiting for its threads): left suspended, it is
    # closed at exit instead, where the pool's threads race the interpreter's shutdown.
    for _ in files:
        pass
    reporter.finish(summary)


def _apply_fixes(sources: list[Source], settings: Settings, unsafe: bool, summary: Summary) -> None:
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
            _fail(f"cannot fix {exc}")
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


def _show_diff(sources: list[Source], settings: Settings, unsafe: bool, failed: int) -> int:
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
            _fail(f"{exc.verb} {exc}")
            failed += 1
            continue
        except FixError as exc:
            _fail(f"cannot read {exc}")
            failed += 1
            continue
        diff.finish()
        fixed += sum(result.fixed.values())
        files += result.changed
        hidden += sum(result.hidden.values())
    out.flush()
    if fixed:
        message = f"Would fix {fixed:,} problem{'s' if fixed != 1 else ''} in {files:,} file"
        message += "s." if files != 1 else "."
    else:
        message = "Nothing to fix."
    if hidden:
        message += f" {hidden:,} more with `--unsafe-fixes`."
    click.echo(message, err=True)
    if failed:
        return EXIT_FAILURE
    return EXIT_PROBLEMS if fixed else EXIT_OK


def _config(config_path: str | None, isolated: bool) -> FileConfig | None:
    if config_path is not None:
        return load_config(Path(config_path))
    if isolated:
        return None
    found = find_config(Path.cwd())
    return load_config(found) if found else None


def _expand(paths: Sequence[str], stdin_name: str) -> tuple[list[Source], int]:
    """Files to check, each once, sorted by the name shown; and how many paths were missing."""
    found: dict[str, Source] = {}
    failed = 0
    for given in paths:
        if given == "-":
            found.setdefault("-", Source(stdin_name, None))
        elif os.path.isdir(given):
            before = len(found)
            unreadable: list[OSError] = []
            for path in _walk(given, unreadable.append):
                found.setdefault(os.path.realpath(path), Source(printable(path), path))
            if len(found) == before:
                # As ruff does: a warning, not a failure (an empty export folder is normal).
                click.echo(
                    f"mics-lint: warning: no import files in {printable(given)} "
                    f"(looked for {', '.join('*' + s for s in IMPORT_SUFFIXES)})",
                    err=True,
                )
            for exc in unreadable:
                _fail(f"cannot read {printable(str(exc.filename))}: {exc.strerror or exc}")
                failed += 1
        elif os.path.exists(given):
            found.setdefault(os.path.realpath(given), Source(printable(given), given))
        else:
            _fail(f"cannot read {printable(given)}: no such file or directory")
            failed += 1
    return sorted(found.values(), key=lambda s: s.display), failed


def _walk(top: str, on_error: Callable[[OSError], None]) -> Iterator[str]:
    # Hidden folders (.git, .venv, ...) are skipped when searching, as ruff does; links to
    # folders are not followed (no loops); a folder that can't be read is an error.
    for folder, dirs, files in os.walk(top, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(IMPORT_SUFFIXES):
                yield os.path.join(folder, name)


def _use_color(choice: str, stream: TextIO, output_file: str | None) -> bool:
    if choice != "auto":
        return choice == "always"
    if output_file is not None or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def _file_on_the_way(folder: Path) -> Path:
    """The first part of `folder` that exists and is not a directory."""
    for part in (*reversed(folder.parents), folder):
        if part.exists() and not part.is_dir():
            return part
    return folder


@contextmanager
def _output(output_file: str | None, machine: bool, to_stderr: bool = False) -> Iterator[TextIO]:
    """stdout, or a file written beside its target and renamed over it only when complete.

    JSON is always UTF-8; text follows the terminal's encoding, and a character it cannot
    show is written as an escape rather than ending the run with an encoding error.
    """
    if output_file is None and to_stderr:
        yield sys.stderr
        return
    if output_file is None:
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
        return
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


def _new_file_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(target.stat().st_mode)  # keep the mode of the file replaced
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@cli.command()
@click.argument("code")
def rule(code: str) -> int:
    """Explain one rule, by code (MIC302) or name (multiple-identifiers)."""
    found = REGISTRY.lookup(code)
    if found is None:
        names = [*REGISTRY, *(r.name for r in REGISTRY.values())]
        _fail(f"unknown rule {code!r}{did_you_mean(code, names)}; `mics-lint rules` lists them")
        return EXIT_FAILURE
    click.echo(f"# {found.code} {found.name}\n")
    click.echo(
        f"Default severity: {found.severity}. {found.summary[0].upper()}{found.summary[1:]}.\n"
    )
    click.echo(found.fix_text + "\n")
    click.echo(found.explanation)
    return EXIT_OK


@cli.command()
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text")
def rules(output_format: str) -> int:
    """List every rule: code, name, default severity, summary."""
    if output_format == "json":
        table = [
            {
                "code": r.code,
                "name": r.name,
                "severity": str(r.severity),
                "fix": r.fix,
                "summary": r.summary,
            }
            for r in REGISTRY.values()
        ]
        click.echo(orjson.dumps(table, option=orjson.OPT_INDENT_2).decode())
        return EXIT_OK
    width = max(len(r.name) for r in REGISTRY.values())
    click.echo(f"{'CODE':<7} {'NAME':<{width}} {'SEVERITY':<8} {'FIX':<6} SUMMARY")
    for r in REGISTRY.values():
        level = "error" if r.severity is Severity.ERROR else "warning"
        fix = r.fix or "-"
        click.echo(f"{r.code:<7} {r.name:<{width}} {level:<8} {fix:<6} {r.summary}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `mics-lint` console script."""
    import signal

    with contextlib.suppress(ValueError):  # not in the main thread: leave signals alone
        signal.signal(signal.SIGTERM, _on_sigterm)
    cli.main(args=list(argv) if argv is not None else None, prog_name="mics-lint")
