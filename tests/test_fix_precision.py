"""Two fixes a review found wrong (tests written before the change, each failed on it):

* a whole decimal past 2**53 (`9250000000000000.0`, an id column read as floats by pandas)
  was quoted as its digits by the safe fix, which then named another user than the export
  meant (9250000000000001, rounded by the float);
* the unsafe trim of MIC307 stopped the run with an internal error on a value holding a
  lone surrogate (`"A\\ud800 "`), which no UTF-8 line holds but as its escape.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli, write

from mics_lint import Settings, lint_lines

ROUNDED = "may be an id rounded by a float"


def _line(literal: str) -> str:
    return '{"operation":"DELETE","compartment_id":"1000","user_account_id":' + literal + "}"


@pytest.mark.parametrize(
    ("literal", "rounded"),
    [
        ("9250000000000000.0", True),  # 9250000000000001 as pandas writes it
        ("-9250000000000000.0", True),
        ("9.25e15", True),
        ("9007199254740992.0", True),  # 2**53: 2**53 + 1 rounds to it
        ("9007199254740991.0", False),  # every integer up to it is a float's exactly
        ("1000.0", False),
        # Not a decimal: its digits are the text's own, whatever orjson makes of it.
        ("92500000000000000000", False),
        ("9250000000000001", False),
    ],
)
def test_a_large_whole_decimal_is_no_safe_fix(tmp_path: Path, literal: str, rounded: bool) -> None:
    lines = [_line(literal)] * 300  # past the lines held back: the fast path's too
    for fast in (True, False):
        settings = Settings(fast_path=fast, fast_path_from=1)
        found = [d for d in lint_lines([x + "\n" for x in lines], "x.ndjson", settings)]
        wrong = [d for d in found if d.code == "MIC202"]
        assert len(wrong) == 300, found[:3]
        assert all((ROUNDED in d.message) is rounded for d in wrong), wrong[0].message
    path = write(tmp_path / "ids.ndjson", *lines)
    code, out, _ = run_cli(["check", "--isolated", "--fix", "ids.ndjson"], tmp_path)
    fixed = path.read_text("utf-8").splitlines()
    if rounded:
        assert fixed == lines, "a rounded id must be left for its source to give"
        assert code == 1 and "[*]" not in out
    else:
        assert all('"user_account_id":"' in line for line in fixed), fixed[0]


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_a_trim_keeps_a_lone_surrogate_as_its_escape(tmp_path: Path, mode: str) -> None:
    line = r'{"operation":"DELETE","compartment_id":"1000","user_account_id":"A\ud800 "}'
    path = write(tmp_path / "cut.ndjson", line, '{"operation":"DELETE","email_hash":"x "}')
    args = ["check", "--isolated", mode, "--unsafe-fixes", "cut.ndjson"]
    code, out, err = run_cli(args, tmp_path)
    assert "internal error" not in err and code in (0, 1), (code, err)
    if mode == "--diff":
        assert r'+{"operation":"DELETE","compartment_id":"1000","user_account_id":"A\ud800"}' in out
        return
    first, second = path.read_bytes().decode("utf-8").splitlines()
    assert first.endswith(r'"user_account_id":"A\ud800"}')
    assert json.loads(first)["user_account_id"] == "A\ud800"
    assert json.loads(second)["email_hash"] == "x"


def test_a_nested_whole_decimal_is_told_as_a_top_level_one() -> None:
    """An association's items: their text is not at hand, their float's repr is (as exact
    as it was read): `1000.0` is advised as "1000", a large one as maybe rounded."""
    items = (
        '{"type":"USER_ACCOUNT","user_account_id":9250000000000000.0,"compartment_id":"1000"},'
        '{"type":"USER_ACCOUNT","user_account_id":1000.0,"compartment_id":"1000"}'
    )
    line = '{"identifiers":[' + items + "]}\n"
    settings = Settings(show_values=True, doc_type="USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS")
    found = [d.message for d in lint_lines([line], "x.ndjson", settings) if d.code == "MIC202"]
    assert len(found) == 2 and ROUNDED in found[0], found
    assert found[1].endswith('write it in quotes, "1000"'), found
