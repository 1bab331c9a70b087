"""What a `--jobs` worker (or a Dask worker) runs: one task, a whole file or a chunk of
one, and what it sends back.

Apart from parallel.py's Runner so that a small run, checked in this process, never makes
these classes (issue 14: each dataclass costs its start-up a fraction of a millisecond).
"""

from __future__ import annotations

import os
from array import array
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.discovery import is_url
from mics_lint.fixmarks import unsettled
from mics_lint.framer import BOM, split_ending
from mics_lint.linter import (
    FileLinter,
    LineReader,
    ReadError,
    doc_type_of,
    lint_file,
)
from mics_lint.merge import Packed
from mics_lint.opening import Split, parses_alone
from mics_lint.reading import head_of, open_binary
from mics_lint.rules.crossline import DUPLICATE_FOUND_STATE, ChunkUsers


@dataclass(frozen=True)
class Task:
    path: str
    display: str
    start: int = 0
    end: int = -1  # -1: the whole file, through lint_file
    size: int | None = None
    # A chunk after the first, looking for split records only from its first line that
    # parses alone: as one process does when no line before the chunk parsed (merge.py).
    watch: bool = False
    # The file as the parent planned its chunks (parallel.file_identity): a chunk of
    # another file in its place is refused, not mixed into this one's report.
    identity: tuple[int, ...] | None = None


@dataclass
class Result:
    diagnostics: Packed | list[Diagnostic]  # packed by the worker (see merge.Packed)
    error: str | None = None
    verb: str = "cannot read"  # ReadError.verb of `error`
    lines: int = 0
    holding: bool = False  # the chunk ended with the file's first lines still held
    users: tuple[array[int], array[int]] | None = None  # digests, first lines
    found: dict[int, tuple[str, int]] | None = None  # MIC501 line -> (name, digest)
    # Each group of lines the worker read: where it starts in the chunk, and the index of its
    # first line (merge.py reads a MIC501's line again by them).
    groups: tuple[array[int], array[int]] | None = None
    splits: list[tuple[int, int]] | None = None  # first and last lines of each split record
    # The chunk's first line that parses alone (opening.parses_alone), 0 if none; the
    # first chunk's is 1 if any line did (or its opening proved no document): see merge.py.
    parsed_at: int = 0
    doc_type: str = ""  # the type the file was checked as; "" if not known (unreadable)


#: Whole files smaller than this go to a worker together, up to this many bytes in all and
#: BATCH_FILES files: a task costs the pool about 0.25 ms of CPU (its pickling, the pipes,
#: its future), as much as checking a file of 20 lines (bench/many_files.py).
BATCH_BYTES = 256 * 1024
BATCH_FILES = 256


def batched(plans: list[list[Task]], sizes: list[int | None]) -> list[list[Task]]:
    """The tasks of `plans` (each file's, with its size), in order, as the pool's units of
    work: each chunk of a large file alone, and runs of small whole files together. A
    file whose size is not known (a .gz file) and a URL (read over a network, where the
    workers' parallel reads are the gain) go alone."""
    batches: list[list[Task]] = []
    filling: list[Task] | None = None  # the batch small files are added to
    held = 0
    for plan, size in zip(plans, sizes, strict=True):
        if len(plan) > 1 or size is None or size >= BATCH_BYTES or is_url(plan[0].path):
            filling = None
            batches.extend([task] for task in plan)
            continue
        if filling is None or held + size > BATCH_BYTES or len(filling) >= BATCH_FILES:
            filling, held = [], 0
            batches.append(filling)
        filling.append(plan[0])
        held += size
    return batches


def check_tasks(tasks: list[Task], settings: Settings) -> list[Result | Exception]:
    """In a worker: the tasks of one batch (`batched`), in order. A task that fails (a
    defect: a file that cannot be read is a Result) gives its error in its place, so that
    the files before it report as they would have alone."""
    done: list[Result | Exception] = []
    for task in tasks:
        try:
            done.append(check_task(task, settings))
        except Exception as exc:  # raised by the parent where this task's result is due
            done.append(exc)
    return done


