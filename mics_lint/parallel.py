"""`--jobs`: files, and chunks of large files, checked in worker processes.

The result is exactly what one process reports: the same diagnostics, line numbers and
order. A worker numbers its chunk's lines from 2 (so that nothing line-1-only runs there);
merge.py joins the chunks' results as one process would have found them, following what
each rule declares about chunks (`Rule.across_chunks`).
A file whose first chunk ends while its first lines are still held (an empty file, one JSON
document) is checked again in one piece. Small runs never start a pool (pre-commit's handful
of small files: processes would cost more than they save); in one, small files go to a
worker several at a time (tasks.batched).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.doctypes import DocType
from mics_lint.linter import ReadError, lint_file, sniff
from mics_lint.reading import gzip_named, open_binary
from mics_lint.registry import ACROSS_USERS
from mics_lint.rules import REGISTRY
from mics_lint.rules import framing as f
from mics_lint.splitrecords import SPLIT_BYTES, Splitter

if TYPE_CHECKING:
    from concurrent.futures import Future

    from mics_lint.tasks import Result, Task

#: Files at least twice this size are split into chunks of at least this size.
CHUNK_BYTES = 8 * 1024 * 1024
#: Below this much work in all, everything runs in this process.
MIN_PARALLEL_BYTES = 16 * 1024 * 1024
_MAX_CHUNK_LINES = 10_000
#: The most worker processes --jobs starts (a larger count overflowed in the pool).
MAX_JOBS = 1024
_MAX_CHUNKS = 4096
#: A chunk boundary's look back for a split record, before the whole SPLIT_BYTES.
_LOOK_BACK = 64 * 1024


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _worker_started(parent: int, storage: dict[str, Any] | None = None) -> None:
    """In each worker: leave signals to the parent, and never outlive it; and read URLs
    with the parent's storage options (a worker not forked has not inherited them)."""
    import signal
    import threading

    if storage:
        from mics_lint import remote

        remote.configure(storage)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch() -> None:
        # A parent killed outright (kill -9) can't stop its workers: each notices and exits.
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _stop(pool: Any) -> None:
    with _signals_held():
        # The pool's manager thread, its wake-up pipe, its workers and its result queue,
        # taken before shutdown() lets go of them. Private attributes: without them, no
        # wait and no guard.
        manager = getattr(pool, "_executor_manager_thread", None)
        wakeup = getattr(pool, "_executor_manager_thread_wakeup", None)
        workers = list((getattr(pool, "_processes", None) or {}).values())
        results = getattr(pool, "_result_queue", None)
        # Queued chunks are dropped; a chunk being checked is let finish (a second at
        # most): terminating a worker while it writes its result leaves the pool's pipe
        # half-written, which the manager thread would read for ever (see _end_workers).
        pool.shutdown(wait=False, cancel_futures=True)
        # The manager thread ends once the running chunks are in: waited for (a little), as
        # at exit the interpreter would otherwise race it over the pool's closing pipe and
        # print a traceback ("Bad file descriptor"). A thread still closing it after that
        # wait (a busy machine) races the exit's wake-up call, unlocked in Python 3.11, into
        # a write to a closed pipe: ignored, as the thread it would wake is ending anyway.
        if manager is not None:
            manager.join(timeout=2)
            if manager.is_alive() or any(w.is_alive() for w in workers):
                _end_workers(workers, results)
                manager.join(timeout=1)
        if wakeup is not None and callable(getattr(wakeup, "wakeup", None)):
            wakeup.wakeup = _quiet(wakeup.wakeup)


def _end_workers(workers: list[Any], results: Any) -> None:
    """Workers still there when the pool should have ended, ended: the interpreter's exit
    joins every child process and the pool's manager thread, and would wait for them for
    ever (a worker waiting for a chunk that never comes, a thread reading a result that a
    worker stopped writing)."""
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            worker.terminate()  # SIGTERM: a worker keeps its default action (_worker_started)
    deadline = time.monotonic() + 1
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=1)
    # This process holds a writing end of the results' pipe too: closed, a result that a
    # worker left half-written ends in EOF for the manager thread, which then ends.
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM ignored while the pool stops: the run is ending already (the
    exception in flight says why), and a second signal cut the stop short, leaving workers
    the interpreter's exit then waited for, for ever. The command ignores them from its
    first one on (exits.on_signal); this covers a program that runs the linter itself."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers are set from the main thread only
        return
    numbers = (signal.SIGINT, signal.SIGTERM)
    before = {number: signal.getsignal(number) for number in numbers}
    for number in numbers:
        signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        for number, handler in before.items():
            # None: a handler set outside Python, which can't be put back; the default then.
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _quiet(wakeup: Callable[[], None]) -> Callable[[], None]:
    def quiet() -> None:
        # EBADF, or "handle is closed": the pipe closed between the check and the write.
        with contextlib.suppress(OSError):
            wakeup()

    return quiet


def telling(
    on_type: Callable[[str, str], None] | None, display: str
) -> Callable[[DocType], None] | None:
    """lint_file's `on_type` for a Runner's (display, type name) callback."""
    if on_type is None:
        return None
    return lambda doc_type: on_type(display, doc_type.name)


