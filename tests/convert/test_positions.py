"""Diagnostic positions: the fast path through libcst's code generation gives what libcst's public
PositionProvider gives, on real files and on every kind of node porter reports on."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import libcst as cst
import pytest

from porter.convert import positions
from porter.convert.engine import convert_source

REPO = Path(__file__).resolve().parents[2]
PADDLE = Path(importlib.util.find_spec("paddle").origin).parent
FILES = [
    path
    for root in (
        REPO / "reference_models" / "paddle",
        Path(__file__).parent / "data",
        PADDLE / "vision" / "models",
    )
    for path in sorted(root.glob("*.py"))
    if path.name != "__init__.py"
]


def _every_node(module: cst.Module) -> list[cst.CSTNode]:
    nodes, stack = [], [module]
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.children)
    return nodes


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fast_positions_are_the_public_ones(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    kinds = (cst.Call, cst.Attribute, cst.Name, cst.ImportAlias, cst.Arg, cst.SimpleStatementLine)
    wanted = [node for node in _every_node(module) if isinstance(node, kinds)]
    assert len(wanted) > 50
    ids = {id(node) for node in wanted}
    assert positions.starts(module, wanted) == positions.by_position_provider(module, ids)


def test_positions_in_files_with_crlf_and_tabs():
    source = "import paddle\r\nif x:\r\n\ty = paddle.not_an_api(1)\r\n"
    (item,) = [d for d in convert_source(source).diagnostics if d.code == "unknown-api"]
    assert (item.line, item.col) == (3, 6)
