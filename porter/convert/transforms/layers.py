"""Layers and activations whose arguments need more than the table: dropout's ``axis`` and ``mode``,
hardsigmoid's ``slope`` and ``offset``."""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.table import Kind
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, literal, parenthesized


def dropout(site: CallSite) -> cst.BaseExpression:
    """Paddle's ``axis`` drops whole slices along the given axes; torch's Dropout has no such argument
    (Dropout1d/2d/3d cover only the channel axis of fixed layouts)."""
    axis = calls.original_value_of(site, "axis")
    if axis is not None:
        try:
            given = literal(axis)
        except (ValueError, SyntaxError):
            given = ...
        if given is not None:
            raise NotConverted("unsupported-value", f"dropout axis={code(axis)} has no torch equivalent")
    mode = calls.original_value_of(site, "mode")
    if site.entry.kind is Kind.CLASS and mode is not None and _literal_or_none(mode) == "downscale_in_infer":
        return _downscale_in_infer(site)
    return calls.rewrite(site)


def _literal_or_none(node: cst.BaseExpression) -> object:
    try:
        return literal(node)
    except (ValueError, SyntaxError):
        return None


def _downscale_in_infer(site: CallSite) -> cst.BaseExpression:
    """Units kept unscaled in training, the output times (1 - p) in eval: no torch layer does that."""
    inplace = calls.original_value_of(site, "inplace")
    if inplace is not None and _literal_or_none(inplace) is not False:
        raise NotConverted(
            "unsupported-value", "Dropout(inplace=...) with mode='downscale_in_infer' is not translated"
        )
    p = calls.value_of(site, "p")
    helper = site.ctx.helper("DownscaleInInferDropout", site.original)
    return cst.Call(helper, [cst.Arg(p)] if p is not None else [])


_HARDSIGMOID_DEFAULTS = {"slope": 0.1666667, "offset": 0.5}


def hardsigmoid(site: CallSite) -> cst.BaseExpression:
    """``F.hardsigmoid(x, slope, offset)``: torch's has Paddle's default slope and offset only; other
    values are Paddle's formula, ``torch.clamp(x * slope + offset, 0.0, 1.0)``."""
    given = {name: calls.value_of(site, name) for name in _HARDSIGMOID_DEFAULTS}
    if all(
        value is None or _literal_or_none(value) == _HARDSIGMOID_DEFAULTS[name]
        for name, value in given.items()
    ):
        return calls.rewrite(site, skip=frozenset(n for n, value in given.items() if value is not None))
    x = calls.value_of(site, "x")
    if x is None:
        raise NotConverted("unsupported-arg", "hardsigmoid without its input x")
    slope = given["slope"] or cst.Float("0.1666667")
    offset = given["offset"] or cst.Float("0.5")
    formula = cst.BinaryOperation(
        cst.BinaryOperation(parenthesized(x), cst.Multiply(), parenthesized(slope)),
        cst.Add(),
        parenthesized(offset),
    )
    clamp = site.ctx.torch_ref("torch.clamp")
    return cst.Call(clamp, [cst.Arg(formula), cst.Arg(cst.Float("0.0")), cst.Arg(cst.Float("1.0"))])
