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

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from mics_lint.reporters.base import Fanout, Options, Reporter, Summary, project_root
from mics_lint.reporters.text import (
    FullReporter,
    GroupedReporter,
    StatisticsReporter,
    TextReporter,
)

if TYPE_CHECKING:
    from mics_lint.reporters.annotations import (
        AzureReporter,
        GithubReporter,
        write_step_summary,
    )
    from mics_lint.reporters.machine import (
        GitlabReporter,
        JsonLinesReporter,
        JsonReporter,
        JsonStatisticsReporter,
        JunitReporter,
        RdjsonlReporter,
        SarifReporter,
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

# The CI and machine formats are imported when one is asked for: a plain check on a terminal
# does not pay for them at start-up (machine.py's XML character class alone takes ~6 ms).
_ELSEWHERE = {
    "AzureReporter": "annotations",
    "GithubReporter": "annotations",
    "write_step_summary": "annotations",
    "GitlabReporter": "machine",
    "JsonLinesReporter": "machine",
    "JsonReporter": "machine",
    "JsonStatisticsReporter": "machine",
    "JunitReporter": "machine",
    "RdjsonlReporter": "machine",
    "SarifReporter": "machine",
}


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


Make = Callable[[TextIO, Options], Reporter]


class _Formats(Mapping[str, Make]):
    """Format name to reporter class; a class of another module is imported when looked up."""

    def __init__(self, classes: dict[str, Make | str]) -> None:
        self._classes = classes

    def __getitem__(self, name: str) -> Make:
        found = self._classes[name]
        if isinstance(found, str):
            found = self._classes[name] = __getattr__(found)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._classes  # without importing the class

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)


REPORTERS: Mapping[str, Make] = _Formats(
    {
        "text": TextReporter,
        "grouped": GroupedReporter,
        "full": FullReporter,
        "json": "JsonReporter",
        "jsonl": "JsonLinesReporter",
        "github": "GithubReporter",
        "gitlab": "GitlabReporter",
        "sarif": "SarifReporter",
        "junit": "JunitReporter",
        "rdjsonl": "RdjsonlReporter",
        "azure": "AzureReporter",
    }
)
#: Formats whose output is meant for a program: UTF-8 always, never coloured.
MACHINE_FORMATS = frozenset({"json", "jsonl", "gitlab", "sarif", "junit", "rdjsonl", "azure"})
