"""The `mics-lint` command: its options, turned into one CheckOptions for `run_check`.

Only click declarations live here: what a check does is in `mics_lint.checking`, how the
command ends (exit codes, one-line errors) in `mics_lint.exits`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from mics_lint import startup

with startup.lasting():  # issue 14: see startup.py
    import click
    import orjson

    from mics_lint import __version__
    from mics_lint.checking import run_check
    from mics_lint.commands import Path, echo, version_option
    from mics_lint.config import MAX_SIZE
    from mics_lint.diagnostic import Severity
    from mics_lint.exits import EXIT_FAILURE, EXIT_OK, OneLineGroup, end_now, fail, sigterm_raises
    from mics_lint.options import CheckOptions
    from mics_lint.parallel import CHUNK_BYTES, MAX_JOBS, cpu_count
    from mics_lint.registry import Rule
    from mics_lint.reporters import REPORTERS
    from mics_lint.rules import REGISTRY


class JobCount(click.IntRange):
    """A number of worker processes, or `auto`: the CPUs this process may use (the default),
    as pytest-xdist's `-n auto`, which its users type here too."""

    def __init__(self) -> None:
        super().__init__(min=1, max=MAX_JOBS)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.strip().lower() == "auto":
            return cpu_count()
        if isinstance(value, str) and not value.strip().lstrip("+-").isdigit():
            self.fail(f"{value!r} is not a number of processes, or auto", param, ctx)
        return super().convert(value, param, ctx)


@click.group(cls=OneLineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@version_option(__version__, prog_name="mics-lint")  # click's, without gettext: commands.py
def cli() -> None:
    """Lint mediarithmics bulk-import NDJSON files before you upload them."""


@cli.command()
# readable=False: an unreadable file is the engine's one-line error, not a usage error that
# would stop the other files from being checked.
@click.argument("paths", nargs=-1, type=Path(allow_dash=True, readable=False, path_type=str))
@click.option(
    "--output-format",
    type=click.Choice(["auto", *REPORTERS], case_sensitive=False),
    default="auto",
    show_default=True,
    help="How to write diagnostics (auto: github on GitHub Actions, else text).",
)
@click.option(
    "--output-file",
    "-o",
    type=Path(dir_okay=False, allow_dash=True),
    help="Write the report here (-: standard output).",
)
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
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOBS",
    help="Leave these files and folders out of folder searches (replaces the config's).",
)
@click.option("--extend-exclude", multiple=True, metavar="GLOBS", help="Leave these out too.")
@click.option(
    "--force-exclude/--no-force-exclude",
    default=None,
    help="Apply the excludes to paths named on the command line too (pre-commit's hook does).",
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
    help="Profile lines: auto (default: each file in its own form), force_replace, "
    "update_strategy, or either.",
)
@click.option(
    "--datamart-schema",
    metavar="PATH",
    default=None,
    help="Also check profiles and activities against this datamart schema (.gql): MIC25x.",
)
@click.option("--config", "config_path", type=Path(dir_okay=False), help="Config file.")
@click.option("--isolated", is_flag=True, help="Ignore every config file.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option(
    "--show-values",
    is_flag=True,
    help="Show identifiers, profile values and e-mail addresses whole (local debugging only).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with errors (not on exit 2).")
@click.option(
    "--exit-non-zero-on-fix",
    is_flag=True,
    help="With --fix: exit 1 if a file was changed, even with nothing left to report.",
)
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
    type=JobCount(),
    default=cpu_count,
    show_default="auto, the number of CPUs",
    metavar="N|auto",
    help="Worker processes for large inputs (1: check everything in this process).",
)
@click.option(
    "--chunk-size", type=click.IntRange(min=1, max=MAX_SIZE), default=CHUNK_BYTES, hidden=True
)
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
    type=click.Choice(["auto", "always", "never"], case_sensitive=False),
    default="auto",
    show_default=True,
    help="Colour text output (auto: on a terminal, unless NO_COLOR is set).",
)
@click.option(
    "--show-files",
    is_flag=True,
    help="Print the files a check would read, one a line (after --exclude...); check nothing.",
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print each path's config file, document type, profile form and rules; check nothing.",
)
@click.option(
    "--storage-option",
    "storage_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="Passed to fsspec for URLs (endpoint_url=..., anon=true; repeatable).",
)
@click.option(
    "--scheduler",
    envvar="MICS_LINT_SCHEDULER",
    metavar="ADDRESS",
    help="Run on a Dask cluster: tcp://host:8786, or local (needs mics-lint[dask]).",
)
@click.option(
    "--scheduler-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to try reaching the scheduler.",
)
def check(**params: Any) -> int:
    """Check import files, directories (searched for *.ndjson, *.jsonl, their .gz, and
    Spark's part-*.json) or -."""
    # click names each parameter as CheckOptions names its field (tests/test_options.py).
    if params.get("output_file") == "-":  # -o -: standard output, as without -o
        params["output_file"] = None
    return run_check(CheckOptions(**params))