class Runner:
    """Lints sources, in parallel where it pays; yields each source's diagnostics in order."""

    def __init__(
        self,
        settings: Settings,
        jobs: int,
        chunk_bytes: int = CHUNK_BYTES,
        on_read: Callable[[int], None] | None = None,
        on_type: Callable[[str, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.jobs = max(1, jobs)
        self.chunk_bytes = max(1, chunk_bytes)
        self.on_read = on_read  # told the bytes done, for a progress bar
        # Told (display, type name) for each file, before its first diagnostic.
        self.on_type = on_type

    def lint(self, sources: Sequence[tuple[str, str]]) -> Iterator[Iterator[Diagnostic]]:
        """For each (path, display), an iterator of its diagnostics (raising ReadError)."""
        sizes = [file_size(path) for path, _ in sources]
        total = sum(s or 0 for s in sizes)
        if self.jobs == 1 or total < min(MIN_PARALLEL_BYTES, 2 * self.chunk_bytes):
            for path, display in sources:
                yield lint_file(
                    path,
                    self.settings,
                    display=display,
                    on_read=self.on_read,
                    on_type=telling(self.on_type, display),
                )
            return
        plans = [
            self.plan(path, display, size)
            for (path, display), size in zip(sources, sizes, strict=True)
        ]
        yield from self._pooled(plans, sizes)

    def plan(self, path: str, display: str, size: int | None) -> list[Task]:
        from mics_lint.tasks import Task

        if size is None or size < 2 * self.chunk_bytes or _whole_file_matter(path):
            return [Task(path, display)]
        # A worker returns its chunk's diagnostics all at once: a chunk of short lines, all
        # bad, is made smaller so that they stay a few MiB (memory stays bounded).
        chunk = min(self.chunk_bytes, max(64 * 1024, _MAX_CHUNK_LINES * _line_length(path)))
        count = max(2, min(size // chunk, _MAX_CHUNKS))
        try:
            bounds = _boundaries(path, size, count)
        except OSError:  # a dropped connection: the file whole, whose read reports it
            return [Task(path, display)]
        seen = file_identity(path)  # each chunk's worker opens the file anew: the same one?
        return [
            Task(path, display, start, end, size, identity=seen)
            for start, end in itertools.pairwise(bounds)
        ]

    def _pooled(
        self, plans: list[list[Task]], sizes: list[int | None]
    ) -> Iterator[Iterator[Diagnostic]]:
        # Imported here: a small run, such as a pre-commit hook's, never pays for them.
        import multiprocessing
        import random
        from concurrent.futures import ProcessPoolExecutor

        from mics_lint.tasks import batched, check_tasks

        context = multiprocessing.get_context()
        if context.get_start_method() != "fork":
            # Workers must agree on string hashes (MIC501's digests): one seed for all.
            os.environ.setdefault("PYTHONHASHSEED", str(random.randrange(1, 2**32)))
        if context.get_start_method() == "fork" and self._merges_users(plans):
            # MIC501's merge imports numpy at the first chunk: before the fork, the workers
            # have it too, and their long-integer screen is numpy's (longints.py): 0.13 s
            # of CPU less over the workers on the 1M-line bench file (3.19 s, not 3.32).
            from mics_lint.pagemaps import load_numpy

            load_numpy()
        started = (os.getpid(), _storage())
        pool = ProcessPoolExecutor(self.jobs, context, _worker_started, started)
        try:
            pending: deque[tuple[Future[list[Result | Exception]], int]] = deque()
            queue = iter(batched(plans, sizes))  # small files go several to a task
            ready: deque[Result | Exception] = deque()  # a batch's, not yet merged

            def refill() -> None:
                while len(pending) < 2 * self.jobs:
                    batch = next(queue, None)
                    if batch is None:
                        return
                    future = pool.submit(check_tasks, batch, self.settings)
                    pending.append((future, len(batch)))

            refill()

            def take() -> Result | Exception:
                if not ready:
                    future, size = pending.popleft()
                    refill()
                    try:  # (a signal's exception, never caught, stops the pool at once)
                        ready.extend(future.result())
                    except Exception as exc:  # a worker gone: every task of it
                        ready.extend([exc] * size)
                return ready.popleft()

            def results(count: int) -> Iterator[Result]:
                for left in range(count - 1, -1, -1):
                    if isinstance(done := take(), Exception):
                        for _ in range(left):  # the rest of its file's, never another's
                            take()
                        raise done
                    yield done

            for plan in plans:
                yield self._merge(plan, self._counted(plan, results(len(plan))))
            pool.shutdown()  # inside the try: a Ctrl-C while it waits stops the pool too
        except BaseException:
            # Stopped early (Ctrl-C, SIGTERM, the reader of `| head` gone): the chunks not
            # started are of no use, so they are dropped, not waited for.
            _stop(pool)
            raise

    def _merges_users(self, plans: list[list[Task]]) -> bool:
        """Whether a file is split into chunks whose users the parent merges (MIC501)."""
        rules = REGISTRY.across_chunks(ACROSS_USERS)
        return any(
            len(plan) > 1
            and any(r.code in self.settings.rules_for(plan[0].display).enabled for r in rules)
            for plan in plans
        )

    def _counted(self, plan: list[Task], results: Iterator[Result]) -> Iterator[Result]:
        for task, result in zip(plan, results, strict=False):
            if self.on_read is not None:
                size = (task.end - task.start) if task.end >= 0 else (file_size(task.path) or 0)
                self.on_read(size)
            yield result

    def _merge(self, plan: list[Task], results: Iterator[Result]) -> Iterator[Diagnostic]:
        # Imported with the pool: a run in one process never merges (start-up, issue 14).
        from mics_lint.merge import Merger, unpacked

        if plan[0].end < 0:
            result = next(results)
            if result.doc_type and self.on_type is not None:
                self.on_type(plan[0].display, result.doc_type)
            yield from unpacked(result.diagnostics)
            if result.error:
                raise ReadError(result.error, result.verb)
            return
        yield from Merger(plan, self.settings, self.on_type).merge(results)


def _storage() -> dict[str, Any]:
    import sys

    remote = sys.modules.get("mics_lint.remote")  # not imported: no URL, no options
    return remote.current_options() if remote is not None else {}


def file_size(path: str) -> int | None:
    if "://" in path:
        from mics_lint import remote

        if remote.is_url(path):
            return remote.size(path)  # None for a .gz, its query string aside
    if gzip_named(path):
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size if os.path.isfile(path) else None


def file_identity(path: str) -> tuple[int, ...] | None:
    """`identity` of a local file by its path; None for a URL or a file that cannot be read
    (its read says why)."""
    if "://" in path:
        return None
    try:
        return identity(os.stat(path))
    except OSError:
        return None


def identity(info: os.stat_result) -> tuple[int, ...]:
    """What tells a file from another put in its place (an exporter's atomic replace during
    the run), or grown or cut: its device, inode and size. Not its time of change: a backup
    or sync tool that touches the file changes nothing a chunk reads."""
    return (info.st_dev, info.st_ino, info.st_size)


def _whole_file_matter(path: str) -> bool:
    """Whether the file's start decides for all of it: it is not text, or its first
    non-blank line holds only `{` or `[` (one JSON document)."""
    try:
        with open_binary(path) as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return True  # let the whole-file path report it
    if sniff(head) is not None:
        return True
    for line in head.removeprefix(f.BOM).split(b"\n"):
        if line.strip():
            return f.opens_document(line)
    return True


def _line_length(path: str) -> int:
    """The average length of the file's first lines (at least 1)."""
    try:
        with open_binary(path) as handle:
            head = handle.read(256 * 1024)
    except OSError:
        return 1
    return max(1, len(head) // max(1, head.count(b"\n")))


def _boundaries(path: str, size: int, count: int) -> list[int]:
    """Byte offsets that split the file into `count` chunks at line starts, never inside a
    record split over lines (see _record_start)."""
    bounds = [0]
    with open_binary(path) as handle:
        for index in range(1, count):
            handle.seek(max(size * index // count, bounds[-1]))
            while (part := handle.readline(1 << 20)) and part[-1:] != b"\n":
                pass  # to the start of the next line, however long this one
            at = _record_start(handle, handle.tell())
            if at >= size:
                break
            if at > bounds[-1]:
                bounds.append(at)
    bounds.append(size)
    return bounds


def _record_start(handle: BinaryIO, at: int) -> int:
    """`at`, a line start, or past the record split over lines that spans it, if one does
    (splitrecords.py), so that a chunk sees the split records one process sees. Such a
    record starts at the last line before `at` that begins with `{`: it is read from there
    as the linter would read it."""
    while True:
        start = _last_opening(handle, at)
        if start is None:
            return at
        handle.seek(start)
        splitter = Splitter(f.DEFAULT_MAX_LINE_BYTES, active=True)
        group = next(splitter.groups(iter(handle.readline, b"")), [])
        end = start + sum(len(line) for line in group)
        if len(group) == 1 or end <= at:
            return at
        at = end  # past the record; the line there may start another


def _last_opening(handle: BinaryIO, at: int) -> int | None:
    """Where the last whole line before `at` (a line start) that begins with `{` starts,
    at most SPLIT_BYTES back; None if there is none.

    The last `_LOOK_BACK` bytes are read first, and the whole SPLIT_BYTES only when their
    whole lines have no such line: the lines looked at, from the last back, are the same.
    Reading and splitting 1 MiB at each of a 1M-line file's 98 boundaries took 0.06-0.1 s
    of the parent's CPU before any worker started."""
    span = _LOOK_BACK
    while True:
        back = max(0, at - span)
        handle.seek(back)
        lines = handle.read(at - back).split(b"\n")[:-1]  # the last piece: empty
        offset = at
        # The first piece is part of a line unless the file starts there.
        for index in range(len(lines) - 1, -1 if back == 0 else 0, -1):
            offset -= len(lines[index]) + 1
            if lines[index][:1] == b"{":
                return offset
        if back == 0 or span >= SPLIT_BYTES:
            return None
        span = SPLIT_BYTES
