"""Saving/loading and gradient switches."""

from __future__ import annotations

import libcst as cst

from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite


def save_load(site: CallSite) -> cst.BaseExpression:
    """paddle.save/load -> torch.save/load; files written by one framework are not read by the other."""
    message = f"{site.entry.paddle} -> {site.entry.torch}: existing Paddle files need `porter weights` to be read by torch"
    site.ctx.info(site.original, "assumed", message, "review")
    return calls.rewrite(site)


def no_grad(site: CallSite) -> cst.BaseExpression:
    return calls.rewrite(site)
