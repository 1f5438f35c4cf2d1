"""``functools.partial(<Paddle class or function>, ...)``: the bound arguments are Paddle arguments.

``partial(nn.BatchNorm2D, epsilon=0.001, momentum=0.99)`` must become
``partial(torch.nn.BatchNorm2d, eps=0.001, momentum=0.01)``: the arguments are translated exactly as in a
call of the class (renames, value transforms, accepted values), then wrapped back into the partial.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.names import dotted_name


def local_names(module: cst.Module) -> frozenset[str]:
    """The spellings that mean functools.partial in this file (``partial``, ``functools.partial``, aliases)."""
    names: set[str] = set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                if dotted_name(small.module) == "functools" and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        if dotted_name(alias.name) == "partial":
                            names.add(alias.asname.name.value if alias.asname else "partial")
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    if dotted_name(alias.name) == "functools":
                        names.add(f"{alias.asname.name.value if alias.asname else 'functools'}.partial")
    return frozenset(names)


def wrapped(node: cst.Call, spellings: frozenset[str]) -> cst.BaseExpression | None:
    """The callable ``X`` of ``partial(X, ...)``, when ``node`` is such a call."""
    if not spellings or dotted_name(node.func) not in spellings or not node.args:
        return None
    first = node.args[0]
    return first.value if first.keyword is None and not first.star else None


def as_call(node: cst.Call) -> cst.Call:
    """``partial(X, a, k=v)`` seen as the call ``X(a, k=v)`` (same argument nodes)."""
    return cst.Call(func=node.args[0].value, args=node.args[1:])


def rewrap(node: cst.Call, converted: cst.Call) -> cst.Call:
    """Back into ``partial(converted_X, converted args...)``."""
    rest = list(converted.args)
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if rest else cst.MaybeSentinel.DEFAULT
    first = node.args[0].with_changes(value=converted.func, comma=comma)
    return node.with_changes(args=[first, *rest])
