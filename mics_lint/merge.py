"""Joining one file's chunk results (parallel.py) into what one process reports.

Three facts cross a chunk boundary, and the merger mends each as chunks come back in file
order: line numbers (shifted by the lines of the chunks before), the codes a rule declares
reported once per file (`ONCE_PER_FILE`: MIC003, the first chunk's only), and the users of
the rule that declares `ACROSS_USERS` (MIC501): each worker returns the first line of every
user it saw and the user behind each MIC501 it reported; the merger keeps one table for the
file, adds the MIC501s a chunk could not see, and names the right first line.
"""

from __future__ import annotations

import contextlib
import dataclasses
from array import array
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO

from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic, Finding, made
from mics_lint.framer import bodies_in_groups
from mics_lint.jsontext import decode_lenient
from mics_lint.linter import ReadError, lint_file
from mics_lint.opening import IN_STRING, split_message
from mics_lint.parallel import telling
from mics_lint.reading import open_binary
from mics_lint.registry import ACROSS_USERS, ONCE_PER_FILE
from mics_lint.rules import REGISTRY, crossline, syntax
from mics_lint.rules.framing import BLANK_LINE as _BLANK
from mics_lint.userstore import DIGESTS, BatchUsers

if TYPE_CHECKING:
    from mics_lint.tasks import Result, Task


