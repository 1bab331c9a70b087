"""`--scheduler ADDRESS` gives up on time, in one line, whatever is at the address
(mics_lint/cluster_connect.py).

Real servers, started here: a port that accepts and never answers (Dask's handshake has no
deadline of its own: the command waited for ever), an HTTP server (its answer read as a
Dask frame: a traceback after twice the timeout), a closed port; and a Ctrl-C while the
command waits for an answer (it waited twice the timeout, then printed a traceback). The
real command runs in a subprocess, as a shell starts it.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import base_env, one_error_line

if not os.environ.get("MICS_LINT_REQUIRE_EXTRAS"):
    pytest.importorskip(
        "distributed", reason="distributed is not installed: pip install -e '.[test]'"
    )

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")

TIMEOUT = 2
#: Python's start, Dask's import and the timeout, with room for a shared, loaded machine.
BOUND = 2 * TIMEOUT + 5
#: A command still running this long after it should have ended has hung: it is killed.
HUNG = 60
LINE = b'{"operation": "UPSERT", "compartment_id": "1", "user_account_id": "u1"}\n'


def test_a_port_that_never_answers_is_one_line_within_the_timeout(tmp_path: Path) -> None:
    with _silent_server() as (port, _):
        _assert_gave_up(tmp_path, port, "no answer within 2 s")


def test_a_server_answering_http_is_one_line_within_the_timeout(tmp_path: Path) -> None:
    with _http_answering() as port:
        _assert_gave_up(tmp_path, port, "does not speak Dask's protocol")


def test_an_http_server_waiting_for_a_request_line_is_one_line_within_the_timeout(
    tmp_path: Path,
) -> None:
    with _http_server() as port:
        _assert_gave_up(tmp_path, port, "no answer within 2 s")


def test_a_closed_port_is_one_line_within_the_timeout(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on (as good as sure, just after)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _assert_gave_up(tmp_path, port, "Timed out trying to connect")


def test_ctrl_c_while_connecting_stops_at_once_in_one_line(tmp_path: Path) -> None:
    # A timeout far longer than the wait: the command must not wait for it to pass.
    timeout = 10
    with _silent_server() as (port, accepted):
        command = _start(tmp_path, port, timeout)
        try:
            assert accepted.wait(HUNG), "the command never connected"
            time.sleep(0.5)  # waiting for the handshake's answer, where the old one hung
            assert command.poll() is None
            interrupted = time.monotonic()
            os.killpg(command.pid, signal.SIGINT)  # a terminal's Ctrl-C: the whole job
            code, out, err = _finish(command)
            took = time.monotonic() - interrupted
        finally:
            _kill(command)
    print(f"Ctrl-C: exit {code} {took:.2f} s after SIGINT")
    assert "Traceback" not in err, err
    assert (code, out) == (130, ""), err
    one_error_line(err, "interrupted")
    assert took < 5, f"went on for {took:.1f} s after the Ctrl-C"


@pytest.mark.parametrize("timeout", ["inf", "nan", "100000"])
def test_a_timeout_past_a_day_is_one_line_at_once(tmp_path: Path, timeout: str) -> None:
    # inf and nan pass click's FloatRange: inf was an internal error (a wait past time_t).
    started = time.monotonic()
    command = _start(tmp_path, 9, timeout)
    try:
        code, out, err = _finish(command)
    finally:
        _kill(command)
    assert "Traceback" not in err, err
    assert (code, out) == (2, ""), err
    one_error_line(err, f"--scheduler-timeout: {timeout} is not a number of seconds")
    assert time.monotonic() - started < BOUND


def _assert_gave_up(tmp_path: Path, port: int, reason: str) -> None:
    started = time.monotonic()
    command = _start(tmp_path, port, TIMEOUT)
    try:
        code, out, err = _finish(command)
    finally:
        _kill(command)
    took = time.monotonic() - started
    print(f"port {port}: exit {code} after {took:.2f} s")
    assert "Traceback" not in err, err
    assert (code, out) == (2, ""), err
    one_error_line(err, f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: ", reason)
    assert took < BOUND, f"took {took:.1f} s with --scheduler-timeout {TIMEOUT}"


def _start(tmp_path: Path, port: int, timeout: float | str) -> subprocess.Popen[bytes]:
    (tmp_path / "a.ndjson").write_bytes(LINE)
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "mics_lint", "check"),
            *("--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", str(timeout)),
            "a.ndjson",
        ],
        cwd=tmp_path,
        # An unclosed socket or event loop left behind says so (ResourceWarning) at exit.
        env=base_env(PYTHONWARNINGS="default::ResourceWarning"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own job, which a Ctrl-C stops whole
        # As a shell starts a foreground job: SIGINT is not ignored even if pytest's is.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _finish(command: subprocess.Popen[bytes]) -> tuple[int, str, str]:
    try:
        out, err = command.communicate(timeout=HUNG)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the command still ran after {HUNG} s")
    return command.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def _kill(command: subprocess.Popen[bytes]) -> None:
    if command.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(command.pid, signal.SIGKILL)
        command.communicate()


@contextlib.contextmanager
def _silent_server() -> Iterator[tuple[int, threading.Event]]:
    """A port that accepts every connection and never writes a byte; the event is set at
    the first connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)  # a blocked accept() would not see the test end
    accepted, stop = threading.Event(), threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])
                accepted.set()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        listener.close()
        for connection in held:
            connection.close()


@contextlib.contextmanager
def _http_answering() -> Iterator[int]:
    """A server that answers whatever comes as a web server answers a bad request (400,
    a page) and hangs up: Dask reads the answer as its frames' lengths."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    page = b"<html><body>400 Bad Request</body></html>"
    answer = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: %d\r\n" % len(
        page
    )

    def serve() -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                connection = listener.accept()[0]
                with connection, contextlib.suppress(OSError):
                    connection.settimeout(5)
                    connection.recv(65536)
                    connection.sendall(answer + b"Connection: close\r\n\r\n" + page)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # its "code 400, bad request" would go to the test's own stderr


@contextlib.contextmanager
def _http_server() -> Iterator[int]:
    """The standard library's HTTP server: it waits for the end of a request line that
    Dask's handshake never sends, as a port that never answers."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
