"""Layer containers and tree walks: ``Sequential`` of (name, layer) pairs and ``named_sublayers``."""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite
from porter.convert.transforms.expressions import literal_or, source

_NONE = object()


def sequential(site: CallSite) -> cst.BaseExpression:
    """``Sequential(('conv', c), ('bn', b))`` names its layers; torch takes the names from an OrderedDict:
    ``Sequential(collections.OrderedDict([('conv', c), ('bn', b)]))``."""
    args = site.updated.args
    pairs = [_is_named_pair(arg) for arg in site.original.args]
    if not any(pairs):
        return calls.rewrite(site)
    if not all(pairs):
        raise NotConverted("unsupported-arg", "Sequential mixes (name, layer) pairs with plain layers")
    entries = cst.List([cst.Element(arg.value) for arg in args])
    ordered = cst.Call(cst.parse_expression("collections.OrderedDict"), args=[cst.Arg(entries)])
    return cst.Call(site.torch_name(), args=[cst.Arg(ordered)])


def _is_named_pair(arg: cst.Arg) -> bool:
    value = arg.value
    return (
        not arg.star
        and arg.keyword is None
        and isinstance(value, cst.Tuple | cst.List)
        and len(value.elements) == 2
        and isinstance(literal_or(value.elements[0].value, _NONE), str)
    )


def named_sublayers(site: CallSite) -> cst.BaseExpression:
    """Paddle leaves the layer itself out unless ``include_self=True``; torch's ``named_modules()`` yields
    it first (named by the prefix). ``layers_set`` is torch's ``memo``."""
    include = calls.original_value_of(site, "include_self")
    include_self = False if include is None else literal_or(include, _NONE)
    if not isinstance(include_self, bool):
        raise NotConverted(
            "unsupported-value", f"named_sublayers(include_self={source(include)}) must be a literal"
        )
    walk = calls.rewrite(site, skip=frozenset({"include_self"}))
    if include_self:
        return walk
    whole = cst.Call(cst.Name("list"), args=[cst.Arg(walk)])
    return cst.Subscript(whole, [cst.SubscriptElement(cst.Slice(lower=cst.Integer("1"), upper=None))])
