"""Time and peak memory of `mics-lint check --fix` and `--diff` on a large broken file.

    python bench/fix_memory.py [--mb 1024] [--out bench/fix-results.md]

Builds a file of about `--mb` MB from the bench generator's valid profile commands, its
framing broken the way exports break it (CRLF line ends, a blank line every 50 lines, a
comma after every 10th record, two records on every 100th line, no final newline), then
times the installed `mics-lint` as a subprocess (peak RSS from GNU time): `--diff` to
/dev/null, then `--fix` (which fixes in place, then checks what is left, in one process
with `--jobs 1` so that the RSS is the fixer's). The fixes stream: memory stays that of
a line, whatever the file's size. An orjson parse-only loop over the same file gives the
scale, as in bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import generate  # bench/ is not a package: found through sys.path

MB = 1000 * 1000


def build(path: Path, megabytes: int) -> int:
    """Writes the broken file; returns its number of records."""
    rng = random.Random(11)
    pool = [generate.profile(rng) for _ in range(generate.POOL)]
    records = 0
    with path.open("wb") as out:
        written = 0
        while written < megabytes * MB:
            line = json.dumps(generate.command(rng, records, pool), ensure_ascii=False)
            data = line.encode()
            records += 1
            if records % 100 == 0:
                data += b" " + data  # two records on a line (the same one: a MIC501 too)
                records += 1
            if records % 10 == 0:
                data += b","
            if records % 50 == 0:
                data += b"\r\n"
            data += b"\r\n"
            out.write(data)
            written += len(data)
        out.seek(out.tell() - 2)
        out.truncate()  # no final newline
    return records


def timed(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in MiB, exit code."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile() as report:
        start = time.perf_counter()
        done = subprocess.run(
            [gnu_time, "-f", "%M", "-o", report.name, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        wall = time.perf_counter() - start
        rss_kib = int(Path(report.name).read_text().split()[-1])
    return wall, rss_kib // 1024, done.returncode


def orjson_loop(path: Path) -> float:
    code = (
        "import orjson,sys\n"
        "for line in open(sys.argv[1],'rb'):\n"
        "    try: orjson.loads(line)\n"
        "    except ValueError: pass\n"
    )
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the file in MB (1024)")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()
    mics = shutil.which("mics-lint", path=os.path.dirname(sys.executable)) or "mics-lint"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "broken.ndjson"
        records = build(path, args.mb)
        size = path.stat().st_size
        base = orjson_loop(path)
        common = [mics, "check", "--isolated", "--jobs", "1", "--max-file-size", "10GB"]
        copy = Path(folder) / "copy.ndjson"
        shutil.copyfile(path, copy)
        diff = timed([*common, "--diff", str(path)])
        fix = timed([*common, "--fix", "--max-diagnostics", "10", str(path)])
        # Without MIC501, the check after the fix holds no table of users: the RSS is then
        # the fixer's (and the check's) alone.
        fix_nodup = timed([*common, "--fix", "--ignore", "MIC501", "-q", str(copy)])
        after = path.stat().st_size
    rows = [
        f"- file: {size / MB:,.0f} MB, {records:,} records, broken framing (see the script)",
        f"- orjson parse-only loop over it: {base:.1f} s",
        "",
        "| command | wall s | x orjson loop | peak RSS MiB | exit |",
        "|---|---:|---:|---:|---:|",
        f"| `check --diff` | {diff[0]:.1f} | {diff[0] / base:.2f} | {diff[1]} | {diff[2]} |",
        f"| `check --fix` (then the check of what is left) | {fix[0]:.1f} | "
        f"{fix[0] / base:.2f} | {fix[1]} | {fix[2]} |",
        f"| `check --fix --ignore MIC501` (no table of users) | {fix_nodup[0]:.1f} | "
        f"{fix_nodup[0] / base:.2f} | {fix_nodup[1]} | {fix_nodup[2]} |",
        "",
        f"Fixed file: {after / MB:,.0f} MB.",
    ]
    text = "\n".join(rows) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
