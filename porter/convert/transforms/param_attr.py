"""``weight_attr`` / ``bias_attr`` / ``ParamAttr`` -> torch.nn.init calls.

torch layers take no initializer argument, so the initializer becomes a ``torch.nn.init.<x>_`` call on
the new layer's parameter (initializers.py), placed right after the statement that builds it (which must
therefore bind the layer to a name).
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.names import walk
from porter.convert.table import ApiMapping
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, literal
from porter.convert.transforms.expressions import converted
from porter.convert.transforms.initializers import init_statement

_ATTR_ARGS = {
    "weight_attr": "weight",
    "param_attr": "weight",
    "bias_attr": "bias",
}  # legacy layers: param_attr
# transform -> arguments whose sub-expressions it reads and replaces itself
_OWNED_ARGS = {
    "param_attr": ("weight_attr", "param_attr", "bias_attr"),
    "batch_norm": ("weight_attr", "bias_attr"),  # layer_args.batch_norm / embedding apply param_attr too
    "instance_norm": ("weight_attr", "bias_attr"),
    "embedding": ("weight_attr",),
    "create_parameter": ("attr", "default_initializer"),
    "optimizer": ("weight_decay",),
    "drop_decorator": ("input_spec", "build_strategy", "backend"),  # removed with the call
}
_PARAM_ATTR = (
    "name",
    "initializer",
    "learning_rate",
    "regularizer",
    "trainable",
    "do_model_average",
    "need_clip",
)
_PARAM_ATTR_DEFAULTS = {
    "learning_rate": 1.0,
    "regularizer": None,
    "do_model_average": True,
    "need_clip": True,
}


def deferred_ids(node: cst.Call, entry: ApiMapping, refs) -> set[int]:
    """Ids of the nodes inside arguments that the owning call's transform reads and replaces itself.

    That is the Paddle calls there (``ParamAttr(...)``, initializers) and anything holding a Paddle name;
    the plain values passed to those calls (``std=t.numpy()``) are converted by the traversal as usual
    and taken from the converted call (``converted``), so one pass converts them."""
    owned = _OWNED_ARGS.get(entry.transform or "")
    if not owned:
        return set()
    try:
        items = calls.bind(entry, node)
    except NotConverted:
        return set()
    ids: set[int] = set()
    for item in items:
        if item.name in owned:
            ids |= _read_by_transform(item.original.value, refs)
    return ids


def _read_by_transform(value: cst.BaseExpression, refs) -> set[int]:
    ids: set[int] = set()
    stack: list[cst.CSTNode] = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call) and id(current.func) in refs:  # ParamAttr(...), an initializer
            ids.add(id(current))
            ids |= {id(n) for n in walk(current.func)}
            for arg in current.args:
                ids.add(id(arg))
                stack.append(arg.value)
        elif any(id(n) in refs for n in walk(current)):
            ids |= {id(n) for n in walk(current)}
    return ids


def standalone_param_attr(site: CallSite) -> cst.BaseExpression:
    """A layer built with weight_attr/bias_attr; a ParamAttr anywhere else has no torch counterpart.

    A layer built inside an expression (``nn.Sequential(nn.Conv1D(..., bias_attr=attr))``) has no name
    to put statements after: an attribute that is a value known only at run time is applied there by
    ``porter_helpers.with_param_attrs(layer, bias=attr)``, which returns the layer."""
    if site.entry.paddle.endswith("ParamAttr"):  # built apart from its layer: a runtime value (the helper)
        return calls.rewrite(site)
    extra: list[cst.Arg] = []
    skip: set[str] = set()
    statements: list[str] = []
    applied: list[cst.Arg] = []  # an unbound layer's runtime attributes, keyword = the parameter
    target = site.ctx.assignment_target(site.original)
    for arg_name, param in _ATTR_ARGS.items():
        value = calls.original_value_of(site, arg_name)
        if value is None:
            continue
        skip.add(arg_name)
        if target is None and _path(site, value) is None and not _is_constant(value):
            applied.append(_applied_in_expression(site, value, param, extra))
        else:
            statements += attr_statements(site, value, param, target, extra)
    for statement in statements:
        site.ctx.after(statement)
    result = calls.rewrite(site, skip=frozenset(skip), extra=extra)
    if not applied:
        return result
    return cst.Call(site.ctx.helper("with_param_attrs", site.original), [cst.Arg(result), *applied])


def _is_constant(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value in ("None", "True", "False")


def _applied_in_expression(
    site: CallSite, value: cst.BaseExpression, param: str, extra: list[cst.Arg]
) -> cst.Arg:
    """``bias=attr`` for ``with_param_attrs``: a runtime attribute of a layer built inside an expression."""
    _check_runtime(site, value)
    _runtime_presence(site, value, param, extra)
    text = code(converted(site, value)).strip()
    message = (
        f"{text} is applied to the layer's {param} when the layer is built (porter_helpers.with_param_attrs)"
    )
    site.ctx.info(value, "param-attr", message, "review")
    return cst.Arg(converted(site, value), keyword=cst.Name(param), equal=calls._NO_SPACE)


def _runtime_presence(site: CallSite, value: cst.BaseExpression, param: str, extra: list[cst.Arg]) -> None:
    """A runtime ``bias_attr`` may be False (no bias): torch's ``bias=`` gets ``attr is not False``, as
    a literal False gives ``bias=False``. The value is read twice (here and when it is applied), so only
    a name or an attribute chain, never a call, is read this way; anything else is applied as it is (a
    False then fails when it is applied, since the bias exists)."""
    if param != "bias" or "bias" not in site.entry.torch_args or not _plain(value):
        return
    present = cst.Comparison(
        converted(site, value),
        [cst.ComparisonTarget(cst.IsNot(), cst.Name("False"))],
    )
    extra.append(cst.Arg(present, keyword=cst.Name("bias"), equal=calls._NO_SPACE))


def _plain(node: cst.BaseExpression) -> bool:
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def attr_statements(
    site: CallSite,
    value: cst.BaseExpression,
    param: str,
    target: cst.BaseExpression | None,
    extra: list[cst.Arg],
) -> list[str]:
    """torch statements equivalent to one attr argument (``extra`` collects ``bias=False``)."""
    ctx = site.ctx
    if isinstance(value, cst.Name) and value.value in ("None", "True", "False"):
        if value.value == "False":
            if param != "bias":
                raise NotConverted("param-attr", "weight_attr=False has no torch equivalent")
            extra.append(cst.Arg(cst.Name("False"), keyword=cst.Name("bias"), equal=calls._NO_SPACE))
        return []
    path = _path(site, value)
    if path is not None and path.rsplit(".", 1)[-1] != "ParamAttr":
        initializer, options = value, {}
    elif path is not None:
        options = _param_attr_options(site, value)
        ctx.api_counts[path] += 1
        initializer = options.pop("initializer", None)
    else:
        return [_runtime_attr(site, value, param, target, extra)]
    if target is None:
        raise NotConverted(
            "param-attr", "the initializer needs the layer bound to a name (write `name = Layer(...)`)"
        )
    tensor = f"{code(target).strip()}.{param}" if param else code(target).strip()
    statements = []
    if initializer is not None:
        statements.append(init_statement(site, initializer, tensor, transposed=_transposed(site, param)))
    for key, option in options.items():
        if key == "trainable":
            statements.append(f"{tensor}.requires_grad_({code(converted(site, option))})")
        elif key == "name":
            ctx.info(option, "param-name", "ParamAttr name dropped: torch names parameters by attribute")
        else:
            message = f"ParamAttr {key}={code(option)} is not carried over (use an optimizer parameter group)"
            ctx.warn(option, "param-attr", message, "review")
    ctx.consume(value)
    return statements


def _runtime_attr(
    site: CallSite,
    value: cst.BaseExpression,
    param: str,
    target: cst.BaseExpression | None,
    extra: list[cst.Arg],
) -> str:
    """An attribute built elsewhere (``weight_attr=xavier(1024, 1)``) is applied to the parameter at runtime."""
    _check_runtime(site, value)
    if target is None:
        raise NotConverted(
            "param-attr", "the attribute needs the layer bound to a name (write `name = Layer(...)`)"
        )
    _runtime_presence(site, value, param, extra)
    tensor = f"{code(target).strip()}.{param}" if param else code(target).strip()
    apply = code(site.ctx.helper("apply_param_attr", value))
    text = code(converted(site, value)).strip()
    message = f"{text} is applied to {tensor} when the layer is built ({apply})"
    site.ctx.info(value, "param-attr", message, "review")
    return f"{apply}({tensor}, {text}{', transposed=True' if _transposed(site, param) else ''})"


# Layers whose torch weight is the transpose of Paddle's (porter/weights/rules.py: transpose=True)
_TRANSPOSED_WEIGHT = frozenset({"paddle.nn.Linear"})


def _transposed(site: CallSite, param: str) -> bool:
    """The torch parameter is the transpose of Paddle's: values copied in (Assign) go in transposed."""
    return param == "weight" and site.entry.paddle in _TRANSPOSED_WEIGHT


