"""The schema is the single source of truth: the fast predicate must agree with jsonschema."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from mics_lint import Settings, lint_lines, schema_shortcuts
from mics_lint import schema as schemas
from mics_lint.doctypes import DOC_TYPES

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA_FILES = sorted({d.schema_file for d in DOC_TYPES.values()})

_VALUES: list[Any] = [
    "UPSERT",
    "DELETE",
    "upsert",
    "",
    " ",
    "1000",
    "vec:1",
    "<X>",
    0,
    1,
    1.0,
    1.5,
    -1,
    True,
    False,
    None,
    [],
    [1],
    {},
    {"a": 1},
    {"$compartment_id": 1000},
]
_KEYS = [
    "operation",
    "compartment_id",
    "user_account_id",
    "email_hash",
    "user_agent_id",
    "force_replace",
    "merge_objects",
    "user_profile",
    "forceReplace",
    "x",
]


def _random_records(count: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    records: list[Any] = []
    for _ in range(count):
        keys = rng.sample(_KEYS, rng.randint(0, 5))
        records.append({k: rng.choice(_VALUES) for k in keys})
    records.extend(_VALUES)  # records that are not objects at all
    return records


def _fixture_records() -> list[Any]:
    records = []
    for path in sorted(FIXTURES.rglob("*.ndjson")):
        for line in path.read_bytes().splitlines():
            try:
                records.append(orjson.loads(line))
            except orjson.JSONDecodeError:
                continue
    return records


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_schema_is_valid_2020_12(schema_file: str) -> None:
    validator = schemas.validator_for(schema_file)
    assert validator.META_SCHEMA["$id"].startswith("https://json-schema.org/draft/2020-12")


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
def test_fast_predicate_exists(schema_file: str) -> None:
    # A schema that stops compiling still works (through jsonschema), but 30 times slower.
    assert schemas.fast_predicate(schema_file) is not None


@pytest.mark.parametrize("schema_file", SCHEMA_FILES)
@pytest.mark.parametrize("made", ["compiled", "closures"])
def test_fast_predicate_agrees_with_jsonschema(schema_file: str, made: str) -> None:
    """Both predicates: the compiled one, and the closures that check a schema's first
    records (schema.is_valid)."""
    from mics_lint.schema_closures import closure_predicate

    make = schemas.fast_predicate if made == "compiled" else closure_predicate
    fast = make(schema_file)
    assert fast is not None
    reference = schemas.validator_for(schema_file)
    records = _random_records(5000, seed=20261128) + _fixture_records()
    disagreements = [r for r in records if fast(r) != reference.is_valid(r)]
    assert disagreements == []


def test_random_records_cover_both_answers() -> None:
    # Guards the test above against a generator that only makes valid (or invalid) records.
    fast = schemas.fast_predicate("user_profile_import.schema.json")
    assert fast is not None
    answers = {fast(r) for r in _random_records(500, seed=1)}
    assert answers == {True, False}


def test_unsupported_keyword_falls_back() -> None:
    from mics_lint.schema_closures import closures

    for make in (schemas.compile_fast, closures):
        with pytest.raises(schemas.UnsupportedSchema):
            make({"oneOf": [{"type": "string"}]})
        with pytest.raises(schemas.UnsupportedSchema):
            make({"items": [{"type": "string"}]})
        with pytest.raises(schemas.UnsupportedSchema):
            make({"type": "decimal"})


def test_is_valid_takes_the_compiled_predicate_after_the_first_records() -> None:
    """The first CLOSURE_RECORDS records of a schema are checked by closures: a small file
    never compiles its schema (start-up, issue 14); then by the compiled predicate."""
    name = "user_choice_import.schema.json"
    schemas._checked.pop(name, None)
    schemas.fast_predicate.cache_clear()
    for _ in range(schemas.CLOSURE_RECORDS):
        schemas.is_valid(name, {})
    assert schemas.fast_predicate.cache_info().currsize == 0
    schemas.is_valid(name, {})
    assert schemas.fast_predicate.cache_info().currsize == 1


@pytest.mark.parametrize(
    ("schema", "value", "valid"),
    [
        ({"type": "integer"}, 1.0, True),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"enum": [1]}, True, False),
        ({"enum": [True]}, 1, False),
        ({"const": "A"}, "A", True),
        ({"minLength": 2}, 5, True),
        ({"minimum": 0}, -1, False),
        ({"minimum": 0}, -0.5, False),
        ({"minimum": 0}, 0, True),
        ({"minimum": 0}, True, True),
        ({"minimum": 0}, "-1", True),
        ({"pattern": "\\S"}, "  ", False),
        ({"required": ["a"]}, [], True),
        ({"properties": {"a": {"type": "string"}}}, {"a": 1}, False),
        ({"additionalProperties": False}, {"a": 1}, False),
        ({"type": ["string", "null"]}, None, True),
    ],
)
def test_compile_fast_keyword_semantics(schema: dict[str, Any], value: Any, valid: bool) -> None:
    import jsonschema

    from mics_lint.schema_closures import closures

    assert schemas.compile_fast(schema)(value) is valid
    assert closures(schema)(value) is valid
    assert jsonschema.Draft202012Validator(schema).is_valid(value) is valid


def test_schema_ships_in_the_package() -> None:
    import importlib.resources

    for schema_file in SCHEMA_FILES:
        assert importlib.resources.files("mics_lint.schemas").joinpath(schema_file).is_file()


def _with_unknown_keys(records: list[Any], seed: int) -> list[Any]:
    """Each object record again with one to three keys no schema lists (or a misspelt one)."""
    rng = random.Random(seed)
    extra = ["forceReplace", "x", "compartmentId", "$x", "1", "user profile"]
    made = []
    for record in records:
        if isinstance(record, dict):
            keys = rng.sample(extra, rng.randint(1, 3))
            made.append({**record, **{k: rng.choice(_VALUES) for k in keys}})
    return made


def _taken_alike(shortcut: Any, schema_file: str, records: list[dict[str, Any]]) -> int:
    """How many records `shortcut` answered, each with exactly jsonschema's errors."""
    reference = schemas.validator_for(schema_file)
    taken = 0
    for record in records:
        ours = shortcut(schema_file, record)
        if ours is not None:
            taken += 1
            theirs = [
                (e.validator, tuple(e.absolute_path), e.validator_value, e.schema, e.message)
                for e in reference.iter_errors(record)
            ]
            assert ours == theirs, record
    return taken


