"""The engine passes diagnostics on a batch at a time (FileLinter.run yields lists: a
group's, a line's), and lint_file hands them out one by one, in the same order: a
diagnostic goes through one generator on its way out, not one a layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_fastpath import fast_threshold

from mics_lint import Settings, lint_file, lint_lines, linter
from mics_lint.linter import FileLinter

LINE = b'{"operation":"UPSERT","compartment_id":"1000","user_account_id":"CRM-%d","forceReplace":true,"user_profile":{}}\n'  # noqa: E501


def test_the_linter_yields_batches_that_lint_file_flattens(tmp_path: Path) -> None:
    lines = [LINE % i for i in range(500)]
    linter = FileLinter("f.ndjson", Settings(doc_type="profile"), None)
    batches = list(linter.run(iter(lines)))
    assert all(type(batch) is list for batch in batches)
    flat = [d for batch in batches for d in batch]
    assert len(flat) == 1000  # MIC401 and MIC204 on each line
    # Past the fast path's start, a group's lines at once, not a line's.
    late = [batch for batch in batches if batch and batch[0].line >= fast_threshold()]
    assert 0 < len(late) < 20
    path = tmp_path / "f.ndjson"
    path.write_bytes(b"".join(lines))
    settings = Settings(doc_type="profile")
    shown = [(d.line, d.column, d.code) for d in lint_file(path, settings)]
    assert shown == [(d.line, d.column, d.code) for d in flat]
    assert shown == [(d.line, d.column, d.code) for d in lint_lines(lines, path, settings)]


def test_held_lines_let_go_at_once_come_in_bounded_batches(monkeypatch: Any) -> None:
    """A file's first lines are held while they may be blank only (MIC008), up to
    framer.HOLD_LIMIT (8 MiB); past it, they are checked again and let go. 9 million blank
    lines were then one list of 9 million MIC004s (1.6 GB); now BATCH at a time."""
    monkeypatch.setattr(linter, "HOLD_LIMIT", 1000)
    monkeypatch.setattr(linter, "BATCH", 64)
    lines = [b"\n"] * 5000 + [LINE % 1]
    batches = list(FileLinter("f.ndjson", Settings(doc_type="profile"), None).run(iter(lines)))
    released = [batch for batch in batches if batch and batch[0].line <= 1000]
    assert len(released) > 1 and max(map(len, released)) <= 64
    flat = [d for batch in batches for d in batch]
    assert [d.code for d in flat].count("MIC004") == 5000
    assert [d.line for d in flat] == sorted(d.line for d in flat)
