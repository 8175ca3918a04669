"""The layers of DESIGN.md hold: the import contracts of pyproject.toml ([tool.importlinter])."""

from __future__ import annotations

import ast
import fnmatch
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_every_import_contract_is_kept():
    result = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _source(module: str) -> Path:
    path = ROOT.joinpath(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _imported_modules(module: str, tree: ast.Module, *, lazy: bool) -> set[str]:
    """What ``module`` imports at module level (``lazy=False``) or inside functions (``lazy=True``)."""
    package = module.split(".") if _source(module).name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if in_function == lazy and isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif in_function == lazy and isinstance(child, ast.ImportFrom):
                base = package[: len(package) - child.level + 1] if child.level else []
                name = ".".join([*base, child.module] if child.module else base)
                found.update(f"{name}.{alias.name}" for alias in child.names)
                found.add(name)
            visit(child, nested)

    visit(tree, False)
    return found


def _matches(module: str, pattern: str) -> bool:
    return fnmatch.fnmatch(module, pattern) or fnmatch.fnmatch(module, f"{pattern}.*")


def test_the_imports_a_contract_ignores_are_made_lazily_inside_functions():
    # Result objects may show themselves with a widget, and %load_ext registers the magics, but
    # importing those modules must not load a face: each ignored import is made inside a function.
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    ignored = [rule for contract in config["contracts"] for rule in contract.get("ignore_imports", [])]
    assert ignored
    for rule in ignored:
        importer, imported = (part.strip() for part in rule.split("->"))
        path = _source(importer)
        tree = ast.parse(path.read_text(), filename=str(path))
        pattern = imported.replace("**", "*")
        assert any(_matches(name, pattern) for name in _imported_modules(importer, tree, lazy=True)), (
            f"{rule}: {importer} no longer imports it; drop the rule"
        )
        eager = [name for name in _imported_modules(importer, tree, lazy=False) if _matches(name, pattern)]
        assert not eager, f"{importer} imports {eager} at module level"
