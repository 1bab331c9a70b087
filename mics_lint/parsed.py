"""What the linter may tell the record fixer of a line's parse (fix_records.RecordFixer.line),
so that the fix marks do not parse the line again. A module of its own: the linter imports
the fixer's modules only with a file's first diagnostic (start-up), but names these always.
"""

from __future__ import annotations

from typing import Any

#: Nothing told: the fixer parses the line itself.
UNPARSED = object()
#: Neither orjson nor the exact parser takes the line.
NOT_JSON = object()
#: Neither parser takes the line, and it is objects and commas: what
#: `fix_records.objects(text, allow_commas=True)` splits (jsontext.object_and_comma).
OBJECTS = object()
#: Neither parser takes the line, nor would `fix_records.objects` split it: its first
#: value fails on its syntax where that reads it (syntax.not_objects).
BROKEN = object()
#: A BROKEN line `{...,}` that orjson takes without the comma before its last brace
#: (syntax.comma_before_brace): what the fixer's removal of trailing commas would prove.
TRAILING = object()


class Retyped(tuple[tuple[Any, ...], ...]):
    """The line parsed, and its only findings are MIC202s on these top-level identifiers,
    (key, value, column of its finding) each, whose values are not strings: what
    fastloop.py's loose path knows of a line it took, which spares the fixer a parse
    (RecordFixer.line), and tells which finding a fix is of (fixmarks.py)."""

    __slots__ = ()


class Alike(tuple[Any, Any]):
    """(record, key): the line parsed as `record`, and the fixer's counts for it are those of
    any line told the same hashable `key` (fixmarks.FixMarks remembers them by it). What
    laxpath.py knows of a line it took: see there why its keys decide them."""

    __slots__ = ()
