"""Golden fixtures: each file under tests/fixtures is linted and compared with its `.expected`.

Layout
  fixtures/rules/<CODE>-<rule-name>[-<variant>].ndjson
      At least one file per rule code of the registry, named with the rule's code and name;
      variants cover the rule's causes and edge cases. Each must report its own code.
  fixtures/combinations/<what>.ndjson
      One file per "how rules combine" clause of the catalogue (issue 2); the tests at the end
      of this module also check each clause directly, whatever the messages say.
  fixtures/ok/
      A clean corpus (`.ndjson`, `.jsonl`, `.ndjson.gz`) that must produce no diagnostic.

Expected files
  `<stem>.expected` sits beside `<stem>.ndjson` and holds the engine's text output without
  the path: one `line:col: CODE message` per diagnostic, in output order, each ending with
  a newline (an empty file means "no diagnostic").

Settings
  Every fixture is linted with the default `Settings()`, except that a file name containing
  `maxsize<N>` is linted with `Settings(max_file_size=N)` (MIC006 needs a small limit), and
  one containing `maxline<N>` with `Settings(max_line_bytes=N)` (MIC010 too), and one
  containing `.doctype-<short name>.` as that document type (the deletion types share
  their keys, so their files cannot tell which one they are), and one containing
  `.profile-form-<form>.` with that `profile_form`, and one containing `.datamart-<name>`
  against the datamart schema `fixtures/datamart/<name>.gql`, every MIC25x rule selected.

Bytes
  Some fixtures hold bytes that editors and git like to "fix": a UTF-8 BOM, CRLF line ends,
  Latin-1 or UTF-16 bytes, no final newline, an empty file. `tests/fixtures/.gitattributes`
  (`* -text`) keeps git from converting them; edit them with a script, not an editor.

Updating
  `pytest tests/test_fixtures.py --update-expected` rewrites every `.expected` from the
  engine's current output. Review the diff: a few expected files state what the catalogue
  requires where the engine disagreed when they were written (their tests below say why).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from helpers import counting_vouches

from mics_lint import Diagnostic, Settings, lint_lines
from mics_lint.config import Selection
from mics_lint.doctypes import find
from mics_lint.rules import REGISTRY

FIXTURES = Path(__file__).parent / "fixtures"
RULE_FIXTURES = sorted((FIXTURES / "rules").glob("*.ndjson"))
COMBINATION_FIXTURES = sorted((FIXTURES / "combinations").glob("*.ndjson"))
GOLDEN = RULE_FIXTURES + COMBINATION_FIXTURES
OK_SUFFIXES = (".ndjson", ".jsonl", ".ndjson.gz", ".jsonl.gz")
OK_FILES = sorted(p for p in (FIXTURES / "ok").iterdir() if p.name.endswith(OK_SUFFIXES))

_MAXSIZE = re.compile(r"maxsize(\d+)")
_MAXLINE = re.compile(r"maxline(\d+)")
_DOCTYPE = re.compile(r"doctype-([a-z-]+?)(?:\.|$)")
_PROFILE_FORM = re.compile(r"\.profile-form-([a-z_]+)(?:\.|$)")
_DATAMART = re.compile(r"\.datamart-([a-z]+)(?:\.|$)")
_RULE_FILE = re.compile(
    r"^(MIC\d{3})-([a-z0-9]+(?:-[a-z0-9]+)*)(?:\.doctype-[a-z-]+)?(?:\.profile-form-[a-z_]+)?"
    r"(?:\.datamart-[a-z]+)?\.ndjson$"
)
# Codes about the file as a whole (reported at line 1), not about the line they stand on.
FILE_LEVEL = {"MIC002", "MIC006", "MIC009"}
KEPT_ON_BROKEN = FILE_LEVEL | {"MIC003", "MIC005"}
LINE_ENDING = {"MIC001", "MIC101", "MIC102"}


def settings_for(path: Path) -> Settings:
    """The settings a fixture is linted with (see "Settings" above)."""
    settings = Settings()
    if match := _MAXSIZE.search(path.name):
        settings = dataclasses.replace(settings, max_file_size=int(match.group(1)))
    if match := _MAXLINE.search(path.name):
        settings = dataclasses.replace(settings, max_line_bytes=int(match.group(1)))
    if match := _DOCTYPE.search(path.name):
        found = find(match.group(1))
        assert found is not None, path.name
        settings = dataclasses.replace(settings, doc_type=found.name)
    if match := _PROFILE_FORM.search(path.name):
        settings = dataclasses.replace(settings, profile_form=match.group(1))
    if match := _DATAMART.search(path.name):
        schema = str(FIXTURES / "datamart" / f"{match.group(1)}.gql")
        settings = dataclasses.replace(
            settings,
            datamart_schemas=(("*", schema),),
            selections=(Selection(extend_select=("MIC25",)),),
        )
    return settings


def expected_for(path: Path) -> Path:
    return path.with_suffix(".expected")


def _id(path: Path) -> str:
    return path.name


@pytest.fixture(scope="module")
def outputs(linting) -> dict[Path, list[Diagnostic]]:
    """Every golden fixture's diagnostics, linted once for the property tests."""
    return {path: linting.path(path, settings_for(path)) for path in GOLDEN}


