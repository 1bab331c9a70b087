"""`--scheduler`: a real Dask cluster as the engine (mics_lint/cluster.py).

A `distributed.LocalCluster` of two worker processes, started once for this module (as a
real cluster's workers: tasks and results cross process boundaries, pickled), must give
byte for byte the report `--jobs 1` gives, on the golden fixtures, on a generated file split
into many chunks, on a file read from moto's S3 server, and with a worker killed mid-run.
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import run_cli
from test_remote import CRM, SECRET, need, s3  # noqa: F401  (s3: the moto server fixture)

from mics_lint import cluster as engine
from mics_lint.config import Settings

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A LocalCluster of two single-threaded worker processes (each under a nanny, which
    starts a killed one again), shared by the module: a worker takes seconds to start."""
    distributed = need("distributed")
    # A worker reads S3 with credentials from its own environment, as on a real cluster;
    # here the fake ones of test_remote's moto server (set in this process only later).
    aws = {
        "AWS_ACCESS_KEY_ID": "AKIAMICSLINTTEST",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        env=aws,
    ) as local:
        with distributed.Client(local, set_as_default=False) as client:
            pids = list(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids  # processes, not threads
        yield local


@pytest.fixture(scope="module")
def scheduler(cluster: Any) -> str:
    return str(cluster.scheduler_address)


def both(args: list[str], address: str, cwd: Path = ROOT) -> tuple[Any, Any]:
    """(--jobs 1, --scheduler) runs of the same arguments."""
    alone = run_cli(["check", "--no-progress", *args, "-j", "1"], cwd)
    on_dask = run_cli(["check", "--no-progress", *args, "--scheduler", address], cwd)
    return alone, on_dask


def generated(path: Path, lines: int) -> Path:
    """Profiles of distinct users, with problems and users repeated far apart (so that
    MIC501 joins chunks), and MIC003's repeats."""
    out = []
    for i in range(lines):
        user = f"CRM-{i % (lines // 2)}" if i % 5 == 0 else f"CRM-{i}"
        line = (
            '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"' + user + '",'
            '"force_replace":false,"user_profile":{"tier":"gold"}}'
        )
        if i % 997 == 0:
            line = line.replace('"1000"', "1000")  # MIC202
        if i % 1501 == 0:
            line += "\r"  # mixed line ends
        out.append(line + "\n")
    path.write_text("".join(out))
    return path


def test_golden_fixtures_and_examples_as_with_one_job(scheduler: str) -> None:
    config = ["--config", str(FIXTURES / "doc-types.toml")]
    alone, on_dask = both([*config, "tests/fixtures", "docs/examples"], scheduler)
    assert alone[1].count("\n") > 300
    assert on_dask == alone


def test_a_large_file_in_many_chunks_as_with_one_job(scheduler: str, tmp_path: Path) -> None:
    big = generated(tmp_path / "big.ndjson", 200_000)
    plan = engine.plan_file(str(big), "big.ndjson", 1 << 20, {})
    assert len(plan) >= 8
    args = ["big.ndjson", "--chunk-size", str(1 << 20), "--output-format", "json"]
    alone, on_dask = both(args, scheduler, tmp_path)
    assert alone[0] == 1 and all(f'"{c}"' in alone[1] for c in ("MIC501", "MIC202", "MIC003"))
    assert on_dask == alone


def test_a_file_on_s3_as_with_one_job(
    scheduler: str,
    s3: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    import boto3

    body = generated(tmp_path / "s3.ndjson", 30_000).read_bytes()
    boto3.client("s3", endpoint_url=s3["endpoint"]).put_object(
        Bucket="exports", Key="dask/s3.ndjson", Body=body
    )
    url = "s3://exports/dask/s3.ndjson"
    args = [url, "s3://exports/2026-12-01/", "--storage-option", s3["option"]]
    alone, on_dask = both([*args, "--chunk-size", "65536"], scheduler)
    assert alone[0] == 1 and f"{url}:1:" in alone[1]
    assert on_dask == alone


def test_the_scheduler_from_the_environment_and_the_config(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.ndjson").write_bytes(CRM)
    alone = run_cli(["check", "a.ndjson", "-j", "1"], tmp_path)
    (tmp_path / "mics-lint.toml").write_text(f'scheduler = "{scheduler}"\n')
    assert run_cli(["check", "a.ndjson"], tmp_path) == alone
    (tmp_path / "mics-lint.toml").write_text('scheduler = "tcp://127.0.0.1:9"\n')
    from click.testing import CliRunner

    from mics_lint.cli import cli

    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(
            cli, ["check", "a.ndjson"], env={"MICS_LINT_SCHEDULER": scheduler}
        )
    finally:
        os.chdir(ROOT)
    assert (result.exit_code, result.stdout, result.stderr) == alone
    (tmp_path / "mics-lint.toml").write_text("scheduler = 3\n")
    code, _, err = run_cli(["check", "a.ndjson"], tmp_path)
    assert code == 2 and "scheduler must be an address" in err and err.count("\n") == 1


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(tmp_path: Path) -> None:
    need("distributed")
    (tmp_path / "a.ndjson").write_bytes(CRM)
    started = time.monotonic()
    code, out, err = run_cli(
        ["check", "a.ndjson", "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "2"],
        tmp_path,
    )
    assert time.monotonic() - started < 15
    assert (code, out) == (2, "")
    assert err.startswith("mics-lint: error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert err.count("\n") == 1


@pytest.mark.parametrize("address", ["bogus", "tcp://", "host:abc"])
def test_a_malformed_scheduler_address_is_one_line_at_once(tmp_path: Path, address: str) -> None:
    # Given to distributed.Client, it waited twice the timeout and printed a traceback.
    need("distributed")
    (tmp_path / "a.ndjson").write_bytes(CRM)
    started = time.monotonic()
    code, out, err = run_cli(["check", "a.ndjson", "--scheduler", address], tmp_path)
    assert time.monotonic() - started < 10
    assert (code, out) == (2, "")
    assert err.startswith(f"mics-lint: error: --scheduler: {address} is not a scheduler address")
    assert err.count("\n") == 1


def test_without_dask_the_extra_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    (tmp_path / "a.ndjson").write_bytes(CRM)
    code, out, err = run_cli(["check", "a.ndjson", "--scheduler", "local"], tmp_path)
    assert (code, out) == (2, "")
    assert err == "mics-lint: error: --scheduler needs Dask: pip install 'mics-lint[dask]'\n"


def test_chunks_checked_under_another_hash_seed_are_checked_again(tmp_path: Path) -> None:
    # Workers started without one PYTHONHASHSEED disagree on MIC501's digests: the file's
    # reduction notices (each chunk carries its worker's probe) and checks such chunks again.
    big = generated(tmp_path / "big.ndjson", 20_000)
    settings = Settings()
    plan = engine.plan_file(str(big), "big.ndjson", 65536, {})
    assert len(plan) >= 4
    results = [engine.check_chunk(task, settings, {}) for task in plan]
    honest = engine.join_file(plan, settings, {}, *results)
    # As from workers of other seeds: digests scrambled, probes different.
    from array import array

    scrambled = []
    for probe, result in results:
        assert result.users is not None
        digests = array("Q", [(d * 7919 + 1) & 0xFFFFFFFFFFFFFFFF for d in result.users[0]])
        result.users = (digests, result.users[1])
        scrambled.append((probe + 1, result))
    mended = engine.join_file(plan, settings, {}, *scrambled)
    assert mended.diagnostics == honest.diagnostics and mended.error is honest.error is None
    assert any(d.code == "MIC501" for d in honest.diagnostics)


def test_a_join_in_steps_is_the_join_in_one_even_moved_or_run_twice(tmp_path: Path) -> None:
    # A large file's chunks are joined in steps, each going on with the Joining the step
    # before left in its worker's memory. One moved to another worker (pickled), or a step
    # run again after failing half-way, must not change the report: the file is then
    # checked again whole.
    import pickle

    from mics_lint import lint_file

    big = generated(tmp_path / "big.ndjson", 20_000)
    settings = Settings()
    plan = engine.plan_file(str(big), "big.ndjson", 65536, {})
    results = [engine.check_chunk(task, settings, {}) for task in plan]
    steps = engine._steps(plan, least=0)
    assert len(steps) > 2
    expected = engine.join_file(plan, settings, {}, *results)
    assert expected.diagnostics == list(lint_file(big, display="big.ndjson"))

    def joined(between: Any = None) -> Any:
        state: Any = None
        for index, (start, end) in enumerate(steps):
            if index == 2 and between is not None:
                state = between(state)
            state = engine.join_step(state, plan, settings, {}, start, *results[start:end])
        return state

    def moved(state: Any) -> Any:
        assert not state.lost
        state = pickle.loads(pickle.dumps(state))
        assert state.lost
        return state

    def twice(state: Any) -> Any:
        start, end = steps[2]
        again = engine.join_step(state, plan, settings, {}, start, *results[start:end])
        assert again is state  # changed in place: a second run of the step finds it lost
        return state

    for between in (None, moved, twice):
        outcome = joined(between)
        assert outcome.diagnostics == expected.diagnostics
        assert (outcome.doc_type, outcome.error, outcome.size) == (
            expected.doc_type,
            None,
            big.stat().st_size,
        )
    assert any(d.code == "MIC501" for d in expected.diagnostics)


def test_a_worker_killed_mid_run_changes_nothing(cluster: Any, tmp_path: Path) -> None:
    distributed = need("distributed")
    generated(tmp_path / "big.ndjson", 120_000)
    args = ["check", "--no-progress", "big.ndjson", "--chunk-size", "65536"]
    alone = run_cli([*args, "-j", "1"], tmp_path)
    with distributed.Client(cluster, set_as_default=False) as client:
        pids = client.run(os.getpid)  # worker address -> pid
        assert len(pids) == 2
        done: list[Any] = []
        run = threading.Thread(
            target=lambda: done.append(
                run_cli([*args, "--scheduler", cluster.scheduler_address], tmp_path)
            )
        )
        run.start()
        victim = None
        deadline = time.monotonic() + 120
        while victim is None and run.is_alive() and time.monotonic() < deadline:
            # A worker in the middle of checking a chunk is killed (its process, by pid).
            for task in list(cluster.scheduler.tasks.values()):
                if task.state == "processing" and str(task.key).startswith("check_chunk"):
                    victim = task.processing_on.address if task.processing_on else None
                    break
            time.sleep(0.05)
        assert victim is not None, "no chunk was seen running"
        os.kill(pids[victim], signal.SIGKILL)
        run.join(timeout=300)
        assert not run.is_alive()
        # Its nanny starts it again: the module's later tests have two workers again.
        client.wait_for_workers(2, timeout=120)
    assert done[0] == alone


def test_scheduler_local_starts_a_local_cluster(tmp_path: Path) -> None:
    need("distributed")
    import subprocess

    from helpers import base_env

    generated(tmp_path / "a.ndjson", 5_000)
    (tmp_path / "b.ndjson").write_bytes(CRM)
    command = [sys.executable, "-m", "mics_lint", "check", "--isolated", "--no-progress"]
    runs = [
        subprocess.run(
            [*command, *extra, "a.ndjson", "b.ndjson", "--chunk-size", "65536"],
            cwd=tmp_path,
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        for extra in (["-j", "1"], ["--scheduler", "local"])
    ]
    assert runs[0].returncode == runs[1].returncode == 1
    assert runs[1].stderr == ""
    assert runs[1].stdout == runs[0].stdout


def test_forked_local_workers_write_nothing_of_the_clients_output(tmp_path: Path) -> None:
    # `--scheduler local` forks its workers (on Linux), and a forked process flushes its
    # copy of stdout when it ends: what the client had not written yet must not come out
    # once per worker as well (multiprocessing flushes the client's before forking).
    need("distributed")
    import subprocess

    from helpers import base_env

    script = (
        "import sys\n"
        "from mics_lint import cluster\n"
        "sys.stdout.write('report line\\n')\n"  # buffered: stdout is a pipe here
        "client, local = cluster.connect('local', 60)\n"
        "client.close()\n"
        "local.close()\n"
    )
    env = {k: v for k, v in base_env().items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert (done.returncode, done.stdout) == (0, "report line\n"), done.stderr


def test_the_python_api_lints_as_the_command(scheduler: str, tmp_path: Path) -> None:
    distributed = need("distributed")
    from mics_lint import lint_file
    from mics_lint.distributed import lint
    from mics_lint.linter import ReadError

    big = generated(tmp_path / "big.ndjson", 20_000)
    (tmp_path / "b.ndjson").write_bytes(CRM)
    # In the order of the names shown, as `check` reports them: b.ndjson before big.ndjson.
    expected = [*lint_file(tmp_path / "b.ndjson"), *lint_file(big, display=str(big))]
    with distributed.Client(scheduler, set_as_default=False) as client:
        found = list(lint([tmp_path], client=client, chunk_bytes=65536))
        assert found == expected
        with pytest.raises(ReadError, match="no such file"):
            list(lint([tmp_path / "gone.ndjson"], client=client))


def test_diagnostics_frame_has_the_json_records(scheduler: str, tmp_path: Path) -> None:
    distributed = need("distributed")
    need("pandas")  # dask[dataframe], in the test extra: CI runs this test
    import json

    from mics_lint.distributed import diagnostics_frame

    (tmp_path / "a.ndjson").write_bytes(CRM)
    generated(tmp_path / "b.ndjson", 20_000)
    alone = run_cli(
        ["check", "a.ndjson", "b.ndjson", "-j", "1", "--output-format", "json"], tmp_path
    )[1]
    with distributed.Client(scheduler, set_as_default=False) as client:
        frame = diagnostics_frame([tmp_path], client=client, chunk_bytes=65536)
        assert frame.npartitions == 2
        rows = client.compute(frame).result().to_dict(orient="records")
    for row in rows:
        row["path"] = os.path.relpath(row["path"], tmp_path)
    assert rows == json.loads(alone)


def test_the_progress_bar_is_told_every_byte_done(scheduler: str, tmp_path: Path) -> None:
    big = generated(tmp_path / "big.ndjson", 20_000)
    small = tmp_path / "small.ndjson"
    small.write_bytes(CRM)
    counted: list[int] = []
    sources = [(str(big), "big.ndjson"), (str(small), "small.ndjson")]
    runner = engine.ClusterRunner(Settings(), scheduler, 30.0, 65536, counted.append)
    with runner:
        for diagnostics in runner.lint(sources):
            list(diagnostics)
    assert sum(counted) == big.stat().st_size + small.stat().st_size


def test_the_commands_of_docs_scale_md(
    scheduler: str,
    s3: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    # Every `mics-lint check` of docs/scale.md, on this module's cluster for the scheduler it
    # names and on moto's server for its bucket (the endpoint added): a report, no error.
    import shlex

    doc = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    commands = re.findall(r"^mics-lint check .*$", doc, re.MULTILINE)
    assert len(commands) == 2 and all("tcp://scheduler:8786" in c for c in commands)
    for command in commands:
        args = shlex.split(command.replace("tcp://scheduler:8786", scheduler))[1:]
        code, _, err = run_cli([*args, "--storage-option", s3["option"]], tmp_path)
        assert (code, err) == (1, ""), err
    assert "MIC" in (tmp_path / "report.txt").read_text()
    import json

    import boto3

    body = boto3.client("s3", endpoint_url=s3["endpoint"]).get_object(
        Bucket="exports", Key="reports/2026-12-01.json"
    )["Body"]
    assert all(record["code"].startswith("MIC") for record in json.loads(body.read()))
