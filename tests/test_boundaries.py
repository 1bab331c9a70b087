"""Chunk boundaries (parallel._boundaries): the look back for a record split over lines
reads a short tail first, and must find what a read of the whole SPLIT_BYTES finds."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mics_lint import parallel

_LINES = st.lists(
    st.sampled_from([b"{", b"{}", b'{"a":1}', b"x" * 30, b"", b"]", b" {", b"}" * 7]),
    max_size=40,
)


def _reference(data: bytes, at: int, window: int) -> int | None:
    """The last whole line before `at` starting with `{`, at most `window` bytes back:
    the whole window read at once."""
    back = max(0, at - window)
    lines = data[back:at].split(b"\n")[:-1]
    offset = at
    for index in range(len(lines) - 1, -1 if back == 0 else 0, -1):
        offset -= len(lines[index]) + 1
        if lines[index][:1] == b"{":
            return offset
    return None


@given(_LINES, st.integers(min_value=0, max_value=40), st.sampled_from([1, 8, 64]))
def test_the_short_look_back_finds_what_the_whole_window_finds(
    lines: list[bytes], cut: int, look_back: int
) -> None:
    data = b"".join(line + b"\n" for line in lines)
    at = sum(len(line) + 1 for line in lines[:cut])  # a line start
    window = 120
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallel, "SPLIT_BYTES", window)
        patch.setattr(parallel, "_LOOK_BACK", look_back)
        found = parallel._last_opening(io.BytesIO(data), at)
    assert found == _reference(data, at, window)
