"""Reporters for people: `text`, `grouped`, `full` and `--statistics`."""

from __future__ import annotations

import click

from mics_lint import redact
from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.registry import FIX_SAFE
from mics_lint.reporters.base import Reporter, Summary
from mics_lint.rules import REGISTRY


def text_line(d: Diagnostic, *, with_path: bool = True, color: bool = False) -> str:
    """A diagnostic as the text formats print it, the one definition of that line:
    `path:line:col: CODE [severity] message`, with `[*]` after the severity when `--fix`
    would fix it (as ruff marks fixable diagnostics). The severity is a word, so that a
    warning reads as one without colour (CI logs)."""
    where = f"{d.path}:{d.line}:{d.column}:" if with_path else f"{d.line}:{d.column}:"
    code, severity = d.code, f"[{d.severity}]"
    fix = " [*]" if d.fix == FIX_SAFE else ""
    if color:
        where = click.style(where, bold=True)
        code = click.style(code, fg=_hue(d.severity), bold=True)
        severity = click.style(severity, fg=_hue(d.severity))
    return f"{where} {code} {severity}{fix} {d.message}"


class TextReporter(Reporter):
    """`path:line:col: CODE [severity] message` (see text_line), then a summary line."""

    human = True

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(self.line(diagnostic) + "\n")

    def line(self, d: Diagnostic, with_path: bool = True) -> str:
        return text_line(d, with_path=with_path, color=self.options.color)

    def finish(self, summary: Summary) -> None:
        if self.options.quiet:
            return
        hidden = summary.hidden_sentence()
        if hidden:
            self.stream.write(hidden + "\n")
        fixes = summary.fix_sentence(pre_commit=self.options.environ.get("PRE_COMMIT") == "1")
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
