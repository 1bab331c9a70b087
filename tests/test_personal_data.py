"""Issue 5, "Personal data": what mics-lint writes never carries a user's data.

Unless `--show-values` is given: no value from `user_profile` in any message, identifiers
only as a 6-character prefix (`"CRM-SE…"`), every e-mail address masked (`j***@e***.com`),
and `full`'s copy of the line starred out but for its keys, its command values and the
identifiers' prefixes. This holds for every output format, for `-o` and `--report` files,
for `--statistics`, for the GitHub step summary, through the installed command, click's
runner and the Python API.

The fixture below carries distinctive secrets (`SECRET-…`, `jane.secret@example.com`,
`CRM-SECRET-123456789`, long numbers) on lines that trigger most rules, so that a plain
substring search over the output is unambiguous. Leaks found while writing these tests (and
fixed) are at the end, as regression tests.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ALL_FORMATS, installed_command

from mics_lint import Diagnostic, Settings, lint_lines, redact
from mics_lint.cli import cli
from mics_lint.rules import REGISTRY

EMAIL = "jane.secret@example.com"
MASKED = "j***@e***.com"
OTHER_EMAIL = "john.private@corp.example.org"
OTHER_MASKED = "j***@c***.org"
ACCOUNT = "CRM-SECRET-123456789"  # shown as "CRM-SE…"
DEVICE = "SECRET-DEVICE-987654"  # a malformed user_agent_id, shown as "SECRET…"
COMPARTMENT_NUMBER = "7777123456789"  # a numeric compartment_id, shown as 777712…
ACCOUNT_NUMBER = "5550001234567"  # a numeric user_account_id, shown as 555000…
HUGE_COMPARTMENT = "987654321098765432109876"  # past 64 bits, shown as 987654…
HUGE_PROFILE_INT = "918273645546372819918273645"  # past 64 bits, in the profile: not shown

# One line per situation; the comment names what the line gets.
LINES = [
    # MIC401; e-mail in a profile value, in a nested object, in an array; a long account id
    '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"' + ACCOUNT + '",'
    '"user_profile":{"email":"' + EMAIL + '","name":"SECRET-PROFILE-VALUE-1",'
    '"address":{"contact":"' + EMAIL + '","city":"SECRET-PROFILE-VALUE-2"},'
    '"aliases":["' + EMAIL + '","SECRET-PROFILE-VALUE-3"]}}',
    # MIC305: a clear-text e-mail as email_hash
    '{"operation":"DELETE","email_hash":"' + EMAIL + '"}',
    # MIC304: an e-mail inside user_account_id
    '{"operation":"DELETE","user_account_id":"' + EMAIL + '"}',
    # MIC204: an e-mail as an unknown top-level key, with a secret value
    '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7b8","' + EMAIL + '":'
    '"SECRET-PROFILE-VALUE-4"}',
    # MIC204: an e-mail as an unknown key's value
    '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7b9","contact":"' + OTHER_EMAIL + '"}',
    # MIC202 twice: numeric compartment_id and user_account_id
    '{"operation":"DELETE","compartment_id":' + COMPARTMENT_NUMBER + ","
    '"user_account_id":' + ACCOUNT_NUMBER + "}",
    # MIC104: a huge integer in the profile
    '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7c0","force_replace":false,'
    '"user_profile":{"card":' + HUGE_PROFILE_INT + "}}",
    # MIC104 and MIC202: a huge integer as compartment_id
    '{"operation":"DELETE","compartment_id":' + HUGE_COMPARTMENT + ","
    '"user_account_id":"' + ACCOUNT + '"}',
    # MIC306: a malformed user_agent_id holding a secret
    '{"operation":"DELETE","user_agent_id":"' + DEVICE + '"}',
    # MIC206 twice: placeholders in the profile (of the docs' shape, issue 16; the address
    # between angle brackets is data, not a placeholder)
    '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7c1","force_replace":false,'
    '"user_profile":{"name":"<JANE_DOE_1>","who":{"contact":"<' + EMAIL + '>"},'
    '"list":["<SECRET_PROFILE_VALUE_5>"]}}',
    # MIC101: text after the JSON value
    '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7c2"} SECRET-TRAILING-VALUE-6 ' + EMAIL,
    # MIC103: a duplicate key whose values are personal
    '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7c3","force_replace":true,'
    '"user_profile":{"name":"SECRET-PROFILE-VALUE-7"},"user_profile":{"email":"' + EMAIL + '"}}',
    # MIC103: a duplicate identifier
    '{"operation":"DELETE","user_account_id":"' + ACCOUNT + '","compartment_id":"1000",'
    '"user_account_id":"CRM-SECRET-987654321"}',
    # MIC101: invalid JSON (a missing comma) with an e-mail in it
    '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7c4","user_profile":{"email":"'
    + EMAIL
    + '" "SECRET-PROFILE-VALUE-8"}}',
    # MIC101: records separated by commas, with a clear e-mail as email_hash
    '{"operation":"DELETE","email_hash":"' + EMAIL + '"},',
    # MIC302
    '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7c5","user_agent_id":"vec:SECRET-DEVICE-1"}',
    # MIC404
    '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7c6","user_profile":'
    '{"secret":"SECRET-PROFILE-VALUE-9"}}',
    # MIC203: an e-mail as operation
    '{"operation":"' + EMAIL + '","email_hash":"a1b2c3d4e5f6a7c7"}',
    # MIC501 (the user of line 9 again) and MIC306
    '{"operation":"DELETE","user_agent_id":"' + DEVICE + '"}',
    # MIC404 and MIC204 after wide characters (a kept key, a starred value)
    '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7c8","user_profile":'
    '{"名前":"山田SECRET-PROFILE-VALUE-10"},"tier":"x"}',
    # MIC102
    '["' + EMAIL + '","SECRET-PROFILE-VALUE-11"]',
    # MIC202: an e-mail as the whole user_profile
    '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7c9","force_replace":true,'
    '"user_profile":"' + EMAIL + '"}',
    # MIC101: a trailing comma in the profile
    '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7d0","force_replace":true,'
    '"user_profile":{"a":"SECRET-PROFILE-VALUE-12",}}',
]
WIDE_LINE = 20  # the line number of the line with wide characters

# Never in any output without --show-values: a profile value, an address or its local part,
# more than 6 characters of an identifier or of a number.
FORBIDDEN = [
    "SECRET-",  # every SECRET-... value; identifiers starting with it keep only "SECRET"
    "jane.secret",
    "secret@",
    "john.private",
    "private@",
    "@corp.",
    "CRM-SEC",  # 7 characters of ACCOUNT
    "Jane Doe",
    "JANE_DOE",
    "SECRET_",
    "山田",
    COMPARTMENT_NUMBER[:7],
    ACCOUNT_NUMBER[:7],
    HUGE_COMPARTMENT[:7],
    HUGE_PROFILE_INT[:7],
]
# Anything shaped like an address; a masked one (`j***@e***.com`) never matches.
ANY_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

COMMAND = installed_command()
needs_command = pytest.mark.skipif(
    COMMAND is None, reason="the mics-lint console script is not installed"
)
TIMEOUT = 60
WIDE_COLUMNS = "1000"  # `full` shows each line whole: nothing is hidden by the cut


# -- helpers ----------------------------------------------------------------------------------


def _unescaped(text: str) -> str:
    """`text` with JSON `\\uXXXX` escapes and XML entities decoded, so that a secret written
    escaped by some format is still found."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(text)


