"""Optimizers and learning-rate schedulers.

Paddle's ``weight_decay`` (a float, or ``L2Decay(coeff)``) adds ``coeff * param`` to the gradient before
the update, which is what torch's ``weight_decay`` does for SGD/Adam (and both AdamW variants decay
decoupled by ``lr * coeff``), so the coefficient carries over unchanged. Adam's ``beta1``/``beta2`` become
``betas``. A Paddle scheduler is passed *as* the learning rate; torch schedulers wrap the optimizer, so
a scheduler bound just before its optimizer is moved after it (schedulers.py).
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls, param_attr, schedulers
from porter.convert.transforms.base import CallSite, code, literal

_KW = calls._NO_SPACE


def optimizer(site: CallSite) -> cst.BaseExpression:
    ctx = site.ctx
    replace: dict[str, cst.BaseExpression] = {}
    skip: set[str] = set()
    extra: list[cst.Arg] = []
    if calls.original_value_of(site, "parameters") is None:
        raise NotConverted(
            "optimizer", "torch optimizers need the parameters; pass parameters=model.parameters()"
        )
    rate = calls.original_value_of(site, "learning_rate")
    scheduled = schedulers.attach(site)
    if scheduled is not None:
        replace["learning_rate"] = scheduled[0]
    elif rate is not None and not _is_number(rate):
        if _paddle_path(site, rate, "paddle.optimizer.lr."):
            raise NotConverted(
                "lr-scheduler",
                "a Paddle LR scheduler passed as learning_rate: build a torch scheduler on the optimizer",
            )
        message = (
            f"learning_rate={code(rate)} is assumed to be a number (a Paddle scheduler object would not be)"
        )
        ctx.warn(rate, "assumed-value", message, "review")
    decay = calls.original_value_of(site, "weight_decay")
    if (
        decay is not None
        and not _is_number(decay)
        and not (isinstance(decay, cst.Name) and decay.value == "None")
    ):
        path = _paddle_path(site, decay, "paddle.")
        if path and path.endswith(".L2Decay") and isinstance(decay, cst.Call):
            coeff = param_attr.converted(site, decay.args[0].value) if decay.args else cst.Float("0.0")
            replace["weight_decay"] = coeff
            ctx.consume(decay)
            ctx.api_counts[path] += 1
        elif path:
            raise NotConverted(
                "optimizer", f"weight_decay={code(decay)}: only a float or L2Decay has a torch equivalent"
            )
        else:
            ctx.warn(
                decay,
                "assumed-value",
                f"weight_decay={code(decay)} is assumed to be a float coefficient",
                "review",
            )
    elif decay is not None and isinstance(decay, cst.Name):
        skip.add("weight_decay")  # None: torch's default (no decay)
    if "beta1" in site.entry.args:
        beta1 = calls.value_of(site, "beta1")
        beta2 = calls.value_of(site, "beta2")
        if beta1 is not None or beta2 is not None:
            first = code(beta1) if beta1 is not None else "0.9"
            second = code(beta2) if beta2 is not None else "0.999"
            extra.append(
                cst.Arg(cst.parse_expression(f"({first}, {second})"), keyword=cst.Name("betas"), equal=_KW)
            )
        skip.update(("beta1", "beta2"))
    result = calls.rewrite(site, skip=frozenset(skip), extra=extra, replace=replace)
    if scheduled is not None:
        statement, optimizer_name, scheduler_name = scheduled[1:]
        ctx.after(statement)
        attach = ctx.helper("attach_lr_scheduler", site.original)
        ctx.after(cst.SimpleStatementLine([cst.Expr(_call(attach, optimizer_name, scheduler_name))]))
        schedulers.commit(site)
    return result


def get_lr(site: CallSite) -> cst.BaseExpression:
    """``opt.get_lr()`` -> ``opt.param_groups[0]["lr"]``: the rate Paddle's optimizer reads from its scheduler
    is the one a torch scheduler writes into the optimizer's parameter groups."""
    groups = cst.Attribute(site.receiver, cst.Name("param_groups"))
    first = cst.Subscript(groups, [cst.SubscriptElement(cst.Index(cst.Integer("0")))])
    return cst.Subscript(first, [cst.SubscriptElement(cst.Index(site.ctx.string("lr")))])


def base_class(site: CallSite) -> cst.BaseExpression:
    """``paddle.optimizer.Optimizer`` / ``paddle.optimizer.lr.LRScheduler`` are converted as names (annotations,
    isinstance, base classes); building one directly has no torch counterpart."""
    raise NotConverted(
        "optimizer",
        f"{site.entry.paddle}(...) builds Paddle's base class; torch's {site.entry.torch} takes other arguments",
    )


def _call(func: cst.BaseExpression, *names: str) -> cst.Call:
    return cst.Call(func, [cst.Arg(cst.parse_expression(name)) for name in names])


def lr_scheduler(site: CallSite) -> cst.BaseExpression:
    schedulers.defer(site)  # raises: converted together with its optimizer, or left with a TODO
    raise AssertionError("unreachable")


def _is_number(node: cst.BaseExpression) -> bool:
    try:
        value = literal(node)
    except (ValueError, SyntaxError):
        return False
    return isinstance(value, int | float) and not isinstance(value, bool)


def _paddle_path(site: CallSite, node: cst.BaseExpression, prefix: str) -> str | None:
    func = node.func if isinstance(node, cst.Call) else node
    ref = site.ctx.names.ref(func)
    return ref.path if ref is not None and ref.path.startswith(prefix) else None