def _check_runtime(site: CallSite, value: cst.BaseExpression) -> None:
    if any(id(node) in site.ctx.names.refs for node in walk(value)):
        raise NotConverted(
            "param-attr", f"{code(value)} is not a ParamAttr(...) or initializer call that porter can read"
        )


def _param_attr_options(site: CallSite, call: cst.BaseExpression) -> dict[str, cst.BaseExpression]:
    assert isinstance(call, cst.Call)
    options: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.star or (arg.keyword is None and index >= len(_PARAM_ATTR)):
            raise NotConverted("param-attr", "ParamAttr arguments cannot be read")
        key = arg.keyword.value if arg.keyword else _PARAM_ATTR[index]
        if key == "trainable" and _is_literal(arg.value, True):
            continue
        if key in _PARAM_ATTR_DEFAULTS and _is_literal(arg.value, _PARAM_ATTR_DEFAULTS[key]):
            continue
        if key == "name" and _is_literal(arg.value, None):
            continue
        options[key] = arg.value
    return options


def _path(site: CallSite, value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.Call):
        ref = site.ctx.names.ref(value.func)
        if ref is not None:
            return ref.path
    return None


def _is_literal(node: cst.BaseExpression, expected: object) -> bool:
    try:
        value = literal(node)
    except (ValueError, SyntaxError):
        return False
    return value == expected and isinstance(value, bool) == isinstance(expected, bool)
