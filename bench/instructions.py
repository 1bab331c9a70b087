"""Instructions a line, counted by valgrind: the engine's parts against the orjson loop,
the same on a busy machine as on an idle one.

    python bench/instructions.py bench/data/profiles-100000-bad0-s7.ndjson --lines 20000,60000
    python bench/instructions.py FILE --checkout /tmp/old --parts full,no501

Timings on the shared 2-core machine swing by half from one run to the next while other
work runs; the instructions a run executes do not (cachegrind, `--cache-sim=no`). They are
not time: a cache miss (MIC501's table at a million users) or a 22 KB `memcpy` costs more or
less than its count says, so bench/run.py stays the measure of the targets. This script
tells where the instructions go, and whether a change removed any.

Each part is `lint_file` over the file's first N lines (N from --lines), with the engine
patched to stop after one stage; the count of a run over the file's first lines is
subtracted (start-up, imports, the lines checked before the fast path starts), so what is
left is the cost of the lines between the two sizes, a line at a time:

- `orjson`: the orjson parse-only loop;
- `full`: every default rule;
- `no501`: without MIC501;
- `read`: `--ignore MIC501`, with the fast loop's group work left out (lines read and
  grouped, nothing checked);
- `decode`: `--ignore MIC501`, with the type's fast check replaced by one that vouches for
  every line (read, screen, decode; over a group, the loop grouploop.py writes for it);

so `decode - read` is the screens and the decode, `no501 - decode` the fast check, and
`full - no501` MIC501. Needs valgrind; about a minute for 60k profile lines.

Both sizes must be past numpy's import: MIC501's table imports it when the fast path starts,
if the file promises more than `BatchUsers.SMALL` (4,096) users, which a file's first 2,000
lines do not and its first 6,000 do. Their difference would then hold the import, about
60k instructions a line over 4,000 lines: use 20000,40000 or more.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The orjson loop bench/run.py measures, so that both scripts divide by the same loop.
from run import PARSE_ONLY as ORJSON

ROOT = Path(__file__).resolve().parent.parent


LINT = """
import sys
sys.path.insert(0, sys.argv[2])
from mics_lint import Settings, fastloop, lint_file
part = sys.argv[3]
if part == "read":
    fastloop.FastLoop._group = lambda self, group, block, lineno: []
if part == "decode":
    prepare = fastloop.FastLoop.prepare

    def vouch_all(self, *args):
        prepare(self, *args)
        if self.vouch is not None:
            self.vouch = lambda command, raw, lineno, plain: True
        if getattr(self, "vouch_group", None) is not None:  # what grouploop writes for it
            decode, errors = self.decode, self.decode_errors

            def decoded(group, lineno, plain):
                for raw in group:
                    lineno += 1
                    try:
                        decode(raw)
                    except errors as error:
                        return lineno, error, None
                return 0, True, None

            self.vouch_group = decoded

    fastloop.FastLoop.prepare = vouch_all
ignore = () if part == "full" else (("*", ("MIC501",)),)
settings = Settings(per_file_ignores=ignore, doc_type=sys.argv[4] or None)
sum(1 for _ in lint_file(sys.argv[1], settings))
"""

PARTS = ("orjson", "full", "no501", "decode", "read")


def instructions(code: str, *args: str) -> int:
    """The instructions one `python -c code args` executes (valgrind's `I refs`)."""
    out = subprocess.run(
        [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            sys.executable,
            "-c",
            code,
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    for line in out.stderr.splitlines():
        if "I   refs:" in line or "I refs:" in line:
            return int(line.split(":")[1].replace(",", ""))
    raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")


def head(source: Path, lines: int, folder: Path) -> Path:
    """The first `lines` lines of `source`, as a file in `folder`."""
    target = folder / f"{lines}-{source.name}"
    with source.open("rb") as read, target.open("wb") as write:
        for count, line in enumerate(read):
            if count == lines:
                break
            write.write(line)
    return target


def count(part: str, file: Path, checkout: str, doc_type: str) -> int:
    if part == "orjson":
        return instructions(ORJSON, str(file))
    return instructions(LINT, str(file), checkout, part, doc_type)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--lines", default="20000,60000", help="two sizes: SMALL,LARGE")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--checkout", default=str(ROOT), help="a folder holding mics_lint/")
    parser.add_argument("--doc-type", default="", help="as --doc-type (activity, ...)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not installed")
    small, large = (int(n) for n in args.lines.split(","))
    parts = [p for p in args.parts.split(",") if p]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown parts: {sorted(unknown)} (known: {', '.join(PARTS)})")
    with tempfile.TemporaryDirectory() as folder:
        files = [head(args.file, n, Path(folder)) for n in (small, large)]
        per_line = {}
        for part in dict.fromkeys(["orjson", *parts]):
            before, after = (count(part, f, args.checkout, args.doc_type) for f in files)
            per_line[part] = (after - before) / (large - small)
    base = per_line["orjson"]
    print(f"{args.file.name}, lines {small + 1} to {large}, checkout {args.checkout}")
    print(f"{'part':8} {'instructions a line':>20} {'x orjson loop':>14}")
    for part in parts:
        print(f"{part:8} {per_line[part]:>20,.0f} {per_line[part] / base:>14.2f}")


if __name__ == "__main__":
    main()
