"""What every reporter shares: the run's `Summary`, the `Options`, the `Reporter` protocol,
and `Fanout`, which feeds several reporters from one pass."""

# No `from __future__ import annotations` here: the NamedTuples' fields keep their types as
# annotations (startup.Fields; tests/test_startup.py).
import abc
import contextlib
import copy
import itertools
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, TextIO

from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.diagnostic import counted as _plural
from mics_lint.registry import FIX_SAFE, FIX_UNSAFE
from mics_lint.startup import Fields

if TYPE_CHECKING:  # pathlib only for the formats that show paths: start-up (issue 14)
    from pathlib import Path

_SPOOL_IN_MEMORY = 4 * 1024 * 1024
# An enum's member read from its class costs 100 ns in Python 3.11: once, not a diagnostic.
_ERROR = Severity.ERROR
_NEW: Any = object()  # a field left to its default_factory


# A dataclass whose __init__, __repr__ and __eq__ are written here as @dataclass would
# write them: compiling them at import took ~1.5 ms of a small check's start-up (issue
# 14). tests/test_records.py holds them to a dataclass made from the same fields.
@dataclass(init=False, repr=False, eq=False)
class Summary:
    """What a run found, fixed and left, counted for the summary line and the exit code."""

    errors: int = 0
    warnings: int = 0
    files_checked: int = 0
    files_with_problems: int = 0
    files_unreadable: int = 0
    files_failed: int = 0  # of files_checked, those that could not be read or typed
    hidden: int = 0  # diagnostics counted but not shown (--max-diagnostics)
    max_diagnostics: int | None = None
    by_code: Counter[str] = field(default_factory=Counter)
    fixing: bool = False  # --fix ran before the check
    fixed: Counter[str] = field(default_factory=Counter)  # fixes applied, per code
    files_fixed: int = 0
    files_unfixed: int = 0  # --fix could not write them (said on stderr)
    hidden_fixes: int = 0  # unsafe fixes found but not applied
    fixable: int = 0  # diagnostics --fix would fix (marked `[*]`: see fixmarks.py)
    unsafe_fixable: int = 0  # ... and those only --fix --unsafe-fixes would
    doc_types: dict[str, str] = field(default_factory=dict)  # file -> type checked as

    def __init__(
        self,
        errors: int = 0,
        warnings: int = 0,
        files_checked: int = 0,
        files_with_problems: int = 0,
        files_unreadable: int = 0,
        files_failed: int = 0,
        hidden: int = 0,
        max_diagnostics: int | None = None,
        by_code: Counter[str] = _NEW,
        fixing: bool = False,
        fixed: Counter[str] = _NEW,
        files_fixed: int = 0,
        files_unfixed: int = 0,
        hidden_fixes: int = 0,
        fixable: int = 0,
        unsafe_fixable: int = 0,
        doc_types: dict[str, str] = _NEW,
    ) -> None:
        self.errors = errors
        self.warnings = warnings
        self.files_checked = files_checked
        self.files_with_problems = files_with_problems
        self.files_unreadable = files_unreadable
        self.files_failed = files_failed
        self.hidden = hidden
        self.max_diagnostics = max_diagnostics
        self.by_code = Counter() if by_code is _NEW else by_code
        self.fixing = fixing
        self.fixed = Counter() if fixed is _NEW else fixed
        self.files_fixed = files_fixed
        self.files_unfixed = files_unfixed
        self.hidden_fixes = hidden_fixes
        self.fixable = fixable
        self.unsafe_fixable = unsafe_fixable
        self.doc_types = {} if doc_types is _NEW else doc_types

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SUMMARY_FIELDS)
        return f"{self.__class__.__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Summary) and other.__class__ is self.__class__:
            mine = tuple(getattr(self, name) for name in _SUMMARY_FIELDS)
            return mine == tuple(getattr(other, name) for name in _SUMMARY_FIELDS)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable and compared, as @dataclass says

    def add_all(self, diagnostics: Iterable[Diagnostic]) -> None:
        """`add` of each of `diagnostics` (a file's, which may hold millions: a call less a
        diagnostic); each is an error or a warning, so their count tells how many it took,
        a read error or not."""
        by_code = self.by_code
        for diagnostic in diagnostics:
            if diagnostic.severity is _ERROR:
                self.errors += 1
            else:
                self.warnings += 1
            by_code[diagnostic.code] += 1
            fix = diagnostic.fix
            if fix == FIX_SAFE:
                self.fixable += 1
            elif fix == FIX_UNSAFE:
                self.unsafe_fixable += 1

    def add(self, diagnostic: Diagnostic) -> None:
        self.add_all((diagnostic,))

    def fix_sentence(self, pre_commit: bool = False) -> str:
        """What --fix did, what it left (unsafe fixes), or what it could do; or "".

        `pre_commit`: run as a pre-commit hook, where the user may have no mics-lint on
        PATH: the advice goes through pre-commit instead."""
        if not self.fixing:
            return self._could_fix(pre_commit)
        total = sum(self.fixed.values())
        if total:
            done = f"Fixed {_plural(total, 'problem')} in {_plural(self.files_fixed, 'file')}."
        else:  # "Nothing to fix." beside a file that could not be: there was, maybe
            done = "Nothing fixed." if self.files_unfixed else "Nothing to fix."
        if self.files_unfixed:
            done += f" {_plural(self.files_unfixed, 'file')} could not be fixed."
        if self.hidden_fixes:
            done += (
                f" {_plural(self.hidden_fixes, 'more fix', 'more fixes')} with `--unsafe-fixes`."
            )
        return done

    def _could_fix(self, pre_commit: bool) -> str:
        """The hint of a check: as many problems as `--fix` (or `--diff`) would then fix."""
        safe, unsafe = self.fixable, self.unsafe_fixable
        if pre_commit:
            if not safe:
                return ""  # unsafe fixes need a person at the command line, with --diff
            return (
                f"{_plural(safe, 'problem')} marked [*] can be fixed: run "
                "`pre-commit run mics-lint-fix --all-files` (add the mics-lint-fix hook to "
                ".pre-commit-config.yaml), or give the mics-lint hook `args: [--fix]`."
            )
        if safe:
            more = f" {unsafe:,} more with `--unsafe-fixes`." if unsafe else ""
            return (
                f"{_plural(safe, 'problem')} marked [*] can be fixed with "
                f"`mics-lint check --fix` (`--diff` shows the changes first).{more}"
            )
        if unsafe:
            return (
                f"No safe fixes; {_plural(unsafe, 'problem')} can be fixed with "
                "`mics-lint check --fix --unsafe-fixes` (review them with "
                "`--diff --unsafe-fixes` first)."
            )
        return ""

    def sentence(self) -> str:
        # "checked", not "read": a file whose type its first records do not tell was read
        # (stderr says, for each file, why it could not be checked).
        unread = ""
        if self.files_unreadable:
            unread = f"; {_plural(self.files_unreadable, 'file')} could not be checked"
        checked = self.types_sentence()
        checked = f" {checked}" if checked else ""
        if not self.errors and not self.warnings:
            if not unread and not self.files_checked:
                return "No import files to check."
            if not unread:
                return f"All checks passed.{checked}"
            # Never a word of success for a run that left files unread (exit 2): say what
            # was not read first, then what the others gave.
            read = self.files_checked - self.files_failed
            cannot = f"{_plural(self.files_unreadable, 'file')} could not be checked"
            if read <= 0:
                return f"{cannot}."
            others = "the other file" if read == 1 else f"the other {read:,} files"
            return f"{cannot}; no problems in {others}.{checked}"
        parts = []
        if self.errors or not self.warnings:
            parts.append(_plural(self.errors, "error"))
        if self.warnings:
            parts.append(_plural(self.warnings, "warning"))
        files = _plural(self.files_with_problems, "file")
        return f"Found {' and '.join(parts)} in {files}{unread}.{checked}"

    def types_sentence(self) -> str:
        """The document types the files were checked as: "Checked as USER_PROFILE.",
        "Checked 3 files as USER_PROFILE, 1 as USER_SEGMENT."; "" when none was read."""
        counts = Counter(self.doc_types.values())
        if not counts:
            return ""
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if len(self.doc_types) == 1:
            return f"Checked as {ranked[0][0]}."
        first, *rest = ranked
        parts = [f"{_plural(first[1], 'file')} as {first[0]}"]
        parts += [f"{count:,} as {name}" for name, count in rest]
        return f"Checked {', '.join(parts)}."

    def hidden_sentence(self) -> str:
        """The line that says how many diagnostics --max-diagnostics kept back, or ""."""
        if not self.hidden:
            return ""
        return (
            f"{_plural(self.hidden, 'more diagnostic')} not shown "
            f"(--max-diagnostics {self.max_diagnostics} per file)."
        )


