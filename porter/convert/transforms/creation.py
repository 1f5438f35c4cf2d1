"""Tensor creation whose Paddle and torch forms differ beyond names: ``full``'s dtype inference and
``uniform`` (no torch function).

The plain creators (zeros/ones/empty/rand/randn/randint/normal) are table entries: a shape list, tuple or
int is torch's ``size`` as it is, and both frameworks default to the global default float dtype.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context, NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite
from porter.convert.transforms.expressions import is_int, keyword, literal_or, method_call
from porter.convert.transforms.switches import place
from porter.convert.transforms.values import dtype as to_dtype

_NONE = object()


def uniform(site: CallSite) -> cst.BaseExpression:
    """``paddle.uniform(shape, dtype, min, max, seed)`` -> ``torch.empty(shape, dtype=...).uniform_(min, max)``.

    A non-zero ``seed`` makes Paddle draw the same numbers on every call: a generator seeded with it does
    that in torch (the numbers themselves differ between the frameworks, as for any random op).
    """
    ctx = site.ctx
    out = calls.original_value_of(site, "out")
    if out is not None and literal_or(out, _NONE) is not None:
        raise NotConverted("unsupported-arg", "paddle.uniform(out=...) is not translated")
    empty_args = [cst.Arg(_required(site, "shape"))]
    dtype = calls.value_of(site, "dtype")
    if dtype is not None and literal_or(dtype, _NONE) is not None:
        empty_args.append(keyword("dtype", to_dtype(dtype, ctx)))
    device = calls.original_value_of(site, "device")
    if device is not None and literal_or(device, _NONE) is not None:
        empty_args.append(keyword("device", place(calls.value_of(site, "device"), ctx)))
    low, high = calls.value_of(site, "min"), calls.value_of(site, "max")
    if low is None:
        ctx.warn(
            site.original,
            "assumed-value",
            "paddle.uniform without min: the installed Paddle (3.x) draws from [0, max); Paddle 2.x drew "
            "from [-1, max): add min=-1.0 if the code was written for Paddle 2",
            "review",
        )
    bounds = [low or cst.Integer("0"), high or cst.Float("1.0")]
    seed = calls.value_of(site, "seed")
    generator = _generator(ctx, seed) if seed is not None else None
    empty = cst.Call(ctx.torch_ref("torch.empty"), args=_commas(empty_args))
    sampled = method_call(empty, "uniform_", *bounds)
    if generator is not None:
        sampled = sampled.with_changes(args=_commas([*sampled.args, keyword("generator", generator)]))
    requires_grad = calls.value_of(site, "requires_grad")
    if requires_grad is not None and literal_or(requires_grad, _NONE) is not False:
        sampled = method_call(sampled, "requires_grad_", requires_grad)
    return sampled


def _generator(ctx: Context, seed: cst.BaseExpression) -> cst.BaseExpression | None:
    value = literal_or(seed, _NONE)
    if value == 0 and is_int(value):
        return None  # Paddle's 0: the global generator
    generator = cst.Call(
        cst.Attribute(cst.Call(ctx.torch_ref("torch.Generator")), cst.Name("manual_seed")),
        args=[cst.Arg(seed)],
    )
    if value is _NONE:  # 0 at run time still means the global generator
        return cst.IfExp(test=seed, body=generator, orelse=cst.Name("None"))
    return generator


def _required(site: CallSite, name: str) -> cst.BaseExpression:
    value = calls.value_of(site, name)
    if value is None:
        raise NotConverted("unsupported-arg", f"{site.entry.paddle} needs {name}")
    return value


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    return calls._fix_commas([a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args], [])