class _KeptSpans(deque[Split]):
    """A chunk's records split over lines, each also kept as its (first, last) lines: the
    lines whose diagnostics give way to their record's (splitrecords.joined), which the
    merge must know of too (the MIC501s it adds, merge.py). Their Splits are let go as
    the linter passes them."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[tuple[int, int]] = []

    def append(self, split: Split) -> None:
        super().append(split)
        self.kept.append((split.first, split.last))


def check_task(task: Task, settings: Settings) -> Result:
    """In a worker: check one whole file, or one chunk."""
    found: list[Diagnostic] = []
    told: list[str] = []
    try:
        if task.end < 0:
            # Kept as they come: a file that breaks half-way (a truncated .gz) still
            # reports what was found before the break, as in one process.
            found.extend(
                lint_file(
                    task.path, settings, display=task.display, on_type=lambda t: told.append(t.name)
                )
            )
            return Result(Packed.of(found), doc_type=told[0] if told else "")
        return _chunk(task, settings)
    except ReadError as exc:
        told_type = told[0] if told else ""
        return Result(Packed.of(found), error=str(exc), verb=exc.verb, doc_type=told_type)


def _chunk(task: Task, settings: Settings) -> Result:
    first = task.start == 0
    try:
        with open_binary(task.path) as handle:
            head = head_of(handle)  # every chunk tells the file's type alike
    except OSError as exc:
        raise ReadError(f"{task.display}: {exc.strerror or exc}") from None
    doc_type = doc_type_of(settings, task.display, head)
    linter = FileLinter(
        task.display,
        settings,
        task.size,
        first_line=1 if first else 2,
        size_reported=not first,
        users=ChunkUsers(),
        doc_type=doc_type,
        head=head,  # so every chunk checks the file's profile form alike
    )
    found: dict[int, tuple[str, int]] = {}
    linter.state[DUPLICATE_FOUND_STATE] = found
    splitter = linter.checker.splitter
    assert splitter is not None  # FileLinter makes one
    spans = splitter.spans = _KeptSpans()
    if task.watch:
        splitter.active = False  # `decided` stays: the file's start was long before
    try:
        with open_binary(task.path) as handle:
            _same_file(task, handle)  # the file this handle reads, not the path's now
            if not first:
                before = _unsettled_before(handle, task.start, settings.max_line_bytes)
                if before:  # else a fresh state is the one before the chunk (most often)
                    linter.checker.fix_marks.follow(before, 1)
            handle.seek(task.start)
            reader = LineReader(handle, task.display, settings.max_line_bytes)
            linter.skip_rest = reader.skip_rest
            chunk = _ChunkLines(reader, task.end - task.start)
            diagnostics = [d for batch in linter.run(chunk.lines(), chunk.buffered) for d in batch]
            if first:
                parsed_at = 1 if splitter.active else 0
            else:
                parsed_at = _first_parsing(handle, task.start, chunk.count, linter.checker.max_line)
    except OSError as exc:
        raise ReadError(f"{task.display}: {exc.strerror or exc}") from None
    users = linter.users
    assert isinstance(users, ChunkUsers)
    digests, lines = users.arrays()
    return Result(
        Packed.of(diagnostics),
        lines=chunk.count,
        holding=linter.still_holding,
        users=(digests, lines),
        found=found,
        groups=(chunk.offsets, chunk.firsts),
        splits=spans.kept,
        parsed_at=parsed_at,
        doc_type=doc_type.name,
    )


def _same_file(task: Task, handle: BinaryIO) -> None:
    """ReadError where the file a chunk's handle reads is not the one its plan was made of
    (Task.identity): its lines would be another file's, in this one's report."""
    from mics_lint.parallel import identity

    if task.identity is not None and identity(os.fstat(handle.fileno())) != task.identity:
        raise ReadError(
            f"{task.display}: the file changed while it was checked (replaced, or its size "
            "changed): check it again once it is whole"
        )


#: How far back a chunk reads the lines before it, for the fix marks' state (a longer run of
#: blank lines and comma lines than this is taken as starting clean).
_BEFORE_BYTES = 64 * 1024


def _unsettled_before(handle: BinaryIO, start: int, max_line: int) -> list[bytes]:
    """fixmarks.unsettled of the lines before `start`: those of its last 4 KiB first (one
    small read, a ranged request on an object store), of _BEFORE_BYTES only when those do
    not decide it."""
    lines = _lines_before(handle, start, 4096)
    left, decided = unsettled(lines, max_line)
    if decided or start <= 4096:
        return left
    return unsettled(_lines_before(handle, start, _BEFORE_BYTES), max_line)[0]


def _lines_before(handle: BinaryIO, start: int, most: int) -> list[bytes]:
    """The whole lines (with their ends) in the `most` bytes before `start`, a line's
    start, the file's BOM off."""
    back = min(start, most)
    handle.seek(start - back)
    lines = [line + b"\n" for line in handle.read(back).split(b"\n")[:-1]]
    if start > back:
        lines = lines[1:]  # maybe a part of a line
    elif lines:
        lines[0] = lines[0].removeprefix(BOM)
    return lines


