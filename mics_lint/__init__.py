"""mics-lint: find every problem in mediarithmics bulk-import NDJSON files before upload.

The public API is `lint_file`, `lint_lines`, `Diagnostic`, `Severity` and `Settings`.
"""

from __future__ import annotations

import gc

# Importing the engine makes tens of thousands of objects that all live on (rule tables,
# schema maps, classes): the collections they trigger free nothing and cost 3-7 ms, a tenth
# of a small check's start-up (issue 14). They are made with collection off, then moved to
# the oldest generation (freeze, unfreeze), where the first collection after would
# otherwise have to take them one generation at a time (a host program's objects age with
# them: nothing is lost, a full collection still sees them); collection resumes as it was.
_collecting = gc.isenabled()
gc.disable()
try:
    from mics_lint.config import Settings
    from mics_lint.diagnostic import Diagnostic, Severity
    from mics_lint.linter import ReadError, lint_file, lint_lines
finally:
    gc.freeze()
    gc.unfreeze()
    if _collecting:
        gc.enable()

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "ReadError",
    "Settings",
    "Severity",
    "__version__",
    "lint_file",
    "lint_lines",
]
