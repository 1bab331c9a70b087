"""How much faster two processes can go on this machine: the ceiling of `--jobs N`.

The orjson parse-only loop (bench/run.py's, the same code) over a whole file, against N of
the same loops run at once, each over a part of the file (its lines cut in N runs, written
to files before timing), in interleaved rounds; reported: each round's speed-up (whole /
parts), median [min-max]. No work of mics-lint's is in it: two loops that share nothing but
the machine (its cores, caches, memory and neighbours) show what issue 14's "`--jobs 2` at
least 1.75x faster than `--jobs 1`" can be on it at best.

    python bench/parallel_ceiling.py bench/data/profiles-1000000-bad0.01-s7.ndjson
    python bench/parallel_ceiling.py FILE --jobs 2 --rounds 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import PARSE_ONLY


def parts(source: Path, count: int, folder: Path) -> list[Path]:
    """`source`'s lines cut in `count` runs of about equal bytes, each a file in `folder`."""
    size = source.stat().st_size
    made = [folder / f"part{n}.ndjson" for n in range(count)]
    with source.open("rb") as read:
        for n, path in enumerate(made):
            with path.open("wb") as write:
                written = 0
                for line in read:
                    write.write(line)
                    written += len(line)
                    if n < count - 1 and written >= size // count:
                        break
    return made


def timed(files: list[Path]) -> float:
    """Wall seconds of one orjson loop per file, all started at once."""
    start = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-c", PARSE_ONLY, str(f)]) for f in files]
    for process in running:
        if process.wait() != 0:
            raise SystemExit(f"the orjson loop failed on {process.args[-1]}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.jobs < 2 or args.rounds < 1:
        parser.error("--jobs must be at least 2 and --rounds at least 1")
    with tempfile.TemporaryDirectory() as folder:
        cut = parts(args.file, args.jobs, Path(folder))
        speedups, wholes, splits = [], [], []
        for _ in range(args.rounds):
            wholes.append(timed([args.file]))
            splits.append(timed(cut))
            speedups.append(wholes[-1] / splits[-1])
    print(f"{args.file.name}: the orjson loop whole against {args.jobs} loops over its parts")
    print(f"whole: {statistics.median(wholes):.2f} s; parts: {statistics.median(splits):.2f} s")
    print(
        f"speed-up, median of {args.rounds} rounds: {statistics.median(speedups):.2f}x "
        f"[{min(speedups):.2f}-{max(speedups):.2f}]"
    )


if __name__ == "__main__":
    main()