def _without_rule_docs(text: str) -> str:
    """A SARIF log without `tool.driver.rules`: the rules' documentation has example
    addresses of its own (MIC305's `jane.doe@example.com`), which are no user's data."""
    try:
        log = json.loads(text)
    except ValueError:
        return text
    for run in log.get("runs", []):
        run.get("tool", {}).get("driver", {}).pop("rules", None)
    return json.dumps(log, ensure_ascii=False)


def leaks(text: str, fmt: str = "") -> list[str]:
    """Each line of `text` that shows personal data, with what it shows."""
    found = []
    for form in (text, _unescaped(text)):
        for line in form.splitlines():
            hits = [secret for secret in FORBIDDEN if secret in line]
            if hits:
                found.append(f"{hits}: {line}")
    addresses = _without_rule_docs(text) if fmt == "sarif" else text
    for line in _unescaped(addresses).splitlines():
        for match in ANY_EMAIL.finditer(line):
            found.append(f"[{match.group()!r}]: {line}")
    return sorted(set(found))


def assert_no_leak(where: str, text: str, fmt: str = "") -> None:
    shown = leaks(text, fmt)
    assert not shown, f"{where} shows personal data:\n" + "\n".join(shown)


def assert_masked_forms(where: str, text: str) -> None:
    """The positive side: messages still say which key or identifier they are about."""
    readable = _unescaped(text).replace('\\"', '"')  # quotes as JSON writes them
    assert MASKED in readable, f"{where}: no masked address {MASKED}"
    for prefix in ("777712…", "555000…", "987654…", '"SECRET…"'):
        assert prefix in readable, f"{where}: no prefix {prefix}"


