"""The layering of docs/architecture.md holds: import-linter's contracts, every module placed, no cycles."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import grimp

try:
    import tomllib
except ImportError:  # Python 3.10: import-linter depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def test_lint_imports_keeps_every_contract() -> None:
    """`lint-imports` (as .ci/run calls it) finds no broken contract; its report is shown when one breaks."""
    script = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(script)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_module_has_a_layer() -> None:
    """A new module in src/govrules must be placed in the layers contract, or it would escape it."""
    placed = {m.strip() for layer in _contracts()["layers"]["layers"] for m in re.split(r"[|:]", layer)}
    modules = {f"govrules.{p.stem}" for p in (ROOT / "src" / "govrules").glob("*.py") if p.stem != "__init__"}
    assert modules - placed == set(), "not in any layer of pyproject.toml's layers contract"
    assert placed - modules == set(), "a layer names a module that does not exist"


def test_no_two_modules_import_each_other_even_indirectly() -> None:
    """No import cycle among govrules' modules, function-level imports included (grimp sees those)."""
    graph = grimp.build_graph("govrules")
    modules = sorted(m for m in graph.modules if m.startswith("govrules.") and m.count(".") == 1)
    cycles = [(a, b) for a, b in itertools.combinations(modules, 2)
              if graph.chain_exists(a, b) and graph.chain_exists(b, a)]
    assert cycles == []


def test_every_derive_function_is_listed_in_the_registry() -> None:
    """A function marked @derived in a _derive* module but left out of _derive.FUNCTIONS fails here, not in a rule file."""
    import importlib

    from govrules._derive import FUNCTIONS

    marked = {name for p in sorted((ROOT / "src" / "govrules").glob("_derive*.py"))
              for name, obj in vars(importlib.import_module(f"govrules.{p.stem}")).items()
              if callable(obj) and hasattr(obj, "_derived_returns")}
    assert len(marked) > 20  # the scan sees the functions it is about
    assert marked == set(FUNCTIONS)
    assert all(FUNCTIONS[n].func.__name__ == n for n in FUNCTIONS)
