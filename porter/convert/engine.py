"""``convert_source``: parse once, resolve Paddle names once, run the transforms, check the output parses.

The transforms run in one traversal (transforms/dispatch.py) so every decision reads the original
nodes and the one name resolution; imports are rewritten afterwards in one place (transforms/imports.py).
"""

from __future__ import annotations

import ast
import bisect
import builtins
import itertools
from collections import Counter
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState

from porter.convert import names as names_mod
from porter.convert.names import TORCH_MODULES, NameTable
from porter.convert.report import Diagnostic, FileResult, Severity, Status
from porter.convert.table import MappingTable, load_table
from porter.convert.transforms.base import dotted


@dataclass
class _Pending:
    node: cst.CSTNode
    severity: Severity
    code: str
    message: str
    safety: str | None


@dataclass
class Context:
    """Everything the transforms of one file share: table, name resolution, diagnostics, emitted names."""

    table: MappingTable
    names: NameTable
    qualified: frozenset[int] = frozenset()  # ids of groups whose uses must be spelled torch.<...>
    pending: list[_Pending] = field(default_factory=list)
    converted: set[int] = field(default_factory=set)  # ids of Paddle references replaced or consumed
    journal: list[int] = field(default_factory=list)  # the same ids in marking order, for rollback
    alias_used: set[int] = field(default_factory=set)  # ids of groups whose torch alias the output uses
    need_torch: bool = False
    need_compat: bool = False  # the output names porter.compat.<...> (``import porter.compat`` is added)
    api_counts: Counter[str] = field(default_factory=Counter)
    unconverted: Counter[str] = field(default_factory=Counter)
    frames: list = field(default_factory=list)  # statement frames, owned by the dispatcher
    scheduler_pairs: dict = field(default_factory=dict)  # id(call) -> schedulers.Pair

    # -- names ----------------------------------------------------------------------------------
    def torch_ref(self, target: str) -> cst.BaseExpression:
        """``torch.a.b`` spelled in full (``import torch`` is added if needed; same for porter.compat)."""
        if target.startswith("porter.compat."):
            self.need_compat = True
        else:
            self.need_torch = True
        return dotted(target)

    def torch_name(self, original: cst.BaseExpression, target: str) -> cst.BaseExpression:
        """Name ``target`` in place of the Paddle reference ``original``, through the file's alias if any."""
        ref = self.names.ref(original)
        if ref is None:
            return self.torch_ref(target)
        self._mark(original)
        group = ref.group
        if id(group) in self.qualified:
            return self.torch_ref(target)
        if group.is_module:
            module = TORCH_MODULES.get(group.paddle)
            if module and (target == module or target.startswith(module + ".")):
                self.alias_used.add(id(group))
                return dotted(module_local(group) + target[len(module) :])
            return self.torch_ref(target)
        entry = self.table.lookup(group.paddle)
        if entry is not None and entry.torch == target and ref.path == group.paddle:
            self.alias_used.add(id(group))
            return cst.Name(self.object_local(group))
        return self.torch_ref(target)

    def object_local(self, group: names_mod.Group) -> str:
        """New local name for ``from paddle.x import Obj``: torch's own name unless that could clash."""
        entry = self.table.lookup(group.paddle)
        assert entry is not None and entry.torch
        short = entry.torch.rsplit(".", 1)[-1]
        if group.aliases[0].asname is not None or short == group.local:
            return group.local
        if short in self.names.identifiers or hasattr(builtins, short):
            return group.local
        return short

    def _mark(self, node: cst.CSTNode) -> None:
        if id(node) not in self.converted:
            self.converted.add(id(node))
            self.journal.append(id(node))

    def checkpoint(self) -> tuple[int, int, Counter[str]]:
        """State to return to when a transform gives up half-way (see ``rollback``)."""
        return len(self.journal), len(self.pending), self.api_counts.copy()

    def rollback(self, point: tuple[int, int, Counter[str]]) -> None:
        marked, reported, counts = point
        while len(self.journal) > marked:
            self.converted.discard(self.journal.pop())
        del self.pending[reported:]
        self.api_counts = counts

    def consume(self, original: cst.CSTNode) -> None:
        """Mark every Paddle reference inside ``original`` as handled (its code was replaced)."""
        refs = self.names.refs
        stack = [original]
        while stack:
            node = stack.pop()
            if id(node) in refs:
                self._mark(node)
            else:
                stack.extend(node.children)

    # -- statements -----------------------------------------------------------------------------
    def after(self, statement: cst.BaseStatement | str) -> None:
        """Insert ``statement`` right after the statement being converted."""
        self._insertable_frame().after.append(_statement(statement))

    def before(self, statement: cst.BaseStatement | str) -> None:
        """Insert ``statement`` right before the statement being converted."""
        self._insertable_frame().before.append(_statement(statement))

    def _insertable_frame(self):
        frame = self.frames[-1]
        if not frame.insertable:
            from porter.convert.transforms.base import NotConverted

            raise NotConverted(
                "no-statement", "code must be added next to this statement, which is not a simple line"
            )
        return frame

    def assignment_target(self, original_call: cst.Call) -> cst.BaseExpression | None:
        """``t`` when the current statement is exactly ``t = <original_call>``."""
        statement = self.frames[-1].node if self.frames else None
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and small.value is original_call:
                return small.targets[0].target
        return None

    def is_expression_statement(self, original_call: cst.Call) -> bool:
        statement = self.frames[-1].node if self.frames else None
        return (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and statement.body[0].value is original_call
        )

    # -- diagnostics ----------------------------------------------------------------------------
    def report(
        self, node: cst.CSTNode, severity: Severity, code: str, message: str, safety: str | None = None
    ) -> None:
        self.pending.append(_Pending(node, severity, code, _one_line(message), safety))

    def todo(self, node: cst.CSTNode, api: str, code: str, message: str) -> None:
        """Leave ``node`` as it is: count it, report it, and comment the current statement."""
        from porter.convert.transforms.base import TODO_PREFIX

        self.unconverted[api] += 1
        self.report(node, Severity.ERROR, code, message)
        self.frames[-1].todos.append(f"{TODO_PREFIX}({code}) {_one_line(message)}")

    def info(self, node: cst.CSTNode, code: str, message: str, safety: str | None = None) -> None:
        self.report(node, Severity.INFO, code, message, safety)

    def warn(self, node: cst.CSTNode, code: str, message: str, safety: str | None = None) -> None:
        self.report(node, Severity.WARNING, code, message, safety)