_SUMMARY_FIELDS = tuple(Summary.__dataclass_fields__)


class Options(Fields):  # not a dataclass: quicker to make at import (issue 14)
    """What a reporter may need beyond the diagnostics."""

    color: bool = False
    quiet: bool = False
    width: int = 100  # terminal columns, for `full`
    # CI formats show paths relative to this folder, as CI systems need; None: the git work
    # tree around the current folder (project_root), looked for by the first such path.
    root: "Path | None" = None
    environ: Mapping[str, str] | None = None  # None: the process's (os.environ)
    show_values: bool = False  # `full` shows lines unredacted (see redact.py)
    strict: bool = False  # --strict: warnings fail the run, so JUnit counts them as failures


class Reporter(abc.ABC):
    """One output format."""

    #: True for formats meant for people: they get the summary and "not shown" lines.
    human = False

    def __init__(self, stream: TextIO, options: Options | None = None) -> None:
        self.stream = stream
        self.options = options or Options()
        given = self.options.environ
        self.environ: Mapping[str, str] = os.environ if given is None else given
        self._root = self.options.root
        self._paths: dict[str, str] = {}

    def start(self) -> None:  # noqa: B027 - most formats have no header
        """Called once, before anything else."""

    def file_started(self, path: str) -> None:  # noqa: B027 - most formats ignore it
        """Called for every file checked, with or without diagnostics."""

    def file_type(self, path: str, doc_type: str) -> None:  # noqa: B027 - most ignore it
        """Called once the file's document type is known (USER_PROFILE...), before its first
        diagnostic; not for a file that could not be read. Each diagnostic carries it too."""

    @abc.abstractmethod
    def report(self, diagnostic: Diagnostic) -> None:
        """Write one diagnostic."""

    def file_failed(self, path: str, message: str) -> None:  # noqa: B027
        """Called when a file could not be checked (unreadable, its type unknown), with the
        line said on stderr; `file_finished` follows."""

    def file_finished(self, path: str, count: int) -> None:  # noqa: B027
        """Called after a file's last diagnostic; `count` is how many were reported."""

    def finish(self, summary: Summary) -> None:  # noqa: B027 - most formats have no footer
        """Called once, after the last file."""

    def relative(self, path: str) -> str:
        """`path` relative to the project root when it lies under it, else absolute; with `/`
        separators."""
        if path not in self._paths:
            if self._root is None:
                from pathlib import Path

                self._root = project_root(Path.cwd())
            self._paths[path] = _relative(path, self._root)
        return self._paths[path]


