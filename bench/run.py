"""Benchmark runner for mics-lint: throughput, memory, start-up and the cost of bad lines.

    pip install matplotlib                                  # bench-only, for the plot
    npm install --prefix bench/node ajv-cli@5 @sourcemeta/jsonschema   # optional peers
    python bench/run.py                                     # sizes 1k, 100k, 1M; best of 3
    python bench/run.py --sizes 1k,100k,1M,4M --repeat 3
    python bench/run.py --sizes 100k --contenders mics1,micsN --no-plot   # a quick look

For each size it generates (once, seeded, with bench/generate.py) a USER_PROFILE import file
with 1% bad lines under bench/data/, then runs every contender on it as a subprocess, in this
one run, and reports wall time, lines/s, MB/s, peak RSS, CPU time and the ratio to an orjson
parse-only loop over the same file (read the lines, `orjson.loads` each, nothing else), run as
a subprocess too so that start-up is counted the same way; the same loop timed inside this
process is shown as well. Each figure is the best of --repeat runs; a run longer than
--budget seconds is not repeated (the runs column says how many were made).

Contenders:
- `mics1`: `mics-lint check --isolated --jobs 1 -o REPORT FILE` (without `--jobs` when the
  installed mics-lint has no such option);
- `micsN`: the same with `--jobs N`, N the number of CPUs; its report is compared byte for
  byte with `mics1`'s;
- `jsonschema`: bench/jsonschema_lines.py, the jsonschema library's Draft202012Validator with
  schemas/user_profile_import.schema.json, `iter_errors` on each line (skipped above
  --slow-max-lines lines: it runs at about 10k lines/s);
- `ajv`: ajv-cli from bench/node (if installed). ajv cannot read NDJSON: it is fed the lines
  that parse as JSON rewritten as one JSON array, against a wrapper schema
  `{"type": "array", "items": <the schema>}`, with `--spec=draft2020 --strict=false
  --all-errors`; it reports array indices, not line numbers;
- `sourcemeta`: sourcemeta `jsonschema validate --continue` from bench/node (if installed),
  fed a .jsonl file of the lines that parse as JSON (it stops at the first line that does
  not parse).
The conversions for ajv and sourcemeta are made before timing and are not timed; lines/s and
MB/s of every contender are computed on the original file.

Peak RSS is `ru_maxrss` from `os.wait4` on the contender's process: on Linux, the largest
resident set of that process and of every descendant it waited for (the workers of
`--jobs N`, node's native child), that is, the peak of the largest single process.

Then two more targets of the performance issue:
- start-up: `mics-lint check` on a 3-line file (docs/examples/clean_profiles.ndjson), whole
  process, against `python -c "import orjson, click"`, best of --startup-runs;
- bad lines stay cheap: a file whose every line has compartment_id as a number against a
  valid file of the same size (--bad-size lines), `mics-lint check --jobs 1
  --max-diagnostics 10`, with the summary line checked to count every diagnostic.

Writes the Markdown tables to stdout and to bench/results.md, and plots throughput against
file size for each contender to docs/performance.png (needs matplotlib; --no-plot skips it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
SCHEMA = ROOT / "schemas" / "user_profile_import.schema.json"
NODE_BIN = BENCH / "node" / "node_modules" / ".bin"
RESULTS = BENCH / "results.md"
PLOT = ROOT / "docs" / "performance.png"
CPUS = os.cpu_count() or 1
PYTHON = sys.executable
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
MICS = shutil.which("mics-lint", path=str(Path(PYTHON).parent)) or "mics-lint"

PARSE_ONLY = """
import sys, orjson
loads, bad = orjson.loads, orjson.JSONDecodeError
with open(sys.argv[1], "rb") as f:
    for line in f:
        try:
            loads(line)
        except bad:
            pass
