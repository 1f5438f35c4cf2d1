"""Shared vocabulary of the transforms: the call being rewritten and the way to give up on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from porter.convert.context import Context
    from porter.convert.table import ApiMapping


def with_todos(statement, todos: list[str]):
    """``statement`` with one leading comment per new TODO (never a second copy of one it has)."""
    if not todos or not hasattr(statement, "leading_lines"):
        return statement
    existing = {line.comment.value for line in statement.leading_lines if line.comment is not None}
    new = [cst.EmptyLine(comment=cst.Comment(t)) for t in dict.fromkeys(todos) if t not in existing]
    return statement.with_changes(leading_lines=[*statement.leading_lines, *new]) if new else statement


@dataclass
class CallSite:
    """One Paddle call: decisions read ``original``; the rewrite starts from ``updated`` (children converted)."""

    ctx: Context
    entry: ApiMapping
    original: cst.Call
    updated: cst.Call

    @property
    def receiver(self) -> cst.BaseExpression:
        """``obj`` in ``obj.method(...)`` (already converted)."""
        func = self.updated.func
        assert isinstance(func, cst.Attribute)
        return func.value

    def torch_name(self, target: str | None = None) -> cst.BaseExpression:
        """Expression naming a torch object, spelled through the file's own aliases where possible."""
        return self.ctx.torch_name(self.original.func, target or self.entry.torch)


def literal(node: cst.BaseExpression) -> object:
    """The Python value of a literal expression (numbers, strings, bools, None, tuples/lists of them).

    Raises ValueError for anything that is not a plain literal.
    """
    import ast

    code = cst.Module([]).code_for_node(node)
    return ast.literal_eval(code.strip())


def code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def parenthesized(value: cst.BaseExpression) -> cst.BaseExpression:
    """``value`` as an operand (parenthesized unless it binds tighter than any operator)."""
    if isinstance(value, cst.Name | cst.Attribute | cst.Call | cst.Subscript | cst.Integer | cst.Float):
        return value
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
