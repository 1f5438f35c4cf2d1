"""Shape manipulation whose Paddle conventions torch spells differently.

- ``paddle.shape(x)`` is a 1-D int64 tensor: ``torch.tensor(x.shape)`` (its items are 0-D tensors, which
  torch accepts wherever a size is expected, as Paddle does).
- ``reshape``: a 0 in Paddle's shape keeps that input dimension: ``x.shape[i]`` in torch.
- ``unsqueeze`` with a list of axes inserts them one after the other: a chain of ``unsqueeze``.
- ``split`` with an int means a number of equal parts: ``chunk``.
- ``cumsum`` without an axis works on the flattened tensor.
- ``cast`` is a method in torch (``x.to(dtype)``); so is ``expand``.
- ``add_n`` sums a list of tensors; ``scale`` is ``x * scale + bias``.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.table import Kind
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite
from porter.convert.transforms.expressions import (
    atom,
    is_int,
    keyword,
    literal_or,
    method_call,
    reevaluable,
    source,
)
from porter.convert.transforms.values import dtype as to_dtype

_NONE = object()


def _tensor(site: CallSite, name: str = "x") -> cst.BaseExpression:
    """The tensor a function takes first, or the receiver of a method."""
    if site.entry.kind is Kind.METHOD:
        return site.receiver
    value = calls.value_of(site, name)
    if value is None:
        raise NotConverted("unsupported-arg", f"{site.entry.paddle} needs {name}")
    return value


def shape(site: CallSite) -> cst.BaseExpression:
    """``paddle.shape(x)`` -> ``torch.tensor(x.shape)``: the same int64 values as a tensor."""
    x = _tensor(site, "input")
    return cst.Call(
        site.ctx.torch_ref("torch.tensor"), args=[cst.Arg(cst.Attribute(atom(x), cst.Name("shape")))]
    )


def cast(site: CallSite) -> cst.BaseExpression:
    """``paddle.cast(x, dtype)`` -> ``x.to(dtype)``."""
    dtype = calls.value_of(site, "dtype")
    if dtype is None:
        raise NotConverted("unsupported-arg", "paddle.cast needs a dtype")
    return method_call(_tensor(site), "to", to_dtype(dtype, site.ctx))


def expand(site: CallSite) -> cst.BaseExpression:
    """``paddle.expand(x, shape)`` / ``paddle.expand_as(x, y)``: torch has these as methods only."""
    name = site.entry.paddle.rsplit(".", 1)[-1]
    other = calls.value_of(site, "shape" if name == "expand" else "y")
    if other is None:
        raise NotConverted("unsupported-arg", f"{site.entry.paddle} needs its second argument")
    return method_call(_tensor(site), name, other)


def reshape(site: CallSite) -> cst.BaseExpression:
    """A literal 0 in Paddle's shape keeps the input's dimension at that index: ``x.shape[i]``."""
    shape_arg = calls.value_of(site, "shape")
    if not isinstance(shape_arg, cst.List | cst.Tuple):
        return calls.rewrite(site)
    zeros = [i for i, e in enumerate(shape_arg.elements) if _is_zero(e)]
    if not zeros:
        return calls.rewrite(site)
    x = _tensor(site)
    if not reevaluable(x):
        raise NotConverted(
            "unsupported-value",
            f"reshape: the 0 in {source(shape_arg)} copies a dimension of {source(x)}; bind it to a name "
            "first (porter would evaluate it twice)",
        )
    elements = list(shape_arg.elements)
    for index in zeros:
        dim = cst.Subscript(
            cst.Attribute(x, cst.Name("shape")), [cst.SubscriptElement(cst.Index(cst.Integer(str(index))))]
        )
        elements[index] = elements[index].with_changes(value=dim)
    return calls.rewrite(site, replace={"shape": shape_arg.with_changes(elements=elements)})


def unsqueeze(site: CallSite) -> cst.BaseExpression:
    """A list of axes is inserted one after the other (each relative to the rank so far), which is a
    chain of single unsqueezes in torch."""
    axis = calls.original_value_of(site, "axis")
    axes = literal_or(axis, None)
    if not isinstance(axes, list | tuple):
        return calls.rewrite(site)
    if not axes or not all(is_int(a) for a in axes):
        raise NotConverted("unsupported-value", f"unsqueeze axes {source(axis)} must be integers")
    result = _tensor(site)
    for value in axes:
        result = method_call(result, "unsqueeze", cst.parse_expression(str(value)))
    return result


def split(site: CallSite) -> cst.BaseExpression:
    """``x.split(n, axis)``: an int is a number of equal parts in Paddle (``chunk``), a part size in torch.
    A list of sizes is the same in both, except Paddle's -1 (the rest), which torch lacks."""
    sections = calls.original_value_of(site, "num_or_sections")
    value = literal_or(sections, _NONE)
    axis = calls.value_of(site, "axis")
    dim = [keyword("dim", axis)] if axis is not None else []
    x = _tensor(site)
    if is_int(value):
        return method_call(x, "chunk", calls.value_of(site, "num_or_sections")).with_changes(
            args=calls._fix_commas([cst.Arg(calls.value_of(site, "num_or_sections")), *dim], [])
        )
    if isinstance(value, list | tuple) and all(is_int(v) and v >= 0 for v in value):
        return calls.rewrite(site)
    raise NotConverted(
        "split",
        "num_or_sections must be a literal count or a list of sizes without -1 (for a count n write "
        "x.chunk(n, dim); for sizes, x.split(sizes, dim) with the -1 computed)",
    )


