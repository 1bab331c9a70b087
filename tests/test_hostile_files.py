"""Output paths and files that a careless script or a hostile user hands mics-lint (issue 15,
items 1-5, 13 and 15): a report over its own input, devices and descriptors as outputs,
--fix on hard links, setuid files and /dev/stdin, partial copies left by a killed --fix,
and --fix - writing to a pipe that closes, to a closed stdout or to a full disk.

Every test runs the real `mics-lint` script as a subprocess with a timeout. Device nodes are
made in the test's own folder (as root), never the system's /dev/null or /dev/full: a test
of a broken version must not break the machine.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import base_env, installed_command, one_error_line, write
from helpers import run_installed as run

COMMAND = installed_command()
pytestmark = [
    pytest.mark.skipif(
        COMMAND is None,
        reason="the mics-lint console script is not installed; run `pip install -e '.[test]'`",
    ),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX files: links, FIFOs, devices"),
]
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="making device nodes (mknod) needs root")
has_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/fd/1"), reason="needs /proc/self/fd (Linux)"
)
has_dev_stdin = pytest.mark.skipif(
    not os.path.exists("/dev/stdin"), reason="needs /dev/stdin and /dev/fd"
)

TIMEOUT = 60
NO_ID = '{"operation":"DELETE"}'  # MIC301 (error), on every line
CRLF_DATA = (NO_ID + "\r\n").encode()  # and MIC003, which --fix fixes
CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"u%d"}'


def strays(folder: Path, name: str) -> list[str]:
    """Temporary files of `name` in `folder` (`.NAME.` and something)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(f".{name}."))


# -- 1. a report over its own input -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "a.ndjson", "a.ndjson"],
        ["--report", "json:a.ndjson", "a.ndjson"],
        ["--fix", "-o", "a.ndjson", "a.ndjson"],
        ["-o", "link.ndjson", "a.ndjson"],  # a symbolic link to the input
        ["-o", "hard.ndjson", "a.ndjson"],  # a hard link to the input
        ["-o", "a.ndjson", "link.ndjson"],
        ["-o", "data/a.ndjson", "data"],  # found by searching a folder
        ["--report", "sarif:./a.ndjson", "-o", "report.txt", "a.ndjson"],
    ],
    ids=["o", "report", "fix-o", "o-link", "o-hardlink", "input-link", "folder", "report-dot"],
)
def test_a_report_over_an_input_is_refused_before_anything(project: Path, args: list[str]) -> None:
    (project / "a.ndjson").write_bytes(CRLF_DATA)
    (project / "link.ndjson").symlink_to("a.ndjson")
    os.link(project / "a.ndjson", project / "hard.ndjson")
    (project / "data").mkdir()
    (project / "data" / "a.ndjson").write_bytes(CRLF_DATA)
    result = run(["check", *args], project)
    assert result.code == 2, result
    one_error_line(result.err, "is also an input", "the report would replace it")
    assert result.out == ""
    assert (project / "a.ndjson").read_bytes() == CRLF_DATA  # neither fixed nor replaced
    assert (project / "data" / "a.ndjson").read_bytes() == CRLF_DATA
    assert not (project / "report.txt").exists()
    assert strays(project, "a.ndjson") == []


@pytest.mark.parametrize(
    "args",
    [
        ["--report", "json:r.json", "--report", "sarif:r.json"],
        ["-o", "r.json", "--report", "json:./r.json"],
        ["-o", "r.json", "--report", "json:link.json"],  # a link to where -o writes
    ],
    ids=["two-reports", "o-and-report", "through-a-link"],
)
def test_two_reports_to_one_file_are_refused_before_anything(
    project: Path, args: list[str]
) -> None:
    # The last one written replaced the other, silently.
    (project / "a.ndjson").write_bytes(CRLF_DATA)
    (project / "link.json").symlink_to("r.json")
    result = run(["check", *args, "a.ndjson"], project)
    assert result.code == 2, result
    one_error_line(result.err, "is also written by", "give each report its own file")
    assert not (project / "r.json").exists()


def test_reports_to_dev_null_are_not_a_clash(project: Path) -> None:
    (project / "a.ndjson").write_bytes(CRLF_DATA)
    result = run(["check", "-o", os.devnull, "--report", f"json:{os.devnull}", "a.ndjson"], project)
    assert result.code == 1, result


