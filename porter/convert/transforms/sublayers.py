"""``Layer.add_sublayer`` and ``Layer.create_parameter``.

``x = self.add_sublayer(name, layer)`` registers ``layer`` under ``name`` and returns it; torch's
``add_module`` returns None, so the layer is bound first and then registered under the same name:
``x = layer`` + ``self.add_module(name, x)`` — same names, same object, the name evaluated once. Used
inside an expression, the layer is registered just before the statement and fetched back by name.
"""

from __future__ import annotations

import libcst as cst

from porter.convert import helpers
from porter.convert.context import NotConverted
from porter.convert.transforms import calls, initializers, param_attr
from porter.convert.transforms.base import CallSite, code, literal


def add_sublayer(site: CallSite) -> cst.BaseExpression:
    ctx = site.ctx
    name, layer = calls.value_of(site, "name"), calls.value_of(site, "sublayer")
    if name is None or layer is None:
        raise NotConverted("add-sublayer", "add_sublayer needs both the name and the layer")
    receiver = code(site.receiver).strip()
    target = ctx.assignment_target(site.original)
    if isinstance(target, cst.Name):
        ctx.after(f"{receiver}.add_module({code(name).strip()}, {target.value})")
        return layer
    if ctx.is_expression_statement(site.original):
        return calls.rewrite(site, func=calls.method(site, "add_module"))
    # Inside an expression (`blocks.append(self.add_sublayer(n, L))`): register just before the
    # statement, then fetch the same object by its name. The name is evaluated twice, so it must not call.
    if _calls_anything(name):
        raise NotConverted(
            "add-sublayer", "add_sublayer's name calls code and its result is used in an expression"
        )
    ctx.before(f"{receiver}.add_module({code(name).strip()}, {code(layer).strip()})")
    return cst.Call(cst.Attribute(site.receiver, cst.Name("get_submodule")), args=[cst.Arg(name)])


def create_parameter(site: CallSite) -> cst.BaseExpression:
    """``self.w = self.create_parameter(shape, ...)`` -> ``torch.nn.Parameter(torch.empty(shape))`` + init."""
    ctx = site.ctx
    target = ctx.assignment_target(site.original)
    shape = calls.value_of(site, "shape")
    if shape is None:
        raise NotConverted("create-parameter", "create_parameter needs a shape")
    inline = target is None  # used in an expression: the init calls (which return the tensor) wrap it
    if inline:
        target = cst.Name(initializers.PLACEHOLDER)
    for unsupported in ("device",):
        if calls.original_value_of(site, unsupported) is not None:
            raise NotConverted("create-parameter", f"create_parameter({unsupported}=...) is not translated")
    empty = f"{code(shape).strip()}"
    dtype = calls.value_of(site, "dtype")
    if dtype is not None:
        from porter.convert.transforms.values import dtype as to_dtype

        empty += f", dtype={code(to_dtype(dtype, ctx)).strip()}"
    tensor = code(target).strip()
    attr = calls.original_value_of(site, "attr")
    statements = []
    if attr is not None:
        statements = param_attr.attr_statements(site, attr, "", target, [])
    initialized = any(
        not s.startswith((f"{tensor}.requires_grad_", f"{helpers.MODULE}.")) for s in statements
    )
    if not initialized:
        initializer = calls.original_value_of(site, "default_initializer")
        if initializer is not None:
            statements.insert(0, initializers.init_statement(site, initializer, tensor))
            ctx.consume(initializer)
        else:
            is_bias = calls.original_value_of(site, "is_bias")
            default = initializers.default_statement(
                site, shape, tensor, is_bias=is_bias is not None and _true(is_bias)
            )
            statements.insert(0, default)
            ctx.info(
                site.original,
                "assumed",
                f"Paddle's default initializer for create_parameter: {default}",
                "review",
            )
    parameter = cst.parse_expression(f"torch.nn.Parameter(torch.empty({empty}))")
    if inline:
        return initializers.nested(statements, parameter)
    for statement in statements:
        ctx.after(statement)
    return parameter


def _calls_anything(node: cst.CSTNode) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            return True
        stack.extend(current.children)
    return False


def _true(node: cst.BaseExpression) -> bool:
    try:
        return literal(node) is True
    except (ValueError, SyntaxError) as error:
        raise NotConverted("create-parameter", f"is_bias={code(node)} must be a literal") from error
