"""porter's modules depend on each other one way: no import cycle, deferred imports included, and the
converter's layers point down (docs/architecture.md draws them).

Every module under porter/ is parsed (never imported) and every ``import`` statement in it counts, at
module level, inside functions and under ``if TYPE_CHECKING:`` alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "porter"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The porter module an import of ``name`` executes last (``a.b.C`` -> module ``a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(_resolve(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:  # ``from pkg import mod`` imports the submodule
                found.add(
                    _resolve(f"{base}.{alias.name}") if f"{base}.{alias.name}" in MODULES else _resolve(base)
                )
    return {name for name in found if name and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_deferred_and_type_checking_imports():
    assert "porter.convert.context" in GRAPH["porter.convert.transforms.base"]  # under TYPE_CHECKING
    assert "porter.verify.parity" in GRAPH["porter.coverage"]  # inside a function
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    assert cycles(GRAPH) == []


# The subpackages and top-level modules, as one node each.
def _unit(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_import_cycle_between_subpackages():
    units: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        units.setdefault(_unit(module), set()).update(_unit(t) for t in targets if _unit(t) != _unit(module))
    assert cycles(units) == []


# The converter's layers, bottom up: a module may import its own layer and those below, never above.
LAYERS = [
    # results, name resolution, the table, helper list, positions; the file boundary; room for deep recursion
    ("data", ["report", "names", "table", "helpers", "positions", "files", "depth"]),
    ("state", ["context"]),  # per-file conversion state
    ("transforms", ["transforms"]),  # one module per concern, the traversal, the imports
    ("engine", ["engine"]),  # convert_source
    ("drivers", ["tree", "parallel", "notebook", "mapping_docs"]),  # trees and their workers, notebooks, docs
    ("cli", ["command"]),
]


def _layer(module: str) -> int | None:
    rest = module.removeprefix("porter.convert.")
    for level, (_, prefixes) in enumerate(LAYERS):
        if any(rest == p or rest.startswith(p + ".") for p in prefixes):
            return level
    return None


CONVERT = sorted(m for m in MODULES if m.startswith("porter.convert."))


@pytest.mark.parametrize("module", CONVERT)
def test_converter_layers_point_down(module):
    level = _layer(module)
    assert level is not None, f"{module} is in no layer: add it to LAYERS (and docs/architecture.md)"
    upward = sorted(t for t in GRAPH[module] if t.startswith("porter.convert.") and _layer(t) > level)
    assert upward == [], f"{module} ({LAYERS[level][0]}) imports a higher layer"
    # porter (the version) and porter.usage (the one UsageError of every command) are leaves shared by all
    outside = sorted(
        t for t in GRAPH[module] if not t.startswith("porter.convert") and t not in ("porter", "porter.usage")
    )
    assert outside == [], f"the converter imports {outside}"


def test_the_table_and_the_data_layer_import_no_converter_code():
    for module in ("porter.convert.table", "porter.convert.names", "porter.convert.report"):
        assert GRAPH[module] == set(), module
    assert GRAPH["porter.convert.helpers"] == {"porter"}  # for the version in the written header


def test_only_the_traversal_and_the_engine_know_the_named_transforms():
    importers = sorted(m for m, targets in GRAPH.items() if "porter.convert.transforms.named" in targets)
    assert importers == ["porter.convert.engine", "porter.convert.transforms.dispatch"]


def test_helper_sources_import_nothing_of_porter():
    """They are copied into converted code, which must need torch only."""
    sources = [m for m in MODULES if m.startswith("porter.convert.helpers.")]
    assert sources
    for module in sources:
        assert GRAPH[module] == set(), module
