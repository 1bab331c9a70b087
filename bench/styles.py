"""The same commands written as exporters write them: does the fast path hold?

    python bench/styles.py                     # 100k lines of each type, 5 rounds
    python bench/styles.py --lines 20000 --rounds 3 --out /tmp/styles.md
    PYTHONPATH=OTHER_CHECKOUT python bench/styles.py --out /tmp/before.md  # another version

bench/run.py's files are compact UTF-8 with LF line ends, as orjson or Spark write them.
Here the valid profile file (bench/generate.py, `--bad 0`) and the activity file
(bench/generate_activities.py) are also written as:
- `crlf`: CRLF line ends (a Windows export);
- `spaced`: Python's `json.dumps(record, ensure_ascii=False)`, a space after each `:` and `,`;
- `json.dumps`: Python's `json.dumps(record)` as it is, spaced, every non-ASCII character
  escaped as `\\uXXXX` (`"K\\u00f6ln"`).
Each file is checked by the installed command (`check --isolated --jobs 1`) and parsed by
the orjson parse-only loop of bench/run.py, in interleaved rounds. Reported: the median
over rounds of mics-lint's time over the orjson loop's on the same file, and over its own
time on the compact file of the round, with the smallest and largest.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate
import generate_activities
from run import MICS, PARSE_ONLY, PYTHON, Row, human, per_round, run_once, wall_ratio

STYLES: dict[str, Callable[[str], str]] = {
    "compact": lambda line: line,
    "crlf": lambda line: line,
    "spaced": lambda line: json.dumps(json.loads(line), ensure_ascii=False),
    "json.dumps": lambda line: json.dumps(json.loads(line)),
}


def written(source: Path, style: str) -> Path:
    """`source` rewritten in `style` (made once, beside it)."""
    if style == "compact":
        return source
    target = source.with_name(f"{source.stem}.{style.replace('.', '-')}.ndjson")
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    ending = "\r\n" if style == "crlf" else "\n"
    tmp = target.with_suffix(".tmp")
    with source.open(encoding="utf-8") as lines, tmp.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(STYLES[style](line.rstrip("\n")) + ending)
    tmp.replace(target)
    return target


def measure(files: dict[str, Path], doc_type: str, rounds: int) -> list[str]:
    """Markdown rows, one a style."""
    check = [MICS, "check", "--isolated", "--jobs", "1", "--doc-type", doc_type]
    loops = {style: Row(style, "orjson loop") for style in files}
    mics = {style: Row(style, "mics-lint") for style in files}
    for rnd in range(rounds):
        print(f"   {doc_type} round {rnd + 1}/{rounds}", file=sys.stderr, flush=True)
        for style, path in files.items():
            loops[style].runs.append(run_once([PYTHON, "-c", PARSE_ONLY, str(path)], rnd=rnd))
            run = run_once([*check, str(path)], rnd=rnd)
            if run.code not in (0, 1):
                raise SystemExit(f"{style}: exit {run.code}: {run.err[-500:]}")
            mics[style].runs.append(run)
    rows = []
    for style, path in files.items():
        to_loop = per_round(mics[style], loops[style], wall_ratio)
        to_compact = per_round(mics[style], mics["compact"], wall_ratio)
        rows.append(
            f"| {doc_type} | {style} | {path.stat().st_size / 1e6:.1f} | "
            f"{mics[style].median('wall'):.3f} | {to_loop.fmt()} | {to_compact.fmt()} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=generate.size_arg, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "styles-results.md")
    args = parser.parse_args()
    sources = {
        "profile": generate.ensure(args.lines, bad=0.0),
        "activity": generate_activities.ensure(args.lines),
    }
    table = [
        f"Each file {human(args.lines)} valid lines; {args.rounds} interleaved rounds; median "
        "[min–max] of per-round ratios.",
        "",
        "| type | written as | MB | mics-lint s | × orjson loop | × compact |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for doc_type, source in sources.items():
        files = {style: written(source, style) for style in STYLES}
        table += measure(files, doc_type, args.rounds)
    text = "\n".join(table) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
