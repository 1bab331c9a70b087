"""Issue 18's target: `--datamart-schema` with a 30-field schema costs at most 1.5x the same
run without it, on the USER_PROFILE bench file.

    python bench/datamart.py                       # 1M lines (bench/generate.py), 5 rounds
    python bench/datamart.py --lines 200k --rounds 7
    python bench/datamart.py --full                # also the full checks alone (slow)

Each round runs, one after the other, `mics-lint check --isolated --jobs 1 -o REPORT FILE`
without a schema, then the same with `--datamart-schema bench/datamart-30.gql` (the fields
of the generated profiles, nested types and lists included, plus a few never sent), and
with `--full` the same through the Python API with the fast path off: what every file
with a schema would cost if the MIC25x rules had no fast check of their own. The ratio to
the run without a schema is taken within each round; the median over rounds is reported,
with the smallest and largest in brackets, as bench/run.py does (the machine is shared).
The two reports must be the same apart from their summary lines: the bench profiles fit
the schema, so the schema adds no diagnostic.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import default_path, generate, size_arg  # noqa: E402

SCHEMA = HERE / "datamart-30.gql"
FULL = (
    "import sys\n"
    "from mics_lint import Settings, lint_file\n"
    "settings = Settings(fast_path=False, datamart_schemas=(('*', sys.argv[2]),))\n"
    "for _ in lint_file(sys.argv[1], settings):\n"
    "    pass\n"
)


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    return took


def _body(report: Path) -> str:
    return "".join(line for line in report.open() if not line.startswith("Found "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=size_arg, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also the full checks alone")
    args = parser.parse_args()
    data = default_path(args.lines, 0.01, 7, None)
    if not data.exists():
        generate(data, args.lines)
    mics = str(Path(sys.executable).parent / "mics-lint")
    ratios: dict[str, list[float]] = {"schema": [], "full": []}
    seconds: dict[str, list[float]] = {"none": [], "schema": [], "full": []}
    with tempfile.TemporaryDirectory() as tmp:
        plain, checked = Path(tmp, "plain.txt"), Path(tmp, "schema.txt")
        base = [mics, "check", "--isolated", "--jobs", "1", "-q"]
        for round_no in range(args.rounds):
            none = _timed([*base, "-o", str(plain), str(data)])
            schema = _timed(
                [*base, "--datamart-schema", str(SCHEMA), "-o", str(checked), str(data)]
            )
            seconds["none"].append(none)
            seconds["schema"].append(schema)
            ratios["schema"].append(schema / none)
            if args.full and round_no == 0:  # once: it is several times slower
                full = _timed([sys.executable, "-c", FULL, str(data), str(SCHEMA)])
                seconds["full"].append(full)
                ratios["full"].append(full / none)
            print(
                f"round {round_no + 1}: {none:.2f} s, with the schema {schema:.2f} s "
                f"({schema / none:.2f}x)",
                file=sys.stderr,
            )
        same = _body(plain) == _body(checked)
    print(f"{data.name}, {args.lines:,} lines, schema {SCHEMA.name}, {args.rounds} rounds")
    print(f"without a schema: {statistics.median(seconds['none']):.2f} s (median)")
    for name, label in (("schema", "--datamart-schema"), ("full", "full checks alone")):
        values = ratios[name]
        if values:
            print(
                f"{label}: {statistics.median(seconds[name]):.2f} s, "
                f"{statistics.median(values):.2f}x [{min(values):.2f}-{max(values):.2f}]"
            )
    print(f"reports identical apart from the summary: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
