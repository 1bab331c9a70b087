"""Rewrite text-format expectations written before issue 16 (item 12) to the current line.

Before: `path:line:col: CODE message`; now `path:line:col: CODE [severity] message`, with
`[*]` after the severity for a diagnostic `--fix` would fix (see reporters/text.py,
`text_line`, the one definition of the line). This script adds what an old expectation
lacks. For a file of the repository (the docs' examples) it checks the file and takes the
diagnostic's own severity and mark; for any other path (a test's temporary file), the
rule's default severity, and `[*]` for a rule whose fix always applies. Where such a test
sets another severity, or a conditional fix applies (MIC101, MIC202, MIC007), the test then
fails and shows the real line.

    python tests/migrate_text_format.py FILE...      # rewrites the files in place

Not for tests/fixtures/rules/*.expected: the golden rule fixtures keep their own
serialization (`line:col: CODE message`, conftest.py). The format goldens
(tests/fixtures/formats/*.expected) are rewritten by `pytest tests/test_formats.py
--update-expected` instead.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mics_lint.config import Settings
from mics_lint.diagnostic import Diagnostic
from mics_lint.linter import ReadError, lint_file
from mics_lint.registry import FIX_SAFE
from mics_lint.rules import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
# A path (or an f-string's {name}), line and column, then a code not yet followed by "[".
# Or, as `grouped` prints it under its file's header, indented without the path.
OLD_LINE = re.compile(
    r"(?P<where>[^\s\"'(:]+:\d+:\d+: |(?m:^)[ \t]+\d+:\d+: )(?P<code>MIC\d{3}) (?!\[)"
)


def migrate(text: str, root: Path) -> str:
    def new(match: re.Match[str]) -> str:
        rule = REGISTRY.get(match["code"])
        if rule is None:
            return match[0]
        real = _real(root, match["where"], match["code"])
        if real is not None:  # a file of the repository (docs/examples): as it is checked
            severity, fixed = str(real.severity), real.fix == FIX_SAFE
        else:
            severity, fixed = str(rule.severity), rule.fix == FIX_SAFE and rule.fix_always
        return f"{match['where']}{match['code']} [{severity}]{' [*]' if fixed else ''} "

    return OLD_LINE.sub(new, text)


_LINTED: dict[Path, list[Diagnostic]] = {}


def _real(root: Path, where: str, code: str) -> Diagnostic | None:
    """The diagnostic an existing file of the repository gets there, checked with no
    config (as the docs' examples run, `--isolated`); None for any other path."""
    name, line, column, _ = where.rsplit(":", 3) if where[0] not in " \t" else ("", 0, 0, "")
    path = root / name
    if not name:
        return None
    if not path.is_file():
        return None
    if path not in _LINTED:
        try:
            _LINTED[path] = list(lint_file(str(path), Settings()))
        except ReadError:  # its type is given on the command line: the rule's defaults
            _LINTED[path] = []
    for d in _LINTED[path]:
        if (d.line, d.column, d.code) == (int(line), int(column), code):
            return d
    return None


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        old = path.read_text(encoding="utf-8")
        new = migrate(old, ROOT)
        if new != old:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
