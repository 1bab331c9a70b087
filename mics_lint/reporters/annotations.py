"""Reporters for CI logs: GitHub Actions workflow commands and Azure Pipelines logging
commands, which the CI system turns into annotations on the run."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import click

from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.lazyre import compiled
from mics_lint.names import printable
from mics_lint.reporters.base import Reporter, Summary, spool
from mics_lint.reporters.text import TextReporter
from mics_lint.rules import REGISTRY

_MARKDOWN = compiled(r"[\\`*\[\]<>|~]")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def runs_command(line: str) -> bool:
    """Whether GitHub's runner reads `line` as a workflow command: `::name::` at its start,
    or `##[name]` anywhere (its older form)."""
    return line.lstrip().startswith("::") or "##[" in line


def stop_token(lines: Iterable[str]) -> str:
    """The token of a stop-commands block around `lines`: a hash of them, which none of
    them can hold, and the same for the same text."""
    digest = hashlib.sha256(b"mics-lint stop-commands")
    for line in lines:
        digest.update(line.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _command(kind: str, props: Mapping[str, object], data: str) -> str:
    """One workflow command line: `::kind key=value,...::data`, each part escaped."""
    joined = ",".join(f"{k}={_escape_property(str(v))}" for k, v in props.items())
    return f"::{kind} {joined}::{_escape_data(data)}\n"


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(TextReporter):
    """GitHub Actions annotations, then the plain text report.

    GitHub shows 10 error and 10 warning annotations per step (50 per job), so only the first
    50 of each are written, errors first; the text report after them has everything. With
    GITHUB_STEP_SUMMARY set, a Markdown summary is appended to that file.
    """

    ANNOTATIONS = 50
    #: Whether this one appends the step summary: one reporter of a run does (base.Fanout).
    step_summary = True

    def start(self) -> None:
        self.annotations: dict[Severity, list[str]] = {Severity.ERROR: [], Severity.WARNING: []}
        self.text = spool()
        self.acts = False  # a text line the runner would read as a command
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
            kept.append(_command(kind, props, f"{d.code} {d.message}"))
        self.per_file.setdefault(d.path, Counter())[d.severity] += 1
        line = self.line(d) + "\n"
        self.text.write(line)
        self.acts = self.acts or runs_command(line)

    def file_failed(self, path: str, message: str) -> None:
        # Said on stderr too; an annotation is what a pull request's reader sees: a file
        # not checked must not read as a clean one there.
        kept = self.annotations[Severity.ERROR]
        if len(kept) < self.ANNOTATIONS:
            props = {"file": self.relative(path), "title": "mics-lint: not checked"}
            kept.append(_command("error", props, message))

    def finish(self, summary: Summary) -> None:
        for severity in (Severity.ERROR, Severity.WARNING):
            self.stream.writelines(self.annotations[severity])
        # The runner reads every line a step prints as a possible command: `::name::` at
        # a line's start, and `##[name]` anywhere (its older form). The text lines hold
        # file names and keys of the data (`"##[add-mask]x": 1` in a record, a file named
        # `::warning::x.ndjson`): when one would act, GitHub's own remedy, a stop-commands
        # block, keeps them text ("Stopping and starting workflow commands"). Its token
        # must not be in the text: a hash of the text is not (no line can hold its own
        # hash), and the same files give the same report. Other reports are left as the
        # text format's.
        token = None
        if self.acts:  # hashed only then: most reports need no block
            self.text.seek(0)
            token = stop_token(self.text)
            self.stream.write(f"::stop-commands::{token}\n")
        self.text.seek(0)
        shutil.copyfileobj(self.text, self.stream)
        self.text.close()
        super().finish(summary)
        if token is not None:
            self.stream.write(f"::{token}::\n")
        target = self.environ.get("GITHUB_STEP_SUMMARY")
        # Under pre-commit each batch of files is a run of its own: one summary per batch
        # would contradict the others, so none is written.
        if target and self.step_summary and self.environ.get("PRE_COMMIT") != "1":
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
            # A name is text, not Markdown: `*`, a backquote or `<img>` in it would format
            # the table (a backslash escapes any ASCII punctuation in Markdown; an `_` in a
            # word, as in most names, formats nothing in GitHub's).
            cell = _MARKDOWN.sub(r"\\\g<0>", path)
            lines.append(f"| {cell} | {counts[Severity.ERROR]:,} | {counts[Severity.WARNING]:,} |")
    try:
        with target.open("a", encoding="utf-8", errors="backslashreplace") as out:
            out.write("\n".join(lines) + "\n\n")
    except OSError as exc:  # said as what it is, not as a failure of standard output
        raise click.ClickException(
            f"cannot write the step summary to GITHUB_STEP_SUMMARY ({printable(str(target))}): "
            f"{exc.strerror or exc}"
        ) from None


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
        self._write(props, d.message)

    def file_failed(self, path: str, message: str) -> None:
        # A file not checked fails the run (exit 2); the pipeline's issues say which.
        self._write({"type": "error", "sourcepath": self.relative(path)}, f"not checked: {message}")

    def _write(self, props: dict[str, str], message: str) -> None:
        joined = "".join(f"{k}={_azure_property(v)};" for k, v in props.items())
        self.stream.write(f"##vso[task.logissue {joined}]{_azure_data(message)}\n")
