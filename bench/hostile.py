"""Time and peak memory of `mics-lint check` on hostile inputs (issue 5's size extremes).

    python bench/hostile.py [--out bench/hostile.md] [--quick] [--only TEXT]

Each case is generated in a temporary folder, checked by the installed `mics-lint` as a
subprocess (wall time, and peak RSS from GNU time), and listed with its exit code and the
codes it reported (with `--max-diagnostics 10` where a case reports on every line).
`--quick` makes each case ten times smaller; `--only TEXT` runs the cases whose name holds
TEXT. docs/robustness.md quotes the table: the size extremes of issue 5, and exports
written as one JSON document (pretty-printed, or an array), a new user's usual slip.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MIB = 1024 * 1024


def _profile_line(text: str) -> bytes:
    return (
        b'{"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,'
        b'"user_profile":{"notes":"' + text.encode() + b'"}}\n'
    )


def huge_valid_line(folder: Path, scale: int) -> list[str]:
    path = folder / "huge-line.ndjson"
    with path.open("wb") as out:
        out.write(_profile_line("x"))
        out.write(b'{"operation":"UPSERT","email_hash":"7be01d","force_replace":false,')
        out.write(b'"user_profile":{"notes":"')
        block = b"y" * MIB
        for _ in range(200 // scale):
            out.write(block)
        out.write(b'"}}\n')
        out.write(_profile_line("z").replace(b"3f2a9c", b"c0ffee"))
    return [str(path)]


def huge_garbage_no_newline(folder: Path, scale: int) -> list[str]:
    path = folder / "garbage.ndjson"
    with path.open("wb") as out:
        block = b"abcdefgh" * (MIB // 8)
        for _ in range(200 // scale):
            out.write(block)
    return [str(path)]


def tiny_valid_lines(folder: Path, scale: int) -> list[str]:
    path = folder / "tiny-valid.ndjson"
    count = 10_000_000 // scale
    with path.open("wb") as out:
        step = 100_000
        for first in range(0, count, step):
            out.write(
                b"".join(
                    b'{"operation":"DELETE","user_agent_id":"vec:%d"}\n' % n
                    for n in range(first, min(count, first + step))
                )
            )
    return [str(path)]


def tiny_bad_lines(folder: Path, scale: int) -> list[str]:
    path = folder / "tiny-bad.ndjson"
    path.write_bytes(b"{}\n" * (1_000_000 // scale))
    return [str(path), "--max-diagnostics", "10"]


def deep_nesting(folder: Path, scale: int) -> list[str]:
    path = folder / "deep.ndjson"
    depth = 100_000
    path.write_bytes(b"[" * depth + b"]" * depth + b"\n" + b'{"a":' * depth + b"1" + b"}" * depth)
    return [str(path)]


def many_keys(folder: Path, scale: int) -> list[str]:
    path = folder / "many-keys.ndjson"
    count = 100_000 // scale
    top = {"operation": "DELETE", "email_hash": "3f2a9c"} | {f"k{i}": i for i in range(count)}
    inside = {"operation": "UPSERT", "email_hash": "7be01d", "force_replace": False}
    inside["user_profile"] = {f"k{i}": i for i in range(count)}
    lines = [json.dumps(top, separators=(",", ":")), json.dumps(inside, separators=(",", ":"))]
    path.write_text("\n".join(lines) + "\n")
    return [str(path), "--max-diagnostics", "10"]


def long_numbers(folder: Path, scale: int) -> list[str]:
    path = folder / "long-numbers.ndjson"
    digits = "9" * 10_000
    path.write_text(
        '{"operation":"UPSERT","email_hash":"3f2a9c","force_replace":false,'
        f'"user_profile":{{"n":{digits}}}}}\n'
        f'{{"operation":"DELETE","compartment_id":{digits},"user_account_id":"a"}}\n'
        f'{{"operation":"DELETE","email_hash":"x","n":{digits}.5e{digits}}}\n'
    )
    return [str(path)]


def _commands(count: int) -> list[dict[str, object]]:
    """The bench generator's valid commands (bench/generate.py), as exports hold them."""
    sys.path.insert(0, str(Path(__file__).parent))
    import random

    import generate  # bench/ is not a package: found through sys.path

    rng = random.Random(7)
    pool = [generate.profile(rng) for _ in range(generate.POOL)]
    return [generate.command(rng, i, pool) for i in range(count)]


