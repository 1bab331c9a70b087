"""Issue 17's overhead target: the Dask engine against `--jobs N` on this machine.

    python bench/dask_bench.py                       # the 1M-line file and 20 files of 50k
    python bench/dask_bench.py --rounds 5 --workloads set
    python bench/run.py ...                          # runs this too when `dask` is a contender

Two workloads of the same million lines, each checked by `mics-lint check --isolated`:
- `file`: the 1M-line profile file of bench/run.py (bench/generate.py, 1% bad, seed 7);
- `set`: a folder of 20 files of 50k lines (bench/generate.py, 1% bad, seeds 7 to 26),
  the shape of a nightly export (many files, none large).

Contenders, interleaved round by round (in each round every one runs once, in this order):
- `micsN`: `--jobs N` (N: --workers, the number of CPUs);
- `dask-local`: `--scheduler local`, a LocalCluster of N single-threaded worker processes
  started (and stopped) by each run: its start-up counts;
- `dask-running`: `--scheduler tcp://...`, a cluster started once by this script before the
  rounds (`dask scheduler` and `dask worker --nworkers N --nthreads 1`, the way a team's
  cluster is already there when the nightly check runs) and stopped after them.
Every report is compared byte for byte with micsN's of the same round. Each dask
contender's overhead is its wall time over micsN's in the same round, minus one; the median
over rounds is reported with the smallest and largest. The load average is taken before each
round: another process on the machine shows there.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
from run import CPUS, DATA, MICS, PYTHON, Row, Spread, human, per_round, run_once

SET_FILES, SET_LINES, FILE_LINES = 20, 50_000, 1_000_000
#: The target of issue 17: the Dask engine at most this much slower than --jobs N.
MAX_OVERHEAD = 0.15


def ensure_set(files: int = SET_FILES, lines: int = SET_LINES, bad: float = 0.01) -> Path:
    """The folder of `files` files of `lines` lines (seeds 7, 8...), generated if missing."""
    folder = DATA / f"set-{files}x{lines}-bad{bad:g}"
    folder.mkdir(parents=True, exist_ok=True)
    for seed in range(7, 7 + files):
        path = folder / f"profiles-{lines}-bad{bad:g}-s{seed}.ndjson"
        if not path.exists():
            generate.generate(path, lines, bad=bad, seed=seed)
    return folder


@dataclass
class Cluster:
    address: str
    pids: list[int]  # the scheduler's and the worker command's (its nannies and workers below)

    def cpu(self) -> tuple[float, float]:
        """CPU seconds used so far by the scheduler, and by the workers (with their nannies)."""
        import psutil  # distributed's own dependency

        totals = []
        for pid in self.pids:
            top, total = psutil.Process(pid), 0.0
            for proc in [top, *top.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    total += times.user + times.system
            totals.append(total)
        return totals[0], totals[1]


@contextlib.contextmanager
def running_cluster(workers: int) -> Iterator[Cluster]:
    """A scheduler and `workers` single-threaded workers (each its own process, under a
    nanny), started from this Python's `dask` command."""
    dask = str(Path(PYTHON).parent / "dask")
    with tempfile.TemporaryDirectory() as tmp:
        info = Path(tmp) / "scheduler.json"
        common = ["--scheduler-file", str(info), "--no-dashboard"]
        log = (Path(tmp) / "cluster.log").open("wb")
        procs = [
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", *common],
                stdout=log,
                stderr=log,
            )
        ]
        try:
            deadline = time.monotonic() + 60
            while not info.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            args = ["--nworkers", str(workers), "--nthreads", "1", "--host", "127.0.0.1"]
            procs.append(subprocess.Popen([dask, "worker", *args, *common], stdout=log, stderr=log))
            address = json.loads(info.read_text())["address"]
            _wait_for_workers(address, workers)
            yield Cluster(address, [proc.pid for proc in procs])
        finally:
            for proc in reversed(procs):
                proc.terminate()
            for proc in reversed(procs):
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            log.close()


def _wait_for_workers(address: str, workers: int) -> None:
    from distributed import Client

    with Client(address, timeout="60s", set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=120)


