"""The examples of the documentation are real, in two directions.

Part 1, docs/*.md: every page's examples run (tests/docrun.py says how; docs/ci.md has its
own runner, test_ci_docs.py), the rules page is what the registry generates, and the
examples that are not shell commands (the Python API, the configuration, the JSON record)
are checked. `pytest tests/test_doc_examples.py --update-expected` rewrites the outputs the
pages show from the real ones; `python -m mics_lint.rules_doc` rewrites the rules page.

Part 2, the format reference: each example it quotes from the platform docs is a fixture
(sections 4 to 9).

The reference (`shared/reference/mediarithmics-formats.md`, beside the checkout, as in CI)
quotes the platform docs' example lines, several of them invalid, and a few constructed
ones. Each must appear verbatim in a file under `tests/fixtures/` (a rule fixture with its
`.expected`, or the clean corpus `ok/`), so that an example added to the reference without
a fixture fails here.

What counts as a quoted example, in sections 4 to 9:
  - a fenced code block under a heading that names an example ("Example lines in the docs"),
    or right after a line that does ("- Examples [DOC] ...:", "Constructed valid lines");
  - a list item that is only an inline JSON object, under an item that names examples.
Skipped by name: section 3 (USER_ACTIVITY, covered with the activity type) and 6.3 (the CSV
variant, which is not linted). Blocks are compared with their indentation removed and
each line's trailing whitespace trimmed; a block of several lines must appear as
consecutive lines of one fixture (the docs' multi-line layout is part of the example).
"""

from __future__ import annotations

import gzip
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docrun
import pytest
from helpers import installed_command

# -- part 1: the pages of docs/ ------------------------------------------------------------

DOCS = docrun.DOCS
PAGES = [p for p in docrun.PAGES if p.parent == DOCS]
EXAMPLES = [example for page in PAGES for example in docrun.examples(page)]
UPDATES: dict[Path, dict[int, list[str]]] = {}


@pytest.fixture(scope="module", autouse=True)
def _rewrite_shown_outputs() -> Iterator[None]:
    """With --update-expected, write the outputs collected by the tests into the pages."""
    yield
    for page, outputs in UPDATES.items():
        docrun.rewrite(page, outputs)
    UPDATES.clear()


def _page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def _section(name: str, title: str) -> str:
    part = _page(name).split(f"\n## {title}\n", 1)
    assert len(part) == 2, f"{name} has no section {title!r}"
    return part[1].split("\n## ", 1)[0]


