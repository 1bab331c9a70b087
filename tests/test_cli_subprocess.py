"""The installed `mics-lint` command, run as a real process: what a user or CI really sees.

Stdout and stderr are real pipes (or a real terminal), so this is where exit codes, stdin
piping, colour on a terminal, a reader that goes away early and "never a traceback" are
checked end to end.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from helpers import base_env, installed_command, one_error_line, write

import mics_lint

CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}'
NO_ID = '{"operation":"DELETE"}'  # MIC301 error at 1
TWO_IDS = '{"operation":"DELETE","email_hash":"3f2a9c","user_agent_id":"vec:123"}'  # MIC302 at 45
WARN = '{"operation":"DELETE","user_account_id":"w"}'  # MIC304 warning at 23

TIMEOUT = 120


COMMAND = installed_command()
needs_command = pytest.mark.skipif(
    COMMAND is None,
    reason="the mics-lint console script is not installed (neither on PATH nor beside "
    f"{sys.executable}); run `pip install -e '.[test]'`",
)


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    env: dict[str, str] | None = None,
    module: bool = False,
) -> subprocess.CompletedProcess[str]:
    if module:
        command = [sys.executable, "-m", "mics_lint", *args]
    else:
        assert COMMAND is not None
        command = [COMMAND, *args]
    done = subprocess.run(
        command,
        cwd=cwd,
        input=input if input is not None else b"",
        capture_output=True,
        env=env if env is not None else base_env(),
        timeout=TIMEOUT,
        check=False,
    )
    result = subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


pytestmark = needs_command


# -- the command and the module ---------------------------------------------------------------


def test_version(project: Path) -> None:
    result = run(["--version"], project)
    assert result.returncode == 0
    assert mics_lint.__version__ in result.stdout


def test_python_dash_m_runs_the_same_command(project: Path) -> None:
    write(project / "err.ndjson", NO_ID, TWO_IDS)
    as_module = run(["check", "err.ndjson"], project, module=True)
    as_script = run(["check", "err.ndjson"], project)
    assert as_module.returncode == as_script.returncode == 1
    assert as_module.stdout == as_script.stdout
    assert as_module.stdout.splitlines()[0].startswith("err.ndjson:1:1: MIC301 [error] ")
    assert run(["--version"], project, module=True).stdout == run(["--version"], project).stdout


def test_python_dash_m_reads_stdin(project: Path) -> None:
    result = run(
        ["check", "--stdin-filename", "in.ndjson", "-"],
        project,
        input=(WARN + "\n").encode(),
        module=True,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("in.ndjson:1:23: MIC304 [warning] ")


# -- exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "options", "code"),
    [
        ([CLEAN], [], 0),
        ([NO_ID], [], 1),
        ([WARN], [], 0),
        ([WARN], ["--strict"], 1),
        ([NO_ID], ["--exit-zero"], 0),
        ([WARN], ["--severity", "MIC304=error"], 1),
    ],
    ids=["clean", "error", "warning", "strict-warning", "exit-zero", "severity-override"],
)
def test_exit_codes(project: Path, lines: list[str], options: list[str], code: int) -> None:
    write(project / "in.ndjson", *lines)
    result = run(["check", *options, "in.ndjson"], project)
    assert result.returncode == code
    assert result.stderr == ""


def test_piped_input_without_dash_is_named_not_silently_passed(tmp_path: Path) -> None:
    """`cat x.ndjson | mics-lint check` searches the folder, as ruff does; finding nothing
    there, it says how to check what was piped in. Nothing piped (a CI runner's empty
    standard input): the folder's warning alone."""
    piped = run(["check"], tmp_path, input=(NO_ID + "\n").encode())
    assert piped.returncode == 0, piped.stderr
    assert "standard input is read only as `-`: mics-lint check -" in piped.stderr
    empty = run(["check"], tmp_path, input=b"")
    assert "no import files in ." in empty.stderr and "standard input" not in empty.stderr
    write(tmp_path / "a.ndjson", NO_ID)  # files found: no word about standard input
    found = run(["check"], tmp_path, input=(NO_ID + "\n").encode())
    assert found.returncode == 1 and "standard input" not in found.stderr


def test_missing_file_exits_2_with_one_line_and_others_reported(project: Path) -> None:
    write(project / "err.ndjson", NO_ID)
    result = run(["check", "--exit-zero", "missing.ndjson", "err.ndjson"], project)
    assert result.returncode == 2
    one_error_line(result.stderr, "missing.ndjson")
    assert result.stdout.startswith("err.ndjson:1:1: MIC301 [error] ")


@pytest.mark.parametrize(
    "args", [["check", "--bogus"], ["--bogus"], ["nope"], ["check", "--output-format", "x"]]
)
def test_bad_usage_exits_2_with_one_line(project: Path, args: list[str]) -> None:
    result = run(args, project)
    assert result.returncode == 2
    one_error_line(result.stderr)
    assert result.stdout == ""


