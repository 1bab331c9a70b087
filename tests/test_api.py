"""The public API: `from mics_lint import lint_file, lint_lines, Diagnostic, Severity, Settings`.

The engine takes lines and yields diagnostics lazily, prints nothing and never exits; memory
stays flat however many lines it is given.
"""

from __future__ import annotations

import gzip
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

import mics_lint
from mics_lint import Diagnostic, ReadError, Settings, Severity, lint_file, lint_lines
from mics_lint.config import build_settings

CLEAN = '{"operation":"DELETE","compartment_id":"1000","user_account_id":"a"}'
NO_ID = '{"operation":"DELETE"}'
TWO_IDS = '{"operation":"DELETE","email_hash":"3f2a9c","user_agent_id":"vec:123"}'
WARN = '{"operation":"DELETE","user_account_id":"w"}'

EXPECTED = [(2, 1, "MIC301"), (3, 45, "MIC302"), (4, 23, "MIC304")]


def where(diagnostics: Iterator[Diagnostic] | list[Diagnostic]) -> list[tuple[int, int, str]]:
    return [(d.line, d.column, d.code) for d in diagnostics]


def test_public_names() -> None:
    for name in ("lint_file", "lint_lines", "Diagnostic", "Severity", "Settings", "ReadError"):
        assert name in mics_lint.__all__
        assert hasattr(mics_lint, name)
    assert isinstance(mics_lint.__version__, str)


# -- lint_lines -------------------------------------------------------------------------------


def test_lint_lines_on_bytes() -> None:
    lines = [(line + "\n").encode() for line in (CLEAN, NO_ID, TWO_IDS, WARN)]
    found = list(lint_lines(lines, "crm.ndjson"))
    assert where(found) == EXPECTED
    assert all(isinstance(d, Diagnostic) for d in found)
    assert {d.path for d in found} == {"crm.ndjson"}
    first = found[0]
    assert first == Diagnostic(
        "crm.ndjson",
        2,
        1,
        2,
        first.end_column,
        "MIC301",
        "missing-identifier",
        Severity.ERROR,
        first.message,
        doc_type="USER_PROFILE",
    )
    assert found[2].severity is Severity.WARNING
    assert found[2].name == "account-without-compartment"


def test_lint_lines_on_str() -> None:
    lines = [line + "\n" for line in (CLEAN, NO_ID, TWO_IDS, WARN)]
    as_str = list(lint_lines(lines, "crm.ndjson"))
    as_bytes = list(lint_lines([line.encode() for line in lines], "crm.ndjson"))
    assert where(as_str) == EXPECTED
    assert as_str == as_bytes


def test_lint_lines_on_a_clean_file_yields_nothing() -> None:
    assert list(lint_lines([CLEAN + "\n"])) == []


def test_lint_lines_default_path_is_dash() -> None:
    assert [d.path for d in lint_lines([NO_ID + "\n"])] == ["-"]


def test_lint_lines_last_line_without_newline() -> None:
    found = list(lint_lines([CLEAN + "\n", NO_ID], "x.ndjson"))
    assert where(found) == [(2, 1, "MIC005"), (2, 1, "MIC301")]


def test_lint_lines_columns_count_code_points() -> None:
    line = '{"operation":"DELETE","email_hash":"é😀ü","user_account_id":"a"}\n'
    for given in (line, line.encode()):
        mic304 = next(d for d in lint_lines([given]) if d.code == "MIC304")
        assert mic304.column == line.index('"user_account_id"') + 1


def test_lint_lines_with_settings() -> None:
    lines = [(line + "\n").encode() for line in (CLEAN, NO_ID, TWO_IDS, WARN)]
    only_mic3 = build_settings(None, select=["MIC302,MIC304"], severity=["MIC304=error"])
    found = list(lint_lines(lines, "x.ndjson", only_mic3))
    assert where(found) == [(3, 45, "MIC302"), (4, 23, "MIC304")]
    assert found[1].severity is Severity.ERROR
    assert list(lint_lines(lines, "x.ndjson", Settings())) == list(lint_lines(lines, "x.ndjson"))


def test_lint_lines_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    list(lint_lines([NO_ID + "\n", b"\xff\n", b"{not json\n"], "x.ndjson"))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_lint_lines_is_lazy() -> None:
    pulled = 0

    def lines() -> Iterator[bytes]:
        nonlocal pulled
        for _ in range(100_000):
            pulled += 1
            yield (NO_ID + "\n").encode()

    diagnostics = lint_lines(lines(), "x.ndjson")
    assert pulled == 0  # nothing is read before the first diagnostic is asked for
    first = next(diagnostics)
    assert (first.line, first.code) == (1, "MIC301")
    assert pulled < 100
    diagnostics.close()  # type: ignore[attr-defined]