def _relative(path: str, root: "Path") -> str:
    from pathlib import Path

    if path == "-" or "://" in path:  # standard input; a URL (s3://...), as it is
        return path
    # The path as named, made absolute without following links: a link in the project is
    # reported where it lies (as the json format names it), not where it points.
    given = Path(os.path.abspath(path))
    try:
        real_root = root.resolve()
        places = (given, given.parent.resolve() / given.name)  # a folder reached by a link
        for place, base in itertools.product(places, (root.absolute(), real_root)):
            with contextlib.suppress(ValueError):
                return place.relative_to(base).as_posix()
    except OSError:
        pass
    # Outside the project: absolute, never relative to the working folder, which would read
    # as relative to the root beside the paths under it (`../x.ndjson` from a sub-folder).
    return given.as_posix()


def project_root(start: "Path") -> "Path":
    """The folder CI formats make paths relative to: the enclosing git work tree, else `start`."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def spool() -> IO[str]:
    """A text buffer that moves to a temporary file past a few MiB; closed in `finish`."""
    import tempfile

    return tempfile.SpooledTemporaryFile(
        _SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", errors="backslashreplace"
    )


class Fanout(Reporter):
    """The main report and each `--report FORMAT:PATH` file, fed from one pass over the data.

    --max-diagnostics caps the main report only: at most `limit` diagnostics of a file reach
    it, the rest are counted in the summary's `hidden`. The --report files, for tools, get
    every diagnostic, and a summary that says none was left out."""

    def __init__(
        self, main: Reporter, files: list[Reporter], limit: int | None, summary: Summary
    ) -> None:
        self.main = main
        self.files = files
        self.reporters = [main, *files]
        # GitHub's step summary is appended once a run, by the first reporter that would.
        writers = [r for r in self.reporters if getattr(r, "step_summary", False)]
        for extra in writers[1:]:
            extra.step_summary = False  # type: ignore[attr-defined]
        self.limit = limit
        self.summary = summary
        self.shown = 0  # of the file's diagnostics, those the main report got

    def start(self) -> None:
        for r in self.reporters:
            r.start()

    def file_started(self, path: str) -> None:
        self.shown = 0
        for r in self.reporters:
            r.file_started(path)

    def file_type(self, path: str, doc_type: str) -> None:
        for r in self.reporters:
            r.file_type(path, doc_type)

    def report(self, diagnostic: Diagnostic) -> None:
        if self.limit is None or self.shown < self.limit:
            self.main.report(diagnostic)
            self.shown += 1
        else:
            self.summary.hidden += 1
        for r in self.files:
            r.report(diagnostic)

    @property
    def full(self) -> bool:
        """Whether no reporter takes the file's next diagnostics: the main report has its
        `limit`, and no --report file wants them. They are counted, then `hide`."""
        return self.limit is not None and self.shown >= self.limit and not self.files

    def hide(self, count: int) -> None:
        """`count` more of the file's diagnostics counted but not shown (`full`)."""
        self.summary.hidden += count

    def file_failed(self, path: str, message: str) -> None:
        for r in self.reporters:
            r.file_failed(path, message)

    def file_finished(self, path: str, count: int) -> None:
        self.main.file_finished(path, self.shown)
        for r in self.files:
            r.file_finished(path, count)

    def finish(self, summary: Summary) -> None:
        self.main.finish(summary)
        whole = copy.copy(summary)
        whole.hidden = 0
        for r in self.files:
            r.finish(whole)
