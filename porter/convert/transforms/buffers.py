"""A tensor assigned to an attribute of a Paddle layer is a buffer in Paddle, a plain attribute in torch.

Paddle's ``Layer.__setattr__`` files ``self.pe = paddle.zeros(...)`` under the layer's buffers (not
persistable: outside the state dict), so ``layer.to(dtype)``, ``.cuda()`` and friends cast and move it with
the parameters. torch keeps such a tensor as a plain attribute that stays float32 on the CPU. The torch
spelling of Paddle's behaviour is ``self.register_buffer("pe", torch.zeros(...), persistent=False)``.

Rewritten only where that is certain: the receiver is a layer class of this file, the value is a tensor
made right there (a call, arithmetic, an index — not a parameter, not another object's attribute), and the
name is never assigned anything else in the file nor registered explicitly (torch refuses to register a
name that already holds something else, and an explicit registration keeps its own persistence).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from porter.convert.context import Context
from porter.convert.names import NameTable, walk
from porter.convert.transforms.provenance import Family, Provenance

_MADE_HERE = (cst.Call, cst.BinaryOperation, cst.UnaryOperation, cst.Subscript)
_PARAMETER_MAKERS = frozenset(
    {"create_parameter", "add_parameter", "Parameter", "EagerParamBase", "ParamBase"}
)


def unsafe_names(module: cst.Module, provenance: Provenance, table: NameTable) -> frozenset[str]:
    """Attribute names this file registers explicitly or assigns something other than a made tensor."""
    names: set[str] = set()
    for node in walk(module):
        if isinstance(node, cst.Call) and _called_name(node) == "register_buffer" and node.args:
            first = node.args[0].value
            if isinstance(first, cst.SimpleString):
                names.add(first.evaluated_value)
        elif isinstance(node, cst.Assign | cst.AnnAssign | cst.AugAssign):
            targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
            for target in targets:
                if isinstance(target, cst.Attribute) and not _made_tensor(node, provenance, table):
                    names.add(target.attr.value)
                elif isinstance(target, cst.Tuple | cst.List):  # a, self.b = ...: not followed
                    names.update(
                        e.value.attr.value for e in target.elements if isinstance(e.value, cst.Attribute)
                    )
    return frozenset(names)


def tensor_attribute(
    ctx: Context,
    provenance: Provenance,
    original: cst.Assign,
    updated: cst.Assign,
    unsafe: Callable[[], frozenset[str]],
) -> cst.BaseSmallStatement:
    """``unsafe``: ``unsafe_names`` of the file, asked for only when a layer attribute is assigned (a file
    without one is not walked again)."""
    if len(original.targets) != 1 or len(updated.targets) != 1:
        return updated
    target, new_target = original.targets[0].target, updated.targets[0].target
    if not isinstance(target, cst.Attribute) or not isinstance(new_target, cst.Attribute):
        return updated
    owner = provenance.of(target.value)
    name = target.attr.value
    if owner is None or owner.family is not Family.LAYER or owner.local is None or name in unsafe():
        return updated
    if not _made_tensor(original, provenance, ctx.names):
        return updated
    ctx.info(
        original,
        "buffer",
        f"{name}: a tensor assigned to a Paddle layer is a buffer there (cast and moved with the layer): "
        "registered as a non-persistent buffer",
        "safe",
    )
    register = cst.Attribute(new_target.value, cst.Name("register_buffer"))
    args = [
        cst.Arg(cst.SimpleString(f'"{name}"')),
        cst.Arg(updated.value),
        cst.Arg(cst.Name("False"), keyword=cst.Name("persistent"), equal=_EQUAL),
    ]
    return cst.Expr(cst.Call(register, args))


_EQUAL = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


def _made_tensor(
    node: cst.Assign | cst.AnnAssign | cst.AugAssign, provenance: Provenance, names: NameTable
) -> bool:
    """The assigned value is a new tensor: arithmetic, an index, a Paddle function's result or a tensor
    method's (a function of the user's might hand back a parameter)."""
    value = node.value if not isinstance(node, cst.AugAssign) else None
    if not isinstance(value, _MADE_HERE):
        return False
    known = provenance.of(value)
    if known is None or known.family is not Family.TENSOR:
        return False
    if not isinstance(value, cst.Call):
        return True
    if _called_name(value) in _PARAMETER_MAKERS:
        return False
    if names.ref(value.func) is not None:
        return True
    receiver = provenance.of(value.func.value) if isinstance(value.func, cst.Attribute) else None
    return receiver is not None and receiver.family is Family.TENSOR


def _called_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else None