def test_a_report_over_the_file_on_standard_input_is_refused(project: Path) -> None:
    (project / "a.ndjson").write_bytes(CRLF_DATA)
    with open(project / "a.ndjson", "rb") as stdin:
        result = run(["check", "-o", "a.ndjson", "-"], project, input=None, stdin=stdin)
    assert result.code == 2
    one_error_line(result.err, "-o a.ndjson", "is also an input (-)")
    assert (project / "a.ndjson").read_bytes() == CRLF_DATA


def test_a_report_beside_its_input_is_written(project: Path) -> None:
    (project / "a.ndjson").write_bytes(CRLF_DATA)
    result = run(["check", "-o", "a.report.ndjson", "a.ndjson"], project)
    assert result.code == 1
    assert "MIC301" in (project / "a.report.ndjson").read_text()


# -- 2. devices, FIFOs and descriptors are never renamed over -------------------------------------


def _node(path: Path, kind: int, major: int, minor: int) -> Path:
    os.mknod(path, kind | 0o666, os.makedev(major, minor))
    return path


@as_root
@pytest.mark.parametrize("option", ["-o", "--report"])
def test_a_null_device_stays_a_device(project: Path, option: str) -> None:
    null = _node(project / "null", stat.S_IFCHR, 1, 3)  # what /dev/null is
    write(project / "a.ndjson", NO_ID)
    target = "null" if option == "-o" else "json:null"
    result = run(["check", option, target, "a.ndjson"], project)
    assert result.code == 1, result.err
    assert result.err == ""
    assert stat.S_ISCHR(null.lstat().st_mode)
    assert os.major(null.lstat().st_rdev) == 1 and os.minor(null.lstat().st_rdev) == 3
    assert strays(project, "null") == []


