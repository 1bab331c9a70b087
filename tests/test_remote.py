"""Files named by URL, through fsspec (mics_lint/remote.py): memory:// for the quick tests,
and a real S3 API (moto's server, on 127.0.0.1, started here) with s3fs as its client.

The extras are in the `test` extra, so CI has them; without them these tests skip with a
reason, unless MICS_LINT_REQUIRE_EXTRAS is set (.ci/run sets it: CI must not skip them).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import base_env, run_cli

from mics_lint import remote

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples"
CRM = (EXAMPLES / "crm_profiles.ndjson").read_bytes()
CLEAN = (EXAMPLES / "clean_profiles.ndjson").read_bytes()
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET"  # a fake AWS secret key, never to be printed
TOKEN = "X-Amz-Signature=f00dcafe1234"


def unfixable(local: str) -> str:
    """A local report as a URL's reads: no `[*]` and no --fix hint, as --fix refuses URLs."""
    lines = [line.replace(" [*] ", " ") for line in local.splitlines(keepends=True)]
    return "".join(line for line in lines if "can be fixed" not in line)


def need(module: str) -> Any:
    """The module, or a skip naming the extra (a failure when extras are required)."""
    if os.environ.get("MICS_LINT_REQUIRE_EXTRAS"):
        return __import__(module, fromlist=["_"])
    return pytest.importorskip(
        module, reason=f"{module} is not installed: pip install -e '.[test]'"
    )


@pytest.fixture
def memory() -> Iterator[Any]:
    fsspec = need("fsspec")
    fs = fsspec.filesystem("memory")
    fs.store.clear()
    fs.pseudo_dirs.clear()
    fs.pseudo_dirs.append("")
    yield fs
    fs.store.clear()


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    return run_cli(["check", "--isolated", "--no-progress", *args], cwd)


# -- URLs as shown ---------------------------------------------------------------------------


def test_a_url_is_shown_without_credentials_or_signature() -> None:
    assert remote.is_url("s3://b/x") and remote.is_url("file:///tmp/x")
    assert not remote.is_url("data/x.ndjson") and not remote.is_url("C:\\x.ndjson")
    url = f"s3://AKIA:{SECRET}@bucket/x.ndjson?{TOKEN}#frag"
    assert remote.shown(url) == "s3://bucket/x.ndjson"
    message = f"Could not connect to https://u:{SECRET}@host/b?{TOKEN} now"
    assert remote.scrub(message) == "Could not connect to https://host/b now"


def test_storage_option_values_are_typed_and_masked_in_messages() -> None:
    parsed = remote.parse_options(
        ["anon=true", "default_block_size=1024", 'config_kwargs={"a": 1}', "key=AKIA42"],
        {"endpoint_url": "http://127.0.0.1:9000"},
    )
    assert parsed == {
        "endpoint_url": "http://127.0.0.1:9000",
        "anon": True,
        "default_block_size": 1024,
        "config_kwargs": {"a": 1},
        "key": "AKIA42",
    }
    with pytest.raises(remote.RemoteError, match="KEY=VALUE") as caught:
        remote.parse_options([SECRET])
    assert SECRET not in str(caught.value)
    remote.configure({"secret": SECRET, "nested": {"token": "tok-12345"}})
    try:
        assert remote.scrub(f"denied for {SECRET} and tok-12345") == "denied for *** and ***"
    finally:
        remote.configure({})


# -- memory:// -------------------------------------------------------------------------------


def test_a_prefix_is_listed_as_a_folder_and_reports_as_local_files(
    memory: Any, tmp_path: Path
) -> None:
    memory.pipe("/exp/a.ndjson", CRM)
    memory.pipe("/exp/sub/c.jsonl", CRM)
    memory.pipe("/exp/d.ndjson.gz", gzip.compress(CRM))
    memory.pipe("/exp/.staging/b.ndjson", CRM)  # hidden: skipped
    memory.pipe("/exp/readme.txt", b"not an import file")
    memory.pipe("/exp/settings.json", b'{"a": 1}')  # a .json: not searched
    memory.pipe("/exp/spark/part-00000-x-c000.json.gz", gzip.compress(CRM))  # Spark's: searched
    local = tmp_path / "exp"
    (local / "sub").mkdir(parents=True)
    (local / "spark").mkdir()
    (local / "a.ndjson").write_bytes(CRM)
    (local / "sub" / "c.jsonl").write_bytes(CRM)
    (local / "d.ndjson.gz").write_bytes(gzip.compress(CRM))
    (local / "settings.json").write_bytes(b'{"a": 1}')
    (local / "spark" / "part-00000-x-c000.json.gz").write_bytes(gzip.compress(CRM))
    code, out, err = run(["memory://exp/"], tmp_path)
    local_code, local_out, _ = run(["exp"], tmp_path)
    assert (code, err) == (local_code, "") == (1, "")
    assert out == unfixable(local_out).replace("exp/", "memory://exp/")
    assert "Checked 4 files" in out


