"""`--scheduler`: a Dask cluster as the engine, in place of `--jobs`' process pool.

Every file is read and checked on the workers (cluster_tasks.py), opening it themselves (a
local path the workers share, or a URL with this run's storage options). A small file far
from the run's end is checked whole in one task. Another is planned by a task (the same
split at line boundaries as `--jobs`, a `.gz` whole), its chunks checked a few at a time in
one task each, and joined in steps as merge.py does for `--jobs` (line numbers, MIC003
once, MIC501 across chunks). The client receives only each file's diagnostics, in order,
so the report is the one `--jobs 1` writes. Dask is imported only here, and only with
`--scheduler` (the `[dask]` extra)."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

import click

from mics_lint import remote
from mics_lint.cluster_connect import reach
from mics_lint.cluster_tasks import (
    Joining,
    Outcome,
    check_chunk,
    check_file,
    join_file,
    join_step,
    plan_file,
    warm,
)
from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.linter import ReadError
from mics_lint.merge import unpacked
from mics_lint.parallel import CHUNK_BYTES, Runner, file_size
from mics_lint.tasks import Task

__all__ = [
    "ClusterRunner",
    "Joining",
    "Outcome",
    "check_chunk",
    "check_file",
    "join_file",
    "join_step",
    "plan_file",
]

#: Where `--scheduler local` forks its workers rather than spawning them: Linux only
#: (macOS's system libraries are not safe to fork once threads run).
_FORK = sys.platform.startswith("linux")

#: Each task is retried this often: a worker that dies takes its running tasks with it.
RETRIES = 3
#: Quieted with --scheduler: asyncio's too, whose "Task was destroyed" a connection left
#: behind at a deadline or a Ctrl-C could otherwise say at exit (see cluster_connect.py).
_LOGGERS = ("distributed", "tornado", "bokeh", "asyncio")
#: A file's chunks are joined in about STEPS steps of at least STEP_BYTES (see Joining).
STEPS, STEP_BYTES = 8, 32 * 1024 * 1024
#: A task checks up to GROUP of the chunks `--jobs` plans, fewer towards the run's end,
#: where about TAIL tasks a worker remain (see _grouped).
GROUP, TAIL = 8, 2
#: A file of at most WHOLE chunks is checked whole, in one task, unless near the run's end.
WHOLE = 4
#: Workers a run starts warm up on this much of its first file (see cluster_tasks.warm).
WARM_BYTES = 64 * 1024
#: The longest --scheduler-timeout, in seconds: a day.
MAX_TIMEOUT = 86400


class ClusterRunner(Runner):
    """A Runner whose files are checked on a Dask cluster; a context manager (the client)."""

    def __init__(
        self,
        settings: Settings,
        scheduler: str,
        timeout: float = 30.0,
        chunk_bytes: int = CHUNK_BYTES,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(settings, 1, chunk_bytes, on_read)
        self.scheduler = scheduler
        self.timeout = timeout
        self.client: Any = None
        self.cluster: Any = None
        self._order = itertools.count(1)  # of the tasks checking files (see _task)
        self._warming: list[Any] = []  # kept till the end: Dask drops a task nobody holds

    def __enter__(self) -> ClusterRunner:
        self.client, self.cluster = connect(self.scheduler, self.timeout)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for part in (self.client, self.cluster):
            if part is not None:
                with contextlib.suppress(Exception):  # a broken connection: nothing to close
                    # Bounded: after a Ctrl-C further ones are ignored (exits.on_signal), so a
                    # close that hung could not be cut short; a worker process left behind is
                    # a daemon, ended with this process.
                    part.close(timeout=CLOSE_TIMEOUT)

    def lint(self, sources: Sequence[tuple[str, str]]) -> Iterator[Iterator[Diagnostic]]:
        """As Runner.lint: every file submitted at once, each one's diagnostics in order.

        The client holds only futures: chunk results go from the workers that made them
        to the file's reduction task, and only its Outcome comes back here."""
        finals = self.submit(sources)
        for (_path, display), final in zip(sources, finals, strict=True):
            yield self._file(display, final)

    def submit(self, sources: Sequence[tuple[str, str]]) -> list[Any]:
        """For each (path, display), the future of its Outcome (or the exception that
        stopped its planning)."""
        client = self.client
        storage = remote.current_options()
        # The settings (a few hundred bytes) go in every task, not as data of their own:
        # scattered data lost with its worker cannot be made again (a worker killed mid-run
        # cancelled the run), and a task with no input is one the scheduler hands out in
        # order as workers free up; one that needs another's result went at once to the
        # worker holding it, to be stolen by the others in no order (see _task).
        settings = self.settings
        workers = sorted(client.ncores())  # empty if no worker yet
        # Sizes as this process sees them (a URL's unknown: asking costs a request each).
        sizes = [None if remote.is_url(path) else file_size(path) for path, _ in sources]
        later = [sum(s or 0 for s in sizes[i + 1 :]) for i in range(len(sizes))]
        # Every task costs the scheduler and the workers a few ms: a small file far from
        # the run's end goes whole, in one task (no plan to wait for, no join).
        tail = TAIL * max(1, len(workers))
        whole = [
            size is not None and size <= WHOLE * self.chunk_bytes and after >= tail * size
            for size, after in zip(sizes, later, strict=True)
        ]
        # Workers have their own working folder: a local path goes to them absolute (a
        # folder they share with the client, on a real cluster).
        plans = {
            i: client.submit(
                plan_file,
                _absolute(path),
                display,
                self.chunk_bytes,
                storage,
                pure=False,
                priority=1,
            )
            for i, (path, display) in enumerate(sources)
            if not whole[i]
        }
        self._warm(sources[:1], sizes[:1], settings, storage, workers)
        finals: list[Any] = []
        joiners = itertools.cycle(workers)
        for i, (path, display) in enumerate(sources):
            if whole[i]:
                task = Task(_absolute(path), display, size=sizes[i])
                finals.append(self._task(check_file, task, settings, storage))
                continue
            try:
                tasks = plans[i].result()
            except Exception as exc:  # the cluster lost it: said for this file only
                finals.append(exc)
                continue
            tasks = _grouped(tasks, later[i], max(1, len(workers)))
            finals.append(self._chunked(tasks, settings, storage, next(joiners, None)))
        return finals

    def _chunked(
        self, tasks: list[Task], settings: Settings, storage: dict[str, Any], joiner: Any
    ) -> Any:
        """The future of a planned file's Outcome: its chunks' tasks, and its join's."""
        client = self.client
        chunks = [self._task(check_chunk, task, settings, storage) for task in tasks]
        final, steps = None, _steps(tasks)
        # All the steps of a file on one worker, which holds its Joining (another one
        # only if that worker is gone); each ahead of the chunks waiting there.
        where = {"workers": [joiner], "allow_other_workers": True} if joiner and steps[1:] else {}
        for start, end in steps:
            final = client.submit(
                join_step,
                final,
                tasks,
                settings,
                storage,
                start,
                *chunks[start:end],
                pure=False,
                retries=RETRIES,
                priority=1,
                **where,
            )
        return final

    def _warm(
        self,
        first: Sequence[tuple[str, str]],
        sizes: list[int | None],
        settings: Settings,
        storage: dict[str, Any],
        workers: list[str],
    ) -> None:
        """Workers this run started check the head of its first local file meanwhile."""
        if self.cluster is None or not first or not sizes[0] or remote.is_url(first[0][0]):
            return
        head = Task(_absolute(first[0][0]), first[0][1], 0, min(sizes[0], WARM_BYTES), sizes[0])
        self._warming = [
            self.client.submit(
                warm,
                head,
                settings,
                storage,
                pure=False,
                workers=[worker],
                allow_other_workers=False,
            )
            for worker in workers
        ]

    def _task(self, function: Callable[..., Any], *args: Any) -> Any:
        # Dask's order of tasks is not the order they were given in: the first given goes
        # first here (a file's first join waits for its first chunks).
        priority = -next(self._order)
        return self.client.submit(function, *args, pure=False, retries=RETRIES, priority=priority)

    def _file(self, display: str, future: Any) -> Iterator[Diagnostic]:
        try:
            if isinstance(future, Exception):
                raise future
            outcome: Outcome = future.result()
        except Exception as exc:  # a task that failed every retry, a scheduler gone
            raise ReadError(
                f"{display}: the cluster failed: {_reason(exc)}", "cannot check"
            ) from None
        if self.on_read is not None and outcome.size:
            self.on_read(outcome.size)
        if outcome.doc_type and self.on_type is not None:
            self.on_type(display, outcome.doc_type)
        yield from unpacked(outcome.packed)
        if outcome.error:
            raise ReadError(outcome.error, outcome.verb)


