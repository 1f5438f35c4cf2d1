"""Tensor operations whose Paddle and torch forms differ in shape, not just in names.

Method calls (``x.transpose(...)``) carry no type information: each rule decides from the call's shape
and says what it assumed (an info diagnostic with the rule's safety level).
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, literal
from porter.convert.transforms.values import dtype as to_dtype

_KW = calls._NO_SPACE


def matmul(site: CallSite) -> cst.BaseExpression:
    """``transpose_x=True`` -> the operand's last two dims swapped (``.mT``) before torch.matmul."""
    replace: dict[str, cst.BaseExpression] = {}
    for flag, operand in (("transpose_x", "x"), ("transpose_y", "y")):
        given = calls.original_value_of(site, flag)
        if given is None or _literal(given) is False:
            continue
        if _literal(given) is not True:
            raise NotConverted(
                "unsupported-value", f"matmul {flag}={code(given)} must be a literal True/False"
            )
        value = calls.value_of(site, operand)
        assert value is not None
        replace[operand] = cst.Attribute(_atom(value), cst.Name("mT"))
        site.ctx.info(
            site.original, "assumed", f"matmul {flag}=True assumes {operand} has at least 2 dims", "review"
        )
    return calls.rewrite(site, skip=frozenset({"transpose_x", "transpose_y"}), replace=replace)


def split(site: CallSite) -> cst.BaseExpression:
    """Paddle: a number of equal sections, or a list of sizes (one may be -1); torch.split takes a
    section *size*. A count becomes torch.chunk (Paddle requires divisibility, where chunk is exact)."""
    sections = calls.original_value_of(site, "num_or_sections")
    value = _literal(sections) if sections is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        return calls.rewrite(site, target="torch.chunk").with_changes(args=_chunk_args(site))
    if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value) and -1 not in value:
        return calls.rewrite(site)
    if isinstance(sections, cst.List | cst.Tuple) and all(_literal(e.value) != -1 for e in sections.elements):
        # Computed sizes: if one is -1 at runtime, torch.split raises (the sizes must add up) - never silent.
        message = "num_or_sections: computed sizes are assumed not to be -1 (torch.split raises if one is)"
        site.ctx.info(sections, "assumed", message, "review")
        return calls.rewrite(site)
    raise NotConverted("split", "num_or_sections must be a literal count or list of sizes without -1")


def _chunk_args(site: CallSite) -> list[cst.Arg]:
    """torch.chunk(input, chunks, dim): all positional, in that order."""
    values = [calls.value_of(site, name) for name in ("x", "num_or_sections", "axis")]
    return calls._fix_commas([cst.Arg(v) for v in values if v is not None], [])


def to_tensor(site: CallSite) -> cst.BaseExpression:
    """``stop_gradient`` (default True) is the inverse of ``requires_grad`` (default False)."""
    extra: list[cst.Arg] = []
    stop = calls.original_value_of(site, "stop_gradient")
    if stop is not None:
        flag = _literal(stop)
        if flag is False:
            extra.append(cst.Arg(cst.Name("True"), keyword=cst.Name("requires_grad"), equal=_KW))
        elif flag is not True:
            expression = cst.parse_expression(f"not ({code(calls.value_of(site, 'stop_gradient')).strip()})")
            extra.append(cst.Arg(expression, keyword=cst.Name("requires_grad"), equal=_KW))
    return calls.rewrite(site, skip=frozenset({"stop_gradient"}), extra=extra)


def astype(site: CallSite) -> cst.BaseExpression:
    """``x.astype('float32')`` -> ``x.to(torch.float32)`` (assumes ``x`` is a tensor, not a numpy array)."""
    if len(site.updated.args) != 1 or site.updated.args[0].star:
        raise NotConverted("unsupported-arg", "astype takes exactly one dtype")
    value = to_dtype(site.updated.args[0].value, site.ctx)
    _assumed(site, "astype")
    return site.updated.with_changes(
        func=calls.method(site, "to"),
        args=[site.updated.args[0].with_changes(value=value, keyword=None, equal=cst.MaybeSentinel.DEFAULT)],
    )


def tensor_transpose(site: CallSite) -> cst.BaseExpression:
    """Paddle ``x.transpose(perm)`` permutes all dims; torch ``x.transpose(d0, d1)`` swaps two. Only the
    single-argument form is Paddle's, and it becomes ``x.permute(perm)``."""
    args = site.updated.args
    if len(args) != 1 or args[0].star or (args[0].keyword is not None and args[0].keyword.value != "perm"):
        raise NotConverted(
            "tensor-transpose", "x.transpose with more than a perm argument is not Paddle's transpose"
        )
    _assumed(site, "transpose(perm)")
    return site.updated.with_changes(
        func=calls.method(site, "permute"),
        args=[args[0].with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)],
    )


def to_numpy(site: CallSite) -> cst.BaseExpression:
    """Paddle's ``x.numpy()`` copies any tensor; torch's refuses tensors that need grad or live on a
    GPU, so ``x.detach().cpu().numpy()`` (both no-ops when not needed)."""
    if site.updated.args:
        raise NotConverted("unsupported-arg", "x.numpy() takes no arguments in Paddle")
    if _is_method_call(site.receiver, "cpu") and _is_method_call(site.receiver.func.value, "detach"):
        return site.updated  # already x.detach().cpu().numpy()
    _assumed(site, "numpy()")
    detached = cst.Call(cst.Attribute(site.receiver, cst.Name("detach")))
    on_cpu = cst.Call(cst.Attribute(detached, cst.Name("cpu")))
    return site.updated.with_changes(func=cst.Attribute(on_cpu, cst.Name("numpy")))


def flatten_method(site: CallSite) -> cst.BaseExpression:
    _assumed(site, "flatten")
    return calls.rewrite(site)


def _assumed(site: CallSite, rule: str) -> None:
    receiver = code(site.receiver).strip()
    site.ctx.info(
        site.original, "assumed-tensor", f"{receiver}.{rule}: assumed {receiver} is a paddle.Tensor", "review"
    )


def _literal(node: cst.BaseExpression, default: object = None) -> object:
    try:
        return literal(node)
    except (ValueError, SyntaxError):
        return default


def _is_method_call(node: cst.BaseExpression, name: str) -> bool:
    return (
        isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == name
    )


def _atom(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
