"""Layer constructor arguments whose meaning needs more than a rename: padding modes, BatchNorm's
``use_global_stats``, InstanceNorm's ``weight_attr``/``bias_attr=False``, Embedding's ``padding_idx``."""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls, param_attr
from porter.convert.transforms.base import CallSite, code, literal

_PAD_CLASSES = {
    "constant": "ConstantPad{}d",
    "reflect": "ReflectionPad{}d",
    "replicate": "ReplicationPad{}d",
    "circular": "CircularPad{}d",
}


def pad_layer(site: CallSite) -> cst.BaseExpression:
    """``nn.Pad2D(p, mode=m)``: one Paddle class, one torch class per mode (same padding order). A mode
    known only at run time picks the class then: ``{'constant': nn.ZeroPad2d, ...}[m](p)``."""
    rank = site.entry.paddle[-2]  # paddle.nn.Pad2D -> "2"
    mode = calls.original_value_of(site, "mode")
    given = "constant" if mode is None else _literal(mode)
    if given == "constant":
        return calls.rewrite(site)
    if given in _PAD_CLASSES:
        torch_class = f"torch.nn.{_PAD_CLASSES[given].format(rank)}"  # Paddle ignores value in these modes
        return _without_value(calls.rewrite(site, target=torch_class, skip=frozenset({"mode", "value"})))
    if given is not ...:
        raise NotConverted(
            "unsupported-value", f"{site.entry.paddle}: mode={code(mode).strip()} is not a padding mode"
        )
    fill = calls.original_value_of(site, "value")
    if fill is not None and _literal(fill) not in (0, 0.0):
        raise NotConverted(
            "pad-mode",
            f"{site.entry.paddle}: mode={code(mode).strip()} is known only at run time and value is not 0: "
            f"write `nn.ConstantPad{rank}d(padding, value) if mode == 'constant' else nn.ReflectionPad{rank}d(padding)` "
            "(or the mode's class)",
        )
    classes = {"constant": f"torch.nn.ZeroPad{rank}d"}
    classes.update(
        {m: f"torch.nn.{name.format(rank)}" for m, name in _PAD_CLASSES.items() if m != "constant"}
    )
    table = cst.Dict(
        [cst.DictElement(cst.SimpleString(repr(m)), site.ctx.torch_ref(path)) for m, path in classes.items()]
    )
    pick = cst.Subscript(table, [cst.SubscriptElement(cst.Index(calls.value_of(site, "mode")))])
    padding = calls.value_of(site, "padding")
    layout = calls.original_value_of(site, "data_format")
    if padding is None or (
        layout is not None and code(layout).strip() not in site.entry.accept["data_format"]
    ):
        raise NotConverted(
            "unsupported-arg",
            f"{site.entry.paddle}: only the padding and a channels-first layout are translated with a run-time mode",
        )
    return cst.Call(pick, [cst.Arg(padding)])


def batch_norm(site: CallSite) -> cst.BaseExpression:
    """``use_global_stats``: True normalises with the running statistics in training too and never updates
    them, which no torch flag does (a helper batch norm does); False uses the batch's statistics in
    evaluation too, which is torch's ``track_running_stats=False`` (torch then keeps no running statistics)."""
    flag = calls.original_value_of(site, "use_global_stats")
    given = None if flag is None else _literal(flag)
    if given is not None and given not in (True, False):
        raise NotConverted(
            "use-global-stats",
            f"{site.entry.paddle}: use_global_stats={code(flag).strip()} is known only at run time: True "
            "normalises with the running statistics in training too (porter_helpers.GlobalStatsBatchNorm*d), "
            "False with the batch's in evaluation too (track_running_stats=False); write the one meant",
        )
    result = param_attr.standalone_param_attr(site)
    if given is True:  # a frozen batch norm: a torch batch norm whose forward always uses running statistics
        assert isinstance(result, cst.Call)
        rank = site.entry.paddle[-2]  # paddle.nn.BatchNorm2D -> "2"
        return result.with_changes(func=site.ctx.helper(f"GlobalStatsBatchNorm{rank}d", site.original))
    if given is False:
        message = (
            f"{site.entry.paddle}: use_global_stats=False -> track_running_stats=False (batch statistics in "
            "training and evaluation); torch then keeps no running_mean/running_var, which Paddle still updates "
            "and saves: a Paddle checkpoint's _mean/_variance have no place in the torch layer"
        )
        site.ctx.warn(site.original, "use-global-stats", message, "review")
        extra = cst.Arg(cst.Name("False"), keyword=cst.Name("track_running_stats"), equal=calls._NO_SPACE)
        assert isinstance(result, cst.Call)
        args = [*result.args, extra]
        return result.with_changes(args=calls._fix_commas(args, result.args))
    return result