def _steps(tasks: list[Task], least: int = STEP_BYTES) -> list[tuple[int, int]]:
    """The (start, end) tasks of each step of a file's join: one step for a small file,
    else about STEPS steps of as many bytes each (see Joining). By bytes, not tasks: the
    run's last tasks are small (see _grouped), and joined in steps of a few each they
    waited at the end for one another, a round trip to the scheduler a step."""
    share = max(least, sum(t.end - t.start for t in tasks) // STEPS, 1)
    steps, start, done = [], 0, 0
    for index, task in enumerate(tasks):
        done += task.end - task.start
        if done >= share or index == len(tasks) - 1:
            steps.append((start, index + 1))
            start, done = index + 1, 0
    return steps


def _grouped(tasks: list[Task], later: int, workers: int) -> list[Task]:
    """A file's planned chunks as fewer tasks, each of consecutive chunks: up to GROUP,
    fewer as the run's end (this file's chunks left and `later` bytes after it) nears, so
    that its last tasks are small and every worker ends about when the others do."""
    if tasks[0].end < 0:
        return tasks
    unit = max(1, (tasks[-1].end - tasks[0].start) // len(tasks))  # a chunk's bytes
    grouped, at = [], 0
    while at < len(tasks):
        left = len(tasks) - at + later // unit
        take = min(GROUP, max(1, left // (TAIL * workers)), len(tasks) - at)
        grouped.append(dataclasses.replace(tasks[at], end=tasks[at + take - 1].end))
        at += take
    return grouped


def _absolute(path: str) -> str:
    return path if remote.is_url(path) else os.path.abspath(path)


def _reason(exc: BaseException) -> str:
    return remote.reason(exc)


#: Seconds a client, then a local cluster, is given to close.
CLOSE_TIMEOUT = 10


def connect(scheduler: str, timeout: float) -> tuple[Any, Any]:
    """(client, cluster or None): a Dask client of `scheduler`, or of a new LocalCluster for
    "local"; a one-line ClickException (exit 2) if Dask is missing or it cannot be reached."""
    # inf and nan pass click's FloatRange: Dask's parser refuses "infs", a thread's wait
    # a time past time_t (an internal error).
    if not 0 < timeout <= MAX_TIMEOUT:
        raise click.ClickException(
            f"--scheduler-timeout: {timeout:g} is not a number of seconds up to {MAX_TIMEOUT}"
        )
    # Dask imports numpy: its OpenBLAS has one thread, as cli.main set before any import
    # (the workers of --scheduler local inherit it).
    try:
        import distributed  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise click.ClickException(
            "--scheduler needs Dask: pip install 'mics-lint[dask]'"
        ) from None
    for name in _LOGGERS:  # their warnings would break the one-line rule of stderr
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if scheduler != "local":
        if remote.credentials(scheduler):  # Dask's messages quote the address whole
            raise click.ClickException(
                f"--scheduler: {remote.shown(scheduler)}: a scheduler address holds no "
                "credentials (tcp://HOST:PORT; TLS settings go in Dask's configuration)"
            )
        # A malformed address is refused first: a Client that fails on it while being made
        # waits twice the timeout to close itself, and prints a traceback doing so.
        try:
            distributed.comm.addressing.get_address_host_port(scheduler)
        except ValueError as exc:
            raise click.ClickException(
                f"--scheduler: {remote.shown(scheduler)} is not a scheduler address "
                f"(tcp://HOST:PORT, or local): {_reason(exc)}"
            ) from None
        return reach(distributed, scheduler, timeout), None
    cluster = None
    try:
        with _interrupts_kept_from_workers():
            cluster = _local_cluster(distributed)
        client = distributed.Client(  # type: ignore[no-untyped-call,unused-ignore]
            cluster.scheduler_address, timeout=f"{timeout}s", set_as_default=False
        )
    except BaseException as exc:  # Ctrl-C too: the workers go with this process
        if cluster is not None:
            cluster.close(timeout=CLOSE_TIMEOUT)
        if not isinstance(exc, Exception):
            raise
        raise click.ClickException(
            f"cannot reach the Dask scheduler at {remote.shown(scheduler)}: {_reason(exc)}"
        ) from None
    return client, cluster


@contextlib.contextmanager
def _interrupts_kept_from_workers() -> Iterator[None]:
    """SIGINT blocked in this thread while the local cluster starts. The threads it starts,
    and the worker processes they fork or spawn, inherit the block (a signal mask survives
    fork and exec, and the workers never lift it): Ctrl-C, which a terminal sends to every
    process of its group, then stops this process alone, which closes the cluster (exit
    130), where each worker printed its KeyboardInterrupt's traceback. A Ctrl-C while the
    cluster starts waits for the block to be lifted, and is raised then."""
    import signal
    import threading

    mask = getattr(signal, "pthread_sigmask", None)  # not on Windows
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    before = mask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, before)


def _local_cluster(distributed: Any) -> Any:
    import dask

    from mics_lint.parallel import cpu_count

    # One hash seed for every worker process: MIC501's digests then compare across chunks.
    seed = os.environ.get("PYTHONHASHSEED") or str(os.getpid() % 2**31 + 1)
    config: dict[str, Any] = {
        "distributed.nanny.pre-spawn-environ.PYTHONHASHSEED": seed,
        # The workers' sampling profiler feeds only the dashboard, which this cluster has
        # not: it took about 4% of a worker's CPU while checking (docs/scale.md).
        "distributed.worker.profile.enabled": False,
    }
    if _FORK:
        # Dask spawns its workers by default: each then imports Dask and mics-lint again
        # (about 0.4 s of a core each, every run) and the cluster took 0.6 s to start, 0.2 s
        # to stop. Forked, they start with this process's modules, and its hash seed.
        config["distributed.worker.multiprocessing-method"] = "fork"
    with dask.config.set(config), warnings.catch_warnings():
        # "Port 8787 is already in use" (its HTTP server then takes another): not ours to
        # say, and stderr keeps one line per problem.
        warnings.simplefilter("ignore")
        return distributed.LocalCluster(
            n_workers=cpu_count(), threads_per_worker=1, dashboard_address=None, host="127.0.0.1"
        )
