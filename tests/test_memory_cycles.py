"""What a checked file leaves behind: nothing only the garbage collector can free.

The `mics-lint` command collects less often than Python's default (cli.GC_YOUNG). A
reference cycle made per file, or per `--jobs` chunk, then keeps that chunk's buffers, its
users' arrays and its linter until a collection comes: a worker's peak memory went from 51
to 64 MiB on the 1M-line bench file. Here each path is run with the collector off, and
what only the collector could free is looked at."""

from __future__ import annotations

import gc
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mics_lint import lint_file, tasks
from mics_lint.config import Settings
from mics_lint.fix import StreamSink, fix_stream


def _profiles(count: int) -> Iterator[str]:
    for n in range(count):
        compartment = "1000" if n % 50 != 7 else 1000  # a refused decode: an error object
        key = "force_replace" if n % 50 != 19 else "forceReplace"  # an unknown key
        yield (
            f'{{"operation":"UPSERT","compartment_id":{json.dumps(compartment)},'
            f'"user_account_id":"CRM-{n}","{key}":true,"user_profile":{{"tier":"gold"}}}}'
        )
        if n % 500 == 3:
            yield '{"operation":"UPSERT" "user_account_id":"x"}'  # not JSON: orjson's error
    yield '{"operation":"UPSERT",'  # not JSON, told without orjson


def _activities(count: int) -> Iterator[str]:
    for n in range(count):
        line = {
            "$user_agent_id": f"vec:{n}",
            "$type": "SITE_VISIT",
            "$session_status": "NO_SESSION",
            "$ts": 1700000000000 + n,
            "$events": [{"$event_name": "view", "$ts": 1700000000000, "$properties": {}}],
        }
        if n % 50 == 7:
            line["$ts"] = "soon"
        yield json.dumps(line, separators=(",", ":"))


def _left_behind(run: Callable[[], object]) -> list[str]:
    """The types of the objects `run` left that only a collection frees, but closures
    (ast's and msgspec's recursive helpers make one each when a check is compiled)."""
    run()  # compiled checks and decoders are cached: their first making is not counted
    gc.collect()
    enabled, flags = gc.isenabled(), gc.get_debug()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        left = [type(o) for o in gc.garbage]
    finally:
        gc.garbage.clear()
        gc.set_debug(flags)
        if enabled:
            gc.enable()
    kept = {"function", "cell", "tuple"}
    return sorted({f"{t.__module__}.{t.__qualname__}" for t in left if t.__name__ not in kept})


@pytest.mark.parametrize("count", [3000, 12])  # the fast path's lines; the full checks' only
@pytest.mark.parametrize(
    ("lines", "doc_type"), [(_profiles, "USER_PROFILE"), (_activities, "USER_ACTIVITY")]
)
def test_a_file_and_a_chunk_leave_no_cycle(
    tmp_path: Path, lines: Callable[[int], Iterator[str]], doc_type: str, count: int
) -> None:
    path = tmp_path / "big.ndjson"
    path.write_text("\n".join(lines(count)) + "\n")
    settings = Settings(doc_type=doc_type)
    size = path.stat().st_size
    middle = path.read_bytes().index(b"\n", size // 2) + 1

    def chunk() -> object:
        task = tasks.Task(str(path), str(path), middle, size, size)
        result = tasks.check_task(task, settings)
        assert result.error is None and result.lines >= count // 3
        return result

    def whole() -> object:
        found = list(lint_file(str(path), settings))
        assert len(found) >= count // 50
        return found

    def fixed() -> object:
        with path.open("rb") as stream:
            return fix_stream(stream, StreamSink(io.BytesIO()), settings, str(path), unsafe=True)

    assert _left_behind(chunk) == []
    assert _left_behind(whole) == []
    assert _left_behind(fixed) == []
