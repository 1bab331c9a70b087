"""Everything `mics-lint check` was asked to do, as one frozen value.

The field names are the names click gives the command's parameters, so the command builds
it with `CheckOptions(**params)`; the defaults are the command's own, so that code and
tests can build one without going through click.
"""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).

from mics_lint.parallel import CHUNK_BYTES, cpu_count
from mics_lint.startup import Fields

# The formats --statistics has a form in: its table (text ones), or its JSON array.
STATISTICS_FORMATS = frozenset({"text", "grouped", "full", "github", "json"})


class CheckOptions(Fields):
    """The options of one check, as given: nothing here is validated or resolved yet.

    A NamedTuple, frozen as a frozen dataclass is: making a dataclass of these fields took
    a small check's start-up about 2 ms (issue 14), a NamedTuple a tenth of that."""

    paths: tuple[str, ...] = ()  # empty: the current folder
    output_format: str = "auto"
    output_file: str | None = None
    reports: tuple[str, ...] = ()  # FORMAT:PATH, each
    stdin_filename: str = "-"
    select: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # GLOBS, each (comma-separated): exclusion.py
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool | None = None  # None: the config's force-exclude
    severity: tuple[str, ...] = ()
    max_file_size: str | None = None
    max_line_bytes: str | None = None
    doc_type: str | None = None
    profile_form: str | None = None
    datamart_schema: str | None = None
    config_path: str | None = None
    isolated: bool = False
    strict: bool = False
    show_values: bool = False
    exit_zero: bool = False
    exit_non_zero_on_fix: bool = False
    statistics: bool = False
    quiet: bool = False
    max_diagnostics: int | None = None
    jobs: int = cpu_count()  # the CPUs this process may use, as the command's default
    chunk_size: int = CHUNK_BYTES
    no_progress: bool = False
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False
    color: str = "auto"
    show_settings: bool = False
    show_files: bool = False
    storage_options: tuple[str, ...] = ()  # KEY=VALUE, each (remote.py)
    scheduler: str | None = None  # a Dask scheduler's address, or "local" (cluster.py)
    scheduler_timeout: float = 30.0

    def conflict(self, output_format: str) -> str | None:
        """Why these options do not go together, if they do not."""
        if self.exit_non_zero_on_fix and not self.fix:
            return (
                "--exit-non-zero-on-fix only works with --fix (--diff exits 1 on a change already)"
            )
        if self.unsafe_fixes and not (self.fix or self.diff):
            return "--unsafe-fixes only works with --fix or --diff"
        if self.show_files and self.show_settings:
            return "--show-files and --show-settings each print instead of checking: give one"
        if (self.show_files or self.show_settings) and (
            self.fix or self.diff or self.output_file or self.reports or self.statistics
        ):
            # Else silently left out: no file written where -o named one, nothing fixed.
            shown = "--show-files" if self.show_files else "--show-settings"
            return (
                f"{shown} prints to standard output instead of checking: it takes no -o, "
                "--report, --statistics, --fix or --diff"
            )
        if self.statistics and output_format not in STATISTICS_FORMATS:
            # A SARIF or JUnit consumer would get a JSON array it cannot read.
            return (
                f"--statistics writes a table, or JSON with --output-format json: not "
                f"{output_format}; give the format to --report instead"
            )
        if self.diff and (self.output_file or self.reports or self.statistics):
            return (
                "--diff writes the diff to standard output: it takes no -o, --report or "
                "--statistics"
            )
        from mics_lint.discovery import is_url, shown_url

        urls = [shown_url(p) for p in self.paths if is_url(p)]
        if urls and (self.fix or self.diff):
            # Object stores have no atomic rename: a fix could leave half a file behind.
            return f"--fix and --diff work on local files only, not {urls[0]}: download it first"
        return None
