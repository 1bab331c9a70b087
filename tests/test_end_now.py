"""The console script ends without the interpreter's teardown where nothing needs it
(exits.end_now): 8.6 ms of a small check's 77, a third of what mics-lint adds to Python's
start-up. What a run writes is all there, and where something waits for the teardown (an
atexit callback, a thread) the process ends as usual."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import base_env, write

A = '{"operation":"DELETE","email_hash":"a"}'
BAD = '{"operation":"DELETE","compartment_id":1000,"user_account_id":"CRM-%d"}'

# An object freed by the teardown says so; `setup` runs first (an atexit callback, a thread).
SCRIPT = """
import sys
class Freed:
    def __del__(self):
        sys.stdout.write("torn down\\n")
        sys.stdout.flush()
freed = Freed()
exec(sys.argv[1])
from mics_lint.cli import console
sys.argv[1:] = sys.argv[2:]
console()
"""


def _run(tmp_path: Path, setup: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, setup, *args],
        cwd=tmp_path,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_no_teardown_and_every_byte_written(tmp_path: Path) -> None:
    write(tmp_path / "x.ndjson", *(BAD % n for n in range(3000)))
    done = _run(tmp_path, "", "check", "--isolated", "--output-format", "json", "x.ndjson")
    assert done.returncode == 1, done.stderr
    assert "torn down" not in done.stdout
    report = json.loads(done.stdout)  # all of it, flushed
    assert len(report) == 3000
    done = _run(tmp_path, "", "check", "--isolated", "-o", "r.txt", "x.ndjson")
    assert done.returncode == 1 and (tmp_path / "r.txt").read_text().count("MIC202") == 3000


@pytest.mark.parametrize(
    "setup",
    [
        "import atexit; atexit.register(lambda: print('atexit ran'))",
        "import threading, time; threading.Thread(target=time.sleep, args=(0.5,)).start()",
    ],
)
def test_a_teardown_something_waits_for_is_kept(tmp_path: Path, setup: str) -> None:
    write(tmp_path / "x.ndjson", A)
    done = _run(tmp_path, setup, "check", "--isolated", "x.ndjson")
    assert done.returncode == 0, done.stderr
    assert "torn down" in done.stdout
    assert "atexit" not in setup or "atexit ran" in done.stdout


def test_jobs_end_as_usual(tmp_path: Path) -> None:
    """`--jobs 2` imports multiprocessing, whose atexit callback joins its workers."""
    write(tmp_path / "x.ndjson", *(BAD % n for n in range(2000)))
    args = ["check", "--isolated", "--jobs", "2", "--chunk-size", "16384", "x.ndjson"]
    done = _run(tmp_path, "", *args)
    assert done.returncode == 1 and done.stdout.count("MIC202") == 2000, done.stderr
    assert "torn down" in done.stdout


def test_the_console_script_collects_less_often(tmp_path: Path) -> None:
    """The collector's passes are rarer in the command's process (cli.console); the Python
    API leaves the caller's collector as it is."""
    import gc

    setup = "import gc, mics_lint.cli as cli; cli.main = lambda: print(gc.get_threshold()[0])"
    done = _run(tmp_path, setup)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:1] == ["10000"]
    before = gc.get_threshold()
    write(tmp_path / "x.ndjson", A)
    from mics_lint import lint_file

    assert list(lint_file(str(tmp_path / "x.ndjson"))) == []
    assert gc.get_threshold() == before
