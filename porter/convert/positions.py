"""Where nodes of a module start: ``{node: (line, column)}``, both 1-based.

libcst's public ``PositionProvider`` computes the line and column of every node of the file, which costs
about a third of a whole conversion, while porter needs the few nodes it reports on. When libcst is a
version whose code generation porter knows, ``starts`` runs that code generation once and notes the
offset at which each wanted node begins, at the point PositionProvider takes: libcst internals (``CodegenState``, ``_codegen``), used here
and nowhere else. Any other libcst gets ``PositionProvider``. tests/convert/test_positions.py checks that
both give the same positions.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from contextlib import contextmanager
from importlib.metadata import version

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

_KNOWN_LIBCST = ((1, 4), (2, 0))  # [from, to): code generation as porter reads it


def _libcst_version() -> tuple[int, int]:
    major, minor, *_ = version("libcst").split(".")
    return int(major), int(minor)


def starts(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """``id(node) -> (line, column)`` for each of ``nodes`` found in ``module``."""
    wanted = {id(node) for node in nodes}
    low, high = _KNOWN_LIBCST
    if low <= _libcst_version() < high:
        return _by_codegen(module, wanted)
    return by_position_provider(module, wanted)


def by_position_provider(module: cst.Module, wanted: set[int]) -> dict[int, tuple[int, int]]:
    """The public way (the module itself is wrapped, not a copy: callers hold its nodes)."""
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {
        id(node): (where.start.line, where.start.column + 1)
        for node, where in positions.items()
        if id(node) in wanted
    }


def _by_codegen(module: cst.Module, wanted: set[int]) -> dict[int, tuple[int, int]]:
    from libcst._nodes.internal import CodegenState

    marks: dict[int, int] = {}  # id(node) -> index of its first token, as PositionProvider records it

    class Marks(CodegenState):
        @contextmanager
        def record_syntactic_position(self, node, *, start_node=None, end_node=None):
            start = len(self.tokens)
            try:
                yield
            finally:
                marks[id(node)] = marks[id(start_node)] if start_node is not None else start

    state = Marks(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    offsets = [0, *itertools.accumulate(len(token) for token in state.tokens)]
    lines = "".join(state.tokens).splitlines(keepends=True)
    line_starts = [0, *itertools.accumulate(len(line) for line in lines)]
    found = {}
    for node in wanted & marks.keys():
        offset = offsets[marks[node]]
        line = bisect.bisect_right(line_starts, offset)
        found[node] = (line, offset - line_starts[line - 1] + 1)
    return found