def test_no_arguments_gives_no_multi_line_error(project: Path) -> None:
    result = run([], project)
    assert result.returncode in (0, 2)
    assert len(result.stderr.splitlines()) <= 1, result.stderr


def test_bad_config_exits_2_with_one_line(project: Path) -> None:
    (project / "mics-lint.toml").write_text('selekt = ["MIC3"]\n', encoding="utf-8")
    write(project / "clean.ndjson", CLEAN)
    result = run(["check", "clean.ndjson"], project)
    assert result.returncode == 2
    one_error_line(result.stderr, "selekt", "mics-lint.toml")
    assert result.stdout == ""


def test_invalid_toml_exits_2_with_one_line(project: Path) -> None:
    (project / "mics-lint.toml").write_text('select = ["MIC3"\n', encoding="utf-8")
    write(project / "clean.ndjson", CLEAN)
    result = run(["check", "clean.ndjson"], project)
    assert result.returncode == 2
    one_error_line(result.stderr, "mics-lint.toml")


def test_unknown_rule_exits_2(project: Path) -> None:
    result = run(["rule", "MIC999"], project)
    assert result.returncode == 2
    one_error_line(result.stderr, "MIC999")


# -- input: stdin, .gz, folders ---------------------------------------------------------------


def test_stdin_piping(project: Path) -> None:
    data = (CLEAN + "\n" + NO_ID + "\n" + TWO_IDS + "\n").encode()
    result = run(["check", "-"], project, input=data)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("-:2:1: MIC301 [error] ")
    assert lines[1].startswith("-:3:45: MIC302 [error] ")
    assert lines[2] == "Found 2 errors in 1 file. Checked as USER_PROFILE."


def test_stdin_named_and_json(project: Path) -> None:
    result = run(
        ["check", "--stdin-filename", "crm.ndjson", "--output-format", "json", "-"],
        project,
        input=(WARN + "\n").encode(),
    )
    assert result.returncode == 0
    records = json.loads(result.stdout)
    assert [(r["path"], r["line"], r["column"], r["code"]) for r in records] == [
        ("crm.ndjson", 1, 23, "MIC304")
    ]


def test_gz_and_directories(project: Path) -> None:
    data = project / "data"
    write(data / "a.ndjson", NO_ID)
    (data / "sub").mkdir()
    (data / "sub" / "b.jsonl.gz").write_bytes(gzip.compress((TWO_IDS + "\n").encode()))
    write(data / "c.json", NO_ID)
    write(data / ".hidden" / "d.ndjson", NO_ID)
    result = run(["check", "--output-format", "jsonl", "data"], project)
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["path"], r["code"]) for r in records] == [
        (os.path.join("data", "a.ndjson"), "MIC301"),
        (os.path.join("data", "sub", "b.jsonl.gz"), "MIC302"),
    ]