@as_root
@pytest.mark.parametrize("option", ["-o", "--report"])
def test_a_full_device_is_one_error_and_stays_a_device(project: Path, option: str) -> None:
    full = _node(project / "full", stat.S_IFCHR, 1, 7)  # what /dev/full is
    write(project / "a.ndjson", NO_ID)
    target = "full" if option == "-o" else "json:full"
    result = run(["check", option, target, "a.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "cannot write full", "No space left on device")
    assert stat.S_ISCHR(full.lstat().st_mode)
    assert strays(project, "full") == []


@as_root
def test_a_block_device_is_refused_and_never_written(project: Path) -> None:
    block = _node(project / "disk", stat.S_IFBLK, 7, 250)  # a loop device node
    write(project / "a.ndjson", NO_ID)
    result = run(["check", "-o", "disk", "a.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "cannot write disk", "block device")
    assert stat.S_ISBLK(block.lstat().st_mode)


def test_a_fifo_with_a_reader_gets_the_report_and_stays_a_fifo(project: Path) -> None:
    fifo = project / "report.fifo"
    os.mkfifo(fifo)
    write(project / "a.ndjson", NO_ID)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # there before mics-lint opens it
    try:
        result = run(["check", "-o", "report.fifo", "a.ndjson"], project)
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert result.code == 1, result.err
    assert b"a.ndjson:1:1: MIC301" in received
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert strays(project, "report.fifo") == []


def test_a_fifo_without_a_reader_is_one_error_not_a_wait(project: Path) -> None:
    fifo = project / "report.fifo"
    os.mkfifo(fifo)
    write(project / "a.ndjson", NO_ID)
    result = run(["check", "-o", "report.fifo", "a.ndjson"], project)
    assert result.code == 2
    one_error_line(result.err, "cannot write report.fifo", "nothing reads from it")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@has_proc
def test_a_link_to_proc_self_fd_1_is_written_through_and_stays_a_link(project: Path) -> None:
    link = project / "out"
    link.symlink_to("/proc/self/fd/1")
    write(project / "a.ndjson", NO_ID)
    result = run(["check", "-o", "out", "a.ndjson"], project)
    assert result.code == 1, result.err
    assert "a.ndjson:1:1: MIC301" in result.out  # the report reached standard output
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


@has_proc
def test_a_descriptor_on_a_regular_file_is_appended_to_never_cut(project: Path) -> None:
    # As `-o /dev/stdout >> log.txt` (a link of our own: a broken version must not replace
    # the system's /dev/stdout).
    (project / "stdout").symlink_to("/proc/self/fd/1")
    write(project / "a.ndjson", NO_ID)
    (project / "log.txt").write_text("before\n")
    result = run([], project, shell='exec "$0" check -o stdout a.ndjson >> log.txt')
    assert result.code == 1, result.err
    log = (project / "log.txt").read_text()
    assert log.startswith("before\n") and "MIC301" in log
    assert (project / "stdout").is_symlink()


@has_proc
@pytest.mark.parametrize("name", ["/dev/stdout", "/proc/self/fd/1", "stdout"])
def test_a_report_to_its_own_stdout_keeps_its_place_among_other_writes(
    project: Path, name: str
) -> None:
    """A new opening of /dev/stdout has an offset of its own: in a redirected group of
    commands the report was written at the file's start, then written over by the next."""
    (project / "stdout").symlink_to("/proc/self/fd/1")
    write(project / "a.ndjson", NO_ID)
    group = f'(echo A; "$0" check -o {name} --output-format json a.ndjson; echo B) > log.txt'
    result = run([], project, shell=group)
    assert result.code == 0, result.err
    log = (project / "log.txt").read_text()
    assert log.startswith("A\n[") and log.endswith("]\nB\n") and "MIC301" in log, log


def test_a_link_to_a_report_is_followed_and_kept(project: Path) -> None:
    write(project / "a.ndjson", NO_ID)
    (project / "reports").mkdir()
    (project / "reports" / "last.txt").write_text("old\n")
    (project / "report.txt").symlink_to("reports/last.txt")
    result = run(["check", "-o", "report.txt", "a.ndjson"], project)
    assert result.code == 1
    assert (project / "report.txt").is_symlink()
    assert "MIC301" in (project / "reports" / "last.txt").read_text()
    assert strays(project / "reports", "last.txt") == []


# -- 3. --fix on hard links and setuid/setgid files ----------------------------------------------


def test_fix_refuses_a_hard_linked_file(project: Path) -> None:
    data = project / "a.ndjson"
    data.write_bytes(CRLF_DATA)
    os.link(data, project / "other.ndjson")
    result = run(["check", "--fix", "a.ndjson"], project)
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if line.startswith("mics-lint: error:")]
    assert len(errors) == 1, result.err
    assert "cannot fix a.ndjson" in errors[0]
    assert "--fix is unsafe for a file with hard links" in errors[0]
    assert data.read_bytes() == CRLF_DATA
    assert data.stat().st_ino == (project / "other.ndjson").stat().st_ino  # still one file
    assert "MIC003" in result.out  # and the check reports it as it is
    assert strays(project, "a.ndjson") == []


def test_a_hard_linked_file_with_nothing_to_fix_is_no_error(project: Path) -> None:
    data = write(project / "a.ndjson", CLEAN % 1)
    os.link(data, project / "other.ndjson")
    result = run(["check", "--fix", "a.ndjson"], project)
    assert result.code == 0, result.err


def test_diff_of_a_hard_linked_file_still_works(project: Path) -> None:
    data = project / "a.ndjson"
    data.write_bytes(CRLF_DATA)
    os.link(data, project / "other.ndjson")
    result = run(["check", "--diff", "a.ndjson"], project)
    assert result.code == 1
    assert "+++ a.ndjson" in result.out


@pytest.mark.parametrize("bits", [stat.S_ISUID, stat.S_ISGID], ids=["setuid", "setgid"])
def test_fix_refuses_a_setuid_or_setgid_file(project: Path, bits: int) -> None:
    data = project / "a.ndjson"
    data.write_bytes(CRLF_DATA)
    data.chmod(0o644 | bits)
    if not data.stat().st_mode & bits:
        pytest.skip("this file system does not keep the bit")
    result = run(["check", "--fix", "a.ndjson"], project)
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if line.startswith("mics-lint: error:")]
    assert len(errors) == 1, result.err
    assert "--fix is unsafe for a file with the setuid or setgid bit" in errors[0]
    assert data.read_bytes() == CRLF_DATA
    assert stat.S_IMODE(data.stat().st_mode) == 0o644 | bits


# -- 4. partial copies left by a killed --fix -----------------------------------------------------

STALE = ".a.ndjson.k2j4h5l1.mics-lint.tmp"


def test_fix_removes_stale_partial_copies_of_that_file_only(project: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    data = project / "a.ndjson"
    data.write_bytes(CRLF_DATA)
    stale = project / STALE
    stale.write_bytes(b"half a copy")
    stale.chmod(0o600)
    # Not ours, or not stale: a user's files of similar names, another file's copy, and a
    # copy a running mics-lint holds (locked).
    keep = [".a.ndjson.20261203", ".a.ndjson.abcdefgh", ".b.ndjson.k2j4h5l1.mics-lint.tmp"]
    for name in keep:
        (project / name).write_bytes(b"keep me")
    live = project / ".a.ndjson.zzzzzzzz.mics-lint.tmp"
    live.write_bytes(b"being written")
    with open(live, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = run(["check", "--fix", "a.ndjson"], project)
    assert result.code == 1, result.err
    assert not stale.exists()
    assert f"mics-lint: warning: removed {STALE}, a partial copy" in result.err
    for name in [*keep, live.name]:
        assert (project / name).exists(), name
    assert data.read_bytes() == (NO_ID + "\n").encode()


def test_fix_removes_stale_copies_even_with_nothing_to_fix(project: Path) -> None:
    write(project / "a.ndjson", CLEAN % 1)
    (project / STALE).write_bytes(b"half a copy")
    result = run(["check", "--fix", "a.ndjson"], project)
    assert result.code == 0
    assert not (project / STALE).exists()


def test_a_report_removes_its_stale_temporary_files(project: Path) -> None:
    write(project / "a.ndjson", NO_ID)
    stale = project / ".report.txt.abcd_123.mics-lint.tmp"
    stale.write_bytes(b"half a report")
    result = run(["check", "-o", "report.txt", "a.ndjson"], project)
    assert result.code == 1
    assert not stale.exists()


def test_a_fix_killed_by_sigkill_is_cleaned_by_the_next_fix(project: Path) -> None:
    assert COMMAND is not None
    data = project / "big.ndjson"
    lines = b"".join((CLEAN % n + "\r\n").encode() for n in range(300_000))
    data.write_bytes(lines)
    job = subprocess.Popen(
        [COMMAND, "check", "--fix", "--jobs", "1", "big.ndjson"],
        cwd=project,
        env=base_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not strays(project, "big.ndjson"):
            assert job.poll() is None, "--fix ended before its temporary file was seen"
            assert time.monotonic() < deadline, "no temporary file after 30 s"
            time.sleep(0.005)
        job.send_signal(signal.SIGKILL)
    finally:
        job.wait(timeout=TIMEOUT)
    left = strays(project, "big.ndjson")
    if not left:
        pytest.skip("--fix finished before it could be killed")
    assert data.read_bytes() == lines  # the original is untouched
    assert stat.S_IMODE((project / left[0]).stat().st_mode) == 0o600
    result = run(["check", "--fix", "--jobs", "1", "-q", "big.ndjson"], project)
    assert result.code == 0, result.err
    assert strays(project, "big.ndjson") == []
    assert "partial copy left by an interrupted --fix" in result.err
    assert data.read_bytes() == lines.replace(b"\r\n", b"\n")


# -- 5. /dev/stdin and /dev/fd/N ------------------------------------------------------------------


@has_dev_stdin
@pytest.mark.parametrize("name", ["/dev/stdin", "/dev/fd/0"])
def test_fix_dev_stdin_is_standard_input_not_the_file_behind_it(project: Path, name: str) -> None:
    data = project / "f.ndjson"
    data.write_bytes(CRLF_DATA)
    with open(data, "rb") as stdin:
        result = run(["check", "--fix", name], project, input=None, stdin=stdin)
    assert result.code == 1, result.err
    assert data.read_bytes() == CRLF_DATA  # not fixed in place
    assert result.raw_out == (NO_ID + "\n").encode()  # the fixed text, on standard output
    assert f"{name}:1:1: MIC301" in result.err
    assert "MIC003" not in result.err  # the report is of the fixed text, not the stale one
    assert strays(project, "f.ndjson") == []


@has_dev_stdin
def test_dev_stdin_and_dash_are_one_input(project: Path) -> None:
    result = run(["check", "--output-format", "jsonl", "-", "/dev/stdin"], project, input=CRLF_DATA)
    assert result.code == 1
    assert sum('"MIC301"' in line for line in result.out.splitlines()) == 1  # checked once


@has_dev_stdin
def test_fix_of_another_descriptor_is_refused(project: Path) -> None:
    data = project / "f.ndjson"
    data.write_bytes(CRLF_DATA)
    result = run([], project, shell='exec "$0" check --fix /dev/fd/3 3< f.ndjson')
    assert result.code == 2
    errors = [line for line in result.err.splitlines() if line.startswith("mics-lint: error:")]
    assert len(errors) == 1 and "open file descriptor" in errors[0], result.err
    assert data.read_bytes() == CRLF_DATA


# -- 13. --fix - stops when its reader goes away -------------------------------------------------


def test_fix_stdin_stops_at_a_broken_pipe(project: Path) -> None:
    """Standard input never ends here: mics-lint must stop because its reader went away,
    not because its input ended."""
    assert COMMAND is not None
    job = subprocess.Popen(
        [COMMAND, "check", "--fix", "-"],
        cwd=project,
        env=base_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert job.stdin is not None and job.stdout is not None and job.stderr is not None
    stop = threading.Event()
    block = b"".join((CLEAN % n + "\r\n").encode() for n in range(2000))

    def feed() -> None:
        with contextlib.suppress(OSError, ValueError):
            while not stop.is_set():
                job.stdin.write(block)  # type: ignore[union-attr]
                job.stdin.flush()  # type: ignore[union-attr]

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    try:
        head = job.stdout.read(100)  # as `head -c 100`
        assert len(head) == 100
        job.stdout.close()
        try:
            code = job.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("--fix - went on reading after its reader went away")
    finally:
        stop.set()
        job.kill()
        job.wait(timeout=TIMEOUT)
        feeder.join(timeout=10)
    err = job.stderr.read().decode()
    job.stderr.close()
    assert code == 1
    assert err == ""
    assert head.startswith(b'{"operation":"DELETE"')


def test_fix_stdin_streams_its_output(project: Path) -> None:
    result = run(["check", "--fix", "-"], project, input=CRLF_DATA * 3)
    assert result.raw_out == (NO_ID + "\n").encode() * 3


# -- 15. --fix - and --diff - with standard output closed or full ---------------------------------


@pytest.mark.parametrize("mode", ["--fix", "--diff"])
def test_closed_stdout_with_fix_or_diff_of_stdin_is_one_line(project: Path, mode: str) -> None:
    (project / "f.ndjson").write_bytes(CRLF_DATA)
    result = run([], project, shell=f'exec "$0" check {mode} - < f.ndjson >&-')
    assert result.code == 2
    one_error_line(result.err, "standard output is closed")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(("mode", "what"), [("--fix", "the fixed input"), ("--diff", "the diff")])
def test_full_stdout_with_fix_or_diff_of_stdin_is_one_line(
    project: Path, mode: str, what: str
) -> None:
    (project / "f.ndjson").write_bytes(CRLF_DATA)
    result = run([], project, shell=f'exec "$0" check {mode} - < f.ndjson > /dev/full')
    assert result.code == 2
    one_error_line(result.err, f"cannot write {what} to standard output", "No space left")


# -- 16. the other commands' output on a full device; a deleted current folder ----------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        "rules",
        "rule --all",
        "--help",
        "--version",
        "check --show-files .",
        "check --show-settings .",
    ],
)
def test_any_command_s_output_on_a_full_device_is_one_line(project: Path, args: str) -> None:
    # They said "internal error (OSError: [Errno 28] ...)"; `check`'s report said this.
    write(project / "f.ndjson", '{"operation":"DELETE","email_hash":"3f2a9c"}')
    result = run([], project, shell=f'exec "$0" {args} > /dev/full')
    assert result.code == 2
    one_error_line(result.err, "cannot write to standard output", "No space left")


def test_a_deleted_current_folder_is_one_line(project: Path) -> None:
    # It was an internal error (FileNotFoundError), from --exclude's folder or the config's.
    write(project / "f.ndjson", '{"operation":"DELETE","email_hash":"3f2a9c"}')
    for isolated in ("--isolated ", ""):
        shell = f'mkdir gone && cd gone && rmdir ../gone && exec "$0" check {isolated}../f.ndjson'
        result = run([], project, shell=shell)
        assert result.code == 2
        one_error_line(result.err, "the current folder cannot be read", "was it deleted?")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["--exit-zero"], ["--max-diagnostics", "1"]])
def test_a_full_stderr_loses_neither_the_report_nor_the_exit_code(
    project: Path, extra: list[str]
) -> None:
    # Python's last words on the broken stderr made the exit code 1 and lost the report.
    write(project / "f.ndjson", '{"operation":"DELETE","email_hash":1}')
    args = " ".join(["check", *extra, "f.ndjson", "missing.ndjson"])
    result = run([], project, shell=f'exec "$0" {args} 2> /dev/full')
    assert result.code == 2
    assert "f.ndjson:1:" in result.out and "MIC202" in result.out
