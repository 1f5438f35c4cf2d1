"""Device placement: ``paddle.set_device`` and ``.cuda()``.

``paddle.set_device('gpu')`` makes new tensors and parameters live on the GPU; torch's closest global
switch is ``torch.set_default_device('cuda')`` (factory functions and module construction). Paddle's
device strings map gpu -> cuda; anything else stays as written.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, literal

_DEVICES = {"gpu": "cuda", "cpu": "cpu"}


def set_device(site: CallSite) -> cst.BaseExpression:
    device = calls.value_of(site, "device")
    if device is None:
        raise NotConverted("set-device", "set_device needs a device")
    try:
        text = literal(device)
    except (ValueError, SyntaxError) as error:
        raise NotConverted("set-device", f"device {code(device)} is not a literal string") from error
    kind, _, index = str(text).partition(":")
    if kind not in _DEVICES:
        raise NotConverted("set-device", f"device {text!r} has no torch counterpart")
    torch_device = _DEVICES[kind] + (f":{index}" if index else "")
    site.ctx.info(
        site.original,
        "assumed",
        "paddle.set_device -> torch.set_default_device (new tensors/modules)",
        "review",
    )
    return cst.Call(
        site.ctx.torch_ref("torch.set_default_device"), args=[cst.Arg(cst.SimpleString(repr(torch_device)))]
    )


def cuda(site: CallSite) -> cst.BaseExpression:
    """``x.cuda(device_id, blocking)`` -> ``x.cuda(device, non_blocking=not blocking)``."""
    replace = {}
    blocking = calls.original_value_of(site, "blocking")
    if blocking is not None:
        value = calls.value_of(site, "blocking")
        replace["blocking"] = (
            cst.Name("False")
            if _is(blocking, True)
            else cst.Name("True")
            if _is(blocking, False)
            else cst.parse_expression(f"not ({code(value).strip()})")
        )
    return calls.rewrite(site, replace=replace)


def _is(node: cst.BaseExpression, expected: bool) -> bool:
    try:
        return literal(node) is expected
    except (ValueError, SyntaxError):
        return False