def test_a_missing_object_is_one_line_and_the_other_files_are_still_checked(
    memory: Any, tmp_path: Path
) -> None:
    memory.pipe("/exp/a.ndjson", CRM)
    code, out, err = run(["memory://exp/gone.ndjson", "memory://exp/a.ndjson", "-q"], tmp_path)
    assert code == 2
    assert (
        err == "mics-lint: error: cannot read memory://exp/gone.ndjson: no such file or directory\n"
    )
    assert out.count("memory://exp/a.ndjson:") == 6


def test_reports_go_to_urls_once_complete(memory: Any, tmp_path: Path) -> None:
    memory.pipe("/exp/a.ndjson", CRM)
    code, out, err = run(
        [
            "memory://exp/a.ndjson",
            "-o",
            "memory://reports/run.json",
            "--output-format",
            "json",
            "--report",
            "sarif:memory://reports/run.sarif",
        ],
        tmp_path,
    )
    assert (code, out, err) == (1, "", "")
    found = json.loads(memory.cat("/reports/run.json"))
    assert [d["code"] for d in found][-1] == "MIC501"
    assert json.loads(memory.cat("/reports/run.sarif"))["version"] == "2.1.0"


def test_a_report_over_an_input_url_is_refused(memory: Any, tmp_path: Path) -> None:
    memory.pipe("/exp/a.ndjson", CRM)
    code, out, err = run(["memory://exp/a.ndjson", "-o", "memory://exp/a.ndjson"], tmp_path)
    assert (code, out) == (2, "")
    assert "is also an input" in err
    assert memory.cat("/exp/a.ndjson") == CRM  # not replaced by the report


def test_fix_and_diff_on_a_url_are_refused(memory: Any, tmp_path: Path) -> None:
    memory.pipe("/exp/a.ndjson", CRM)
    for flag in ("--fix", "--diff"):
        code, out, err = run(["memory://exp/a.ndjson", flag], tmp_path)
        assert (code, out) == (2, "")
        assert err.startswith("mics-lint: error: --fix and --diff work on local files only")
        assert err.count("\n") == 1
    assert memory.cat("/exp/a.ndjson") == CRM


def test_jobs_split_a_remote_file_as_a_local_one(memory: Any, tmp_path: Path) -> None:
    lines = [CRM.splitlines(keepends=True)[i % 6] for i in range(3000)]
    memory.pipe("/big/a.ndjson", b"".join(lines))
    (tmp_path / "a.ndjson").write_bytes(b"".join(lines))
    one = run(["memory://big/a.ndjson", "-j", "1"], tmp_path)
    split = run(["memory://big/a.ndjson", "-j", "2", "--chunk-size", "8192"], tmp_path)
    local = run(["a.ndjson", "-j", "1"], tmp_path)
    assert one == split
    assert one[1] == unfixable(local[1]).replace("a.ndjson", "memory://big/a.ndjson")