def cumsum(site: CallSite) -> cst.BaseExpression:
    """Without an axis Paddle sums along the flattened tensor; torch needs ``dim``."""
    axis = calls.original_value_of(site, "axis")
    if axis is not None and literal_or(axis, _NONE) is not None:
        return calls.rewrite(site)
    flat = method_call(_tensor(site), "flatten")
    args = [cst.Arg(cst.Integer("0"))]
    dtype = calls.value_of(site, "dtype")
    if dtype is not None and literal_or(dtype, _NONE) is not None:
        args.append(keyword("dtype", to_dtype(dtype, site.ctx)))
    return cst.Call(cst.Attribute(flat, cst.Name("cumsum")), args=calls._fix_commas(args, []))


def add_n(site: CallSite) -> cst.BaseExpression:
    """``paddle.add_n([a, b, c])`` -> ``a + b + c``; a list built elsewhere is stacked and summed."""
    inputs = calls.value_of(site, "inputs")
    if inputs is None:
        raise NotConverted("unsupported-arg", "paddle.add_n needs its inputs")
    if (
        isinstance(inputs, cst.List | cst.Tuple)
        and inputs.elements
        and not any(_starred(e) for e in inputs.elements)
    ):
        total = atom(inputs.elements[0].value)
        for element in inputs.elements[1:]:
            total = cst.BinaryOperation(total, cst.Add(), atom(element.value))
        return total
    site.ctx.info(
        site.original,
        "assumed",
        "paddle.add_n(list) -> torch.stack(list).sum(0): integer tensors come out int64 in torch",
        "review",
    )
    stacked = cst.Call(site.ctx.torch_ref("torch.stack"), args=[cst.Arg(inputs)])
    return method_call(stacked, "sum", cst.Integer("0"))


def scale(site: CallSite) -> cst.BaseExpression:
    """``x.scale(s, b)`` -> ``x * s + b``; ``bias_after_scale=False`` -> ``(x + b) * s``."""
    act = calls.original_value_of(site, "act")
    if act is not None and literal_or(act, _NONE) is not None:
        raise NotConverted("unsupported-value", f"scale(act={source(act)}) is not translated: apply it after")
    after = calls.original_value_of(site, "bias_after_scale")
    bias_after = literal_or(after, True) if after is not None else True
    if not isinstance(bias_after, bool):
        raise NotConverted("unsupported-value", "scale: bias_after_scale must be a literal True/False")
    factor = calls.value_of(site, "scale")
    bias = calls.value_of(site, "bias")
    if literal_or(factor, _NONE) == 1:
        factor = None
    if literal_or(bias, _NONE) == 0:
        bias = None
    result = atom(_tensor(site))
    steps = [(cst.Multiply(), factor), (cst.Add(), bias)]
    for operator, operand in steps if bias_after else reversed(steps):
        if operand is not None:
            if isinstance(operator, cst.Multiply) and isinstance(result, cst.BinaryOperation):
                result = atom(result)  # (x + b) * s
            result = cst.BinaryOperation(result, operator, atom(operand))
    site.ctx.info(
        site.original,
        "assumed",
        f"{site.entry.paddle}: assumes a floating tensor (Paddle keeps an integer tensor's dtype)",
        "review",
    )
    return result


def _starred(element: cst.BaseElement) -> bool:
    return isinstance(element, cst.StarredElement)


def _is_zero(element: cst.BaseElement) -> bool:
    value = literal_or(element.value, None) if not _starred(element) else None
    return is_int(value) and value == 0
