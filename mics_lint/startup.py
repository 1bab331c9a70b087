"""Start-up: imports whose objects live as long as the program, made without collection.

Importing the engine and its command makes tens of thousands of objects that all live on
(classes, rule tables, schema maps, click's commands): the collections they would trigger
free nothing and took 2-10 ms of a 3-line check's start-up (issue 14, bench/run.py).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def lasting() -> Iterator[None]:
    """No collection inside; then what was made goes to the oldest generation (freeze,
    unfreeze), so that the next young collection does not walk it all, and collection
    resumes as it was. A host program's objects age with them: nothing is lost, a full
    collection still sees them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if collecting:
            gc.enable()