def write_fixture(folder: Path, name: str = "profiles.ndjson") -> Path:
    path = folder / name
    path.write_bytes("".join(line + "\n" for line in LINES).encode("utf-8"))
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with the fixture file and an empty config (every run is --isolated
    too), and no CI variables that would change the default format or add a summary."""
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "NO_COLOR", "PRE_COMMIT"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "mics-lint.toml").write_text("", encoding="utf-8")
    write_fixture(tmp_path)
    return tmp_path


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "GITHUB_ACTIONS",
            "GITHUB_STEP_SUMMARY",
            "NO_COLOR",
            "FORCE_COLOR",
            "CLICOLOR_FORCE",
            "PRE_COMMIT",
        )
    }
    env.update({"COLUMNS": WIDE_COLUMNS, "PYTHONIOENCODING": "utf-8"}, **extra)
    return env


def run_command(
    args: Sequence[str], cwd: Path, *, env: dict[str, str] | None = None, input: bytes = b""
) -> subprocess.CompletedProcess[str]:
    assert COMMAND is not None
    done = subprocess.run(
        [COMMAND, "check", "--isolated", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        env=env if env is not None else subprocess_env(),
        timeout=TIMEOUT,
        check=False,
    )
    assert b"Traceback" not in done.stderr, done.stderr.decode("utf-8", "replace")
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    )


def run_runner(
    args: Sequence[str], env: dict[str, str | None] | None = None
) -> tuple[int, str, str]:
    base: dict[str, str | None] = {
        "COLUMNS": WIDE_COLUMNS,
        "GITHUB_ACTIONS": None,
        "GITHUB_STEP_SUMMARY": None,
        "NO_COLOR": None,
    }
    result = CliRunner().invoke(cli, ["check", "--isolated", *args], env={**base, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


def lint_text(lines: Iterable[str], settings: Settings | None = None) -> list[Diagnostic]:
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    return list(
        lint_lines(io.BytesIO(data), "inline.ndjson", settings or Settings(), size=len(data))
    )


def cells(text: str) -> int:
    """Terminal columns `text` takes (wide characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


# -- the fixture itself -----------------------------------------------------------------------


def test_fixture_triggers_the_rules_it_is_meant_to() -> None:
    """A sanity check of the fixture: if a rule stopped firing, its leak would go unnoticed."""
    codes = {d.code for d in lint_text(LINES)}
    expected = {
        "MIC101", "MIC102", "MIC103", "MIC104", "MIC202", "MIC203", "MIC204",
        "MIC206", "MIC302", "MIC304", "MIC305", "MIC306", "MIC401", "MIC404", "MIC501",
    }  # fmt: skip
    assert expected <= codes
    lines_with_diagnostics = {d.line for d in lint_text(LINES)}
    assert lines_with_diagnostics == set(range(1, len(LINES) + 1))  # `full` shows every line


def test_forbidden_strings_are_not_in_the_rules_documentation() -> None:
    """Otherwise a SARIF report (which carries the rules' help) would be a false alarm."""
    for rule in REGISTRY.values():
        for text in (rule.summary, rule.explanation):
            assert not [s for s in FORBIDDEN if s in text], rule.code


# -- 1. no leak, in any format, by any way of running -----------------------------------------


@needs_command
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_installed_command_shows_no_personal_data(project: Path, fmt: str) -> None:
    done = run_command(["--output-format", fmt, "profiles.ndjson"], project)
    assert done.returncode == 1, done.stderr
    assert_no_leak(f"{fmt} stdout", done.stdout, fmt)
    assert_no_leak(f"{fmt} stderr", done.stderr, fmt)
    assert_masked_forms(f"{fmt} stdout", done.stdout)


@pytest.mark.parametrize("jobs", [["--jobs", "1"], ["--jobs", "2", "--chunk-size", "300"]])
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_cli_runner_shows_no_personal_data(project: Path, fmt: str, jobs: list[str]) -> None:
    """In process, and with the file split into chunks checked by worker processes."""
    code, out, err = run_runner([*jobs, "--output-format", fmt, "profiles.ndjson"])
    assert code == 1, err
    assert_no_leak(f"{fmt} {jobs} stdout", out, fmt)
    assert_no_leak(f"{fmt} {jobs} stderr", err, fmt)
    assert_masked_forms(f"{fmt} {jobs} stdout", out)


def test_full_keeps_keys_commands_and_identifier_prefixes(project: Path) -> None:
    _, out, _ = run_runner(["--output-format", "full", "profiles.ndjson"])
    shown = [line[4:] for line in out.splitlines() if line.startswith("  | ") and "^" not in line]
    # line 1, whole: keys and the operation kept, the identifier's prefix kept
    assert (
        '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-SE**************",'
        '"user_profile":{"email":"***********************","name":"**********************",'
        '"address":{"contact":"***********************","city":"**********************"},'
        '"aliases":["***********************","**********************"]}}'
    ) in shown
    assert '{"operation":"DELETE","email_hash":"j**********************"}' in shown
    assert (
        '{"operation":"DELETE","email_hash":"a1b2c3**********","j**********************":'
        '"**********************"}'
    ) in shown
    assert '"force_replace":false,"user_profile":{"card":' + "*" * 27 + "}}" in "\n".join(shown)
    assert '"compartment_id":987654' + "*" * 18 + "," in "\n".join(shown)
    # every shown line is as long as the line it shows
    for original in LINES:
        assert redact.source_line(original) in shown


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_statistics_show_no_personal_data(project: Path, fmt: str) -> None:
    code, out, err = run_runner(["--statistics", "--output-format", fmt, "profiles.ndjson"])
    assert code == 1
    assert "MIC204" in out
    assert_no_leak(f"--statistics {fmt}", out + err, fmt)


@needs_command
def test_output_file_and_every_report_file_show_no_personal_data(project: Path) -> None:
    """One pass: `full` to `-o`, every format to a `--report` file, statistics to stdout."""
    reports = {fmt: project / "reports" / f"report.{fmt}" for fmt in ALL_FORMATS}
    args = ["--output-format", "full", "-o", "main.txt"]
    for fmt, path in reports.items():
        args += ["--report", f"{fmt}:{path}"]
    done = run_command([*args, "profiles.ndjson"], project)
    assert done.returncode == 1, done.stderr
    assert_no_leak("stdout", done.stdout)
    assert_no_leak("stderr", done.stderr)
    main = (project / "main.txt").read_text(encoding="utf-8")
    assert "CRM-SE**************" in main
    assert_no_leak("-o main.txt (full)", main, "full")
    assert_masked_forms("-o main.txt (full)", main)
    for fmt, path in reports.items():
        text = path.read_text(encoding="utf-8")
        assert_no_leak(f"--report {fmt}", text, fmt)
        assert_masked_forms(f"--report {fmt}", text)

    done = run_command(
        ["--statistics", "--report", "full:stats-full.txt", "profiles.ndjson"], project
    )
    assert_no_leak("--statistics stdout", done.stdout + done.stderr)
    assert_no_leak("--statistics --report full", (project / "stats-full.txt").read_text("utf-8"))


@needs_command
def test_github_step_summary_shows_no_personal_data(project: Path) -> None:
    summary = project / "step-summary.md"
    env = subprocess_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    done = run_command(["profiles.ndjson"], project, env=env)  # auto: github on Actions
    assert done.returncode == 1
    assert done.stdout.startswith("::error ")
    assert_no_leak("github stdout", done.stdout + done.stderr)
    assert_masked_forms("github stdout", done.stdout)
    text = summary.read_text(encoding="utf-8")
    assert "| MIC305 | clear-text-email | 1 |" in text
    assert_no_leak("GITHUB_STEP_SUMMARY", text)


def test_github_step_summary_in_process(project: Path) -> None:
    summary = project / "step-summary.md"
    code, out, err = run_runner(
        ["--output-format", "github", "profiles.ndjson"],
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert code == 1
    assert_no_leak("github stdout", out + err)
    text = summary.read_text(encoding="utf-8")
    assert "MIC204" in text
    assert_no_leak("GITHUB_STEP_SUMMARY", text)


@needs_command
def test_standard_input_shows_no_personal_data(project: Path) -> None:
    data = (project / "profiles.ndjson").read_bytes()
    done = run_command(
        ["--output-format", "full", "--stdin-filename", "in.ndjson", "-"], project, input=data
    )
    assert done.returncode == 1
    assert "in.ndjson:4:55: MIC204" in done.stdout
    assert_no_leak("stdin full", done.stdout + done.stderr)


def test_multi_line_document_shows_no_personal_data(project: Path) -> None:
    """MIC007: one pretty-printed object, and one broken, carrying personal data."""
    pretty = json.dumps(
        {"operation": "UPSERT", "email_hash": EMAIL, "user_profile": {"n": "SECRET-PROFILE-X"}},
        indent=2,
    )
    (project / "pretty.ndjson").write_text(pretty + "\n", encoding="utf-8")
    broken = pretty.replace('"SECRET-PROFILE-X"', '"SECRET-PROFILE-X" "' + EMAIL + '"')
    (project / "broken.ndjson").write_text(broken + "\n", encoding="utf-8")
    for fmt in ("full", "json"):
        code, out, err = run_runner(["--output-format", fmt, "pretty.ndjson", "broken.ndjson"])
        assert code == 1
        assert "MIC007" in out
        assert_no_leak(f"MIC007 {fmt}", out + err, fmt)


def test_config_file_cannot_turn_show_values_on(project: Path) -> None:
    """docs/reports.md: a command-line option only, so a committed config cannot enable it in CI."""
    (project / "mics-lint.toml").write_text("show-values = true\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["check", "profiles.ndjson"], env={"COLUMNS": WIDE_COLUMNS, "NO_COLOR": None}
    )
    assert result.exit_code == 2
    assert "show-values" in result.stderr
    assert_no_leak("config with show-values", result.stdout + result.stderr)


# -- the caret on a redacted line -------------------------------------------------------------


def test_full_caret_stays_under_the_key_after_wide_characters(project: Path) -> None:
    """The line keeps its length when starred, so the caret points at the same key; a wide
    character of a value becomes a narrow `*`, and the caret is measured on what is shown."""
    extra = (
        '{"operation":"DELETE","compartment_id":"1000","user_account_id":"佐藤一郎-12345678",'
        '"user_profile":{"氏名":"山田花子","メール":"' + EMAIL + '"},"zz":1}'
    )
    (project / "wide.ndjson").write_text(LINES[WIDE_LINE - 1] + "\n" + extra + "\n", "utf-8")
    for columns in (WIDE_COLUMNS, "60"):
        _, out, _ = run_runner(["--output-format", "full", "wide.ndjson"], {"COLUMNS": columns})
        lines = out.splitlines()
        checked = 0
        for index, line in enumerate(lines):
            match = re.match(r"wide\.ndjson:(\d+):(\d+): (MIC\d+)", line)
            if not match or match.group(3) not in ("MIC204", "MIC404"):
                continue
            key = '"tier"' if match.group(1) == "1" else '"zz"'
            if match.group(3) == "MIC404":
                key = '"user_profile"'
            shown, caret = lines[index + 1][4:], lines[index + 2][4:]
            assert caret.strip() == "^"
            at = shown.index(key)
            assert cells(shown[:at]) == caret.index("^"), (columns, line, shown, caret)
            checked += 1
        assert checked == 4
        assert_no_leak(f"wide lines, COLUMNS={columns}", out)
        assert "佐藤一郎-12" not in out  # the identifier keeps 6 characters: 佐藤一郎-1
        if columns == WIDE_COLUMNS:
            assert '"user_account_id":"佐藤一郎-1' + "*" * 7 + '"' in out
            assert '"氏名":"****","メール":"' + "*" * len(EMAIL) + '"' in out


# -- 2. --show-values shows everything --------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "full", "json", "github"])
def test_show_values_shows_the_values(project: Path, fmt: str) -> None:
    code, out, _ = run_runner(["--show-values", "--output-format", fmt, "profiles.ndjson"])
    assert code == 1
    readable = _unescaped(out)
    for value in (
        EMAIL,  # MIC204's key and MIC203's operation
        DEVICE,  # MIC306
        COMPARTMENT_NUMBER,  # MIC202
        ACCOUNT_NUMBER,  # MIC202
        HUGE_PROFILE_INT,  # MIC104 in the profile
        "<JANE_DOE_1>",  # MIC206 in the profile
        "SECRET-TRAILING-VAL",  # MIC101: the text after the value
    ):
        assert value in readable, f"{fmt} --show-values: {value} not shown"
    assert MASKED not in readable
    if fmt == "full":
        for value in (ACCOUNT, "SECRET-PROFILE-VALUE-1", OTHER_EMAIL, "山田SECRET-PROFILE"):
            assert value in out
        for line in LINES:
            assert "  | " + line in out


def test_show_values_shows_a_clear_text_address_in_mic305(project: Path) -> None:
    # MIC305 said "(not shown here)" under --show-values too.
    address = "jane.doe-305@example.com"
    (project / "hash.ndjson").write_text(
        f'{{"operation":"DELETE","email_hash":"{address}"}}\n', encoding="utf-8"
    )
    _, shown, _ = run_runner(["--show-values", "--select", "MIC305", "hash.ndjson"])
    assert f'"{address}"' in shown and "not shown here" not in shown
    _, hidden, _ = run_runner(["--select", "MIC305", "hash.ndjson"])
    assert address not in hidden and "not shown here" in hidden


@needs_command
def test_show_values_through_the_installed_command(project: Path) -> None:
    done = run_command(["--show-values", "--output-format", "full", "profiles.ndjson"], project)
    assert done.returncode == 1
    assert (
        EMAIL in done.stdout and ACCOUNT in done.stdout and "SECRET-PROFILE-VALUE-9" in done.stdout
    )


def test_show_values_reaches_the_worker_processes(project: Path) -> None:
    code, out, _ = run_runner(
        ["--jobs", "2", "--chunk-size", "300", "--show-values", "profiles.ndjson"]
    )
    assert code == 1
    assert DEVICE in out and EMAIL in out and COMPARTMENT_NUMBER in out


# -- 3. mics_lint.redact ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("jane.doe@example.com", "j***@e***.com"),
        (EMAIL, MASKED),
        (OTHER_EMAIL, OTHER_MASKED),
        ("Jane.Doe+news@mail.example.co.uk", "J***@m***.uk"),
        ('unknown field "jane.doe@example.com": x', 'unknown field "j***@e***.com": x'),
        ("<jane.doe@example.com>", "<j***@e***.com>"),
        ("a@b.io and c.d@e.fr", "a***@b***.io and c***@e***.fr"),
        ("user_profile.jane.doe@example.com", "u***@e***.com"),
        ("j***@e***.com", "j***@e***.com"),  # masking twice changes nothing
        ("no address here", "no address here"),
        ("a @ b.com", "a @ b.com"),
        ("name@localhost", "name@localhost"),  # no dot: not shaped like an address
        ("", ""),
    ],
)
def test_mask_emails(text: str, masked: str) -> None:
    assert redact.mask_emails(text) == masked


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (ACCOUNT, '"CRM-SE…"'),
        ("abc", '"abc"'),
        ("abcdef", '"abcdef"'),  # exactly the prefix: nothing cut
        ("abcdefg", '"abcdef…"'),
        (EMAIL, '"j***@e…"'),  # masked before being cut
        ("a@b.io", '"a***@b…"'),
        (1234567890123, "123456…"),
        (42, "42"),
        ("山田太郎-12345678", '"山田太郎-1…"'),
    ],
)
def test_identifier(value: object, shown: str) -> None:
    assert redact.identifier(value) == shown