@pytest.mark.skipif(installed_command() is None, reason="mics-lint is not installed")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.where.removeprefix("docs/"))
def test_example_runs_and_shows_its_real_output(
    example: docrun.Example, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    update = bool(request.config.getoption("--update-expected"))
    docrun.check(example, docrun.make_workspace(tmp_path), UPDATES if update else None)


def test_the_pages_have_examples() -> None:
    """The runner still finds them: a page restructured out of its conventions fails here."""
    shown = {e.page.name for e in EXAMPLES if e.expected}
    assert {"cli.md", "document-types.md", "fixing.md", "reports.md"} <= shown, shown


@pytest.mark.parametrize(
    "page", [docrun.ROOT / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name
)
def test_links_lead_to_pages_and_headings_that_exist(page: Path) -> None:
    assert docrun.broken_links(page) == []


def test_the_index_links_every_page() -> None:
    index = _page("README.md")
    linked = set(re.findall(r"\]\(([A-Za-z-]+\.md)[)#]", index))
    assert {p.name for p in DOCS.glob("*.md")} - linked == {"README.md"}


def test_the_rules_page_is_generated_from_the_registry() -> None:
    from mics_lint import rules_doc
    from mics_lint.rules import REGISTRY

    page = _page("rules.md")
    assert rules_doc.updated(page) == page, "run `python -m mics_lint.rules_doc`"
    # The table itself, read back: one row per rule, in code order.
    row = (
        r"^\| \[(MIC\d{3})\]\(#mic\d{3}-[a-z0-9-]+\) \| ([a-z0-9-]+) \| (error|warning) \| "
        r"(safe|unsafe|-) \| (.+) \|$"
    )
    expected = [
        (r.code, r.name, str(r.severity), r.fix or "-", r.summary) for r in REGISTRY.values()
    ]
    assert re.findall(row, page, re.M) == expected
    for rule in REGISTRY.values():
        assert f"\n### {rule.code} {rule.name}\n" in page
        assert rule.use_instead in page


def test_the_rules_generator_rewrites_a_stale_page(tmp_path: Path) -> None:
    from mics_lint import rules_doc

    stale = _page("rules.md").replace("| MIC302 ", "| MIC302 stale ", 1)
    stale = re.sub(r"### MIC302 .*?\n### ", "### ", stale, flags=re.S)
    path = tmp_path / "rules.md"
    path.write_text(stale, encoding="utf-8")
    assert rules_doc.main([str(path), "--check"]) == 1
    assert rules_doc.main([str(path)]) == 0
    assert path.read_text(encoding="utf-8") == _page("rules.md")
    assert rules_doc.main([str(path), "--check"]) == 0


def test_every_output_format_has_an_example() -> None:
    from mics_lint.reporters import REPORTERS

    shown = {
        match
        for e in EXAMPLES
        if e.page.name == "reports.md" and e.expected
        for match in re.findall(r"--output-format (\w+)", e.command)
    }
    assert shown == set(REPORTERS)


def test_json_record_example_is_a_real_record(tmp_path: Path) -> None:
    (body,) = [
        b
        for lang, _, b in docrun.blocks(_section("reports.md", "The JSON record"))
        if lang == "json"
    ]
    documented = json.loads("\n".join(body))
    example = docrun.Example(
        DOCS / "reports.md",
        0,
        "mics-lint check --isolated --output-format json docs/examples/crm_profiles.ndjson",
        None,
    )
    assert installed_command() is not None
    result = docrun.run(example, docrun.make_workspace(tmp_path))
    assert documented in json.loads(result.stdout)


def test_every_document_type_has_an_example() -> None:
    from mics_lint.doctypes import DOC_TYPES

    checked_as = {
        match
        for e in EXAMPLES
        if e.page.name == "document-types.md" and e.expected
        for match in re.findall(r"Checked as (\w+)\.$", "\n".join(e.expected), re.M)
    }
    assert checked_as == set(DOC_TYPES)
    # Each shows the file it checks.
    cats = [
        e for e in EXAMPLES if e.page.name == "document-types.md" and e.command.startswith("cat ")
    ]
    assert len(cats) == len(DOC_TYPES)


def test_fixing_examples_show_diffs() -> None:
    diffs = [
        e for e in EXAMPLES if e.page.name == "fixing.md" and "--diff" in e.command and e.expected
    ]
    assert len(diffs) == 2
    for example in diffs:
        assert example.expected and example.expected[0].startswith("--- docs/examples/")


def test_configuration_example_is_valid(tmp_path: Path) -> None:
    from mics_lint.config import load_config

    (body,) = [b for lang, _, b in docrun.blocks(_page("configuration.md")) if lang == "toml"]
    (tmp_path / "pyproject.toml").write_text("\n".join(body) + "\n", encoding="utf-8")
    config = load_config(tmp_path / "pyproject.toml")
    assert config.selection.ignore == ("MIC304",)
    assert config.max_file_size == 100 * 1024 * 1024
    assert config.per_file_ignores == (("legacy/*.ndjson", ("MIC5", "MIC003")),)
    assert [glob for glob, _ in config.doc_types] == [
        "exports/segments/*.ndjson",
        "exports/consents/*.ndjson",
    ]


def test_python_api_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = docrun.blocks(_page("api.md"))
    code, settings = [b for lang, _, b in blocks if lang == "python"]
    monkeypatch.chdir(DOCS / "examples")
    exec(compile("\n".join(code), "docs/api.md", "exec"), {})  # our own docs' example
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("crm_profiles.ndjson 2 1 MIC401 error ")
    assert out[-3:] == ["as USER_SEGMENT", "USER_SEGMENT MIC203", "USER_SEGMENT MIC701"]
    exec(compile("\n".join(settings), "docs/api.md", "exec"), {})
    (shown,) = [b for lang, _, b in blocks if lang == "text"]
    assert capsys.readouterr().out.splitlines() == shown


def test_runner_rewrites_shown_outputs(tmp_path: Path) -> None:
    """--update-expected keeps a page's `...` and as many lines around it as it showed."""
    assert docrun.matches(["a", "...", "d"], "a\nb\nc\nd\n")
    assert not docrun.matches(["a", "d"], "a\nb\nd\n")
    assert docrun.shown(["x", "...", "y"], "a\nb\nc\nd\n") == ["a", "...", "d"]
    assert docrun.shown(["x", "..."], "a\nb\n") == ["a", "..."]
    assert docrun.shown(["x"], "a\nb\n") == ["a", "b"]
    page = tmp_path / "page.md"
    page.write_text("```console\n$ one\nold\n$ two\nold\nold\n```\n", encoding="utf-8")
    (one, two) = docrun.examples(page)
    assert (one.expected, two.expected, two.before) == (["old"], ["old", "old"], ("one",))
    docrun.rewrite(page, {one.line: ["new", "new"], two.line: []})
    assert page.read_text(encoding="utf-8") == "```console\n$ one\nnew\nnew\n$ two\n```\n"


# -- part 2: the format reference's examples are fixtures ------------------------------------

REFERENCE = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "mediarithmics-formats.md"
)
FIXTURES = Path(__file__).parent / "fixtures"
SECTIONS = range(4, 10)  # 4 USER_PROFILE ... 9 USER_IDENTIFIERS_ASSOCIATION_DECLARATIONS
SKIPPED_SECTIONS = {"3"}  # USER_ACTIVITY: its examples are covered with the activity type
SKIPPED_SUBSECTIONS = {"6.3"}  # the CSV variant of segments: CSV is not linted
EXAMPLE_WORDS = ("Example", "Constructed valid")
_SECTION = re.compile(r"^## (\d+)\.", re.MULTILINE)
_SUBSECTION = re.compile(r"^### (\d+\.\d+)")
_INLINE_ITEM = re.compile(r"^(\s*)- `(\{.*\})`$")


@dataclass(frozen=True)
class Example:
    where: str  # the subsection's heading, for messages
    lines: tuple[str, ...]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _names_examples(text: str) -> bool:
    return any(word in text for word in EXAMPLE_WORDS)


def _section_examples(section: str) -> list[Example]:
    examples: list[Example] = []
    heading = ""
    skipped = False
    previous: list[str] = []  # the non-blank text lines since the heading
    lines = section.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading, previous = line, []
            number = _SUBSECTION.match(line)
            skipped = number is not None and number.group(1) in SKIPPED_SUBSECTIONS
            i += 1
            continue
        if line.strip().startswith("```"):
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip().startswith("```"))
            label = previous[-1] if previous else ""
            if not skipped and (_names_examples(heading) or _names_examples(label)):
                block = textwrap.dedent("\n".join(lines[i + 1 : end]))
                examples.append(Example(heading, tuple(x.rstrip() for x in block.split("\n"))))
            i = end + 1
            continue
        if match := _INLINE_ITEM.match(line):
            parent = next((p for p in reversed(previous) if _indent(p) < len(match.group(1))), "")
            if not skipped and _names_examples(parent):
                examples.append(Example(heading, (match.group(2),)))
        if line.strip():
            previous.append(line)
        i += 1
    return examples


