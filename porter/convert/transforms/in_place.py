"""Paddle's in-place variants torch only has out of place (``reshape_``).

``x.reshape_(s)`` changes ``x`` itself and returns it; torch's ``reshape`` returns a new tensor. The two
agree when nothing else holds the old ``x``: a temporary (``f(x).reshape_(s)``) or a name the statement binds
again (``x = paddle.reshape_(x, s)``). Anywhere else the rewrite holds only for the value it returns (other
references to ``x`` keep their shape in torch): said as a warning. A call whose result is thrown away
(``x.reshape_(s)`` alone) would do nothing in torch, so it is not rewritten.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.table import Kind
from porter.convert.transforms import calls, shapes
from porter.convert.transforms.base import CallSite, code


def reshape(site: CallSite) -> cst.BaseExpression:
    subject = _subject(site)
    text = code(subject).strip()
    statement = site.ctx.frames[-1].node
    line = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
    if isinstance(line, cst.Expr) and line.value is site.original:
        raise NotConverted(
            "in-place",
            f"{site.entry.paddle} reshapes {text} in place and its result is not used; torch has no in-place "
            f"reshape: write {text} = {text}.reshape(...)",
        )
    result = shapes.reshape(site)
    rebound = (
        isinstance(line, cst.Assign | cst.AnnAssign | cst.AugAssign)
        and isinstance(subject, cst.Name)
        and subject.value in _bound_names(line)
    )
    if not rebound and isinstance(subject, cst.Name | cst.Attribute | cst.Subscript):
        message = (
            f"{site.entry.paddle} reshapes {text} itself; torch's reshape returns a new tensor: other "
            f"references to {text} keep their old shape"
        )
        site.ctx.warn(site.original, "in-place", message, "review")
    return result


def _subject(site: CallSite) -> cst.BaseExpression:
    """The tensor reshaped, as the Paddle code spells it."""
    if site.entry.kind is Kind.METHOD:
        assert isinstance(site.original.func, cst.Attribute)
        return site.original.func.value
    subject = calls.original_value_of(site, "x")
    if subject is None:
        raise NotConverted("unsupported-arg", f"{site.entry.paddle} without the tensor to reshape")
    return subject


def _bound_names(line: cst.Assign | cst.AnnAssign | cst.AugAssign) -> set[str]:
    targets = [t.target for t in line.targets] if isinstance(line, cst.Assign) else [line.target]
    return {t.value for t in targets if isinstance(t, cst.Name)}
