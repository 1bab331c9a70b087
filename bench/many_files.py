"""Many small files in one command: what pre-commit, or a folder of hand-edited files, asks.

    python bench/many_files.py                        # 3,000 files of 20 lines
    python bench/many_files.py --files 300 --lines 200 --rounds 7
    python bench/many_files.py --checkout /tmp/old --checkout .   # two commits side by side
    python bench/many_files.py --extra="--select MIC1,MIC3 --ignore MIC304"  # a selection

A file's fixed cost (its type told from its name and first records, its rules chosen, its
checker made) counts here, where bench/run.py's large files spread it thin. The files are
written once to bench/data/many-FILES-LINES/ (USER_PROFILE lines, a third of the files with
one line that is not JSON). In each round: an orjson parse-only loop over every file, in a
subprocess, then `python -m mics_lint check --isolated --jobs 1` from each checkout over
all of them. Printed: the median over rounds of each run's wall time, of its time a file,
and of its ratio to the round's orjson loop (smallest and largest in brackets).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

ORJSON = """
import sys, orjson
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        for line in f:
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                pass
"""


def make_files(files: int, lines: int) -> list[str]:
    folder = HERE / "data" / f"many-{files}-{lines}"
    names = [str(folder / f"profiles-{n:05d}.ndjson") for n in range(files)]
    if not folder.is_dir() or len(os.listdir(folder)) != files:
        folder.mkdir(parents=True, exist_ok=True)
        for n, name in enumerate(names):
            with open(name, "w", encoding="utf-8") as out:
                for i in range(lines):
                    command = {
                        "operation": "UPSERT",
                        "compartment_id": "1000",
                        "user_account_id": f"CRM-{n}-{i}",
                        "force_replace": True,
                        "user_profile": {"tier": "gold", "visits": i},
                    }
                    out.write(json.dumps(command, separators=(",", ":")) + "\n")
                if n % 3 == 0:
                    out.write('{"operation":"UPSERT" "user_account_id":"x"}\n')
    return names


def timed(command: list[str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    # `python -m` puts its working folder first on sys.path: the checkout's own package.
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, check=False)
    if done.returncode not in (0, 1):  # 1: problems found; anything else is no timing
        raise SystemExit(f"{command[:4]} ... exited {done.returncode}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checkout", action="append", help="a checkout to run (default: .)")
    parser.add_argument(
        "--extra",
        default="",
        help='more options of `check`, as one string: --extra="--ignore MIC501" (a '
        "config's selection and per-file-ignores cost each file, not each line)",
    )
    args = parser.parse_args()
    extra = shlex.split(args.extra)
    checkouts = [str(Path(c).resolve()) for c in args.checkout or [HERE.parent]]
    names = make_files(args.files, args.lines)
    report = str(HERE / "data" / "many-files-report.txt")
    runs: dict[str, list[tuple[float, float]]] = {c: [] for c in checkouts}
    for round_ in range(args.rounds):
        print(f"   round {round_ + 1}/{args.rounds}", file=sys.stderr)
        base = timed([sys.executable, "-c", ORJSON, *names])
        for checkout in checkouts:
            check = ["check", "--isolated", "--jobs", "1", "-q", "-o", report, *extra]
            wall = timed([sys.executable, "-m", "mics_lint", *check, *names], checkout)
            runs[checkout].append((wall, wall / base))
    print(f"{args.files} files of {args.lines} lines, {args.rounds} rounds {args.extra}".rstrip())
    for checkout, measured in runs.items():
        walls, ratios = [m[0] for m in measured], [m[1] for m in measured]
        per_file = statistics.median(walls) / args.files * 1000
        print(
            f"{checkout}: {statistics.median(walls):.2f} s, {per_file:.2f} ms a file, "
            f"{statistics.median(ratios):.2f}x the orjson loop "
            f"[{min(ratios):.2f}-{max(ratios):.2f}]"
        )


if __name__ == "__main__":
    main()