# -- lint_file --------------------------------------------------------------------------------


def _lines(*lines: str) -> bytes:
    return "".join(line + "\n" for line in lines).encode()


def test_lint_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.ndjson"
    path.write_bytes(_lines(CLEAN, NO_ID, TWO_IDS, WARN))
    found = list(lint_file(path))
    assert where(found) == EXPECTED
    assert {d.path for d in found} == {str(path)}
    assert list(lint_file(str(path))) == found
    assert {d.path for d in lint_file(path, display="shown.ndjson")} == {"shown.ndjson"}


def test_lint_file_on_gz(tmp_path: Path) -> None:
    path = tmp_path / "crm.ndjson.gz"
    path.write_bytes(gzip.compress(_lines(CLEAN, NO_ID, TWO_IDS, WARN)))
    found = list(lint_file(path))
    assert where(found) == EXPECTED
    assert {d.path for d in found} == {str(path)}


def test_lint_file_with_settings(tmp_path: Path) -> None:
    path = tmp_path / "crm.ndjson"
    path.write_bytes(_lines(CLEAN, NO_ID, TWO_IDS, WARN))
    found = list(lint_file(path, build_settings(None, ignore=["MIC3"], max_file_size="10")))
    assert where(found) == [(1, 1, "MIC006")]


def test_lint_file_missing_raises_read_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.ndjson"
    with pytest.raises(ReadError) as raised:
        list(lint_file(missing))
    assert "missing.ndjson" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_lint_file_on_a_directory_raises_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError):
        list(lint_file(tmp_path))


def test_lint_file_truncated_gz_raises_read_error(tmp_path: Path) -> None:
    packed = gzip.compress(_lines(*[CLEAN] * 100))
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ReadError) as raised:
        list(lint_file(path))
    assert "cut.ndjson.gz" in str(raised.value)


def test_lint_file_not_gzip_raises_read_error(tmp_path: Path) -> None:
    path = tmp_path / "plain.ndjson.gz"
    path.write_bytes(_lines(CLEAN))
    with pytest.raises(ReadError) as raised:
        list(lint_file(path))
    assert "plain.ndjson.gz" in str(raised.value)


def test_read_error_is_an_exception_a_caller_can_catch() -> None:
    assert issubclass(ReadError, Exception)


# -- memory stays flat ------------------------------------------------------------------------


def test_memory_stays_flat_over_50k_lines() -> None:
    """50,000 lines, some bad, pulled one diagnostic at a time: the peak stays small.

    MIC501 is left out: it remembers one digest per distinct user by design, and every
    line here is a different user.
    """
    total = 50_000
    pulled = 0

    def lines() -> Iterator[bytes]:
        nonlocal pulled
        for i in range(total):
            pulled += 1
            if i % 1000 == 7:
                yield b'{"operation":"DELETE",\n'  # MIC101
            elif i % 1000 == 9:
                yield b'{"operation":"DELETE"}\n'  # MIC301
            else:
                yield b'{"operation":"DELETE","email_hash":"h%d"}\n' % i

    settings = build_settings(None, ignore=["MIC501"])
    counts: dict[str, int] = {}
    tracemalloc.start()
    try:
        diagnostics = lint_lines(lines(), "big.ndjson", settings)
        first = next(diagnostics)
        assert (first.line, first.code) == (8, "MIC101")
        assert pulled < 1000  # lazy: the file was not read ahead
        counts[first.code] = 1
        for diagnostic in diagnostics:
            counts[diagnostic.code] = counts.get(diagnostic.code, 0) + 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert pulled == total
    assert counts == {"MIC101": 50, "MIC301": 50}
    assert peak < 4 * 1024 * 1024, f"peak {peak:,} bytes while linting {total:,} lines"


def test_settings_take_type_names_as_the_command_line_does() -> None:
    from mics_lint import Settings

    assert Settings(doc_type="profile").doc_type == "USER_PROFILE"
    assert Settings(doc_type=" Segment ").doc_type == "USER_SEGMENT"
    assert Settings(doc_type="USER_CHOICE").doc_type == "USER_CHOICE"
    with pytest.raises(ValueError, match="unknown document type 'segmnet'"):
        Settings(doc_type="segmnet")
    with pytest.raises(ValueError, match="unknown profile form 'newer'"):
        Settings(profile_form="newer")
