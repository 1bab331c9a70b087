"""A line's diagnostics told from those of an earlier line with the same mistake: a template.

An export repeats its mistake on every line (a misspelt key, no identifier, no
force_replace). Where what the checks find on such a line is decided by its keys alone, the
diagnostics of the first line of those keys are remembered and made again for the next
ones, without the checks that found them, a parse or the fix marks' questions: laxpath.py
(a key the schema does not know), `FastLoop._one_rule` (a rule declared decided by the
keys, Rule.by_keys) and loosepath.py (an integer id, told by its key and value). What each
is told by, and why that is exact, is written there.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from mics_lint import diagnostic
from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.linecheck import LineChecker

#: One diagnostic of a template: (code, name, severity, message), its fix, and where it is:
#: at a quoted key (the column where that key is written), or None, the whole line.
Template = tuple[tuple[tuple[str, str, Severity, str], str | None, str | None], ...]


def template_of(
    made: list[Diagnostic], codes: Collection[str], text: str, at_column: Mapping[int, str]
) -> Template | None:
    """What each of `made`, a line's diagnostics (the line's text: `text`), would be on
    another line told alike, or None if they cannot be told so: each of `codes`, on the
    line alone, at the whole line or at a quoted key (`at_column`: by the column where the
    key is written in this line), its message and fix the caller's to vouch for. A
    diagnostic starting at column 1 spans the whole line: no key starts there (the
    line's `{` does)."""
    width = len(text) + 1
    template = []
    for one in made:
        if one.code not in codes or one.line != one.end_line or one.source != text:
            return None
        if one.column == 1 and one.end_column == width:
            at = None
        else:
            at = at_column.get(one.column)
            if at is None or one.end_column != one.column + len(at):
                return None
        template.append(((one.code, one.name, one.severity, one.message), one.fix, at))
    return tuple(template)


def stamped(checker: LineChecker, template: Template, body: bytes, lineno: int) -> list[Diagnostic]:
    """`template`'s diagnostics on line `lineno` (its text `body`), each key's where this
    line writes it (once: the caller made sure)."""
    text = body.decode("utf-8", "replace")  # as LineChecker.stamp decodes it
    width = len(text) + 1
    path, kind = checker.path, checker.doc_type.name
    made = []
    for (code, name, severity, message), fix, quoted in template:
        if quoted is None:
            column, end = 1, width
        else:
            column = text.find(quoted) + 1
            end = column + len(quoted)
        made.append(  # not `*what`: a call with a star costs more (Python 3.11)
            diagnostic.made(
                path, lineno, column, lineno, end, code, name, severity, message, text, kind, fix
            )
        )
    return made
