"""Each example the format reference quotes from the docs is a fixture (sections 4 to 9).

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
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

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
