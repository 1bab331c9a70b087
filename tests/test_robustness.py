"""Hostile input through the installed command (issue 5): each case of docs/robustness.md.

Every test runs the real `mics-lint` script as a subprocess with a timeout, so a hang fails
the test instead of blocking CI, and checks the exit code, the one `mics-lint: error: ...`
line on stderr where the case is an error, the diagnostic codes where it is a diagnostic,
and that no traceback reaches stdout or stderr.

Size extremes are kept small enough for CI (a few MB each) and timed against `BOUND`.
Signal tests start mics-lint in its own process group, as a shell starts a job, and check
that no worker process outlives it (through /proc, where there is one).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers import ALL_FORMATS, Done, base_env, installed_command, one_error_line, write
from helpers import run_installed as run

CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}'
NO_ID = '{"operation":"DELETE"}'  # MIC301 error at 1:1
TWO_IDS = '{"operation":"DELETE","email_hash":"3f2a9c","user_agent_id":"vec:123"}'  # MIC302

TIMEOUT = 60  # seconds for one command: a hang fails the test
BOUND = 20.0  # seconds of wall time allowed for a size extreme (takes about 1 s here)
FIXTURES = Path(__file__).parent / "fixtures"
# The fixtures' own config (only their doc-types): the deletion fixtures name their type.
FIXTURE_CONFIG = ["--config", str(FIXTURES / "doc-types.toml")]
SUITE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "JSONTestSuite"
# More than one process and the file split into chunks (see parallel.py).
WORKERS = ["--jobs", "2", "--chunk-size", "1000000"]
IMPORT_PATTERNS = "*.ndjson, *.jsonl, *.ndjson.gz, *.jsonl.gz"

COMMAND = installed_command()
pytestmark = pytest.mark.skipif(
    COMMAND is None,
    reason="the mics-lint console script is not installed (neither on PATH nor beside "
    f"{sys.executable}); run `pip install -e '.[test]'`",
)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals and FIFOs")
not_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root can read any file, whatever its permissions",
)

# -- helpers (the style of test_cli_subprocess.py) ---------------------------------------------


def records(stdout: str) -> list[dict[str, Any]]:
    """The records of `--output-format jsonl`."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def spots(stdout: str) -> list[tuple[str, int, str]]:
    """(path, line, code) of each jsonl record."""
    return [(r["path"], r["line"], r["code"]) for r in records(stdout)]