"""


@dataclass
class Run:
    wall: float
    rss_kib: int
    cpu: float
    code: int
    err: str = ""


@dataclass
class Row:
    name: str
    label: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def best(self) -> Run | None:
        return min(self.runs, key=lambda r: r.wall) if self.runs else None


def run_once(argv: list[str], stdout: Path | None = None) -> Run:
    """Run argv as a child process: wall time, and peak RSS and CPU time of the child.

    With GNU time (/usr/bin/time) the figures are its own wait4 on a child it forked from
    itself; without it, they come from our own os.wait4, whose ru_maxrss on Linux also counts
    this runner's resident set at the time of the fork (an upper bound, said in the results).
    """
    err_path, time_path = DATA / "stderr.txt", DATA / "time.txt"
    wrapped = [TIME, "-f", "%M %U %S", "-o", str(time_path), *argv] if TIME else argv
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(stdout.open("wb")) if stdout else subprocess.DEVNULL
        err = stack.enter_context(err_path.open("wb"))
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    text = err_path.read_text(errors="replace").strip()
    rss, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    if TIME:
        fields = time_path.read_text().strip().splitlines()[-1].split()
        rss, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
    return Run(wall, rss, cpu, proc.returncode, text)


def best_of(
    argv: list[str], repeat: int, budget: float, stdout: Path | None = None, ok: tuple = (0, 1)
) -> list[Run]:
    runs: list[Run] = []
    for _ in range(repeat):
        runs.append(run_once(argv, stdout))
        if runs[-1].wall > budget or runs[-1].code not in ok:
            break
    return runs


def parse_in_process(path: Path) -> float:
    loads, bad = orjson.loads, orjson.JSONDecodeError
    start = time.perf_counter()
    with path.open("rb") as f:
        for line in f:
            with contextlib.suppress(bad):
                loads(line)
    return time.perf_counter() - start


def source_digest() -> str:
    """A digest of mics_lint/'s sources, to tell whether they changed during the run."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "mics_lint").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def mics_help() -> str:
    return subprocess.run([MICS, "check", "--help"], capture_output=True, text=True).stdout


def derived(path: Path, kind: str) -> Path:
    """The lines of path that parse as JSON, as .jsonl or as one JSON array (not timed)."""
    target = path.with_suffix(".parseable.jsonl" if kind == "jsonl" else ".array.json")
    if target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
        return target
    tmp = target.with_suffix(target.suffix + ".tmp")
    with path.open("rb") as src, tmp.open("wb") as out:
        first = True
        if kind == "array":
            out.write(b"[")
        for line in src:
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if kind == "array":
                out.write(line.rstrip(b"\r\n") if first else b",\n" + line.rstrip(b"\r\n"))
            else:
                out.write(line)
            first = False
        if kind == "array":
            out.write(b"]\n")
    tmp.replace(target)
    return target


def ajv_schema() -> Path:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    items = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    wrapper = {"$schema": schema["$schema"], "type": "array", "items": items}
    path = DATA / "ajv-array-schema.json"
    path.write_text(json.dumps(wrapper), encoding="utf-8")
    return path


@dataclass
class Contender:
    name: str
    label: str
    argv: Callable[[Path, Path], list[str]]
    missing: str = ""
    ok: tuple = (0, 1)  # exit codes of a run that did its job (found problems or not)