def _codes_and_jsonschema(path: Path) -> str:
    """What linting `path` in a new process reports: its codes, and whether jsonschema was
    imported."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from mics_lint import lint_file\n"
        f"found = list(lint_file({str(path)!r}))\n"
        "print(sorted({d.code for d in found}), 'jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize(
    "schema_file",
    [
        *SCHEMA_FILES,
        "user_profile_import.schema.json#either",
        "user_profile_import.schema.json#update_strategy",
    ],
)
def test_unknown_keys_errors_without_jsonschema_are_jsonschemas(schema_file: str) -> None:
    """A record whose only fault is unknown keys gets its errors without jsonschema
    (schema_shortcuts.unknown_keys_only): exactly the errors jsonschema gives it."""
    records = _random_records(3000, seed=20261203) + _fixture_records()
    records += _with_unknown_keys(records, seed=7)
    dicts = [r for r in records if isinstance(r, dict)]
    taken = _taken_alike(schema_shortcuts.unknown_keys_only, schema_file, dicts)
    if schemas.load_schema(schema_file).get("additionalProperties") is False:
        assert taken >= 10  # the shortcut was tried, not skipped every time
    else:
        assert taken == 0  # unknown keys are allowed: nothing to shortcut


def _with_wrong_values(records: list[Any], schema_file: str, seed: int) -> list[Any]:
    """Each record the schema takes again with one to three of its fields (or fields the
    schema lists) given random values, of any JSON type."""
    rng = random.Random(seed)
    fields = list(schemas.load_schema(schema_file).get("properties", {}))
    values = [*_VALUES, -1.5, 10**20, "x" * 3, [{"$ts": "1"}], {"$hash": 1}]
    made = []
    for record in records:
        for _ in range(4):
            keys = rng.sample(fields, min(len(fields), rng.randint(1, 3)))
            made.append({**record, **{k: rng.choice(values) for k in keys}})
    return made


@pytest.mark.parametrize(
    "schema_file",
    [*SCHEMA_FILES, "user_profile_import.schema.json#update_strategy"],
)
def test_wrong_type_errors_without_jsonschema_are_jsonschemas(schema_file: str) -> None:
    """A record whose only fault is fields of the wrong JSON type gets its errors without
    jsonschema (schema_shortcuts.wrong_types_only): exactly the errors jsonschema gives it,
    in its order; anything else is left to jsonschema."""
    reference = schemas.validator_for(schema_file)
    valid = [r for r in _fixture_records() if isinstance(r, dict) and reference.is_valid(r)]
    assert valid, schema_file
    made = _with_wrong_values(valid, schema_file, seed=20261205)
    taken = _taken_alike(schema_shortcuts.wrong_types_only, schema_file, made)
    assert taken >= 10  # the shortcut was tried, not skipped every time


def test_an_identifier_written_as_a_number_does_not_import_jsonschema(tmp_path: Path) -> None:
    line = (
        '{"operation":"UPSERT","compartment_id":%d,"user_account_id":"a",'
        '"force_replace":false,"user_profile":{"a":1}}\n'
    )
    path = tmp_path / "numbers.ndjson"
    path.write_text("".join(line % n for n in range(3)))
    assert _codes_and_jsonschema(path) == "['MIC202'] False"


def test_a_misspelt_key_does_not_import_jsonschema(tmp_path: Path) -> None:
    line = '{"operation":"UPSERT","email_hash":"h%d","user_profile":{},"forceReplace":true}\n'
    path = tmp_path / "misspelt.ndjson"
    path.write_text("".join(line % n for n in range(400)))
    assert _codes_and_jsonschema(path) == "['MIC204', 'MIC401'] False"


@pytest.mark.parametrize(
    "bad",
    ['"force_replace":"true","email_hash":"h%d"', '"force_replace":true,"emailHash":"h%d"'],
)
def test_a_fault_on_every_line_reads_the_schema_once(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    """The shortcuts for a wrong type and for unknown keys, asked on every line of a file
    with that one fault, do not read the schema's file again (schema.load_schema reads it
    once): reading and parsing it again on each line was a third of such a line's cost
    (`"force_replace": "true"`, a CSV export's)."""
    reads = []
    read = schemas._read_schema

    def counted(filename: str) -> dict[str, Any]:
        reads.append(filename)
        return read(filename)

    monkeypatch.setattr(schemas, "_read_schema", counted)
    line = '{"operation":"UPSERT",' + bad + ',"user_profile":{"a":1}}\n'
    found = list(lint_lines([line % n for n in range(300)], "f.ndjson", Settings(fast_path=False)))
    assert len(found) >= 300
    assert len(reads) < 10
