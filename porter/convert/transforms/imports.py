"""All import changes, in one place, after the calls were converted, read from the output tree.

What the output needs is read from the converted tree itself, never from flags a transform set (a
transform that gives up half-way must leave nothing behind):

- A Paddle import whose every use was converted becomes its torch counterpart when the output uses its
  name (``import paddle.nn as nn`` -> ``import torch.nn as nn``; ``from paddle.nn import Conv2D`` ->
  ``from torch.nn import Conv2d``) and is removed when it does not.
- A Paddle import with a use left unconverted (a TODO), or whose name other code in its scope also binds,
  becomes a stand-in, ``nn = porter_helpers.Unconverted("paddle.nn")``: the module imports without
  paddle, and only a statement that uses the name fails, with an error naming the API.
- ``import torch`` / ``import functools`` are added when the output names them and nothing binds them;
  the helper module's import when the output uses a helper (porter/convert/helpers), each of which is
  reported once per file.
"""

from __future__ import annotations

import ast
import builtins
import types

import libcst as cst

from porter.convert import helpers
from porter.convert.context import TODO_PREFIX, Context, module_local
from porter.convert.names import TORCH_MODULES, Group, dotted_name
from porter.convert.report import Severity
from porter.convert.transforms.module_map import MappedImports, ModuleMap

# Modules converted code may name in full (``torch.nn.init.zeros_(...)``, ``functools.partial(...)``,
# ``collections.OrderedDict(...)``).
_SPELLED_IN_FULL = ("collections", "functools", "torch")


def complete(ctx: Context, group: Group) -> bool:
    return all(id(ref) in ctx.converted for ref in group.refs)


def partly_converted_groups(ctx: Context) -> frozenset[int]:
    """Groups with a use left Paddle and another converted, maybe through their alias: the alias will be
    a stand-in, so the engine runs again spelling those converted uses ``torch.<...>``."""
    return frozenset(
        id(group)
        for group in ctx.names.groups
        if not complete(ctx, group) and any(id(ref) in ctx.converted for ref in group.refs)
    )


def rewrite(
    module: cst.Module, ctx: Context, helper_import: str, modules: ModuleMap | None = None
) -> tuple[cst.Module, tuple[str, ...]]:
    """The module with its imports changed, and the helpers it uses (in declaration order).
    ``modules``: the user's packages that have a torch port (``--map-module``)."""
    if modules:
        module = _rename_mapped(module, ctx, modules)
    tree = ast.parse(module.code)
    names, used_helpers = _loaded(tree)
    plans: dict[int, list[str]] = {}  # id(ImportAlias or star ImportFrom) -> replacements (source text)
    bound: set[str] = set()  # names the rewritten module-level imports bind
    for group in ctx.names.groups:
        if not complete(ctx, group):
            continue
        local = _new_local(ctx, group)
        used = local is not None and local in names
        for alias in group.aliases:
            plans[id(alias)] = [_import_for(ctx, group)] if used else []
        if used and group.at_module_level:
            bound.add(local)
    stand_ins: list[cst.CSTNode] = []  # where the Paddle names left unconverted are bound to stand-ins
    for group in [g for g in ctx.names.groups if not complete(ctx, g)] + ctx.names.shadowed:
        for alias in group.aliases:
            plans[id(alias)] = [_stand_in(group.local, group.paddle)]
            stand_ins.append(alias)
    star = _star_import_names(
        ctx, tree, names - bound - {local for group in ctx.names.groups if (local := _new_local(ctx, group))}
    )
    if star is not None:
        node, module_path, free = star
        plans[id(node)] = [_stand_in(name, f"{module_path}.{name}") for name in free]
        stand_ins += [node] if free else []
    if stand_ins:
        used_helpers.add("Unconverted")
    used_helpers = {name for name in used_helpers if name in helpers.HELPERS}
    adds = [f"import {root}" for root in _SPELLED_IN_FULL if root in names and root not in bound]
    adds = [line for line in adds if not _binds(module, line.split()[1])]
    if used_helpers and not _binds(module, helpers.MODULE):
        adds.append(helper_import)
    _report_helpers(ctx, used_helpers, stand_ins)
    ordered = tuple(name for name in helpers.HELPERS if name in used_helpers)
    if not plans and not adds:
        return module, ordered
    rewriter = _ImportRewriter(plans, "\n".join(adds) or None)
    if _all_top_level(module, plans):  # the usual case: no need to walk the whole tree
        return rewriter.leave_Module(module, module), ordered
    return module.visit(rewriter), ordered


def _stand_in(local: str, path: str) -> str:
    return f'{local} = {helpers.target("Unconverted")}("{path}")'


