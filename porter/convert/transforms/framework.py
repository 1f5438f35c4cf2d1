"""Paddle's execution-mode APIs: ``in_dynamic_mode`` and the ``paddle.jit`` decorators.

porter's output runs eagerly, as Paddle's dynamic mode does. ``@paddle.jit.to_static`` (which compiles a
function to a static graph and otherwise computes the same thing) and ``@paddle.jit.not_to_static`` are
therefore removed together with their arguments (``input_spec=[InputSpec(...)]``); torch's counterparts
(``torch.compile``, ``torch.compiler.disable``) are for the user to opt into.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context, NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite

DROP_DECORATOR = "drop_decorator"


def in_dynamic_mode(site: CallSite) -> cst.BaseExpression:
    """Eager unless torch is scripting: ``not torch.jit.is_scripting()``."""
    return cst.UnaryOperation(cst.Not(), cst.Call(site.torch_name("torch.jit.is_scripting")))


def no_custom_device(site: CallSite) -> cst.BaseExpression:
    """A Paddle custom-device plugin (npu, mlu, ...) is not a torch device: the torch port never has one."""
    site.ctx.consume(site.original)
    return cst.Name("False")


def drop_decorator(site: CallSite) -> cst.BaseExpression:
    """Called as a function (``paddle.jit.to_static(model)``) it returns what it wraps."""
    wrapped = calls.value_of(site, site.entry.args[0])
    if wrapped is None:
        raise NotConverted(
            "no-equivalent",
            f"{site.entry.paddle}(...) without the function to wrap: remove it (the code runs eagerly)",
        )
    for item in calls.bind(site.entry, site.original):
        if item.name != site.entry.args[0]:
            site.ctx.consume(item.original.value)
    return wrapped


def dropped(ctx: Context, decorator: cst.Decorator) -> bool:
    """Whether ``decorator`` is one porter removes; if so its Paddle names are marked converted."""
    expression = decorator.decorator
    func = expression.func if isinstance(expression, cst.Call) else expression
    ref = ctx.names.ref(func)
    entry = ctx.table.lookup(ref.path) if ref is not None else None
    if entry is None or entry.transform != DROP_DECORATOR:
        return False
    ctx.consume(expression)
    ctx.api_counts[entry.paddle] += 1
    ctx.info(decorator, "note", f"@{entry.paddle} removed: {entry.doc}", entry.safety.value)
    return True


def without_dropped(
    node: cst.FunctionDef | cst.ClassDef, dropped_ids: set[int], original: cst.FunctionDef | cst.ClassDef
) -> cst.FunctionDef | cst.ClassDef:
    """``node`` without the dropped decorators; comments above one move to what followed it."""
    if not any(id(d) in dropped_ids for d in original.decorators):
        return node
    kept: list[cst.Decorator] = []
    carried: list[cst.EmptyLine] = []
    for before, after in zip(original.decorators, node.decorators, strict=True):
        if id(before) in dropped_ids:
            carried += [line for line in after.leading_lines if line.comment is not None]
            continue
        kept.append(after.with_changes(leading_lines=[*carried, *after.leading_lines]))
        carried = []
    if carried:
        return node.with_changes(
            decorators=kept, lines_after_decorators=[*carried, *node.lines_after_decorators]
        )
    return node.with_changes(decorators=kept)
