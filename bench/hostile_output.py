"""Time of the human and machine formats on lines with many diagnostics (issue 15, item 11).

    python bench/hostile_output.py [--rounds 3]

Each case is generated in a temporary folder and checked by the installed `mics-lint` as a
subprocess, in each format given, the best wall time of `--rounds` runs printed as a
Markdown table. docs/robustness.md ("Output that a CI system or a parser trusts") quotes it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def many_unknown_keys(folder: Path, keys: int) -> Path:
    """One line with `keys` unknown top-level keys: one MIC204 each."""
    pairs = ",".join(f'"unknown_key_{i}":"value{i}"' for i in range(keys))
    path = folder / f"keys-{keys}.ndjson"
    path.write_text(
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8",' + pairs + "}\n", "utf-8"
    )
    return path


def one_diagnostic_on_a_long_line(folder: Path, megabytes: float) -> Path:
    """One line of `megabytes` MB of profile values (tokens) with one MIC204."""
    count = int(megabytes * 1_000_000 / 16)
    pairs = ",".join(f'"k{i:07d}":"v{i:05d}"' for i in range(count))
    path = folder / f"long-{megabytes}.ndjson"
    path.write_text(
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","force_replace":true,'
        '"user_profile":{' + pairs + '},"tier":"x"}\n',
        "utf-8",
    )
    return path


def best(command: list[str], rounds: int) -> tuple[float, float]:
    """The best wall time and the best CPU time of the command, in seconds."""
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    walls, cpus = [], []
    for _ in range(rounds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, env=env, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--formats", default="text,full,rdjsonl")
    args = parser.parse_args()
    command = shutil.which("mics-lint") or str(Path(sys.executable).parent / "mics-lint")
    formats = args.formats.split(",")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cases = [
            ("4,000 unknown keys on one line (60 KB)", many_unknown_keys(folder, 4_000)),
            ("8,000 unknown keys on one line (120 KB)", many_unknown_keys(folder, 8_000)),
            ("one diagnostic on a 2.7 MB line", one_diagnostic_on_a_long_line(folder, 2.7)),
        ]
        print("| case | " + " | ".join(f"`{f}` wall s | `{f}` CPU s" for f in formats) + " |")
        print("|---|" + "---:|---:|" * len(formats))
        for label, path in cases:
            cells = []
            for fmt in formats:
                run = [command, "check", "--isolated", "--output-format", fmt, str(path)]
                wall, cpu = best(run, args.rounds)
                cells += [f"{wall:.2f}", f"{cpu:.2f}"]
            print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
