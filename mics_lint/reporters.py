"""Reporters: how diagnostics are written out, one class per `--output-format`.

Every reporter gets the same calls: `start()`, then for each file checked `file_started`,
its diagnostics through `report`, and `file_finished`; then `finish(summary)`. Reporters
stream where their format allows; those whose format needs totals first (JUnit) or an order
other than the run's (GitHub: annotations before the text) spool to a temporary file, never
to memory. Reporters never decide the exit code; the CLI does.
"""

from __future__ import annotations

import abc
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TextIO

import click
import orjson

from mics_lint import __version__, redact
from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import REGISTRY

_SPOOL_IN_MEMORY = 4 * 1024 * 1024


@dataclass
class Summary:
    errors: int = 0
    warnings: int = 0
    files_checked: int = 0
    files_with_problems: int = 0
    files_unreadable: int = 0
    hidden: int = 0  # diagnostics counted but not shown (--max-diagnostics)
    max_diagnostics: int | None = None
    by_code: Counter[str] = field(default_factory=Counter)
    fixing: bool = False  # --fix ran before the check
    fixed: Counter[str] = field(default_factory=Counter)  # fixes applied, per code
    files_fixed: int = 0
    files_unfixed: int = 0  # --fix could not write them (said on stderr)
    hidden_fixes: int = 0  # unsafe fixes found but not applied
    fixable: int = 0  # diagnostics of rules whose safe fix always applies
    doc_types: dict[str, str] = field(default_factory=dict)  # file -> type checked as

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.severity is Severity.ERROR:
            self.errors += 1
        else:
            self.warnings += 1
        self.by_code[diagnostic.code] += 1
        rule = REGISTRY.get(diagnostic.code)
        if rule is not None and rule.fix == FIX_SAFE and rule.fix_always:
            self.fixable += 1

    def fix_sentence(self) -> str:
        """What --fix did, what it left (unsafe fixes), or what it could do; or ""."""
        if not self.fixing:
            if not self.fixable:
                return ""
            return (
                f"{_plural(self.fixable, 'problem')} can be fixed with `mics-lint check --fix`"
                " (`--diff` shows the changes first)."
            )
        total = sum(self.fixed.values())
        done = (
            f"Fixed {_plural(total, 'problem')} in {_plural(self.files_fixed, 'file')}."
            if total
            else "Nothing to fix."
        )
        if self.files_unfixed:
            done += f" {_plural(self.files_unfixed, 'file')} could not be fixed."
        if self.hidden_fixes:
            done += (
                f" {_plural(self.hidden_fixes, 'more fix', 'more fixes')} with `--unsafe-fixes`."
            )
        return done

    def sentence(self) -> str:
        unread = ""
        if self.files_unreadable:
            unread = f"; {_plural(self.files_unreadable, 'file')} could not be read"
        checked = self.types_sentence()
        checked = f" {checked}" if checked else ""
        if not self.errors and not self.warnings:
            if not unread and not self.files_checked:
                return "No import files to check."
            return (
                f"No problems found{unread}.{checked}" if unread else f"All checks passed.{checked}"
            )
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


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else words or word + 's'}"


@dataclass(frozen=True)
class Options:
    """What a reporter may need beyond the diagnostics."""

    color: bool = False
    quiet: bool = False
    width: int = 100  # terminal columns, for `full`
    # CI formats show paths relative to this folder (the git work tree), as CI systems need.
    root: Path = field(default_factory=lambda: project_root(Path.cwd()))
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    show_values: bool = False  # `full` shows lines unredacted (see redact.py)


class Reporter(abc.ABC):
    """One output format."""

    #: True for formats meant for people: they get the summary and "not shown" lines.
    human = False

    def __init__(self, stream: TextIO, options: Options | None = None) -> None:
        self.stream = stream
        self.options = options or Options()
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
        """`path` relative to the project root when it lies under it, with `/` separators."""
        if path not in self._paths:
            self._paths[path] = _relative(path, self.options.root)
        return self._paths[path]


