"""Tensor operations whose Paddle and torch forms differ in shape, not just in names.

Method rules run only when the dispatcher has decided the call is Paddle's (transforms/provenance.py);
each still checks the call's shape.
"""

from __future__ import annotations

import math

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
    """``x.astype('float32')`` -> ``x.to(torch.float32)``."""
    if len(site.updated.args) != 1 or site.updated.args[0].star:
        raise NotConverted("unsupported-arg", "astype takes exactly one dtype")
    value = to_dtype(site.updated.args[0].value, site.ctx)
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
    detached = cst.Call(cst.Attribute(site.receiver, cst.Name("detach")))
    on_cpu = cst.Call(cst.Attribute(detached, cst.Name("cpu")))
    return site.updated.with_changes(func=cst.Attribute(on_cpu, cst.Name("numpy")))


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


def set_value(site: CallSite) -> cst.BaseExpression:
    """``p.set_value(v)`` overwrites the data of a parameter (or any tensor) outside autograd; torch refuses an
    in-place ``copy_`` on a leaf that requires grad unless it goes through ``.data`` (or ``no_grad``).
    Paddle also takes numpy arrays: ``torch.as_tensor`` reads both."""
    value = calls.value_of(site, "value")
    if value is None or len(site.updated.args) != 1:
        raise NotConverted("unsupported-arg", "set_value takes exactly one value")
    data = cst.Attribute(site.receiver, cst.Name("data"))
    as_tensor = cst.Call(site.ctx.torch_ref("torch.as_tensor"), [cst.Arg(value)])
    return cst.Call(cst.Attribute(data, cst.Name("copy_")), [cst.Arg(as_tensor)])


def assign(site: CallSite) -> cst.BaseExpression:
    """``paddle.assign(x)`` copies ``x``; ``paddle.assign(x, output=y)`` copies it into ``y`` and returns ``y``:
    ``y.copy_(torch.as_tensor(x))`` (Paddle also takes numpy arrays and lists)."""
    output = calls.original_value_of(site, "output")
    if output is None or _literal(output, default="set") is None:
        return calls.rewrite(site, skip=frozenset({"output"}))
    source = calls.value_of(site, "x")
    target = calls.value_of(site, "output")
    assert source is not None and target is not None
    message = (
        "paddle.assign(x, output=y) -> y.copy_(x): y keeps its shape and dtype (Paddle gives it x's), "
        "and a parameter needs `with torch.no_grad():` around it"
    )
    site.ctx.warn(site.original, "assign-output", message, "review")
    as_tensor = cst.Call(site.ctx.torch_ref("torch.as_tensor"), [cst.Arg(source)])
    return cst.Call(cst.Attribute(_atom(target), cst.Name("copy_")), [cst.Arg(as_tensor)])


def full(site: CallSite) -> cst.BaseExpression:
    """Paddle fills with its default float dtype when the fill value is a Python int or a numeric string
    (torch infers int64), and with complex128 for a Python complex (torch: complex64); bools and floats
    agree. An int or string literal becomes a float literal; anything computed gets the dtype spelled out."""
    if calls.original_value_of(site, "dtype") is not None:
        return calls.rewrite(site)
    fill = calls.original_value_of(site, "fill_value")
    if fill is None:
        raise NotConverted("unsupported-arg", "paddle.full needs its fill_value")
    value = _literal(fill, default=...)
    if isinstance(value, bool | float):
        return calls.rewrite(site)
    if isinstance(value, int | str):  # Paddle also parses strings such as '1e-3' or '-inf'
        number = float(value)
        spelled = repr(number) if math.isfinite(number) else f"float('{number}')"
        return calls.rewrite(site, replace={"fill_value": cst.parse_expression(spelled)})
    if isinstance(value, complex):
        dtype = site.ctx.torch_ref("torch.complex128")
    else:
        dtype = cst.Call(site.ctx.torch_ref("torch.get_default_dtype"))
        if not isinstance(value, int):
            message = (
                f"paddle.full: fill_value={code(fill).strip()} is assumed to be a number (Paddle then fills "
                "with its default float dtype); a bool fills with bool in Paddle"
            )
            site.ctx.warn(site.original, "assumed-value", message, "review")
    return calls.rewrite(site, extra=[cst.Arg(dtype, keyword=cst.Name("dtype"), equal=_KW)])


def one_hot(site: CallSite) -> cst.BaseExpression:
    """Paddle's one_hot is float32 whatever the default dtype; torch's is int64."""
    return cst.Call(cst.Attribute(calls.rewrite(site), cst.Name("float")))


def pad(site: CallSite) -> cst.BaseExpression:
    """``F.pad``: Paddle pads from the *first* axis when a constant-mode pad list has 2 * x.ndim values,
    from the last axis (as torch always does) otherwise. The list's length is known only when it is
    written out; x's rank is not known, so the reading porter takes is reported."""
    mode = calls.original_value_of(site, "mode")
    mode_value = "constant" if mode is None else _literal(mode, default=...)
    from_left = calls.original_value_of(site, "pad_from_left_axis")
    if from_left is not None and _literal(from_left, default=...) not in (True, False):
        raise NotConverted("unsupported-value", "pad_from_left_axis must be a literal True/False")
    if (from_left is not None and _literal(from_left) is False) or mode_value not in ("constant", ...):
        return calls.rewrite(site)  # padded from the last axis in both
    padding = calls.original_value_of(site, "pad")
    elements = padding.elements if isinstance(padding, cst.List | cst.Tuple) else None
    if elements is None or any(isinstance(e, cst.StarredElement) for e in elements) or mode_value is ...:
        message = (
            "F.pad: when len(pad) == 2 * x.ndim in constant mode, Paddle pads from the first axis "
            "and torch from the last: porter assumed the pad covers only the last axes; otherwise reverse its pairs"
        )
        site.ctx.warn(site.original, "pad-order", message, "review")
        return calls.rewrite(site)
    count = len(elements)
    if count <= 2:
        return calls.rewrite(site)
    if count < 8:
        message = (
            f"F.pad with {count} values: Paddle pads from the first axis when x has {count // 2} dims (torch from "
            f"the last); porter assumed x has more dims. For a {count // 2}-D x, reverse the pairs"
        )
        site.ctx.warn(site.original, "pad-order", message, "review")
        return calls.rewrite(site)
    updated = calls.value_of(site, "pad")
    assert isinstance(updated, cst.List | cst.Tuple)
    values = [e.value for e in updated.elements]
    pairs = [values[i : i + 2] for i in range(0, count, 2)][::-1]
    reordered = updated.with_changes(elements=[cst.Element(v) for pair in pairs for v in pair])
    message = (
        f"F.pad with {count} values read as Paddle's full-rank list (x has {count // 2} dims): its pairs now "
        "start from the last axis, as torch reads them"
    )
    site.ctx.warn(site.original, "pad-order", message, "review")
    return calls.rewrite(site, replace={"pad": _with_commas(reordered)})


def _with_commas(node: cst.List | cst.Tuple) -> cst.List | cst.Tuple:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    elements = [e.with_changes(comma=comma) for e in node.elements[:-1]]
    return node.with_changes(
        elements=[*elements, node.elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    )
