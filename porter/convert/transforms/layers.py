"""Layers and activations whose arguments need more than the table: dropout's ``axis`` and ``mode``,
hardsigmoid's ``slope`` and ``offset``, ConvNormActivation's children."""

from __future__ import annotations

from collections.abc import Sequence

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


def weight_norm(site: CallSite) -> cst.BaseExpression:
    """``paddle.nn.utils.weight_norm(layer, name, dim)``: torch's, which keeps the ``weight_g``/``weight_v``
    names, when the layer is built right there by a Paddle class whose torch weight has Paddle's layout
    and ``dim`` is absent, None or a literal from -1 up. Otherwise (a layer that may be a Linear, whose
    weight is Paddle's transposed; a negative axis, which Paddle counts from the end and torch's -1 does
    not) the helper, which decides from the layer when it runs."""
    layer = calls.original_value_of(site, "layer")
    dim = calls.original_value_of(site, "dim")
    try:
        given = 0 if dim is None else literal(dim)
    except (ValueError, SyntaxError):
        given = ...
    same_axis = given is None or (isinstance(given, int) and not isinstance(given, bool) and given >= -1)
    if same_axis and layer is not None and _same_layout_layer(site, layer):
        return calls.rewrite(site)
    return calls.rewrite(site, func=site.ctx.helper("weight_norm", site.original))


def _same_layout_layer(site: CallSite, layer: cst.BaseExpression) -> bool:
    """``layer`` is a call of a Paddle layer class converted to a torch layer other than Linear."""
    if not isinstance(layer, cst.Call):
        return False
    ref = site.ctx.names.ref(layer.func)
    entry = site.ctx.table.lookup(ref.path) if ref is not None else None
    return (
        entry is not None
        and entry.kind is Kind.CLASS
        and entry.torch is not None
        and entry.torch.startswith("torch.nn.")
        and entry.torch != "torch.nn.Linear"
    )


def conv_norm_activation(site: CallSite) -> cst.BaseExpression:
    """``paddle.vision.ops.ConvNormActivation``: a plain ``torch.nn.Sequential(conv, norm, act)`` with
    Paddle's children (0, 1, 2) when the arguments that decide them are written out; the helper when they
    are values known only at run time (``norm_layer=norm_layer``)."""
    given = {item.name: item for item in calls.bind(site.entry, site.original, site.updated)}
    norm = _layer_given(site, given.get("norm_layer"), "torch.nn.BatchNorm2d")
    act = _layer_given(site, given.get("activation_layer"), "torch.nn.ReLU")
    out = given.get("out_channels")
    if norm is ... or act is ... or "in_channels" not in given or out is None or not _plain(out.arg.value):
        return calls.rewrite(site)  # the helper decides at run time
    value = {name: item.arg.value for name, item in given.items()}
    kernel, dilation = value.get("kernel_size", cst.Integer("3")), value.get("dilation", cst.Integer("1"))
    padding = value.get("padding")
    if padding is None or _is_none(padding):  # Paddle: (kernel_size - 1) // 2 * dilation
        if not (_plain(kernel) and _plain(dilation)):
            return calls.rewrite(site)
        if isinstance(kernel, cst.Integer) and isinstance(dilation, cst.Integer):
            padding = cst.Integer(str((int(kernel.value) - 1) // 2 * int(dilation.value)))
        else:
            times = "" if "dilation" not in given else f" * {code(dilation).strip()}"
            padding = cst.parse_expression(f"({code(kernel).strip()} - 1) // 2{times}")
    bias = value.get("bias")
    if bias is None or _is_none(bias):
        bias = cst.Name("True" if norm is None else "False")
    conv_args = [cst.Arg(value["in_channels"]), cst.Arg(out.arg.value), cst.Arg(kernel)]
    keywords = {"stride": value.get("stride"), "padding": padding, "dilation": value.get("dilation")}
    keywords |= {"groups": value.get("groups"), "bias": bias}
    conv_args += [cst.Arg(v, keyword=cst.Name(k), equal=calls._NO_SPACE) for k, v in keywords.items() if v]
    children = [cst.Call(site.ctx.torch_ref("torch.nn.Conv2d"), calls._fix_commas(conv_args, []))]
    if norm is not None:
        children.append(cst.Call(norm, [cst.Arg(out.arg.value)]))
    if act is not None:
        children.append(cst.Call(act, []))
    return site.updated.with_changes(
        func=site.ctx.torch_ref("torch.nn.Sequential"), args=_laid_out_like(children, site.updated.args)
    )


def _layer_given(site: CallSite, item: calls.Bound | None, default: str):
    """The layer class an argument names: the default's torch class, None, a converted Paddle class;
    ``...`` when it is a value porter cannot see through."""
    if item is None:
        return site.ctx.torch_ref(default)
    if _is_none(item.original.value):
        return None
    ref = site.ctx.names.ref(item.original.value)
    entry = site.ctx.table.lookup(ref.path) if ref is not None else None
    if entry is not None and entry.kind is Kind.CLASS and entry.torch and entry.torch.startswith("torch."):
        return item.arg.value
    return ...


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _plain(node: cst.BaseExpression) -> bool:
    """A name, an attribute chain or a number: safe to write twice."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name | cst.Integer)


def _laid_out_like(children: list[cst.BaseExpression], original: Sequence[cst.Arg]) -> list[cst.Arg]:
    """One argument per child, with the original call's commas (and so its line breaks)."""
    args = []
    for index, child in enumerate(children):
        last = index == len(children) - 1
        source = original[-1] if last and original else original[index] if index < len(original) - 1 else None
        comma = source.comma if source is not None else cst.MaybeSentinel.DEFAULT
        if comma is cst.MaybeSentinel.DEFAULT and not last:
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args.append(cst.Arg(child, comma=comma))
    return args
