"""A config file or a datamart schema that is no regular file: a device that never ends
(/dev/zero, read to the end, took all memory) or a FIFO no one writes to (its open waited
for ever) is one line on stderr and exit code 2, as a missing one is; and one past its
size limit is refused before it is read whole (found by a hostile-input review)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import installed_command, one_error_line, run_cli, run_installed, write

from mics_lint import config
from mics_lint.datamart import sdl

CLEAN = '{"operation":"DELETE","email_hash":"3f2a9c"}'


def _fifo(folder: Path) -> str:
    os.mkfifo(folder / "pipe")
    return "pipe"


@pytest.mark.skipif(installed_command() is None, reason="mics-lint is not installed")
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize(
    "args",
    [
        ["check", "--config", "{}", "f.ndjson"],
        ["check", "--datamart-schema", "{}", "f.ndjson"],
        ["schema-check", "{}"],
    ],
    ids=["config", "datamart-schema", "schema-check"],
)
@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_a_device_or_a_fifo_is_no_config_nor_schema(
    args: list[str], source: str, tmp_path: Path
) -> None:
    if source == "fifo" and not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    write(tmp_path / "f.ndjson", CLEAN)
    name = _fifo(tmp_path) if source == "fifo" else source
    done = run_installed([a.format(name) for a in args], tmp_path, timeout=30)
    assert done.code == 2
    one_error_line(done.err, name, "not a regular file")


def test_a_config_or_schema_past_its_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "f.ndjson", CLEAN)
    write(tmp_path / "mics-lint.toml", 'ignore = ["MIC304"]', "# " + "x" * 2000)
    monkeypatch.setattr(config, "CONFIG_LIMIT", 1024)
    code, _, err = run_cli(["check", "--config", "mics-lint.toml", "f.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, "mics-lint.toml", "larger than")
    monkeypatch.setattr(config, "CONFIG_LIMIT", 4096)
    code, _, err = run_cli(["check", "--config", "mics-lint.toml", "f.ndjson"], tmp_path)
    assert (code, err) == (0, "")
    write(tmp_path / "s.gql", "type Query { a: Int }", "# " + "x" * 2000)
    monkeypatch.setattr(sdl, "SCHEMA_LIMIT", 1024)
    sdl.load.cache_clear()
    code, _, err = run_cli(["check", "--datamart-schema", "s.gql", "f.ndjson"], tmp_path)
    assert code == 2
    one_error_line(err, "s.gql", "larger than")
