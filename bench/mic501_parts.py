"""Where MIC501's time goes in a `--jobs 1` run: `lint_file` with parts of it taken out.

    python bench/mic501_parts.py bench/data/profiles-1000000-bad0.01-s7.ndjson --rounds 10

Each variant runs in a fresh interpreter, the variants interleaved round by round (the
machine is shared: a round's variants share its load), and each round's CPU times are
divided by that round's `no501` (`--ignore MIC501`, numpy not imported). Medians:

- `full`: every default rule;
- `nobatch`: the users' batches answered by no table (`BatchUsers._flush` only empties its
  queue): the digests and the queue, without the table;
- `noqueue`: not even queued (the two appends a no-op builtin): the digests alone, with the
  window and numpy's import (MIC501's table imports it, and with it the cheaper screen);
- `numpy`: `--ignore MIC501`, numpy imported first: its import less its screen's gain;
- `no501`: `--ignore MIC501`.

Variants other than `full` and `no501` report fewer diagnostics: they time, they do not
check.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RUN = """
import resource, sys
sys.path.insert(0, sys.argv[1])
from mics_lint import Settings, lint_file, userstore
variant = sys.argv[3]
if variant == "nobatch":
    def _flush(self):
        del self._pending_digests[:]
        del self._pending_lines[:]
    userstore.BatchUsers._flush = _flush
if variant == "noqueue":
    made = userstore.BatchUsers.__init__
    def __init__(self):
        made(self)
        self.add_digest = self.add_line = abs
    userstore.BatchUsers.__init__ = __init__
if variant == "numpy":
    from mics_lint.pagemaps import load_numpy
    load_numpy()
ignore = (("*", ("MIC501",)),) if variant in ("numpy", "no501") else ()
before = resource.getrusage(resource.RUSAGE_SELF)
count = sum(1 for _ in lint_file(sys.argv[2], Settings(per_file_ignores=ignore)))
after = resource.getrusage(resource.RUSAGE_SELF)
print(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, count)
"""

VARIANTS = ("full", "nobatch", "noqueue", "numpy", "no501")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--checkout", default=str(ROOT), help="a folder holding mics_lint/")
    args = parser.parse_args()
    ratios: dict[str, list[float]] = {v: [] for v in VARIANTS}
    seconds: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for rnd in range(args.rounds):
        times = {}
        for variant in VARIANTS:
            argv = [sys.executable, "-c", RUN, args.checkout, str(args.file), variant]
            out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
            times[variant] = float(out.split()[0])
        for variant in VARIANTS:
            ratios[variant].append(times[variant] / times["no501"])
            seconds[variant].append(times[variant])
        print(f"round {rnd + 1}/{args.rounds}", file=sys.stderr, flush=True)
    print(f"{'variant':10} {'x no501':>8} {'CPU s':>7}   rounds")
    for variant in VARIANTS:
        spread = ", ".join(f"{r:.2f}" for r in ratios[variant])
        print(
            f"{variant:10} {statistics.median(ratios[variant]):8.3f} "
            f"{statistics.median(seconds[variant]):7.2f}   {spread}"
        )


if __name__ == "__main__":
    main()
