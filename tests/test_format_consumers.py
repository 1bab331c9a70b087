"""Each report format checked against the rules of the tool that reads it.

Schemas and rules come from the consumers themselves (`tests/vendor/README.md` says where):
SARIF against the OASIS SARIF 2.1.0 schema, rdjsonl against reviewdog's Diagnostic schema,
GitHub and Azure annotations through Python ports of the runners' own parsers, GitLab Code
Quality against the fields GitLab's documentation requires, JUnit through an XML parser. Then
the CI conveniences: `auto`, the step summary, `grouped`, `full`, `--report`, `--statistics`,
`--quiet` and `--max-diagnostics`.

Most tests run the command on `fixtures/formats/` (see `test_formats.py`), from that folder so
that paths are relative; the others write their own files in a temporary working folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import jsonschema
import pytest
from click.testing import CliRunner, Result
from helpers import ALL_FORMATS

from mics_lint.cli import cli
from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.reporters import AzureReporter, GithubReporter, Options, Summary
from mics_lint.rules import REGISTRY

HERE = Path(__file__).parent
VENDOR = HERE / "vendor"
FORMATS_DIR = HERE / "fixtures" / "formats"
INPUTS = ["input.ndjson", "clean.ndjson"]
ENV: dict[str, str | None] = {
    "COLUMNS": "80",
    "LINES": "24",
    "GITHUB_ACTIONS": None,
    "GITHUB_STEP_SUMMARY": None,
    "NO_COLOR": None,
}

# Lines for the files written by the tests; the comment says what each gives on its own.
CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}'
NO_ID = '{"operation":"DELETE"}'  # MIC301 error at column 1
WARN = '{"operation":"DELETE","user_account_id":"w"}'  # MIC304 warning at column 23
UNKNOWN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"u","zz":1}'  # MIC204


# -- helpers ----------------------------------------------------------------------------------


def run_check(args: Sequence[str], env: dict[str, str | None] | None = None) -> Result:
    env = {**ENV, **(env or {})}
    result = CliRunner().invoke(cli, ["check", "--isolated", *args], env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr
    return result


def write(path: Path | str, *lines: str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return target


def records(args: Sequence[str]) -> list[dict[str, Any]]:
    """The documented JSON records of a run: what every other format must carry."""
    result = run_check(["--output-format", "jsonl", *args])
    return [json.loads(line) for line in result.stdout.splitlines()]


def source_line(path: str, line: int) -> str:
    """Line `line` of a file, decoded, without its line end."""
    return Path(path).read_bytes().split(b"\n")[line - 1].rstrip(b"\r").decode("utf-8")


def repo_relative(path: str) -> str:
    """Where CI systems look for a file: its path from the root of the git work tree holding
    the working folder (or from the working folder outside git), with `/` separators."""
    cwd = Path.cwd()
    root = next((d for d in (cwd, *cwd.parents) if (d / ".git").exists()), cwd)
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


def utf8_column(text: str, column: int) -> int:
    """A 1-based code-point column as reviewdog counts it: 1 + UTF-8 bytes before it."""
    return len(text[: column - 1].encode("utf-8")) + 1


def utf16_column(text: str, column: int) -> int:
    """A 1-based code-point column as SARIF counts it by default: in UTF-16 code units."""
    return len(text[: column - 1].encode("utf-16-le")) // 2 + 1


@pytest.fixture
def formats_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(FORMATS_DIR)
    return FORMATS_DIR


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- SARIF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((VENDOR / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_of(args: Sequence[str]) -> dict[str, Any]:
    result = run_check(["--output-format", "sarif", *args])
    log: dict[str, Any] = json.loads(result.stdout)
    return log


def assert_valid(validator: jsonschema.protocols.Validator, instance: object) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_sarif_validates_against_the_official_schema(
    formats_dir: Path, sarif_validator: jsonschema.protocols.Validator
) -> None:
    log = sarif_of(INPUTS)
    assert_valid(sarif_validator, log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_sarif_of_a_clean_run_validates_and_has_no_results(
    formats_dir: Path, sarif_validator: jsonschema.protocols.Validator
) -> None:
    log = sarif_of(["clean.ndjson"])
    assert_valid(sarif_validator, log)
    run = log["runs"][0]
    assert run["results"] == []  # present and empty: "a log file represents an actual scan"
    assert run["tool"]["driver"]["name"] == "mics-lint"


def test_a_path_not_found_fails_the_sarif_run_and_the_junit_suite(
    formats_dir: Path, sarif_validator: jsonschema.protocols.Validator
) -> None:
    # Said on stderr before any file is read, it was in neither: a run that checked
    # nothing of that path read as a clean one.
    log = sarif_of(["clean.ndjson", "gone.ndjson"])
    assert_valid(sarif_validator, log)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == "cannot read gone.ndjson: no such file or directory"
    uri = note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("/gone.ndjson")  # relative to the project, as every uri is
    result = run_check(["--output-format", "junit", "clean.ndjson", "gone.ndjson"])
    assert result.exit_code == 2
    assert ET.fromstring(result.stdout).get("errors") == "1"


def test_sarif_driver_describes_every_reported_rule(formats_dir: Path) -> None:
    run = sarif_of(INPUTS)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "mics-lint"
    assert driver.get("version")
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "each rule once"
    assert set(ids) == {r["ruleId"] for r in run["results"]}
    for described in rules:
        rule = REGISTRY[described["id"]]
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"].strip()
        assert described["fullDescription"]["text"].strip()
        assert described["help"]["text"].strip()
        assert described["defaultConfiguration"]["level"] == str(rule.severity)


def test_sarif_results_reference_their_rule_and_level(formats_dir: Path) -> None:
    run = sarif_of(INPUTS)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    expected = records(INPUTS)
    assert len(run["results"]) == len(expected)
    for result, record in zip(run["results"], expected, strict=True):
        assert result["ruleId"] == record["code"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == record["severity"]  # error -> error, warning -> warning
        assert result["message"]["text"] == record["message"]


def test_sarif_default_level_is_the_rule_default_not_the_configured_one(
    formats_dir: Path,
) -> None:
    run = sarif_of(["--severity", "MIC304=error", "input.ndjson"])["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["MIC304"]["defaultConfiguration"]["level"] == "warning"
    levels = {r["level"] for r in run["results"] if r["ruleId"] == "MIC304"}
    assert levels == {"error"}


def test_sarif_locations_are_relative_uris_and_1_based_regions(formats_dir: Path) -> None:
    run = sarif_of(INPUTS)["runs"][0]
    column_kind = run.get("columnKind", "utf16CodeUnits")  # the SARIF default
    for result, record in zip(run["results"], records(INPUTS), strict=True):
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert "://" not in uri and not uri.startswith("/") and "\\" not in uri
        assert unquote(uri) == repo_relative(record["path"])
        region = physical["region"]
        text = source_line(record["path"], record["line"])
        if column_kind == "utf16CodeUnits":
            start, end = (utf16_column(text, record[k]) for k in ("column", "end_column"))
        else:
            start, end = record["column"], record["end_column"]
        assert region["startLine"] == record["line"] >= 1
        assert region["endLine"] == record["end_line"] >= region["startLine"]
        assert region["startColumn"] == start >= 1
        assert region["endColumn"] == end > start  # the character after the region


def test_sarif_columns_after_non_ascii_follow_the_declared_column_kind(
    formats_dir: Path,
) -> None:
    """Line 1 has `ë`, `😀`, `Ü`, `ï` before the key: 135 code points, 136 UTF-16 units."""
    run = sarif_of(["input.ndjson"])["runs"][0]
    first = run["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert first["startLine"] == 1
    if run.get("columnKind", "utf16CodeUnits") == "utf16CodeUnits":
        assert first["startColumn"] == 136
    else:
        assert run["columnKind"] == "unicodeCodePoints"
        assert first["startColumn"] == 135


def test_sarif_uri_of_an_absolute_path_inside_the_project_is_relative(
    project: Path, sarif_validator: jsonschema.protocols.Validator
) -> None:
    write(project / "imports" / "day 1,a.ndjson", NO_ID)
    log = sarif_of([str(project / "imports" / "day 1,a.ndjson")])
    assert_valid(sarif_validator, log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert unquote(uri["uri"]) == "imports/day 1,a.ndjson"


# -- reviewdog rdjsonl ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rdf_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((VENDOR / "reviewdog-Diagnostic.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_rdjsonl_lines_validate_against_reviewdogs_schema(
    formats_dir: Path, rdf_validator: jsonschema.protocols.Validator
) -> None:
    result = run_check(["--output-format", "rdjsonl", *INPUTS])
    lines = result.stdout.splitlines()
    assert len(lines) == len(records(INPUTS))
    for line in lines:
        diagnostic = json.loads(line)
        assert_valid(rdf_validator, diagnostic)
        # The schema accepts any string; reviewdog knows these (proto enum Severity).
        assert diagnostic["severity"] in {"ERROR", "WARNING", "INFO"}
        assert diagnostic["message"]
        assert diagnostic["code"]["value"] in REGISTRY


def test_rdjsonl_positions_count_utf8_bytes(formats_dir: Path) -> None:
    result = run_check(["--output-format", "rdjsonl", *INPUTS])
    for line, record in zip(result.stdout.splitlines(), records(INPUTS), strict=True):
        diagnostic = json.loads(line)
        location = diagnostic["location"]
        assert location["path"] == repo_relative(record["path"])
        text = source_line(record["path"], record["line"])
        start, end = location["range"]["start"], location["range"]["end"]
        assert start == {"line": record["line"], "column": utf8_column(text, record["column"])}
        assert end == {
            "line": record["end_line"],
            "column": utf8_column(text, record["end_column"]),
        }
        severity = {"error": "ERROR", "warning": "WARNING"}[record["severity"]]
        assert diagnostic["severity"] == severity
        assert diagnostic["code"]["value"] == record["code"]


def test_rdjsonl_column_after_a_four_byte_character(formats_dir: Path) -> None:
    """135 code points before the key are 141 bytes: ë, Ü, ï are 2 bytes each, 😀 is 4."""
    result = run_check(["--output-format", "rdjsonl", "input.ndjson"])
    first = json.loads(result.stdout.splitlines()[0])
    assert first["location"]["range"]["start"] == {"line": 1, "column": 141}


def test_rdjsonl_path_of_an_absolute_argument_is_relative(project: Path) -> None:
    write(project / "sub" / "a.ndjson", NO_ID)
    result = run_check(["--output-format", "rdjsonl", str(project / "sub" / "a.ndjson")])
    assert json.loads(result.stdout)["location"]["path"] == "sub/a.ndjson"


# -- GitLab Code Quality ----------------------------------------------------------------------

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def gitlab_report(args: Sequence[str]) -> list[dict[str, Any]]:
    result = run_check(["--output-format", "gitlab", *args])
    assert not result.stdout.startswith("\ufeff"), "GitLab's parser rejects a BOM"
    report = json.loads(result.stdout)
    assert isinstance(report, list)
    return report


def test_gitlab_report_has_the_fields_gitlab_requires(formats_dir: Path) -> None:
    report = gitlab_report(INPUTS)
    expected = records(INPUTS)
    assert len(report) == len(expected)
    for issue, record in zip(report, expected, strict=True):
        assert isinstance(issue["description"], str) and issue["description"]
        assert record["code"] in issue["description"]  # GitLab does not show check_name
        assert issue["check_name"] == record["code"]
        assert isinstance(issue["fingerprint"], str) and issue["fingerprint"]
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["severity"] == {"error": "major", "warning": "minor"}[record["severity"]]
        location = issue["location"]
        assert location["path"] == repo_relative(record["path"])
        assert not location["path"].startswith("/") and "\\" not in location["path"]
        if "lines" in location:
            line = location["lines"]["begin"]
        else:
            line = location["positions"]["begin"]["line"]
        assert line == record["line"]


def test_gitlab_report_of_a_clean_run_is_an_empty_array(formats_dir: Path) -> None:
    result = run_check(["--output-format", "gitlab", "clean.ndjson"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert result.stdout.strip() == "[]"


def test_gitlab_fingerprints_are_unique_and_stable(project: Path) -> None:
    # The same problem on three lines, twice in one line, and in two files.
    line = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"x","zz":1,"zy":2}'
    write("a.ndjson", line, line, line)
    write("b.ndjson", line)
    first = gitlab_report(["a.ndjson", "b.ndjson"])
    second = gitlab_report(["a.ndjson", "b.ndjson"])
    fingerprints = [issue["fingerprint"] for issue in first]
    assert len(fingerprints) == len(set(fingerprints)), "GitLab shows one finding per fingerprint"
    assert fingerprints == [issue["fingerprint"] for issue in second]


def test_gitlab_fingerprints_do_not_depend_on_how_the_path_was_given(project: Path) -> None:
    write(project / "imports" / "a.ndjson", NO_ID, WARN)
    relative = gitlab_report(["imports/a.ndjson"])
    absolute = gitlab_report([str(project / "imports" / "a.ndjson")])
    assert [i["location"]["path"] for i in absolute] == ["imports/a.ndjson"] * 2
    assert [i["fingerprint"] for i in relative] == [i["fingerprint"] for i in absolute]


# -- JUnit ------------------------------------------------------------------------------------


def test_junit_has_one_testsuite_per_file_and_consistent_counts(formats_dir: Path) -> None:
    result = run_check(["--output-format", "junit", *INPUTS])
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert sorted(s.get("name") for s in suites) == sorted(map(repo_relative, INPUTS))
    found = records(INPUTS)
    # Errors fail their test case; warnings pass, with the warning as the case's output.
    expected = Counter(repo_relative(r["path"]) for r in found if r["severity"] == "error")
    reported = Counter(repo_relative(r["path"]) for r in found)
    total_tests = total_failures = 0
    for suite in suites:
        cases = suite.findall("testcase")
        assert all(c.get("name") and c.get("classname") for c in cases), "JUnit needs both"
        failed = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == len(failed)
        assert int(suite.get("errors", "0")) == 0
        assert len(failed) == expected[suite.get("name")]
        if not reported[suite.get("name")]:
            assert len(cases) == 1, "a clean file is one passing testcase"
        else:
            assert len(cases) == reported[suite.get("name")], "one case per diagnostic"
        total_tests += len(cases)
        total_failures += len(failed)
    assert int(root.get("tests", "-1")) == total_tests
    assert int(root.get("failures", "-1")) == total_failures == sum(expected.values())
    assert int(root.get("errors", "0")) == 0


def test_junit_failures_carry_code_line_and_message(formats_dir: Path) -> None:
    result = run_check(["--output-format", "junit", "input.ndjson"])
    root = ET.fromstring(result.stdout.encode("utf-8"))
    cases = root.findall("./testsuite/testcase")
    for case, record in zip(cases, records(["input.ndjson"]), strict=True):
        failure = case.find("failure")
        if record["severity"] == "warning":  # passes, the warning as its output
            assert failure is None
            assert record["message"] in (case.findtext("system-out") or "")
            continue
        assert failure is not None
        assert record["code"] in (case.get("name", "") + (failure.get("type") or ""))
        assert failure.get("message") == record["message"]  # `<`, `&`, `"` survive parsing
        assert record["message"] in (failure.text or "")
        assert case.get("line") == str(record["line"])


def test_junit_of_only_clean_files_passes(formats_dir: Path) -> None:
    result = run_check(["--output-format", "junit", "clean.ndjson"])
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout.encode("utf-8"))
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


# -- GitHub Actions workflow commands ---------------------------------------------------------


def unescape_property(value: str) -> str:
    """actions/runner ActionCommand.UnescapeProperty: the mappings in order, `%25` last."""
    for token, replacement in (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C")):
        value = value.replace(replacement, token)
    return value.replace("%25", "%")


def unescape_data(value: str) -> str:
    """actions/runner ActionCommand.UnescapeData."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse_workflow_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """actions/runner ActionCommand.TryParseV2, in Python: (command, properties, data)."""
    line = line.lstrip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info = line[2:end]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    properties: dict[str, str] = {}
    if space > 0:
        for entry in info[space + 1 :].strip().split(","):
            if not entry:
                continue
            pair = [part for part in entry.split("=", 1) if part]
            if len(pair) == 2:
                properties[pair[0]] = unescape_property(pair[1])
    return name, properties, unescape_data(line[end + 2 :])


def commands(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    """What the runner runs of a step's output (ActionCommandManager.TryProcessCommand):
    `::name::` commands, and the older `##[name]` ones found anywhere in a line, except
    within a `::stop-commands::TOKEN` block, which ends at a line `::TOKEN::`."""
    found = []
    stopped: str | None = None
    for line in stdout.splitlines():
        parsed = parse_workflow_command(line)
        if stopped is not None:
            if parsed is not None and parsed[0] == stopped and not parsed[2]:
                stopped = None
            continue
        if parsed is None and "##[" in line:
            parsed = ("##[", {}, line[line.index("##[") :])
        if parsed is not None and parsed[0] == "stop-commands":
            stopped = parsed[2]
        elif parsed is not None:
            found.append(parsed)
    return found


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    return [c for c in commands(stdout) if c[0] in {"error", "warning", "notice"}]


def assert_annotation_matches(
    annotation: tuple[str, dict[str, str], str], record: dict[str, Any]
) -> None:
    kind, props, data = annotation
    assert kind == record["severity"]  # error / warning
    assert props["file"] == repo_relative(record["path"])
    assert props["line"] == str(record["line"])
    assert props["col"] == str(record["column"])
    assert props["endLine"] == str(record["end_line"])
    assert props["endColumn"] == str(record["end_column"])
    assert record["code"] in props["title"]
    assert data.endswith(record["message"])
    assert record["code"] in data


def test_github_annotations_round_trip_through_the_runners_parser(formats_dir: Path) -> None:
    result = run_check(["--output-format", "github", *INPUTS])
    found = annotations(result.stdout)
    expected = records(INPUTS)
    assert len(found) == len(expected)
    by_place = {(r["line"], r["column"]): r for r in expected}
    assert len(by_place) == len(expected), "one diagnostic per place in the input"
    for annotation in found:
        props = annotation[1]
        assert_annotation_matches(annotation, by_place[(int(props["line"]), int(props["col"]))])
    kinds = [kind for kind, _, _ in found]
    assert kinds == sorted(kinds), "errors come before warnings"


def test_github_escapes_a_path_with_comma_colon_and_percent(project: Path) -> None:
    name = "day 1, 100%: final.ndjson"
    write(name, WARN, NO_ID, UNKNOWN.replace('"zz"', '"50%0A:off,now"'))
    result = run_check(["--output-format", "github", name])
    found = annotations(result.stdout)
    expected = records([name])
    assert len(found) == len(expected) == 3
    order = {"error": 0, "warning": 1}
    expected.sort(key=lambda r: order[r["severity"]])  # annotations: errors first
    for annotation, record in zip(found, expected, strict=True):
        assert annotation[1]["file"] == repo_relative(name)
        assert_annotation_matches(annotation, record)


def test_github_escapes_newlines_and_percent_in_messages() -> None:
    """The engine never puts a raw newline in a message, but the reporter must not rely on
    it: fed one directly, each annotation stays one command that decodes back exactly."""
    message = "first line\nsecond: 100%, %0A stays\r\nend"
    path = "dir, with: colon/odd%name.ndjson"
    diagnostic = Diagnostic(path, 3, 5, 3, 9, "MIC204", "unknown-field", Severity.ERROR, message)
    stream = io.StringIO()
    reporter = GithubReporter(stream, Options(root=Path.cwd(), environ={}))
    summary = Summary(files_checked=1, files_with_problems=1)
    summary.add(diagnostic)
    reporter.start()
    reporter.file_started(path)
    reporter.report(diagnostic)
    reporter.file_finished(path, 1)
    reporter.finish(summary)
    run = commands(stream.getvalue())
    assert len(run) == 1, "a raw newline would end the command early"
    kind, props, data = run[0]
    assert kind == "error"
    assert props["file"] == path
    assert (props["line"], props["col"], props["endLine"], props["endColumn"]) == (
        "3",
        "5",
        "3",
        "9",
    )
    assert data.endswith(message)


def test_github_prints_the_text_report_after_the_annotations(formats_dir: Path) -> None:
    github = run_check(["--output-format", "github", *INPUTS])
    text = run_check(["--output-format", "text", *INPUTS])
    lines = github.stdout.splitlines(keepends=True)
    count = len(annotations(github.stdout))
    assert all(line.startswith("::") for line in lines[:count])
    assert "".join(lines[count:]) == text.stdout
    assert github.exit_code == text.exit_code == 1
    assert commands(github.stdout) == annotations(github.stdout)


def test_github_text_lines_run_no_command(project: Path) -> None:
    """Keys and file names of the data, in the text report, are not workflow commands:
    `##[` anywhere in a line is one (the runner's older form), `::` at its start too."""
    write("::warning::x.ndjson", UNKNOWN.replace('"zz"', '"##[add-mask]MIC204"'))
    write("b.ndjson", UNKNOWN.replace('"zz"', '"##[set-output name=ok;]true"'))
    for names in (["::warning::x.ndjson"], ["b.ndjson"], ["::warning::x.ndjson", "b.ndjson"]):
        result = run_check(["--output-format", "github", *names])
        text = run_check(["--output-format", "text", *names])
        assert [c[0] for c in commands(result.stdout)] == ["error"] * len(names)
        assert {c[1]["file"] for c in commands(result.stdout)} == set(map(repo_relative, names))
        lines = result.stdout.splitlines(keepends=True)
        stop, *report, start = lines[len(names) :]  # the text report, in a block
        token = stop.removeprefix("::stop-commands::").strip()
        assert len(token) == 32 and start == f"::{token}::\n"
        assert "".join(report) == text.stdout


def parse_markdown_tables(markdown: str) -> list[list[list[str]]]:
    """Every pipe table of a Markdown text: a list of rows of cells, header first."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def test_github_appends_a_markdown_summary_to_the_step_summary(
    formats_dir: Path, tmp_path: Path
) -> None:
    summary_file = tmp_path / "step_summary.md"
    summary_file.write_text("# Earlier step\n\n", encoding="utf-8")
    result = run_check(
        ["--output-format", "github", *INPUTS], env={"GITHUB_STEP_SUMMARY": str(summary_file)}
    )
    assert result.exit_code == 1
    markdown = summary_file.read_text(encoding="utf-8")
    assert markdown.startswith("# Earlier step\n\n"), "appended, not overwritten"
    expected = records(INPUTS)
    tables = parse_markdown_tables(markdown)
    per_code = next(t for t in tables if "code" in t[0] and "count" in t[0])
    code_at, count_at = per_code[0].index("code"), per_code[0].index("count")
    assert {row[code_at]: int(row[count_at].replace(",", "")) for row in per_code[1:]} == dict(
        Counter(r["code"] for r in expected)
    )
    per_file = next(t for t in tables if "file" in t[0])
    header = per_file[0]
    rows = {Path(row[header.index("file")]).name: row for row in per_file[1:]}
    assert "input.ndjson" in rows
    errors = sum(r["severity"] == "error" for r in expected)
    warnings = sum(r["severity"] == "warning" for r in expected)
    assert rows["input.ndjson"][header.index("errors")] == str(errors)
    assert rows["input.ndjson"][header.index("warnings")] == str(warnings)


@pytest.mark.parametrize(
    ("github_actions", "expected"),
    [("true", "github"), (None, "text"), ("false", "text"), ("", "text")],
)
def test_auto_picks_github_only_on_github_actions(
    formats_dir: Path, github_actions: str | None, expected: str
) -> None:
    env = {"GITHUB_ACTIONS": github_actions}
    auto = run_check(INPUTS, env=env)
    explicit_auto = run_check(["--output-format", "auto", *INPUTS], env=env)
    chosen = run_check(["--output-format", expected, *INPUTS], env=env)
    assert auto.stdout == explicit_auto.stdout == chosen.stdout
    assert auto.exit_code == chosen.exit_code


# -- Azure Pipelines logging commands ---------------------------------------------------------


def azure_unescape(value: str) -> str:
    """azure-pipelines-agent Command.Unescape: the mappings, then `%AZP25` (DECODE_PERCENTS)."""
    for token, replacement in ((";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D")):
        value = value.replace(replacement, token)
    return value.replace("%AZP25", "%")


def parse_logging_command(line: str) -> tuple[str, dict[str, str], str] | None:
    """azure-pipelines-agent Command.TryParse, in Python: (area.event, properties, data)."""
    prefix = line.find("##vso[")
    if prefix < 0:
        return None
    bracket = line.find("]", prefix)
    if bracket < 0:
        return None
    info = line[prefix + len("##vso[") : bracket]
    space = info.find(" ")
    name = info if space < 0 else info[:space]
    if len([part for part in name.split(".") if part]) != 2:
        return None
    properties: dict[str, str] = {}
    if space > 0:
        for entry in info[space + 1 :].split(";"):
            if not entry:
                continue
            pair = [part for part in entry.split("=", 1) if part]
            if len(pair) == 2:
                properties[pair[0].lower()] = azure_unescape(pair[1])
    return name, properties, azure_unescape(line[bracket + 1 :])


def assert_logissue_matches(
    command: tuple[str, dict[str, str], str] | None, record: dict[str, Any]
) -> None:
    assert command is not None
    name, props, data = command
    assert name == "task.logissue"
    assert props["type"] == record["severity"]
    assert props["sourcepath"] == repo_relative(record["path"])
    assert props["linenumber"] == str(record["line"])
    assert props["columnnumber"] == str(record["column"])
    assert props["code"] == record["code"]
    assert data.endswith(record["message"])


def test_azure_logissue_round_trips_through_the_agents_parser(formats_dir: Path) -> None:
    result = run_check(["--output-format", "azure", *INPUTS])
    lines = result.stdout.splitlines()
    expected = records(INPUTS)
    assert len(lines) == len(expected)
    for line, record in zip(lines, expected, strict=True):
        assert line.startswith("##vso[task.logissue ")
        assert_logissue_matches(parse_logging_command(line), record)


def test_azure_escapes_semicolon_bracket_and_percent_in_the_path(project: Path) -> None:
    name = "odd;name]100%.ndjson"
    write(name, WARN, NO_ID)
    result = run_check(["--output-format", "azure", name])
    lines = result.stdout.splitlines()
    expected = records([name])
    assert len(lines) == len(expected) == 2
    for line, record in zip(lines, expected, strict=True):
        assert_logissue_matches(parse_logging_command(line), record)


def test_azure_escapes_newlines_and_percent_in_messages() -> None:
    """As for GitHub: a message with line breaks and escape-like text stays one command."""
    message = "first line\nsecond; 100%] %3B %0A stays\r\nend"
    path = "dir;odd]/100%.ndjson"
    diagnostic = Diagnostic(path, 2, 7, 2, 9, "MIC204", "unknown-field", Severity.ERROR, message)
    stream = io.StringIO()
    reporter = AzureReporter(stream, Options(root=Path.cwd(), environ={}))
    reporter.start()
    reporter.file_started(path)
    reporter.report(diagnostic)
    reporter.file_finished(path, 1)
    reporter.finish(Summary(files_checked=1, files_with_problems=1))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, "a raw newline would end the command early"
    parsed = parse_logging_command(lines[0])
    assert parsed is not None
    _, props, data = parsed
    assert (props["sourcepath"], props["linenumber"], props["columnnumber"]) == (path, "2", "7")
    assert data.endswith(message)


# -- paths in CI formats ---------------------------------------------------------------------


def ci_paths(args: Sequence[str]) -> dict[str, set[str]]:
    """The file paths each CI format shows for a run, decoded as its consumer decodes them."""
    found: dict[str, set[str]] = {}
    out = run_check(["--output-format", "github", *args]).stdout
    found["github"] = {props["file"] for _, props, _ in annotations(out)}
    out = run_check(["--output-format", "azure", *args]).stdout
    commands = [parse_logging_command(line) for line in out.splitlines()]
    found["azure"] = {c[1]["sourcepath"] for c in commands if c is not None}
    out = run_check(["--output-format", "sarif", *args]).stdout
    found["sarif"] = {
        unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in json.loads(out)["runs"][0]["results"]
    }
    out = run_check(["--output-format", "gitlab", *args]).stdout
    found["gitlab"] = {issue["location"]["path"] for issue in json.loads(out)}
    out = run_check(["--output-format", "rdjsonl", *args]).stdout
    found["rdjsonl"] = {json.loads(line)["location"]["path"] for line in out.splitlines()}
    out = run_check(["--output-format", "junit", *args]).stdout
    found["junit"] = {s.get("name", "") for s in ET.fromstring(out).findall("testsuite")}
    return found


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_ci_paths_are_relative_to_the_git_work_tree(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from a sub-folder of a repository, every CI format names the file from the
    repository's root: that is where GitHub, GitLab and Azure look for it."""
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    write(project / "imports" / "a.ndjson", NO_ID, WARN)
    monkeypatch.chdir(project / "imports")
    for given in ("a.ndjson", str(project / "imports" / "a.ndjson"), "../imports/a.ndjson"):
        for fmt, paths in ci_paths([given]).items():
            assert paths == {"imports/a.ndjson"}, (fmt, given, paths)


def test_ci_paths_follow_the_working_folder_of_each_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs in one process (an editor plugin, a test suite) from different folders."""
    (project / ".git").mkdir()  # one work tree holding both folders
    write(project / "one" / "a.ndjson", NO_ID)
    write(project / "two" / "a.ndjson", NO_ID)
    monkeypatch.chdir(project / "one")
    assert ci_paths(["a.ndjson"])["gitlab"] == {"one/a.ndjson"}
    monkeypatch.chdir(project / "two")
    for fmt, paths in ci_paths(["a.ndjson"]).items():
        assert paths == {"two/a.ndjson"}, fmt


# -- grouped and full -------------------------------------------------------------------------


def test_grouped_puts_each_files_diagnostics_under_its_header(project: Path) -> None:
    write("a.ndjson", NO_ID, WARN)
    write("b.ndjson", CLEAN)
    write("c.ndjson", UNKNOWN)
    result = run_check(["--output-format", "grouped", "a.ndjson", "b.ndjson", "c.ndjson"])
    text = run_check(["--output-format", "text", "a.ndjson", "b.ndjson", "c.ndjson"])
    assert result.exit_code == text.exit_code == 1
    groups: dict[str, list[str]] = {}
    current = None
    for line in result.stdout.splitlines():
        if line.endswith(":") and not line.startswith(" "):
            current = line[:-1]
            groups[current] = []
        elif line.startswith("  "):
            assert current is not None
            groups[current].append(f"{current}:{line.strip()}")
    assert list(groups) == ["a.ndjson", "c.ndjson"], "no header for a clean file"
    shown = [line for lines in groups.values() for line in lines]
    assert shown == text.stdout.splitlines()[:-1]
    assert result.stdout.splitlines()[-1] == text.stdout.splitlines()[-1]  # the summary


def cells(text: str) -> int:
    """How many terminal columns `text` takes (wide East Asian characters and emoji: 2)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def char_at_cell(text: str, cell: int) -> str:
    """The character of `text` drawn at terminal column `cell` (0-based)."""
    at = 0
    for c in text:
        width = cells(c)
        if at <= cell < at + width:
            return c
        at += width
    raise AssertionError(f"cell {cell} is past the end of {text!r}")


def full_blocks(stdout: str) -> list[tuple[str, str, str]]:
    """(diagnostic line, source row, caret row) of each diagnostic of `full` output."""
    lines = stdout.splitlines()
    return [
        (lines[i - 1], lines[i], lines[i + 1])
        for i in range(1, len(lines) - 1)
        if lines[i].startswith("  | ") and lines[i + 1].startswith("  | ")
    ]


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_full_cuts_the_line_to_the_terminal_and_puts_the_caret_under_the_column(
    formats_dir: Path, columns: int
) -> None:
    result = run_check(["--output-format", "full", *INPUTS], env={"COLUMNS": str(columns)})
    blocks = full_blocks(result.stdout)
    expected = records(INPUTS)
    assert len(blocks) == len(expected)
    for (_, row, caret_row), record in zip(blocks, expected, strict=True):
        assert cells(row) <= columns, f"{row!r} is wider than {columns} columns"
        assert caret_row.rstrip().endswith("^") and set(caret_row[4:].rstrip()) <= {" ", "^"}
        caret = len(caret_row) - len("  | ") - 1
        flagged = source_line(record["path"], record["line"])[record["column"] - 1]
        assert char_at_cell(row[4:], caret) == flagged, (row, caret_row, record["column"])


def test_full_shows_a_short_line_whole(project: Path) -> None:
    write("a.ndjson", WARN)
    result = run_check(["--output-format", "full", "a.ndjson"], env={"COLUMNS": "200"})
    ((_, row, caret_row),) = full_blocks(result.stdout)
    assert row == "  | " + WARN
    assert caret_row == "  | " + " " * 22 + "^"


# -- --report FORMAT:PATH ---------------------------------------------------------------------

REPORT_FORMATS = ALL_FORMATS


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_report_writes_what_the_format_alone_writes(
    fmt: str, formats_dir: Path, tmp_path: Path
) -> None:
    env = {"COLUMNS": "60"}
    alone = tmp_path / f"alone.{fmt}"
    extra = tmp_path / f"extra.{fmt}"
    single = run_check(["--output-format", fmt, "-o", str(alone), *INPUTS], env=env)
    combined = run_check(
        ["--output-format", "text", "--report", f"{fmt}:{extra}", *INPUTS], env=env
    )
    assert combined.exit_code == single.exit_code == 1
    assert extra.read_bytes() == alone.read_bytes()


def test_several_reports_in_one_run(formats_dir: Path, tmp_path: Path) -> None:
    targets = {fmt: tmp_path / f"report.{fmt}" for fmt in ("sarif", "junit", "gitlab", "rdjsonl")}
    args = [arg for fmt, path in targets.items() for arg in ("--report", f"{fmt}:{path}")]
    combined = run_check([*args, "--output-format", "text", *INPUTS])
    text = run_check(["--output-format", "text", *INPUTS])
    assert combined.stdout == text.stdout, "the main report is unchanged"
    assert combined.exit_code == text.exit_code == 1
    for fmt, path in targets.items():
        single = run_check(["--output-format", fmt, *INPUTS])
        assert path.read_bytes().decode("utf-8") == single.stdout, fmt


def test_report_rejects_a_bad_spec(formats_dir: Path, tmp_path: Path) -> None:
    for spec in ("sarif", "nope:x.out", f":{tmp_path / 'x'}"):
        result = run_check(["--report", spec, *INPUTS])
        assert result.exit_code == 2, spec
        assert result.stdout == ""
        assert result.stderr.startswith("mics-lint: error:")


# -- --statistics, --quiet, --max-diagnostics -------------------------------------------------

STAT_RE = re.compile(r"^(MIC\d{3})\s+(\S+)\s+([\d,]+)$")


def test_statistics_is_a_table_of_counts_per_code(formats_dir: Path) -> None:
    result = run_check(["--statistics", *INPUTS])
    expected = records(INPUTS)
    counts = Counter(r["code"] for r in expected)
    lines = result.stdout.splitlines()
    rows = [STAT_RE.match(line) for line in lines[:-1]]
    assert all(rows), lines
    table = [(m[1], m[2], int(m[3].replace(",", ""))) for m in rows if m]
    assert table == sorted(
        ((code, REGISTRY[code].name, n) for code, n in counts.items()),
        key=lambda row: (-row[2], row[0]),
    )
    text = run_check(["--output-format", "text", *INPUTS])
    assert lines[-1] == text.stdout.splitlines()[-1]  # the same summary sentence
    assert not any(r["message"] in result.stdout for r in expected), "no diagnostics"
    assert result.exit_code == 1


def test_statistics_quiet_prints_only_the_table(formats_dir: Path) -> None:
    result = run_check(["--statistics", "--quiet", *INPUTS])
    assert all(STAT_RE.match(line) for line in result.stdout.splitlines())
    assert result.exit_code == 1


@pytest.mark.parametrize("fmt", ["text", "grouped", "full", "github"])
def test_quiet_prints_the_diagnostics_without_the_summary(formats_dir: Path, fmt: str) -> None:
    loud = run_check(["--output-format", fmt, *INPUTS])
    quiet = run_check(["--output-format", fmt, "--quiet", *INPUTS])
    summary = loud.stdout.splitlines()[-1]
    assert summary.startswith("Found ")
    assert summary not in quiet.stdout
    assert quiet.stdout.rstrip("\n") == loud.stdout[: -len(summary) - 1].rstrip("\n")
    assert quiet.exit_code == loud.exit_code == 1


def test_quiet_on_clean_files_prints_nothing(formats_dir: Path) -> None:
    result = run_check(["--quiet", "clean.ndjson"])
    assert result.stdout == ""
    assert result.exit_code == 0


def test_max_diagnostics_shows_n_per_file_and_counts_everything(project: Path) -> None:
    write("a.ndjson", WARN, NO_ID, NO_ID, NO_ID)  # 1 warning, then 3 errors
    write("b.ndjson", UNKNOWN, UNKNOWN.replace('"u"', '"v"'))  # 2 errors
    every = records(["a.ndjson", "b.ndjson"])
    assert len(every) == 6
    full_run = run_check(["a.ndjson", "b.ndjson"])
    limited = run_check(["--max-diagnostics", "1", "a.ndjson", "b.ndjson"])
    lines = limited.stdout.splitlines()
    shown = [line for line in lines if re.match(r"^[ab]\.ndjson:\d+:\d+: MIC\d{3} ", line)]
    first_of_each = [full_run.stdout.splitlines()[0], full_run.stdout.splitlines()[4]]
    assert shown == first_of_each == lines[: len(shown)]
    after = lines[len(shown) :]
    assert re.search(r"\b4 more\b.*not shown", after[0]), after
    assert (
        lines[-1]
        == full_run.stdout.splitlines()[-1]
        == "Found 5 errors and 1 warning in 2 files. Checked 2 files as USER_PROFILE."
    )
    assert limited.exit_code == full_run.exit_code == 1


def test_max_diagnostics_exit_code_counts_hidden_errors(project: Path) -> None:
    write("a.ndjson", WARN, NO_ID)  # the only error is the one not shown
    result = run_check(["--max-diagnostics", "1", "a.ndjson"])
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()[:1]] == ["MIC304"]
    assert "MIC301" not in result.stdout
    assert re.search(r"\b1 more\b.*not shown", result.stdout)
    assert (
        result.stdout.splitlines()[-1]
        == "Found 1 error and 1 warning in 1 file. Checked as USER_PROFILE."
    )
    assert result.exit_code == 1