def _relative(path: str, root: Path) -> str:
    if path == "-":
        return path
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return Path(path).as_posix()


def project_root(start: Path) -> Path:
    """The folder CI formats make paths relative to: the enclosing git work tree, else `start`."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


# -- for people ----------------------------------------------------------------------------


class TextReporter(Reporter):
    """`path:line:col: CODE message`, then a summary line."""

    human = True

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(self.line(diagnostic) + "\n")

    def line(self, d: Diagnostic, with_path: bool = True) -> str:
        where = f"{d.path}:{d.line}:{d.column}:" if with_path else f"{d.line}:{d.column}:"
        code = d.code
        if self.options.color:
            where = click.style(where, bold=True)
            code = click.style(code, fg=_hue(d.severity), bold=True)
        return f"{where} {code} {d.message}"

    def finish(self, summary: Summary) -> None:
        if self.options.quiet:
            return
        hidden = summary.hidden_sentence()
        if hidden:
            self.stream.write(hidden + "\n")
        fixes = summary.fix_sentence()
        if fixes and summary.fixing:
            self.stream.write(fixes + "\n")
        sentence = summary.sentence()
        if self.options.color:
            clean = not summary.errors and not summary.warnings
            sentence = click.style(sentence, fg="green" if clean else None, bold=True)
        self.stream.write(sentence + "\n")
        if fixes and not summary.fixing:
            self.stream.write(fixes + "\n")


def _hue(severity: Severity) -> str:
    return "red" if severity is Severity.ERROR else "yellow"


class GroupedReporter(TextReporter):
    """Diagnostics under a header per file: `  line:col CODE message`."""

    def file_started(self, path: str) -> None:
        self.header: str | None = path

    def report(self, diagnostic: Diagnostic) -> None:
        if self.header is not None:
            shown = click.style(self.header, bold=True, underline=True)
            self.stream.write((shown if self.options.color else self.header) + ":\n")
            self.header = None
        self.stream.write("  " + self.line(diagnostic, with_path=False) + "\n")

    def file_finished(self, path: str, count: int) -> None:
        if count:
            self.stream.write("\n")


class FullReporter(TextReporter):
    """Each diagnostic, then its line (cut to the terminal's width) and a caret at the column.

    The line is shown redacted (see redact.py) unless `show_values`: the report may end up
    in a CI log.
    """

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(self.line(diagnostic) + "\n")
        if diagnostic.source is not None:
            shown = diagnostic.source
            if not self.options.show_values:
                shown = redact.source_line(shown)
            text, caret = _window(shown, diagnostic.column, self.options.width - 4)
            mark = "^"
            if self.options.color:
                mark = click.style(mark, fg=_hue(diagnostic.severity), bold=True)
            self.stream.write(f"  | {text}\n  | {' ' * caret}{mark}\n")
        self.stream.write("\n")


def _cells(char: str) -> int:
    """How many terminal columns a character takes: 2 for wide ones (CJK, most emoji)."""
    import unicodedata  # imported once, on the first use of `full`

    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _window(text: str, column: int, width: int) -> tuple[str, int]:
    """A slice of `text` at most `width` terminal columns wide that shows `column` (1-based,
    in characters), with `…` where it was cut; and the caret's offset in terminal columns.

    Only the characters near the column are measured, so a 100 MB line costs no more than
    a short one.
    """
    width = max(width, 20)
    index = min(max(column - 1, 0), len(text))
    lo, hi = max(0, index - 2 * width), min(len(text), index + 2 * width + 1)
    near = text[lo:hi].replace("\t", " ")
    cells = [_cells(c) for c in near]
    if lo == 0 and hi == len(text) and sum(cells) <= width:
        return near, sum(cells[:index])

    def marks(start: int, end: int) -> int:  # the "…" a cut at either end needs
        return (start > 0) + (end < len(text))

    start, inner = index, 0  # put the column about a third into the window
    while start > lo and inner + cells[start - 1 - lo] <= width // 3:
        start -= 1
        inner += cells[start - lo]
    end = index
    if end < hi:
        inner += cells[end - lo]
        end += 1
    while end < hi and inner + cells[end - lo] + marks(start, end + 1) <= width:
        inner += cells[end - lo]
        end += 1
    while start > lo and inner + cells[start - 1 - lo] + marks(start - 1, end) <= width:
        start -= 1  # the line ends near the column: use the room left before it
        inner += cells[start - lo]
    body = near[start - lo : end - lo]
    shown = ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")
    return shown, (start > 0) + sum(cells[start - lo : index - lo])


class StatisticsReporter(Reporter):
    """A table of counts per code instead of the diagnostics (`--statistics`)."""

    human = True

    def report(self, diagnostic: Diagnostic) -> None:
        pass  # counted by the summary

    def finish(self, summary: Summary) -> None:
        rows = sorted(summary.by_code.items(), key=lambda item: (-item[1], item[0]))
        if rows:
            width = max(len(f"{count:,}") for _, count in rows)
            name_width = max(len(REGISTRY[code].name) for code, _ in rows)
            for code, count in rows:
                name = REGISTRY[code].name
                self.stream.write(f"{code}  {name:<{name_width}}  {count:>{width},}\n")
        if not self.options.quiet:
            self.stream.write(summary.sentence() + "\n")


class JsonStatisticsReporter(Reporter):
    """`--statistics` with `--output-format json`: [{"code", "name", "count"}]."""

    def report(self, diagnostic: Diagnostic) -> None:
        pass

    def finish(self, summary: Summary) -> None:
        rows = sorted(summary.by_code.items(), key=lambda item: (-item[1], item[0]))
        table = [{"code": c, "name": REGISTRY[c].name, "count": n} for c, n in rows]
        self.stream.write(orjson.dumps(table, option=orjson.OPT_INDENT_2).decode() + "\n")


# -- for programs --------------------------------------------------------------------------


class _JsonArray(Reporter):
    """A JSON array written one element at a time."""

    def start(self) -> None:
        self.count = 0
        self.stream.write("[")

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(("\n  " if self.count == 0 else ",\n  ") + _dumps(self.item(diagnostic)))
        self.count += 1

    @abc.abstractmethod
    def item(self, diagnostic: Diagnostic) -> object: ...

    def finish(self, summary: Summary) -> None:
        self.stream.write("\n]\n" if self.count else "]\n")


class JsonReporter(_JsonArray):
    """One JSON array of records (README, "The JSON record")."""

    def item(self, diagnostic: Diagnostic) -> object:
        return diagnostic.to_dict()


class JsonLinesReporter(Reporter):
    """The same records as `json`, one per line."""

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(_dumps(diagnostic.to_dict()) + "\n")


def _dumps(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        # A lone surrogate (from a \ud800 escape in the file) that orjson will not encode.
        return json.dumps(value, separators=(",", ":"))


class GitlabReporter(_JsonArray):
    """GitLab Code Quality: a JSON array; fingerprints unique per finding, stable across runs."""

    def start(self) -> None:
        super().start()
        self.fingerprints: set[str] = set()

    def item(self, d: Diagnostic) -> object:
        import hashlib

        path = self.relative(d.path)
        seed = f"{d.code}\0{path}\0{d.line}\0{d.column}\0{d.message}"
        fingerprint = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()
        salt = 0
        while fingerprint in self.fingerprints:  # the same finding twice at one place
            salt += 1
            fingerprint = hashlib.sha256(f"{seed}\0{salt}".encode()).hexdigest()
        self.fingerprints.add(fingerprint)
        return {
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "fingerprint": fingerprint,
            "severity": "major" if d.severity is Severity.ERROR else "minor",
            # Not a Code Quality field: GitLab ignores it; other readers of the file may not.
            "doc_type": d.doc_type,
            "location": {
                "path": path,
                "positions": {
                    "begin": {"line": d.line, "column": d.column},
                    "end": {"line": d.end_line, "column": d.end_column},
                },
            },
        }


class RdjsonlReporter(Reporter):
    """reviewdog's rdjsonl: one Diagnostic per line; columns count UTF-8 bytes."""

    def report(self, d: Diagnostic) -> None:
        record = {
            "message": d.message,
            "location": {
                "path": self.relative(d.path),
                "range": {
                    "start": {"line": d.line, "column": _byte_column(d.source, d.column)},
                    "end": {"line": d.end_line, "column": _byte_column(d.source, d.end_column)},
                },
            },
            "severity": "ERROR" if d.severity is Severity.ERROR else "WARNING",
            "source": {"name": "mics-lint"},
            "code": {"value": d.code},
        }
        self.stream.write(_dumps(record) + "\n")


def _byte_column(source: str | None, column: int) -> int:
    if not source:
        return column
    return len(source[: column - 1].encode("utf-8", "surrogatepass")) + 1


class SarifReporter(Reporter):
    """SARIF 2.1.0 for code scanning. Results stream; the rules reported follow them."""

    def start(self) -> None:
        self.rules: dict[str, int] = {}
        self.count = 0
        self.artifacts: dict[str, str] = {}  # uri -> type, for every file checked
        self.failures: list[dict[str, object]] = []  # files that could not be checked
        self.stream.write(
            '{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0",'
            '"runs":[{"columnKind":"unicodeCodePoints","results":['
        )

    def report(self, d: Diagnostic) -> None:
        index = self.rules.setdefault(d.code, len(self.rules))
        region = {
            "startLine": d.line,
            "startColumn": d.column,
            "endLine": d.end_line,
            "endColumn": max(d.end_column, d.column + 1),
        }
        result = {
            "ruleId": d.code,
            "ruleIndex": index,
            "level": "error" if d.severity is Severity.ERROR else "warning",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(self.relative(d.path))},
                        "region": region,
                    }
                }
            ],
            "properties": {"docType": d.doc_type},
        }
        self.stream.write(("" if self.count == 0 else ",") + _dumps(result))
        self.count += 1

    def file_type(self, path: str, doc_type: str) -> None:
        self.artifacts[_uri(self.relative(path))] = doc_type

    def file_failed(self, path: str, message: str) -> None:
        location = {"physicalLocation": {"artifactLocation": {"uri": _uri(self.relative(path))}}}
        self.failures.append(
            {"level": "error", "message": {"text": message}, "locations": [location]}
        )

    def finish(self, summary: Summary) -> None:
        driver = {
            "name": "mics-lint",
            "version": __version__,
            "rules": [_sarif_rule(code) for code in self.rules],
        }
        # Every file checked, with the type it was checked as: clean files too.
        artifacts = [
            {"location": {"uri": uri}, "properties": {"docType": doc_type}}
            for uri, doc_type in self.artifacts.items()
        ]
        tail: dict[str, object] = {"tool": {"driver": driver}, "artifacts": artifacts}
        if self.failures:  # a file not checked is no clean file: the run says so
            tail["invocations"] = [
                {"executionSuccessful": False, "toolExecutionNotifications": self.failures}
            ]
        self.stream.write("]," + _dumps(tail)[1:-1] + "}]}\n")


