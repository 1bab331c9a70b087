"""Memory handed back to the system as `BucketTable` (buckets.py) grows: arrays in
anonymous memory maps of their own, whose pages can be forgotten, and the heap trimmed.
numpy is imported by `load_numpy` only, when a table is made, or before `--jobs` workers
fork for a split file whose users the parent merges into one (parallel.py)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mmap


#: Read once, as numpy loads its OpenBLAS (see load_numpy).
_BLAS_THREADS = "OPENBLAS_NUM_THREADS"


def load_numpy() -> None:
    """Imports numpy with OpenBLAS's thread pool off, unless the user chose its size.

    The pool starts a thread a core at the import, which spins about 0.12 s of CPU waiting
    for work (`import numpy` took 0.21 s of user CPU, 0.09 s with one thread): CPU taken
    from the other `--jobs` workers, paid by each process that imports numpy, for matrix
    products mics-lint never makes. The environment is left as it was found: a program
    using the Python API, or its children, get their usual pool."""
    if "numpy" in sys.modules:
        return
    preset = _BLAS_THREADS in os.environ
    if not preset:
        os.environ[_BLAS_THREADS] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        if not preset:
            os.environ.pop(_BLAS_THREADS, None)


def trim_heap() -> None:
    """Gives the heap's free pages back to the system (glibc's malloc_trim; elsewhere
    nothing). The index arrays of a growth's steps, a few MiB, come from the heap and stay
    in RSS once freed: 4 to 8 B a user at 1M users, in the final size and in the next
    growth's peak."""
    global _malloc_trim
    if _malloc_trim is None:
        import ctypes

        try:
            _malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim: Any = None


def mapped(shape: tuple[int, int], dtype: str) -> tuple[Any, mmap.mmap]:
    """A zeroed array in its own anonymous memory map. From numpy's allocator (malloc), a
    table of a few MiB may land in the heap, which glibc keeps after it is freed: the
    freed tables of past growths then stayed in RSS (40 B a user where the table was 20).
    A map is given back to the system when the array goes."""
    import mmap

    import numpy as np

    items = shape[0] * shape[1]
    size = max(1, items * np.dtype(dtype).itemsize)
    if hasattr(mmap, "MAP_PRIVATE"):
        # Private: pages of a shared anonymous map stay in memory after MADV_DONTNEED.
        buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
    else:  # Windows: an anonymous map (pagefile-backed), without madvise
        buffer = mmap.mmap(-1, size)
    return np.frombuffer(buffer, dtype=dtype, count=items).reshape(shape), buffer


def forget(buffer: mmap.mmap, size: int) -> None:
    """Hands back to the system the whole pages of `buffer` (from `mapped`) in its first
    `size` bytes: they read as zeros afterwards, and are not read again (see
    `BucketTable._grow`)."""
    import mmap

    end = min(size, len(buffer)) // mmap.PAGESIZE * mmap.PAGESIZE
    if end > 0 and hasattr(mmap, "MADV_DONTNEED") and hasattr(mmap, "MAP_PRIVATE"):
        buffer.madvise(mmap.MADV_DONTNEED, 0, end)
