"""Tensor attributes whose value differs: Paddle's ``x.shape`` is a list, torch's a ``torch.Size`` tuple.

Indexing, unpacking, ``len`` and passing it on behave the same, so ``x.shape`` is left alone there.
Compared with a list (``x.shape == [2, 3]`` would be False for a tuple) or concatenated with one
(``x.shape + [1]`` would raise), it becomes ``list(x.shape)``.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context
from porter.convert.transforms.base import code


def comparison(ctx: Context, original: cst.Comparison, updated: cst.Comparison) -> cst.Comparison:
    operands = [original.left, *(target.comparator for target in original.comparisons)]
    equality = [isinstance(t.operator, cst.Equal | cst.NotEqual) for t in original.comparisons]
    if not any(equality) or not any(isinstance(o, cst.List) for o in operands):
        return updated
    left = _listed(ctx, original.left, updated.left)
    targets = [
        t.with_changes(comparator=_listed(ctx, o.comparator, t.comparator))
        for o, t in zip(original.comparisons, updated.comparisons, strict=True)
    ]
    return updated.with_changes(left=left, comparisons=targets)


def binary(ctx: Context, original: cst.BinaryOperation, updated: cst.BinaryOperation) -> cst.BinaryOperation:
    if not isinstance(original.operator, cst.Add):
        return updated
    if not (isinstance(original.left, cst.List) or isinstance(original.right, cst.List)):
        return updated
    return updated.with_changes(
        left=_listed(ctx, original.left, updated.left), right=_listed(ctx, original.right, updated.right)
    )


def _listed(ctx: Context, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
    if not (isinstance(original, cst.Attribute) and original.attr.value == "shape" and not original.lpar):
        return updated
    if ctx.names.ref(original) is not None:
        return updated
    receiver = code(original.value).strip()
    ctx.info(
        original,
        "assumed-tensor",
        f"{receiver}.shape used as a list: assumed {receiver} is a paddle.Tensor",
        "review",
    )
    return cst.Call(cst.Name("list"), args=[cst.Arg(updated)])
