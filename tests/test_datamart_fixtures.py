"""The datamart scenario files: every MIC25x rule on profiles and on activities, against
tests/fixtures/datamart/retail.gql, with every MIC25x rule selected. Each `.ndjson` there
has its `.expected` (`line:col: CODE message`, as tests/test_fixtures.py writes them), and
the same output is required of the full checks alone, of the fast path from line 1, and
of `--jobs 2` on chunks of a few lines.

`pytest tests/test_datamart_fixtures.py --update-expected` rewrites the `.expected` files.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from helpers import counting_vouches, installed_command

from mics_lint import Settings
from mics_lint.config import Selection

HERE = Path(__file__).parent / "fixtures" / "datamart"
SCENARIOS = sorted(HERE.glob("*.ndjson"))
SCHEMA = HERE / "retail.gql"


def settings_for(path: Path, **changes: object) -> Settings:
    base = Settings(
        datamart_schemas=(("*", str(SCHEMA)),),
        selections=(Selection(extend_select=("MIC25",)),),
        doc_type="activity" if ".doctype-activity" in path.name else None,
        profile_form="either" if ".profile-form-either" in path.name else "force_replace",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_golden(path: Path, linting, update_expected: bool) -> None:
    actual = linting.render(linting.path(path, settings_for(path, fast_path=False)))
    expected = path.with_suffix(".expected")
    if update_expected:
        expected.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_the_fast_path_from_line_1_gives_the_same(path: Path, linting) -> None:
    name = "USER_ACTIVITY" if ".doctype-activity" in path.name else "USER_PROFILE"
    with counting_vouches(name) as counts:
        found = linting.path(path, settings_for(path, fast_path_from=1))
    assert linting.render(found) == path.with_suffix(".expected").read_text(encoding="utf-8")
    assert counts["vouched"] >= 1  # the clean lines went through it


def test_every_rule_is_in_the_scenarios() -> None:
    text = "".join(p.with_suffix(".expected").read_text(encoding="utf-8") for p in SCENARIOS)
    for code in ("MIC251", "MIC252", "MIC253", "MIC254", "MIC255", "MIC256", "MIC257"):
        for path in SCENARIOS:
            assert f" {code} " in path.with_suffix(".expected").read_text(encoding="utf-8"), (
                code,
                path.name,
            )
    assert " MIC601 " in text  # an activity's $ts in seconds: MIC601's, not MIC257's


def test_jobs_2_on_small_chunks_prints_what_jobs_1_prints(tmp_path: Path) -> None:
    command = installed_command()
    if command is None:
        pytest.skip("mics-lint is not installed")
    big = tmp_path / "profiles.ndjson"
    lines = (HERE / "profiles.profile-form-either.ndjson").read_bytes().splitlines(True)
    big.write_bytes(b"".join(lines * 40))
    outputs = []
    for jobs in ("1", "2"):
        done = subprocess.run(
            [
                command,
                "check",
                "--isolated",
                "--profile-form",
                "either",
                "--extend-select",
                "MIC25",
                "--datamart-schema",
                str(SCHEMA),
                "--jobs",
                jobs,
                "--chunk-size",
                "4096",
                "-q",
                str(big),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count(" MIC25") > 40
