"""Reporters: how diagnostics are written out, one class per `--output-format`.

Each reporter streams: it writes a diagnostic as soon as it gets one, so a million-line file
never holds its diagnostics in memory. Reporters never decide the exit code; the CLI does.
"""

from __future__ import annotations

import abc
import json
from dataclasses import dataclass
from typing import TextIO

import click
import orjson

from mics_lint.diagnostic import Diagnostic, Severity


@dataclass
class Summary:
    errors: int = 0
    warnings: int = 0
    files_checked: int = 0
    files_with_problems: int = 0
    files_unreadable: int = 0

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic.severity is Severity.ERROR:
            self.errors += 1
        else:
            self.warnings += 1

    def sentence(self) -> str:
        unread = ""
        if self.files_unreadable:
            unread = f"; {_plural(self.files_unreadable, 'file')} could not be read"
        if not self.errors and not self.warnings:
            return f"No problems found{unread}." if unread else "All checks passed."
        parts = []
        if self.errors or not self.warnings:
            parts.append(_plural(self.errors, "error"))
        if self.warnings:
            parts.append(_plural(self.warnings, "warning"))
        files = _plural(self.files_with_problems, "file")
        return f"Found {' and '.join(parts)} in {files}{unread}."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class Reporter(abc.ABC):
    def __init__(self, stream: TextIO, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    def start(self) -> None:  # noqa: B027 - most formats have no header
        """Called once, before any diagnostic."""

    @abc.abstractmethod
    def report(self, diagnostic: Diagnostic) -> None:
        """Write one diagnostic."""

    def finish(self, summary: Summary) -> None:  # noqa: B027 - most formats have no footer
        """Called once, after the last diagnostic."""


class TextReporter(Reporter):
    """`path:line:col: CODE message`, then a summary line."""

    def report(self, diagnostic: Diagnostic) -> None:
        d = diagnostic
        if self.color:
            where = click.style(f"{d.path}:{d.line}:{d.column}:", bold=True)
            hue = "red" if d.severity is Severity.ERROR else "yellow"
            code = click.style(d.code, fg=hue, bold=True)
        else:
            where = f"{d.path}:{d.line}:{d.column}:"
            code = d.code
        self.stream.write(f"{where} {code} {d.message}\n")

    def finish(self, summary: Summary) -> None:
        sentence = summary.sentence()
        if self.color:
            hue = "green" if not summary.errors and not summary.warnings else None
            sentence = click.style(sentence, fg=hue, bold=True)
        self.stream.write(sentence + "\n")


class JsonReporter(Reporter):
    """One JSON array of records (README, "The JSON record"), written as it goes."""

    def start(self) -> None:
        self.count = 0
        self.stream.write("[")

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(("\n  " if self.count == 0 else ",\n  ") + _record(diagnostic))
        self.count += 1

    def finish(self, summary: Summary) -> None:
        self.stream.write("\n]\n" if self.count else "]\n")


class JsonLinesReporter(Reporter):
    """The same records as `json`, one per line."""

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(_record(diagnostic) + "\n")


def _record(diagnostic: Diagnostic) -> str:
    try:
        return orjson.dumps(diagnostic.to_dict()).decode()
    except TypeError:
        # A lone surrogate (from a \ud800 escape in the file) that orjson will not encode.
        return json.dumps(diagnostic.to_dict(), separators=(",", ":"))


REPORTERS: dict[str, type[Reporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
    "jsonl": JsonLinesReporter,
}