def live_processes(group: int) -> list[int] | None:
    """The processes of a process group that are still running (not zombies); None without
    /proc. Zombies are left out: an orphaned worker may wait for a reaper that never comes."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def assert_no_process_left(group: int, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while True:
        left = live_processes(group)
        if not left:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"processes of mics-lint still running {within} s after it ended: {left}")
        time.sleep(0.05)


def _default_signals() -> None:
    """In the child, before exec: SIGINT and SIGTERM as a shell gives a foreground job."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Running:
    """mics-lint started as a shell starts a job (its own process group), output drained."""

    def __init__(self, args: Sequence[str], cwd: Path, *, drain_stdout: bool = True) -> None:
        assert COMMAND is not None
        self.proc = subprocess.Popen(
            [COMMAND, *args],
            cwd=cwd,
            env=base_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            # Dispositions are inherited: pytest started with SIGINT ignored (a background
            # shell job) would start a mics-lint that Python gives no KeyboardInterrupt.
            preexec_fn=_default_signals,
        )
        self.started = time.monotonic()
        self.out = bytearray()
        self.err = bytearray()
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.threads = [self._drain(self.proc.stderr, self.err)]
        if drain_stdout:
            self.threads.append(self._drain(self.proc.stdout, self.out))

    @staticmethod
    def _drain(stream: Any, into: bytearray) -> threading.Thread:
        def read() -> None:
            try:
                for chunk in iter(lambda: stream.read1(65536), b""):
                    into.extend(chunk)
            except (OSError, ValueError):
                pass  # the pipe was closed under us

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        return thread

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill_group()
        self.proc.wait(timeout=TIMEOUT)

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def wait_until(self, ready: Callable[[], object], what: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if self.proc.poll() is not None:
                pytest.fail(f"mics-lint ended (exit {self.proc.returncode}) before {what}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} after {timeout} s")
            time.sleep(0.02)

    def workers_started(self) -> bool:
        left = live_processes(self.proc.pid)
        return left is None or len(left) >= 2

    def running_for(self, seconds: float) -> Callable[[], bool]:
        return lambda: time.monotonic() - self.started >= seconds

    def finish(self, timeout: float = TIMEOUT) -> tuple[int, str, str]:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_group()
            pytest.fail(f"mics-lint did not stop within {timeout} s (hang)")
        for thread in self.threads:
            thread.join(timeout=10)
        out = self.out.decode("utf-8", "replace")
        err = self.err.decode("utf-8", "replace")
        assert "Traceback" not in err, err
        return code, out, err


# -- files that are not text ------------------------------------------------------------------


def _png() -> bytes:
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes([0, 0, 1, 0, 0, 0, 1, 0, 8, 6])
    return header + random.Random(5).randbytes(2000)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.ndjson", (CLEAN + "\n") * 100)
    return buffer.getvalue()


NOT_TEXT = {
    "random-bytes": (lambda: random.Random(1234).randbytes(64 * 1024), "binary data"),
    "png": (_png, "PNG"),
    "zip": (_zip, "zip"),
    "gzip-named-ndjson": (lambda: gzip.compress((CLEAN + "\n").encode() * 100), "gzip"),
    "pdf": (lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    # Spark's `.deflate` part: read as text before, and `--fix` added a newline to it.
    "zlib": (lambda: zlib.compress((CLEAN + "\n").encode() * 100), "zlib"),
}


@pytest.mark.parametrize("kind", list(NOT_TEXT))
def test_not_text_is_an_error_naming_the_file_and_others_are_checked(
    project: Path, kind: str
) -> None:
    make, what = NOT_TEXT[kind]
    (project / "export.ndjson").write_bytes(make())
    write(project / "good.ndjson", CLEAN, NO_ID)
    result = run(["check", "--output-format", "jsonl", "export.ndjson", "good.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "export.ndjson", "not a text file (", what)
    assert spots(result.out) == [("good.ndjson", 2, "MIC301")]


def test_nul_padding_after_whole_lines_is_a_line_not_a_binary_file(project: Path) -> None:
    # A short file with 20 NULs after its lines was refused whole as binary (5% of its
    # first bytes), and its three integer compartment ids were never reported.
    line = b'{"operation":"DELETE","compartment_id":1000,"user_account_id":"CRM-1"}\n'
    (project / "padded.ndjson").write_bytes(line * 3 + b"\x00" * 20)
    result = run(["check", "--output-format", "jsonl", "padded.ndjson"], project)
    assert result.code == 1, result
    assert spots(result.out) == [
        ("padded.ndjson", 1, "MIC202"),
        ("padded.ndjson", 2, "MIC202"),
        ("padded.ndjson", 3, "MIC202"),
        ("padded.ndjson", 4, "MIC005"),
        ("padded.ndjson", 4, "MIC101"),
    ]


def test_nul_bytes_inside_a_line_are_mic101_on_that_line(project: Path) -> None:
    (project / "nul.ndjson").write_bytes(
        (CLEAN + "\n").encode()
        + b'{"operation":"DEL\x00ETE","user_agent_id":"vec:1"}\n'  # inside a string
        + b'{"operation":"DELETE",\x00"user_agent_id":"vec:2"}\n'  # between tokens
        + (TWO_IDS + "\n").encode()
    )
    result = run(["check", "--output-format", "jsonl", "nul.ndjson"], project)
    assert result.code == 1
    assert result.err == ""
    assert spots(result.out) == [
        ("nul.ndjson", 2, "MIC101"),
        ("nul.ndjson", 3, "MIC101"),
        ("nul.ndjson", 4, "MIC302"),
    ]


def test_truncated_gz_reports_what_came_before_the_break(project: Path) -> None:
    lines = [NO_ID] + [f'{{"operation":"DELETE","user_agent_id":"vec:{n}"}}' for n in range(5000)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    (project / "cut.ndjson.gz").write_bytes(packed[: len(packed) // 2])
    write(project / "good.ndjson", TWO_IDS)
    result = run(["check", "--output-format", "jsonl", "cut.ndjson.gz", "good.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "cut.ndjson.gz", "truncated")
    assert spots(result.out) == [("cut.ndjson.gz", 1, "MIC301"), ("good.ndjson", 1, "MIC302")]


def test_gz_that_is_not_gzip_is_an_error(project: Path) -> None:
    write(project / "plain.ndjson.gz", NO_ID)
    write(project / "good.ndjson", TWO_IDS)
    result = run(["check", "--output-format", "jsonl", "plain.ndjson.gz", "good.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "plain.ndjson.gz")
    assert spots(result.out) == [("good.ndjson", 1, "MIC302")]


# -- encodings --------------------------------------------------------------------------------

UTF16_TEXT = f"{CLEAN}\n{NO_ID}\n{TWO_IDS}\n"
UTF16 = {
    "le-bom": (b"\xff\xfe" + UTF16_TEXT.encode("utf-16-le"), "little-endian, with a byte-order"),
    "le": (UTF16_TEXT.encode("utf-16-le"), "little-endian, without a byte-order"),
    "be-bom": (b"\xfe\xff" + UTF16_TEXT.encode("utf-16-be"), "big-endian, with a byte-order"),
    "be": (UTF16_TEXT.encode("utf-16-be"), "big-endian, without a byte-order"),
}


@pytest.mark.parametrize("variant", list(UTF16))
def test_utf16_is_one_mic009_at_1_1(project: Path, variant: str) -> None:
    data, described = UTF16[variant]
    (project / "u16.ndjson").write_bytes(data)
    result = run(["check", "--output-format", "jsonl", "u16.ndjson"], project)
    assert result.code == 1
    assert result.err == ""
    found = records(result.out)
    assert [(r["line"], r["column"], r["code"]) for r in found] == [(1, 1, "MIC009")]
    assert "UTF-16" in found[0]["message"] and described in found[0]["message"]


@pytest.mark.parametrize("variant", list(UTF16))
def test_utf16_with_mic009_ignored_is_checked_line_by_line(project: Path, variant: str) -> None:
    (project / "u16.ndjson").write_bytes(UTF16[variant][0])
    result = run(["check", "--output-format", "jsonl", "--ignore", "MIC009", "u16.ndjson"], project)
    assert result.code == 1
    assert result.err == ""
    found = records(result.out)
    assert found, "UTF-16 read as UTF-8 has broken lines"
    assert all(r["code"].startswith(("MIC0", "MIC1")) for r in found), found
    assert "MIC009" not in {r["code"] for r in found}


def test_latin1_accents_are_mic001_at_their_column(project: Path) -> None:
    (project / "latin1.ndjson").write_bytes(
        b'{"operation":"DELETE","user_agent_id":"vec:Ren\xe9"}\n'
        # Columns count characters: the three UTF-8 accents before are one column each.
        + '{"operation":"DELETE","email_hash":"ééé","x":"'.encode()
        + b'\xe9"}\n'
        + (TWO_IDS + "\n").encode()
    )
    result = run(["check", "--output-format", "jsonl", "latin1.ndjson"], project)
    assert result.code == 1
    found = records(result.out)
    assert [(r["line"], r["column"], r["code"]) for r in found] == [
        (1, 47, "MIC001"),
        (2, 47, "MIC001"),
        (3, 45, "MIC302"),
    ]
    assert "0xE9" in found[0]["message"]


SURROGATES = [
    b'{"operation":"DELETE","user_agent_id":"vec:\\ud800"}',  # in a value
    b'{"\\ud800":1,"operation":"DELETE","user_agent_id":"vec:3"}',  # in a key
    b'{"\\ud800":1,"\\ud800":2,"operation":"DELETE","user_agent_id":"vec:4"}',  # a key twice
    b'{"operation":"UPSERT","force_replace":true,"user_agent_id":"vec:5",'
    b'"user_profile":{"\\udfff":"\\ud800\\ud800"}}',  # in the profile
    b'{"operation":"DELETE","compartment_id":"\\udbff","user_account_id":"\\udc00"}',
    b'{"operation":"DELETE","email_hash":"\\ud800@\\udc00.com"}',
]


@pytest.mark.parametrize("where", ["first-lines", "fast-path"])
def test_lone_surrogates_give_no_crash(project: Path, where: str) -> None:
    # From line 200 on, clean-looking lines go through the fast path (msgspec) first.
    before = (
        b""
        if where == "first-lines"
        else b"".join(b'{"operation":"DELETE","user_agent_id":"vec:c%d"}\n' % n for n in range(250))
    )
    (project / "sur.ndjson").write_bytes(before + b"\n".join(SURROGATES) + b"\n")
    result = run(["check", "--output-format", "jsonl", "sur.ndjson"], project)
    assert result.code in (0, 1)
    assert result.err == ""
    assert all(r["code"].startswith("MIC") for r in records(result.out))


# -- size extremes ----------------------------------------------------------------------------

BIG_LINE = '{"operation":"DELETE","user_agent_id":"vec:' + "x" * 5_000_000 + '"}'


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (f"{BIG_LINE}\n{NO_ID}\n", [(1, "MIC010"), (2, "MIC301")]),
        (f"{BIG_LINE}\r\n{NO_ID}\r\n", [(1, "MIC010"), (2, "MIC003"), (2, "MIC301")]),
        (f"{NO_ID}\n{BIG_LINE}", [(1, "MIC301"), (2, "MIC010")]),  # no final newline
    ],
    ids=["lf", "crlf", "last-line-without-newline"],
)
def test_line_over_max_line_bytes_is_mic010_with_its_size(
    project: Path, content: str, expected: list[tuple[int, str]]
) -> None:
    (project / "long.ndjson").write_bytes(content.encode())
    result = run(
        ["check", "--output-format", "jsonl", "--max-line-bytes", "1MiB", "long.ndjson"], project
    )
    assert result.seconds < BOUND
    assert result.code == 1
    found = records(result.out)
    assert [(r["line"], r["code"]) for r in found] == expected
    (too_long,) = (r for r in found if r["code"] == "MIC010")
    assert f"{len(BIG_LINE):,} bytes" in too_long["message"]  # 5,000,045 bytes
    assert "1 MiB" in too_long["message"]


@pytest.mark.parametrize(
    "ending",
    [
        "\n",
        "\r\n",  # once cut between its CR and LF (the reader read limit + 1 bytes)
    ],
    ids=["lf", "crlf"],
)
def test_line_of_exactly_max_line_bytes_is_read(project: Path, ending: str) -> None:
    limit = 1024 * 1024
    exact = '{"operation":"DELETE","user_agent_id":"vec:' + "x" * (limit - 45) + '"}'
    assert len(exact) == limit
    (project / "exact.ndjson").write_bytes(f"{exact}{ending}{NO_ID}{ending}".encode())
    result = run(
        ["check", "--output-format", "jsonl", "--max-line-bytes", str(limit), "exact.ndjson"],
        project,
    )
    assert result.code == 1
    codes = [(line, code) for _, line, code in spots(result.out) if code != "MIC003"]
    assert codes == [(2, "MIC301")]


def test_garbage_without_any_newline(project: Path) -> None:
    rng = random.Random(7)
    alphabet = b'abcdefghij{}[]",:0123456789 '
    (project / "garbage.ndjson").write_bytes(bytes(rng.choices(alphabet, k=5_000_000)))
    limited = run(
        ["check", "--output-format", "jsonl", "--max-line-bytes", "1MiB", "garbage.ndjson"],
        project,
    )
    assert limited.seconds < BOUND
    assert limited.code == 1
    assert spots(limited.out) == [("garbage.ndjson", 1, "MIC010")]
    assert "5,000,000 bytes" in records(limited.out)[0]["message"]
    whole = run(["check", "--output-format", "jsonl", "garbage.ndjson"], project)  # parsed
    assert whole.seconds < BOUND
    assert whole.code == 1
    assert "MIC101" in {code for _, _, code in spots(whole.out)}


DEPTH = 100_000
DEEP = {
    "arrays-open": "[" * DEPTH,
    "arrays-closed": "[" * DEPTH + "]" * DEPTH,  # valid JSON, too deep for any parser here
    "objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "in-profile": '{"operation":"UPSERT","force_replace":true,"user_agent_id":"vec:1",'
    '"user_profile":' + '{"a":' * DEPTH + "1" + "}" * (DEPTH + 1),
}


@pytest.mark.parametrize("kind", list(DEEP))
def test_deep_nesting_is_a_diagnostic(project: Path, kind: str) -> None:
    write(project / "deep.ndjson", DEEP[kind], TWO_IDS)
    result = run(["check", "--output-format", "jsonl", "deep.ndjson"], project)
    assert result.seconds < BOUND
    assert result.code == 1
    assert result.err == ""
    found = records(result.out)
    assert [(r["line"], r["code"]) for r in found] == [(1, "MIC101"), (2, "MIC302")]
    assert "depth" in found[0]["message"]


NEAR_LIMIT = 1_020  # orjson parses values nested up to 1,024 deep: past Python's own limit
PROFILE = '{"operation":"UPSERT","force_replace":true,"user_agent_id":"vec:1","user_profile":%s}'
EVENT = (
    '{"$user_agent_id":"vec:1","$type":"TOUCH","$session_status":"NO_SESSION","$ts":'
    '1700000000000,"$events":[{"$event_name":"e","$ts":1700000000000,"$properties":%s}]}'
)


@pytest.mark.parametrize("shell", [PROFILE, EVENT, "%s"])
@pytest.mark.parametrize(
    ("wrap", "leaf"),
    [('{"a":%s}', '"<X>"'), ("[%s]", '"<X>"'), ('{"<k>":%s}', '" x "'), ("[%s]", "1" * 25)],
)
def test_values_nested_near_orjsons_limit(project: Path, shell: str, wrap: str, leaf: str) -> None:
    """A value nested as deep as orjson takes, holding what a rule walks the record for (a
    placeholder, MIC206, crashed at 990 levels: its walk recursed): diagnostics, no crash."""
    opening, closing = wrap.split("%s")
    deep = opening * NEAR_LIMIT + leaf + closing * NEAR_LIMIT
    write(project / "deep.ndjson", shell % deep, shell % deep)
    result = run(["check", "--output-format", "jsonl", "deep.ndjson"], project)
    assert result.err == ""
    assert result.code in (0, 1) and "internal error" not in result.out


def test_profile_with_100000_keys(project: Path) -> None:
    keys = ",".join(f'"k{n}":{n}' for n in range(100_000))
    write(
        project / "keys.ndjson",
        '{"operation":"UPSERT","force_replace":true,"user_agent_id":"vec:1",'
        f'"user_profile":{{{keys}}}}}',
        TWO_IDS,
    )
    result = run(["check", "--output-format", "jsonl", "keys.ndjson"], project)
    assert result.seconds < BOUND
    assert result.code == 1
    assert spots(result.out) == [("keys.ndjson", 2, "MIC302")]


def test_command_with_100000_unknown_keys(project: Path) -> None:
    keys = ",".join(f'"k{n}":{n}' for n in range(100_000))
    write(project / "keys.ndjson", f'{{"operation":"DELETE","user_agent_id":"vec:1",{keys}}}')
    result = run(["check", "--statistics", "--output-format", "json", "keys.ndjson"], project)
    assert result.seconds < BOUND
    assert result.code == 1
    counts = {row["code"]: row["count"] for row in json.loads(result.out)}
    assert counts == {"MIC204": 100_000}


def test_a_long_value_around_an_at_sign(project: Path) -> None:
    """An address searched for from every character of a long run before its "@" took
    6 s for 40 KB (MIC305 in a hash, MIC306 in a user agent id), 20 s for three lines."""
    value = "x" * 200_000 + "@" + "y" * 200_000
    write(
        project / "at.ndjson",
        f'{{"operation":"DELETE","email_hash":"{value}"}}',
        f'{{"operation":"DELETE","user_agent_id":"{value}"}}',
    )
    result = run(["check", "--output-format", "jsonl", "at.ndjson"], project)
    assert result.seconds < BOUND
    assert [r["code"] for r in records(result.out)] == ["MIC306"]


DIGITS = "9" * 10_000
HUGE_NUMBERS = [
    '{"operation":"UPSERT","force_replace":true,"user_agent_id":"vec:1",'
    f'"user_profile":{{"score":{DIGITS}}}}}',
    f'{{"operation":"DELETE","compartment_id":{DIGITS},"user_account_id":"a"}}',
]


def test_numbers_of_10000_digits(project: Path) -> None:
    write(project / "digits.ndjson", *HUGE_NUMBERS)
    result = run(["check", "--output-format", "jsonl", "digits.ndjson"], project)
    assert result.seconds < BOUND
    assert result.code == 1
    found = records(result.out)
    assert [(r["line"], r["code"]) for r in found] == [(1, "MIC104"), (2, "MIC104"), (2, "MIC202")]
    assert "10,000 digits" in found[0]["message"]
    for record in found:
        assert "9" * 20 not in record["message"], record


@pytest.mark.parametrize("output_format", ALL_FORMATS)
def test_every_format_survives_huge_numbers_and_surrogates(
    project: Path, output_format: str
) -> None:
    write(project / "digits.ndjson", *HUGE_NUMBERS)
    (project / "sur.ndjson").write_bytes(b"\n".join(SURROGATES) + b"\n")
    result = run(
        ["check", "--output-format", output_format, "digits.ndjson", "sur.ndjson"],
        project,
        env=base_env(COLUMNS="200"),
    )
    assert result.code == 1
    assert result.err == ""
    assert "9" * 20 not in result.out  # no format prints the number


def test_200000_lines_in_bounded_time(project: Path) -> None:
    (project / "many.ndjson").write_bytes(
        "".join(
            f'{{"operation":"DELETE","user_agent_id":"vec:{n}"}}\n' for n in range(200_000)
        ).encode()
    )
    result = run(["check", "many.ndjson"], project)
    assert result.seconds < BOUND
    assert result.code == 0
    assert result.err == ""
    assert result.out == "All checks passed. Checked as USER_PROFILE.\n"


# -- paths ------------------------------------------------------------------------------------


def test_missing_file_is_named_and_the_others_checked(project: Path) -> None:
    write(project / "a.ndjson", NO_ID)
    write(project / "b.ndjson", TWO_IDS)
    result = run(
        ["check", "--output-format", "jsonl", "a.ndjson", "missing.ndjson", "b.ndjson"], project
    )
    assert result.code == 2
    one_error_line(result.err, "missing.ndjson", "no such file")
    assert spots(result.out) == [("a.ndjson", 1, "MIC301"), ("b.ndjson", 1, "MIC302")]


@pytest.mark.parametrize("given", [["export"], []], ids=["named", "current-folder"])
def test_folder_without_import_files_is_a_warning(project: Path, given: list[str]) -> None:
    """What _expand and walk do: a warning naming the folder, nothing checked, exit 0."""
    folder = project / "export" if given else project
    write(folder / "notes.txt", "not an import file")
    write(folder / "data.json", CLEAN)  # .json is not searched for
    write(folder / ".hidden" / "skipped.ndjson", NO_ID)  # hidden folders are skipped
    result = run(["check", *given], project)
    assert result.code == 0
    name = given[0] if given else "."
    assert result.err.splitlines() == [
        f"mics-lint: warning: no import files in {name} (looked for {IMPORT_PATTERNS}, and "
        "Spark's part-*.json and part-*.json.gz); it holds 1 .json file: if it is a JSON "
        f"Lines export, name it: mics-lint check {name}/*.json"
    ]
    assert result.out == "No import files to check.\n"


def test_folder_without_import_files_beside_a_file(project: Path) -> None:
    (project / "empty").mkdir()
    write(project / "a.ndjson", NO_ID)
    result = run(["check", "--output-format", "jsonl", "empty", "a.ndjson"], project)
    assert result.code == 1
    assert result.err.startswith("mics-lint: warning: no import files in empty")
    assert spots(result.out) == [("a.ndjson", 1, "MIC301")]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_symlink_loops_in_a_folder_do_not_hang(project: Path) -> None:
    folder = project / "data"
    write(folder / "a.ndjson", NO_ID)
    (folder / "sub").mkdir()
    os.symlink(".", folder / "loop")
    os.symlink("..", folder / "up")
    os.symlink("..", folder / "sub" / "back")
    os.symlink("a.ndjson", folder / "same.ndjson")  # the same file under another name
    result = run(["check", "--output-format", "jsonl", "data"], project)
    assert result.seconds < BOUND
    assert result.code == 1
    assert result.err == ""
    assert spots(result.out) == [(os.path.join("data", "a.ndjson"), 1, "MIC301")]


@not_root
def test_file_without_read_permission(project: Path) -> None:
    secret = write(project / "secret.ndjson", NO_ID)
    secret.chmod(0)
    write(project / "b.ndjson", TWO_IDS)
    try:
        result = run(["check", "--output-format", "jsonl", "secret.ndjson", "b.ndjson"], project)
    finally:
        secret.chmod(0o644)
    assert result.code == 2
    one_error_line(result.err, "secret.ndjson", "Permission denied")
    assert spots(result.out) == [("b.ndjson", 1, "MIC302")]


@not_root
def test_folder_without_read_permission_inside_a_search(project: Path) -> None:
    write(project / "data" / "a.ndjson", NO_ID)
    locked = project / "data" / "locked"
    write(locked / "b.ndjson", NO_ID)
    locked.chmod(0)
    try:
        result = run(["check", "--output-format", "jsonl", "data"], project)
    finally:
        locked.chmod(0o755)
    assert result.code == 2
    one_error_line(result.err, "locked", "Permission denied")
    assert spots(result.out) == [(os.path.join("data", "a.ndjson"), 1, "MIC301")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_without_writer_reads_as_empty(project: Path) -> None:
    os.mkfifo(project / "pipe.ndjson")
    result = run(["check", "--output-format", "jsonl", "pipe.ndjson"], project)
    assert result.seconds < BOUND
    assert result.code == 0
    assert result.err == ""
    assert spots(result.out) == [("pipe.ndjson", 1, "MIC008")]
    assert "empty" in records(result.out)[0]["message"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_with_a_writer_is_read_as_it_comes(project: Path) -> None:
    fifo = project / "pipe.ndjson"
    os.mkfifo(fifo)
    # A reader that never reads: the writer's open returns at once, and what it writes stays
    # in the pipe whenever mics-lint opens it.
    keeper = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    opened = threading.Event()

    def writer() -> None:
        fd = os.open(fifo, os.O_WRONLY)
        opened.set()
        try:
            os.write(fd, (NO_ID + "\n").encode())
            time.sleep(0.5)  # mics-lint waits for the rest while a writer is there
            os.write(fd, (TWO_IDS + "\n").encode())
        finally:
            os.close(fd)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        assert opened.wait(10)
        result = run(["check", "--output-format", "jsonl", "pipe.ndjson"], project)
    finally:
        thread.join(10)
        os.close(keeper)
    assert result.code == 1
    assert result.err == ""
    assert spots(result.out) == [("pipe.ndjson", 1, "MIC301"), ("pipe.ndjson", 2, "MIC302")]


@pytest.mark.parametrize(
    "names",
    [
        ["a.ndjson", "a.ndjson"],
        ["./a.ndjson", "a.ndjson"],
        ["ABSOLUTE", "a.ndjson"],
        [".", "a.ndjson"],
        ["a.ndjson", "link.ndjson"],
    ],
    ids=["twice", "dot-slash", "absolute", "folder-and-file", "symlink"],
)
def test_same_file_named_twice_is_checked_once(project: Path, names: list[str]) -> None:
    write(project / "a.ndjson", NO_ID)
    if "link.ndjson" in names:
        if not hasattr(os, "symlink"):
            pytest.skip("needs symbolic links")
        os.symlink("a.ndjson", project / "link.ndjson")
    names = [str(project / "a.ndjson") if n == "ABSOLUTE" else n for n in names]
    result = run(["check", *names], project)
    assert result.code == 1
    assert result.out.count("MIC301") == 1, result.out
    assert result.out.endswith("Found 1 error in 1 file. Checked as USER_PROFILE.\n")


# -- standard input ---------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("how", ["preexec", "shell"])
def test_closed_stdin_is_an_error(project: Path, how: str) -> None:
    assert COMMAND is not None
    if how == "preexec":
        result = run(
            ["check", "--stdin-filename", "in.ndjson", "-"],
            project,
            stdin=subprocess.DEVNULL,
            preexec_fn=lambda: os.close(0),
        )
    else:
        script = 'exec "$0" check --stdin-filename in.ndjson - <&-'
        result = run([], project, argv=["sh", "-c", script, COMMAND])
    assert result.code == 2
    one_error_line(result.err, "in.ndjson", "standard input is closed")


def test_empty_stdin_is_mic008(project: Path) -> None:
    result = run(["check", "--output-format", "jsonl", "-"], project, stdin=subprocess.DEVNULL)
    assert result.code == 0
    assert result.err == ""
    assert spots(result.out) == [("-", 1, "MIC008")]


def test_binary_stdin_is_not_a_text_file(project: Path) -> None:
    result = run(["check", "-"], project, input=random.Random(99).randbytes(32 * 1024))
    assert result.code == 2
    one_error_line(result.err, "-", "not a text file (")


def test_gzip_on_stdin_is_read_as_a_gz_file_is(project: Path) -> None:
    # It was "not a text file (gzip-compressed data: name it .gz ...)": stdin has no name.
    data = gzip.compress((CLEAN + "\n" + NO_ID + "\n").encode())
    result = run(["check", "--output-format", "jsonl", "-"], project, input=data)
    assert result.code == 1, result
    assert spots(result.out) == [("-", 2, "MIC301")]
    cut = run(["check", "-"], project, input=data[: len(data) // 2])
    assert cut.code == 2
    one_error_line(cut.err, "-", "truncated")


@pytest.mark.parametrize(
    ("spoil", "said"),
    [
        (lambda d: d[:-8] + b"\0\0\0\0" + d[-4:], "(CRC check failed"),
        (lambda d: d[:-4] + b"\x05\0\0\0", "(Incorrect length of data produced)"),
    ],
    ids=["crc", "length"],
)
def test_a_corrupt_gz_file_says_to_get_a_good_copy(
    project: Path, spoil: Callable[[bytes], bytes], said: str
) -> None:
    """gzip's own words gave the two checksums and no way out."""
    (project / "c.ndjson.gz").write_bytes(spoil(gzip.compress((CLEAN + "\n").encode())))
    result = run(["check", "c.ndjson.gz"], project)
    assert result.code == 2
    one_error_line(result.err, "c.ndjson.gz: the compressed file is corrupt", said, "again")


def test_gzip_on_stdin_is_fixed_and_written_back_gzipped(project: Path) -> None:
    # The check marked its fixes [*], which `--fix -` and `--diff -` then refused (a review).
    data = gzip.compress((CLEAN + ",\r\n" + CLEAN.replace('"1000"', "1000") + "\r\n").encode())
    marked = run(["check", "-"], project, input=data)
    assert "3 problems marked [*]" in marked.out, marked
    fixed = run(["check", "--fix", "-"], project, input=data)
    assert fixed.code == 0 and "Fixed 3 problems" in fixed.err, fixed  # a MIC501 is left
    assert gzip.decompress(fixed.raw_out) == (CLEAN + "\n" + CLEAN + "\n").encode()
    diff = run(["check", "--diff", "-"], project, input=data)
    assert diff.code == 1 and "Would fix 3 problems" in diff.err, diff
    assert diff.out.count("\n+{") == 2
    # Cut short: as it came on stdout, and one line.
    cut = data[: len(data) // 2]
    for option in ("--fix", "--diff"):
        done = run(["check", option, "-"], project, input=cut)
        assert done.code == 2, done
        errors = [line for line in done.err.splitlines() if line.startswith("mics-lint: error")]
        assert errors == ["mics-lint: error: cannot read -: the compressed file is truncated"]
        if option == "--fix":
            assert done.raw_out == cut


# -- output -----------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize(
    ("output_format", "reader"),
    [
        ("text", "head -1"),
        ("json", "head -c 100"),
        ("jsonl", "head -1"),
        ("full", "head -1"),
        ("sarif", "head -c 100"),
    ],
)
def test_reader_going_away_gives_no_traceback(
    project: Path, output_format: str, reader: str
) -> None:
    assert COMMAND is not None
    write(project / "bad.ndjson", *([NO_ID] * 20_000))
    script = (
        f'{{ "$0" check --output-format {output_format} bad.ndjson; echo $? > rc.txt; }} | {reader}'
    )
    result = run([], project, argv=["sh", "-c", script, COMMAND])
    assert result.code == 0  # head's
    assert result.out
    if output_format == "text":
        assert result.out.startswith("bad.ndjson:1:1: MIC301 [error] ")
    assert (project / "rc.txt").read_text().strip() == "1"
    assert "BrokenPipeError" not in result.err
    assert "Exception ignored" not in result.err
    assert result.err == ""


@posix_only
@pytest.mark.parametrize("how", ["ctrl-c", "kill-int", "sigterm"])
def test_stopping_one_process_is_one_line(tmp_path: Path, big_file: Path, how: str) -> None:
    """Ctrl-C on a terminal signals the whole process group; `kill -INT` and `kill` only
    mics-lint. A report being written is left as it was, without a temporary file."""
    report = tmp_path / "report.txt"
    report.write_bytes(b"the previous report\n")
    output = ["-o", str(report)] if how == "sigterm" else []
    with Running(["check", "--isolated", "--jobs", "1", *output, str(big_file)], tmp_path) as job:
        _wait_until_busy(job, report if output else None)
        _stop(job, how)
        code, out, err = job.finish()
    assert (code, err) == STOPPED[how]
    if output:
        assert out == ""
    assert report.read_bytes() == b"the previous report\n"
    assert _temporaries(tmp_path) == []
    assert_no_process_left(job.proc.pid)


# What stopping early must give: (exit code, stderr).
STOPPED = {
    "reader-gone": (1, ""),
    "ctrl-c": (130, "mics-lint: error: interrupted\n"),
    "kill-int": (130, "mics-lint: error: interrupted\n"),
    "sigterm": (143, "mics-lint: error: terminated\n"),
}


@posix_only
@pytest.mark.parametrize("how", list(STOPPED))
def test_stopping_early_stops_the_workers_at_once(tmp_path: Path, big_file: Path, how: str) -> None:
    """`| head -1`, Ctrl-C, `kill -INT`, `kill` while worker processes check chunks."""
    report = tmp_path / "report.txt"
    report.write_bytes(b"the previous report\n")
    output = ["-o", str(report)] if how == "sigterm" else []
    args = ["check", "--isolated", *WORKERS, *output, str(big_file)]
    with Running(args, tmp_path, drain_stdout=how != "reader-gone") as job:
        if how == "reader-gone":
            assert job.proc.stdout is not None
            assert job.proc.stdout.readline().startswith(
                f"{big_file}:1:1: MIC301 [error] ".encode()
            )
        _wait_until_busy(job, report if output else None, drained=how != "reader-gone")
        job.wait_until(job.workers_started, "worker processes")
        _stop(job, how)
        stopped = time.monotonic()
        code, _, err = job.finish(timeout=10)
        took = time.monotonic() - stopped
    assert (code, err) == STOPPED[how]
    assert took < 5, f"went on for {took:.1f} s"
    assert report.read_bytes() == b"the previous report\n"
    assert _temporaries(tmp_path) == []
    assert_no_process_left(job.proc.pid)


def _wait_until_busy(job: Running, report: Path | None, *, drained: bool = True) -> None:
    """Until mics-lint is half a second into its work (its signal handlers are set)."""
    if report is not None:
        job.wait_until(lambda: _temporaries(report.parent), "temporary report file")
    elif drained:
        job.wait_until(lambda: job.out, "diagnostics")
    job.wait_until(job.running_for(0.5), "half a second")


def _stop(job: Running, how: str) -> None:
    assert job.proc.poll() is None, "the file is too small: the run ended before being stopped"
    if how == "reader-gone":
        assert job.proc.stdout is not None
        job.proc.stdout.close()
    elif how == "ctrl-c":
        os.killpg(job.proc.pid, signal.SIGINT)
    elif how == "kill-int":
        os.kill(job.proc.pid, signal.SIGINT)
    else:
        os.kill(job.proc.pid, signal.SIGTERM)


def _temporaries(folder: Path, target: str = "report.txt") -> list[str]:
    """The temporary files of `-o target` (see `_replaced` in output.py: `.target.XXXXXX`)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{target}."))


# -- atomic writes ----------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("jobs", [["--jobs", "1"], WORKERS], ids=["one-process", "workers"])
def test_kill_9_leaves_the_old_report_and_no_worker(
    tmp_path: Path, big_file: Path, jobs: list[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    report = out / "report.txt"
    report.write_bytes(b"the previous report\n")
    before = sorted(p.name for p in out.iterdir())
    with Running(["check", "--isolated", *jobs, "-o", str(report), str(big_file)], tmp_path) as job:
        job.wait_until(lambda: _temporaries(out), "temporary report file")
        job.wait_until(job.running_for(0.5), "half a second")
        if jobs == WORKERS:
            job.wait_until(job.workers_started, "worker processes")
        os.kill(job.proc.pid, signal.SIGKILL)
        code, _, _ = job.finish()
        assert code == -signal.SIGKILL
        # Workers notice that their parent is gone and exit (they check twice a second).
        assert_no_process_left(job.proc.pid, within=5.0)
    assert report.read_bytes() == b"the previous report\n"
    strays = sorted(set(p.name for p in out.iterdir()) - set(before))
    assert all(name.startswith(".report.txt.") for name in strays), strays


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664])
def test_report_file_keeps_its_permissions(project: Path, mode: int) -> None:
    write(project / "a.ndjson", NO_ID)
    report = project / "report.txt"
    report.write_text("old\n")
    report.chmod(mode)
    extra = project / "extra.sarif"
    extra.write_text("{}")
    extra.chmod(mode)
    result = run(
        ["check", "-o", "report.txt", "--report", "sarif:extra.sarif", "a.ndjson"], project
    )
    assert result.code == 1
    assert "MIC301" in report.read_text()
    assert "MIC301" in extra.read_text()
    assert stat.S_IMODE(report.stat().st_mode) == mode
    assert stat.S_IMODE(extra.stat().st_mode) == mode
    assert _temporaries(project) == []


@posix_only
def test_new_report_file_follows_the_umask(project: Path) -> None:
    write(project / "a.ndjson", NO_ID)
    result = run(
        ["check", "-o", "new.txt", "a.ndjson"], project, preexec_fn=lambda: os.umask(0o027)
    )
    assert result.code == 1
    assert stat.S_IMODE((project / "new.txt").stat().st_mode) == 0o640


@posix_only
def test_closed_stdout_is_an_error(project: Path) -> None:
    assert COMMAND is not None
    write(project / "a.ndjson", NO_ID)
    result = run([], project, argv=["sh", "-c", 'exec "$0" check a.ndjson >&-', COMMAND])
    assert result.code == 2
    one_error_line(result.err, "standard output is closed", "-o")


@posix_only
@pytest.mark.parametrize(
    "args",
    [
        "",
        "--help",
        "--version",
        "rules",
        "rule MIC101",
        "check --help",
        "check --show-settings a.ndjson",
        "check --show-files a.ndjson",
    ],
)
def test_closed_stdout_is_an_error_for_every_command_that_writes_there(
    project: Path, args: str
) -> None:
    """click.echo writes nothing to a closed stdout: these exited 0, their output lost."""
    assert COMMAND is not None
    write(project / "a.ndjson", NO_ID)
    result = run([], project, argv=["sh", "-c", f'exec "$0" {args} >&-', COMMAND])
    assert result.code == 2
    one_error_line(result.err, "standard output is closed")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_disk_on_stdout_is_an_error(project: Path) -> None:
    assert COMMAND is not None
    write(project / "a.ndjson", NO_ID)
    result = run([], project, argv=["sh", "-c", 'exec "$0" check a.ndjson > /dev/full', COMMAND])
    assert result.code == 2
    one_error_line(result.err, "cannot write the report", "No space left on device")


# -- JSONTestSuite through the command --------------------------------------------------------

CASES_DIR = SUITE / "test_parsing"
CASES = sorted(p.name for p in CASES_DIR.glob("*.json")) if CASES_DIR.is_dir() else []
needs_suite = pytest.mark.skipif(
    not CASES, reason="JSONTestSuite not found (shared/corpora/ beside the checkout)"
)


def _suite_batch(prefix: str) -> tuple[Done, list[str], dict[str, list[dict[str, Any]]]]:
    names = [n for n in CASES if n.startswith(prefix)]
    assert names
    result = run(
        ["check", "--isolated", "--jobs", "1", "--output-format", "jsonl", *names], CASES_DIR
    )
    by_file: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for record in records(result.out):
        by_file[record["path"]].append(record)
    return result, names, by_file


def _blank(name: str) -> bool:
    return not (CASES_DIR / name).read_bytes().strip(b" \t\r\n")


@needs_suite
def test_jsontestsuite_n_cases_are_diagnostics_never_exit_2() -> None:
    result, names, by_file = _suite_batch("n_")
    assert result.err == ""  # no file is an error (it would be exit 2 on its own)
    assert result.code == 1
    for name in names:
        found = by_file[name]
        assert any(r["code"].startswith(("MIC0", "MIC1")) for r in found), (name, found)
        if _blank(name):
            # An empty file: MIC008, a warning, exit 0 on its own (as empty stdin or a FIFO).
            assert [r["code"] for r in found] == ["MIC008"], (name, found)
        else:
            assert any(r["severity"] == "error" for r in found), (name, found)  # exit 1 alone
    blank = [n for n in names if _blank(n)]
    assert run(["check", "--isolated", *blank], CASES_DIR).code == 0
    broken = next(n for n in names if not _blank(n))
    assert run(["check", "--isolated", broken], CASES_DIR).code == 1


@needs_suite
def test_jsontestsuite_one_line_y_cases_parse() -> None:
    result, names, by_file = _suite_batch("y_")
    assert result.err == ""
    assert result.code in (0, 1)
    for name in names:
        if len((CASES_DIR / name).read_bytes().rstrip(b"\n").split(b"\n")) == 1:
            codes = [r["code"] for r in by_file[name]]
            assert "MIC101" not in codes and "MIC001" not in codes, (name, codes)


@needs_suite
def test_jsontestsuite_i_cases_exit_0_or_1() -> None:
    result, names, by_file = _suite_batch("i_")
    assert result.err == ""  # so each file on its own exits 0 or 1, never 2
    assert result.code in (0, 1)
    for name in names:
        assert all(r["code"].startswith("MIC") for r in by_file[name])


# -- security ---------------------------------------------------------------------------------

NETWORK_PROBE = r"""
import json, socket, sys

events = []
NETWORK = ("socket.", "urllib.Request", "http.client.", "ftplib.", "smtplib.", "poplib.",
           "imaplib.", "nntplib.", "telnetlib.", "webbrowser.", "subprocess.Popen",
           "os.system", "os.exec", "os.posix_spawn", "os.spawn")

def hook(event, args):
    if event.startswith(NETWORK):
        events.append(event)
        raise RuntimeError("mics-lint used the network or ran a program: " + event)

sys.addaudithook(hook)

class NoSocket(socket.socket):
    def __init__(self, *args, **kwargs):
        events.append("socket.socket()")
        raise OSError("no network in this test")

def refuse(*args, **kwargs):
    events.append("socket function")
    raise OSError("no network in this test")

socket.socket = NoSocket
socket.create_connection = socket.getaddrinfo = socket.gethostbyname = refuse

from mics_lint.cli import main

plan = json.loads(sys.argv[1])
codes = []
for args in plan["runs"]:
    try:
        main(args)
    except SystemExit as done:
        codes.append(done.code)

# Through the API: every schema loaded and checked by jsonschema, and records whose "$ref"s
# point elsewhere validated (an instance's $ref is data, never fetched).
import jsonschema
from mics_lint import Settings, lint_lines
from mics_lint import schema as schemas
from mics_lint.doctypes import DOC_TYPES

def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)

remote = ["http://127.0.0.1:9/schema.json", "https://example.invalid/s.json#/x",
          "file:///etc/passwd", "urn:example:x", "//example.invalid/x"]
foreign_refs, api_errors, api_diagnostics = [], 0, 0
for doc in DOC_TYPES.values():
    schema = schemas.load_schema(doc.schema_file)
    foreign_refs += [r for r in refs(schema) if not r.startswith("#")]
    jsonschema.validators.validator_for(schema).check_schema(schema)
    validator = schemas.validator_for(doc.schema_file)
    for ref in remote:
        tests = [
            {"$ref": ref, "operation": "UPSERT", "user_agent_id": "vec:1"},
            {"operation": "UPSERT", "force_replace": True, "user_agent_id": "vec:1",
             "user_profile": {"$ref": ref, "$schema": ref, "$id": ref}},
            {"$schema": ref, "$id": ref, "operation": {"$ref": ref},
             "compartment_id": {"$ref": ref}, "user_account_id": [{"$ref": ref}]},
        ]
        for record in tests:
            api_errors += len(list(validator.iter_errors(record)))
            api_errors += len(list(jsonschema.validators.validator_for(schema)(schema)
                                   .iter_errors(record)))
        lines = [json.dumps(t).encode() + b"\n" for t in tests]
        api_diagnostics += len(list(lint_lines(lines, "refs.ndjson",
                                               Settings(doc_type=doc.name))))

with open(plan["result"], "w") as out:
    json.dump({"codes": codes, "events": events, "foreign_refs": foreign_refs,
               "api_errors": api_errors, "api_diagnostics": api_diagnostics}, out)
"""


def _many_hits(path: Path) -> Path:
    """A file of 12,000 lines hitting many rules, large enough to be split across workers."""
    lines = [
        NO_ID,
        TWO_IDS,
        '{"operation":"upsert","compartment_id":1000,"user_account_id":"<ID>"}',
        '{"operation":"DELETE","email_hash":"jane@example.com","extra":1}',
        '{"operation":"UPSERT","user_agent_id":"vec 1","user_profile":[]}',
        '{"operation":"DELETE","user_agent_id":"vec:1"},',
        "[1,2,3]",
        "",
    ]
    path.write_bytes("".join(lines[n % len(lines)] + "\n" for n in range(12_000)).encode())
    return path


def test_no_network_connection_in_any_format_nor_through_the_api(tmp_path: Path) -> None:
    """Sockets refused (patched, and by an audit hook) while every format, extra reports,
    worker processes and the schemas (jsonschema, records with remote `$ref`s) run."""
    many = _many_hits(tmp_path / "many.ndjson")
    out = tmp_path / "reports"
    rules = str(FIXTURES / "rules")  # every rule fires in these files
    check = ["check", *FIXTURE_CONFIG, "--jobs", "1"]
    runs = [[*check, "--output-format", f, "-o", str(out / f), rules] for f in ALL_FORMATS]
    runs += [
        [*check, "--statistics", "--output-format", "json", "-o", str(out / "stats.json"),
         "--report", f"sarif:{out / 'extra.sarif'}", "--report", f"junit:{out / 'extra.xml'}",
         str(FIXTURES)],
        [*check, "--max-line-bytes", "64", "--max-file-size", "1KB", "-o", str(out / "limits"),
         rules],
        ["check", "--isolated", "--jobs", "2", "--chunk-size", "100000", "--output-format",
         "jsonl", "-o", str(out / "workers.jsonl"), str(many)],
    ]  # fmt: skip
    plan = {"runs": runs, "result": str(tmp_path / "result.json")}
    result = run(
        [],
        tmp_path,
        argv=[sys.executable, "-c", NETWORK_PROBE, json.dumps(plan)],
        env=base_env(COLUMNS="120"),
    )
    assert result.code == 0, result.err
    outcome = json.loads((tmp_path / "result.json").read_text())
    assert outcome["events"] == []
    assert outcome["codes"] == [1] * len(runs), result.err
    assert outcome["foreign_refs"] == []
    assert outcome["api_errors"] > 0 and outcome["api_diagnostics"] > 0
    workers = records((out / "workers.jsonl").read_text())
    assert len({r["code"] for r in workers}) >= 10


def _strace() -> str:
    exe = shutil.which("strace")
    if exe is None:
        pytest.skip("strace is not installed")
    try:
        probe = subprocess.run(
            [exe, "-f", "-qq", "-e", "trace=none", "true"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"strace does not run here: {getattr(exc, 'strerror', None) or 'timed out'}")
    if probe.returncode != 0:
        pytest.skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace')}")
    return exe


@posix_only
def test_no_network_system_call_under_strace(tmp_path: Path) -> None:
    exe = _strace()
    assert COMMAND is not None
    many = _many_hits(tmp_path / "many.ndjson")
    trace = tmp_path / "trace.txt"
    argv = [exe, "-f", "-qq", "-e", "trace=network", "-o", str(trace), COMMAND, "check",
            *FIXTURE_CONFIG, *WORKERS[:2], "--chunk-size", "100000", "--output-format", "sarif",
            str(many), str(FIXTURES / "rules")]  # fmt: skip
    result = run([], tmp_path, argv=argv)
    assert result.code == 1
    calls = [line for line in trace.read_text().splitlines() if "(" in line]
    assert not [c for c in calls if "AF_INET" in c or "connect(" in c or "sendto(" in c], calls


@pytest.mark.parametrize(
    ("config_name", "content", "needles", "module"),
    [
        ("mics-lint.toml", 'plugins = ["wave"]\n', ["unknown key", "'plugins'"], "wave"),
        ("mics-lint.toml", 'import = "colorsys"\n', ["unknown key", "'import'"], "colorsys"),
        ("mics-lint.toml", 'doc-type = "os.system"\n', ["unknown key", "'doc-type'"], None),
        ("mics-lint.toml", 'doc-type = "mailbox.Maildir"\n', ["unknown key"], "mailbox"),
        ("mics-lint.toml", "show-values = true\n", ["unknown key", "'show-values'"], None),
        ("mics-lint.toml", 'extend = "../other.toml"\n', ["unknown key", "'extend'"], None),
        ("mics-lint.toml", 'select = ["wave.open"]\n', ["unknown rule code"], "wave"),
        ("pyproject.toml", '[tool.mics-lint]\nplugins = ["wave"]\n', ["unknown key"], "wave"),
    ],
    ids=[
        "plugins",
        "import",
        "doc-type",
        "doc-type-module",
        "show-values",
        "extend",
        "select-module",
        "pyproject",
    ],
)
def test_config_cannot_point_mics_lint_at_code(
    project: Path, config_name: str, content: str, needles: list[str], module: str | None
) -> None:
    (project / "mics-lint.toml").unlink()
    (project / config_name).write_text(content, encoding="utf-8")
    write(project / "a.ndjson", CLEAN)
    result = run(["check", "a.ndjson"], project, env=base_env(PYTHONPROFILEIMPORTTIME="1"))
    imports = [line for line in result.err.splitlines() if line.startswith("import time:")]
    errors = "\n".join(line for line in result.err.splitlines() if line not in imports)
    assert result.code == 2
    one_error_line(errors, config_name, *needles)
    assert result.out == ""
    imported = {line.rsplit("|", 1)[-1].strip() for line in imports}
    assert len(imported) > 10, "PYTHONPROFILEIMPORTTIME showed no imports"
    if module is not None:
        assert module not in imported


def test_doc_type_option_is_a_fixed_choice(project: Path) -> None:
    write(project / "a.ndjson", CLEAN)
    result = run(["check", "--doc-type", "os.system", "a.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "--doc-type", "os.system")


FILE_ACCESS_PROBE = r"""
import json, os, sys

seen = []

def hook(event, args):
    if event in ("open", "os.scandir", "os.listdir", "os.chdir") and args:
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)):
            seen.append(os.path.realpath(os.fsdecode(path)))

sys.addaudithook(hook)
from mics_lint.cli import main

try:
    main(json.loads(sys.argv[1]))
except SystemExit as done:
    code = done.code
with open(sys.argv[2], "w") as out:
    json.dump({"code": code, "seen": seen}, out)
"""


def _per_file_ignores_setup(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """A project with one file given, a secret file beside it, and globs aimed at the secret."""
    work = tmp_path / "work"
    outside = tmp_path / "outside"
    secret = write(outside / "secret.ndjson", "{not json", NO_ID)
    write(work / "a.ndjson", "{not json", NO_ID, TWO_IDS)
    (work / "mics-lint.toml").write_text(
        '[per-file-ignores]\n"../outside/*" = ["MIC1"]\n"/etc/passwd" = ["MIC1"]\n',
        encoding="utf-8",
    )
    hostile = [
        f"{outside}/*:MIC1",
        "../outside/*:MIC3",
        "../../etc/*:MIC1",
        "/etc/passwd:MIC1",
        "../*/secret.ndjson:MIC1,MIC3",
        f"{secret}:MIC1",
    ]
    options = [part for glob in hostile for part in ("--per-file-ignores", glob)]
    return work, outside, options


def test_per_file_ignores_cannot_make_mics_lint_read_another_file(tmp_path: Path) -> None:
    work, outside, options = _per_file_ignores_setup(tmp_path)
    plain = run(["check", "--isolated", "--output-format", "jsonl", "a.ndjson"], work)
    args = ["check", "--output-format", "jsonl", *options, "a.ndjson"]
    hostile = run(args, work)
    assert hostile.code == plain.code == 1
    assert hostile.out == plain.out  # no glob matched the file given
    assert {r["path"] for r in records(hostile.out)} == {"a.ndjson"}
    # What the process opened or listed, seen by an audit hook.
    result_file = tmp_path / "seen.json"
    probe = run(
        [], work, argv=[sys.executable, "-c", FILE_ACCESS_PROBE, json.dumps(args), str(result_file)]
    )
    assert probe.code == 0, probe.err
    outcome = json.loads(result_file.read_text())
    assert outcome["code"] == 1
    outside_real = os.path.realpath(outside)
    touched = [p for p in outcome["seen"] if p.startswith(outside_real) or p == "/etc/passwd"]
    assert touched == []


@posix_only
def test_per_file_ignores_open_nothing_under_strace(tmp_path: Path) -> None:
    exe = _strace()
    assert COMMAND is not None
    work, outside, options = _per_file_ignores_setup(tmp_path)
    trace = tmp_path / "trace.txt"
    argv = [exe, "-f", "-qq", "-e", "trace=%file", "-o", str(trace), COMMAND, "check",
            *options, "a.ndjson"]  # fmt: skip
    result = run([], work, argv=argv)
    assert result.code == 1
    calls = [line for line in trace.read_text().splitlines() if "execve(" not in line]
    assert calls, "strace saw no file system call"
    touched = [c for c in calls if outside.name in c or "/etc/passwd" in c]  # relative too
    assert touched == []


# -- the helpers themselves -------------------------------------------------------------------


def test_live_processes_sees_a_running_group() -> None:
    """The no-worker-left checks above mean something only if this sees processes."""
    if live_processes(os.getpgrp()) is None:
        pytest.skip("no /proc here")
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True
    )
    try:
        assert live_processes(sleeper.pid) == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait(timeout=TIMEOUT)
