"""Reporters for programs: `json`, `jsonl`, `gitlab`, `rdjsonl`, `sarif`, `junit`, and
`--statistics` as JSON."""

from __future__ import annotations

import abc
import os
import re
import shutil
from pathlib import Path

import orjson

from mics_lint import __version__
from mics_lint.diagnostic import Diagnostic, Severity
from mics_lint.reporters.base import Reporter, Summary, spool
from mics_lint.rules import REGISTRY


class _JsonArray(Reporter):
    """A JSON array written one element at a time."""

    def start(self) -> None:
        self.count = 0
        self.stream.write("[")

    def report(self, diagnostic: Diagnostic) -> None:
        self._write(self.item(diagnostic))

    def _write(self, item: object) -> None:
        self.stream.write(("\n  " if self.count == 0 else ",\n  ") + _dumps(item))
        self.count += 1

    @abc.abstractmethod
    def item(self, diagnostic: Diagnostic) -> object: ...

    def finish(self, summary: Summary) -> None:
        self.stream.write("\n]\n" if self.count else "]\n")


class JsonReporter(_JsonArray):
    """One JSON array of records (docs/reports.md, "The JSON record")."""

    def item(self, diagnostic: Diagnostic) -> object:
        return diagnostic.to_dict()


class JsonLinesReporter(Reporter):
    """The same records as `json`, one per line."""

    def report(self, diagnostic: Diagnostic) -> None:
        self.stream.write(_dumps(diagnostic.to_dict()) + "\n")


class JsonStatisticsReporter(Reporter):
    """`--statistics` with `--output-format json`: [{"code", "name", "count"}]."""

    def report(self, diagnostic: Diagnostic) -> None:
        pass

    def finish(self, summary: Summary) -> None:
        rows = sorted(summary.by_code.items(), key=lambda item: (-item[1], item[0]))
        table = [{"code": c, "name": REGISTRY[c].name, "count": n} for c, n in rows]
        self.stream.write(orjson.dumps(table, option=orjson.OPT_INDENT_2).decode() + "\n")


