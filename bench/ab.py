"""The same file through two checkouts of mics-lint, in one process each, side by side.

    git worktree add /tmp/old 3a2f65b
    python bench/ab.py bench/data/profiles-1000000-bad0.01-s7.ndjson /tmp/old . --rounds 3
    python bench/ab.py bench/data/activities-1000000-s7.ndjson /tmp/old . --doc-type activity

For each round: an in-process orjson parse-only loop over the file, then `lint_file` from
each checkout, with all default rules and with MIC501 ignored, each in a fresh interpreter
(`sys.path` set to the checkout). Prints, per checkout and mode, the median over rounds of
the ratio to that round's orjson loop: start-up and report writing left out, so that two
commits' engines are compared alone (bench/run.py measures whole commands).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

LINT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from mics_lint import Settings, lint_file
ignore = (("*", ("MIC501",)),) if sys.argv[3] == "no501" else ()
settings = Settings(per_file_ignores=ignore, doc_type=sys.argv[4] or None)
start = time.perf_counter()
count = sum(1 for _ in lint_file(sys.argv[2], settings))
print(time.perf_counter() - start, count)
"""

ORJSON = """
import sys, time, orjson
start = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    for line in f:
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError:
            pass
print(time.perf_counter() - start)
"""


def _seconds(code: str, *args: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return float(out.stdout.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("checkouts", nargs="+", help="folders holding mics_lint/")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--doc-type", default="", help="as --doc-type (activity, ...)")
    args = parser.parse_args()
    ratios: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        base = _seconds(ORJSON, args.file)
        for checkout in args.checkouts:
            for mode in ("all", "no501"):
                took = _seconds(LINT, checkout, args.file, mode, args.doc_type)
                ratios.setdefault((checkout, mode), []).append(took / base)
    for (checkout, mode), values in ratios.items():
        spread = ", ".join(f"{v:.2f}" for v in values)
        print(f"{checkout:30} {mode:6} {statistics.median(values):.2f}x  ({spread})")


if __name__ == "__main__":
    main()
