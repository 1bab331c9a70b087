"""What a review of hand-edited files found (the session after 207269f): advice and fixes
that would give a value the opposite meaning, and problems a hand-edited file hides."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_cli, write

from mics_lint import suggest

PROFILE = '{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d",%s}'
KNOWN = ("operation", "force_replace", "merge_objects", "update_strategy", "user_profile")


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("noForceReplace", "force_replace"),
        ("NoForceReplace", "force_replace"),
        ("not_force_replace", "force_replace"),
        ("dont_force_replace", "force_replace"),
        ("force_replace_off", "force_replace"),
        ("force_replace_disabled", "force_replace"),
        ("no_merge_objects", "merge_objects"),
    ],
)
def test_a_negated_key_is_never_taken_for_the_key_it_negates(key: str, meant: str) -> None:
    """`"noForceReplace": true` renamed to `force_replace` would replace the stored profile,
    the opposite of what it says: no "did you mean", no rename, no automatic fix."""
    assert suggest.closest(key, KNOWN) is None
    assert suggest.only_candidate(key, KNOWN) is None
    assert suggest.did_you_mean(key, KNOWN) == ""
    # A typo of the same key is still one.
    assert suggest.closest(meant.replace("_", ""), KNOWN) == meant


def test_unsafe_fixes_leave_a_negated_key_alone(tmp_path: Path) -> None:
    lines = [
        PROFILE % (1, '"noForceReplace":true,"user_profile":{"tier":"gold"}'),
        PROFILE % (2, '"forceReplace":true,"user_profile":{"tier":"gold"}'),
    ]
    path = write(tmp_path / "p.ndjson", *lines)
    code, out, _ = run_cli(["check", "--isolated", "p.ndjson"], tmp_path)
    assert code == 1
    assert 'rename "noForceReplace"' not in out
    assert 'rename "forceReplace" to "force_replace"' in out
    run_cli(["check", "--isolated", "--fix", "--unsafe-fixes", "p.ndjson"], tmp_path)
    fixed = path.read_text().splitlines()
    assert fixed[0] == lines[0]
    assert '"force_replace":true' in fixed[1]


_BREAKS = ["\n", "\r", "\u2028", "\x85", "\u200b"]
_PLACES = [
    '{"operation":"DELETE","compartment_id":"1%s00","user_account_id":"CRM-1"}',
    '{"operation":"DELETE","compartment_id":"1000","user_account_id":"<X%s>"}',
    '{"operation":"DELETE","user_agent_id":"v%sc:1"}',
    '{"operation":"DELETE","email_hash":"a@example.com%s"}',
    '{"operation%s":"DELETE","email_hash":"3f2a9c"}',
    '{"operation":"UPS%sERT","email_hash":"3f2a9c"}',
    '{"operation":"UPSERT","email_hash":"3f","force_replace":true,"user_profile":{"k%s":"<CITY>"}}',
    '{"operation":"DELETE","email_hash":"nan","x%sy":1}',
]


@pytest.mark.parametrize("place", _PLACES)
@pytest.mark.parametrize("char", _BREAKS)
def test_a_message_is_one_visible_line_whatever_the_value(
    tmp_path: Path, place: str, char: str
) -> None:
    """A value or key holding a line break (or a character some editors and terminals
    break lines at, or an invisible one) is shown escaped: a diagnostic stays one line,
    and says what differs (`"1000\\u200b"`)."""
    import json

    from mics_lint import Settings, lint_file

    line = place % json.dumps(char)[1:-1]
    path = write(tmp_path / "v.ndjson", line)
    for show in (False, True):
        found = list(lint_file(str(path), Settings(show_values=show)))
        assert found or char != "\n"  # each line is found bad at least so
        for d in found:
            assert len(d.message.splitlines()) == 1, d.message
            assert char not in d.message, d.message
