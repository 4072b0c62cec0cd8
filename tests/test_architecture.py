"""The layers of riskcap import one way (docs/architecture.md; issue 17).

Every module of ``src/riskcap`` is parsed with ``ast`` — imports inside functions
count too — and its imports of other riskcap modules are checked against the layer
table below: no import cycle between modules, no arrow that is not in the table, and
a numeric core that imports neither storage nor tabular libraries.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "riskcap"

# layer -> the layers it may import (besides itself); `riskcap` is the package's
# own __init__ (the version string) and `choices` the enums of the config's choices,
# which anyone may read
CORE = {"market", "pricing", "risk", "capital"}
BASE = {"config", "errors"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "choices": set(),
    "config": {"errors"},
    "market": {"errors"},
    "pricing": {"market", "errors"},
    "risk": {"market", "pricing", "errors"},
    "capital": {"risk", "market", "errors"},
    "data": BASE,
    "store": BASE,
    "inputs": {"data", "market", "pricing"} | BASE,
    "engine": {"inputs", "data"} | CORE | BASE,
    "pipeline": {"engine", "inputs", "data", "store"} | CORE | BASE,
    "web": set(),
    "api": {"pipeline", "engine", "inputs", "data", "store", "web"} | CORE | BASE,
    "cli": {"api", "pipeline", "engine", "inputs", "data", "store"} | CORE | BASE,
    "__main__": {"cli"},
}
NUMERIC_CORE = sorted(CORE)
NOT_IN_THE_CORE = {"pandas", "pyspark", "pyarrow", "deltalake", "sqlalchemy", "fastapi"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:  # Alembic's scripts, run by Alembic only
            continue
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        out[".".join(parts).removesuffix(".__init__")] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(riskcap modules, other top-level packages) imported anywhere in ``path``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    ours, others = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "riskcap":
                others.add(target.split(".")[0])
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                ours.add(full if full in MODULES else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                (ours if top == "riskcap" else others).add(alias.name if top == "riskcap" else top)
    return {m for m in ours if m in MODULES and m != name}, others


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "riskcap"


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v][0]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_modules() -> None:
    assert _cycles() == []


def test_every_layer_imports_only_the_layers_below_it() -> None:
    wrong = sorted(
        f"{module} -> {target}"
        for module, (ours, _) in GRAPH.items()
        for target in ours
        if _layer(target) not in {_layer(module), "riskcap", "choices"}
        and _layer(target) not in ALLOWED[_layer(module)]
    )
    assert wrong == []
    assert {_layer(m) for m in MODULES} - {"riskcap"} <= set(ALLOWED)  # a new layer is placed


@pytest.mark.parametrize("layer", NUMERIC_CORE)
def test_the_numeric_core_imports_no_storage_or_tables(layer: str) -> None:
    """Arrays in, arrays out: no pandas, Spark, Arrow, Delta, SQL or web in the core."""
    used = {
        (module, package)
        for module, (_, others) in GRAPH.items()
        if _layer(module) == layer
        for package in others & NOT_IN_THE_CORE
    }
    assert used == set()


def test_data_imports_only_config_and_errors() -> None:
    outside = {
        target
        for module, (ours, _) in GRAPH.items()
        if _layer(module) == "data"
        for target in ours
        if _layer(target) not in ("data", "config", "errors", "choices")
    }
    assert outside == set()


def test_the_command_line_is_one_package() -> None:
    assert not list(SRC.glob("cli_*.py")) and (SRC / "cli" / "__init__.py").is_file()
