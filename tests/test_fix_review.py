"""What a held-out review of `--fix` found (the session after fce3ba4): a safe fix that
traded an error for a warning, and a fix the docs say is never made. Each case holds the
`[*]` marks of a check to what `--fix` then does, on a short file and past the first
lines (the fast path)."""

from __future__ import annotations

from pathlib import Path

from helpers import run_cli, write

from mics_lint import Settings, lint_file


def marks(path: Path, **options: object) -> list[tuple[int, str, str | None]]:
    settings = Settings(**options)  # type: ignore[arg-type]
    return [(d.line, d.code, d.fix) for d in lint_file(str(path), settings)]


def fixed(path: Path, *args: str) -> tuple[str, bytes]:
    _, out, err = run_cli(["check", "--isolated", "--fix", *args, path.name], path.parent)
    assert err == "", err
    return out, path.read_bytes()


def test_a_negative_compartment_id_is_not_quoted(tmp_path: Path) -> None:
    """`-5` quoted is `"-5"`, which MIC308 reports as a warning only: the file passed CI
    after a safe fix. Left as it is, its MIC202 error stays, unmarked; `5` is quoted."""
    negative = '{"operation":"DELETE","compartment_id":-5,"user_account_id":"CRM-2"}'
    positive = '{"operation":"DELETE","compartment_id":5,"user_account_id":"CRM-2"}'
    zero = '{"operation":"DELETE","compartment_id":0,"user_account_id":"CRM-2"}'
    signed = zero.replace(":0,", ":-0,")  # `str` of its value writes 0: asked of the text
    short = write(tmp_path / "short.ndjson", negative, positive, zero, signed)
    assert [fix for _, _, fix in marks(short)] == [None, "safe", "safe", None]
    out, data = fixed(short)
    assert data.splitlines() == [
        negative.encode(),
        positive.replace(":5,", ':"5",').encode(),
        zero.replace(":0,", ':"0",').encode(),
        signed.encode(),
    ]
    assert "Fixed 2 problems" in out
    # Every line of an export so: the fast path's loose lines, marked as the fixer fixes.
    many = write(
        tmp_path / "many.ndjson", *[negative.replace("CRM-2", f"C{n}") for n in range(600)]
    )
    assert {fix for _, _, fix in marks(many)} == {None}
    assert {fix for _, _, fix in marks(many, fast_path_from=1)} == {None}
    out, data = fixed(many)
    assert b'"compartment_id":-5' in data and "Fixed" not in out


def test_a_user_point_id_in_an_identifiers_deletion_is_not_quoted(tmp_path: Path) -> None:
    """docs/fixing.md: not a `user_point_id`, which digits never fill (a UUID); it was in a
    user points deletion, not in an identifiers deletion."""
    line = '{"type":"USER_POINT","user_point_id":123}'
    path = write(tmp_path / "ids.ndjson", line)
    found = marks(path, doc_type="identifiers-deletion")
    assert ("MIC202" in {code for _, code, _ in found}) and {f for _, _, f in found} == {None}
    _, data = fixed(path, "--doc-type", "identifiers-deletion")
    assert data == (line + "\n").encode()
