"""``Layer.add_sublayer``, ``Layer.add_parameter`` and ``Layer.create_parameter``.

``x = self.add_sublayer(name, layer)`` registers ``layer`` under ``name`` and returns it; torch's
``add_module`` returns None, so the layer is bound first and then registered under the same name:
``x = layer`` + ``self.add_module(name, x)`` — same names, same object, the name evaluated once. Used
inside an expression, the layer is registered just before the statement and fetched back by name.
"""

from __future__ import annotations

import libcst as cst

from porter.convert import helpers
from porter.convert.context import NotConverted
from porter.convert.names import walk
from porter.convert.transforms import calls, initializers, param_attr
from porter.convert.transforms.base import CallSite, code, literal

# torch's registering method -> how to fetch the registered object back by name
_FETCH = {"add_module": "get_submodule", "register_parameter": "get_parameter"}


def add_sublayer(site: CallSite) -> cst.BaseExpression:
    """``add_sublayer(name, layer)`` / ``add_parameter(name, parameter)``: register and return the object;
    torch's ``add_module`` / ``register_parameter`` return None."""
    ctx = site.ctx
    name_arg, object_arg = site.entry.args[:2]
    register = (site.entry.torch or "").rsplit(".", 1)[-1]
    name, layer = calls.value_of(site, name_arg), calls.value_of(site, object_arg)
    if name is None or layer is None:
        raise NotConverted("add-sublayer", f"{site.entry.name} needs both the name and the {object_arg}")
    receiver = code(site.receiver).strip()
    target = ctx.assignment_target(site.original)
    if isinstance(target, cst.Name):
        ctx.after(f"{receiver}.{register}({code(name).strip()}, {target.value})")
        return layer
    if ctx.is_expression_statement(site.original):
        return calls.rewrite(site, func=calls.method(site, register))
    # Inside an expression (`blocks.append(self.add_sublayer(n, L))`): register just before the
    # statement, then fetch the same object by its name. The name is evaluated twice, so it must not call.
    if _calls_anything(name):
        raise NotConverted(
            "add-sublayer", f"{site.entry.name}'s name calls code and its result is used in an expression"
        )
    ctx.before(f"{receiver}.{register}({code(name).strip()}, {code(layer).strip()})")
    return cst.Call(cst.Attribute(site.receiver, cst.Name(_FETCH[register])), args=[cst.Arg(name)])


def create_parameter(site: CallSite) -> cst.BaseExpression:
    """``self.w = self.create_parameter(shape, ...)`` -> ``torch.nn.Parameter(torch.empty(shape))`` + init."""
    ctx = site.ctx
    target = ctx.assignment_target(site.original) or _registered_as(site)
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


def _registered_as(site: CallSite) -> cst.BaseExpression | None:
    """``self.w`` when the current statement is ``self.add_parameter("w", <this call>)``: the parameter
    is reachable by that name once the statement has run."""
    statement = site.ctx.frames[-1].node if site.ctx.frames else None
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    small = statement.body[0]
    call = small.value if isinstance(small, cst.Expr) else None
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "add_parameter"
        and len(call.args) == 2
        and call.args[1].value is site.original
        and isinstance(call.args[0].value, cst.SimpleString)
    ):
        return None
    name = literal(call.args[0].value)
    return (
        cst.Attribute(call.func.value, cst.Name(name))
        if isinstance(name, str) and name.isidentifier()
        else None
    )


def _calls_anything(node: cst.CSTNode) -> bool:
    return any(isinstance(current, cst.Call) for current in walk(node))


def _true(node: cst.BaseExpression) -> bool:
    try:
        return literal(node) is True
    except (ValueError, SyntaxError) as error:
        raise NotConverted("create-parameter", f"is_bias={code(node)} must be a literal") from error
