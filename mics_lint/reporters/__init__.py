"""Reporters: how diagnostics are written out, one class per `--output-format`.

Every reporter gets the same calls: `start()`, then for each file checked `file_started`,
its diagnostics through `report`, and `file_finished`; then `finish(summary)`. Reporters
stream where their format allows; those whose format needs totals first (JUnit) or an order
other than the run's (GitHub: annotations before the text) spool to a temporary file, never
to memory. Reporters never decide the exit code; the CLI does.

The reporters live by kind: `base` (what they share, and `Fanout`), `text` (for people),
`annotations` (for CI logs) and `machine` (for programs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from mics_lint.reporters.annotations import AzureReporter, GithubReporter, write_step_summary
from mics_lint.reporters.base import Fanout, Options, Reporter, Summary, project_root
from mics_lint.reporters.machine import (
    GitlabReporter,
    JsonLinesReporter,
    JsonReporter,
    JsonStatisticsReporter,
    JunitReporter,
    RdjsonlReporter,
    SarifReporter,
)
from mics_lint.reporters.text import (
    FullReporter,
    GroupedReporter,
    StatisticsReporter,
    TextReporter,
)

__all__ = [
    "MACHINE_FORMATS",
    "REPORTERS",
    "AzureReporter",
    "Fanout",
    "FullReporter",
    "GithubReporter",
    "GitlabReporter",
    "GroupedReporter",
    "JsonLinesReporter",
    "JsonReporter",
    "JsonStatisticsReporter",
    "JunitReporter",
    "Options",
    "RdjsonlReporter",
    "Reporter",
    "SarifReporter",
    "StatisticsReporter",
    "Summary",
    "TextReporter",
    "project_root",
    "write_step_summary",
]

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
