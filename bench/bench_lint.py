"""Speed of `mics-lint check` against an orjson parse-only loop over the same file.

    python bench/bench_lint.py --lines 200000

Makes a realistic user-profile file (1% bad lines) under bench/data/, then times, in this
one run: (a) reading the lines and `orjson.loads` on each, nothing else; (b) the engine
through the public API with every default rule, writing the text report to a file. Prints
both times and the ratio b/a, the figure the performance targets are stated in.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
from pathlib import Path

import orjson

from mics_lint import lint_file
from mics_lint.reporters import Summary, TextReporter

DATA = Path(__file__).parent / "data"


def make_file(path: Path, lines: int, bad_ratio: float, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("wb") as out:
        for i in range(lines):
            kind = rng.random()
            if kind < 0.5:
                ident = {"compartment_id": "1000", "user_account_id": f"CRM-{i:08d}"}
            elif kind < 0.8:
                ident = {"email_hash": f"{rng.getrandbits(256):064x}"}
            else:
                ident = {"user_agent_id": f"vec:{rng.getrandbits(40)}"}
            if rng.random() < 0.9:
                record = {
                    "operation": "UPSERT",
                    **ident,
                    "force_replace": rng.random() < 0.3,
                    "user_profile": {
                        "first_seen": f"2026-01-{rng.randint(1, 28):02d}",
                        "tier": rng.choice(["gold", "silver", "bronze"]),
                        "score": round(rng.random(), 4),
                        "optin": rng.random() < 0.5,
                        "segments": [rng.randint(1, 500) for _ in range(rng.randint(0, 5))],
                        "address": {"city": "Paris", "zip": f"750{rng.randint(1, 20):02d}"},
                    },
                }
            else:
                record = {"operation": "DELETE", **ident}
            line = orjson.dumps(record)
            if rng.random() < bad_ratio:
                line = rng.choice(
                    [line + b",", line.replace(b'"UPSERT"', b'"upsert"'), b"{" + line[2:]]
                )
            out.write(line + b"\n")


def parse_only(path: Path) -> float:
    start = time.perf_counter()
    loads = orjson.loads
    with path.open("rb") as f:
        for line in f:
            with contextlib.suppress(orjson.JSONDecodeError):
                loads(line)
    return time.perf_counter() - start


def lint(path: Path, report: Path) -> tuple[float, int]:
    start = time.perf_counter()
    summary = Summary()
    with report.open("w") as out:
        reporter = TextReporter(out)
        for diagnostic in lint_file(path):
            reporter.report(diagnostic)
            summary.add(diagnostic)
        reporter.finish(summary)
    return time.perf_counter() - start, summary.errors + summary.warnings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--bad", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = DATA / f"profiles-{args.lines}.ndjson"
    if not path.exists():
        make_file(path, args.lines, args.bad)
    size = path.stat().st_size
    parse = min(parse_only(path) for _ in range(args.repeat))
    runs = [lint(path, DATA / "report.txt") for _ in range(args.repeat)]
    checked = min(t for t, _ in runs)
    print(f"file: {path} ({args.lines:,} lines, {size / 1e6:.1f} MB, {runs[0][1]:,} diagnostics)")
    print(f"orjson parse-only: {parse:.2f} s ({args.lines / parse:,.0f} lines/s)")
    print(f"mics-lint check:   {checked:.2f} s ({args.lines / checked:,.0f} lines/s)")
    print(f"ratio: {checked / parse:.2f}x the parse-only loop (best of {args.repeat})")


if __name__ == "__main__":
    main()
