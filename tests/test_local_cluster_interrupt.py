"""Ctrl-C during `--scheduler local`: one line and exit 130, not a traceback from each worker.

A terminal sends SIGINT to every process of its foreground job, Dask's worker processes
included: each printed "Process Dask Worker process (from Nanny):" and its KeyboardInterrupt's
traceback (67 lines with two workers). The workers now start with SIGINT blocked
(cluster._interrupts_kept_from_workers); the command alone stops, and closes them. The input
is a FIFO whose writer stays open, so that the run is surely still going when Ctrl-C comes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import base_env, one_error_line

if not os.environ.get("MICS_LINT_REQUIRE_EXTRAS"):
    pytest.importorskip(
        "distributed", reason="distributed is not installed: pip install -e '.[test]'"
    )

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; needs POSIX signals and FIFOs"
)

#: A command still running this long after it should have ended has hung: it is killed.
HUNG = 60
LINE = b'{"operation":"DELETE","email_hash":"3f2a9c"}\n'


def _group(pgid: int) -> list[int]:
    """The processes of process group `pgid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:  # after the name: state, ppid, pgrp
            found.append(int(entry))
    return found


def test_ctrl_c_stops_the_run_and_its_workers_in_one_line(tmp_path: Path) -> None:
    fifo = tmp_path / "a.ndjson"
    os.mkfifo(fifo)
    release = threading.Event()

    def writer() -> None:
        with open(fifo, "wb") as pipe:  # waits for the reader, as an export's pipe would
            pipe.write(LINE)
            pipe.flush()
            release.wait(HUNG)

    feeding = threading.Thread(target=writer, daemon=True)
    feeding.start()
    command = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mics_lint",
            "check",
            "--isolated",
            "--scheduler",
            "local",
            "a.ndjson",
        ],
        cwd=tmp_path,
        env=base_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own job, which a Ctrl-C stops whole
        # As a shell starts a foreground job: SIGINT is not ignored even if pytest's is.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + HUNG
        while len(_group(command.pid)) < 2 and command.poll() is None:
            assert time.monotonic() < deadline, "no worker process started"
            time.sleep(0.1)
        time.sleep(1.0)  # the workers' event loops running, where a SIGINT raised
        assert command.poll() is None, command.communicate()
        os.killpg(command.pid, signal.SIGINT)  # a terminal's Ctrl-C: the whole job
        out, err = command.communicate(timeout=HUNG)
    finally:
        release.set()
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
            command.wait()
    text = err.decode(errors="replace")
    assert "Traceback" not in text, text
    assert (command.returncode, out) == (130, b""), text
    one_error_line(text, "interrupted")
    deadline = time.monotonic() + 10
    while _group(command.pid):  # the workers went with it
        assert time.monotonic() < deadline, f"left running: {_group(command.pid)}"
        time.sleep(0.1)