def instance_norm(site: CallSite) -> cst.BaseExpression:
    """Paddle's instance norm learns a scale and a shift unless ``weight_attr`` and ``bias_attr`` are both
    False (Paddle refuses one alone): torch's ``affine=False``; otherwise the table's ``affine=True``."""
    given = {name: calls.original_value_of(site, name) for name in ("weight_attr", "bias_attr")}
    off = [name for name, value in given.items() if value is not None and _literal(value) is False]
    if not off:
        return param_attr.standalone_param_attr(site)
    if len(off) == 1:
        raise NotConverted(
            "param-attr",
            f"{site.entry.paddle}: {off[0]}=False alone fails in Paddle (both or neither); for no scale and "
            "shift write weight_attr=False, bias_attr=False (torch: affine=False)",
        )
    result = calls.rewrite(site, skip=frozenset(given))
    args = [
        arg.with_changes(value=cst.Name("False"))
        if arg.keyword is not None and arg.keyword.value == "affine"
        else arg
        for arg in result.args
    ]
    return result.with_changes(args=args)


def embedding(site: CallSite) -> cst.BaseExpression:
    """Paddle's Embedding outputs zeros for ``padding_idx`` whatever that weight row holds (and zeroes the
    row after any initializer); torch returns the row and zeroes it only at construction. The row is
    zeroed again after an initializer porter adds; `porter weights` zeroes it when it copies the weight."""
    ctx = site.ctx
    frame = ctx.frames[-1]
    added = len(frame.after)
    result = param_attr.standalone_param_attr(site)
    padding = calls.value_of(site, "padding_idx")
    if padding is None or _literal(padding) is None:
        return result
    target = ctx.assignment_target(site.original)
    rewritten = any("torch.nn.init." in code(statement) for statement in frame.after[added:])
    if rewritten or calls.original_value_of(site, "_weight") is not None:
        if target is None:
            raise NotConverted(
                "embedding-padding",
                "the padding row must be zeroed after the weight is set: bind the layer to a name",
            )
        ctx.after(f"torch.nn.init.zeros_({code(target).strip()}.weight[{code(padding).strip()}])")
        ctx.torch_ref("torch.nn.init")
    message = (
        f"{site.entry.paddle}: Paddle outputs zeros for padding_idx whatever the weight row holds, torch "
        "returns the row: it is zero after construction (and after `porter weights`), but code that writes "
        "the weight later (set_value, an init loop) must zero that row again"
    )
    ctx.warn(site.original, "embedding-padding", message, "review")
    return result


def _without_value(call: cst.Call) -> cst.Call:
    """The call without a ``value=`` keyword (the table adds torch's ConstantPad default)."""
    args = [arg for arg in call.args if not (arg.keyword is not None and arg.keyword.value == "value")]
    return call.with_changes(args=calls._fix_commas(args, call.args))


def _literal(node: cst.BaseExpression) -> object:
    """The literal value, or ``...`` when it is not a literal."""
    try:
        return literal(node)
    except (ValueError, SyntaxError):
        return ...