_MODULE_NAMES = frozenset({*vars(types.ModuleType("m")), "__file__", "__builtins__", "__path__"})


def _star_import_names(
    ctx: Context, tree: ast.Module, read: set[str]
) -> tuple[cst.ImportFrom, str, list[str]] | None:
    """``from paddle.x import *`` when it is the file's only star import: every name the code reads that
    nothing in the file binds comes from it (None when that cannot be told)."""
    stars = [
        n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
    ]
    if len(stars) != 1 or len(ctx.names.star_imports) != 1 or ctx.names.star_imports[0].relative:
        return None
    node = ctx.names.star_imports[0]
    free = read - _bound(tree) - set(_SPELLED_IN_FULL) - {helpers.MODULE} - set(dir(builtins)) - _MODULE_NAMES
    return node, dotted_name(node.module), sorted(free)


def _bound(tree: ast.Module) -> set[str]:
    """Every name the code binds anywhere (assignments, definitions, parameters, imports, handlers)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            bound.add(node.rest)
    return bound


def _rename_mapped(module: cst.Module, ctx: Context, modules: ModuleMap) -> cst.Module:
    renamer = MappedImports(modules)
    module = module.visit(renamer)
    for item in renamer.found:
        severity = Severity.INFO if item.new is not None else Severity.ERROR
        ctx.report(item.node, severity, "mapped-module", item.message)
    return module


def _loaded(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Names the code reads, and the attributes it reads of ``porter_helpers``."""
    names: set[str] = set()
    used_helpers: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == helpers.MODULE
        ):
            used_helpers.add(node.attr)
    return names, used_helpers


def _report_helpers(ctx: Context, used: set[str], stand_ins: list[cst.CSTNode]) -> None:
    """One warning per helper the file uses, where it was first asked for."""
    first: dict[str, cst.CSTNode] = {}
    for name, node in ctx.helper_uses:
        first.setdefault(name, node)
    if stand_ins:
        first["Unconverted"] = stand_ins[0]
    for name in helpers.HELPERS:
        if name in used and name in first:
            message = (
                f"uses {helpers.target(name)}, written into {helpers.FILENAME} beside the converted code: "
                f"{helpers.HELPERS[name].why}"
            )
            ctx.warn(first[name], "helper", message)


def _new_local(ctx: Context, group: Group) -> str | None:
    """The name a fully converted import binds in the output; None when no use can go through it."""
    if group.is_module:
        return module_local(group) if group.paddle in TORCH_MODULES else None
    entry = ctx.table.lookup(group.paddle)
    if entry is None or entry.torch is None or entry.torch in helpers.TARGETS:
        return None
    return ctx.object_local(group)


def _all_top_level(module: cst.Module, plans: dict[int, list[str]]) -> bool:
    found = {
        id(alias)
        for statement in module.body
        if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body
        if isinstance(small, cst.Import | cst.ImportFrom) and not isinstance(small.names, cst.ImportStar)
        for alias in small.names
    }
    return set(plans) <= found


def _import_for(ctx: Context, group: Group) -> str:
    if group.is_module:
        local = module_local(group)
        if local == "torch":
            return "import torch"
        target = TORCH_MODULES[group.paddle]
        parent, _, last = target.rpartition(".")
        if not parent:  # the root module under another name: `import paddle as P`
            return f"import {target} as {local}"
        if group.aliases[0].asname is None:  # `from paddle import nn` style
            return f"from {parent} import {last}" + ("" if last == local else f" as {local}")
        return f"import {target} as {local}"
    entry = ctx.table.lookup(group.paddle)
    assert entry is not None and entry.torch
    module, _, name = entry.torch.rpartition(".")
    local = ctx.object_local(group)
    return f"from {module} import {name}" + ("" if local == name else f" as {local}")


