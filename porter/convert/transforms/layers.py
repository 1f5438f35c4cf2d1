"""Layers whose arguments need more than the table: dropout's ``axis``."""

from __future__ import annotations

import libcst as cst

from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, NotConverted, code, literal


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
    return calls.rewrite(site)