def test_identifier_shown_whole_on_request() -> None:
    assert redact.identifier(ACCOUNT, show=True) == f'"{ACCOUNT}"'
    assert redact.identifier(EMAIL, show=True) == f'"{EMAIL}"'
    assert redact.identifier(1234567890123, show=True) == "1234567890123"


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            '{"operation":"UPSERT","email_hash":"abcdef0123456","force_replace":true,'
            '"merge_objects":false,"user_profile":{"name":"Jane","age":42,"vip":true,"x":null}}',
            '{"operation":"UPSERT","email_hash":"abcdef*******","force_replace":true,'
            '"merge_objects":false,"user_profile":{"name":"****","age":**,"vip":****,"x":****}}',
        ),
        (  # identifiers keep 6 characters, a number too; the compartment "1000" is whole
            '{"compartment_id":"1000","user_account_id":"CRM-SECRET-123456789","user_agent_id":'
            '"vec:12345678","email_hash":12345678901}',
            '{"compartment_id":"1000","user_account_id":"CRM-SE**************","user_agent_id":'
            '"vec:12******","email_hash":123456*****}',
        ),
        (  # an e-mail as an identifier keeps only its first character
            '{"email_hash":"jane.doe@example.com"}',
            '{"email_hash":"j*******************"}',
        ),
        (  # a key that is an address keeps its first character; its value is starred
            '{"operation":"DELETE","jane.doe@example.com":"jane.doe@example.com"}',
            '{"operation":"DELETE","j*******************":"********************"}',
        ),
        (  # an address in a profile key, in a nested key
            '{"user_profile":{"a":{"jane.doe@example.com":1}}}',
            '{"user_profile":{"a":{"j*******************":*}}}',
        ),
        (  # spaces kept, values starred
            '{ "operation" : "DELETE" , "email_hash" : "abcdefgh" , "tier" : [ 1, "gold" ] }',
            '{ "operation" : "DELETE" , "email_hash" : "abcdef**" , "tier" : [ *, "****" ] }',
        ),
        (  # command keys misspelt keep their values; an unknown key's value is starred
            '{"forceReplace":true,"Operation":"upsert","tier":"gold"}',
            '{"forceReplace":true,"Operation":"upsert","tier":"****"}',
        ),
        (  # command keys nested in the profile are profile data
            '{"user_profile":{"operation":"SECRET","force_replace":"SECRET"}}',
            '{"user_profile":{"operation":"******","force_replace":"******"}}',
        ),
        (  # an identifier nested in an array is not an identifier's value: starred
            '{"email_hash":["abcdefghij"]}',
            '{"email_hash":["**********"]}',
        ),
        (  # escaped quotes stay inside their string
            '{"user_profile":{"q":"say \\"SECRET\\" now","k\\"ey":"v"}}',
            '{"user_profile":{"q":"******************","k\\"ey":"*"}}',
        ),
        (  # escaped quotes in an identifier
            '{"user_account_id":"ab\\"cdefgh"}',
            '{"user_account_id":"ab\\"cd****"}',  # 6 characters as written
        ),
        (  # text after the value
            '{"operation":"DELETE","email_hash":"abcdef12"} SECRET trailing',
            '{"operation":"DELETE","email_hash":"abcdef**"} ****** ********',
        ),
        (  # an unterminated string in the profile
            '{"operation":"UPSERT","user_profile":{"name":"Jane Doe',
            '{"operation":"UPSERT","user_profile":{"name":"********',
        ),
        (  # an unterminated identifier keeps its prefix only
            '{"operation":"DELETE","email_hash":"abcdefSECRET',
            '{"operation":"DELETE","email_hash":"abcdef******',
        ),
        (  # an unterminated string ending with a backslash
            '{"user_profile":{"a":"SECRET\\',
            '{"user_profile":{"a":"*******',
        ),
        (  # single quotes and bare words (not JSON): starred
            "{'user_profile':{'name':'Jane'},x:SECRET}",
            "{**************:{******:******},*:******}",
        ),
        (  # not an object at all
            '["jane.doe@example.com",12345]',
            '["********************",*****]',
        ),
        ("", ""),
        ("   ", "   "),
    ],
)
def test_source_line(line: str, shown: str) -> None:
    assert redact.source_line(line) == shown
    assert len(redact.source_line(line)) == len(line)