class Merger:
    """Joins one file's chunk results into what one process would have reported."""

    def __init__(
        self,
        plan: list[Task],
        settings: Settings,
        on_type: Callable[[str, str], None] | None = None,
    ) -> None:
        self.plan = plan
        self.settings = settings
        self.on_type = on_type  # as Runner's
        self.doc_type = ""
        self.users = BatchUsers()  # merged a chunk at a time, in bulk
        self.offset = 0  # lines in the chunks before
        self.broken_before = False  # the last chunk's last line was broken (see _fix_marks)
        self.whole = False  # the first chunk held the file's first lines: checked whole
        self.parsed = False  # a line of the chunks before parsed alone (see _watched)
        # Codes reported once per file (MIC003), and the rule about users across chunks
        # (MIC501), as the rules declare them.
        self.once = {r.code for r in REGISTRY.across_chunks(ONCE_PER_FILE)}
        self.seen_once: set[str] = set()
        self.users_rule = next(iter(REGISTRY.across_chunks(ACROSS_USERS)), None)
        active = settings.rules_for(plan[0].display)
        users_code = self.users_rule.code if self.users_rule is not None else ""
        self.severity = active.severity.get(users_code)
        self.report_duplicates = users_code in active.enabled

    def merge(self, results: Iterator[Result], start: int = 0) -> Iterator[Diagnostic]:
        """The diagnostics of the chunks from `start` on, given their results in order (a
        merge may go on in steps: cluster.py joins a large file's chunks as they come)."""
        for index, (task, result) in enumerate(
            zip(self.plan[start:], results, strict=False), start
        ):
            if index > 0 and not self.parsed:
                result = self._watched(task, result)
            if result.error:
                for _ in results:  # let the other chunks finish before failing the file
                    pass
                raise ReadError(result.error, result.verb)
            if index == 0 and result.holding:
                for _ in results:
                    pass
                self.whole = True
                yield from lint_file(
                    task.path,
                    self.settings,
                    display=task.display,
                    on_type=telling(self.on_type, task.display),
                )
                return
            if index == 0:
                self.doc_type = result.doc_type
                if self.on_type is not None:
                    self.on_type(task.display, result.doc_type)
            self.parsed = self.parsed or result.parsed_at > 0
            yield from self._chunk(index, task, result)
            self.offset += result.lines

    def _watched(self, task: Task, result: Result) -> Result:
        """The result of a chunk after chunks none of whose lines parsed alone. A worker
        looks for split records from its chunk's first line; one process, only from the
        file's first line that parses alone. They differ only where the chunk found one
        before its own such line (a file that opens with broken lines, say): then it is
        checked again here, as one process checks it (rare, and mostly short)."""
        splits = result.splits
        if not splits or 0 < result.parsed_at < splits[0][0]:
            return result
        from mics_lint.tasks import check_task  # tasks.py imports this module

        return check_task(dataclasses.replace(task, watch=True), self.settings)

    def _chunk(self, index: int, task: Task, result: Result) -> list[Diagnostic]:
        shift = 0 if index == 0 else self.offset - 1
        added: list[Diagnostic] = []
        if result.users is not None:
            if index == 0 and task.end > task.start:
                # Room at once for as many users as the first chunk promises (see linter.py).
                self.users.reserve(
                    len(result.users[0]) * self.plan[-1].end // (task.end - task.start)
                )
            missing = self.users.merge(*result.users, shift)  # (line, first, digest)
            if missing and result.splits:
                missing = _outside(missing, result.splits, shift)
            if missing and self.report_duplicates:
                added = self._duplicates(task, result, shift, missing)
        kept: list[Diagnostic] = []
        users_code = self.users_rule.code if self.users_rule is not None else ""
        if result.found:
            self._name_firsts(result.diagnostics, result.found, shift, users_code)
        for d in unpacked(result.diagnostics, shift):
            if d.code in self.once:
                if d.code in self.seen_once:
                    continue
                self.seen_once.add(d.code)
            if shift and d.end_line != d.line and d.code == syntax.INVALID_JSON.code:
                told = split_message(d.line, d.end_line, d.message.startswith(IN_STRING))
                d = dataclasses.replace(d, message=told)  # its lines
            kept.append(d)
        if added:
            kept = sorted([*kept, *added], key=Diagnostic.sort_key)
        return self._fix_marks(kept, self.offset + 1, self.offset + result.lines)

    def _name_firsts(
        self,
        made: Packed | list[Diagnostic],
        found: dict[int, tuple[str, int]],
        shift: int,
        code: str,
    ) -> None:
        """Each MIC501 of a chunk (`made`, as the worker sent it) told its user's first line
        in the file, looked up in bulk once the chunk's users are merged: a probe and a copy
        of the diagnostic each cost more than the chunk's checks, in a file of a few users
        repeated on every line. A packed chunk's messages are set before its diagnostics
        are made; an unpacked one's diagnostics replaced."""
        codes = made.codes if isinstance(made, Packed) else [d.code for d in made]
        rows = [at for at, one in enumerate(codes) if one == code]
        if not rows:
            return
        at_line = made.lines if isinstance(made, Packed) else [d.line for d in made]
        lines = array("I", [at_line[at] for at in rows])  # numbered in the chunk
        keys = array(DIGESTS, [found[line][1] for line in lines])
        firsts = {line: first for line, first, _ in self.users.merge(keys, lines, shift)}
        for at, line in zip(rows, lines, strict=True):
            name, digest = found[line]
            first = firsts.get(line + shift)
            if first is None:  # the chunk's users hold it: not seen, but asked as before
                first = self.users.first_line(digest, line + shift)
            message = crossline.duplicate_message(name, first)
            if isinstance(made, Packed):
                made.messages[at] = message
            else:
                made[at] = dataclasses.replace(made[at], message=message)

    def _fix_marks(self, kept: list[Diagnostic], first: int, last: int) -> list[Diagnostic]:
        """MIC101's `[*]` as one process gives it. The fixer splits no line that follows a
        broken one (fix_records.RecordFixer.broken), and a chunk does not know whether the
        line before it was: the marks of the comma-joined lines that open a chunk after a
        broken line go, as they would have gone in one process."""
        code, blank = syntax.INVALID_JSON.code, _BLANK.code
        by_line: dict[int, list[int]] = {}
        for at, d in enumerate(kept):
            by_line.setdefault(d.line, []).append(at)
        line = first
        while self.broken_before and line <= last:
            codes = {kept[at].code: kept[at] for at in by_line.get(line, [])}
            if code in codes:
                found = codes[code]
                if found.fix is None or found.end_line != found.line:
                    break  # broken anyway, or a split record (joined whatever came before)
                for at in by_line[line]:
                    if kept[at].code == code:
                        kept[at] = kept[at].with_fix(None)
            elif blank not in codes:
                break  # it parsed: the chunk's own marks hold from here
            line += 1
        for line in range(last, first - 1, -1):  # what the next chunk's first line follows
            codes = {kept[at].code: kept[at] for at in by_line.get(line, [])}
            if blank in codes and code not in codes:
                continue  # a blank line: the fixer's state goes on through it
            self.broken_before = code in codes and codes[code].fix is None
            break
        return kept

    def _duplicates(
        self, task: Task, result: Result, shift: int, missing: list[tuple[int, int, int]]
    ) -> list[Diagnostic]:
        """MIC501 on lines whose user first appeared in an earlier chunk; needs their text."""
        assert result.groups is not None
        offsets, firsts = result.groups
        found = sorted(missing)
        made = []
        # A read that fails (an object store's dropped connection) is the file's error.
        with _reading(task.display), open_binary(task.path, buffering=0) as handle:

            def read(group: int) -> bytes:  # by its span: where the next one starts
                more = group + 1 < len(offsets)
                end = offsets[group + 1] if more else task.end - task.start
                handle.seek(task.start + offsets[group])
                return _read_exactly(handle, end - offsets[group])

            # Numbered from 2 in the worker, its first line at index 0 of `firsts`.
            at = [line - shift - 2 for line, _, _ in found]
            for (line, first, digest), body in zip(
                found, bodies_in_groups(at, firsts, read), strict=True
            ):
                name = crossline.kind_name(digest)
                finding = Finding(crossline.duplicate_message(name, first))
                made.append(self._diagnostic(task.display, line, decode_lenient(body), finding))
        return made

    def _diagnostic(self, path: str, line: int, text: str, finding: Finding) -> Diagnostic:
        assert self.severity is not None and self.users_rule is not None
        rule = self.users_rule
        return Diagnostic(
            path,
            line,
            1,
            line,
            len(text) + 1,
            rule.code,
            rule.name,
            self.severity,
            finding.message,
            text,
            self.doc_type,
        )


