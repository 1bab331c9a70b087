"""Reporters for people: `text`, `grouped`, `full` and `--statistics`."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import click

from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.registry import FIX_SAFE
from mics_lint.reporters.base import Reporter, Summary
from mics_lint.rules import REGISTRY


def text_line(d: Diagnostic, *, with_path: bool = True, color: bool = False) -> str:
    """A diagnostic as the text formats print it, the one definition of that line:
    `path:line:col: CODE [severity] message`, with `[*]` after the severity when `--fix`
    would fix it (as ruff marks fixable diagnostics). The severity is a word, so that a
    warning reads as one without colour (CI logs)."""
    if not color:
        middle = _MIDDLES.get((d.code, d.severity, d.fix))
        if middle is None:
            middle = _middle(d)
        if with_path:
            return f"{d.path}:{d.line}:{d.column}:{middle}{d.message}"
        return f"{d.line}:{d.column}:{middle}{d.message}"
    where = f"{d.path}:{d.line}:{d.column}:" if with_path else f"{d.line}:{d.column}:"
    code, severity = d.code, f"[{d.severity}]"
    fix = " [*]" if d.fix == FIX_SAFE else ""
    where = click.style(where, bold=True)
    code = click.style(code, fg=_hue(d.severity), bold=True)
    severity = click.style(severity, fg=_hue(d.severity))
    return f"{where} {code} {severity}{fix} {d.message}"


# " CODE [severity] [*] " by (code, severity, fix): a file whose every line is bad prints
# the same few, and a line's own part is its place and message.
_MIDDLES: dict[tuple[str, Severity, str | None], str] = {}


def _middle(d: Diagnostic) -> str:
    middle = f" {d.code} [{d.severity}]{' [*]' if d.fix == FIX_SAFE else ''} "
    if len(_MIDDLES) < 4096:
        _MIDDLES[d.code, d.severity, d.fix] = middle
    return middle


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
        fixes = summary.fix_sentence(pre_commit=self.environ.get("PRE_COMMIT") == "1")
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

    # The last line redacted, and its redacted copy: a line's diagnostics come together, and
    # one line may have thousands (a key each), so it is redacted once, not once for each.
    _source: str | None = None
    _redacted = ""

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(self.line(diagnostic) + "\n")
        if diagnostic.source is not None:
            shown = diagnostic.source
            if not self.options.show_values:
                if shown != self._source:
                    # The module itself (tests count its calls), once a line: start-up.
                    from mics_lint import redact

                    self._source, self._redacted = shown, redact.source_line(shown)
                shown = self._redacted
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


# What `full` shows in place of a character that would act on the terminal rather than be
# seen (ESC starts a sequence, CR goes back to the start of the line, a bidirectional
# override reorders what follows): one visible character each, so the caret stays in place.
# C0 controls become their control pictures (ESC is ␛), a tab a space.
_VISIBLE = {
    **{code: 0x2400 + code for code in range(0x20)},
    0x09: ord(" "),
    0x7F: 0x2421,
    **dict.fromkeys(range(0x80, 0xA0), 0xFFFD),
    **dict.fromkeys((0x061C, 0x200E, 0x200F, 0x2028, 0x2029), 0xFFFD),
    **dict.fromkeys((*range(0x202A, 0x202F), *range(0x2066, 0x206A)), 0xFFFD),
}


def _window(text: str, column: int, width: int) -> tuple[str, int]:
    """A slice of `text` at most `width` terminal columns wide that shows `column` (1-based,
    in characters), with `…` where it was cut; and the caret's offset in terminal columns.

    Only the characters near the column are measured, so a 100 MB line costs no more than
    a short one; and the window's ends are found by bisection over the running sums of the
    characters' widths, not a character at a time, so a line with thousands of diagnostics
    (each with its window) costs little more than its own length.
    """
    import bisect  # only the `full` format shows windows: not loaded at start-up (issue 14)

    width = max(width, 20)
    length = len(text)
    index = min(max(column - 1, 0), length)
    lo, hi = max(0, index - 2 * width), min(length, index + 2 * width + 1)
    near = text[lo:hi].translate(_VISIBLE)
    # at[k]: the columns taken by near[:k]; ASCII is one column a character.
    at: Sequence[int] = (
        range(len(near) + 1)
        if near.isascii()
        else list(itertools.accumulate(map(_cells, near), initial=0))
    )
    column_at = index - lo
    if lo == 0 and hi == length and at[-1] <= width:
        return near, at[column_at]
    # A cut end shows "…", one column. Put the column about a third into the window: the
    # first start from which the text up to the column takes at most width // 3 columns.
    start = bisect.bisect_left(at, at[column_at] - width // 3, 0, column_at)
    end = min(column_at + 1, len(near))  # the column's own character
    # Then as far right as fits with both marks; the last character of the line needs no
    # end mark, so one more column is allowed for it.
    lead = (start + lo > 0) + 1
    end = max(end, bisect.bisect_right(at, width + at[start] - lead, end + 1) - 1)
    if end == len(near) - 1 and hi == length and at[-1] - at[start] + lead - 1 <= width:
        end += 1
    # The line ends near the column: use the room left before it (the start mark goes when
    # the window reaches the line's start, which frees one column for its first character).
    trail = end + lo < length
    floor = bisect.bisect_left(at, at[end] - width + 1 + trail, 0, start)
    if floor == 1 and lo == 0 and at[end] + trail <= width:
        floor = 0
    start = min(start, floor)
    shown = ("…" if start + lo > 0 else "") + near[start:end] + ("…" if end + lo < length else "")
    return shown, (start + lo > 0) + at[column_at] - at[start]


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
