"""Shared test helpers: the `--update-expected` option and linting of bytes and files.

`pytest tests/test_fixtures.py --update-expected` rewrites the golden `.expected` files under
`tests/fixtures/` from the engine's current output instead of comparing with them; review the
diff before committing it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import settings

from mics_lint import Diagnostic, Settings, lint_file, lint_lines

FIXTURES_DIR = Path(__file__).parent / "fixtures"

# No per-example time limit: the machines that run the suite are shared, and a property's
# slowest example under load says nothing about correctness (timing is bench/'s job).
settings.register_profile("mics-lint", deadline=None)
settings.load_profile("mics-lint")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-expected",
        action="store_true",
        default=False,
        help="rewrite the golden .expected files of tests/fixtures from the engine's output",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "precommit: runs the real pre-commit, which installs this checkout into a virtualenv "
        "(slow; needs PyPI for the dependencies); skip with -m 'not precommit'",
    )


@pytest.fixture
def update_expected(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files rather than compare with them."""
    return bool(request.config.getoption("--update-expected"))


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES_DIR


def render(diagnostics: Iterable[Diagnostic]) -> str:
    """The engine's text output without the path: one `line:col: CODE message` per line."""
    return "".join(f"{d.line}:{d.column}: {d.code} {d.message}\n" for d in diagnostics)


def lint_path(path: Path, settings: Settings | None = None) -> list[Diagnostic]:
    """Every diagnostic of one file, as `mics-lint check` would find them."""
    return list(lint_file(path, settings or Settings()))


def lint_bytes(data: bytes, settings: Settings | None = None) -> list[Diagnostic]:
    """Every diagnostic of a file whose whole content is `data` (its size known in advance).

    Lines are split as a file read in binary splits them: at `\\n` only, line ends kept.
    """
    return list(lint_lines(io.BytesIO(data), "-", settings or Settings(), size=len(data)))


class Linting:
    """The helpers above, handed to tests as the `linting` fixture."""

    render = staticmethod(render)
    path = staticmethod(lint_path)
    bytes = staticmethod(lint_bytes)

    @staticmethod
    def codes(diagnostics: Iterable[Diagnostic]) -> list[str]:
        return [d.code for d in diagnostics]

    @staticmethod
    def by_line(diagnostics: Iterable[Diagnostic]) -> dict[int, list[str]]:
        """Codes per line number, in output order."""
        lines: dict[int, list[str]] = {}
        for d in diagnostics:
            lines.setdefault(d.line, []).append(d.code)
        return lines


@pytest.fixture(scope="session")
def linting() -> type[Linting]:
    return Linting


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A working directory with an empty config file, so no config above it leaks in (a
    module needing more defines its own)."""
    (tmp_path / "mics-lint.toml").write_text("", encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300,000 lines without identifier (MIC301 each, 6.9 MB): seconds of work, for a
    signal to arrive while a run is surely going."""
    path = tmp_path_factory.mktemp("big") / "big.ndjson"
    path.write_bytes(b'{"operation":"DELETE"}\n' * 300_000)
    return path