def contenders(has_jobs: bool, jobs: int) -> list[Contender]:
    def mics(n: int) -> Callable[[Path, Path], list[str]]:
        extra = ["--jobs", str(n)] if has_jobs else []
        return lambda f, r: [MICS, "check", "--isolated", *extra, "-o", str(r), str(f)]

    ajv, sourcemeta = NODE_BIN / "ajv", NODE_BIN / "jsonschema"
    install = "not installed: npm install --prefix bench/node ajv-cli@5 @sourcemeta/jsonschema"
    return [
        Contender("mics1", "mics-lint --jobs 1" if has_jobs else "mics-lint (no --jobs)", mics(1)),
        Contender(
            "mics1nodup",
            "mics-lint --jobs 1 --ignore MIC501",
            lambda f, r: [*mics(1)(f, r), "--ignore", "MIC501"],
        ),
        Contender(
            "micsN",
            f"mics-lint --jobs {jobs}",
            mics(jobs),
            "" if has_jobs else "mics-lint has no --jobs option yet",
        ),
        Contender(
            "jsonschema",
            "jsonschema lib per line",
            lambda f, r: [PYTHON, str(BENCH / "jsonschema_lines.py"), str(f), str(r)],
        ),
        Contender(
            "ajv",
            "ajv-cli (JSON array)",
            lambda f, r: [
                str(ajv),
                "validate",
                "--spec=draft2020",
                "--strict=false",
                "--all-errors",
                "--errors=line",
                "-s",
                str(ajv_schema()),
                "-d",
                str(derived(f, "array")),
            ],
            "" if ajv.exists() else install,
        ),
        Contender(
            "sourcemeta",
            "sourcemeta jsonschema",
            lambda f, r: [
                str(sourcemeta),
                "validate",
                "--continue",
                str(SCHEMA),
                str(derived(f, "jsonl")),
            ],
            "" if sourcemeta.exists() else install,
            (0, 2),  # 2: some instance failed validation
        ),
    ]


