"""Which diagnostics `--fix` would fix: the `[*]` of the text formats and the count of the
"N problems can be fixed" hint.

A rule whose fix always applies (a BOM, CRLF, a blank line) marks every diagnostic of it. A
rule whose fix applies only sometimes (MIC101's commas, MIC102's arrays of commands,
MIC202's integer ids, the unsafe renames) is asked of the fixer itself: the line's text goes
through the same RecordFixer `--fix` uses, so the mark, the hint and what `--fix`/`--diff`
then do are one decision.
Only lines with such a diagnostic pay for it, and a line the linter tells alike to one
already counted (parsed.Alike: an unknown key on every line) takes that line's counts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from mics_lint.fix_plans import WRONG_TYPE
from mics_lint.fix_records import RecordFixer
from mics_lint.framer import is_blank, split_ending
from mics_lint.guards import Guard
from mics_lint.parsed import NOT_JSON, OBJECTS, TRAILING, UNPARSED, Alike, Retyped
from mics_lint.registry import FIX_SAFE, FieldMap
from mics_lint.rules import REGISTRY, syntax
from mics_lint.rules.framing import BLANK_LINE, CRLF_LINE_ENDINGS, DEFAULT_MAX_LINE_BYTES
from mics_lint.splitrecords import Splitter

#: Codes whose fix applies to only some of their diagnostics, as the fixer decides.
_SOMETIMES = frozenset(r.code for r in REGISTRY.values() if r.fix is not None and not r.fix_always)
# A line with one of these did not parse (or was blank): it keeps the fixer's state.
_UNPARSED_CODES = frozenset({syntax.INVALID_JSON.code, BLANK_LINE.code})


class FixMarks:
    """The fix `--fix` would make of each of one file's diagnostics (`Diagnostic.fix`)."""

    def __init__(
        self,
        schema: dict[str, Any],
        enabled: frozenset[str],
        identifier_values: FieldMap,
        splitter: Splitter | None = None,
        guard: Guard | None = None,
    ) -> None:
        fixes = {r.code: r.fix for r in REGISTRY.values() if r.fix is not None}
        # Not Counters, which `_count` empties on every line it asks: a Counter's first
        # count of a code calls its `__missing__` in Python, and its stores go through
        # Python too (it defines `__delitem__`): 0.2 µs a trailing-comma line.
        self.fixed: defaultdict[str, int] = defaultdict(int)
        self.hidden: defaultdict[str, int] = defaultdict(int)
        self.records = RecordFixer(
            schema,
            fixing=frozenset(c for c in enabled if fixes.get(c) == FIX_SAFE),
            looking=frozenset(c for c in enabled if c in fixes),
            fixed=self.fixed,
            hidden=self.hidden,
            identifier_values=identifier_values,
            guard=guard,
            value_rules=REGISTRY.value_rules(enabled),
        )
        self.last = 0  # the last line given to the fixer
        # A stray CR before a line's CRLF goes with it where MIC003 is fixed (`_as_fixer_reads`).
        self.stray_cr = CRLF_LINE_ENDINGS.code in self.records.fixing
        self.splitter = splitter
        # Each code's fix, and whether the fixer decides it: looked up once, not per mark.
        self.kinds = {r.code: (r.fix, r.code in _SOMETIMES) for r in REGISTRY.values()}
        # The counts of lines told alike (parsed.Alike), by its key and the codes shown.
        self.alike: dict[tuple[Any, tuple[str, ...]], dict[str, int]] = {}

    def broken_at(self, lineno: int) -> bool:
        """The fixer's state line `lineno` starts from: the last line with text did not
        parse (see `fixes`), and no line came between the last one given and it (a gap is
        of lines that parsed, which end a broken run)."""
        return self.records.broken and lineno <= self.last + 1

    def follow(self, before: list[bytes], lineno: int) -> None:
        """The state one process has at line `lineno + 1`, which a chunk (--jobs) starts
        at: the lines `before` it (their bodies, from `unsettled`) given to the fixer, as
        marks would give them. A comma line after a line that is not JSON is not split
        (see `fixes`), so it is not marked, in a chunk as in one process."""
        for body in before:
            body = self._as_fixer_reads(body, None)[0]
            if not is_blank(body):  # a blank line keeps the state
                self.records.line(body, rewrite=False)
        self.last = lineno

    def _as_fixer_reads(self, body: bytes, text: str | None) -> tuple[bytes, str | None]:
        """A line's body (and its text) as the fixer reads it: without a stray CR before
        its CRLF where MIC003 is fixed (fix.Fixer._line)."""
        if body[-1:] == b"\r" and self.stray_cr:
            return body.rstrip(b"\r"), None if text is None else text.rstrip("\r")
        return body, text

    def state(self) -> tuple[bool, int]:
        """The fixer's state the marks keep (`broken`) and the last line given to it: what
        the linter sets back after checking a file's held lines again (linter._release)."""
        return self.records.broken, self.last

    def restore(self, state: tuple[bool, int] | None) -> None:
        """`state` set back (None: the state before any line, as when made)."""
        self.records.broken, self.last = state if state is not None else (False, 0)

    def seen(self, lineno: int) -> None:
        """Line `lineno` repeats the one before and takes its marks (linter.py's memo, made
        only where that line left the state as it found it): counted as given to the
        fixer, so that no gap reads as clean lines between (which end a broken run)."""
        self.last = max(self.last, lineno)

    def alike_ok(self, lineno: int) -> bool:
        """Whether line `lineno`, told alike (parsed.Alike) to one whose marks the caller
        took, its codes the same, has those marks too: not a line already passed, nor one
        of a record split over lines, whose marks are the record's. The caller then need
        not ask `fixes`: a line it skips reads to the next one asked as a gap, lines that
        parsed, which leaves the state as this line, which parsed, would."""
        return lineno > self.last and not self._in_split(lineno)

    def _in_split(self, lineno: int) -> bool:
        """Whether line `lineno` is one of a record split over lines: its diagnostics give
        way to the record's (linter._joined), which is marked there."""
        splitter = self.splitter
        return splitter is not None and bool(splitter.spans) and splitter.holds(lineno)

    def fixes(
        self,
        codes: list[str],
        body: bytes,
        lineno: int,
        parsed: Any = UNPARSED,
        text: str | None = None,
        located: list[tuple[str, Any]] | None = None,
    ) -> list[str | None]:
        """The fix of each diagnostic of line `lineno` (its text `body`), given by their
        codes in the order shown, for a caller that makes the diagnostics after. `parsed`
        and `text`: what the linter's parse of `body` gave, if it has it (RecordFixer.line),
        or an Alike of it. `located`, the (code, finding) of each: on a line with several
        MIC202s, the marks go to the very identifiers the fixer quotes (a null one beside an
        integer one gets none), by their findings' columns; else to a code's first
        diagnostics, as many as it fixes."""
        body, text = self._as_fixer_reads(body, text)
        in_split = self._in_split(lineno)
        # RecordFixer's state (`broken`) kept as the fixer's own would be at this line. The
        # fixer splits no line that follows a broken one (it may be the inside of a value
        # spread over lines); lines without a diagnostic parsed, and a blank line leaves the
        # state as it was (it never reaches RecordFixer). MIC501's diagnostics come late,
        # for lines already passed. Written here, not called: a call less on every bad line.
        if lineno > self.last:
            if (
                lineno > self.last + 1
                or in_split
                # A blank line keeps the state though MIC004 is not selected (no code shown);
                # only a line that is no JSON is tested, not every bad line's bytes.
                or (
                    _UNPARSED_CODES.isdisjoint(codes)
                    and not (parsed is NOT_JSON and is_blank(body))
                )
            ):
                self.records.broken = False  # in a split record: the fixer joins it, whole
            self.last = lineno
        kinds = self.kinds
        fixes: list[str | None] = []
        count: dict[str, int] | None = None
        quoted: set[int] | None = None  # the columns of the identifiers the fixer quotes
        if located is not None and codes.count(WRONG_TYPE) < 2:
            located = None  # one MIC202 at most: its mark is its count's
        for at, code in enumerate(codes):
            fix, sometimes = kinds[code]
            if sometimes:
                if count is None:
                    kind = type(parsed)
                    if kind is Alike:
                        count = self._alike(codes, body, parsed[0], parsed[1], text, in_split)
                    elif (parsed is TRAILING or parsed is OBJECTS) and self.records.counts_alike(
                        body, parsed
                    ):  # a comma at the end of an export's every line: counted for the first
                        count = self._alike(codes, body, parsed, parsed, text, in_split)
                    elif kind is Retyped and body and not in_split:
                        # What RecordFixer.line counts for it, without its counters: an
                        # integer id on every line of an export asks this on each.
                        count = self.records.retyped(body, text, parsed)
                        if located is not None:
                            keys = self.records.retyped_keys
                            quoted = {column for key, _, column in parsed if key in keys}
                    else:
                        self.records.last_plan = None
                        count = self._count(codes, body, parsed, text, in_split)
                        plan = self.records.last_plan
                        if located is not None and plan is not None:
                            pairs = zip(plan.codes, plan.at, strict=True)
                            quoted = {start + 1 for made, start in pairs if made == WRONG_TYPE}
                if quoted is not None and located is not None and code == WRONG_TYPE:
                    fix = fix if (located[at][1].column or 1) in quoted else None
                elif count.get(code, 0) > 0:
                    count[code] -= 1
                else:
                    fix = None
            fixes.append(fix)
        if count is None and parsed is NOT_JSON and not is_blank(body):
            # A line the fixer reads as no JSON (not UTF-8: MIC001) sets its state, though
            # no mark asked the fixer: a comma on the next line is then not split.
            self._count(codes, body, parsed, text, in_split)
        return fixes

    def _alike(
        self, codes: list[str], body: bytes, record: Any, key: Any, text: str | None, in_split: bool
    ) -> dict[str, int]:
        """`_count` of a line told alike to others by `key` (parsed.Alike's, or what the fixer
        counts alike, RecordFixer.counts_alike): counted for the first, remembered."""
        if in_split:
            return {}
        remembered = self.alike.get((key, tuple(codes)))
        if remembered is None:
            remembered = self._count(codes, body, record, text, in_split)
            if len(self.alike) >= 1024:
                self.alike.clear()
            self.alike[(key, tuple(codes))] = remembered
        else:
            self.records.broken = False  # as `line` leaves it after a record, or a counted comma
        return dict(remembered)  # `fixes` takes from it

    def _count(
        self, codes: list[str], body: bytes, parsed: Any, text: str | None, in_split: bool
    ) -> dict[str, int]:
        """How many fixes of each of `codes` the fixer finds on the line."""
        if not body or in_split:
            return {}
        fixed, hidden = self.fixed, self.hidden
        fixed.clear()
        hidden.clear()
        self.records.line(body, parsed, text, rewrite=False)
        if not fixed and not hidden:
            return {}  # often: a line after a broken one (an export's every line broken)
        counts = {}  # a loop: a comprehension is a function call a line (Python 3.11)
        for code in codes:
            counts[code] = fixed.get(code, 0) + hidden.get(code, 0)
        return counts