def _dumps(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        # A lone surrogate (from a \ud800 escape in the file), which orjson will not encode
        # and I-JSON forbids (RFC 7493, 2.1: a strict reader refuses the document): written
        # as the escape the file had, in text.
        return orjson.dumps(_visible(value)).decode()


def _visible(value: object) -> object:
    """`value` with each string's lone surrogates as their escapes' text (`\\ud800`)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_visible(k): _visible(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_visible(v) for v in value]
    return value


class GitlabReporter(_JsonArray):
    """GitLab Code Quality: a JSON array; fingerprints unique per finding, stable across runs."""

    def start(self) -> None:
        super().start()
        self.fingerprints: set[str] = set()

    def item(self, d: Diagnostic) -> object:
        path = self.relative(d.path)
        return {
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "fingerprint": self._fingerprint(
                f"{d.code}\0{path}\0{d.line}\0{d.column}\0{d.message}"
            ),
            "severity": "major" if d.severity is Severity.ERROR else "minor",
            # Not a Code Quality field: GitLab ignores it; other readers of the file may not.
            "doc_type": d.doc_type,
            "location": {
                "path": path,
                "positions": {
                    "begin": {"line": d.line, "column": d.column},
                    "end": {"line": d.end_line, "column": d.end_column},
                },
            },
        }

    def _fingerprint(self, seed: str) -> str:
        """Unique in the report, the same for the same finding in the next run."""
        import hashlib

        fingerprint = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()
        salt = 0
        while fingerprint in self.fingerprints:  # the same finding twice at one place
            salt += 1
            fingerprint = hashlib.sha256(
                f"{seed}\0{salt}".encode("utf-8", "surrogatepass")
            ).hexdigest()
        self.fingerprints.add(fingerprint)
        return fingerprint

    def file_failed(self, path: str, message: str) -> None:
        # A file not checked is no clean file: the merge request says so.
        where = self.relative(path)
        self._write(
            {
                "description": f"not checked: {message}",
                "check_name": "mics-lint",
                "fingerprint": self._fingerprint(f"not checked\0{where}\0{message}"),
                "severity": "major",
                "location": {"path": where, "lines": {"begin": 1}},
            }
        )


class RdjsonlReporter(Reporter):
    """reviewdog's rdjsonl: one Diagnostic per line; columns count UTF-8 bytes."""

    # The line whose bytes were counted last, and how far: a line's diagnostics come together
    # in order of column, so the count moves along the line instead of starting over from its
    # first character for each (thousands of diagnostics on a long line made it quadratic).
    _source: str | None = None
    _chars = 0
    _bytes = 0

    def report(self, d: Diagnostic) -> None:
        record = {
            "message": d.message,
            "location": {
                "path": self.relative(d.path),
                "range": {
                    "start": {"line": d.line, "column": self._byte_column(d.source, d.column)},
                    "end": {
                        "line": d.end_line,
                        "column": self._byte_column(d.source, d.end_column),
                    },
                },
            },
            "severity": "ERROR" if d.severity is Severity.ERROR else "WARNING",
            "source": {"name": "mics-lint"},
            "code": {"value": d.code},
        }
        self.stream.write(_dumps(record) + "\n")

    def file_failed(self, path: str, message: str) -> None:
        # reviewdog's exit code is the step's: a file not checked must not pass as clean.
        record = {
            "message": f"not checked: {message}",
            "location": {"path": self.relative(path)},
            "severity": "ERROR",
            "source": {"name": "mics-lint"},
        }
        self.stream.write(_dumps(record) + "\n")

    def _byte_column(self, source: str | None, column: int) -> int:
        """The 1-based column in UTF-8 bytes of the 1-based `column` in characters."""
        if not source:
            return column
        index = min(max(column - 1, 0), len(source))
        if source != self._source:
            self._source, self._chars, self._bytes = source, 0, 0
        if index >= self._chars:
            self._bytes += _utf8_size(source[self._chars : index])
        else:
            self._bytes -= _utf8_size(source[index : self._chars])
        self._chars = index
        return self._bytes + 1


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


class SarifReporter(Reporter):
    """SARIF 2.1.0 for code scanning. Results stream; the rules reported follow them.

    GitHub code scanning refuses a whole upload whose run holds more than 25,000 results
    ("SARIF results exceed limit"), which one dirty export passes: the first `LIMIT` are
    written, and a notification of the run says how many more there were."""

    LIMIT = 25_000

    def start(self) -> None:
        self.rules: dict[str, int] = {}
        self.count = 0
        self.left_out = 0
        self.artifacts: dict[str, str] = {}  # uri -> type, for every file checked
        self.failures: list[dict[str, object]] = []  # files that could not be checked
        self.stream.write(
            '{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0",'
            '"runs":[{"columnKind":"unicodeCodePoints","results":['
        )

    def report(self, d: Diagnostic) -> None:
        if self.count >= self.LIMIT:
            self.left_out += 1
            return
        index = self.rules.setdefault(d.code, len(self.rules))
        region = {
            "startLine": d.line,
            "startColumn": d.column,
            "endLine": d.end_line,
            "endColumn": max(d.end_column, d.column + 1),
        }
        result = {
            "ruleId": d.code,
            "ruleIndex": index,
            "level": "error" if d.severity is Severity.ERROR else "warning",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(self.relative(d.path))},
                        "region": region,
                    }
                }
            ],
            "properties": {"docType": d.doc_type},
        }
        self.stream.write(("" if self.count == 0 else ",") + _dumps(result))
        self.count += 1

    def file_type(self, path: str, doc_type: str) -> None:
        self.artifacts[_uri(self.relative(path))] = doc_type

    def file_failed(self, path: str, message: str) -> None:
        location = {"physicalLocation": {"artifactLocation": {"uri": _uri(self.relative(path))}}}
        self.failures.append(
            {"level": "error", "message": {"text": message}, "locations": [location]}
        )

    def finish(self, summary: Summary) -> None:
        driver = {
            "name": "mics-lint",
            "version": __version__,
            "rules": [_sarif_rule(code) for code in self.rules],
        }
        # Every file checked, with the type it was checked as: clean files too.
        artifacts = [
            {"location": {"uri": uri}, "properties": {"docType": doc_type}}
            for uri, doc_type in self.artifacts.items()
        ]
        tail: dict[str, object] = {"tool": {"driver": driver}, "artifacts": artifacts}
        notes = list(self.failures)
        if self.left_out:
            text = (
                f"{self.left_out:,} more results are not in this report: code scanning takes "
                f"at most {self.LIMIT:,} a run (the json and text formats hold them all)"
            )
            notes.append({"level": "warning", "message": {"text": text}})
        if summary.hidden:  # else uploaded, it would close the alerts of the results cut
            text = (
                f"{summary.hidden:,} more results are not in this report (--max-diagnostics): "
                "write the whole report with --report sarif:PATH"
            )
            notes.append({"level": "warning", "message": {"text": text}})
        if notes:  # a file not checked is no clean file: the run says so
            run = {"executionSuccessful": not self.failures, "toolExecutionNotifications": notes}
            tail["invocations"] = [run]
        self.stream.write("]," + _dumps(tail)[1:-1] + "}]}\n")


def _uri(path: str) -> str:
    from urllib.parse import quote

    if os.path.isabs(path):
        return Path(path).as_uri()
    if "://" in path:  # a URL (s3://bucket/key): its scheme's ':' kept, the rest quoted
        scheme, _, rest = path.partition("://")
        return f"{scheme}://{quote(rest, safe='/')}"
    return quote(path, safe="/")