def _outside(
    missing: list[tuple[int, int, int]], splits: list[tuple[int, int]], shift: int
) -> list[tuple[int, int, int]]:
    """Those of `missing` (by line, in order) not on a line of a record split over lines (a
    chunk's `splits`, in order, numbered in the chunk): such a line's diagnostics give way
    to its record's, as in one process (splitrecords.joined); its user still counts."""
    kept = []
    spans = iter(splits)
    span = next(spans, None)
    for one in missing:
        while span is not None and span[1] + shift < one[0]:
            span = next(spans, None)
        if span is None or one[0] < span[0] + shift:
            kept.append(one)
    return kept


def _read_exactly(handle: BinaryIO, size: int) -> bytes:
    """`size` bytes, or fewer at the end of the file: a raw file's read may return fewer."""
    parts, left = [], size
    while left > 0:
        part = handle.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class Packed:
    """A chunk's diagnostics in bulk, for the trip from a worker to the parent: a column
    per field, and what is the same on every diagnostic of a file (path, type) or of a
    code (name, severity) once. Tens of thousands of dataclasses pickled one by one cost
    more than checking their lines did (issue 15, item 14): columns of numbers and strings
    go at C speed, and the parent makes each diagnostic once, on its final line."""

    def __init__(self, found: list[Diagnostic]) -> None:
        first = found[0] if found else None
        self.path = first.path if first else ""
        self.doc_type = first.doc_type if first else ""
        # A pass per field: a comprehension each is faster than one loop of seven appends.
        self.lines = array("q", [d.line for d in found])
        self.columns = array("q", [d.column for d in found])
        self.end_lines = array("q", [d.end_line for d in found])
        self.end_columns = array("q", [d.end_column for d in found])
        self.codes = [d.code for d in found]
        self.messages = [d.message for d in found]
        self.sources = [d.source for d in found]
        self.fixes = [d.fix for d in found]
        self.kinds = {d.code: (d.name, d.severity) for d in found}  # checked by `of`

    @classmethod
    def of(cls, found: list[Diagnostic]) -> Packed | list[Diagnostic]:
        """`found` packed, or as it is if its diagnostics do not share what Packed shares."""
        packed = cls(found)
        if all(
            d.path == packed.path
            and d.doc_type == packed.doc_type
            and packed.kinds[d.code] == (d.name, d.severity)
            for d in found
        ):
            return packed
        return found

    def __len__(self) -> int:
        return len(self.codes)

    def unpack(self, shift: int = 0) -> Iterator[Diagnostic]:
        """The diagnostics, `shift` lines further."""
        path, doc_type, kinds = self.path, self.doc_type, self.kinds
        for line, column, end_line, end_column, code, message, source, fix in zip(
            self.lines,
            self.columns,
            self.end_lines,
            self.end_columns,
            self.codes,
            self.messages,
            self.sources,
            self.fixes,
            strict=True,
        ):
            name, severity = kinds[code]
            yield made(  # Diagnostic(...) without its __init__ in Python (diagnostic.made)
                path,
                line + shift,
                column,
                end_line + shift,
                end_column,
                code,
                name,
                severity,
                message,
                source,
                doc_type,
                fix,
            )


def unpacked(found: Packed | list[Diagnostic], shift: int = 0) -> Iterator[Diagnostic]:
    """What a worker returned (see Packed), `shift` lines further."""
    if isinstance(found, Packed):
        return found.unpack(shift)
    if not shift:
        return iter(found)
    return (dataclasses.replace(d, line=d.line + shift, end_line=d.end_line + shift) for d in found)


@contextlib.contextmanager
def _reading(name: str) -> Iterator[None]:
    """An OSError while the parent reads a chunk's lines again, as the file's ReadError."""
    try:
        yield
    except OSError as exc:
        raise ReadError(f"{name}: {exc.strerror or exc}") from None
