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
the run without a schema is taken within each round, of wall time and of CPU time (user +
system, which a shared machine's load disturbs less); the median over rounds is reported,
with the smallest and largest in brackets, as bench/run.py does.
The two reports must be the same apart from their summary lines: the bench profiles fit
the schema, so the schema adds no diagnostic.
"""

from __future__ import annotations

import argparse
import resource
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


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


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
    # Per contender: (wall, cpu) seconds, and their ratios to that round's run without.
    runs: dict[str, list[tuple[float, float]]] = {"none": [], "schema": [], "full": []}
    with tempfile.TemporaryDirectory() as tmp:
        plain, checked = Path(tmp, "plain.txt"), Path(tmp, "schema.txt")
        base = [mics, "check", "--isolated", "--jobs", "1", "-q"]
        for round_no in range(args.rounds):
            runs["none"].append(_timed([*base, "-o", str(plain), str(data)]))
            runs["schema"].append(
                _timed([*base, "--datamart-schema", str(SCHEMA), "-o", str(checked), str(data)])
            )
            if args.full and round_no == 0:  # once: it is several times slower
                runs["full"].append(_timed([sys.executable, "-c", FULL, str(data), str(SCHEMA)]))
            (none, none_cpu), (schema, schema_cpu) = runs["none"][-1], runs["schema"][-1]
            print(
                f"round {round_no + 1}: {none:.2f} s ({none_cpu:.2f} s CPU), with the schema "
                f"{schema:.2f} s ({schema_cpu:.2f} s CPU): {schema / none:.2f}x wall, "
                f"{schema_cpu / none_cpu:.2f}x CPU",
                file=sys.stderr,
            )
        same = _body(plain) == _body(checked)
    print(f"{data.name}, {args.lines:,} lines, schema {SCHEMA.name}, {args.rounds} rounds")
    none_wall = statistics.median(w for w, _ in runs["none"])
    none_cpu = statistics.median(c for _, c in runs["none"])
    print(f"without a schema: {none_wall:.2f} s wall, {none_cpu:.2f} s CPU (medians)")
    for name, label in (("schema", "--datamart-schema"), ("full", "full checks alone")):
        pairs = list(zip(runs["none"], runs[name], strict=False))
        if not pairs:
            continue
        wall = [r[0] / n[0] for n, r in pairs]
        cpu = [r[1] / n[1] for n, r in pairs]
        print(
            f"{label}: {statistics.median(wall):.2f}x wall "
            f"[{min(wall):.2f}-{max(wall):.2f}], {statistics.median(cpu):.2f}x CPU "
            f"[{min(cpu):.2f}-{max(cpu):.2f}]"
        )
    print(f"reports identical apart from the summary: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