# -- golden comparison ---------------------------------------------------------------------


@pytest.mark.parametrize("path", GOLDEN, ids=_id)
def test_golden(path: Path, linting, update_expected: bool) -> None:
    actual = linting.render(linting.path(path, settings_for(path)))
    expected_file = expected_for(path)
    if update_expected:
        old = expected_file.read_text(encoding="utf-8") if expected_file.exists() else None
        if old != actual:
            expected_file.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert expected_file.exists(), f"no {expected_file.name}: run pytest --update-expected"
    assert actual == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", GOLDEN, ids=_id)
def test_golden_on_the_fast_path_from_line_1(path: Path, linting) -> None:
    """The fast path, forced to start at once, changes nothing: every fixture's lines after
    its first parsed record go through it (fixtures are too short to reach line 200)."""
    settings = dataclasses.replace(settings_for(path), fast_path_from=1)
    actual = linting.render(linting.path(path, settings))
    assert actual == expected_for(path).read_text(encoding="utf-8")


def test_the_forced_fast_path_vouches_for_fixture_lines(linting) -> None:
    """So that the test above means something: clean fixture lines are vouched for."""
    path = FIXTURES / "rules" / "MIC307-identifier-whitespace.ndjson"
    with counting_vouches() as counts:
        linting.path(path, dataclasses.replace(settings_for(path), fast_path_from=1))
    assert counts["vouched"] >= 1
    assert counts["checked"] > counts["vouched"]


@pytest.mark.parametrize("path", RULE_FIXTURES, ids=_id)
def test_rule_fixture_reports_its_code(path: Path, linting) -> None:
    match = _RULE_FILE.match(path.name)
    assert match, f"{path.name} is not named <CODE>-<rule-name>[-<variant>].ndjson"
    code = match.group(1)
    assert code in linting.codes(linting.path(path, settings_for(path)))
    assert f" {code} " in expected_for(path).read_text(encoding="utf-8")


def test_rule_fixture_names_match_the_registry() -> None:
    for path in RULE_FIXTURES:
        match = _RULE_FILE.match(path.name)
        assert match, f"{path.name} is not named <CODE>-<rule-name>[-<variant>].ndjson"
        code, rest = match.groups()
        assert code in REGISTRY, f"{path.name}: no rule {code}"
        name = REGISTRY[code].name
        assert rest == name or rest.startswith(f"{name}-"), (
            f"{path.name}: rule {code} is named {name}"
        )


