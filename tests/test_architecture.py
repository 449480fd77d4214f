"""The package's shape: one home for the Buddhist-era rule, no borrowed private names.

The layers themselves (which package may import which) are import-linter's contract in
pyproject.toml, run by ``make test``; these are the rules it cannot express.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gisrev"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private_imports(path: Path) -> list[str]:
    """Return 'module.name' for each private name ``path`` imports from another module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gisrev"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*target.split("."))).with_suffix(".py").exists()
                if alias.name.startswith("_") and not is_module:
                    found.append(target)
    return found


def test_no_module_uses_another_modules_private_names() -> None:
    borrowed = {
        _module_name(p): names for p in _modules() if (names := _private_imports(p))
    }
    assert borrowed == {}


def test_the_check_sees_a_borrowed_private_name(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("from gisrev.tax.regime import _REGIMES\nfrom gisrev.years import be\n")
    assert _private_imports(planted) == ["gisrev.tax.regime._REGIMES"]


@pytest.mark.parametrize("number", ["543", "2400"])
def test_the_buddhist_era_rule_has_one_python_home(number: str) -> None:
    code = re.compile(rf"(?<![\d.]){number}(?![\d.])")
    holders = sorted(
        str(p.relative_to(PACKAGE.parent)) for p in _modules()
        if any(code.search(line) for line in _code_lines(p))
    )
    assert holders == ["gisrev/years.py"]


def test_sql_knows_the_offset_in_one_function() -> None:
    holders = sorted(
        str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.sql")
        if any(re.search(r"(?<![\d.])543(?![\d.])", line) for line in _code_lines(p))
    )
    assert holders == ["gisrev/db/functions.sql"]


def _code_lines(path: Path) -> list[str]:
    """Lines of code without comments and docstring prose (a docstring may explain the rule)."""
    comment = "--" if path.suffix == ".sql" else "#"
    lines = [line.split(comment)[0] for line in path.read_text(encoding="utf-8").splitlines()]
    if path.suffix == ".py":
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(
                node.value.value, str
            ):
                for i in range(node.lineno - 1, node.end_lineno or node.lineno):
                    lines[i] = ""
    return lines
