"""Lines taken whole from a file's read buffer (reading.LineReader.buffered), the way most
lines of a large file are read: never past the bytes asked for, never a line cut or read
whole past the buffer, and a file read so gives what reading it a line at a time gives."""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest

from mics_lint import Settings, lint_file
from mics_lint.reading import READ_BUFFER, LineReader, open_binary
from mics_lint.splitrecords import GROUP_BYTES


def reader_of(data: bytes, tmp_path: Path, limit: int = 1 << 26) -> tuple[LineReader, Any]:
    path = tmp_path / "lines.ndjson"
    path.write_bytes(data)
    stream = open_binary(str(path))
    return LineReader(stream, "x.ndjson", limit), stream


@pytest.mark.parametrize("most", [1, 2, 50, 121, 4096, GROUP_BYTES])
def test_whole_lines_within_the_bytes_asked(most: int, tmp_path: Path) -> None:
    lines = [b'{"n":%d}' % i + b" " * (i % 70) + b"\n" for i in range(3000)]
    lines[7] = b"\n"  # a blank line: an LF first is left to `lines`
    data = b"".join(lines)
    reader, stream = reader_of(data, tmp_path)
    assert reader.buffered is not None
    taken: list[bytes] = []
    while True:
        group = reader.buffered(most)
        if group is None:
            line = stream.readline()
            if not line:
                break
            taken.append(line)
            continue
        assert group and sum(map(len, group)) <= most
        assert all(line.endswith(b"\n") and b"\n" not in line[:-1] for line in group)
        taken += group
        assert stream.tell() == sum(map(len, taken))
    assert taken == lines


def test_a_line_longer_than_the_buffer_is_not_taken(tmp_path: Path) -> None:
    """Lines up to the last LF in the buffer come; the long line after them is left to
    `lines`, which cuts it at the limit: memory stays bounded by max-line-bytes."""
    short = b'{"a":1}\n' * 10
    data = short + b'{"a":"' + b"x" * (5 * READ_BUFFER) + b'"}\n'
    reader, stream = reader_of(data, tmp_path, limit=1000)
    assert reader.buffered is not None
    assert reader.buffered(GROUP_BYTES) == [b'{"a":1}\n'] * 10
    assert stream.tell() == len(short)
    assert reader.buffered(GROUP_BYTES) is None  # the buffer ends inside the long line
    assert len(next(reader.lines())) == 1002


def test_only_a_file_opened_here_is_read_so() -> None:
    """A caller's stream may have a buffer of megabytes, all of which `peek` copies."""
    assert LineReader(io.BytesIO(b"{}\n"), "x", 100).buffered is None
    theirs = io.BufferedReader(io.BytesIO(b"{}\n"), 8 << 20)
    assert LineReader(theirs, "x", 100).buffered is None


def random_file(rng: random.Random) -> bytes:
    """Lines of many lengths (some over max-line-bytes and over the buffer), blank ones,
    bad ones, CRLF, and sometimes no final LF."""
    parts = []
    for i in range(rng.randrange(50, 400)):
        kind = rng.random()
        if kind < 0.02:
            parts.append(b"\n")
        elif kind < 0.04:
            long = b"y" * rng.choice([900, 70_000, 200_000])
            parts.append(b'{"operation":"DELETE","email_hash":"' + long + b'"}\n')
        elif kind < 0.06:
            parts.append(b'{"operation":"DELETE","email_hash":"e%d"},\n' % i)
        elif kind < 0.07:
            parts.append(b'{"operation":"DELETE","email_hash":"e%d"}\r\n' % i)
        else:
            pad, user = b" " * rng.randrange(0, 300), rng.randrange(i + 1)
            parts.append(b'{"operation":"DELETE",%s"email_hash":"e%d"}\n' % (pad, user))
    data = b"".join(parts)
    return data[:-1] if rng.random() < 0.3 else data


@pytest.mark.parametrize("seed", range(12))
def test_a_file_read_from_its_buffer_is_linted_as_read_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    path = tmp_path / "f.ndjson"
    path.write_bytes(random_file(rng))
    settings = [
        Settings(fast_path_from=1, max_line_bytes=limit)
        for limit in (1000, GROUP_BYTES - 2, GROUP_BYTES, 100_000, 1 << 26)
    ]
    buffered = [[str(d) for d in lint_file(str(path), s)] for s in settings]
    # The same files read a line at a time: no reader offers its buffer.
    monkeypatch.setattr(LineReader, "buffered", None)
    by_line = [[str(d) for d in lint_file(str(path), s)] for s in settings]
    assert buffered == by_line
