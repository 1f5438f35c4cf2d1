"""Value transforms for switches Paddle and torch spell differently (``values = {arg = "<name>"}``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms.expressions import literal_or, source

if TYPE_CHECKING:
    from porter.convert.context import Context

_NONE = object()
_GELU = {True: "tanh", False: "none", "tanh": "tanh", "none": "none"}
_DIRECTIONS = {"forward": False, "bidirect": True, "bidirectional": True}


def gelu_approximate(value: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    """Paddle's ``approximate`` is a bool (or 'tanh'/'none'); torch's is the string 'tanh'/'none'."""
    given = literal_or(value, _NONE)
    if given is _NONE:
        return cst.parse_expression(f"'tanh' if {source(value)} in (True, 'tanh') else 'none'")
    if not isinstance(given, bool | str) or given not in _GELU:  # a literal list is no switch either
        raise NotConverted("unsupported-value", f"gelu approximate={source(value)} is not a Paddle value")
    return cst.SimpleString(repr(_GELU[given]))


def rnn_direction(value: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    """Paddle's ``direction='bidirect'`` (or 'bidirectional') is torch's ``bidirectional=True``."""
    given = literal_or(value, _NONE)
    if given is _NONE:
        return cst.parse_expression(f"{source(value)} in ('bidirect', 'bidirectional')")
    if not isinstance(given, str) or given not in _DIRECTIONS:
        raise NotConverted("unsupported-value", f"direction={source(value)} is not a Paddle direction")
    return cst.Name(str(_DIRECTIONS[given]))


_PLACES = {"cpu": "cpu", "gpu": "cuda"}


def place(value: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    """A Paddle place or device string (``place=``/``device=``) as a torch device: ``'gpu:1'`` ->
    ``'cuda:1'``, ``t.place`` -> ``t.device`` (a tensor's place is its device)."""
    text = literal_or(value, _NONE)
    if text is None:
        return value
    if isinstance(text, str):
        kind, _, index = text.partition(":")
        if kind not in _PLACES:
            raise NotConverted("unsupported-value", f"device {text!r} has no torch counterpart")
        return cst.SimpleString(repr(_PLACES[kind] + (f":{index}" if index else "")))
    if isinstance(value, cst.Attribute) and value.attr.value == "place":
        return value.with_changes(attr=cst.Name("device"))  # a tensor's place is its device
    if text is not _NONE:
        raise NotConverted("unsupported-value", f"device {source(value)} has no torch counterpart")
    return value