def test_every_rule_has_a_fixture() -> None:
    covered = {m.group(1) for p in RULE_FIXTURES if (m := _RULE_FILE.match(p.name))}
    missing = sorted(set(REGISTRY) - covered)
    assert not missing, f"rules without a fixture in tests/fixtures/rules: {missing}"


def test_every_combination_clause_has_a_fixture() -> None:
    names = {p.stem for p in COMBINATION_FIXTURES}
    assert {
        "line-ending-codes-suppress-others",
        "not-ndjson-suppresses-line-diagnostics",
        "operation-missing-or-invalid-no-mic4xx",
        "upsert-key-of-wrong-type-is-not-missing",
        "identifier-wrong-type-or-empty-still-present",
        "compartment-alone-is-not-missing-identifier",
    } <= names


def test_every_expected_file_has_its_input() -> None:
    for folder in ("rules", "combinations"):
        for expected in (FIXTURES / folder).glob("*.expected"):
            assert expected.with_suffix(".ndjson").exists(), f"orphan {folder}/{expected.name}"


def test_byte_exact_fixtures_kept_their_bytes() -> None:
    """Guards against git or an editor normalising the fixtures (see "Bytes" above)."""
    rules = FIXTURES / "rules"
    assert (FIXTURES / ".gitattributes").read_text().split() == ["*", "-text"]
    assert (rules / "MIC002-byte-order-mark.ndjson").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (rules / "MIC003-crlf-line-endings.ndjson").read_bytes()
    assert not (rules / "MIC005-missing-final-newline.ndjson").read_bytes().endswith(b"\n")
    assert (rules / "MIC008-empty-file.ndjson").read_bytes() == b""
    with pytest.raises(UnicodeDecodeError):
        (rules / "MIC001-invalid-utf8.ndjson").read_bytes().decode("utf-8")


# -- the clean corpus ----------------------------------------------------------------------


@pytest.mark.parametrize("path", OK_FILES, ids=_id)
def test_ok_corpus_is_clean(path: Path, linting) -> None:
    assert linting.render(linting.path(path, settings_for(path))) == ""


def test_ok_corpus_has_every_kind_of_file() -> None:
    names = [p.name for p in OK_FILES]
    assert any(n.endswith(".ndjson") for n in names)
    assert any(n.endswith(".jsonl") for n in names)
    assert any(n.endswith(".ndjson.gz") for n in names)
    assert len(names) >= 5


# -- properties of every fixture's output -------------------------------------------------


def test_output_is_ordered_by_line_column_code(outputs) -> None:
    for path, diagnostics in outputs.items():
        keys = [(d.line, d.column, d.code) for d in diagnostics]
        assert keys == sorted(keys), path.name


def test_clear_text_email_is_never_printed(outputs) -> None:
    for diagnostics in outputs.values():
        for d in diagnostics:
            assert "@" not in d.message or d.code != "MIC305", d


def test_line_ending_codes_hide_every_other_line_diagnostic(outputs, linting) -> None:
    """A line with MIC001, MIC101 or MIC102 gets no other diagnostic (any fixture)."""
    for path, diagnostics in outputs.items():
        if "MIC007" in {d.code for d in diagnostics}:
            continue  # a document's MIC101 is about the file; see the MIC007 test
        for line, codes in linting.by_line(diagnostics).items():
            if set(codes) & LINE_ENDING:
                # MIC002, MIC003, MIC005 and MIC006 are about the file, reported whatever the
                # line holds.
                on_line = [c for c in codes if c not in KEPT_ON_BROKEN]
                assert len(on_line) == 1, f"{path.name}:{line}: {codes}"