def unsettled(
    before: list[bytes], max_line: int = DEFAULT_MAX_LINE_BYTES
) -> tuple[list[bytes], bool]:
    """The bodies of the lines of `before` (whole lines, with their ends) after the last one
    that leaves the fixer's state clean, as one process leaves it where a chunk starts: a
    line that parses (RecordFixer.line), a record split over lines (the fixer joins it) or
    a line over `max_line` (the reader cuts it: MIC010 alone, no parse). Most often there
    are none: the line before a chunk is a record. And whether these lines decide it: not
    when the line that settles it may be inside a record split over lines that starts
    before them (the caller may read further back)."""
    bodies = [split_ending(line)[0] for line in before]
    for index in range(len(before) - 1, -1, -1):
        body = bodies[index]
        if len(before[index]) > max_line:
            return bodies[index + 1 :], True
        if is_blank(body):
            continue
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            # A record split over lines, which the fixer joins (a chunk starts just past
            # one where its boundary fell inside it: parallel._record_start) leaves the
            # state clean, as a line that parses does: the lines after it decide.
            if body[:1] == b"{" and index < len(before) - 1:
                size = _split_record(before[index:], max_line)
                if size > 1:
                    return bodies[index + size :], True
            continue
        if body[:1] == b"{":
            return bodies[index + 1 :], True
        # A line that parses but does not begin with `{` (` {}`, `[1]`) may be the inside of
        # a record split over lines, which could only begin at the nearest line above that
        # begins with `{` (a split record holds no other).
        opener = next((j for j in range(index - 1, -1, -1) if bodies[j][:1] == b"{"), None)
        if opener is None:
            return bodies[index + 1 :], False
        end = opener + _split_record(before[opener:], max_line)
        return bodies[max(index + 1, end) :], True
    return bodies, False


def _split_record(lines: list[bytes], max_line: int) -> int:
    """How many of `lines` (with their ends), from the first, the splitter groups as one
    record split over them (1: none), as it groups them in one process."""
    splitter = Splitter(max_line, active=True)
    return len(next(splitter.groups(iter(lines)), [b""]))
