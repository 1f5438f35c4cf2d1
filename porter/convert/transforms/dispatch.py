"""The one traversal: finds every Paddle call and reference and hands it to its transform.

Order inside the traversal is fixed by libcst (children before parents); within one call the order is:
deferred ``ParamAttr``/initializer sub-expressions (handled by the layer that owns them) -> the API's
named transform, if any -> the generic table rewrite (calls.py). Statement frames collect TODO comments
and statements to insert before/after the current one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from porter.convert.context import TODO_PREFIX, Context, NotConverted
from porter.convert.names import NameTable, child_nodes
from porter.convert.table import ApiMapping, Category, MappingTable, Safety
from porter.convert.transforms import (
    buffers,
    calls,
    framework,
    param_attr,
    partials,
    references,
    schedulers,
    subclasses,
    tensor_attrs,
)
from porter.convert.transforms.base import CallSite, code, with_todos
from porter.convert.transforms.named import CALL_TRANSFORMS
from porter.convert.transforms.provenance import METHOD_OWNERS, Family, Provenance, Value


@dataclass
class Frame:
    node: cst.BaseStatement
    insertable: bool
    todos: list[str] = field(default_factory=list)
    after: list[cst.BaseStatement] = field(default_factory=list)
    before: list[cst.BaseStatement] = field(default_factory=list)


def run(
    module: cst.Module, table: MappingTable, names: NameTable, qualified: frozenset[int] = frozenset()
) -> tuple[Context, cst.Module]:
    ctx = Context(table, names, qualified)
    provenance = Provenance(module, names, table)
    return ctx, module.visit(Dispatcher(ctx, provenance, partials.local_names(module)))


_STATEMENT_TYPES: dict[type, bool] = {}


def _is_statement(node: cst.CSTNode) -> bool:
    """A statement line or compound statement (cached per type: isinstance on libcst's abstract bases
    is slow, and this runs twice for every node)."""
    kind = type(node)
    found = _STATEMENT_TYPES.get(kind)
    if found is None:
        found = _STATEMENT_TYPES[kind] = isinstance(node, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    return found


class Dispatcher(cst.CSTTransformer):
    def __init__(
        self, ctx: Context, provenance: Provenance, partial_names: frozenset[str] = frozenset()
    ) -> None:
        super().__init__()
        self.partial_names = partial_names  # spellings of functools.partial in this file
        self.no_call: set[int] = (
            set()
        )  # ids of class references that are never called (isinstance, annotations)
        self.ctx = ctx
        self.provenance = provenance
        self.refs = ctx.names.refs
        self.call_funcs: set[int] = set()
        self.deferred: set[int] = set()
        self.class_bases: set[int] = set()
        self.indexed: set[int] = set()  # ids of subscripted values (x.shape[0])
        self.targets: set[int] = set()  # ids of assignment targets (written, not read)
        self.module: cst.Module | None = None
        self._not_buffers: frozenset[str] | None = None  # attribute names never made buffers (buffers.py)
        self.patched: set[int] = set()  # ids of Paddle names written to: targets, setattr(paddle.X, ...)
        self.looked_up: dict[int, cst.BaseExpression] = {}  # getattr(paddle.nn, name): id(paddle.nn) -> name
        self.attribute_names = tensor_attrs.names_of_interest(ctx)
        self.emitted: dict[int, int] = {}  # id(output statement) -> id(original statement)
        self.shadowed = {id(alias): group.local for group in ctx.names.shadowed for alias in group.aliases}
        # ids of method calls rewritten on a receiver assumed to be Paddle's -> what their result is then
        self.assumed_results: dict[int, Value] = {}
        self.dropped_decorators: set[int] = set()  # ids of decorators removed (paddle.jit.to_static)
        self.paddle_bases: list[
            ApiMapping | None
        ] = []  # per enclosing class: the Paddle layer it derives from
        self.first_params: list[str | None] = []  # per enclosing function: its first parameter (self)

    # -- statement frames -----------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if _is_statement(node):
            self.ctx.frames.append(Frame(node, isinstance(node, cst.SimpleStatementLine)))
        return super().on_visit(node)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        result = super().on_leave(original, updated)
        if _is_statement(original):
            frame = self.ctx.frames.pop()
            result = with_todos(result, frame.todos)
            if frame.before:  # comments above the statement stay above the code inserted before it
                first = frame.before[0].with_changes(leading_lines=result.leading_lines)
                result = result.with_changes(leading_lines=[])
                return cst.FlattenSentinel([first, *frame.before[1:], result, *frame.after])
            if frame.after:
                return cst.FlattenSentinel([result, *frame.after])
            self.emitted[id(result)] = id(original)
        return result

    # -- blocks: scheduler/optimizer pairs are found before and settled after their statements ----
    def visit_Module(self, node: cst.Module) -> None:
        schedulers.find_pairs(self.ctx, node.body)
        self.module = node

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        schedulers.find_pairs(self.ctx, node.body)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body = self._settle(original.body, updated.body)
        if body and hasattr(body[0], "leading_lines"):
            # libcst puts comments above a file's first statement in the module header, where with_todos
            # cannot see them: a TODO already there must not be added to that statement again.
            header = {
                line.comment.value
                for line in updated.header
                if line.comment is not None and line.comment.value.startswith(TODO_PREFIX)
            }
            kept = [
                line
                for line in body[0].leading_lines
                if line.comment is None or line.comment.value not in header
            ]
            body = [body[0].with_changes(leading_lines=kept), *body[1:]]
        return updated.with_changes(body=body)

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated.with_changes(body=self._settle(original.body, updated.body))

    def _settle(self, original_body, body) -> list:
        return schedulers.settle(self.ctx, self.emitted, original_body, body)

    # -- imports are rewritten later, in one place ----------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        self._shadowed(node.names)
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if node in self.ctx.names.star_imports:
            self.ctx.todo(
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
                self.ctx.todo(alias, "shadowed", "shadowed-name", message)

    # -- references -----------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params.params
        self.first_params.append(params[0].name.value if params else None)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.first_params.pop()
        return framework.without_dropped(updated, self.dropped_decorators, original)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.paddle_bases.pop()
        return framework.without_dropped(updated, self.dropped_decorators, original)

    def visit_Decorator(self, node: cst.Decorator) -> bool:
        if not framework.dropped(self.ctx, node):
            return True
        self.dropped_decorators.add(id(node))
        return False  # removed with its arguments: nothing inside is converted or reported

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.ctx.fstring_quotes.append(node.quote)

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.FormattedString:
        self.ctx.fstring_quotes.pop()
        return updated

    def visit_Annotation(self, node: cst.Annotation) -> None:
        stack: list[cst.CSTNode] = [node.annotation]  # a type annotation names classes, never calls them
        while stack:
            current = stack.pop()
            self.no_call.add(id(current))
            stack.extend(child_nodes(current))

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.class_bases.update(id(base.value) for base in node.bases)  # subclassing passes no arguments
        self.paddle_bases.append(subclasses.paddle_base(self.ctx, node))

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return id(node) not in self.refs

    def visit_Name(self, node: cst.Name) -> bool:
        return False

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if id(original) in self.refs:
            return self._reference(original, updated)
        if original.attr.value in self.attribute_names and not (
            id(original) in self.call_funcs or id(original) in self.targets
        ):
            indexed = id(original) in self.indexed
            return tensor_attrs.attribute(self.ctx, self.provenance, original, updated, indexed=indexed)
        return updated

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.indexed.add(id(node.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        self.targets.update(id(target.target) for target in node.targets)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.add(id(node.target))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.targets.add(id(node.target))

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.BaseSmallStatement:
        result = tensor_attrs.assignment(self.ctx, self.provenance, original, updated)
        return buffers.tensor_attribute(self.ctx, self.provenance, original, result, self._not_buffer_names)

    def _not_buffer_names(self) -> frozenset[str]:
        if self._not_buffers is None:
            assert self.module is not None
            self._not_buffers = buffers.unsafe_names(self.module, self.provenance, self.ctx.names)
        return self._not_buffers

    def leave_AugAssign(self, original: cst.AugAssign, updated: cst.AugAssign) -> cst.AugAssign:
        return tensor_attrs.augmented(self.ctx, self.provenance, original, updated)

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if original.value is None or updated.value is None:
            return updated
        return updated.with_changes(
            value=tensor_attrs.listed_value(self.provenance, original.value, updated.value)
        )

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if id(original) in self.refs:
            return self._reference(original, updated)
        return updated

    def _reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        if id(original) in self.call_funcs or id(original) in self.deferred:
            return updated
        if id(original) in self.patched:
            return references.patched(self.ctx, original, updated, assigned=False)
        if isinstance(original, cst.Attribute) and id(original) in self.targets:
            return references.patched(self.ctx, original, updated, assigned=True)
        no_call = id(original) in self.class_bases or id(original) in self.no_call
        result = references.convert(self.ctx, original, updated, is_base=no_call)
        if id(original) in self.looked_up and result is not updated:
            references.looked_up(self.ctx, original, self.looked_up[id(original)], result)
        return result

    def leave_Comparison(self, original: cst.Comparison, updated: cst.Comparison) -> cst.BaseExpression:
        return tensor_attrs.comparison(self.ctx, self.provenance, original, updated)

    def leave_BinaryOperation(
        self, original: cst.BinaryOperation, updated: cst.BinaryOperation
    ) -> cst.BaseExpression:
        return tensor_attrs.binary(self.ctx, self.provenance, original, updated)

    # -- calls ----------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))
        if isinstance(node.func, cst.Name) and node.func.value in ("setattr", "delattr") and node.args:
            self.patched.add(id(node.args[0].value))
        if isinstance(node.func, cst.Name) and node.func.value == "getattr" and len(node.args) >= 2:
            self.looked_up[id(node.args[0].value)] = node.args[1].value
        if self._partial_entry(node) is not None:
            self.call_funcs.add(id(node.args[0].value))  # translated together with the partial's arguments
        if (
            isinstance(node.func, cst.Name)
            and node.func.value in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            classes = node.args[1].value  # isinstance(x, nn.Linear) names the class, never calls it
            elements = [e.value for e in classes.elements] if isinstance(classes, cst.Tuple) else [classes]
            self.no_call.update(id(e) for e in elements)
        entry = self._entry_for(node)
        if entry is not None:
            self.deferred.update(param_attr.deferred_ids(node, entry, self.refs))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if id(original) in self.deferred:
            return updated
        entry = self._partial_entry(original)
        if entry is not None:
            return self._partial(entry, original, updated)
        entry = self._super_init_entry(original)
        if entry is not None:  # the base layer's constructor, spelled super().__init__
            if not subclasses.readable(self.ctx, entry, original):
                return updated
            result = self._apply(entry, original, updated)
            return result.with_changes(func=updated.func) if isinstance(result, cst.Call) else result
        ref = self.ctx.names.ref(original.func)
        if ref is not None:
            entry = self.ctx.table.lookup(ref.path)
            if entry is None:
                self.ctx.todo(original, ref.path, "unknown-api", f"{ref.path} is not in the mapping table")
                return updated
            return self._apply(entry, original, updated)
        if isinstance(original.func, cst.Attribute):
            return self._method(original, updated)
        return self._call_of_value(original, updated)

    def _call_of_value(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """Calls whose meaning comes from what they call: ``loader()`` (a Paddle DataLoader iterates
        when called; torch's is not callable) and ``isinstance(x.shape, list)``."""
        func = original.func
        called = self.provenance.of(func)
        if called is not None and called.family is Family.DATALOADER and not original.args:
            return cst.Call(cst.Name("iter"), [cst.Arg(updated.func)])
        if isinstance(func, cst.Name) and func.value in ("eval", "exec") and original.args:
            message = (
                f"{func.value}({code(original.args[0].value).strip()}) runs code from a string, which porter does "
                "not see: Paddle names in it (such as 'nn.LayerNorm') now mean torch's, with torch's arguments"
            )
            self.ctx.warn(original, "dynamic-code", message, Safety.REVIEW.value)
            return updated
        if isinstance(func, cst.Name) and func.value == "isinstance" and len(original.args) == 2:
            first = tensor_attrs.listed_value(self.provenance, original.args[0].value, updated.args[0].value)
            return updated.with_changes(args=[updated.args[0].with_changes(value=first), *updated.args[1:]])
        return updated

    def _partial_entry(self, node: cst.Call) -> ApiMapping | None:
        wrapped = partials.wrapped(node, self.partial_names)
        ref = self.ctx.names.ref(wrapped) if wrapped is not None else None
        entry = self.ctx.table.lookup(ref.path) if ref is not None else None
        return entry if entry is not None and entry.kind.value != "method" else None

    def _partial(self, entry: ApiMapping, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """``partial(X, ...)``: the arguments are translated as in the call ``X(...)``, then re-wrapped."""
        as_call = partials.as_call(original)
        reported = len(self.ctx.pending)
        result = self._apply(entry, as_call, partials.as_call(updated))
        for item in self.ctx.pending[reported:]:
            if item.node is as_call:
                item.node = original  # diagnostics point at the partial(...) call, which has a position
        if not isinstance(result, cst.Call) or result.func is updated.args[0].value:
            return updated  # not converted: the TODO is recorded
        return partials.rewrap(updated, result)

    def _super_init_entry(self, node: cst.Call) -> ApiMapping | None:
        base = self.paddle_bases[-1] if self.paddle_bases else None
        if base is None or not subclasses.is_super_init(node):
            return None
        built = subclasses.layer_being_built(node, self.first_params[-1] if self.first_params else None)
        if built is not None:
            self.ctx.layers_built[id(node)] = built
        return base

    def _entry_for(self, node: cst.Call) -> ApiMapping | None:
        entry = self._super_init_entry(node)
        if entry is not None:
            return entry
        ref = self.ctx.names.ref(node.func)
        if ref is not None:
            return self.ctx.table.lookup(ref.path)
        if isinstance(node.func, cst.Attribute):
            fitting, _ = self._method_entries(node)
            return fitting[0] if fitting else None
        return None

    def _method_entries(self, call: cst.Call) -> tuple[list[ApiMapping], Value | None]:
        """The Paddle methods ``obj.name(...)`` can be, best first, and what ``obj`` is known to be.

        A receiver known to be a Paddle tensor (layer, optimizer ...) selects that class's entry; one known
        to be something else (a string, a numpy array, a user object whose class defines ``name``) selects
        none. Either way the call must fit the Paddle signature: a positional argument that Paddle would
        drop (``name``) means the call is not Paddle's."""
        assert isinstance(call.func, cst.Attribute)
        name = call.func.attr.value
        entries = self.ctx.table.methods_named(name)
        receiver = None
        if entries:  # a chain on an assumed rewrite shares its assumption (x.transpose(p).astype(t))
            receiver = self.provenance.of(call.func.value) or self.assumed_results.get(id(call.func.value))
        if receiver is not None and self.provenance.defines_method(receiver, name):
            return [], receiver  # the user's own method
        if receiver is not None and receiver.family is Family.INSTANCE:
            receiver = None  # its class comes from elsewhere: it may be a Paddle layer
        if receiver is not None:
            owner = METHOD_OWNERS.get(receiver.family)
            if owner is None:
                return [], receiver  # known not to be Paddle's
            entries = tuple(e for e in entries if e.paddle == f"{owner}.{name}")
        fitting = [e for e in entries if _fits(e, call)]
        # An entry that converts wins over one that has no equivalent.
        fitting.sort(key=lambda e: e.category is Category.NO_EQUIVALENT)
        return fitting, receiver

    def _method(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        assert isinstance(original.func, cst.Attribute)
        fitting, receiver = self._method_entries(original)
        if not fitting:
            return updated
        entry = fitting[0]
        owners = {e.paddle.rsplit(".", 1)[0] for e in fitting}
        if receiver is None and len(owners) == 1 and entry.returns is not None:
            # what the call gives back if the assumption holds (x.transpose(p).astype(t) is one assumption)
            self.assumed_results[id(original)] = Value(Family(entry.returns.value))
        if entry.category is Category.SAME and not entry.transform and not _drops(entry, original):
            return updated  # same method, same arguments: nothing to decide
        if receiver is not None:
            return self._apply(entry, original, updated)
        # The receiver's type is unknown: rewrite what only fits one Paddle class, and say so.
        subject = code(original.func.value).strip()
        if len(owners) > 1:
            message = (
                f"{subject}.{entry.name}(...) left as it is: it fits {' and '.join(sorted(owners))}, "
                f"and porter cannot tell which {subject} is"
            )
            self.ctx.warn(original, "ambiguous-method", message, "review")
            return updated
        library = self.provenance.array_library_in(original)
        if library is not None:
            message = (
                f"{subject}.{entry.name}(...) left as it is: its argument comes from {library}, so {subject} may be "
                f"a {library} array rather than a paddle.Tensor, and porter cannot tell"
            )
            self.ctx.warn(original, "ambiguous-method", message, "review")
            return updated
        return self._apply(entry, original, updated, assumed=subject)

    def _apply(
        self, entry: ApiMapping, original: cst.Call, updated: cst.Call, assumed: str | None = None
    ) -> cst.BaseExpression:
        """Rewrite one Paddle call. ``assumed``: the receiver of a method whose type porter could not
        tell; the rewrite (or why there is none) is then reported as a warning naming it."""
        ctx = self.ctx
        frame = ctx.frames[-1]
        inserted, inserted_before, reported = len(frame.after), len(frame.before), len(ctx.pending)
        point = ctx.checkpoint() if entry.transform else None  # a transform may give up half-way
        site = CallSite(ctx, entry, original, updated)
        try:
            if entry.category is Category.NO_EQUIVALENT:
                raise NotConverted("no-equivalent", f"{entry.paddle}: {entry.doc}")
            result = CALL_TRANSFORMS[entry.transform](site) if entry.transform else calls.rewrite(site)
        except schedulers.Deferred:
            return updated
        except NotConverted as reason:
            del frame.after[inserted:]
            del frame.before[inserted_before:]
            if point is not None:
                ctx.rollback(point)
            ctx.converted.discard(id(original.func))
            if assumed is not None:
                owner = entry.paddle.rsplit(".", 1)[0]
                message = f"if {assumed} is a {owner}: {reason.message} (left as it is)"
                ctx.warn(original, reason.code, message, Safety.REVIEW.value)
            else:
                ctx.todo(original, entry.paddle, reason.code, reason.message)
            return updated
        ctx.consume(
            original.func
        )  # the Paddle name of this call is gone even if a transform built a new call
        ctx.api_counts[entry.paddle] += 1
        if assumed is not None and not result.deep_equals(updated):
            owner = entry.paddle.rsplit(".", 1)[0]
            message = (
                f"{assumed}.{entry.name}(...) rewritten as {entry.paddle}: porter cannot tell that {assumed} "
                f"is a {owner}; if it is not, keep the original line"
            )
            ctx.warn(original, "assumed-tensor", message, Safety.REVIEW.value)
        if entry.note:
            ctx.info(original, "note", f"{entry.paddle}: {entry.note}", entry.safety.value)
        elif entry.safety is not Safety.SAFE and len(ctx.pending) == reported:
            ctx.info(original, "assumed", f"{entry.paddle} -> {entry.torch}: {entry.doc}", entry.safety.value)
        return result


def _fits(entry: ApiMapping, call: cst.Call) -> bool:
    """``call`` can be a call of ``entry``: its arguments bind to the Paddle signature, and no positional
    argument lands on a parameter the rewrite drops (``metric.add(a, b)`` is not Paddle's ``add(y, name)``)."""
    try:
        items = calls.bind(entry, call)
    except NotConverted:
        return False
    return not any(
        item.positional and item.name in entry.drop and not _is_none(item.original.value) for item in items
    )


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _drops(entry: ApiMapping, call: cst.Call) -> bool:
    """The rewrite of ``call`` would remove one of its arguments (a ``name=`` for instance)."""
    return any(item.name in entry.drop for item in calls.bind(entry, call))
