"""Benchmark runner for mics-lint: the targets of the performance issue, in interleaved rounds.

Issue 14: speed is a feature, measured by the scripts in bench/, against an orjson
parse-only loop over the same file in the same run, as the median of interleaved rounds.

    pip install matplotlib                                  # bench-only, for the plot
    npm install --prefix bench/node ajv-cli@5 @sourcemeta/jsonschema   # optional peers
    python bench/run.py                                     # sizes 1k, 100k, 1M; 5 rounds
    python bench/run.py --sizes 1k,100k,1M,4M --rounds 7
    python bench/run.py --sizes 100k --contenders mics1,micsN --no-plot   # a quick look
    python bench/run.py --quick --no-plot --out /tmp/results.md          # smoke run, < 1 min

The machine is shared and noisy, so nothing is a best-of: every figure is measured in
interleaved rounds and reported as the median over rounds, with the smallest and largest in
brackets. For each file, one round runs the orjson parse-only loop (read the lines,
`orjson.loads` each, nothing else; a subprocess, so that start-up counts the same way) and
then every contender once, round-robin; each contender's ratio is taken in that round, to
that round's orjson loop, and the median of those per-round ratios is what is reported (the
same loop timed inside this process is shown as well). A contender whose run took longer
than --budget seconds is not run again in later rounds (the rounds column says how many
were made).

Files (generated once, seeded, under bench/data/):
- for each of --sizes, a USER_PROFILE import file with 1% bad lines (bench/generate.py);
- a USER_ACTIVITY file of --activity-size lines (default: the largest size), every line
  valid (bench/generate_activities.py), checked with `--doc-type activity`;
- for the bad-lines target, --bad-size lines each of valid lines and of every line bad in
  one way (--bad-kinds of bench/generate.py's --all-bad).

Contenders:
- `mics1`: `mics-lint check --isolated --jobs 1 -o REPORT FILE` (without `--jobs` when the
  installed mics-lint has no such option);
- `mics1-no501`: the same with `--ignore MIC501` (the duplicate-user rule, the only state
  that grows with the file); `mics1nodup` is an old name for it;
- `micsN`: the same as `mics1` with `--jobs N`, N the number of CPUs (or --jobs); in each round its
  report is compared byte for byte with `mics1`'s, and its speed-up over `mics1` is taken;
- `dask`: `--scheduler local`, a LocalCluster of one single-threaded worker process per CPU
  started by each run (issue 17). With it, bench/dask_bench.py's section is added (unless
  --skip-dask-sets): `--scheduler local` and an already-running cluster against `--jobs N`
  on the 1M-line file and on a folder of 20 files of 50k lines, in interleaved rounds;
- `jsonschema`: bench/jsonschema_lines.py, the jsonschema library's Draft202012Validator with
  schemas/user_profile_import.schema.json, `iter_errors` on each line (skipped above
  --slow-max-lines lines: it runs at about 10k lines/s);
- `ajv`: ajv-cli from bench/node (if installed). ajv cannot read NDJSON: it is fed the lines
  that parse as JSON rewritten as one JSON array, against a wrapper schema
  `{"type": "array", "items": <the schema>}`, with `--spec=draft2020 --strict=false
  --all-errors`; it reports array indices, not line numbers;
- `sourcemeta`: sourcemeta `jsonschema validate --continue` from bench/node (if installed),
  fed a .jsonl file of the lines that parse as JSON (it stops at the first line that does
  not parse);
- `sketch` and `sketch-no501`: the prototype issue 14 cites as the proof that 1.5x is
  reachable (`proto.py` of shared/reference/fast-engine-sketch, found beside the checkout,
  or --sketch PATH), run with `--users array` and `--users none`, on the profile files
  only. Not mics-lint: a yardstick of this machine, whose ratios sit beside the targets.
The conversions for ajv and sourcemeta are made before timing and are not timed; lines/s and
MB/s of every contender are computed on the original file. The activity file is checked by
the mics-lint contenders only (the peers are given the profile schema).

Peak RSS and CPU time come from GNU time (/usr/bin/time) when it is there: its wait4 covers
the process and every child it waited for (the workers of `--jobs N`, node's native child),
that is, the peak of the largest single process.

Targets, in a table at the top of the output (each measured as the median of per-round
figures, [min-max]):
- `mics1-no501` at most 1.25x the orjson loop; `mics1` at most 1.5x (aim 1.3x); `micsN` at
  least 1.75x faster than `mics1`, with byte-identical reports: on the largest profile file
  (every size of 1M lines or more) and on the activity file;
- MIC501's memory: peak RSS of `mics1` minus that of `mics1-no501`, divided by the number of
  distinct users in the file (counted by a quick pass, cached beside the file), at most 40
  bytes per user;
- bad lines stay cheap: `mics-lint check --jobs 1 --max-diagnostics 10` on each every-line-bad
  file against the valid file of the same size, per round, at most 3x per line each; the
  summary line must count every diagnostic;
- start-up: `mics-lint check` on a 3-line file (docs/examples/clean_profiles.ndjson), whole
  process, against `python -c "import orjson, click"` run just before it, median of
  --startup-runs interleaved pairs, at most 1.5x.

Writes the Markdown to stdout and to --out (bench/results.md), and plots throughput against
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
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
import generate_activities

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
THREE_LINES = ROOT / "docs" / "examples" / "clean_profiles.ndjson"

ALL_CONTENDERS = (
    "mics1",
    "mics1-no501",
    "micsN",
    "dask",
    "jsonschema",
    "ajv",
    "sourcemeta",
    "sketch",
    "sketch-no501",
)
# The prototype of issue 14, where the shared references sit beside a checkout.
SKETCH = ROOT.parent / "shared" / "reference" / "fast-engine-sketch" / "proto.py"
MICS_CONTENDERS = ("mics1", "mics1-no501", "micsN")
ALIASES = {"mics1nodup": "mics1-no501"}
BAD_KINDS = {
    "wrong-type": "every compartment_id an integer",
    "unknown-field": "an unknown key on every line (forceReplace)",
    "missing-identifier": "no identifier on any line",
    "invalid-json": "a trailing comma on every line",
    "missing-compartment": "user_account_id without compartment_id on every line",
}
# What --quick and a full run use, unless the option is given.
DEFAULTS = {
    "sizes": "1k,100k,1M",
    "rounds": 5,
    "bad_size": "100k",
    "startup_runs": 10,
    "contenders": ",".join(ALL_CONTENDERS),
}
QUICK = {
    "sizes": "20k",
    "rounds": 3,
    "bad_size": "10k",
    "startup_runs": 5,
    "contenders": ",".join(MICS_CONTENDERS),
}

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
    rnd: int = -1  # the round it belongs to


@dataclass
class Spread:
    """Per-round figures: the median, and the smallest and largest."""

    values: list[float]

    def __bool__(self) -> bool:
        return bool(self.values)

    @property
    def med(self) -> float:
        return statistics.median(self.values)

    def fmt(self, spec: str = ".2f", unit: str = "×") -> str:
        if not self.values:
            return "not measured"
        lo, hi = min(self.values), max(self.values)
        return f"{self.med:{spec}}{unit} [{lo:{spec}}–{hi:{spec}}]"


@dataclass
class Row:
    name: str
    label: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""
    stopped: bool = False  # not run in later rounds (failed, or over --budget)

    def by_round(self) -> dict[int, Run]:
        return {r.rnd: r for r in self.runs}

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)


def per_round(num: Row, den: Row, f: Callable[[Run, Run], float]) -> Spread:
    """f(num's run, den's run) in every round where both ran."""
    theirs = den.by_round()
    return Spread([f(r, theirs[r.rnd]) for r in num.runs if r.rnd in theirs])


def wall_ratio(a: Run, b: Run) -> float:
    return a.wall / b.wall


def run_once(argv: list[str], stdout: Path | None = None, rnd: int = -1) -> Run:
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
    return Run(wall, rss, cpu, proc.returncode, text, rnd)


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


def user_key(record: object) -> object:
    """The user a profile or activity line names (None: none, or not a JSON object).

    The same identifier written as a string or as a number is one user (a wrong-type line).
    """
    if not isinstance(record, dict):
        return None
    keys: list[tuple[str, str]] = []
    for name in (*generate.IDENTIFIERS, "$user_agent_id", "$compartment_id", "$user_account_id"):
        if record.get(name) is not None:
            keys.append((name.lstrip("$"), str(record[name])))
    if not keys and isinstance(record.get("$user_identifiers"), list):
        keys = [("ids", orjson.dumps(record["$user_identifiers"]).decode())]
    return tuple(sorted(keys)) or None


def distinct_users(path: Path) -> int:
    """How many distinct users the file names: a quick pass, cached beside the file."""
    cache = path.with_name(path.name + ".users")
    if cache.exists() and cache.stat().st_mtime >= path.stat().st_mtime:
        return int(cache.read_text())
    seen: set[int] = set()
    loads, bad = orjson.loads, orjson.JSONDecodeError
    with path.open("rb") as f:
        for line in f:
            try:
                key = user_key(loads(line))
            except bad:
                continue
            if key is not None:
                seen.add(hash(key))
    cache.write_text(str(len(seen)))
    return len(seen)


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
    to_stdout: bool = False  # the report is its standard output


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def contenders(
    has_jobs: bool, jobs: int, doc_type: str | None = None, sketch: Path = SKETCH
) -> list[Contender]:
    """The contenders; with doc_type (the activity file), mics-lint's only."""
    typed = ["--doc-type", doc_type] if doc_type else []

    def mics(n: int, *extra: str) -> Callable[[Path, Path], list[str]]:
        j = ["--jobs", str(n)] if has_jobs else []
        return lambda f, r: [MICS, "check", "--isolated", *j, *typed, *extra, "-o", str(r), str(f)]

    ajv, sourcemeta = NODE_BIN / "ajv", NODE_BIN / "jsonschema"
    install = "not installed: npm install --prefix bench/node ajv-cli@5 @sourcemeta/jsonschema"
    ours = [
        Contender("mics1", "mics-lint --jobs 1" if has_jobs else "mics-lint (no --jobs)", mics(1)),
        Contender(
            "mics1-no501", "mics-lint --jobs 1 --ignore MIC501", mics(1, "--ignore", "MIC501")
        ),
        Contender(
            "micsN",
            f"mics-lint --jobs {jobs}",
            mics(jobs),
            "" if has_jobs else "mics-lint has no --jobs option yet",
        ),
    ]
    if doc_type:
        return ours
    # Issue 17: the Dask engine on this machine (a LocalCluster of one worker per CPU,
    # started by each run: its start-up counts), against micsN's process pool.
    dask_missing = "" if _has("distributed") else "not installed: pip install 'mics-lint[dask]'"
    dask = Contender(
        "dask",
        f"mics-lint --scheduler local ({CPUS} workers)",
        mics(1, "--scheduler", "local"),
        dask_missing if has_jobs else "mics-lint has no --scheduler option yet",
    )
    no_sketch = "" if sketch.is_file() else f"not found: {sketch} (--sketch PATH)"

    def proto(users: str) -> Callable[[Path, Path], list[str]]:
        return lambda f, r: [PYTHON, str(sketch), str(f), "--users", users, "--digits", "numpy"]

    return [
        *ours,
        dask,
        Contender(
            "sketch", "fast-engine-sketch, users array", proto("array"), no_sketch, to_stdout=True
        ),
        Contender(
            "sketch-no501", "fast-engine-sketch, no users", proto("none"), no_sketch, to_stdout=True
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
            to_stdout=True,
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
            to_stdout=True,
        ),
    ]