def _uri(path: str) -> str:
    from urllib.parse import quote

    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(path, safe="/")


def _sarif_rule(code: str) -> dict[str, object]:
    rule = REGISTRY[code]
    what = rule.explanation.split("## Why is this bad?")[0].replace("## What it does", "")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": rule.explanation, "markdown": rule.explanation},
        "defaultConfiguration": {"level": str(rule.severity)},
        "properties": {"tags": ["mediarithmics", rule.name]},
    }


class JunitReporter(Reporter):
    """JUnit XML: a testsuite per file, a failing testcase per diagnostic, a passing one per
    clean file. The totals go on the root element, so testsuites are spooled until the end."""

    def start(self) -> None:
        self.spool = _spool()
        self.cases: list[str] = []
        self.tests = 0
        self.failures = 0
        self.errors = 0

    def file_started(self, path: str) -> None:
        self.cases = []
        self.doc_type = ""
        self.error: str | None = None

    def file_type(self, path: str, doc_type: str) -> None:
        self.doc_type = doc_type

    def report(self, d: Diagnostic) -> None:
        from xml.sax.saxutils import escape as xml_escape
        from xml.sax.saxutils import quoteattr

        text = xml_escape(f"line {d.line}, col {d.column}, {d.message}")
        self.cases.append(
            f"    <testcase name={quoteattr(f'{d.code} {d.name}')} "
            f'classname={quoteattr(self.relative(d.path))} line="{d.line}" '
            f'column="{d.column}">\n'
            f"      <failure message={quoteattr(d.message)} type={quoteattr(d.code)}>"
            f"{text}</failure>\n    </testcase>\n"
        )

    def file_failed(self, path: str, message: str) -> None:
        self.error = message

    def file_finished(self, path: str, count: int) -> None:
        from xml.sax.saxutils import escape as xml_escape
        from xml.sax.saxutils import quoteattr

        name = self.relative(path)
        errors = 0
        if self.error is not None:  # not checked: an error, never a passing test
            errors = 1
            self.cases.append(
                f'    <testcase name="mics-lint" classname={quoteattr(name)}>\n'
                f"      <error message={quoteattr(self.error)}>{xml_escape(self.error)}</error>\n"
                "    </testcase>\n"
            )
        cases = self.cases or [f'    <testcase name="mics-lint" classname={quoteattr(name)}/>\n']
        failures = len(self.cases) - errors
        self.tests += len(cases)
        self.failures += failures
        self.errors += errors
        self.spool.write(
            f'  <testsuite name={quoteattr(name)} tests="{len(cases)}" failures="{failures}"'
            f' errors="{errors}" skipped="0">\n'
        )
        if self.doc_type:
            self.spool.write(
                "    <properties>\n"
                f'      <property name="doc_type" value={quoteattr(self.doc_type)}/>\n'
                "    </properties>\n"
            )
        self.spool.writelines(cases)
        self.spool.write("  </testsuite>\n")
        self.cases = []

    def finish(self, summary: Summary) -> None:
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(
            f'<testsuites name="mics-lint" tests="{self.tests}" failures="{self.failures}" '
            f'errors="{self.errors}">\n'
        )
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.stream)
        self.spool.close()
        self.stream.write("</testsuites>\n")


