"""All import changes, in one place, after the calls were converted.

A Paddle import whose every use was converted is rewritten to its torch counterpart when the output
uses that alias (``import paddle.nn as nn`` -> ``import torch.nn as nn``; ``from paddle.nn import Conv2D``
-> ``from torch.nn import Conv2d``) and removed when it does not. An import with any use left as Paddle
code stays as it was. ``import torch`` is added when converted code spells ``torch.<...>`` and nothing
binds ``torch`` yet.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context, module_local
from porter.convert.names import TORCH_MODULES, Group, dotted_name


def complete(ctx: Context, group: Group) -> bool:
    return all(id(ref) in ctx.converted for ref in group.refs)


def incomplete_aliased_groups(ctx: Context) -> frozenset[int]:
    """Groups whose alias the output uses although some of their uses stay Paddle (needs a second run)."""
    return frozenset(id(g) for g in ctx.names.groups if id(g) in ctx.alias_used and not complete(ctx, g))


def rewrite(module: cst.Module, ctx: Context) -> cst.Module:
    plans: dict[int, list[str]] = {}  # id(ImportAlias) -> replacement import statements (source text)
    binds_torch = False
    for group in ctx.names.groups:
        if not complete(ctx, group):
            continue
        used = id(group) in ctx.alias_used
        for alias in group.aliases:
            plans[id(alias)] = [_import_for(ctx, group)] if used else []
        binds_torch |= used and group.at_module_level and module_local(group) == "torch"
    need_torch = ctx.need_torch and not binds_torch and not _imports_torch(module)
    adds = ["import torch"] if need_torch else []
    if ctx.need_compat and not _imports_torch(module, "porter.compat"):
        adds.append("import porter.compat")  # pure-torch stand-ins for Paddle constructs torch lacks
    if not plans and not adds:
        return module
    rewriter = _ImportRewriter(plans, "\n".join(adds) or None)
    if _all_top_level(module, plans):  # the usual case: no need to walk the whole tree
        return module.with_changes(body=rewriter._block(module.body, top=True))
    return module.visit(rewriter)


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
        if group.aliases[0].asname is None or not parent:  # `from paddle import nn` style, or the root
            return f"from {parent} import {last}" + ("" if last == local else f" as {local}")
        return f"import {target} as {local}"
    entry = ctx.table.lookup(group.paddle)
    assert entry is not None and entry.torch
    module, _, name = entry.torch.rpartition(".")
    local = ctx.object_local(group)
    return f"from {module} import {name}" + ("" if local == name else f" as {local}")


def _imports_torch(module: cst.Module, name: str = "torch") -> bool:
    """Whether a top-level ``import <name>`` (or ``import <name>.<sub>``) already binds ``name``."""
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(
                    a.asname is None and f"{dotted_name(a.name)}.".startswith(f"{name}.") for a in small.names
                ):
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
        return updated.with_changes(body=self._block(updated.body, top=True))

    def leave_IndentedBlock(
        self, original: cst.IndentedBlock, updated: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return updated.with_changes(body=self._block(updated.body, top=False))

    def _block(self, body, *, top: bool) -> list[cst.BaseStatement]:
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
                first, *rest = cst.parse_module(add).body
                out += [first.with_changes(leading_lines=statement.leading_lines), *rest]
                replaced = [r.with_changes(leading_lines=[]) if i == 0 else r for i, r in enumerate(replaced)]
                add = None
            elif not replaced:
                carried = list(statement.leading_lines)
            out.extend(replaced)
        if add is not None:
            at = _after_docstring(out)
            out[at:at] = cst.parse_module(add).body
        return out

    def _statement(self, statement: cst.BaseStatement, seen: set[str]) -> list[cst.BaseStatement] | None:
        """None when the statement holds no planned import; else its replacement statements."""
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        small_statements = statement.body
        if not any(isinstance(s, cst.Import | cst.ImportFrom) and self._planned(s) for s in small_statements):
            if isinstance(small_statements[0], cst.Import | cst.ImportFrom):
                seen.add(cst.Module([]).code_for_node(statement).strip())
            return None
        kept: list[cst.BaseSmallStatement] = []
        extra: list[str] = []
        for small in small_statements:
            if not (isinstance(small, cst.Import | cst.ImportFrom) and self._planned(small)):
                kept.append(small)
                continue
            remaining = [a for a in small.names if id(a) not in self.plans]
            for alias in small.names:
                extra.extend(self.plans.get(id(alias), []))
            if remaining:
                remaining[-1] = remaining[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                kept.append(small.with_changes(names=remaining))
        extra = _merge_from_imports(extra)
        statements: list[cst.BaseStatement] = []
        if kept:
            statements.append(statement.with_changes(body=kept))
        for source in dict.fromkeys(extra):
            if source in seen:
                continue
            seen.add(source)
            new = cst.parse_statement(source)
            if not statements:
                new = new.with_changes(
                    leading_lines=statement.leading_lines, trailing_whitespace=statement.trailing_whitespace
                )
            statements.append(new)
        return statements

    def _planned(self, small: cst.Import | cst.ImportFrom) -> bool:
        return not isinstance(small.names, cst.ImportStar) and any(id(a) in self.plans for a in small.names)


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
