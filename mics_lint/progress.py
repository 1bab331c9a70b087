"""The progress bar of a check on a terminal (`--no-progress` turns it off)."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import TextIO

from mics_lint.discovery import Source
from mics_lint.discovery import is_url as _is_url


class Progress:
    """A progress bar on stderr, redrawn at most ten times a second."""

    THRESHOLD = 50 * 1000 * 1000
    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.next_draw = 0.0
        self.drawn = False

    @classmethod
    def for_sources(cls, sources: list[Source]) -> Progress | None:
        """A bar when stderr is a terminal and the files add up to more than 50 MB."""
        stream = sys.stderr
        if not stream.isatty():
            return None
        total = 0
        for source in sources:
            if source.path is not None and _is_url(source.path):
                from mics_lint import remote

                total += remote.size(source.path) or 0  # asked only on a terminal
            elif source.path is not None:
                with contextlib.suppress(OSError):
                    total += os.stat(source.path).st_size
        return cls(total, stream) if total > cls.THRESHOLD else None

    def __call__(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now >= self.next_draw:
            self.next_draw = now + 0.1
            share = min(self.done / self.total, 1.0)
            filled = int(share * self.WIDTH)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            mb_done, mb_total = self.done / 1e6, self.total / 1e6
            self.stream.write(f"\r[{bar}] {share:4.0%} {mb_done:,.0f}/{mb_total:,.0f} MB")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * (self.WIDTH + 30) + "\r")
            self.stream.flush()
