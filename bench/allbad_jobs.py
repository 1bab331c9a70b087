"""`--jobs 2` against `--jobs 1` on files whose every line is bad (issue 15, item 14).

Two files: records that each break two rules (`{}`: MIC201 and MIC301, two diagnostics a
line) and broken lines (`{"a`: MIC101). Each is checked by the installed command with
`--jobs 1` and with `--jobs 2` (chunks of --chunk-size bytes), in interleaved rounds; for
each run: wall time, CPU time of the command and its workers (the work, whatever else the
machine runs), and the time to the first diagnostic printed. Reported: medians, and the
ratio jobs 2 / jobs 1 of each.

    python bench/allbad_jobs.py [--lines 200000] [--rounds 5] [--chunk-size 65536]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {"records": b"{}\n", "broken": b'{"a\n'}


def command() -> str:
    beside = Path(sys.executable).parent / "mics-lint"
    found = str(beside) if beside.is_file() else shutil.which("mics-lint")
    if found is None:
        sys.exit("mics-lint is not installed")
    return found


def run_once(args: list[str], cwd: Path) -> tuple[float, float, float]:
    """(wall s, CPU s of the command and its workers, s to the first line printed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    first = -1.0
    with subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as p:
        assert p.stdout is not None
        for block in iter(lambda: p.stdout.read1(1 << 16), b""):  # type: ignore[union-attr]
            if first < 0 and block:
                first = time.perf_counter() - start
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunk-size", type=int, default=64 * 1024)
    options = parser.parse_args()
    exe = command()
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "mics-lint.toml").write_text("")
        for name, line in CASES.items():
            (cwd / f"{name}.ndjson").write_bytes(line * options.lines)
        print(
            f"{options.lines:,} lines a file, {options.rounds} interleaved rounds, "
            f"chunks of {options.chunk_size:,} bytes; {os.cpu_count()} CPUs"
        )
        print("| file | jobs | wall s | CPU s | first line s | wall ratio | CPU ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name in CASES:
            runs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
            for _ in range(options.rounds):
                for jobs in (1, 2):
                    args = [exe, "check", "--jobs", str(jobs), f"{name}.ndjson"]
                    if jobs > 1:
                        args[2:2] = ["--chunk-size", str(options.chunk_size)]
                    runs[jobs].append(run_once(args, cwd))
            medians = {
                jobs: [statistics.median(r[i] for r in found) for i in range(3)]
                for jobs, found in runs.items()
            }
            for jobs, (wall, cpu, first) in medians.items():
                ratios = ""
                if jobs == 2:
                    ratios = f" {wall / medians[1][0]:.2f} | {cpu / medians[1][1]:.2f} |"
                else:
                    ratios = " | |"
                print(f"| {name} | {jobs} | {wall:.2f} | {cpu:.2f} | {first:.2f} |{ratios}")


if __name__ == "__main__":
    main()
