"""mics-lint: find every problem in mediarithmics bulk-import NDJSON files before upload.

The public API is `lint_file`, `lint_lines`, `Diagnostic`, `Severity`, `Settings` and its
`Selection` (docs/api.md).
"""

from __future__ import annotations

from mics_lint import startup

with startup.lasting():  # issue 14: see startup.py
    from mics_lint.config import Selection, Settings
    from mics_lint.diagnostic import Diagnostic, Severity
    from mics_lint.linter import ReadError, lint_file, lint_lines

__version__ = "0.1.0"

__all__ = [
    "Diagnostic",
    "ReadError",
    "Selection",
    "Settings",
    "Severity",
    "__version__",
    "lint_file",
    "lint_lines",
]