def test_a_connection_dropped_mid_file_fails_that_file_only(memory: Any, tmp_path: Path) -> None:
    fsspec = need("fsspec")
    from fsspec.implementations.memory import MemoryFile, MemoryFileSystem

    class Dropping(MemoryFile):  # type: ignore[misc]
        def read(self, size: int = -1) -> bytes:
            if self.tell() > 100:
                raise ConnectionResetError(104, "Connection reset by peer")
            return bytes(super().read(min(size, 64) if size > 0 else 64))

    class Flaky(MemoryFileSystem):  # type: ignore[misc]
        protocol = "flaky"

        @classmethod
        def _strip_protocol(cls, path: str) -> str:
            return str(MemoryFileSystem._strip_protocol(path.replace("flaky://", "memory://")))

        def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
            return Dropping(self, path, self.store[self._strip_protocol(path)].getvalue())

    fsspec.register_implementation("flaky", Flaky, clobber=True)
    memory.pipe("/exp/a.ndjson", CRM)
    memory.pipe("/exp/b.ndjson", CRM)
    code, out, err = run(["flaky://exp/a.ndjson", "memory://exp/b.ndjson", "-q"], tmp_path)
    assert code == 2
    assert err == "mics-lint: error: cannot read flaky://exp/a.ndjson: Connection reset by peer\n"
    assert out.count("memory://exp/b.ndjson:") == 6


def test_a_protocol_whose_package_is_missing_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "gcsfs", None)  # as if not installed
    code, _, err = run(["gs://bucket/a.ndjson"], tmp_path)
    assert code == 2
    assert err == (
        "mics-lint: error: gs://bucket/a.ndjson: gs:// needs gcsfs: pip install 'mics-lint[gcs]'\n"
    )
    monkeypatch.setitem(sys.modules, "fsspec", None)
    code, _, err = run(["s3://bucket/a.ndjson"], tmp_path)
    assert code == 2
    assert err == (
        "mics-lint: error: s3://bucket/a.ndjson: reading URLs needs fsspec: "
        "pip install 'mics-lint[s3]'\n"
    )
    # A file:// URL names a local file: the path itself needs no extra (a fresh user's
    # audit: only the extra was offered, for a file on this machine).
    code, _, err = run([(tmp_path / "a.ndjson").as_uri()], tmp_path)
    assert code == 2
    assert err.endswith(
        f"pip install 'mics-lint[s3]', or give the path itself: {tmp_path}/a.ndjson\n"
    )


def test_bad_storage_options_are_one_line(tmp_path: Path) -> None:
    code, _, err = run(["--storage-option", "novalue", "x.ndjson"], tmp_path)
    assert code == 2 and err.count("\n") == 1 and "KEY=VALUE" in err
    (tmp_path / "mics-lint.toml").write_text('storage-options = "x"\n')
    code, _, err = run_cli(["check", "x.ndjson"], tmp_path)
    assert code == 2 and err.count("\n") == 1 and "storage-options must be a table" in err


def test_local_paths_never_import_fsspec(tmp_path: Path) -> None:
    (tmp_path / "a.ndjson").write_bytes(CRM)
    script = (
        "import sys\n"
        "from mics_lint.cli import main\n"
        "try:\n"
        "    main(['check', '--isolated', '-j', '2', '--chunk-size', '64', 'a.ndjson'])\n"
        "finally:\n"
        "    print(sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "        ('fsspec', 's3fs', 'dask', 'distributed', 'boto3')), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr.strip().splitlines()[-1] == "[]"