def test_not_ndjson_hides_every_line_diagnostic(outputs) -> None:
    """In a MIC007 file: MIC007 at 1:1, and at most one MIC101 (or MIC001), nothing else."""
    for path, diagnostics in outputs.items():
        codes = [d.code for d in diagnostics]
        if "MIC007" not in codes:
            continue
        assert codes.count("MIC007") == 1, path.name
        first = next(d for d in diagnostics if d.code == "MIC007")
        assert (first.line, first.column) == (1, 1), path.name
        assert set(codes) <= {"MIC007", "MIC101", "MIC001"} | FILE_LEVEL, path.name
        assert codes.count("MIC101") + codes.count("MIC001") <= 1, path.name


def test_no_operation_rules_without_a_valid_operation(outputs) -> None:
    """When `operation` is missing or invalid, no MIC4xx on that line (any fixture)."""
    for path, diagnostics in outputs.items():
        for line in {d.line for d in diagnostics if _bad_operation(d)}:
            codes = [d.code for d in diagnostics if d.line == line]
            assert not [c for c in codes if c.startswith("MIC4")], f"{path.name}:{line}: {codes}"


# -- the combination clauses, one by one ---------------------------------------------------


def _combination(name: str, linting) -> dict[int, list[str]]:
    return linting.by_line(linting.path(FIXTURES / "combinations" / f"{name}.ndjson"))


def test_combination_line_ending_codes(linting) -> None:
    # Line 1 is clean; lines 2-5 would each get several diagnostics if they parsed.
    assert _combination("line-ending-codes-suppress-others", linting) == {
        2: ["MIC001"],
        3: ["MIC101"],
        4: ["MIC102"],
        5: ["MIC005", "MIC101"],  # the last line: its missing final newline, which --fix adds
    }


def test_combination_crlf_is_reported_on_a_broken_line(linting) -> None:
    # Once per file, at the first CRLF line, whatever the line holds (docs/decisions.md):
    # `--fix` mends it there too, which a mark must announce.
    assert _combination("line-ending-codes-keep-crlf", linting) == {
        1: ["MIC003", "MIC101"],
    }


def test_combination_not_ndjson(linting) -> None:
    # Blank lines, CRLF, unknown keys, a placeholder, no final newline: all inside MIC007.
    assert _combination("not-ndjson-suppresses-line-diagnostics", linting) == {1: ["MIC007"]}
    # Several syntax errors in the document: one MIC101, at the first.
    invalid = linting.path(
        FIXTURES / "combinations" / "not-ndjson-invalid-document-one-mic101.ndjson"
    )
    assert [(d.line, d.column, d.code) for d in invalid] == [(1, 1, "MIC007"), (2, 4, "MIC101")]


def test_combination_operation_missing_or_invalid(linting) -> None:
    # Every line would get a MIC4xx with a valid operation (missing keys, a DELETE payload,
    # an empty replace, merge_objects with force_replace).
    lines = _combination("operation-missing-or-invalid-no-mic4xx", linting)
    assert sorted(lines) == list(range(1, 8))
    for line, codes in lines.items():
        assert len(codes) == 1 and codes[0] in {"MIC201", "MIC202", "MIC203"}, (line, codes)


def test_combination_upsert_key_of_wrong_type(linting) -> None:
    # force_replace / user_profile present with a wrong type: MIC202, never MIC401/MIC402.
    assert _combination("upsert-key-of-wrong-type-is-not-missing", linting) == {
        1: ["MIC202"],
        2: ["MIC202", "MIC202"],
        3: ["MIC202"],
        4: ["MIC202", "MIC202"],
    }


def test_combination_identifier_of_wrong_type_or_empty_is_present(linting) -> None:
    # Present for MIC301 (never fires) and for MIC302 (fires with a second identifier).
    assert _combination("identifier-wrong-type-or-empty-still-present", linting) == {
        1: ["MIC202"],
        2: ["MIC205"],
        3: ["MIC202"],
        4: ["MIC202", "MIC302"],
        5: ["MIC205", "MIC302"],
        6: ["MIC202"],
        7: ["MIC202", "MIC205", "MIC302"],
    }


