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


def stamped_placed(
    checker: LineChecker,
    template: Template,
    placed: tuple[bytes, ...],
    body: bytes,
    lineno: int,
) -> list[Diagnostic] | None:
    """`stamped`, where the line writes once each known key a rule's diagnostic is at
    (`placed`, from `keyed`), else None; then in the full checks' order: by column, as a
    line told alike may write its keys in another order (MIC204's unknown key before or
    after MIC304's account)."""
    if not placed:
        return stamped(checker, template, body, lineno)
    for spelling in placed:
        if body.count(spelling) != 1:
            return None
    made = stamped(checker, template, body, lineno)
    if len(made) > 1:
        made.sort(key=_shown_order)
    return made


def _shown_order(one: Diagnostic) -> tuple[int, str]:
    return one.column, one.code  # Diagnostic.sort_key on one line


class RuleTemplates:
    """The templates of lines a fast check answered with one rule (`FastLoop._one_rule`),
    by what tells them alike (the rule, the Struct, its keys and the operation). A
    diagnostic of the rule is at the whole line or at a quoted key of the record (MIC304's,
    at `"user_account_id"`), kept only where the line writes that key once and holds no
    backslash: no key is then spelt with an escape, so a line told alike that also writes
    it once, with no backslash, has it at the one place a search finds."""

    __slots__ = ("_made",)

    def __init__(self) -> None:
        self._made: dict[object, tuple[Template, tuple[bytes, ...]]] = {}

    def told(
        self, alike: object, checker: LineChecker, body: bytes, lineno: int
    ) -> list[Diagnostic] | None:
        """The diagnostics of line `lineno` (its text `body`) from the template of lines
        `alike`; None where there is none, or a key it names is not written once."""
        found = self._made.get(alike)
        if found is None:
            return None
        template, placed = found
        if placed and b"\\" in body:
            return None
        return stamped_placed(checker, template, placed, body, lineno)

    def learn(
        self, alike: object, made: list[Diagnostic], code: str, text: str, keys: Collection[str]
    ) -> None:
        """Keep what `made`, the diagnostics of `code` on a line (its text `text`, its
        record's keys `keys`), would be on the next lines `alike`, where they can be told."""
        at_column = keyed(made, code, text, keys) if "\\" not in text else {}
        template = template_of(made, (code,), text, at_column)
        if template is None:
            return
        if len(self._made) >= 256:
            self._made.clear()
        self._made[alike] = (template, placed_spellings(template, at_column))


def keyed(made: list[Diagnostic], code: str, text: str, keys: Collection[str]) -> dict[int, str]:
    """The quoted keys (of `keys`, a record's) that `code`'s diagnostics of `made` are at,
    by column, where `text`, their line, writes each once: a line told alike that writes
    it once too, its keys spelt with no escape, has it at the one place a search finds."""
    at_column = {}
    for one in made:
        quoted = text[one.column - 1 : one.end_column - 1]
        if (
            one.code == code
            and quoted[1:-1] in keys
            and quoted[:1] == '"'
            and text.count(quoted) == 1
        ):
            at_column[one.column] = quoted
    return at_column


def placed_spellings(template: Template, at_column: Mapping[int, str]) -> tuple[bytes, ...]:
    """The UTF-8 of each key of `at_column` that `template` places a diagnostic at."""
    placed = set(at_column.values())
    return tuple(at.encode() for _, _, at in template if at is not None and at in placed)