def human(n: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if n >= size and n % (size // 10 or 1) == 0:
            return f"{n / size:g}{unit}"
    return str(n)


def fmt_rate(x: float) -> str:
    return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.1f}k"


def last_line(path: Path) -> str:
    """The report's summary line: its last, but the fix hint that may follow it."""
    if not path.exists():
        return ""
    tail = path.read_text(errors="replace").strip().splitlines()
    tail = [line for line in tail if "can be fixed" not in line] or tail
    return tail[-1] if tail else ""


def take(row: Row, run: Run, ok: Iterable[int], budget: float, last_round: bool) -> None:
    """Keep a run in its row, or stop the row: failed, or over the budget."""
    if run.code not in ok:
        why = run.err.splitlines()[-1][:100] if run.err else ""
        row.note = f"failed, exit {run.code}: {why}"
        row.runs, row.stopped = [], True
        return
    row.runs.append(run)
    if run.wall > budget and not last_round:
        row.stopped = True
        row.note = f"not run again: over --budget ({budget:g} s)"


def run_file(
    kind: str, path: Path, lines: int, cands: list[Contender], args: argparse.Namespace
) -> dict:
    """Interleaved rounds on one file: the orjson loop, then every contender once, per round."""
    size = path.stat().st_size
    print(f"## {kind}, {human(lines)} lines: {path.name}, {size / 1e6:.1f} MB", file=sys.stderr)
    base = Row("orjson", "orjson parse-only loop (subprocess)")
    rows: list[Row] = []
    live: list[tuple[Contender, Row]] = []
    for c in cands:
        row = Row(c.name, c.label)
        if c.name not in args.contenders:
            continue
        rows.append(row)
        if c.missing:
            row.note = c.missing
        elif c.name == "jsonschema" and lines > args.slow_max_lines:
            row.note = f"skipped above {human(args.slow_max_lines)} lines (--slow-max-lines)"
        else:
            live.append((c, row))
    report = {c.name: DATA / f"report-{kind}-{lines}-{c.name}.txt" for c, _ in live}
    compared = identical = 0
    for rnd in range(args.rounds):
        last = rnd + 1 == args.rounds
        print(f"   round {rnd + 1}/{args.rounds}", file=sys.stderr, flush=True)
        b = run_once([PYTHON, "-c", PARSE_ONLY, str(path)], rnd=rnd)
        if b.code != 0:
            sys.exit(f"the orjson loop failed on {path}: {b.err}")
        base.runs.append(b)
        for c, row in live:
            if row.stopped:
                continue
            r = report[c.name]
            run = run_once(c.argv(path, r), r if c.to_stdout else None, rnd)
            take(row, run, c.ok, args.budget, last)
        ran = {row.name for _, row in live if row.runs and row.runs[-1].rnd == rnd}
        if {"mics1", "micsN"} <= ran:
            compared += 1
            identical += report["mics1"].read_bytes() == report["micsN"].read_bytes()
    named = {row.name: row for row in rows}
    speedup = Spread([])
    if "mics1" in named and "micsN" in named:
        speedup = per_round(named["mics1"], named["micsN"], wall_ratio)
        many = named["micsN"]
        if compared:
            same = f"report identical to --jobs 1 in {identical}/{compared} rounds"
            faster = f"{speedup.fmt()} faster than --jobs 1"
            many.note = "; ".join(filter(None, [faster, same, many.note]))
    if "mics1-no501" in named and named["mics1-no501"].runs and not named["mics1-no501"].note:
        named["mics1-no501"].note = "without the duplicate-user rule"
    return {
        "kind": kind,
        "lines": lines,
        "path": path,
        "size": size,
        "base": base,
        "in_proc": parse_in_process(path),
        "rows": rows,
        "speedup": speedup,
        "identical": (identical, compared),
        "summary": last_line(report["mics1"]) if "mics1" in report else "",
    }


def ratio_to_base(res: dict, row: Row) -> Spread:
    return per_round(row, res["base"], wall_ratio)


def file_table(res: dict) -> list[str]:
    lines, size, base = res["lines"], res["size"], res["base"]
    what = "USER_PROFILE" if res["kind"] == "profiles" else "USER_ACTIVITY, --doc-type activity"
    out = [
        f"### {human(lines)} lines of {what} ({size / 1e6:.1f} MB, {res['path'].name})",
        "",
        *([f"mics-lint's summary: `{res['summary']}`", ""] if res["summary"] else []),
        "| contender | wall s | lines/s | MB/s | peak RSS MiB | CPU s | x orjson loop "
        "[min–max] | rounds | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    wall = base.median("wall")
    out.append(
        f"| {base.label} | {wall:.3f} | {fmt_rate(lines / wall)} | {size / 1e6 / wall:.1f} | "
        f"{base.median('rss_kib') / 1024:.0f} | {base.median('cpu'):.2f} | 1.00 | "
        f"{len(base.runs)} | in-process loop: {res['in_proc']:.3f} s |"
    )
    for row in res["rows"]:
        if not row.runs:
            out.append(f"| {row.label} | | | | | | | 0 | {row.note} |")
            continue
        w = row.median("wall")
        out.append(
            f"| {row.label} | {w:.3f} | {fmt_rate(lines / w)} | {size / 1e6 / w:.1f} | "
            f"{row.median('rss_kib') / 1024:.0f} | {row.median('cpu'):.2f} | "
            f"{ratio_to_base(res, row).fmt(unit='')} | {len(row.runs)} | {row.note} |"
        )
    return [*out, ""]


def startup(args: argparse.Namespace) -> dict[str, Row]:
    """Interleaved: `import orjson, click`, the 3-line check, `pass`, --startup-runs times."""
    report = DATA / "report-startup.txt"
    cases = {
        'python -c "import orjson, click"': [PYTHON, "-c", "import orjson, click"],
        "mics-lint check (3-line file)": [
            MICS,
            "check",
            "--isolated",
            "-o",
            str(report),
            str(THREE_LINES),
        ],
        'python -c "pass"': [PYTHON, "-c", "pass"],
    }
    print("## start-up", file=sys.stderr)
    rows = {k: Row(k, k) for k in cases}
    for rnd in range(args.startup_runs):
        for k, argv in cases.items():
            run = run_once(argv, rnd=rnd)
            if run.code != 0:
                sys.exit(f"start-up: {k} failed, exit {run.code}: {run.err}")
            rows[k].runs.append(run)
    return rows


def bad_lines(args: argparse.Namespace, has_jobs: bool) -> dict:
    """Interleaved rounds: the valid file, then each every-line-bad file, once a round."""
    n = args.bad_size
    files = {"valid": generate.ensure(n, bad=0.0, seed=args.seed)}
    for kind in args.bad_kinds:
        files[kind] = generate.ensure(n, seed=args.seed, all_bad=kind)
    jobs = ["--jobs", "1"] if has_jobs else []
    argv = [MICS, "check", "--isolated", *jobs, "--max-diagnostics", "10", "-o"]
    print(f"## bad lines, {human(n)} lines", file=sys.stderr)
    rows = {k: Row(k, BAD_KINDS.get(k, "every line valid")) for k in files}
    for rnd in range(args.rounds):
        print(f"   round {rnd + 1}/{args.rounds}", file=sys.stderr, flush=True)
        for key, path in files.items():
            if rows[key].stopped:
                continue
            report = DATA / f"report-bad-{key}-{n}.txt"
            run = run_once([*argv, str(report), str(path)], rnd=rnd)
            take(rows[key], run, (0, 1), args.budget, rnd + 1 == args.rounds)
    out: dict = {"lines": n, "rows": rows, "files": files}
    for key in files:
        report = DATA / f"report-bad-{key}-{n}.txt"
        text = report.read_text(errors="replace") if report.exists() else ""
        summary = last_line(report)
        found = re.findall(r"([\d,]+) (?:error|warning)", summary)
        counted = sum(int(x.replace(",", "")) for x in found)
        out[key] = {
            "summary": summary,
            "shown": len(re.findall(r":\d+:\d+: MIC", text)),
            "counted": counted >= n if key != "valid" else True,
            "ratio": per_round(rows[key], rows["valid"], wall_ratio),
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


@dataclass
class Target:
    label: str
    measured: str
    met: bool | None  # None: not measured

    def line(self) -> str:
        met = "—" if self.met is None else ("yes" if self.met else "no")
        return f"| {self.label} | {self.measured} | {met} |"


def met(spread: Spread, ok: Callable[[float], bool]) -> bool | None:
    return ok(spread.med) if spread else None


def file_targets(res: dict, has_jobs: bool, jobs: int) -> list[Target]:
    named = {row.name: row for row in res["rows"]}
    what = f"{res['kind']} {human(res['lines'])}"
    out: list[Target] = []

    def ratio(name: str) -> Spread:
        row = named.get(name)
        return ratio_to_base(res, row) if row else Spread([])

    no501, one = ratio("mics1-no501"), ratio("mics1")
    out.append(
        Target(
            f"`mics1-no501` ≤ 1.25× orjson loop ({what})",
            no501.fmt(),
            met(no501, lambda x: x <= 1.25),
        )
    )
    out.append(
        Target(
            f"`mics1` ≤ 1.5× orjson loop, aim 1.3× ({what})",
            one.fmt(),
            met(one, lambda x: x <= 1.5),
        )
    )
    speed: Spread = res["speedup"]
    label = f"`micsN` (--jobs {jobs}) ≥ 1.75× faster than `mics1` ({what})"
    if has_jobs:
        out.append(Target(label, speed.fmt(), met(speed, lambda x: x >= 1.75)))
        same, compared = res["identical"]
        out.append(
            Target(
                f"`micsN` report byte-identical to `mics1`'s ({what})",
                f"{same}/{compared} rounds" if compared else "not measured",
                same == compared if compared else None,
            )
        )
    else:
        out.append(Target(label, "no --jobs option", False))
    for name in ("sketch-no501", "sketch"):
        if name in named and named[name].runs:  # a yardstick, not a target: met is "—"
            label = f"the prototype the targets came from, `{name}`, same rounds ({what})"
            out.append(Target(label, ratio(name).fmt(), None))
    if res["kind"] == "profiles":
        rows = [named[n] for n in MICS_CONTENDERS if n in named and named[n].runs]
        if rows:
            worst = max(rows, key=lambda r: r.median("rss_kib"))
            rss = Spread([r.rss_kib / 1024 for r in worst.runs])
            out.append(
                Target(
                    f"peak RSS < 64 MiB ({what}, the largest: `{worst.name}`)",
                    rss.fmt(".0f", " MiB"),
                    met(rss, lambda x: x < 64),
                )
            )
        if "mics1" in named and "mics1-no501" in named:
            users = res["users"]
            mem = per_round(
                named["mics1"],
                named["mics1-no501"],
                lambda a, b: (a.rss_kib - b.rss_kib) * 1024 / max(users, 1),
            )
            out.append(
                Target(
                    f"MIC501 memory ≤ 40 bytes per distinct user ({what}, {users:,} users; "
                    "peak RSS of `mics1` − `mics1-no501`)",
                    mem.fmt(".0f", " bytes"),
                    met(mem, lambda x: x <= 40),
                )
            )
    return out


def targets(
    results: list[dict],
    activity: dict | None,
    start: dict,
    bad: dict | None,
    has_jobs: bool,
    jobs: int,
) -> list[Target]:
    out: list[Target] = []
    big = [r for r in results if r["lines"] >= 1_000_000] or results[-1:]
    for res in big:
        out += file_targets(res, has_jobs, jobs)
    if activity:
        out += file_targets(activity, has_jobs, jobs)
    if bad:
        for kind in bad["rows"]:
            if kind == "valid":
                continue
            d = bad[kind]
            counted = "" if d["counted"] else ", NOT every diagnostic counted"
            out.append(
                Target(
                    f"{BAD_KINDS.get(kind, kind)}: µs per line ≤ 3× a valid file's "
                    f"({human(bad['lines'])} lines, `{kind}`)",
                    d["ratio"].fmt() + counted,
                    met(d["ratio"], lambda x: x <= 3) and d["counted"],
                )
            )
    if start:
        ratio = startup_ratio(start)
        out.append(
            Target(
                'start-up of a 3-line check ≤ 1.5× `python -c "import orjson, click"`',
                ratio.fmt(),
                met(ratio, lambda x: x <= 1.5),
            )
        )
    return out


def startup_ratio(start: dict[str, Row]) -> Spread:
    mics, base = start["mics-lint check (3-line file)"], start['python -c "import orjson, click"']
    return per_round(mics, base, wall_ratio)


def render(
    results: list[dict],
    activity: dict | None,
    start: dict,
    bad: dict | None,
    args: argparse.Namespace,
    has_jobs: bool,
) -> str:
    load = ", ".join(f"{x:.2f}" for x in args.load_start)
    load_end = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    goals = targets(results, activity, start, bad, has_jobs, args.jobs)
    out = [
        "# mics-lint benchmark results",
        "",
        "## Targets",
        "",
        "| target | measured: median [min–max] | met? |",
        "|---|---|---|",
        *(t.line() for t in goals),
        "",
        f"Each figure is the median over {args.rounds} interleaved rounds (start-up: "
        f"{args.startup_runs}) of a ratio taken within one round; met means the median is.",
        "",
        "## How it was measured",
        "",
        f"- when: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; "
        f"mics-lint: {args.described}{'' if has_jobs else '; no --jobs option in this build'}"
        f"{'; --quick' if args.quick else ''}",
        f"- load average (1, 5, 15 min) at the start: {load}; at the end: {load_end}",
        f"- machine: {CPUS} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"orjson {orjson.__version__}",
        f"- method: {args.rounds} interleaved rounds per file (in each, the orjson parse-only "
        "loop, then every contender once); figures are medians over rounds, ratios taken per "
        f"round to that round's orjson loop; a run over {args.budget:g} s is not run again; "
        f"every contender a subprocess; {args.bad:.0%} bad lines in the profile files, seed "
        f"{args.seed}; peak RSS "
        + ("from GNU time" if TIME else "from os.wait4, an upper bound (includes the runner's)"),
        "",
    ]
    for res in results:
        out += file_table(res)
    if activity:
        out += file_table(activity)
    if start:
        base = start['python -c "import orjson, click"']
        out += [
            "### Start-up",
            "",
            f"{args.startup_runs} interleaved runs of each, whole process; median "
            "[min–max] of the per-run ratio.",
            "",
            "| command | wall ms | x import orjson, click |",
            "|---|---:|---:|",
        ]
        for k, row in start.items():
            ratio = per_round(row, base, wall_ratio)
            out.append(f"| `{k}` | {row.median('wall') * 1000:.1f} | {ratio.fmt(unit='')} |")
        out.append("")
    if bad:
        out += [
            f"### Bad lines stay cheap ({human(bad['lines'])} lines)",
            "",
            "`mics-lint check --jobs 1 --max-diagnostics 10 -o REPORT FILE`, each file once a "
            "round; the ratio is taken per round to the valid file's time.",
            "",
            "| every line | wall s | µs per line | x valid [min–max] | peak RSS MiB | rounds "
            "| diagnostics shown | summary |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for key, row in bad["rows"].items():
            d = bad[key]
            if not row.runs:
                out.append(f"| {row.label} | | | | | 0 | | {row.note} |")
                continue
            w = row.median("wall")
            out.append(
                f"| {row.label} | {w:.3f} | {w / bad['lines'] * 1e6:.1f} | "
                f"{d['ratio'].fmt(unit='')} | {row.median('rss_kib') / 1024:.0f} | "
                f"{len(row.runs)} | {d['shown']} | `{d['summary']}` |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def plot(results: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    xs = [r["lines"] for r in results]
    ax.plot(
        xs,
        [r["lines"] / r["base"].median("wall") for r in results],
        "k--",
        marker="o",
        label="orjson parse-only loop",
    )
    for i, row0 in enumerate(results[0]["rows"]):
        pts = [
            (r["lines"], r["lines"] / r["rows"][i].median("wall"))
            for r in results
            if r["rows"][i].runs
        ]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", label=row0.label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("file size (lines, ~350 bytes each)")
    ax.set_ylabel("throughput (lines/s, whole process)")
    ax.set_title(f"mics-lint and peers, {CPUS}-CPU VM, median of interleaved rounds")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 20k-line files (bad lines: 10k), 3 rounds, 5 start-up runs, "
        "mics-lint's contenders only (options given explicitly still win)",
    )
    parser.add_argument("--sizes", help="line counts of the profile files (1k,100k,1M)")
    parser.add_argument(
        "--rounds",
        "--repeat",
        type=int,
        help="interleaved rounds per file (5); --repeat is its old name",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="do not run a contender again after a run longer than this (60 s)",
    )
    parser.add_argument(
        "--contenders",
        help=f"which to run (default: all of {','.join(ALL_CONTENDERS)}; with --quick: "
        f"{','.join(MICS_CONTENDERS)})",
    )
    parser.add_argument(
        "--slow-max-lines",
        type=generate.size_arg,
        default=1_000_000,
        help="skip the jsonschema-library contender above this size (1M)",
    )
    parser.add_argument(
        "--activity-size",
        type=generate.size_arg,
        help="lines of the USER_ACTIVITY file (default: the largest of --sizes; 0: none)",
    )
    parser.add_argument("--bad", type=float, default=0.01, help="share of bad lines (0.01)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--startup-runs", type=int, help="interleaved start-up runs (10)")
    parser.add_argument(
        "--bad-size", help="lines of the every-line-bad and valid files (100k; --quick: 10k)"
    )
    parser.add_argument(
        "--bad-kinds",
        default=",".join(BAD_KINDS),
        help=f"the every-line-bad files, kinds of bench/generate.py --all-bad "
        f"({','.join(BAD_KINDS)})",
    )
    parser.add_argument(
        "--other-bad-kinds",
        help="old option: wrong-type and these (the same as --bad-kinds wrong-type,...)",
    )
    parser.add_argument(
        "--jobs", type=int, default=CPUS, help=f"--jobs of micsN (the number of CPUs: {CPUS})"
    )
    parser.add_argument("--skip-activity", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-bad-lines", action="store_true")
    parser.add_argument(
        "--skip-dask-sets",
        action="store_true",
        help="with the dask contender, skip bench/dask_bench.py's overhead section",
    )
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Markdown results file")
    parser.add_argument(
        "--sketch", type=Path, default=SKETCH, help=f"issue 14's prototype (default: {SKETCH})"
    )
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else DEFAULTS).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.rounds < 1 or args.startup_runs < 1:
        parser.error("--rounds and --startup-runs must be at least 1")
    names = [ALIASES.get(c, c) for c in args.contenders.split(",") if c]
    if unknown := set(names) - set(ALL_CONTENDERS):
        parser.error(f"unknown contenders: {', '.join(sorted(unknown))}")
    args.contenders = set(names)
    if args.other_bad_kinds is not None:
        args.bad_kinds = ",".join(["wrong-type", args.other_bad_kinds])
    args.bad_kinds = list(dict.fromkeys(k for k in args.bad_kinds.split(",") if k))
    if unknown := set(args.bad_kinds) - set(generate.ALL_BAD_KINDS):
        parser.error(f"unknown kinds of bad lines: {', '.join(sorted(unknown))}")
    args.sizes = sorted(generate.size_arg(s) for s in args.sizes.split(","))
    args.bad_size = generate.size_arg(args.bad_size)
    if args.activity_size is None:
        args.activity_size = args.sizes[-1]
    if args.skip_activity:
        args.activity_size = 0
    return args


def main() -> None:
    args = parse_args()
    DATA.mkdir(exist_ok=True)
    has_jobs = "--jobs" in mics_help()
    before = source_digest()
    args.described, args.load_start = describe(), os.getloadavg()
    results = []
    for n in args.sizes:
        path = generate.ensure(n, bad=args.bad, seed=args.seed)
        cands = contenders(has_jobs, args.jobs, sketch=args.sketch)
        results.append(run_file("profiles", path, n, cands, args))
    activity = None
    if args.activity_size:
        path = generate_activities.ensure(args.activity_size, seed=args.seed)
        cands = contenders(has_jobs, args.jobs, doc_type="activity")
        activity = run_file("activities", path, args.activity_size, cands, args)
    dask_section = ""
    if "dask" in args.contenders and not args.skip_dask_sets:
        import dask_bench  # issue 17: the 1M-line file and 20 files of 50k, against micsN

        dask_section = dask_bench.section(args.rounds, args.jobs, ["file", "set"])
    start = {} if args.skip_startup else startup(args)
    bad = None if args.skip_bad_lines else bad_lines(args, has_jobs)
    for res in results:  # after every timed run: the pass's memory is not in any of them
        res["users"] = distinct_users(res["path"])
    text = render(results, activity, start, bad, args, has_jobs)
    if dask_section:
        text += "\n" + dask_section
    if source_digest() != before:
        text += "\n**Warning: mics_lint/'s sources changed during this run.**\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if not args.no_plot:
        try:
            plot(results)
        except ImportError:  # the results stand without it
            print(
                "plot: skipped, matplotlib is not installed (pip install matplotlib)",
                file=sys.stderr,
            )
        else:
            print(f"plot: {PLOT}", file=sys.stderr)


if __name__ == "__main__":
    main()
