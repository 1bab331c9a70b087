"""The benchmark runner works end to end: `bench/run.py --quick` makes its Targets table.

Nothing here asserts a time or a ratio: the machine is shared and noisy, and the numbers are
for people to read (bench/results.md, docs/performance.md). What is checked is that every
target of the performance issue is measured and reported in a table that parses.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "bench" / "run.py"

# One figure with its spread: the median, then [min-max] (an en dash in the output).
NUMBER = r"-?\d+(?:\.\d+)?"
SPREAD = re.compile(rf"^{NUMBER}(?:×| MiB| bytes) \[{NUMBER}–{NUMBER}\]$")
ROUNDS = re.compile(r"^(\d+)/(\d+) rounds$")


def load_run() -> Any:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def targets_table(text: str) -> list[tuple[str, str, str]]:
    """The rows of the table under `## Targets`: (target, measured, met?)."""
    lines = text.splitlines()
    start = lines.index("## Targets")
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    assert [c.strip() for c in lines[header].strip("|").split("|")] == [
        "target",
        "measured: median [min–max]",
        "met?",
    ]
    assert lines[header + 1] == "|---|---|---|"
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 3, line
        rows.append((cells[0], cells[1], cells[2]))
    return rows


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One `--quick` run: its stdout and the results file it wrote."""
    out = tmp_path_factory.mktemp("bench") / "results.md"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--no-plot", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hang, not a timing assertion
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, out.read_text(encoding="utf-8")


def test_quick_run_writes_the_targets_table_first(quick: tuple[str, str]) -> None:
    stdout, written = quick
    assert written.strip() == stdout.strip()
    sections = [line for line in written.splitlines() if line.startswith("#")]
    assert sections[:2] == ["# mics-lint benchmark results", "## Targets"]


def test_every_target_is_measured_and_parses(quick: tuple[str, str]) -> None:
    rows = targets_table(quick[1])
    for target, measured, met in rows:
        assert met in ("yes", "no"), (target, measured, met)
        if found := ROUNDS.match(measured):
            assert int(found[1]) <= int(found[2])
        else:
            assert SPREAD.match(measured), (target, measured)
    for kind in ("profiles 20k", "activities 20k"):
        assert any(kind in t and "`mics1-no501` ≤ 1.25×" in t for t, _, _ in rows)
        assert any(kind in t and "`mics1` ≤ 1.5×" in t for t, _, _ in rows)
        assert any(kind in t and "≥ 1.75× faster" in t for t, _, _ in rows)
        assert any(kind in t and "byte-identical" in t for t, _, _ in rows)
    assert any("MIC501 memory ≤ 40 bytes per distinct user" in t for t, _, _ in rows)
    for kind in ("wrong-type", "unknown-field", "missing-identifier", "invalid-json"):
        assert any(f"`{kind}`" in t and "≤ 3×" in t for t, _, _ in rows), kind
    assert any(t.startswith("start-up of a 3-line check ≤ 1.5×") for t, _, _ in rows)


def test_jobs_reports_are_byte_identical(quick: tuple[str, str]) -> None:
    # Not a timing: --jobs N must say what --jobs 1 says, in every round.
    rows = [r for r in targets_table(quick[1]) if "byte-identical" in r[0]]
    assert len(rows) == 2
    for _, measured, met in rows:
        found = ROUNDS.match(measured)
        assert found and found[1] == found[2] == "3" and met == "yes", measured


def test_options(tmp_path: Path) -> None:
    run = load_run()
    quick = run.parse_args(["--quick"])
    assert (quick.sizes, quick.rounds, quick.bad_size, quick.activity_size) == (
        [20_000],
        3,
        10_000,
        20_000,
    )
    assert quick.contenders == {"mics1", "mics1-no501", "micsN"}
    full = run.parse_args([])
    assert full.sizes == [1_000, 100_000, 1_000_000] and full.rounds == 5
    assert full.activity_size == 1_000_000 and full.out == ROOT / "bench" / "results.md"
    assert full.bad_kinds == [
        "wrong-type",
        "unknown-field",
        "missing-identifier",
        "invalid-json",
        "missing-compartment",
    ]
    old = run.parse_args(
        ["--repeat", "2", "--contenders", "mics1,mics1nodup", "--other-bad-kinds", "invalid-json"]
    )
    assert old.rounds == 2 and old.contenders == {"mics1", "mics1-no501"}
    assert old.bad_kinds == ["wrong-type", "invalid-json"]
    assert run.parse_args(["--sizes", "5k", "--skip-activity"]).activity_size == 0


def test_distinct_users(tmp_path: Path) -> None:
    run = load_run()
    generate = sys.modules["generate"]
    path = tmp_path / "p.ndjson"
    generate.generate(path, 500, bad=0.0)
    assert run.distinct_users(path) == 500
    assert (tmp_path / "p.ndjson.users").read_text() == "500"
    kinds = (
        ("wrong-type", 500),
        ("missing-identifier", 0),
        ("invalid-json", 0),
        ("missing-compartment", 500),
    )
    for kind, users in kinds:
        path = tmp_path / f"{kind}.ndjson"
        generate.generate(path, 500, all_bad=kind)
        assert run.distinct_users(path) == users, kind
    records = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert all("user_account_id" in r and "compartment_id" not in r for r in records)


def test_styles_writes_the_same_commands_in_each_style(tmp_path: Path) -> None:
    """bench/styles.py: a row per type and style, each styled file the compact one's
    commands, written as that style writes them."""
    out = tmp_path / "styles.md"
    argv = [sys.executable, str(ROOT / "bench" / "styles.py"), "--lines", "2000"]
    proc = subprocess.run(
        [*argv, "--rounds", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a guard against a hang, not a timing assertion
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line.split("|") for line in out.read_text(encoding="utf-8").splitlines()]
    styles = ["compact", "crlf", "spaced", "json.dumps"]
    assert [
        (r[1].strip(), r[2].strip()) for r in rows if len(r) > 6 and r[3].strip()[:1].isdigit()
    ] == [(kind, style) for kind in ("profile", "activity") for style in styles]
    data = ROOT / "bench" / "data"
    for source in (data / "profiles-2000-bad0-s7.ndjson", data / "activities-2000-s7.ndjson"):
        commands = [json.loads(line) for line in source.read_bytes().splitlines()]
        for style in ("crlf", "spaced", "json-dumps"):
            written = source.with_name(f"{source.stem}.{style}.ndjson").read_bytes()
            assert [json.loads(line) for line in written.splitlines()] == commands
            assert (written.count(b"\r\n") == len(commands)) == (style == "crlf")
            assert (b'": ' in written) == (style != "crlf")
            assert written.isascii() == (style == "json-dumps")