def _spool() -> IO[str]:
    """A text buffer that moves to a temporary file past a few MiB; closed in `finish`."""
    import tempfile

    return tempfile.SpooledTemporaryFile(
        _SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", errors="backslashreplace"
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(TextReporter):
    """GitHub Actions annotations, then the plain text report.

    GitHub shows 10 error and 10 warning annotations per step (50 per job), so only the first
    50 of each are written, errors first; the text report after them has everything. With
    GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file.
    """

    ANNOTATIONS = 50

    def start(self) -> None:
        self.annotations: dict[Severity, list[str]] = {Severity.ERROR: [], Severity.WARNING: []}
        self.text = _spool()
        self.per_file: dict[str, Counter[Severity]] = {}

    def report(self, d: Diagnostic) -> None:
        kept = self.annotations[d.severity]
        if len(kept) < self.ANNOTATIONS:
            kind = "error" if d.severity is Severity.ERROR else "warning"
            props = {
                "file": self.relative(d.path),
                "line": d.line,
                "endLine": d.end_line,
                "col": d.column,
                "endColumn": d.end_column,
                "title": f"mics-lint {d.code} ({d.name})",
            }
            joined = ",".join(f"{k}={_escape_property(str(v))}" for k, v in props.items())
            kept.append(f"::{kind} {joined}::{_escape_data(f'{d.code} {d.message}')}\n")
        self.per_file.setdefault(d.path, Counter())[d.severity] += 1
        self.text.write(self.line(d) + "\n")

    def finish(self, summary: Summary) -> None:
        for severity in (Severity.ERROR, Severity.WARNING):
            self.stream.writelines(self.annotations[severity])
        self.text.seek(0)
        shutil.copyfileobj(self.text, self.stream)
        self.text.close()
        super().finish(summary)
        target = self.options.environ.get("GITHUB_STEP_SUMMARY")
        # Under pre-commit each batch of files is a run of its own: one summary per batch
        # would contradict the others, so none is written.
        if target and self.options.environ.get("PRE_COMMIT") != "1":
            write_step_summary(Path(target), summary, self.per_file)


def write_step_summary(
    target: Path, summary: Summary, per_file: Mapping[str, Counter[Severity]]
) -> None:
    """Append a Markdown summary to GitHub's step summary file (appending is its protocol)."""
    lines = ["## mics-lint", "", summary.sentence(), ""]
    if summary.by_code:
        lines += ["| code | name | count |", "|---|---|---:|"]
        for code, count in sorted(summary.by_code.items()):
            lines.append(f"| {code} | {REGISTRY[code].name} | {count:,} |")
        lines += ["", "| file | errors | warnings |", "|---|---:|---:|"]
        for path, counts in sorted(per_file.items()):
            cell = path.replace("|", "\\|")
            lines.append(f"| {cell} | {counts[Severity.ERROR]:,} | {counts[Severity.WARNING]:,} |")
    with target.open("a", encoding="utf-8", errors="backslashreplace") as out:
        out.write("\n".join(lines) + "\n\n")


def _azure_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def _azure_property(text: str) -> str:
    return _azure_data(text).replace(";", "%3B").replace("]", "%5D")


class AzureReporter(Reporter):
    """Azure Pipelines logging commands (`##vso[task.logissue ...]`)."""

    def report(self, d: Diagnostic) -> None:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        props = {
            "type": kind,
            "sourcepath": self.relative(d.path),
            "linenumber": str(d.line),
            "columnnumber": str(d.column),
            "code": d.code,
        }
        joined = "".join(f"{k}={_azure_property(v)};" for k, v in props.items())
        self.stream.write(f"##vso[task.logissue {joined}]{_azure_data(d.message)}\n")


REPORTERS: dict[str, Callable[[TextIO, Options], Reporter]] = {
    "text": TextReporter,
    "grouped": GroupedReporter,
    "full": FullReporter,
    "json": JsonReporter,
    "jsonl": JsonLinesReporter,
    "github": GithubReporter,
    "gitlab": GitlabReporter,
    "sarif": SarifReporter,
    "junit": JunitReporter,
    "rdjsonl": RdjsonlReporter,
    "azure": AzureReporter,
}
#: Formats whose output is meant for a program: UTF-8 always, never coloured.
MACHINE_FORMATS = frozenset({"json", "jsonl", "gitlab", "sarif", "junit", "rdjsonl", "azure"})


class Fanout(Reporter):
    """Several reporters fed from one pass over the data (`--report FORMAT:PATH`)."""

    def __init__(self, reporters: list[Reporter]) -> None:
        self.reporters = reporters

    def start(self) -> None:
        for r in self.reporters:
            r.start()

    def file_started(self, path: str) -> None:
        for r in self.reporters:
            r.file_started(path)

    def file_type(self, path: str, doc_type: str) -> None:
        for r in self.reporters:
            r.file_type(path, doc_type)

    def report(self, diagnostic: Diagnostic) -> None:
        for r in self.reporters:
            r.report(diagnostic)

    def file_failed(self, path: str, message: str) -> None:
        for r in self.reporters:
            r.file_failed(path, message)

    def file_finished(self, path: str, count: int) -> None:
        for r in self.reporters:
            r.file_finished(path, count)

    def finish(self, summary: Summary) -> None:
        for r in self.reporters:
            r.finish(summary)
