"""Small expression utilities the shape and creation transforms share."""

from __future__ import annotations

import libcst as cst

from porter.convert.transforms.base import code, literal

_NOT_LITERAL = object()


def literal_or(node: cst.BaseExpression | None, default: object = _NOT_LITERAL) -> object:
    """The Python value of a literal ``node``; ``default`` (a sentinel unless given) otherwise."""
    if node is None:
        return default
    try:
        return literal(node)
    except (ValueError, SyntaxError):
        return default


def is_literal(node: cst.BaseExpression | None) -> bool:
    return literal_or(node) is not _NOT_LITERAL


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def atom(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` safe to put before ``.attr`` or after a binary operator: parenthesized unless it already
    binds tighter than any operator."""
    tight = (
        cst.Name | cst.Attribute | cst.Call | cst.Subscript | cst.List | cst.Tuple | cst.Integer | cst.Float
    )
    if isinstance(node, tight):
        return node
    if node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def reevaluable(node: cst.BaseExpression) -> bool:
    """A name or attribute chain (``x``, ``self.x``): writing it twice reads the same value twice."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def source(node: cst.CSTNode) -> str:
    return code(node).strip()


def method_call(receiver: cst.BaseExpression, name: str, *args: cst.BaseExpression) -> cst.Call:
    """``receiver.name(args...)`` with the receiver parenthesized when needed."""
    return cst.Call(
        cst.Attribute(atom(receiver), cst.Name(name)),
        args=[cst.Arg(a, comma=_comma(i, len(args))) for i, a in enumerate(args)],
    )


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    """``name=value`` spelled the way torch's documentation spells keyword arguments."""
    return cst.Arg(
        value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def _comma(index: int, count: int) -> cst.Comma | cst.MaybeSentinel:
    if index == count - 1:
        return cst.MaybeSentinel.DEFAULT
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def converted(site, node: cst.BaseExpression) -> cst.BaseExpression:
    """The converted counterpart in ``site.updated`` of ``node``, a value inside ``site.original``.

    The calls around such a value are deferred (left as they were), so the same child positions lead
    to it in the updated call."""
    path = _child_path(site.original, node)
    current: cst.CSTNode = site.updated
    try:
        for index in path or ():
            current = current.children[index]
    except IndexError:
        return node
    return current if path is not None and isinstance(current, cst.BaseExpression) else node


def _child_path(root: cst.CSTNode, node: cst.CSTNode) -> list[int] | None:
    stack: list[tuple[cst.CSTNode, list[int]]] = [(root, [])]
    while stack:
        current, path = stack.pop()
        if current is node:
            return path
        stack.extend((child, [*path, index]) for index, child in enumerate(current.children))
    return None