@pytest.mark.parametrize("line", LINES)
def test_source_line_keeps_length_keys_and_no_secret(line: str) -> None:
    shown = redact.source_line(line)
    assert len(shown) == len(line)
    assert not leaks(shown), shown
    # every key stays where it was
    for match in re.finditer(r'"(operation|user_profile|email_hash|user_account_id|tier)":', line):
        assert shown[match.start() : match.end()] == match.group()
    # redacting only ever turns a character into `*`
    assert all(a == b or b == "*" for a, b in zip(line, shown, strict=True))


def test_source_line_keeps_wide_characters_of_keys_in_place() -> None:
    line = (
        '{"operation":"UPSERT","email_hash":"山田太郎花子次郎","force_replace":true,'
        '"user_profile":{"氏名":"山田花子","住所":["東京","大阪"]},"未知":"値"}'
    )
    shown = redact.source_line(line)
    assert len(shown) == len(line)
    for key in ('"氏名"', '"住所"', '"未知"', '"user_profile"', '"force_replace":true'):
        assert shown.index(key) == line.index(key)
    assert '"email_hash":"山田太郎花子**"' in shown
    assert '花子"' not in shown and "東京" not in shown and "値" not in shown


def test_source_line_on_every_prefix_of_a_line() -> None:
    """A line cut anywhere (a truncated export) keeps its length and shows no secret."""
    line = LINES[0]
    for end in range(len(line) + 1):
        shown = redact.source_line(line[:end])
        assert len(shown) == end
        assert not [s for s in ("SECRET-", "jane.secret", "CRM-SEC") if s in shown], shown


