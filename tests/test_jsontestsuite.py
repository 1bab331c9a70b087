"""JSONTestSuite's parsing cases, each read as an import file (see its README in shared/).

n_ files must get a file-and-framing or JSON diagnostic; one-line y_ files no invalid-JSON
diagnostic; nothing may raise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mics_lint import lint_file

SHARED = Path(__file__).resolve().parents[2] / "shared"
SUITE = SHARED / "corpora" / "JSONTestSuite" / "test_parsing"
CASES = sorted(SUITE.glob("*.json")) if SUITE.is_dir() else []

pytestmark = pytest.mark.skipif(
    not CASES, reason="JSONTestSuite not found (shared/corpora/ beside the checkout)"
)


def _one_line(path: Path) -> bool:
    return len(path.read_bytes().rstrip(b"\n").split(b"\n")) == 1


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path) -> None:
    codes = [d.code for d in lint_file(case)]
    if case.name.startswith("n_"):
        assert any(c.startswith(("MIC0", "MIC1")) for c in codes), codes
    elif case.name.startswith("y_") and _one_line(case):
        assert "MIC101" not in codes and "MIC001" not in codes