def pretty_printed_run(folder: Path, scale: int) -> list[str]:
    """`jq .` of an export: each command pretty-printed, one after another (MIC007)."""
    path = folder / "pretty-run.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for record in _commands(180_000 // scale):
            out.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    return [str(path)]


def pretty_printed_array(folder: Path, scale: int) -> list[str]:
    """`json.dump(commands, f, indent=2)`: one array over millions of lines (MIC007)."""
    path = folder / "pretty-array.json"
    path.write_text(
        json.dumps(_commands(180_000 // scale), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return [str(path)]


def array_on_one_line(folder: Path, scale: int) -> list[str]:
    """`json.dump(commands, f)`: the whole array on one line (MIC102), under 64 MiB."""
    path = folder / "array-line.json"
    path.write_text(json.dumps(_commands(100_000 // scale), ensure_ascii=False) + "\n")
    return [str(path)]


CASES: dict[str, tuple[str, Callable[[Path, int], list[str]]]] = {
    "200 MB line (valid JSON)": ("MIC010", huge_valid_line),
    "200 MB without a newline": ("MIC010", huge_garbage_no_newline),
    "10 million tiny valid lines": ("", tiny_valid_lines),
    "1 million `{}` lines": ("MIC201", tiny_bad_lines),
    "nesting 100,000 deep": ("MIC101", deep_nesting),
    "100,000 keys (top level, then profile)": ("MIC204", many_keys),
    "numbers of 10,000 digits": ("MIC104", long_numbers),
    "an export pretty-printed (jq .)": ("MIC007", pretty_printed_run),
    "an export as a pretty-printed array": ("MIC007", pretty_printed_array),
    "an export as an array on one line": ("MIC102", array_on_one_line),
}


def run_case(command: str, args: list[str], folder: Path) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MiB, exit code, codes reported) of one run, RSS by GNU time."""
    measured = folder / "time.txt"
    started = time.perf_counter()
    result = subprocess.run(
        [
            *("/usr/bin/time", "-f", "%M", "-o", str(measured)),
            *(command, "check", "--isolated", "--jobs", "1", "--output-format", "jsonl"),
            *args,
        ],
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if b"Traceback" in result.stderr:
        raise SystemExit(f"traceback on {args}:\n{result.stderr.decode()}")
    codes = sorted({json.loads(line)["code"] for line in result.stdout.splitlines()})
    rss = int(measured.read_text().split()[-1]) / 1024
    return wall, rss, result.returncode, ", ".join(codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--quick", action="store_true", help="cases ten times smaller")
    parser.add_argument("--only", default="", help="the cases whose name holds this text")
    options = parser.parse_args()
    # The mics-lint of this interpreter's environment first, as bench/run.py does.
    command = shutil.which("mics-lint", path=str(Path(sys.executable).parent)) or shutil.which(
        "mics-lint"
    )
    if command is None:
        raise SystemExit("mics-lint is not installed")
    scale = 10 if options.quick else 1
    rows = [
        "| case | input | wall s | peak RSS MiB | exit | codes reported |",
        "|---|---:|---:|---:|---:|---|",
    ]
    if not os.path.exists("/usr/bin/time"):
        raise SystemExit("needs GNU time (/usr/bin/time) for the peak RSS")
    with tempfile.TemporaryDirectory(prefix="mics-lint-hostile-") as tmp:
        for name, (expected, make) in CASES.items():
            if options.only not in name:
                continue
            folder = Path(tmp) / name.split()[0]
            folder.mkdir(exist_ok=True)
            args = make(folder, scale)
            size = sum(os.path.getsize(a) for a in args if os.path.exists(a))
            wall, rss, code, codes = run_case(command, args, folder)
            if expected not in codes:
                print(f"warning: {name}: codes {codes!r}, expected {expected}", file=sys.stderr)
            shown = codes or "-"
            rows.append(
                f"| {name} | {size / MIB:,.1f} MiB | {wall:.2f} | {rss:.0f} | {code} | {shown} |"
            )
            print(rows[-1], flush=True)
            shutil.rmtree(folder)
    table = "\n".join(rows) + "\n"
    if options.out:
        options.out.write_text(table)


if __name__ == "__main__":
    main()
