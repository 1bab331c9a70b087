"""A record split over lines, reported once: its lines' diagnostics give way to one MIC101
over all of them (`joined`), which the engine applies to every batch it makes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from mics_lint.diagnostic import Diagnostic
from mics_lint.opening import split_message
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import framing as f
from mics_lint.rules import syntax
from mics_lint.splitrecords import Splitter

__all__ = ["KEPT_IN_SPLITS", "joined"]

# What a split record's lines keep of their diagnostics: the file's and the line ends'.
_KEPT = (f.BYTE_ORDER_MARK, f.CRLF_LINE_ENDINGS, f.MISSING_FINAL_NEWLINE, f.FILE_TOO_LARGE)
KEPT_IN_SPLITS = frozenset(rule.code for rule in _KEPT)


def joined(found: Iterable[list[Diagnostic]], splitter: Splitter) -> Iterator[list[Diagnostic]]:
    """The diagnostics, a batch at a time, but one MIC101 for each record split over lines
    instead of its lines' own (the first line's MIC101 becomes the record's)."""
    for batch in found:
        if not splitter.spans:  # most files: the batch as it is
            yield batch
            continue
        yield [*_joined(batch, splitter)]


def _joined(batch: list[Diagnostic], splitter: Splitter) -> Iterator[Diagnostic]:
    for d in batch:
        split = splitter.span_of(d.line)
        if split is None or d.code in KEPT_IN_SPLITS:
            yield d
        elif d.code == syntax.INVALID_JSON.code and d.line == split.first and not split.reported:
            split.reported = True
            yield dataclasses.replace(
                d,
                column=1,
                end_line=split.last,
                end_column=split.width,
                message=split_message(split.first, split.last, split.in_string),
                fix=FIX_SAFE,
            )
