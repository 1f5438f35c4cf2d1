"""Layers whose arguments need more than the table: dropout's ``axis`` and ``mode``."""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.table import Kind
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, literal


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
    return cst.Call(
        site.ctx.torch_ref("porter.compat.DownscaleInInferDropout"), [cst.Arg(p)] if p is not None else []
    )
