"""Helpers shared by several test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

#: Every --output-format but `auto`, written out so that a format removed by mistake fails.
ALL_FORMATS = [
    "text",
    "grouped",
    "full",
    "json",
    "jsonl",
    "github",
    "gitlab",
    "sarif",
    "junit",
    "rdjsonl",
    "azure",
]


def installed_command() -> str | None:
    """The installed `mics-lint` script, or None.

    The script beside the interpreter running the tests comes first, so that a different
    mics-lint earlier on PATH is never the one tested.
    """
    folder = Path(sys.executable).parent
    for name in ("mics-lint", "mics-lint.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    return shutil.which("mics-lint")