def measure(
    name: str, target: Path, lines: int, rounds: int, workers: int, running: Cluster | None
) -> dict:
    """Interleaved rounds of micsN and the dask contenders on one workload."""
    argv = [MICS, "check", "--isolated"]
    contenders = {
        "micsN": [*argv, "--jobs", str(workers)],
        "dask-local": [*argv, "--scheduler", "local"],
    }
    if running:
        contenders["dask-running"] = [*argv, "--scheduler", running.address]
    labels = {
        "micsN": f"--jobs {workers}",
        "dask-local": f"--scheduler local: {workers} workers started by each run",
        "dask-running": f"--scheduler tcp://…: {workers} workers already running",
    }
    rows = {c: Row(c, labels[c]) for c in contenders}
    loads: list[float] = []
    worker_cpu: list[float] = []  # dask-running's workers' CPU seconds, per round
    same = compared = 0
    for rnd in range(rounds):
        loads.append(os.getloadavg()[0])
        print(f"   {name}: round {rnd + 1}/{rounds} (load {loads[-1]:.2f})", file=sys.stderr)
        reports = {}
        for contender, args in contenders.items():
            report = DATA / f"report-dask-{name}-{contender}.txt"
            before = running.cpu() if running and contender == "dask-running" else (0.0, 0.0)
            run = run_once([*args, "-o", str(report), str(target)], rnd=rnd)
            if running and contender == "dask-running":  # not the client's children
                scheduler, workers_cpu = (b - a for a, b in zip(before, running.cpu(), strict=True))
                run.cpu += scheduler + workers_cpu
                worker_cpu.append(workers_cpu)
            if run.code not in (0, 1):
                sys.exit(f"{contender} failed on {target} (exit {run.code}): {run.err[-300:]}")
            rows[contender].runs.append(run)
            reports[contender] = report.read_bytes()
        for contender in contenders:
            if contender != "micsN":
                compared += 1
                same += reports[contender] == reports["micsN"]
    size = sum(p.stat().st_size for p in _files(target))
    return {
        "name": name,
        "target": target,
        "lines": lines,
        "size": size,
        "rows": rows,
        "loads": loads,
        "worker_cpu": Spread(worker_cpu),
        "identical": (same, compared),
    }


def _files(target: Path) -> list[Path]:
    return sorted(target.glob("*.ndjson")) if target.is_dir() else [target]


def overhead(res: dict, contender: str, attr: str = "wall") -> Spread:
    """The contender's wall (or CPU) time over micsN's in the same round, minus one."""
    rows = res["rows"]
    if contender not in rows:
        return Spread([])
    ratio = lambda a, b: getattr(a, attr) / getattr(b, attr) - 1  # noqa: E731
    return per_round(rows[contender], rows["micsN"], ratio)