def test_truncated_gz_exits_2_with_one_line(project: Path) -> None:
    packed = gzip.compress(("\n".join([CLEAN] * 100) + "\n").encode())
    (project / "cut.ndjson.gz").write_bytes(packed[: len(packed) // 2])
    result = run(["check", "cut.ndjson.gz"], project)
    assert result.returncode == 2
    one_error_line(result.stderr, "cut.ndjson.gz")


def test_not_gzip_exits_2_with_one_line(project: Path) -> None:
    write(project / "plain.ndjson.gz", CLEAN)
    result = run(["check", "plain.ndjson.gz"], project)
    assert result.returncode == 2
    one_error_line(result.stderr, "plain.ndjson.gz")


# -- output -----------------------------------------------------------------------------------


def test_json_output_is_one_array(project: Path) -> None:
    write(project / "err.ndjson", NO_ID, TWO_IDS, WARN)
    result = run(["check", "--output-format", "json", "err.ndjson"], project)
    assert result.returncode == 1
    records = json.loads(result.stdout)
    assert [r["code"] for r in records] == ["MIC301", "MIC302", "MIC304"]


def test_output_file(project: Path) -> None:
    write(project / "err.ndjson", NO_ID)
    result = run(["check", "--output-format", "json", "-o", "out.json", "err.ndjson"], project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert [r["code"] for r in json.loads((project / "out.json").read_text())] == ["MIC301"]


def test_rules_and_rule(project: Path) -> None:
    rules = run(["rules"], project)
    assert rules.returncode == 0
    assert "MIC302" in rules.stdout and "MIC501" in rules.stdout
    rule = run(["rule", "MIC302"], project)
    assert rule.returncode == 0
    assert "## What it does" in rule.stdout


def test_no_colour_on_a_pipe(project: Path) -> None:
    write(project / "err.ndjson", NO_ID, WARN)
    assert "\x1b[" not in run(["check", "err.ndjson"], project).stdout
    assert "\x1b[" in run(["check", "--color", "always", "err.ndjson"], project).stdout


def _run_on_terminal(args: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    assert COMMAND is not None
    proc = subprocess.Popen(
        [COMMAND, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.stderr is not None
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    code = proc.wait(timeout=TIMEOUT)
    assert "Traceback" not in err
    return code, b"".join(chunks).decode("utf-8", "replace"), err


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_unless_no_color(project: Path) -> None:
    write(project / "err.ndjson", NO_ID, WARN)
    code, out, _ = _run_on_terminal(["check", "err.ndjson"], project, base_env())
    assert code == 1
    assert "\x1b[" in out
    code, out, _ = _run_on_terminal(["check", "err.ndjson"], project, base_env(NO_COLOR="1"))
    assert code == 1
    assert "\x1b[" not in out
    assert "MIC301" in out
    _, out, _ = _run_on_terminal(["check", "--color", "never", "err.ndjson"], project, base_env())
    assert "\x1b[" not in out


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_output_file_has_no_colour_even_from_a_terminal(project: Path) -> None:
    write(project / "err.ndjson", NO_ID)
    _run_on_terminal(["check", "-o", "report.txt", "err.ndjson"], project, base_env())
    text = (project / "report.txt").read_text(encoding="utf-8")
    assert "MIC301" in text
    assert "\x1b[" not in text


# -- never a traceback ------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "jsonl"])
def test_reader_closing_the_pipe_early_gives_no_traceback(
    project: Path, output_format: str
) -> None:
    """`mics-lint check big.ndjson | head -1`: the reader goes away after one line."""
    write(project / "big.ndjson", *([NO_ID] * 20_000))  # about 2 MB of report: fills any pipe
    assert COMMAND is not None
    proc = subprocess.Popen(
        [COMMAND, "check", "--output-format", output_format, "big.ndjson"],
        cwd=project,
        env=base_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    proc.wait(timeout=TIMEOUT)
    assert first
    if output_format == "text":
        assert first.startswith(b"big.ndjson:1:1: MIC301 [error] ")
    assert "Traceback" not in err, err
    assert "BrokenPipeError" not in err, err
    assert "Exception ignored" not in err, err


def test_stdout_that_cannot_encode_a_message_gives_no_traceback(project: Path) -> None:
    """A report holding characters the output encoding lacks (a Windows console, say)."""
    write(project / "emoji.ndjson", '{"operation":"DELETE","email_hash":"abc","😀key":1}')
    for output_format in ("text", "json", "jsonl"):
        result = run(
            ["check", "--output-format", output_format, "emoji.ndjson"],
            project,
            env=base_env(PYTHONIOENCODING="ascii"),
        )
        assert result.returncode == 1, (output_format, result.stderr)
        assert "MIC204" in result.stdout


def test_non_utf8_file_name_gives_no_traceback(project: Path) -> None:
    folder = project / "enc"
    folder.mkdir()
    try:
        with open(os.path.join(os.fsencode(folder), b"caf\xe9.ndjson"), "wb") as handle:
            handle.write((NO_ID + "\n").encode())
    except OSError as exc:
        pytest.skip(f"cannot create a non-UTF-8 file name here: {exc.strerror}")
    for options in (
        [],
        ["--output-format", "json"],
        ["--output-format", "jsonl"],
        ["-o", "report.txt"],
    ):
        result = run(["check", *options, "enc"], project, env=base_env(PYTHONIOENCODING="utf-8"))
        assert result.returncode == 1, (options, result.stderr)


def test_empty_and_odd_inputs_give_no_traceback(project: Path) -> None:
    (project / "empty.ndjson").write_bytes(b"")
    (project / "binary.ndjson").write_bytes(bytes(range(256)) * 4)
    (project / "array.ndjson").write_bytes(b"[\n" + (CLEAN + ",\n").encode() * 3 + b"]\n")
    (project / "deep.ndjson").write_bytes(b"[" * 5000 + b"]" * 5000 + b"\n")
    (project / "crlf.ndjson").write_bytes((CLEAN + "\r\n" + NO_ID + "\r\n").encode())
    (project / "bom.ndjson").write_bytes(b"\xef\xbb\xbf" + (CLEAN + "\n").encode())
    (project / "empty.ndjson.gz").write_bytes(b"")
    (project / "latin1.ndjson").write_bytes(b'{"operation":"DELETE","email_hash":"Ren\xe9"}\n')
    result = run(["check", "."], project)
    # The binary file is an error naming it (exit 2); every other file is still reported.
    assert result.returncode == 2
    assert "binary.ndjson: not a text file" in result.stderr
    assert "MIC008" in result.stdout and "MIC001" in result.stdout
