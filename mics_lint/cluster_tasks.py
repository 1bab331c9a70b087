"""The tasks of `--scheduler`'s Dask workers (cluster.py submits them): a file planned,
its chunks checked, and joined in steps, or a whole file checked in one task.

Apart from cluster.py so that a worker unpickling them imports neither click nor the
client's code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mics_lint import remote
from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.linter import ReadError
from mics_lint.merge import Merger, Packed, unpacked
from mics_lint.parallel import Runner, file_size
from mics_lint.tasks import Result, Task, check_task


@dataclass
class Outcome:
    """A file's result as the client receives it: only its diagnostics, and how it ended."""

    # Packed by the worker (merge.Packed), as --jobs' workers pack theirs: a file of many
    # bad lines is tens of thousands of dataclasses, slower to pickle than to check.
    packed: Packed | list[Diagnostic]
    doc_type: str = ""
    error: str | None = None
    verb: str = "cannot read"
    size: int = 0  # bytes read, for the progress bar

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return list(unpacked(self.packed))


def _probe() -> int:
    # MIC501's digests use Python's string hash, seeded per process: two workers agree on
    # them only if started with one PYTHONHASHSEED. The reduction checks it (see _join).
    return hash("mics-lint") & 0xFFFFFFFF


def plan_file(path: str, display: str, chunk_bytes: int, storage: dict[str, Any]) -> list[Task]:
    """On a worker: the tasks of one file, split as `--jobs` splits it."""
    remote.configure(storage)
    runner = Runner(Settings(), 2, chunk_bytes)
    size = file_size(path)
    try:
        plan = runner.plan(path, display, size)
    except OSError:
        return [Task(path, display)]  # the whole-file task reports why it cannot be read
    if plan[0].end < 0:  # its size, for the progress bar only (a whole file ignores it)
        return [dataclasses.replace(plan[0], size=size)]
    # Another host's copy at the same path is another inode: not told apart from a file
    # replaced during the run, so a cluster's chunks are not held to this worker's stat.
    return [dataclasses.replace(task, identity=None) for task in plan]


def check_chunk(task: Task, settings: Settings, storage: dict[str, Any]) -> tuple[int, Result]:
    """On a worker: one chunk (or one whole file) checked, with this worker's hash probe."""
    remote.configure(storage)
    return _probe(), check_task(task, settings)


def check_file(task: Task, settings: Settings, storage: dict[str, Any]) -> Outcome:
    """On a worker: a whole file checked in one task, with no plan and no join."""
    remote.configure(storage)
    return _whole(check_task(task, settings), task.size or 0)


def _whole(result: Result, size: int) -> Outcome:
    return Outcome(result.diagnostics, result.doc_type, result.error, result.verb, size)


def join_file(
    tasks: list[Task], settings: Settings, storage: dict[str, Any], *results: tuple[int, Result]
) -> Outcome:
    """On a worker: one file's chunks joined into its diagnostics (merge.py's Merger)."""
    outcome = join_step(None, tasks, settings, storage, 0, *results)
    assert isinstance(outcome, Outcome)  # every chunk given: the last step
    return outcome


class Joining:
    """A file's join so far, handed from one step to the next (`join_step`).

    A single task joining all of a large file's chunks can start only once the last one is
    checked: one worker then merged a million lines' users (0.3 to 0.6 s) while the other
    had nothing left to do, and the client waited. In steps, each starts as soon as its
    chunks are in, between the other chunks, and the last has little left to do.

    The merger's users table lives in memory maps and is changed in place, never copied:
    a step's Joining is the one its next step goes on with, on the same worker (Dask runs
    a task where its largest input is: hence `__sizeof__`). If Dask moves or spills one
    anyway (pickled: see `__reduce__`), or a step runs again after failing half-way, the
    next step finds it `lost`, and the last checks the file again in one piece: slower,
    never wrong.
    """

    def __init__(self, merger: Merger | None, probe: int) -> None:
        self.merger = merger
        self.probe = probe  # the hash seed of the worker that holds the users' digests
        self.found: list[Diagnostic] = []
        self.told: list[str] = []
        self.error: ReadError | None = None
        self.next = 0 if merger is not None else -1  # the first chunk of the next step
        self.nbytes = 0

    @property
    def lost(self) -> bool:
        return self.merger is None

    def tell(self, _display: str, doc_type: str) -> None:
        self.told.append(doc_type)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_lost, ())

    def __sizeof__(self) -> int:
        return self.nbytes

    def step(self, tasks: list[Task], start: int, results: Sequence[tuple[int, Result]]) -> None:
        """Joins the chunks from `start` on (their results), unless the file is done."""
        merger = self.merger
        assert merger is not None and self.next == start
        self.next = -1  # until it is done: a step run again finds it lost
        if self.error is None and not merger.whole:
            mended = (
                _agreed(task, probe, result, merger.settings, self.probe)
                for task, (probe, result) in zip(tasks[start:], results, strict=False)
            )
            try:
                self.found.extend(merger.merge(mended, start))
            except ReadError as exc:
                self.error = exc
        self.next = start + len(results)
        # Its users' table (24 bytes a line, at most) and diagnostics, for Dask's placing.
        self.nbytes = 24 * merger.offset + 512 * len(self.found)

    def outcome(self, size: int) -> Outcome:
        told = self.told[0] if self.told else ""
        if self.error is not None:
            return Outcome(Packed.of(self.found), told, str(self.error), self.error.verb, size)
        return Outcome(Packed.of(self.found), told, size=size)


def _lost() -> Joining:
    return Joining(None, 0)


def _agreed(task: Task, probe: int, result: Result, settings: Settings, mine: int) -> Result:
    # A chunk checked under another hash seed has digests this merge can't compare:
    # checked again here (slower, never wrong; docs/remote.md says to set PYTHONHASHSEED).
    if probe != mine and result.users is not None and len(result.users[0]):
        return check_task(task, settings)
    return result


def join_step(
    previous: Joining | None,
    tasks: list[Task],
    settings: Settings,
    storage: dict[str, Any],
    start: int,
    *results: tuple[int, Result],
) -> Joining | Outcome:
    """On a worker: the chunks from `start` on joined to the `previous` steps' (None for
    the first step); the file's Outcome once its last chunk is in."""
    remote.configure(storage)
    size = sum(t.end - t.start for t in tasks) if tasks[0].end >= 0 else tasks[0].size or 0
    if tasks[0].end < 0:
        return _whole(results[0][1], size)
    mine = _probe()
    if previous is None:
        joining = Joining(None, mine)
        joining.merger = Merger(tasks, settings, joining.tell)
        joining.next = 0
    elif previous.next == start and previous.probe == mine:
        joining = previous  # changed in place (see Joining)
    else:
        joining = _lost()
    if not joining.lost:
        joining.step(tasks, start, results)
    if start + len(results) < len(tasks):
        return joining
    if joining.lost:  # the file checked whole, as one process checks it
        return _whole(check_task(Task(tasks[0].path, tasks[0].display), settings), size)
    return joining.outcome(size)


def warm(task: Task, settings: Settings, storage: dict[str, Any]) -> None:
    """On a worker just started: a file's head checked, for what a first check loads
    (the engine's modules, jsonschema's for a bad line: 0.1-0.15 s of a core), while the
    client waits for the first plan."""
    remote.configure(storage)
    check_task(task, settings)