# -- a real S3 API: moto's server ----------------------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """moto's S3 server on 127.0.0.1 (a free port), with fake credentials in the env."""
    need("s3fs")
    server_module = need("moto.server")
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="AKIAMICSLINTTEST", AWS_SECRET_ACCESS_KEY=SECRET)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="exports")
    client.put_object(Bucket="exports", Key="2026-12-01/crm.ndjson", Body=CRM)
    client.put_object(Bucket="exports", Key="2026-12-01/clean.jsonl.gz", Body=gzip.compress(CLEAN))
    client.put_object(Bucket="exports", Key="2026-12-01/.tmp/part.ndjson", Body=CRM)
    client.put_object(Bucket="exports", Key="private/crm.ndjson", Body=CRM)
    client.put_bucket_policy(
        Bucket="exports",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::exports/private/*",
                    }
                ],
            }
        ),
    )
    try:
        yield {"endpoint": endpoint, "option": f"endpoint_url={endpoint}"}
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_s3_prefix_plain_and_gz_objects(s3: dict[str, str], tmp_path: Path) -> None:
    code, out, err = run(["s3://exports/2026-12-01/", "--storage-option", s3["option"]], tmp_path)
    assert (code, err) == (1, "")
    (tmp_path / "crm.ndjson").write_bytes(CRM)
    (tmp_path / "clean.jsonl.gz").write_bytes(gzip.compress(CLEAN))
    _, local, _ = run(["clean.jsonl.gz", "crm.ndjson"], tmp_path)
    assert out == unfixable(local).replace("crm.ndjson", "s3://exports/2026-12-01/crm.ndjson")
    assert "Checked 2 files" in out


def test_s3_endpoint_from_the_config_and_a_report_written_to_s3(
    s3: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "mics-lint.toml").write_text(
        f'[storage-options]\nendpoint_url = "{s3["endpoint"]}"\n'
    )
    url = "s3://exports/reports/run.sarif"
    code, out, err = run_cli(
        ["check", "s3://exports/2026-12-01/crm.ndjson", "--report", f"sarif:{url}", "-q"],
        tmp_path,
    )
    assert (code, err) == (1, "")
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=s3["endpoint"], skip_instance_cache=True)
    sarif = json.loads(fs.cat(url))
    assert len(sarif["runs"][0]["results"]) == out.count("\n") == 6


def test_s3_missing_and_denied_objects_fail_alone(s3: dict[str, str], tmp_path: Path) -> None:
    code, out, err = run(
        [
            "s3://exports/2026-12-01/gone.ndjson",
            "s3://exports/private/crm.ndjson",
            "s3://exports/2026-12-01/crm.ndjson",
            "--storage-option",
            s3["option"],
            "-q",
        ],
        tmp_path,
    )
    assert code == 2
    assert sorted(err.splitlines()) == [
        "mics-lint: error: cannot read s3://exports/2026-12-01/gone.ndjson: "
        "no such file or directory",
        "mics-lint: error: cannot read s3://exports/private/crm.ndjson: permission denied",
    ]
    assert out.count("s3://exports/2026-12-01/crm.ndjson:") == 6


def test_no_credential_is_ever_printed(s3: dict[str, str], tmp_path: Path) -> None:
    # Credentials in the options and the environment, a presigned URL's signature, a wrong
    # endpoint's error: none of them may appear, in any format or error.
    import boto3

    signed = boto3.client("s3", endpoint_url=s3["endpoint"]).generate_presigned_url(
        "get_object", Params={"Bucket": "exports", "Key": "2026-12-01/crm.ndjson"}
    )
    assert "Signature=" in signed
    secrets = [SECRET, "AKIAMICSLINTTEST", signed.split("?", 1)[1]]
    retries = 'config_kwargs={"retries": {"max_attempts": 1}, "connect_timeout": 2}'
    given = ["--storage-option", "key=AKIAMICSLINTTEST", "--storage-option", f"secret={SECRET}"]
    url = "s3://exports/2026-12-01/crm.ndjson"
    for fmt in ("text", "json", "sarif", "github"):
        shown = ["--output-format", fmt]
        good = run([url, *shown, *given, "--storage-option", s3["option"]], tmp_path)
        assert good[0] == 1 and "MIC501" in good[1]
        wrong = run(
            [
                url,
                *shown,
                *given,
                "--storage-option",
                "endpoint_url=http://127.0.0.1:9",
                "--storage-option",
                retries,
            ],
            tmp_path,
        )
        assert wrong[0] == 2 and wrong[2].count("\n") == 1
        assert wrong[2].startswith(f"mics-lint: error: cannot read {url}: ")
        presigned = run([signed, *shown], tmp_path)
        assert presigned[0] == 1 and "crm.ndjson" in presigned[1], presigned
        for _, out, err in (good, wrong, presigned):
            for secret in secrets:
                assert secret not in out + err


def test_subprocess_on_s3_with_jobs(s3: dict[str, str], tmp_path: Path) -> None:
    # The installed command, in its own process, --jobs splitting an object into chunks.
    import boto3

    body = b"".join(CRM.splitlines(keepends=True)[i % 6] for i in range(4000))
    boto3.client("s3", endpoint_url=s3["endpoint"]).put_object(
        Bucket="exports", Key="big/crm.ndjson", Body=body
    )
    (tmp_path / "crm.ndjson").write_bytes(body)
    args = [
        sys.executable,
        "-m",
        "mics_lint",
        "check",
        "--isolated",
        "--storage-option",
        s3["option"],
    ]
    env = base_env()
    split = subprocess.run(
        [*args, "-j", "2", "--chunk-size", "16384", "s3://exports/big/crm.ndjson"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    local = subprocess.run(
        [*args, "-j", "1", "crm.ndjson"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert split.stderr == ""
    assert split.stdout == unfixable(local.stdout).replace(
        "crm.ndjson", "s3://exports/big/crm.ndjson"
    )


def test_the_worked_example_of_docs_remote_md(s3: dict[str, str], tmp_path: Path) -> None:
    # Every `mics-lint check` command of docs/remote.md, run as written (in its own process,
    # against moto's server for the endpoint it names), prints the report the page shows.
    import re

    import boto3

    root = Path(__file__).parent.parent
    doc = (root / "docs" / "remote.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(mics-lint check [^\n]*)\n```", doc)
    expected = re.findall(r"```text\n(.*?)```", doc, re.DOTALL)[0]
    assert len(commands) == 2 and "--scheduler local" in commands[1]
    client = boto3.client("s3", endpoint_url=s3["endpoint"])
    client.create_bucket(Bucket="nightly")
    client.put_object(Bucket="nightly", Key="2026-12-01/crm_profiles.ndjson", Body=CRM)
    client.put_object(
        Bucket="nightly", Key="2026-12-01/clean_profiles.jsonl.gz", Body=gzip.compress(CLEAN)
    )
    for command in commands:
        args = command.replace("http://127.0.0.1:5000", s3["endpoint"]).split()[1:]
        done = subprocess.run(
            [sys.executable, "-m", "mics_lint", *args, "--isolated"],
            cwd=tmp_path,
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert (done.returncode, done.stderr) == (1, ""), command
        assert done.stdout == expected, command


def test_file_urls_read_local_files_through_fsspec(tmp_path: Path) -> None:
    need("fsspec")
    (tmp_path / "exp" / ".git").mkdir(parents=True)
    (tmp_path / "exp" / "a.ndjson").write_bytes(CRM)
    (tmp_path / "exp" / "b.jsonl.gz").write_bytes(gzip.compress(CRM))
    (tmp_path / "exp" / ".git" / "c.ndjson").write_bytes(CRM)
    code, out, err = run([f"file://{tmp_path}/exp/", "-q"], tmp_path)
    assert (code, err) == (1, "")
    _, local, _ = run(["exp", "-q"], tmp_path)
    assert out == unfixable(local).replace("exp/", f"file://{tmp_path}/exp/")


def test_the_progress_bar_counts_remote_sizes(memory: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from mics_lint.checking import Progress
    from mics_lint.discovery import Source

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    memory.pipe("/big/a.ndjson", b"x" * (Progress.THRESHOLD + 1))
    monkeypatch.setattr(sys, "stderr", Terminal())
    bar = Progress.for_sources([Source("memory://big/a.ndjson", "memory://big/a.ndjson")])
    assert bar is not None and bar.total == Progress.THRESHOLD + 1


def test_jobs_workers_not_forked_get_the_storage_options(
    s3: dict[str, str], tmp_path: Path
) -> None:
    # With spawn (forkserver is Python 3.14's default on Linux), workers inherit nothing:
    # the pool hands them the storage options (the endpoint, here) when they start.
    import boto3

    body = b"".join(CRM.splitlines(keepends=True)[i % 6] for i in range(4000))
    boto3.client("s3", endpoint_url=s3["endpoint"]).put_object(
        Bucket="exports", Key="spawn/crm.ndjson", Body=body
    )
    (tmp_path / "crm.ndjson").write_bytes(body)
    script = (
        "import multiprocessing, sys\n"
        "multiprocessing.set_start_method('spawn')\n"
        "from mics_lint.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    common = ["check", "--isolated", "--storage-option", s3["option"], "--chunk-size", "16384"]
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, *common, *extra],
            cwd=tmp_path,
            env=base_env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        for extra in (["-j", "2", "s3://exports/spawn/crm.ndjson"], ["-j", "1", "crm.ndjson"])
    ]
    assert runs[0].stderr == ""
    assert runs[0].stdout == unfixable(runs[1].stdout).replace(
        "crm.ndjson", "s3://exports/spawn/crm.ndjson"
    )


# -- what a review of the remote files found (docs/decisions.md) ------------------------------


def test_credentials_in_a_url_are_refused_and_never_shown(
    s3: dict[str, str], tmp_path: Path
) -> None:
    # botocore quotes a bucket name without its scheme: a scrub of "s3://user@" missed it.
    secrets = ["AKIAREVIEW", "SECRETPW", "sig123"]
    option = ["--storage-option", s3["option"]]
    local = str(EXAMPLES / "clean_profiles.ndjson")
    for url in (
        "s3://AKIAREVIEW:SECRETPWxyz@exports/2026-12-01/crm.ndjson",
        "s3://AKIAREVIEW:p@ssSECRETPW@exports/2026-12-01/",
        "zip://x.ndjson::s3://AKIAREVIEW:SECRETPWxyz@exports/a.zip",
        "s3://exports?X-Amz-Signature=sig123",
    ):
        for fmt in ("text", "sarif", "junit"):
            code, out, err = run([url, local, "--output-format", fmt, *option], tmp_path)
            assert code == 2, (url, err)
            assert all(secret not in out + err for secret in secrets), (url, out, err)
            assert err.count("mics-lint: error:") == 1, err
    written = run([local, "-o", "s3://AKIAREVIEW:SECRETPWxyz@exports/r.json"], tmp_path)
    assert written[0] == 2 and "credentials in a URL are not read" in written[2]
    assert all(secret not in written[2] for secret in secrets)


def test_a_file_url_report_is_written_whole_and_guarded(tmp_path: Path) -> None:
    # fsspec's local put_file copied into the target: a full disk left half a report.
    data = tmp_path / "a.ndjson"
    data.write_bytes(CRM)
    code, _, err = run([str(data), "-o", data.as_uri()], tmp_path)
    assert code == 2 and "is also an input" in err and data.read_bytes() == CRM
    report = tmp_path / "report.txt"
    report.write_text("previous\n")
    before = report.stat().st_ino
    code, _, _ = run([str(data), "-o", report.as_uri()], tmp_path)
    assert code == 1 and "MIC501" in report.read_text()
    assert report.stat().st_ino != before  # a new file renamed over it: never half-written


def test_urls_keep_their_scheme_in_ci_formats_and_aliases_are_one_object(
    memory: Any, tmp_path: Path
) -> None:
    memory.pipe("/exp/a.ndjson", CRM)
    memory.pipe("/exp/w\x1b[31m.ndjson", CRM)
    url = "memory://exp/a.ndjson"
    for fmt, needle in (
        ("gitlab", f'"path": "{url}"'),
        ("junit", f'name="{url}"'),
        ("sarif", f'"uri": "{url}"'),
        ("rdjsonl", f'"path": "{url}"'),
    ):
        out = run([url, "--output-format", fmt], tmp_path)[1]
        assert needle in out.replace('":"', '": "'), (fmt, out[:300])
    out = run(["memory://exp/"], tmp_path)[1]
    assert "\x1b" not in out and "w\\x1b[31m.ndjson" in out
    assert remote.identity("s3a://b/k.ndjson") == remote.identity("s3://b/k.ndjson")
    assert not remote.credentials("hdfs://etl@namenode:8020/x.ndjson")  # a user name
    assert not remote.credentials("abfs://container@account.dfs.core.windows.net/x.ndjson")


def test_a_presigned_gz_url_is_read_through_gzip(s3: dict[str, str], tmp_path: Path) -> None:
    import boto3

    signed = boto3.client("s3", endpoint_url=s3["endpoint"]).generate_presigned_url(
        "get_object", Params={"Bucket": "exports", "Key": "2026-12-01/clean.jsonl.gz"}
    )
    code, out, err = run([signed], tmp_path)
    assert code == 0 and err == "", (out, err)


def test_a_filesystem_that_fails_to_start_fails_its_url_only(tmp_path: Path) -> None:
    need("fsspec")
    local = str(EXAMPLES / "crm_profiles.ndjson")
    code, out, err = run(["ftp://127.0.0.1:1/x.ndjson", local], tmp_path)
    assert code == 2 and "internal error" not in err
    assert err.startswith("mics-lint: error: ftp://127.0.0.1:1/x.ndjson: ") and err.count("\n") == 1
    assert "crm_profiles.ndjson:2:" in out  # the local file is still checked
