"""MIC501's user table: `BatchUsers` (batches, numpy) against a plain dict's `setdefault`.

    python bench/userstore.py [--lines 1000000 5000000] [--rounds 5] [--batch 4096]
    python bench/userstore.py --rss-only
    python bench/userstore.py --lines 1000000 --time-only --reserve

Lines of random users, 5% of them repeating an earlier user (as a join that multiplied
rows would). Time, in this process, median of `--rounds` interleaved rounds (a 2-core
machine shared with other work drifts; interleaving shares the drift): the per-line cost of

* `BatchUsers`: the two bound appends a line, and a `resolve` every `--batch` lines;
* a dict's `setdefault`, one call a line: the fastest answer in Python, at about 100 bytes a
  user (the `UserTable` MIC501 used before, an open-addressing table probed in Python at 26
  bytes a user, measured 0.78 µs a line here against BatchUsers' 0.30);

each less the same Python loop with an empty body, so that what is left is the table's own
cost. The tables grow as users come; with `--reserve` BatchUsers makes room first, as the
linter does from a file's size (at most for its RESERVE_LIMIT, 1M users).

Memory: each table in a fresh subprocess, numpy imported and the table made first;
the peak RSS reset (/proc/self/clear_refs); then RSS growth (at the end, and peak: VmHWM,
which includes growth transients) over the distinct users.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from array import array
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mics_lint.userstore import BatchUsers

REPEATS = 0.05


def users(lines: int, seed: int = 7) -> tuple[array[int], int]:
    """Digests of `lines` lines (nonzero, a kind in the low bits), and how many distinct."""
    import numpy as np

    rng = np.random.default_rng(seed)
    repeat = rng.random(lines) < REPEATS
    repeat[0] = False
    new_index = np.cumsum(~repeat) - 1  # the user a new line introduces
    distinct = int(new_index[-1]) + 1
    # A repeat names a user introduced before it: a uniform pick among those.
    index = np.where(repeat, (rng.random(lines) * (new_index + 1)).astype(np.int64), new_index)
    # splitmix64 of the user's index: distinct users, uniform bits.
    x = index.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    digests = (x & np.uint64(~3 & (2**64 - 1))) | np.uint64(1)
    out = array("Q")
    out.frombytes(digests.tobytes())
    return out, distinct


def run_empty(digests: array[int], batch: int) -> float:
    start = time.perf_counter()
    for base in range(0, len(digests), batch):
        for _lineno, _digest in enumerate(digests[base : base + batch], base + 1):
            pass
    return time.perf_counter() - start


RESERVE = False  # --reserve: both tables make room for every line's user first


def run_batch(digests: array[int], batch: int) -> float:
    table = BatchUsers()
    if RESERVE:
        table.reserve(len(digests))
    add_digest, add_line, resolve = table.add_digest, table.add_line, table.resolve
    found = 0
    start = time.perf_counter()
    for base in range(0, len(digests), batch):
        for lineno, digest in enumerate(digests[base : base + batch], base + 1):
            add_digest(digest)
            add_line(lineno)
        found += len(resolve())
    elapsed = time.perf_counter() - start
    assert found == len(digests) - table.count
    return elapsed


def run_dict(digests: array[int], batch: int) -> float:
    table: dict[int, int] = {}
    first_line = table.setdefault
    start = time.perf_counter()
    for base in range(0, len(digests), batch):
        for lineno, digest in enumerate(digests[base : base + batch], base + 1):
            first_line(digest, lineno)
    elapsed = time.perf_counter() - start
    return elapsed


RUNS: dict[str, Callable[[array[int], int], float]] = {
    "empty loop": run_empty,
    "BatchUsers add+resolve": run_batch,
    "dict.setdefault": run_dict,
}


def timing(lines: int, rounds: int, batch: int) -> None:
    digests, distinct = users(lines)
    times: dict[str, list[float]] = {name: [] for name in RUNS}
    for _ in range(rounds):
        for name, run in RUNS.items():
            times[name].append(run(digests, batch))
    empty = statistics.median(times["empty loop"]) / lines
    room = ", room reserved" if RESERVE else ""
    print(f"{lines:,} lines, {distinct:,} users, batch {batch}{room}, median of {rounds} rounds:")
    for name in list(RUNS)[1:]:
        per_line = statistics.median(times[name]) / lines
        print(
            f"  {name:24} {(per_line - empty) * 1e6:.3f} µs a line"
            f" (loop included {per_line * 1e6:.3f}, empty loop {empty * 1e6:.3f})"
        )


CHILD = """
import json, sys
sys.path.insert(0, {root!r})
import numpy  # its import is not the table's memory
from bench.userstore import users, BatchUsers

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024

lines, kind, batch = {lines}, {kind!r}, {batch}
digests, distinct = users(lines)
table = BatchUsers() if kind == "BatchUsers" else {{}}
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak so far (making the digests) is not the table's: reset it
rss = status("VmRSS")
if kind == "BatchUsers":
    add_digest, add_line, resolve = table.add_digest, table.add_line, table.resolve
    for base in range(0, lines, batch):
        for lineno, digest in enumerate(digests[base : base + batch], base + 1):
            add_digest(digest)
            add_line(lineno)
        resolve()
else:
    first_line = table.setdefault
    for lineno, digest in enumerate(digests, 1):
        first_line(digest, lineno)
print(json.dumps([distinct, status("VmRSS") - rss, status("VmHWM") - rss]))
"""


def memory(lines: int, batch: int) -> None:
    root = str(Path(__file__).resolve().parent.parent)
    for kind in ("BatchUsers", "dict"):
        code = CHILD.format(root=root, lines=lines, kind=kind, batch=batch)
        out = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout
        distinct, grown, peak = json.loads(out)
        print(
            f"  {kind:10} {lines:,} lines, {distinct:,} users: RSS growth"
            f" {grown / distinct:.1f} B a user, peak {peak / distinct:.1f} B a user"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--rss-only", action="store_true")
    parser.add_argument("--time-only", action="store_true")
    parser.add_argument(
        "--reserve",
        action="store_true",
        help="time with room made first (as the linter does from the file's size)",
    )
    args = parser.parse_args()
    global RESERVE
    RESERVE = args.reserve
    for lines in args.lines:
        if not args.rss_only:
            timing(lines, args.rounds, args.batch)
        if not args.time_only:
            print(f"memory, fresh process each, batch {args.batch}:")
            memory(lines, args.batch)


if __name__ == "__main__":
    main()