def render(results: list[dict], workers: int) -> str:
    """The Markdown section: a line per workload and contender, then the targets."""
    out = [
        f"## The Dask engine against --jobs {workers} (issue 17: overhead ≤ {MAX_OVERHEAD:.0%})",
        "",
        "| workload | contender | wall, median [min–max] | overhead (wall) | CPU, all processes "
        "| overhead (CPU) | lines/s | peak RSS (largest process) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for res in results:
        what = f"{res['name']}: {human(res['lines'])} lines, {res['size'] / 1e6:.0f} MB"
        for name, row in res["rows"].items():
            wall, cpu = (Spread([getattr(r, a) for r in row.runs]) for a in ("wall", "cpu"))
            walls, cpus = (
                ("—", "—")
                if name == "micsN"
                else (overhead(res, name, a).fmt("+.0%", "") for a in ("wall", "cpu"))
            )
            out.append(
                f"| {what} | `{name}` ({row.label}) | {wall.fmt('.2f', ' s')} | {walls} | "
                f"{cpu.fmt('.1f', ' s')} | {cpus} | {res['lines'] / wall.med:,.0f} | "
                f"{row.median('rss_kib') / 1024:.0f} MiB |"
            )
        same, compared = res["identical"]
        loads = ", ".join(f"{x:.2f}" for x in res["loads"])
        notes.append(
            f"- {res['name']}: reports identical to micsN's in {same}/{compared} runs; "
            f"1-minute load average before each round: {loads}."
        )
        if res["worker_cpu"]:
            per = Spread([res["lines"] / c for c in res["worker_cpu"].values])
            mb = res["size"] / 1e6 / res["worker_cpu"].med
            used, rate = res["worker_cpu"].fmt(".1f", " s"), per.fmt(",.0f", " lines/s")
            notes.append(
                f"- {res['name']}: the running cluster's workers used {used} of CPU: {rate} "
                f"per worker with a core to itself ({mb:.1f} MB/s)."
            )
    out += ["", *notes, "", f"Targets (overhead ≤ {MAX_OVERHEAD:.0%}, median of rounds):", ""]
    for res in results:
        for name in ("dask-local", "dask-running"):
            if cost := overhead(res, name):
                cpu = overhead(res, name, "cpu").fmt("+.0%", "")
                verdict = "met" if cost.med <= MAX_OVERHEAD else "not met"
                out.append(
                    f"- {res['name']}, `{name}`: wall {cost.fmt('+.0%', '')}: {verdict} (CPU {cpu})"
                )
    return "\n".join(out) + "\n"


def client_memory(running: Cluster, rounds: int) -> str:
    """The client's peak RSS against the diagnostics it receives: a valid file, and files of
    100k lines every one bad (bench/generate.py --all-bad), on the running cluster. The
    client holds one file's diagnostics at a time, so the figure is per diagnostic of the
    file with the most."""
    cases = {
        "valid": [generate.ensure(100_000, bad=0.0)],
        "wrong-type": [generate.ensure(100_000, all_bad="wrong-type")],
        "four kinds": [generate.ensure(100_000, all_bad=k) for k in generate.KINDS[:4]],
    }
    out = [
        "| files | diagnostics (in the file with the most) | client peak RSS, median [min–max] "
        "| per diagnostic of that file |",
        "|---|---|---|---|",
    ]
    base = 0.0
    for name, files in cases.items():
        report = DATA / "report-dask-memory.txt"
        argv = [MICS, "check", "--isolated", "--scheduler", running.address, "-o", str(report)]
        rss = Spread([run_once([*argv, *map(str, files)]).rss_kib / 1024 for _ in range(rounds)])
        counts = dict.fromkeys(map(str, files), 0)
        for line in report.open(errors="replace"):
            path, _, rest = line.partition(":")
            if path in counts and ": MIC" in rest:
                counts[path] += 1
        most = max(counts.values())
        base = base or rss.med
        per = f"{(rss.med - base) * 1024 * 1024 / most:,.0f} bytes" if most else "—"
        out.append(
            f"| {name}: {len(files)} × 100k lines | {sum(counts.values()):,} ({most:,}) | "
            f"{rss.fmt('.1f', ' MiB')} | {per} |"
        )
    return "\n".join(out) + "\n"


def section(rounds: int, workers: int, workloads: list[str], running: bool = True) -> str:
    """Every workload measured, as Markdown (bench/run.py appends it to its results)."""
    targets = {
        "file": (generate.ensure(FILE_LINES), FILE_LINES),
        "set": (ensure_set(), SET_FILES * SET_LINES),
    }
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(running_cluster(workers)) if running else None
        results = [measure(name, *targets[name], rounds, workers, cluster) for name in workloads]
    return render(results, workers)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument("--workers", type=int, default=CPUS, help=f"workers and --jobs ({CPUS})")
    parser.add_argument("--workloads", default="file,set", help="file, set or both (file,set)")
    parser.add_argument(
        "--no-running", action="store_true", help="without the already-running cluster"
    )
    parser.add_argument(
        "--client-memory",
        action="store_true",
        help="only the client's memory per diagnostic, on the running cluster",
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args()
    names = [w for w in args.workloads.split(",") if w]
    if unknown := set(names) - {"file", "set"}:
        parser.error(f"unknown workloads: {', '.join(sorted(unknown))}")
    DATA.mkdir(exist_ok=True)
    if args.client_memory:
        with running_cluster(args.workers) as running:
            text = client_memory(running, args.rounds)
    else:
        text = section(args.rounds, args.workers, names, not args.no_running)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