# -- 4. the Python API ------------------------------------------------------------------------


def test_lint_lines_hides_values_by_default() -> None:
    diagnostics = lint_text(LINES)
    assert diagnostics
    messages = "\n".join(d.message for d in diagnostics)
    assert_no_leak("lint_lines messages", messages)
    assert MASKED in messages
    assert '"SECRET…"' in messages and "777712…" in messages and "of 27 digits" in messages
    for d in diagnostics:
        assert "source" not in d.to_dict()  # the JSON record has no copy of the line
        assert_no_leak("to_dict", json.dumps(d.to_dict(), ensure_ascii=False))


def test_lint_lines_shows_values_on_request() -> None:
    messages = "\n".join(d.message for d in lint_text(LINES, Settings(show_values=True)))
    for value in (EMAIL, DEVICE, COMPARTMENT_NUMBER, HUGE_PROFILE_INT, "<JANE_DOE_1>"):
        assert value in messages
    assert MASKED not in messages


def test_show_values_changes_messages_only() -> None:
    """The same diagnostics, at the same places, with or without the values."""
    hidden = lint_text(LINES)
    shown = lint_text(LINES, Settings(show_values=True))
    assert [d.sort_key() for d in hidden] == [d.sort_key() for d in shown]
    assert [d.end_column for d in hidden] == [d.end_column for d in shown]


