"""The size limits of docs/architecture.md: small modules, short functions.

A module past 450 lines or a function past 80 (its nested functions included) is a sign
that one part does several jobs; the fix is a split, not a longer limit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mics_lint"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 80


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long


def _imported_modules(tree: ast.Module) -> dict[str, str]:
    """The names a module binds to mics-lint's modules (`from mics_lint import linter`,
    `import mics_lint.fix as fix`), with the module each names."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mics_lint"):
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / (dotted.replace(".", "/") + ".py")).exists() or (
                    PACKAGE.parent / dotted.replace(".", "/")
                ).is_dir():
                    bound[alias.asname or alias.name] = dotted
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("mics_lint.") and alias.asname:
                    bound[alias.asname] = alias.name
    return bound


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_reaches_into_another_s_private_names(path: Path) -> None:
    """Issue 14: a part's public surface is what the others use. A private name (one
    underscore) taken from another module, by import or as an attribute of it, is a
    surface no one declared."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = _imported_modules(tree)
    reached = [
        f"line {node.lineno}: {alias.name} from {node.module}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mics_lint")
        for alias in node.names
        if _private(alias.name)
    ] + [
        f"line {node.lineno}: {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and _private(node.attr)
    ]
    assert not reached
