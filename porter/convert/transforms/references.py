"""Paddle names used without being called: base classes, dtypes, modules, functions passed as values."""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context
from porter.convert.names import TORCH_MODULES
from porter.convert.table import Category, Kind
from porter.convert.transforms.base import code
from porter.convert.transforms.values import DTYPES

_TYPING_SIZES = {f"paddle._typing.Size{n}": f"torch.nn.common_types._size_{n}_t" for n in range(1, 7)}
# Module attributes that are not callables (the table maps callables): value -> value, with the caveat.
_ATTRIBUTES = {
    "paddle.__version__": (
        "torch.__version__",
        "paddle.__version__ -> torch.__version__: a comparison with Paddle version numbers needs review",
    )
}


def patched(
    ctx: Context, original: cst.BaseExpression, updated: cst.BaseExpression, *, assigned: bool
) -> cst.BaseExpression:
    """A Paddle name written to (``paddle.float = "float32"``, ``setattr(paddle.Tensor, "to", to)``): code
    that patches Paddle to look like torch. Spelled ``torch.<...>`` the patch would overwrite torch itself
    (``torch.float32 = "float32"``), so it is left acting on Paddle's stand-in, and said."""
    path = ctx.names.refs[id(original)].path
    what = f"{path} is assigned to" if assigned else f"an attribute of {path} is set or deleted"
    message = (
        f"{what} (a patch of Paddle): left as it is, acting on the Paddle stand-in, so torch is not "
        "patched; the code that relied on the patch now reads torch's own API: review it"
    )
    ctx.warn(original, "paddle-patch", message, "review")
    return updated


def looked_up(
    ctx: Context, original: cst.BaseExpression, name: cst.BaseExpression, converted: cst.BaseExpression
) -> None:
    """``getattr(paddle.nn, name)``: the module is converted, the name is not; torch may lack it or give
    its namesake other arguments and defaults (``Pad1D``; ``F.softmax`` without ``dim``)."""
    path = ctx.names.refs[id(original)].path
    spelled, torch_side = code(name).strip(), code(converted).strip()
    message = (
        f"getattr({path}, {spelled}) is now looked up in {torch_side} at run time: porter cannot check that "
        f"torch has it under that name, nor that its arguments and defaults are Paddle's"
    )
    ctx.warn(original, "dynamic-attribute", message, "review")


def convert(
    ctx: Context, original: cst.BaseExpression, updated: cst.BaseExpression, *, is_base: bool
) -> cst.BaseExpression:
    path = ctx.names.refs[id(original)].path
    dtype = path.removeprefix("paddle.")
    if dtype in DTYPES and "." not in dtype:  # paddle.float32 -> torch.float32
        ctx.api_counts[path] += 1
        return ctx.torch_name(original, f"torch.{DTYPES[dtype]}")
    if path in TORCH_MODULES:
        return ctx.torch_name(original, TORCH_MODULES[path])
    if path == "paddle.Tensor":  # the type itself (annotations, isinstance); its methods are table entries
        ctx.api_counts[path] += 1
        return ctx.torch_name(original, "torch.Tensor")
    if path in _TYPING_SIZES:  # annotation-only aliases of int | tuple of ints, the same in torch
        ctx.api_counts[path] += 1
        return ctx.torch_name(original, _TYPING_SIZES[path])
    if path in _ATTRIBUTES:
        target, caveat = _ATTRIBUTES[path]
        ctx.api_counts[path] += 1
        ctx.info(original, "note", caveat, "review")
        return ctx.torch_name(original, target)
    entry = ctx.table.lookup(path)
    if entry is None:
        ctx.todo(original, path, "unknown-api", f"{path} is not in the mapping table")
    elif entry.category is Category.NO_EQUIVALENT:
        ctx.todo(original, entry.paddle, "no-equivalent", f"{entry.paddle}: {entry.doc}")
    elif entry.kind is Kind.METHOD or (entry.transform and entry.kind is not Kind.CLASS):
        message = f"{entry.paddle} is used without being called; its call needs a rewrite ({entry.doc})"
        ctx.todo(original, entry.paddle, "value-use", message)
    else:
        # Renames, value transforms and differing defaults would change later calls of this value;
        # dropped Paddle-only arguments would fail loudly there instead. Subclassing passes nothing.
        differs = entry.rename or entry.values or entry.defaults or entry.transform
        if differs and not is_base:
            message = (
                f"{entry.paddle} used as a value: its argument differences are not applied to later calls"
            )
            ctx.warn(original, "value-use", message, entry.safety.value)
        ctx.api_counts[entry.paddle] += 1
        return ctx.torch_name(original, entry.torch)
    return updated