@cli.command()
@click.argument("code", required=False)
@click.option("--all", "every", is_flag=True, help="Explain every rule.")
@click.option(
    "--output-format", type=click.Choice(["text", "json"], case_sensitive=False), default="text"
)
def rule(code: str | None, every: bool, output_format: str) -> int:
    """Explain one rule, by code (MIC302) or name (multiple-identifiers), or --all."""
    if (code is None) == (not every):
        fail("give one rule's code or name, or --all: `mics-lint rule MIC302`")
        return EXIT_FAILURE
    one = None if code is None else REGISTRY.lookup(code)
    if code is not None and one is None:
        from mics_lint.suggest import did_you_mean  # a mistake only: start-up (issue 14)

        group = REGISTRY.matching(code)
        if group:  # a prefix (MIC3): several rules, which `rules` lists
            fail(
                f"{code!r} names {len(group)} rules ({group[0].code} to {group[-1].code}): "
                "`mics-lint rule` explains one, `mics-lint rules` lists them"
            )
            return EXIT_FAILURE
        names = [*REGISTRY, *(r.name for r in REGISTRY.values())]
        fail(f"unknown rule {code!r}{did_you_mean(code, names)} (`mics-lint rules` lists them)")
        return EXIT_FAILURE
    rules_found = [one] if one is not None else list(REGISTRY.values())
    if output_format == "json":  # ruff's fields where they mean the same
        table = [
            {**_listed(r), "fix_text": r.fix_text, "explanation": r.explanation}
            for r in rules_found
        ]
        shown: object = table if every else table[0]
        echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
        return EXIT_OK
    for at, one in enumerate(rules_found):
        echo(("\n" if at else "") + f"# {one.code} {one.name}\n")
        echo(f"Default severity: {one.severity}. {one.summary[0].upper()}{one.summary[1:]}.\n")
        echo(one.fix_text + "\n")
        echo(one.explanation)
    return EXIT_OK


def _listed(one: Rule) -> dict[str, object]:
    """A rule as `rules --output-format json` lists it."""
    return {
        "code": one.code,
        "name": one.name,
        "severity": str(one.severity),
        "fix": one.fix,
        "summary": one.summary,
    }


@cli.command()
@click.option(
    "--output-format", type=click.Choice(["text", "json"], case_sensitive=False), default="text"
)
def rules(output_format: str) -> int:
    """List every rule: code, name, default severity, summary."""
    if output_format == "json":
        table = [_listed(r) for r in REGISTRY.values()]
        echo(orjson.dumps(table, option=orjson.OPT_INDENT_2).decode())
        return EXIT_OK
    width = max(len(r.name) for r in REGISTRY.values())
    echo(f"{'CODE':<7} {'NAME':<{width}} {'SEVERITY':<8} {'FIX':<6} SUMMARY")
    for r in REGISTRY.values():
        level = "error" if r.severity is Severity.ERROR else "warning"
        fix = r.fix or "-"
        echo(f"{r.code:<7} {r.name:<{width}} {level:<8} {fix:<6} {r.summary}")
    return EXIT_OK


@cli.command("schema-check")
@click.argument("path", type=Path(dir_okay=False, path_type=str))
def schema_check(path: str) -> int:
    """Read a datamart schema (.gql) and print what each indexed field is read from."""
    from mics_lint.datamart.command import schema_check as run

    return run(path)


#: Allocations between two passes of the collector over young objects (Python: 700).
GC_YOUNG = 10_000


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `mics-lint` console script."""
    import os

    # numpy (MIC501's table) starts OpenBLAS with a thread per core, which spin between
    # calls and take the other core from --jobs workers; no BLAS routine is ever called.
    # Only the command's own process, and those it starts, are told so: not an API caller.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    with contextlib.suppress(ValueError):  # not in the main thread: leave signals alone
        sigterm_raises()
    cli.main(args=list(argv) if argv is not None else None, prog_name="mics-lint")


def console() -> None:
    """The `mics-lint` console script (and `python -m mics_lint`): `main`, then the process
    ends without the interpreter's teardown where nothing needs it (exits.end_now). Not
    `main`, which a program may call and go on after its SystemExit."""
    import gc

    # A file of bad lines makes containers by the million (a parsed record, its findings,
    # its diagnostics), almost none of them in a cycle. The collector's defaults (a pass
    # every 700 of them, its survivors aging into full passes over every object, the
    # imports' included) took 7% of a run on 100k lines with an unknown key each. As mypy
    # does, this process collects less often; its `--jobs` workers, forked from it, too.
    # (`gc.freeze` of start-up's objects gained little more, and kept them from the
    # teardown that an atexit callback or a thread still needs: exits.end_now.)
    gc.set_threshold(GC_YOUNG, 10, 10)
    try:
        main()
    except SystemExit as done:
        if isinstance(done.code, int):
            end_now(done.code)  # returns where the teardown is needed
        raise
