"""One run of `mics-lint check`: from its options to Settings, files, reporters, the
engine's diagnostics, a summary and an exit code. Nothing here decides what is a problem:
that is the engine's job; this only says what it found."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from mics_lint import exits
from mics_lint.commands import echo
from mics_lint.config import (
    ConfigError,
    FileConfig,
    Settings,
    build_settings,
    find_config,
    load_config,
    split_codes,
)
from mics_lint.diagnostic import Diagnostic
from mics_lint.discovery import Source, expand
from mics_lint.discovery import is_url as _is_url
from mics_lint.exclusion import current_folder, exclusion_of
from mics_lint.exits import EXIT_FAILURE, EXIT_OK, EXIT_PROBLEMS, fail, when_pipe_breaks
from mics_lint.linter import ReadError, lint_stream
from mics_lint.options import CheckOptions
from mics_lint.output import open_output, output_clash
from mics_lint.parallel import Runner, telling
from mics_lint.progress import Progress
from mics_lint.reading import gunzipped
from mics_lint.reporters import (
    MACHINE_FORMATS,
    REPORTERS,
    Fanout,
    Options,
    Reporter,
    StatisticsReporter,
    Summary,
)
from mics_lint.targets import is_stdin


def run_check(options: CheckOptions) -> int:
    """Check what the options name and report it; the exit code (see `mics_lint.exits`)."""
    try:
        config = _config(options.config_path, options.isolated)
        settings = _settings(options, config)
        excluded = exclusion_of(
            config, options.exclude, options.extend_exclude, options.force_exclude
        )
        extra = [_parse_report(item) for item in options.reports]
        _remote_setup(options, config)
        scheduler = _scheduler_of(options.scheduler, config)
    except ConfigError as exc:
        fail(str(exc))
        return EXIT_FAILURE
    output_format = options.output_format
    if output_format == "auto":
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    refused = options.conflict(output_format)
    if refused is not None:
        fail(refused)
        return EXIT_FAILURE
    paths = list(options.paths)
    if options.stdin_filename != "-" and "-" not in paths:
        if paths:  # as ruff: the name is standard input's, which no path names here
            fail("--stdin-filename names standard input: add - to the paths to check it")
            return EXIT_FAILURE
        paths = ["-"]  # `--stdin-filename x.ndjson < x.ndjson`, as ruff reads it
    sources, unfound = expand(paths or ["."], options.stdin_filename, excluded)
    if not paths and not sources and _piped_in():
        # `cat x.ndjson | mics-lint check` searched the folder and found nothing (as ruff,
        # which reads standard input only when told): say how to check what was piped in.
        exits.to_stderr("mics-lint: warning: standard input is read only as `-`: mics-lint check -")
    missing = len(unfound)
    clash = output_clash(options.output_file, extra, sources)
    if clash:
        fail(clash)
        return EXIT_FAILURE
    if options.show_settings:
        return _show_settings(options, settings, sources, missing)
    if options.show_files:  # ruff's: what the paths, the folders' search and the excludes give
        for source in sources:
            echo(source.display)
        return EXIT_FAILURE if missing else EXIT_OK
    summary = Summary(
        files_checked=len(sources),
        files_unreadable=missing,
        max_diagnostics=options.max_diagnostics,
    )
    when_pipe_breaks(lambda: _cut_short(options, summary))
    if options.diff:
        from mics_lint.fixing import show_diff

        code = show_diff(sources, settings, options.unsafe_fixes, missing, options.quiet)
        # --exit-zero turns 1 (changes to make) into 0, as it does for problems; never 2.
        return EXIT_OK if options.exit_zero and code == EXIT_PROBLEMS else code
    echoed = options.fix and _echoed(paths, sources)
    if options.fix:
        from mics_lint.fixing import apply_fixes

        apply_fixes(sources, settings, options.unsafe_fixes, summary)
    # A Ctrl-C is one line, without click's blank line before it: exits.OneLineGroup.invoke.
    _report(sources, unfound, settings, options, output_format, extra, summary, scheduler, echoed)
    return _exit_code(options, summary)


def _echoed(paths: list[str], sources: list[Source]) -> bool:
    """--fix of standard input that force-exclude left out: written out as it came, as
    ruff does (an editor's `--fix -` replaces its buffer with what it gets)."""
    if not any(p == "-" or is_stdin(p) for p in paths) or any(s.path is None for s in sources):
        return False
    if sys.stdin is not None and sys.stdout is not None:
        import shutil  # only here: start-up (issue 14)

        sys.stdout.flush()
        shutil.copyfileobj(sys.stdin.buffer, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return True


def _show_settings(
    options: CheckOptions, settings: Settings, sources: list[Source], missing: int
) -> int:
    """--show-settings: what applies to each path, on stdout; nothing is checked."""
    from mics_lint.show_settings import Origins, describe

    try:
        config = _config(options.config_path, options.isolated)
    except ConfigError as exc:  # pragma: no cover - _settings read it a moment ago
        fail(str(exc))
        return EXIT_FAILURE
    origins = Origins(
        config, options.isolated, options.doc_type is not None, options.profile_form is not None
    )
    echo(describe(sources, settings, origins), nl=False)
    return EXIT_FAILURE if missing else EXIT_OK


def _settings(options: CheckOptions, config: FileConfig | None) -> Settings:
    # An empty selection (`--select "$CODES"` with CODES unset) would check nothing and say
    # "All checks passed" of any file. Rules turned off one by one remain the user's choice.
    hint = "name codes or prefixes (MIC1,MIC301)"
    if options.select and not split_codes(options.select) and not options.extend_select:
        raise ConfigError(f"--select: no rule selected: {hint}")
    if config is not None and config.selection.select == () and not config.selection.extend_select:
        raise ConfigError(f"{config.path}: select: no rule selected: {hint}")
    settings = build_settings(
        config,
        select=options.select or None,
        extend_select=options.extend_select,
        ignore=options.ignore,
        per_file_ignores=options.per_file_ignores,
        severity=options.severity,
        max_file_size=options.max_file_size,
        max_line_bytes=options.max_line_bytes,
        doc_type=options.doc_type,
        profile_form=options.profile_form,
        show_values=options.show_values,
        datamart_schema=options.datamart_schema,
    )
    if settings.datamart_schemas:  # a bad schema stops the check before any file is read
        from mics_lint.datamart.settings import check_schemas

        check_schemas(settings.datamart_schemas_reached())
    return settings


def _remote_setup(options: CheckOptions, config: FileConfig | None) -> None:
    """The run's storage options (remote.setup). remote.py is imported only when there are
    some, or when an earlier run of this process imported it (its options are then reset):
    a run on local files never needs it (start-up, issue 14)."""
    table = config.remote if config else {}
    if options.storage_options or table or "mics_lint.remote" in sys.modules:
        from mics_lint import remote

        try:
            remote.setup(options.storage_options, table, _where(config))
        except remote.RemoteError as exc:
            raise ConfigError(str(exc)) from None


def _scheduler_of(given: str | None, config: FileConfig | None) -> str | None:
    """The scheduler's address: the option (or MICS_LINT_SCHEDULER), else the config's."""
    if given:
        return given
    value = config.remote.get("scheduler") if config is not None else None
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{config.path if config else ''}: scheduler must be an address "
            '(such as "tcp://host:8786") or "local"'
        )
    return value.strip()


def _where(config: FileConfig | None) -> str:
    return str(config.path) if config is not None else ""


def _config(config_path: str | None, isolated: bool) -> FileConfig | None:
    if config_path is not None and isolated:  # as ruff: one says read this, the other none
        raise ConfigError("--config and --isolated contradict each other: give one")
    if config_path is not None:
        from pathlib import Path  # not at import: ~5 ms of a small check (issue 14)

        return load_config(Path(config_path))
    if isolated:
        return None
    found = find_config(current_folder())
    return load_config(found) if found else None


def _parse_report(item: str) -> tuple[str, str]:
    fmt, sep, path = item.partition(":")
    fmt = fmt.lower() if fmt.lower() in REPORTERS else fmt  # as --output-format: SARIF too
    if not sep or not path:
        raise ConfigError(f"--report: {item!r} is not FORMAT:PATH (sarif:mics-lint.sarif)")
    if path == "-":  # standard output is the main report's (--output-format)
        raise ConfigError(
            f"--report: {item!r} writes to a file; for standard output, use --output-format {fmt}"
        )
    if fmt not in REPORTERS:
        from mics_lint.suggest import did_you_mean  # a mistake only: start-up (issue 14)

        raise ConfigError(
            f"--report: unknown format {fmt!r}{did_you_mean(fmt, REPORTERS)}; "
            f"use one of {', '.join(REPORTERS)}"
        )
    return fmt, path


def _report(
    sources: list[Source],
    unfound: list[tuple[str, str]],
    settings: Settings,
    options: CheckOptions,
    output_format: str,
    extra: list[tuple[str, str]],
    summary: Summary,
    scheduler: str | None = None,
    echoed: bool = False,
) -> None:
    """Lint every source into the main report and each --report one; `unfound`, the paths
    that could not be read (discovery.expand), are told to them first."""
    # Fixed (or `echoed`) standard input went to standard output: the report goes to stderr.
    fixed_in = echoed or any(s.stream is not None for s in sources)
    to_stderr = fixed_in and options.output_file is None
    with contextlib.ExitStack() as outputs:
        machine = output_format in MACHINE_FORMATS
        stream = outputs.enter_context(open_output(options.output_file, machine, to_stderr))
        shown = Options(
            color=_use_color(options.color, stream, options.output_file) and not machine,
            quiet=options.quiet,
            width=_terminal_width() if "full" in (output_format, *(f for f, _ in extra)) else 100,
            show_values=options.show_values,
            strict=options.strict,
        )
        main = _reporter(output_format, options.statistics, stream, shown)
        files: list[Reporter] = []
        for fmt, path in extra:
            target = outputs.enter_context(open_output(path, fmt in MACHINE_FORMATS))
            plain = shown._replace(color=False)
            files.append(REPORTERS[fmt](target, plain))
        progress = None if options.no_progress else Progress.for_sources(sources)
        runner: Runner = Runner(settings, options.jobs, options.chunk_size, progress)
        if scheduler is not None:  # a Dask cluster runs the files instead of --jobs
            from mics_lint.cluster import ClusterRunner  # Dask's client: only with --scheduler

            runner = outputs.enter_context(
                ClusterRunner(
                    settings, scheduler, options.scheduler_timeout, options.chunk_size, progress
                )
            )
        try:
            fanout = Fanout(main, files, options.max_diagnostics, summary)
            _run(sources, unfound, runner, fanout, summary)
            # Every file checked: from here, a reader gone (at the summary line) changes
            # nothing to what the check found.
            when_pipe_breaks(lambda: _exit_code(options, summary))
            fanout.finish(summary)
        finally:
            if progress is not None:
                progress.close()
        if summary.hidden and (options.quiet or not main.human):  # stdout stays one format
            # The report's stream buffers: on a terminal, where stderr and stdout meet,
            # this line would otherwise come out above the diagnostics it is about.
            stream.flush()
            exits.to_stderr(summary.hidden_sentence())


def _terminal_width() -> int:
    # Only the full format reads the width: other checks skip shutil, which brings bz2 and
    # lzma with it (about 2 ms of a small check's start-up, issue 14).
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _exit_code(options: CheckOptions, summary: Summary) -> int:
    if summary.files_unreadable or summary.files_unfixed:
        return EXIT_FAILURE
    if options.exit_zero:
        return EXIT_OK
    if options.exit_non_zero_on_fix and summary.files_fixed:  # ruff's: a CI job's "fixed?"
        return EXIT_PROBLEMS
    if summary.errors or (options.strict and summary.warnings):
        return EXIT_PROBLEMS
    return EXIT_OK


def _cut_short(options: CheckOptions, summary: Summary) -> int:
    """The exit code when the reader of the output goes away (`| head`) before every file
    was checked: what was found so far, and 1 rather than 0, as what was not checked can't
    be vouched for (docs/cli.md); --exit-zero's 0 stays 0."""
    code = _exit_code(options, summary)
    return EXIT_PROBLEMS if code == EXIT_OK and not options.exit_zero else code


def _use_color(choice: str, stream: TextIO, output_file: str | None) -> bool:
    if choice != "auto":
        return choice == "always"
    if output_file is not None or os.environ.get("NO_COLOR"):
        return False
    # FORCE_COLOR (force-color.org): colour where no terminal is (a CI log that shows it).
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def _reporter(fmt: str, statistics: bool, stream: TextIO, options: Options) -> Reporter:
    if not statistics:
        return REPORTERS[fmt](stream, options)
    if fmt == "json":  # the one machine format in STATISTICS_FORMATS
        from mics_lint.reporters.machine import JsonStatisticsReporter

        return JsonStatisticsReporter(stream, options)
    return StatisticsReporter(stream, options)


def _run(
    sources: list[Source],
    unfound: list[tuple[str, str]],
    runner: Runner,
    reporter: Fanout,
    summary: Summary,
) -> None:
    """Lint every source into the reporter; unreadable files are one line on stderr each
    (`unfound`'s were said already, and are counted in the summary)."""

    def told(display: str, doc_type: str) -> None:
        summary.doc_types[display] = doc_type
        reporter.file_type(display, doc_type)

    runner.on_type = told
    files = runner.lint([(s.path, s.display) for s in sources if s.path is not None])
    try:
        _report_each(sources, unfound, runner, reporter, summary, files)
        # Let the runner end its pool itself (waiting for its threads): left suspended, it
        # is closed at exit instead, where the pool's threads race the interpreter's shutdown.
        for _ in files:
            pass
    finally:
        # Stopped early (Ctrl-C, a broken pipe), the runner stops its pool here, before the
        # one-line error: left suspended, it was stopped by the collector, after that line.
        close = getattr(files, "close", None)
        if close is not None:
            close()


def _piped_in() -> bool:
    """Whether standard input holds data now: a file, or a pipe written to (an empty one, a
    CI runner's, is nothing; the byte read from it is one the run would never read)."""
    import select
    import stat

    try:
        fd = sys.stdin.fileno() if sys.stdin is not None else -1
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            return os.fstat(fd).st_size > 0
        return stat.S_ISFIFO(mode) and bool(select.select([fd], [], [], 0)[0] and os.read(fd, 1))
    except (OSError, ValueError):  # closed, or not a real descriptor (click's test runner)
        return False


def _report_each(
    sources: list[Source],
    unfound: list[tuple[str, str]],
    runner: Runner,
    reporter: Fanout,
    summary: Summary,
    files: Iterator[Iterator[Diagnostic]],
) -> None:
    reporter.start()
    for display, message in unfound:  # a report that names none would read as clean
        reporter.file_started(display)
        reporter.file_failed(display, message)
        reporter.file_finished(display, 0)
    for source in sources:
        reporter.file_started(source.display)
        counted = 0
        try:
            if source.path is None:
                if sys.stdin is None:  # started with standard input closed (`<&-`)
                    raise ReadError(f"{source.display}: standard input is closed")
                stdin = gunzipped(source.stream or sys.stdin.buffer)
                diagnostics = lint_stream(
                    stdin,
                    source.display,
                    runner.settings,
                    on_type=telling(runner.on_type, source.display),
                )
            else:
                diagnostics = next(files)
            # --fix refuses URLs (no atomic rename there): no `[*]` promises what it won't do.
            if _is_url(source.path):
                diagnostics = (d if d.fix is None else d.with_fix(None) for d in diagnostics)
            diagnostics = iter(diagnostics)
            add, report = summary.add, reporter.report  # a file may hold millions
            for diagnostic in diagnostics:
                add(diagnostic)
                counted += 1
                report(diagnostic)  # Fanout counts what --max-diagnostics hides
                if reporter.full:  # the rest only counted: two calls a diagnostic less
                    before = summary.errors + summary.warnings
                    try:
                        summary.add_all(diagnostics)
                    finally:  # a read error too: what was read is counted, as before
                        rest = summary.errors + summary.warnings - before
                        reporter.hide(rest)
                        counted += rest
        except ReadError as exc:
            fail(f"{exc.verb} {exc}")
            reporter.file_failed(source.display, f"{exc.verb} {exc}")
            summary.files_unreadable += 1
            summary.files_failed += 1
            # Its type may have been told from its first lines before reading broke (a
            # truncated .gz): it was not checked as anything.
            summary.doc_types.pop(source.display, None)
        summary.files_with_problems += counted > 0
        reporter.file_finished(source.display, counted)