# GitHub code scanning takes a rule's fullDescription of at most 1,024 characters ("SARIF
# support for code scanning"); `help` holds the whole text.
_DESCRIPTION = 1024


def _capped(text: str, most: int) -> str:
    """`text`, or its sentences that fit in `most` characters and an ellipsis."""
    if len(text) <= most:
        return text
    cut = text[: most - 1]
    end = cut.rfind(". ")
    return (cut[: end + 1] if end > 0 else cut) + "\u2026"


def _sarif_rule(code: str) -> dict[str, object]:
    rule = REGISTRY[code]
    what = rule.explanation.split("## Why is this bad?")[0].replace("## What it does", "")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _capped(" ".join(what.split()), _DESCRIPTION)},
        "help": {"text": rule.explanation, "markdown": rule.explanation},
        "defaultConfiguration": {"level": str(rule.severity)},
        "properties": {"tags": ["mediarithmics", rule.name]},
    }


class JunitReporter(Reporter):
    """JUnit XML: a testsuite per file, a failing testcase per error (and per warning with
    `--strict`), a passing one per warning (the warning as its output) and per clean file.
    The totals go on the root element, so testsuites are spooled until the end."""

    def start(self) -> None:
        self.spool = spool()
        self.cases: list[str] = []
        self.tests = 0
        self.failures = 0
        self.errors = 0

    def file_started(self, path: str) -> None:
        self.cases = []
        self.passed = 0  # cases of warnings, which pass (see report)
        self.doc_type = ""
        self.error: str | None = None

    def file_type(self, path: str, doc_type: str) -> None:
        self.doc_type = doc_type

    def report(self, d: Diagnostic) -> None:
        text = _xml_text(f"line {d.line}, col {d.column}, {d.message}")
        # Its place in the name: GitLab keys a case by suite, classname and name, and shows
        # one of the cases that share them (one failure for a code's every line).
        case = (
            f"    <testcase name={_xml_attribute(f'{d.code} {d.name} at {d.line}:{d.column}')} "
            f'classname={_xml_attribute(self.relative(d.path))} line="{d.line}" '
            f'column="{d.column}">\n'
        )
        if d.severity is Severity.WARNING and not self.options.strict:
            # A warning does not fail the run (exit 0), so it must not fail the test case
            # either: GitLab and Jenkins would show a passing run as failed. It stays
            # visible as the case's output.
            self.passed += 1
            self.cases.append(
                f"{case}      <system-out>warning: {text}</system-out>\n    </testcase>\n"
            )
            return
        self.cases.append(
            f"{case}      <failure message={_xml_attribute(d.message)} "
            f"type={_xml_attribute(d.code)}>{text}</failure>\n    </testcase>\n"
        )

    def file_failed(self, path: str, message: str) -> None:
        self.error = message

    def file_finished(self, path: str, count: int) -> None:
        name = _xml_attribute(self.relative(path))
        errors = 0
        if self.error is not None:  # not checked: an error, never a passing test
            errors = 1
            self.cases.append(
                f'    <testcase name="mics-lint" classname={name}>\n'
                f"      <error message={_xml_attribute(self.error)}>"
                f"{_xml_text(self.error)}</error>\n"
                "    </testcase>\n"
            )
        cases = self.cases or [f'    <testcase name="mics-lint" classname={name}/>\n']
        failures = len(self.cases) - errors - self.passed
        self.tests += len(cases)
        self.failures += failures
        self.errors += errors
        self.spool.write(
            f'  <testsuite name={name} tests="{len(cases)}" failures="{failures}"'
            f' errors="{errors}" skipped="0">\n'
        )
        if self.doc_type:
            self.spool.write(
                "    <properties>\n"
                f'      <property name="doc_type" value={_xml_attribute(self.doc_type)}/>\n'
                "    </properties>\n"
            )
        self.spool.writelines(cases)
        self.spool.write("  </testsuite>\n")
        self.cases = []

    def finish(self, summary: Summary) -> None:
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(
            f'<testsuites name="mics-lint" tests="{self.tests}" failures="{self.failures}" '
            f'errors="{self.errors}">\n'
        )
        self.spool.seek(0)
        shutil.copyfileobj(self.spool, self.stream)
        self.spool.close()
        self.stream.write("</testsuites>\n")


# What XML 1.0 allows in a document: anything else (most C0 controls, lone surrogates,
# U+FFFE, U+FFFF) makes the whole report unreadable, even as a character reference.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """`text` with each character XML cannot hold written as its Python escape (`\\x01`)."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(_xml_safe(text))


def _xml_attribute(text: str) -> str:
    """An attribute's value with its quotes (tabs and line ends as references, kept)."""
    from xml.sax.saxutils import quoteattr

    return quoteattr(_xml_safe(text))
