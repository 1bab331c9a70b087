"""What a review of the session after ad4292a found in its own changes: renames advised
where following them is another error, a removal advised where the field is needed, a
suggested glob that did not match its file."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import one_error_line, run_cli, write

from mics_lint import Settings, lint_lines

UPSERT = '"force_replace":true,"user_profile":{"a":1}'


def messages(line: str, doc_type: str | None = None) -> list[tuple[str, str]]:
    settings = Settings(doc_type=doc_type) if doc_type else Settings()
    return [(d.code, d.message) for d in lint_lines([line], settings=settings)]


@pytest.mark.parametrize(
    ("line", "doc_type"),
    [
        # A field of another import, close by its letters to an identifier: no rename.
        ('{"operation":"UPDATE","segment_id":"42"}', "USER_SEGMENT"),
        ('{"operation":"UPSERT","segment_id":"42",' + UPSERT + "}", "USER_PROFILE"),
        # A typo close to two identifiers: no rename to either (MIC204 says "did you mean").
        ('{"operation":"UPSERT","user_acent_id":"1",' + UPSERT + "}", None),
        # Renamed, a compartment alone (MIC303), or two identifiers (MIC302).
        ('{"operation":"UPSERT","compartmentId":"1",' + UPSERT + "}", None),
        ('{"operation":"DELETE","userAccountId":"1","emailHash":"x"}', None),
    ],
)
def test_no_identifier_is_told_to_rename_only_into_one_whole_identifier(
    line: str, doc_type: str | None
) -> None:
    (missing,) = [m for code, m in messages(line, doc_type) if code == "MIC301"]
    assert missing.startswith("no identifier: add one of"), missing


def test_a_whole_identifier_misspelt_is_renamed() -> None:
    line = '{"operation":"DELETE","userAccountId":"1","compartmentId":"x"}'
    (missing,) = [m for code, m in messages(line) if code == "MIC301"]
    assert missing == (
        'no identifier: rename "userAccountId" to "user_account_id" and rename '
        '"compartmentId" to "compartment_id"'
    )


@pytest.mark.parametrize(
    ("line", "doc_type"),
    [
        # Without the account, its compartment is alone (MIC303).
        (
            '{"operation":"UPSERT","user_account_id":"","compartment_id":"1","email_hash":"x",'
            + UPSERT
            + "}",
            None,
        ),
        # A USER_EMAIL line needs its hash (MIC901); the agent id is not its field (MIC902).
        ('{"type":"USER_EMAIL","hash":"","user_agent_id":"vec:1"}', "USER_POINTS_DELETION"),
    ],
)
def test_an_empty_or_null_identifier_that_is_needed_is_never_to_remove(
    line: str, doc_type: str | None
) -> None:
    for variant in (line, line.replace('""', "null", 1)):
        advice = [m for code, m in messages(variant, doc_type) if code in ("MIC205", "MIC202")]
        assert advice and not any("remove" in m or "leave the key out" in m for m in advice)


def test_the_suggested_glob_matches_its_file_alone(tmp_path: Path) -> None:
    """`gdpr[1].ndjson` as a glob is a character class: the advice escapes it, as TOML."""
    write(tmp_path / "gdpr[1].ndjson", '{"type":"USER_AGENT","user_agent_id":"vec:1"}')
    code, _, err = run_cli(["check", "--isolated", "gdpr[1].ndjson"], tmp_path)
    assert code == 2
    line = one_error_line(err, '("gdpr[[]1].ndjson" = "<one of them>")')
    glob = line.rpartition('("')[2].partition('"')[0]
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.mics-lint.doc-types]\n"{glob}" = "identifiers-deletion"\n', encoding="utf-8"
    )
    code, out, _ = run_cli(["check", "gdpr[1].ndjson"], tmp_path)
    assert code == 0 and "USER_IDENTIFIERS_DELETION" in out
