"""Reaching a remote Dask scheduler within `--scheduler-timeout`, whatever is at the address.

Dask's client has no deadline past the TCP connection: its handshake waits for the peer's
first message for ever (a port that accepts and never answers); a Client that fails while
being made (an HTTP server's answer, read as a frame's length) waits twice the timeout in
its `__del__` to close itself, then prints a traceback; and a Ctrl-C while it waits does
the same. So the address is first asked who it is, in an event loop of this module's own,
under asyncio.wait_for; the Client is made only for a scheduler that said so. Both happen
in a daemon thread, which the command waits for until the deadline only: the deadline or
a Ctrl-C leaves it behind, and a Client it makes after that is closed there, quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

import click

from mics_lint import remote

#: The question's deadline past the timeout of Dask's own connection: a refused port is
#: then Dask's message (it retries until its timeout), a port that never answers ours.
SLACK = 0.5
#: What the command waits past the timeout, for the thread's own deadlines to pass.
GRACE = 1.0


def reach(distributed: Any, address: str, timeout: float) -> Any:
    """A Client of the scheduler at `address`, or a one-line ClickException (exit 2), in
    at most about `timeout` + GRACE seconds; a Ctrl-C while waiting goes up at once."""
    attempt = _Attempt(distributed, address, timeout)
    threading.Thread(target=attempt.run, name="mics-lint: scheduler", daemon=True).start()
    try:
        attempt.done.wait(timeout + GRACE)  # a Ctrl-C interrupts the wait, not the thread
    except BaseException:
        late, _ = attempt.give_up()
        if late is not None:  # made just as the Ctrl-C came
            _close_quietly(late)
        raise
    client, failure = attempt.give_up()
    if client is None:
        raise click.ClickException(
            f"cannot reach the Dask scheduler at {remote.shown(address)}: "
            f"{failure or _no_answer(timeout)}"
        )
    return client


class _Attempt:
    """The thread's work, and what it hands the command under one lock: the command takes
    the Client or the reason, or gives up, and then a Client made later is closed here."""

    def __init__(self, distributed: Any, address: str, timeout: float) -> None:
        self.distributed, self.address, self.timeout = distributed, address, timeout
        self.started = time.monotonic()
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._client: Any = None
        self._failure: str | None = None
        self._given_up = False

    def run(self) -> None:
        """The thread's work: never raises (a thread's traceback would be printed)."""
        try:
            client, failure = self._made()
        except Exception as exc:  # pragma: no cover - an event loop not made (no fd left)
            client, failure = None, remote.reason(exc)
        self._hand(client, failure)

    def _made(self) -> tuple[Any, str | None]:
        """Ask, then make the Client: (it, None), or (None, why not)."""
        failure = _asked(self.distributed, self.address, self.timeout)
        if failure is not None or self._given_up:
            return None, failure
        left = max(self.started + self.timeout - time.monotonic(), SLACK)
        # Made in two steps, so that a Client failing in __init__ is still at hand: closed
        # here at once, while its loop runs, it is not collected later half made, maybe at
        # exit, where its __del__ waited twice the timeout and printed a traceback.
        client = self.distributed.Client.__new__(self.distributed.Client)
        try:
            client.__init__(self.address, timeout=f"{left}s", set_as_default=False)
        except Exception as exc:
            _close_quietly(client)
            if isinstance(exc, TimeoutError):
                return None, _no_answer(self.timeout)
            return None, remote.reason(exc)  # a scheduler's: Dask's words (versions differ)
        return client, None

    def _hand(self, client: Any, failure: str | None) -> None:
        with self._lock:
            late = self._given_up
            if not late:
                self._client, self._failure = client, failure
            self.done.set()
        if late and client is not None:
            _close_quietly(client)

    def give_up(self) -> tuple[Any, str | None]:
        """(the Client, or why there is none): from now on the thread keeps what it makes."""
        with self._lock:
            self._given_up = True
            return self._client, self._failure


def _asked(distributed: Any, address: str, timeout: float) -> str | None:
    """None if a Dask scheduler answers at `address` in time, else why not, in words."""
    loop = asyncio.new_event_loop()
    try:
        question = _identity(distributed, address, timeout)
        return loop.run_until_complete(asyncio.wait_for(question, timeout + SLACK))
    except Exception as exc:
        return _why(distributed, exc, timeout)
    finally:
        _close(loop)


def _why(distributed: Any, exc: Exception, timeout: float) -> str:
    if isinstance(exc, TimeoutError):  # before OSError, of which it is one
        return _no_answer(timeout)
    if isinstance(exc, distributed.comm.CommClosedError):
        return "the connection was closed unanswered (is a Dask scheduler listening there?)"
    if isinstance(exc, OSError):  # Dask's: refused until its timeout, unreachable, no host
        return remote.reason(exc)
    # A first message that is none of Dask's (garbage, an HTTP server's answer): what it
    # made Dask say ("Unable to allocate 3.07 EiB", for a frame's length) is no reason.
    return "what answers there does not speak Dask's protocol"


async def _identity(distributed: Any, address: str, timeout: float) -> str | None:
    # The client's own TLS settings (Dask's configuration), as the Client would use them.
    args = distributed.security.Security().get_connection_args("client")
    # deserialize=False: nothing pickled that a stranger sends is loaded.
    comm = await distributed.comm.connect(address, timeout=timeout, deserialize=False, **args)
    try:
        await comm.write({"op": "identity", "reply": True})
        answer = await comm.read()
    finally:
        comm.abort()
    kind = answer.get("type") if isinstance(answer, dict) else None
    if kind == "Scheduler":
        return None
    if isinstance(kind, str):  # a worker's or a nanny's address, given by mistake
        return f"a Dask {kind[:40]} answers there, not a scheduler"
    return "what answers there is no Dask scheduler"


def _no_answer(timeout: float) -> str:
    return f"no answer within {timeout:g} s (is a Dask scheduler listening there?)"


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left of the question and close its loop, so that nothing of it says
    "Task was destroyed" or "unclosed" at exit. Its executor is not waited for (a name
    being resolved): loop.close() lets it go."""
    with contextlib.suppress(Exception):
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def _close_quietly(client: Any) -> None:
    # The command has given its answer: nothing said about this Client would be heard.
    with contextlib.suppress(Exception):
        client.close(timeout=GRACE)