def human(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % (size // 10 or 1) == 0:
            return f"{n / size:g}{unit}"
    return str(n)


def fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k"


def run_size(lines: int, args: argparse.Namespace, cands: list[Contender]) -> dict:
    path = generate.ensure(lines, bad=args.bad, seed=args.seed)
    size = path.stat().st_size
    print(f"## {human(lines)} lines: {path.name}, {size / 1e6:.1f} MB", file=sys.stderr)
    base_runs = best_of([PYTHON, "-c", PARSE_ONLY, str(path)], args.repeat, args.budget)
    in_proc = min(parse_in_process(path) for _ in range(args.repeat))
    base = min(r.wall for r in base_runs)
    rows: list[Row] = []
    reports: dict[str, Path] = {}
    for c in cands:
        row = Row(c.name, c.label)
        rows.append(row)
        if c.name not in args.contenders:
            continue
        if c.missing:
            row.note = c.missing
            continue
        if c.name == "jsonschema" and lines > args.slow_max_lines:
            row.note = f"skipped above {human(args.slow_max_lines)} lines (--slow-max-lines)"
            continue
        report = DATA / f"report-{c.name}-{lines}.txt"
        argv = c.argv(path, report)
        to_stdout = c.name in ("ajv", "sourcemeta")
        print(f"   {c.label} ...", file=sys.stderr, flush=True)
        row.runs = best_of(argv, args.repeat, args.budget, report if to_stdout else None, c.ok)
        reports[c.name] = report
        last = row.runs[-1]
        if last.code not in c.ok:
            why = last.err.splitlines()[-1][:100] if last.err else ""
            row.note = f"failed, exit {last.code}: {why}"
            row.runs = []
    many = next(r for r in rows if r.name == "micsN")
    if "mics1" in reports and "micsN" in reports and many.runs:
        same = reports["mics1"].read_bytes() == reports["micsN"].read_bytes()
        many.note = "report identical to --jobs 1" if same else "REPORT DIFFERS from --jobs 1"
    nodup = next(r for r in rows if r.name == "mics1nodup")
    if nodup.runs:
        nodup.note = "without the duplicate-user rule: its memory is the RSS difference"
    summary = ""
    if "mics1" in reports and reports["mics1"].exists():
        tail = reports["mics1"].read_text(errors="replace").strip().splitlines()
        summary = tail[-1] if tail else ""
    return {
        "lines": lines,
        "path": path,
        "size": size,
        "base": base,
        "base_runs": base_runs,
        "in_proc": in_proc,
        "rows": rows,
        "summary": summary,
    }


def size_table(res: dict) -> list[str]:
    lines, size, base = res["lines"], res["size"], res["base"]
    b = min(res["base_runs"], key=lambda r: r.wall)
    out = [
        f"### {human(lines)} lines ({size / 1e6:.1f} MB, {res['path'].name})",
        "",
        f"mics-lint's summary: `{res['summary']}`" if res["summary"] else "",
        "",
        "| contender | wall s | lines/s | MB/s | peak RSS MiB | CPU s | x orjson loop | runs "
        "| note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| orjson parse-only loop (subprocess) | {base:.3f} | {fmt_rate(lines / base)} | "
        f"{size / 1e6 / base:.1f} | {b.rss_kib / 1024:.0f} | {b.cpu:.2f} | 1.00 | "
        f"{len(res['base_runs'])} | in-process loop: {res['in_proc']:.3f} s |",
    ]
    for row in res["rows"]:
        r = row.best
        if r is None:
            if row.note:
                out.append(f"| {row.label} | | | | | | | 0 | {row.note} |")
            continue
        out.append(
            f"| {row.label} | {r.wall:.3f} | {fmt_rate(lines / r.wall)} | "
            f"{size / 1e6 / r.wall:.1f} | {r.rss_kib / 1024:.0f} | {r.cpu:.2f} | "
            f"{r.wall / base:.2f} | {len(row.runs)} | {row.note} |"
        )
    return [*(x for x in out if x is not None), ""]


def startup(args: argparse.Namespace, has_jobs: bool) -> dict:
    three = ROOT / "docs" / "examples" / "clean_profiles.ndjson"
    report = DATA / "report-startup.txt"
    cases = {
        "mics-lint check (3-line file)": [
            MICS,
            "check",
            "--isolated",
            "-o",
            str(report),
            str(three),
        ],
        'python -c "import orjson, click"': [PYTHON, "-c", "import orjson, click"],
        'python -c "pass"': [PYTHON, "-c", "pass"],
    }
    print("## start-up", file=sys.stderr)
    return {k: min(run_once(v).wall for _ in range(args.startup_runs)) for k, v in cases.items()}


def bad_lines(args: argparse.Namespace, has_jobs: bool) -> dict:
    n = args.bad_size
    valid = generate.ensure(n, bad=0.0, seed=args.seed)
    allbad = generate.ensure(n, seed=args.seed, all_bad="wrong-type")
    jobs = ["--jobs", "1"] if has_jobs else []
    print("## bad lines", file=sys.stderr)
    out: dict = {"lines": n, "others": []}
    cases = [("valid", valid, args.repeat), ("allbad", allbad, args.repeat)]
    # Other systematic mistakes, for the record (the target names the wrong type): once each.
    for kind in filter(None, args.other_bad_kinds.split(",")):
        cases.append((kind, generate.ensure(n, seed=args.seed, all_bad=kind), 1))
        out["others"].append(kind)
    for key, path, repeat in cases:
        report = DATA / f"report-{key}-{n}.txt"
        argv = [MICS, "check", "--isolated", *jobs, "--max-diagnostics", "10", "-o", str(report)]
        runs = best_of([*argv, str(path)], repeat, args.budget)
        text = report.read_text(errors="replace").strip().splitlines()
        out[key] = {
            "path": path,
            "wall": min(r.wall for r in runs),
            "runs": len(runs),
            "rss": max(r.rss_kib for r in runs),
            "summary": text[-1] if text else "",
            "shown": sum(1 for t in text if re.search(r":\d+:\d+: MIC", t)),
        }
    return out


def describe() -> str:
    """mics-lint's version, git commit, and whether mics_lint/ has uncommitted changes."""
    version = subprocess.run([MICS, "--version"], capture_output=True, text=True).stdout.strip()
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "mics_lint"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{version or '?'} at {rev or '?'}{' (mics_lint/ modified)' if dirty else ''}"


def render(
    results: list[dict], start: dict, bad: dict | None, args: argparse.Namespace, has_jobs: bool
) -> str:
    load = ", ".join(f"{x:.2f}" for x in args.load_start)
    load_end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    out = [
        "# mics-lint benchmark results",
        "",
        f"- when: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; "
        f"mics-lint: {args.described}{'' if has_jobs else '; no --jobs option in this build'}",
        f"- load average (1, 5, 15 min) at the start: {load}; at the end: {load_end}",
        f"- machine: {CPUS} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"orjson {orjson.__version__}",
        f"- method: best of {args.repeat} runs (runs over {args.budget:g} s are not repeated), "
        f"every contender a subprocess; {args.bad:.0%} bad lines, seed {args.seed}; "
        "ratios are to the orjson parse-only loop measured in the same run; peak RSS "
        + ("from GNU time" if TIME else "from os.wait4, an upper bound (includes the runner's)"),
        "",
    ]
    for res in results:
        out += size_table(res)
    if start:
        mics = start["mics-lint check (3-line file)"]
        base = start['python -c "import orjson, click"']
        out += [
            "### Start-up",
            "",
            f"Best of {args.startup_runs} runs, whole process.",
            "",
            "| command | wall ms | x import orjson, click |",
            "|---|---:|---:|",
        ]
        out += [f"| `{k}` | {v * 1000:.1f} | {v / base:.2f} |" for k, v in start.items()]
        out += ["", f"Ratio: {mics / base:.2f} (target at most 1.5).", ""]
    if bad:
        v, b = bad["valid"], bad["allbad"]
        out += [
            f"### Bad lines stay cheap ({human(bad['lines'])} lines)",
            "",
            "`mics-lint check --jobs 1 --max-diagnostics 10 -o REPORT FILE`.",
            "",
            "| file | wall s | µs per line | peak RSS MiB | runs | diagnostics shown | summary |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for name, d in (("every line valid", v), ("every compartment_id a number", b)):
            out.append(
                f"| {name} | {d['wall']:.3f} | {d['wall'] / bad['lines'] * 1e6:.1f} | "
                f"{d['rss'] / 1024:.0f} | {d['runs']} | {d['shown']} | `{d['summary']}` |"
            )
        out += ["", f"Ratio per line: {b['wall'] / v['wall']:.2f} (target at most 3).", ""]
        if bad["others"]:
            out += [
                "Other systematic mistakes, every line bad the same way (one run each; not"
                " a target): these take the full checks.",
                "",
                "| every line | wall s | µs per line | x valid | summary |",
                "|---|---:|---:|---:|---|",
            ]
            for kind in bad["others"]:
                d = bad[kind]
                out.append(
                    f"| {kind} | {d['wall']:.3f} | {d['wall'] / bad['lines'] * 1e6:.1f} | "
                    f"{d['wall'] / v['wall']:.2f} | `{d['summary']}` |"
                )
            out.append("")
    out += targets(results, start, bad, has_jobs)
    return "\n".join(out) + "\n"


def targets(results: list[dict], start: dict, bad: dict | None, has_jobs: bool) -> list[str]:
    def row(res: dict, name: str) -> Run | None:
        return next((r.best for r in res["rows"] if r.name == name), None)

    out = [
        "### Targets of the performance issue",
        "",
        "| target | measured | met? |",
        "|---|---|---|",
    ]
    big = [r for r in results if r["lines"] >= 1_000_000] or results[-1:]
    for res in big:
        one, many = row(res, "mics1"), row(res, "micsN")
        tag = human(res["lines"])
        if one:
            ratio = one.wall / res["base"]
            out.append(
                f"| 1. single process ≤ 1.5x orjson loop ({tag}) | {ratio:.2f}x | "
                f"{'yes' if ratio <= 1.5 else 'no'} |"
            )
        if one and many and has_jobs:
            speed = one.wall / many.wall
            out.append(
                f"| 2. --jobs {CPUS} ≥ 1.75x faster than --jobs 1 ({tag}) | {speed:.2f}x | "
                f"{'yes' if speed >= 1.75 else 'no'} |"
            )
        elif one:
            out.append(
                f"| 2. --jobs {CPUS} ≥ 1.75x faster than --jobs 1 ({tag}) | no --jobs | no |"
            )
        nodup = row(res, "mics1nodup")
        for r, label in (
            (one, "--jobs 1"),
            (many, f"--jobs {CPUS}"),
            (nodup, "--jobs 1 --ignore MIC501"),
        ):
            if r:
                mib = r.rss_kib / 1024
                out.append(
                    f"| 3. peak RSS < 64 MiB ({tag}, {label}) | {mib:.0f} MiB | "
                    f"{'yes' if mib < 64 else 'no'} |"
                )
        if one and nodup:
            per_user = (one.rss_kib - nodup.rss_kib) * 1024 / res["lines"]
            out.append(
                f"| 3. duplicate-user set < 32 bytes per distinct user ({tag}; RSS "
                f"difference / lines, about one user a line) | {per_user:.0f} bytes | "
                f"{'yes' if per_user < 32 else 'no'} |"
            )
    if start:
        ratio = start["mics-lint check (3-line file)"] / start['python -c "import orjson, click"']
        out.append(
            f"| 4. start-up ≤ 1.5x `import orjson, click` | {ratio:.2f}x | "
            f"{'yes' if ratio <= 1.5 else 'no'} |"
        )
    if bad:
        ratio = bad["allbad"]["wall"] / bad["valid"]["wall"]
        counted = str(bad["lines"]) in bad["allbad"]["summary"].replace(",", "")
        out.append(
            f"| 5. every-line-bad file ≤ 3x per line ({human(bad['lines'])}) | "
            f"{ratio:.2f}x{'' if counted else ', NOT every diagnostic counted'} | "
            f"{'yes' if ratio <= 3 and counted else 'no'} |"
        )
    return [*out, ""]


def plot(results: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    xs = [r["lines"] for r in results]
    ax.plot(
        xs,
        [r["lines"] / r["base"] for r in results],
        "k--",
        marker="o",
        label="orjson parse-only loop",
    )
    for i, row0 in enumerate(results[0]["rows"]):
        pts = [
            (r["lines"], r["lines"] / r["rows"][i].best.wall) for r in results if r["rows"][i].best
        ]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=row0.label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("file size (lines, ~350 bytes each)")
    ax.set_ylabel("throughput (lines/s, whole process)")
    ax.set_title(f"mics-lint and peers, {CPUS}-CPU VM, best of runs")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1k,100k,1M", help="line counts (1k,100k,1M,4M)")
    parser.add_argument("--repeat", type=int, default=3, help="best of K runs (3)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="do not repeat a run that took longer than this (60 s)",
    )
    parser.add_argument(
        "--contenders",
        default="mics1,mics1nodup,micsN,jsonschema,ajv,sourcemeta",
        help="which to run (default: all of mics1,mics1nodup,micsN,jsonschema,ajv,sourcemeta)",
    )
    parser.add_argument(
        "--slow-max-lines",
        type=generate.size_arg,
        default=1_000_000,
        help="skip the jsonschema-library contender above this size (1M)",
    )
    parser.add_argument("--bad", type=float, default=0.01, help="share of bad lines (0.01)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--startup-runs", type=int, default=10)
    parser.add_argument(
        "--bad-size",
        type=generate.size_arg,
        default=100_000,
        help="lines of the all-bad and all-valid files (100k)",
    )
    parser.add_argument(
        "--other-bad-kinds",
        default="unknown-field,missing-identifier,invalid-json",
        help="other --all-bad kinds of bench/generate.py timed once each, for the record",
    )
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-bad-lines", action="store_true")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown results file")
    args = parser.parse_args()
    args.contenders = set(args.contenders.split(","))
    DATA.mkdir(exist_ok=True)
    has_jobs = "--jobs" in mics_help()
    before = source_digest()
    args.described, args.load_start = describe(), os.getloadavg()
    cands = contenders(has_jobs, CPUS)
    sizes = sorted(generate.size_arg(s) for s in args.sizes.split(","))
    results = [run_size(n, args, cands) for n in sizes]
    start = {} if args.skip_startup else startup(args, has_jobs)
    bad = None if args.skip_bad_lines else bad_lines(args, has_jobs)
    text = render(results, start, bad, args, has_jobs)
    if source_digest() != before:
        text += "\n**Warning: mics_lint/'s sources changed during this run.**\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")
    if not args.no_plot:
        plot(results)
        print(f"plot: {PLOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
