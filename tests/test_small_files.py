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


ARGS = [
    ["check", "--config", "{}", "f.ndjson"],
    ["check", "--datamart-schema", "{}", "f.ndjson"],
    ["schema-check", "{}"],
]
IDS = ["config", "datamart-schema", "schema-check"]
installed = pytest.mark.skipif(installed_command() is None, reason="mics-lint is not installed")


@installed
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("args", ARGS, ids=IDS)
def test_a_device_is_no_config_nor_schema(args: list[str], tmp_path: Path) -> None:
    write(tmp_path / "f.ndjson", CLEAN)
    done = run_installed([a.format("/dev/zero") for a in args], tmp_path, timeout=30)
    assert done.code == 2
    one_error_line(done.err, "/dev/zero", "not a regular file nor a pipe (a device)")


@installed
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
@pytest.mark.parametrize("args", ARGS, ids=IDS)
def test_a_fifo_no_one_writes_to_reads_as_empty_and_never_hangs(
    args: list[str], tmp_path: Path
) -> None:
    write(tmp_path / "f.ndjson", CLEAN)
    os.mkfifo(tmp_path / "pipe")
    done = run_installed([a.format("pipe") for a in args], tmp_path, timeout=30)
    if args[0] == "check" and args[1] == "--config":
        assert (done.code, done.err) == (0, "")  # an empty config: the defaults
    else:
        assert done.code == 2
        one_error_line(done.err, "pipe:1:1: not valid GraphQL SDL")


@installed
def test_a_pipe_with_a_writer_is_read_as_a_config(tmp_path: Path) -> None:
    # `--config <(...)` in bash, or a config piped in as /dev/stdin.
    write(tmp_path / "f.ndjson", '{"operation":"DELETE","email_hash":"3f2a9c","x":1}')
    write(tmp_path / "c.toml", 'ignore = ["MIC204"]')
    shell = 'cat c.toml | exec "$0" check --config /dev/stdin f.ndjson'
    done = run_installed([], tmp_path, shell=shell, timeout=30)
    assert (done.code, done.err) == (0, "")
    assert "MIC204" not in done.out


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