# -- leaks found while writing these tests, now fixed: each stays as a regression test --------


@pytest.mark.parametrize(
    "line",
    [
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","force_replace":true,'
        '"user_profile":{"tags":["gold",SECRETBAREWORD]}}',
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","force_replace":true,'
        '"user_profile":{"a":"x",janesecret@example.com}}',
    ],
)
def test_leak_bare_word_in_invalid_json_message(line: str) -> None:
    messages = [d.message for d in lint_text([line])]
    assert messages and messages[0].startswith("keys and strings must be in double quotes")
    assert not [m for m in messages if "SECRETBAREWORD" in m or "janesecret" in m], messages


@pytest.mark.parametrize("code", ["MIC204", "MIC103"])
def test_leak_address_in_a_long_key_cut_before_masking(code: str) -> None:
    key = "contact e-mail: " + EMAIL  # 39 characters: cut inside the domain
    if code == "MIC204":
        line = '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7b8","' + key + '":1}'
    else:
        line = (
            '{"operation":"DELETE","email_hash":"a1b2c3d4e5f6a7b8","' + key + '":1,"' + key + '":2}'
        )
    messages = [d.message for d in lint_text([line]) if d.code == code]
    assert messages
    assert not [m for m in messages if "jane.secret" in m], messages


@pytest.mark.parametrize(
    "line",
    [
        '{"operation":"DELETE" "SECRET-STRAY-VALUE-8","email_hash":"a1b2c3d4e5f6a7b8"}',
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","force_replace":true '
        'SECRET-STRAY-9,"user_profile":{}}',
    ],
)
def test_leak_stray_token_after_a_command_value_in_full(project: Path, line: str) -> None:
    (project / "stray.ndjson").write_text(line + "\n", encoding="utf-8")
    _, out, _ = run_runner(["--output-format", "full", "stray.ndjson"])
    assert "MIC101" in out
    assert_no_leak("full, stray token", out)
    assert "SECRET-" not in redact.source_line(line)