def _binds(module: cst.Module, name: str) -> bool:
    """Whether a module-level import already binds ``name`` (``import torch``, ``import torch.nn``,
    ``from . import porter_helpers``)."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    local = alias.asname.name.value if alias.asname else dotted_name(alias.name).split(".")[0]
                    if local == name:
                        return True
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    local = alias.asname.name.value if alias.asname else dotted_name(alias.name)
                    if local == name:
                        return True
    return False


class _ImportRewriter(cst.CSTTransformer):
    def __init__(self, plans: dict[int, list[str]], add: str | None) -> None:
        super().__init__()
        self.plans = plans
        self.add = add

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> bool:
        return False

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        body, carried = self._block(updated.body, top=True)
        return updated.with_changes(body=body, footer=[*carried, *updated.footer])

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, carried = self._block(updated.body, top=False)
        return updated.with_changes(body=body, footer=[*carried, *updated.footer])

    def _block(self, body, *, top: bool) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """The block's statements, and the comments of a removed last import (they go to its footer)."""
        out: list[cst.BaseStatement] = []
        seen: set[str] = set()
        carried: list[cst.EmptyLine] = []  # comments above a removed import move to the next statement
        add = self.add if top else None
        for statement in body:
            if carried:
                statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
                carried = []
            replaced = self._statement(statement, seen)
            if replaced is None:
                out.append(statement)
                continue
            if add is not None:  # `import torch` goes first in the block of converted imports
                # the comments above stay above the block, a TODO comment stays on its statement
                todos = [line for line in statement.leading_lines if _is_todo(line)]
                header = [line for line in statement.leading_lines if not _is_todo(line)]
                first, *rest = cst.parse_module(add).body
                out += [first.with_changes(leading_lines=header), *rest]
                replaced = [
                    r.with_changes(leading_lines=todos) if i == 0 else r for i, r in enumerate(replaced)
                ]
                add = None
            elif not replaced:
                carried = list(statement.leading_lines)
            out.extend(replaced)
        if add is not None:
            at = _after_docstring(out)
            out[at:at] = cst.parse_module(add).body
        return out, carried

    def _statement(self, statement: cst.BaseStatement, seen: set[str]) -> list[cst.BaseStatement] | None:
        """None when the statement holds no planned import; else its replacement statements."""
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        small_statements = statement.body
        if not any(isinstance(s, cst.Import | cst.ImportFrom) and self._planned(s) for s in small_statements):
            if isinstance(small_statements[0], cst.Import | cst.ImportFrom):
                seen.add(cst.Module([]).code_for_node(statement).strip())
            return None
        # In source order: runs of small statements kept as they are, and the replacements of the
        # planned imports between them (`import paddle; q = paddle.f()`: the stand-in comes first).
        segments: list[list[cst.BaseSmallStatement] | list[str]] = []
        for small in small_statements:
            if not (isinstance(small, cst.Import | cst.ImportFrom) and self._planned(small)):
                if not segments or not isinstance(segments[-1], _Kept):
                    segments.append(_Kept())
                segments[-1].append(small)
                continue
            extra: list[str] = []
            if isinstance(small.names, cst.ImportStar):
                extra.extend(self.plans[id(small)])
            else:
                remaining = [a for a in small.names if id(a) not in self.plans]
                for alias in small.names:
                    extra.extend(self.plans.get(id(alias), []))
                if remaining:
                    remaining[-1] = remaining[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    segments.append(_Kept([small.with_changes(names=remaining)]))
            segments.append(_merge_from_imports(extra))
        statements: list[cst.BaseStatement] = []
        for segment in segments:
            if isinstance(segment, _Kept):
                last = segment[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                statements.append(cst.SimpleStatementLine(body=[*segment[:-1], last]))
                continue
            for source in dict.fromkeys(segment):
                if source not in seen:
                    seen.add(source)
                    statements.append(cst.parse_statement(source))
        if statements:
            statements[0] = statements[0].with_changes(leading_lines=statement.leading_lines)
            statements[-1] = statements[-1].with_changes(trailing_whitespace=statement.trailing_whitespace)
        return statements

    def _planned(self, small: cst.Import | cst.ImportFrom) -> bool:
        if isinstance(small.names, cst.ImportStar):
            return id(small) in self.plans
        return any(id(a) in self.plans for a in small.names)


class _Kept(list):
    """Small statements of one line that stay as they are."""


def _is_todo(line: cst.EmptyLine) -> bool:
    return line.comment is not None and line.comment.value.startswith(TODO_PREFIX)


def _merge_from_imports(sources: list[str]) -> list[str]:
    """``from m import a`` + ``from m import b`` -> ``from m import a, b`` (first position kept)."""
    merged: dict[str, list[str]] = {}
    for source in dict.fromkeys(sources):
        if source.startswith("from "):
            module, _, names = source[5:].partition(" import ")
            merged.setdefault(f"from {module}", []).append(names)
        else:
            merged.setdefault(source, [])
    return [f"{key} import {', '.join(names)}" if names else key for key, names in merged.items()]


def _after_docstring(body: list[cst.BaseStatement]) -> int:
    index = 0
    for index, statement in enumerate(body):  # noqa: B007
        if not isinstance(statement, cst.SimpleStatementLine):
            return index
        small = statement.body[0]
        is_doc = isinstance(small, cst.Expr) and isinstance(
            small.value, cst.SimpleString | cst.ConcatenatedString
        )
        is_future = (
            isinstance(small, cst.ImportFrom) and dotted_name(small.module or cst.Name("x")) == "__future__"
        )
        if not (is_doc or is_future):
            return index
    return len(body)
