"""Subclasses of Paddle layers: ``super().__init__(...)`` passes Paddle's constructor arguments.

``class Linear(nn.Linear)`` calling ``super().__init__(in_features, out_features, weight_attr, bias_attr,
name)`` would hand torch's ``Linear(in_features, out_features, bias, device, dtype)`` Paddle's arguments
by position: no bias, a device of None, a dtype that is a name - silently wrong. The call is the base
class's constructor, so it is converted with the base's table entry (the ``super().__init__`` spelling
kept) and the layer being built is the method's ``self``.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context, NotConverted
from porter.convert.table import ApiMapping, Category, Kind
from porter.convert.transforms import calls


def paddle_base(ctx: Context, node: cst.ClassDef) -> ApiMapping | None:
    """The table entry of the Paddle layer class ``node`` derives from, if one of its bases is one."""
    for base in node.bases:
        ref = ctx.names.ref(base.value)
        entry = ctx.table.lookup(ref.path) if ref is not None else None
        if entry is not None and entry.kind is Kind.CLASS and entry.category is not Category.NO_EQUIVALENT:
            return entry
    return None


def is_super_init(call: cst.Call) -> bool:
    """``super().__init__(...)`` or ``super(Cls, obj).__init__(...)``."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value == "__init__"
        and isinstance(func.value, cst.Call)
        and isinstance(func.value.func, cst.Name)
        and func.value.func.value == "super"
    )


def layer_being_built(call: cst.Call, self_name: str | None) -> cst.BaseExpression | None:
    """``obj`` of ``super(Cls, obj)``, else the method's first parameter."""
    outer = call.func
    assert isinstance(outer, cst.Attribute) and isinstance(outer.value, cst.Call)
    args = outer.value.args
    if len(args) == 2:
        return args[1].value
    return cst.Name(self_name) if self_name else None


def readable(ctx: Context, entry: ApiMapping, call: cst.Call) -> bool:
    """Whether the arguments bind to the base's parameters; ``super().__init__(*args, **kwargs)`` cannot be
    read, so it is left as it is and reported: the caller's arguments reach torch's constructor unchanged."""
    try:
        calls.bind(entry, call)
    except NotConverted:
        message = (
            f"super().__init__ of a {entry.paddle} subclass passes its arguments to {entry.torch} as they "
            "are: Paddle's and torch's constructors differ in names and positions"
        )
        ctx.warn(call, "assumed-value", message, "review")
        return False
    return True
