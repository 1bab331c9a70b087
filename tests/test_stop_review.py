"""Stopping `--jobs` on a second signal, and the review's smaller findings (see the section
"Stopping --jobs on a second signal" of docs/decisions.md).

Each run is the installed command in its own process group (as a shell starts a job, with
SIGINT at its default: a background job of a non-interactive shell starts with it ignored),
signalled through the group, as a terminal's Ctrl-C and `timeout` do. Every wait is bounded:
a hang fails the test instead of blocking the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import base_env, installed_command

COMMAND = installed_command()
pytestmark = [
    pytest.mark.skipif(COMMAND is None, reason="the mics-lint console script is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals and process groups"),
]

HANG = 8.0  # seconds a stopped run may take to end before the test calls it a hang
ONE_LINE = {signal.SIGINT: "mics-lint: error: interrupted\n"}
ONE_LINE[signal.SIGTERM] = "mics-lint: error: terminated\n"
CODE = {signal.SIGINT: 130, signal.SIGTERM: 143}
# Two workers, and the file split into chunks (without --chunk-size, only inputs of 16 MB).
WORKERS = ["--jobs", "2", "--chunk-size", "1000000"]


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _start(args: list[str], cwd: Path, err: Path) -> subprocess.Popen[bytes]:
    assert COMMAND is not None
    with err.open("wb") as stderr:
        return subprocess.Popen(
            [COMMAND, *args],
            cwd=cwd,
            env=base_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=_default_sigint,
        )


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _busy_with_workers(proc: subprocess.Popen[bytes]) -> list[int]:
    """Waits until the run has its two workers and has checked for a while; their pids."""
    deadline = time.monotonic() + 20
    while len(workers := _children(proc.pid)) < 2:
        assert proc.poll() is None, f"mics-lint ended (exit {proc.returncode}) too soon"
        if time.monotonic() > deadline:
            pytest.skip("no /proc children list, or no workers started")
        time.sleep(0.02)
    time.sleep(0.5)  # the workers are checking chunks now
    assert proc.poll() is None, "the file is too small: the run ended before being stopped"
    return workers


def _ended(proc: subprocess.Popen[bytes], workers: list[int]) -> int:
    """The exit code; fails (after killing the group) if the run hangs or leaves workers."""
    try:
        code = proc.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        pytest.fail(f"mics-lint still running {HANG} s after it was stopped (a hang)")
    deadline = time.monotonic() + 3
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for worker in left:
        os.kill(worker, signal.SIGKILL)
    assert not left, f"workers outlived mics-lint: {left}"
    return code


@pytest.mark.parametrize(
    ("signals", "gap"),
    [
        ((signal.SIGINT, signal.SIGINT), 0.01),
        ((signal.SIGINT, signal.SIGINT), 0.3),
        ((signal.SIGINT, signal.SIGINT, signal.SIGINT), 0.05),
        ((signal.SIGTERM, signal.SIGTERM), 0.01),
        ((signal.SIGINT, signal.SIGTERM), 0.05),
        ((signal.SIGTERM, signal.SIGINT, signal.SIGTERM), 0.05),
    ],
    ids=["int-int-fast", "int-int-slow", "int-x3", "term-term", "int-term", "term-int-term"],
)
def test_signals_in_quick_succession_stop_jobs_at_once(
    tmp_path: Path, big_file: Path, signals: tuple[signal.Signals, ...], gap: float
) -> None:
    """An impatient Ctrl-C, or `timeout` (the process, then its group): the first signal
    decides the code, the others don't cut the workers' stop short."""
    err = tmp_path / "err"
    proc = _start(["check", "--isolated", *WORKERS, str(big_file)], tmp_path, err)
    workers = _busy_with_workers(proc)
    for index, number in enumerate(signals):
        if index:
            time.sleep(gap)
        os.killpg(proc.pid, number)
    code = _ended(proc, workers)
    assert (code, err.read_text()) == (CODE[signals[0]], ONE_LINE[signals[0]])


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_workers_that_do_not_finish_their_chunk_are_ended(
    tmp_path: Path, big_file: Path, number: signal.Signals
) -> None:
    """Workers that never hand their chunk in (stopped here with SIGSTOP; a swapping
    machine, a hung read): the run still ends within seconds, without them."""
    err = tmp_path / "err"
    proc = _start(["check", "--isolated", *WORKERS, str(big_file)], tmp_path, err)
    workers = _busy_with_workers(proc)
    for worker in workers:
        os.kill(worker, signal.SIGSTOP)
    os.kill(proc.pid, number)
    code = _ended(proc, workers)
    assert (code, err.read_text()) == (CODE[number], ONE_LINE[number])


@pytest.mark.parametrize("mode", [["--diff"], ["--fix", "-"], ["--jobs", "1"]])
def test_interrupted_is_the_first_line_of_stderr(
    tmp_path: Path, big_file: Path, mode: list[str]
) -> None:
    """No blank line before the error when stderr is a file (click's, after `^C`)."""
    err = tmp_path / "err"
    target = tmp_path / "copy.ndjson"
    # Four times the big file: `--fix -` writes its diagnostics to stderr once the fix is
    # done, which took 1.08 s for the big file alone on a 2-core machine of 2026-12.
    target.write_bytes(big_file.read_bytes() * 4)
    proc = _start(["check", "--isolated", *mode, str(target)], tmp_path, err)
    time.sleep(1.0)
    assert proc.poll() is None, "the run ended before being interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    code = _ended(proc, [])
    assert (code, err.read_text()) == (130, ONE_LINE[signal.SIGINT])


def _piped(args: list[str], cwd: Path, reader: str = "head -1") -> tuple[int, str]:
    """mics-lint's exit code and stderr when its output goes to `reader`."""
    script = f'"$0" {" ".join(args)} 2>err.txt | {reader}; echo "${{PIPESTATUS[0]}}" > rc.txt'
    assert COMMAND is not None
    subprocess.run(
        ["bash", "-c", script, COMMAND],
        cwd=cwd,
        env=base_env(),
        stdout=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )
    return int((cwd / "rc.txt").read_text()), (cwd / "err.txt").read_text()


def test_a_listing_cut_short_by_its_reader_exits_0(tmp_path: Path) -> None:
    # `rules` writes its table in one go: a reader that leaves at once breaks the pipe.
    for _ in range(5):
        assert _piped(["rules"], tmp_path, "true") == (0, "")
        assert _piped(["rules", "--output-format", "json"], tmp_path, "head -c 1") == (0, "")


def test_a_check_cut_short_by_its_reader(tmp_path: Path, big_file: Path) -> None:
    """--exit-zero: 0. Otherwise 1: errors were found, or not every line was checked."""
    warnings = tmp_path / "warnings.ndjson"
    warnings.write_bytes(b"{}\n\n" * 150_000)  # MIC004 (blank lines): warnings only
    plain = ["check", "--isolated", "--jobs", "1"]
    assert _piped([*plain, "--exit-zero", str(big_file)], tmp_path) == (0, "")
    assert _piped([*plain, str(big_file)], tmp_path) == (1, "")
    assert _piped([*plain, "--select", "MIC004", str(warnings)], tmp_path) == (1, "")
    assert _piped([*plain, "--exit-zero", "--select", "MIC004", str(warnings)], tmp_path) == (
        0,
        "",
    )


@pytest.mark.parametrize("value", ["auto", "AUTO"])
def test_jobs_auto_is_the_cpu_count(tmp_path: Path, value: str) -> None:
    assert COMMAND is not None
    clean = tmp_path / "clean.ndjson"
    clean.write_text('{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}\n')
    done = subprocess.run(
        [COMMAND, "check", "--isolated", "--jobs", value, str(clean)],
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    refused = subprocess.run(
        [COMMAND, "check", "--isolated", "--jobs", "some", str(clean)],
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "'some' is not a number of processes, or auto" in refused.stderr