def test_combination_compartment_alone(linting) -> None:
    assert _combination("compartment-alone-is-not-missing-identifier", linting) == {
        1: ["MIC303"],
        2: ["MIC202", "MIC303"],
        3: ["MIC205", "MIC303"],
        4: ["MIC303"],
    }


# -- single facts the catalogue states -----------------------------------------------------


def test_file_too_large_is_over_the_limit_not_at_it(tmp_path: Path, linting) -> None:
    data = b'{"operation":"DELETE","email_hash":"3f2a9c"}\n'
    path = tmp_path / "size.ndjson"
    path.write_bytes(data)
    assert linting.path(path, Settings(max_file_size=len(data))) == []
    [found] = linting.path(path, Settings(max_file_size=len(data) - 1))
    assert (found.line, found.column, found.code) == (1, 1, "MIC006")


def test_compartment_alone_is_not_a_user_for_duplicate_user(linting) -> None:
    # MIC303: a compartment "identifies nobody"; two such lines are not the same user.
    data = (
        b'{"operation":"DELETE","compartment_id":"1000"}\n'
        b'{"operation":"DELETE","compartment_id":"1000"}\n'
    )
    assert linting.codes(linting.bytes(data)) == ["MIC303", "MIC303"]


def test_wrong_type_hint_quotes_a_big_integer_as_written(linting) -> None:
    # "write it in quotes" must give the digits of the file, not a float's rounding.
    # With --show-values the whole number; by default its first digits (redact.py).
    data = b'{"operation":"DELETE","compartment_id":99999999999999999999,"user_account_id":"C"}\n'
    shown = Settings(show_values=True)
    [wrong_type] = [d for d in linting.bytes(data, shown) if d.code == "MIC202"]
    assert '"99999999999999999999"' in wrong_type.message
    assert "e+" not in wrong_type.message
    [wrong_type] = [d for d in linting.bytes(data) if d.code == "MIC202"]
    assert '"999999…"' in wrong_type.message


def test_messages_cut_long_keys(linting) -> None:
    # "A message never prints a long value whole: cut at 60 characters", and says it was cut.
    key = "k" * 100
    data = f'{{"operation":"DELETE","email_hash":"3f2a9c","{key}":1,"{key}":2}}\n'.encode()
    found = linting.bytes(data)
    assert sorted(linting.codes(found)) == ["MIC103", "MIC204"]
    for d in found:
        assert key not in d.message, d
        assert re.search(r'"k{1,60}\.\.\."', d.message), d


def test_line_cut_after_a_comma_is_invalid_json(linting) -> None:
    data = b'{"operation":"DELETE",\n{"operation":"DELETE","email_hash":"3f2a9c"}\n'
    found = linting.bytes(data)
    assert [(d.line, d.code) for d in found] == [(1, "MIC101")]
    assert "cut off" in found[0].message


# -- helpers -------------------------------------------------------------------------------


def _bad_operation(d: Diagnostic) -> bool:
    return d.code in {"MIC201", "MIC203"} or (
        d.code == "MIC202" and d.message.startswith("operation ")
    )


def test_a_code_the_schema_reports_runs_the_schema_alone() -> None:
    """A segment's data_bag of the wrong type is a schema error reported as MIC701
    (`x-mics-codes`): selecting MIC701 alone ran no schema, and reported nothing (found by a
    fuzzer comparing --select runs with the full one)."""
    line = (
        '{"operation":"UPDATE","email_hash":"h%d","segment_id":"4521","expiration_duration":0%s}\n'
    )
    lines = [line % (n, ',"data_bag":["a"]' if n in (3, 250) else "") for n in range(300)]
    only = Settings(doc_type="segment", selections=(Selection(select=("MIC701",)),))
    for fast in (None, 1):
        found = list(lint_lines(lines, settings=dataclasses.replace(only, fast_path_from=fast)))
        assert [(d.line, d.code) for d in found] == [(4, "MIC701"), (251, "MIC701")]