def test_leak_escaped_address_in_a_key_in_full(project: Path) -> None:
    line = '{"operation":"DELETE","jane.secret\\u0040example.com":"v","email_hash":"a1b2c3d4e5"}'
    (project / "escaped.ndjson").write_text(line + "\n", encoding="utf-8")
    _, out, _ = run_runner(["--output-format", "full", "escaped.ndjson"])
    assert 'unknown field "j***@e***.com"' in out
    assert_no_leak("full, escaped address in a key", out)


@pytest.mark.parametrize("quote", ['"', ""], ids=["quoted", "unquoted"])
@pytest.mark.parametrize(
    "line",
    [
        '{"operation":"UPSERT","email_hash":"a1b2c3d4e5f6a7b8","force_replace":true,'
        '"user_profile":{"card":%s<CARD_4111111111111111>%s}}',
        '{"operation":"DELETE","compartment_id":"1000","user_account_id":%s<CRM_SECRET_123456789>%s}',
    ],
)
def test_leak_upper_case_placeholder_shown_whole(line: str, quote: str) -> None:
    """Quoted, MIC206's; unquoted, MIC101's, which names a placeholder as MIC206 does."""
    code = "MIC206" if quote else "MIC101"
    messages = [d.message for d in lint_text([line % (quote, quote)]) if d.code == code]
    assert messages and "placeholder" in messages[0]
    assert not [m for m in messages if "4111111" in m or "CRM_SEC" in m], messages