def _first_parsing(handle: BinaryIO, start: int, count: int, max_line: int) -> int:
    """The number of the first of the `count` lines from `start` that parses alone, as the
    engine numbers a chunk's lines (from 2), or 0: most often the first line read."""
    handle.seek(start)
    reader = LineReader(handle, "", max_line)
    for number, raw in enumerate(reader.lines(), 2):
        if number > count + 1:
            break
        if parses_alone(split_ending(raw)[0], max_line):
            return number
        if raw[-1:] != b"\n":
            reader.skip_rest(raw)  # cut by the reader (or the file's last): its rest no line
    return 0


class _ChunkLines:
    """The lines of a chunk, noting where each group of them starts (the parent may need to
    read a line again): one at a time (`lines`), or the whole lines its reader's buffer holds
    (`buffered`, as reading.LineReader.buffered, never past the chunk's end). A group's
    start, not each line's: 400 instructions a line less (tasks of a 300k-line file)."""

    def __init__(self, reader: LineReader, length: int) -> None:
        self.reader = reader
        self.length = length
        self.offsets = array("Q")  # each group's, in the chunk
        self.firsts = array("I")  # each group's first line's index in the chunk
        self.count = 0  # lines given
        self.at = 0

    @property
    def buffered(self) -> Callable[[int], list[bytes] | None] | None:
        """`_buffered` where the reader has its own (a property: see LineReader.buffered)."""
        return self._buffered if self.reader.buffered is not None else None

    def lines(self) -> Iterator[bytes]:
        lines = self.reader.lines()
        while True:
            self._passed()
            if self.at >= self.length:
                return
            raw = next(lines, None)
            if raw is None:
                return
            self._group(1)
            self.at += len(raw)  # before the yield: `buffered` may be asked next
            yield raw

    def _group(self, lines: int) -> None:
        self.offsets.append(self.at)
        self.firsts.append(self.count)
        self.count += lines

    def _passed(self) -> None:
        """Counts what the engine read past the end of a line too long (skip_rest)."""
        reader = self.reader
        if reader.skipped:
            self.at += reader.skipped
            reader.skipped = 0

    def _buffered(self, most: int) -> list[bytes] | None:
        self._passed()
        room = self.length - self.at
        assert self.reader.buffered is not None
        # A chunk ends at the end of a line: the lines within `room` bytes are its own.
        group = self.reader.buffered(min(most, room)) if room > 0 else None
        if group is not None:
            self._group(len(group))
            self.at += sum(map(len, group))
        return group