def quoted_examples(text: str) -> dict[str, list[Example]]:
    """The examples of sections 4 to 9, by section number."""
    starts = [(m.start(), m.group(1)) for m in _SECTION.finditer(text)]
    found: dict[str, list[Example]] = {}
    for (start, number), (end, _) in zip(starts, [*starts[1:], (len(text), "")], strict=True):
        if number in SKIPPED_SECTIONS or int(number) not in SECTIONS:
            continue
        found[number] = _section_examples(text[start:end])
    return found


def _fixture_lines() -> dict[Path, list[str]]:
    files: dict[Path, list[str]] = {}
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.name.endswith(".expected"):
            continue
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        files[path] = [line.rstrip() for line in text.split("\n")]
    return files


def _holds(lines: list[str], block: tuple[str, ...]) -> bool:
    n = len(block)
    return any(tuple(lines[i : i + n]) == block for i in range(len(lines) - n + 1))


@pytest.fixture(scope="module")
def reference() -> str:
    if not REFERENCE.is_file():
        pytest.skip("the format reference is not here (shared/reference/ beside the checkout)")
    return REFERENCE.read_text(encoding="utf-8")


def test_every_section_quotes_examples(reference: str) -> None:
    """The extraction still finds examples: a restructured reference fails here, not silently."""
    found = quoted_examples(reference)
    assert sorted(found, key=int) == [str(n) for n in SECTIONS]
    empty = [number for number, examples in found.items() if not examples]
    assert not empty, f"no example found in sections {empty}: has the reference changed?"


def test_every_quoted_example_is_a_fixture(reference: str) -> None:
    fixtures = _fixture_lines()
    missing = [
        f"{example.where}: {' / '.join(example.lines)[:90]}"
        for examples in quoted_examples(reference).values()
        for example in examples
        if not any(_holds(lines, example.lines) for lines in fixtures.values())
    ]
    assert not missing, "examples of the reference without a fixture in tests/fixtures:\n" + (
        "\n".join(missing)
    )


def test_extraction_on_a_sample() -> None:
    """What is and is not an example, on a small reference of the same structure."""
    sample = textwrap.dedent(
        """\
        ## 3. `USER_ACTIVITY`
        ### 3.3 Example line in the docs [DOC]
        ```
        {"activity":1}
        ```
        ## 6. `USER_SEGMENT`
        ### 6.2 Example in the docs [DOC]
        Multi-line; shown here flattened:
        ```
        {"a":1}
        ```
        ### 6.3 CSV variant, Examples
        ```
        OPERATION,USER_AGENT_ID
        ```
        ## 8. Deletions
        ### 8.2 User points deletion
        - Examples [DOC]:
          - `{ "b": 2 }`
        - Related real-time API [DOC]:

          ```
          DELETE /v1/user_points/{id}
          ```
        - Line shape: only `{"c":3}`.
        - Examples [DOC] (valid one-line JSON):

          ```
          {"d":4}<TRAILING>
          {"e":5}
          ```
        ## 10. Identifier formats
        ### 10.1 Example
        ```
        {"f":6}
        ```
        """
    ).replace("<TRAILING>", "   ")
    found = quoted_examples(sample)
    assert {n: [e.lines for e in examples] for n, examples in found.items()} == {
        "6": [('{"a":1}',)],
        "8": [('{ "b": 2 }',), ('{"d":4}', '{"e":5}')],
    }