def _statement(statement: cst.BaseStatement | str) -> cst.BaseStatement:
    return cst.parse_statement(statement) if isinstance(statement, str) else statement


def _one_line(message: str, limit: int = 200) -> str:
    """Messages quote code; a comment and a report line must stay on one line."""
    text = " ".join(message.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def module_local(group: names_mod.Group) -> str:
    """The local name a converted module import binds (``import paddle`` -> ``torch``)."""
    if group.aliases[0].asname is None and group.paddle == "paddle":
        return "torch"
    return group.local


def convert_source(
    text: str,
    *,
    path: str = "<string>",
    table: MappingTable | None = None,
    package: str | None = None,
    tree_package: str | None = None,
) -> FileResult:
    """Convert one file's text; never raises for bad input (the result says ``failed`` and keeps the text).

    ``package``/``tree_package``: where the file lives, for relative imports (see ``names.build``).
    """
    from porter.convert.transforms import dispatch, imports

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _failed(
            text, path, error.raw_line, error.raw_column, "parse-error", f"not valid Python: {error.message}"
        )
    table = table or load_table()
    resolution = names_mod.build(module, _module_paths(table), package=package, tree_package=tree_package)
    if not resolution.has_paddle:
        return FileResult(path, Status.UNCHANGED, text, text)
    try:
        ctx, converted = dispatch.run(module, table, resolution)
        incomplete = imports.incomplete_aliased_groups(ctx)
        if incomplete:  # some uses stay Paddle: spell that alias's converted uses as torch.<...> instead
            ctx, converted = dispatch.run(module, table, resolution, qualified=incomplete)
        converted = imports.rewrite(converted, ctx)
        output = converted.code
        ast.parse(output)  # the output must always parse (Python's own parser, cheaper than libcst's)
        if text.startswith("\ufeff") and not output.startswith("\ufeff"):
            output = "\ufeff" + output  # libcst drops a byte-order mark; keep the file's encoding as it was
    except Exception as error:  # noqa: BLE001 - a broken transform must not lose the user's file
        return _failed(
            text, path, 1, 0, "internal-error", f"conversion failed ({type(error).__name__}: {error})"
        )
    diagnostics = _positioned(module, ctx, path)
    status = Status.NEEDS_ATTENTION if any(d.needs_attention for d in diagnostics) else Status.CONVERTED
    if output == text and not diagnostics:
        status = Status.UNCHANGED
    return FileResult(path, status, text, output, diagnostics, ctx.api_counts, ctx.unconverted)


def _module_paths(table: MappingTable) -> frozenset[str]:
    paths = set()
    for entry in table:
        parts = entry.paddle.split(".")
        paths.update(".".join(parts[:i]) for i in range(1, len(parts)))
    paths.discard("paddle.Tensor")
    return frozenset(p for p in paths if p[:1].islower() and p.rsplit(".", 1)[-1][:1].islower())


def _positioned(module: cst.Module, ctx: Context, path: str) -> list[Diagnostic]:
    if not ctx.pending:
        return []
    offsets = _start_offsets(module, {id(item.node) for item in ctx.pending})
    line_starts = [0]
    for line in module.code.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    diagnostics = []
    for item in ctx.pending:
        offset = offsets.get(id(item.node), 0)
        line = bisect.bisect_right(line_starts, offset)
        col = offset - line_starts[line - 1] + 1
        diagnostics.append(Diagnostic(path, line, col, item.severity, item.code, item.message, item.safety))
    diagnostics.sort(key=lambda d: (d.line, d.col))
    return diagnostics


class _Marks(CodegenState):
    """Plain codegen that notes where the wanted nodes start: far cheaper than PositionProvider,
    which tracks line and column for every node of the file."""

    def __init__(self, module: cst.Module, wanted: set[int]) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.marks: dict[int, int] = {}

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted and id(node) not in self.marks:
            self.marks[id(node)] = len(self.tokens)


def _start_offsets(module: cst.Module, wanted: set[int]) -> dict[int, int]:
    """Character offset of each wanted node in the module's code."""
    state = _Marks(module, wanted)
    module._codegen(state)
    cumulative = [0, *itertools.accumulate(len(token) for token in state.tokens)]
    return {node: cumulative[index] for node, index in state.marks.items()}


def _failed(text: str, path: str, line: int, col: int, code: str, message: str) -> FileResult:
    diagnostic = Diagnostic(path, line, col, Severity.ERROR, code, message)
    return FileResult(path, Status.FAILED, text, text, [diagnostic])
