"""The one traversal: finds every Paddle call and reference and hands it to its transform.

Order inside the traversal is fixed by libcst (children before parents); within one call the order is:
deferred ``ParamAttr``/initializer sub-expressions (handled by the layer that owns them) -> the API's
named transform, if any -> the generic table rewrite (calls.py). Statement frames collect TODO comments
and statements to insert after the current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from porter.convert.engine import Context
from porter.convert.names import TORCH_MODULES, NameTable
from porter.convert.report import Severity
from porter.convert.table import ApiMapping, Category, MappingTable, Safety
from porter.convert.transforms import calls, param_attr, schedulers, tensor_attrs
from porter.convert.transforms.base import CallSite, NotConverted
from porter.convert.transforms.named import CALL_TRANSFORMS
from porter.convert.transforms.provenance import Provenance
from porter.convert.transforms.values import DTYPES

TODO_PREFIX = "# porter: TODO"


@dataclass
class Frame:
    node: cst.BaseStatement
    insertable: bool
    todos: list[str] = field(default_factory=list)
    after: list[cst.BaseStatement] = field(default_factory=list)


def run(
    module: cst.Module, table: MappingTable, names: NameTable, qualified: frozenset[int] = frozenset()
) -> tuple[Context, cst.Module]:
    ctx = Context(table, names, qualified)
    return ctx, module.visit(Dispatcher(ctx, Provenance(module)))


class Dispatcher(cst.CSTTransformer):
    def __init__(self, ctx: Context, provenance: Provenance) -> None:
        super().__init__()
        self.ctx = ctx
        self.provenance = provenance
        self.refs = ctx.names.refs
        self.call_funcs: set[int] = set()
        self.deferred: set[int] = set()
        self.class_bases: set[int] = set()
        self.emitted: dict[int, int] = {}  # id(output statement) -> id(original statement)
        self.shadowed = {id(alias): local for alias, local in ctx.names.shadowed}

    # -- statement frames -----------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            self.ctx.frames.append(Frame(node, isinstance(node, cst.SimpleStatementLine)))
        return super().on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        result = super().on_leave(original, updated)
        if isinstance(original, cst.SimpleStatementLine | cst.BaseCompoundStatement):
            frame = self.ctx.frames.pop()
            result = _with_todos(result, frame.todos)
            if frame.after:
                return cst.FlattenSentinel([result, *frame.after])
            self.emitted[id(result)] = id(original)
        return result

    # -- blocks: scheduler/optimizer pairs are found before and settled after their statements ----
    def visit_Module(self, node: cst.Module) -> None:
        schedulers.find_pairs(self.ctx, node.body)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        schedulers.find_pairs(self.ctx, node.body)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return updated.with_changes(body=self._settle(original.body, updated.body))

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated.with_changes(body=self._settle(original.body, updated.body))

    def _settle(self, original_body, body) -> list:
        """Drop scheduler statements that moved after their optimizer; mark the ones that could not."""
        in_block = {id(s) for s in original_body}
        pairs = {
            id(p.statement): p for p in self.ctx.scheduler_pairs.values() if p and id(p.statement) in in_block
        }
        if not pairs:
            return list(body)
        settled = []
        for statement in body:
            pair = pairs.get(self.emitted.get(id(statement), -1))
            if pair is not None and pair.done:
                continue
            if pair is not None:
                entry = self.ctx.table.lookup(self.ctx.names.ref(pair.call.func).path)
                message = f"{entry.paddle}: its optimizer was not converted, so it was not moved"
                self.ctx.unconverted[entry.paddle] += 1
                self.ctx.report(pair.call, Severity.ERROR, "lr-scheduler", message)
                statement = _with_todos(statement, [f"{TODO_PREFIX}(lr-scheduler) {message}"])
            settled.append(statement)
        return settled

    def _todo(self, original: cst.CSTNode, api: str, code: str, message: str) -> None:
        self.ctx.unconverted[api] += 1
        self.ctx.report(original, Severity.ERROR, code, message)
        self.ctx.frames[-1].todos.append(f"{TODO_PREFIX}({code}) {message}")

    # -- imports are rewritten later, in one place ----------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        self._shadowed(node.names)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node in self.ctx.names.star_imports:
            self._todo(
                node, "import *", "star-import", "names imported with * from paddle cannot be resolved"
            )
        elif not isinstance(node.names, cst.ImportStar):
            self._shadowed(node.names)
        return False

    def _shadowed(self, aliases) -> None:
        for alias in aliases:
            if id(alias) in self.shadowed:
                local = self.shadowed[id(alias)]
                message = f"'{local}' is also bound by other code in its scope; its uses were left unchanged"
                self._todo(alias, "shadowed", "shadowed-name", message)

    # -- references -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.provenance.enter()

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.provenance.leave()
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        self.provenance.assigned(original)
        return updated

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_bases.update(id(base.value) for base in node.bases)  # subclassing passes no arguments

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return id(node) not in self.refs

    def visit_Name(self, node: cst.Name) -> bool:
        return False

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if id(original) in self.refs:
            return self._reference(original, updated)
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if id(original) in self.refs:
            return self._reference(original, updated)
        return updated

    def _reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        if id(original) in self.call_funcs or id(original) in self.deferred:
            return updated
        path = self.refs[id(original)].path
        dtype = path.removeprefix("paddle.")
        if dtype in DTYPES and "." not in dtype:
            self.ctx.api_counts[path] += 1
            return self.ctx.torch_name(original, f"torch.{DTYPES[dtype]}")
        if path in TORCH_MODULES:
            return self.ctx.torch_name(original, TORCH_MODULES[path])
        entry = self.ctx.table.lookup(path)
        if entry is None:
            self._todo(original, path, "unknown-api", f"{path} is not in the mapping table")
        elif entry.category is Category.NO_EQUIVALENT:
            self._todo(original, entry.paddle, "no-equivalent", f"{entry.paddle}: {entry.doc}")
        elif entry.transform or entry.kind.value == "method":
            message = f"{entry.paddle} is used without being called; its call needs a rewrite ({entry.doc})"
            self._todo(original, entry.paddle, "value-use", message)
        else:
            differs = entry.rename or entry.values or entry.defaults or entry.drop or entry.accept
            if differs and id(original) not in self.class_bases:
                message = f"{entry.paddle} used as a value: its argument differences are not applied"
                self.ctx.warn(original, "value-use", message, entry.safety.value)
            self.ctx.api_counts[entry.paddle] += 1
            return self.ctx.torch_name(original, entry.torch)
        return updated

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        return tensor_attrs.comparison(self.ctx, original, updated)

    def leave_BinaryOperation(
        self, original: cst.BinaryOperation, updated: cst.BinaryOperation
    ) -> cst.BaseExpression:
        return tensor_attrs.binary(self.ctx, original, updated)

    # -- calls ----------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))
        entry = self._entry_for(node)
        if entry is not None:
            self.deferred.update(param_attr.deferred_ids(node, entry))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.deferred:
            return updated
        ref = self.ctx.names.ref(original.func)
        if ref is not None:
            entry = self.ctx.table.lookup(ref.path)
            if entry is None:
                self._todo(original, ref.path, "unknown-api", f"{ref.path} is not in the mapping table")
                return updated
            return self._apply(entry, original, updated)
        if isinstance(original.func, cst.Attribute):
            return self._method(original, updated)
        return updated

    def _entry_for(self, node: cst.Call) -> ApiMapping | None:
        ref = self.ctx.names.ref(node.func)
        if ref is not None:
            return self.ctx.table.lookup(ref.path)
        if isinstance(node.func, cst.Attribute):
            entries = self.ctx.table.methods_named(node.func.attr.value)
            return entries[0] if entries else None
        return None

    def _method(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        assert isinstance(original.func, cst.Attribute)
        if self.provenance.is_numpy(original.func.value):
            return updated  # a numpy array's method, not a tensor's
        entries = self.ctx.table.methods_named(original.func.attr.value)
        # The receiver's type is unknown: an entry that converts wins over one that has no equivalent.
        for entry in sorted(entries, key=lambda e: e.category is Category.NO_EQUIVALENT):
            if entry.category is Category.SAME and not entry.transform:
                return updated  # same method, same arguments
            try:
                calls.bind(entry, original)
            except NotConverted:
                continue  # this call's shape does not fit this entry; maybe another entry
            return self._apply(entry, original, updated)
        return updated

    def _apply(self, entry: ApiMapping, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        ctx = self.ctx
        frame = ctx.frames[-1]
        inserted, reported = len(frame.after), len(ctx.pending)
        site = CallSite(ctx, entry, original, updated)
        try:
            if entry.category is Category.NO_EQUIVALENT:
                raise NotConverted("no-equivalent", f"{entry.paddle}: {entry.doc}")
            result = CALL_TRANSFORMS[entry.transform](site) if entry.transform else calls.rewrite(site)
        except schedulers.Deferred:
            return updated
        except NotConverted as reason:
            del frame.after[inserted:]
            ctx.converted.discard(id(original.func))
            self._todo(original, entry.paddle, reason.code, reason.message)
            return updated
        ctx.consume(
            original.func
        )  # the Paddle name of this call is gone even if a transform built a new call
        ctx.api_counts[entry.paddle] += 1
        if entry.note:
            ctx.info(original, "note", f"{entry.paddle}: {entry.note}", entry.safety.value)
        elif entry.safety is not Safety.SAFE and len(ctx.pending) == reported:
            ctx.info(original, "assumed", f"{entry.paddle} -> {entry.torch}: {entry.doc}", entry.safety.value)
        return result


def _with_todos(statement, todos: list[str]):
    if not todos or not hasattr(statement, "leading_lines"):
        return statement
    existing = {line.comment.value for line in statement.leading_lines if line.comment is not None}
    new = [cst.EmptyLine(comment=cst.Comment(t)) for t in dict.fromkeys(todos) if t not in existing]
    return statement.with_changes(leading_lines=[*statement.leading_lines, *new]) if new else statement