def test_max_diagnostics_zero_shows_none(project: Path) -> None:
    write("a.ndjson", NO_ID, NO_ID)
    result = run_check(["--max-diagnostics", "0", "a.ndjson"])
    assert "MIC301" not in result.stdout
    assert re.search(r"\b2 more\b.*not shown", result.stdout)
    assert result.exit_code == 1


def test_max_diagnostics_with_a_machine_format_keeps_its_output_valid(project: Path) -> None:
    write("a.ndjson", NO_ID, NO_ID, NO_ID)
    result = run_check(["--output-format", "sarif", "--max-diagnostics", "2", "a.ndjson"])
    assert len(json.loads(result.stdout)["runs"][0]["results"]) == 2
    assert re.search(r"\b1 more\b.*not shown", result.stderr)
    assert result.exit_code == 1


def test_max_diagnostics_leaves_report_files_whole(project: Path) -> None:
    # --report files are for tools: they were cut as the terminal's report is, silently.
    write("a.ndjson", NO_ID, NO_ID, NO_ID)
    args = ["--max-diagnostics", "1", "--report", "sarif:r.sarif", "--report", "text:r.txt"]
    result = run_check([*args, "--report", "junit:r.xml", "a.ndjson"])
    assert result.exit_code == 1
    assert result.stdout.count("MIC301") == 1 and "2 more" in result.stdout + result.stderr
    sarif = json.loads((project / "r.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == 3
    text = (project / "r.txt").read_text(encoding="utf-8")
    assert text.count("MIC301") == 3 and "not shown" not in text
    assert 'tests="3"' in (project / "r.xml").read_text(encoding="utf-8")


def test_vendored_files_are_the_recorded_copies() -> None:
    """The README records each vendored file's size; a changed file must change the README."""
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for name in ("sarif-schema-2.1.0.json", "reviewdog-Diagnostic.json"):
        text = (VENDOR / name).read_bytes().decode("utf-8")
        assert f"`{name}`" in readme
        assert f"{len(text):,} characters" in readme, name
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() in readme, name
