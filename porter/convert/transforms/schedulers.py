"""Paddle LR schedulers are passed *as* the optimizer's learning rate; torch schedulers wrap the optimizer.

In one block, the pair

    s = paddle.optimizer.lr.StepDecay(learning_rate=0.1, step_size=10)
    opt = paddle.optimizer.SGD(learning_rate=s, parameters=ps)

becomes ``opt = torch.optim.SGD(lr=0.1, params=ps)`` followed by the moved
``s = torch.optim.lr_scheduler.StepLR(opt, step_size=10)``. The scheduler statement is only moved when
``s`` is not used in between; the scheduler is converted only once the optimizer is (otherwise both stay
Paddle code with a TODO). ``s.step()`` keeps its meaning: one scheduler step per call in both.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from porter.convert.context import TODO_PREFIX, Context, NotConverted
from porter.convert.names import walk
from porter.convert.report import Severity
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, with_todos


class Deferred(Exception):  # noqa: N818 - a control-flow signal
    """The scheduler call waits for its optimizer (see module docstring)."""


@dataclass(eq=False)
class Pair:
    name: str
    statement: cst.SimpleStatementLine  # original `s = Scheduler(...)`
    call: cst.Call
    optimizer_call: cst.Call
    optimizer_target: cst.BaseExpression
    updated: cst.Call | None = None  # the scheduler call with converted children, once seen
    done: bool = False


def find_pairs(ctx: Context, body) -> None:
    """Record scheduler/optimizer pairs among the original statements of one block."""
    candidates: dict[str, tuple[int, cst.SimpleStatementLine, cst.Call]] = {}
    for index, statement in enumerate(body):
        assigned = _assignment(statement)
        if assigned is None:
            continue
        target, call = assigned
        entry = _entry(ctx, call)
        if entry is None:
            continue
        if (
            entry.transform == "lr_scheduler"
            and entry.args[:1] == ("learning_rate",)
            and isinstance(target, cst.Name)
        ):
            candidates[target.value] = (index, statement, call)
        elif entry.transform == "optimizer":
            rate = _keyword_or_first(entry, call, "learning_rate")
            if isinstance(rate, cst.Name) and rate.value in candidates:
                start, scheduler_statement, scheduler_call = candidates.pop(rate.value)
                if any(_mentions(s, rate.value) for s in body[start + 1 : index]):
                    ctx.scheduler_pairs[id(call)] = (
                        None  # the optimizer must not take a Paddle scheduler as lr
                    )
                    continue
                pair = Pair(rate.value, scheduler_statement, scheduler_call, call, target)
                ctx.scheduler_pairs[id(scheduler_call)] = pair
                ctx.scheduler_pairs[id(call)] = pair


def defer(site: CallSite) -> None:
    pair = site.ctx.scheduler_pairs.get(id(site.original))
    if pair is None:  # not paired with an optimizer in the same block
        raise NotConverted(
            "lr-scheduler",
            "a Paddle scheduler is the optimizer's learning rate; torch's wraps the optimizer: build "
            "torch.optim.lr_scheduler.<X>(optimizer, ...) after the optimizer",
        )
    pair.updated = site.updated
    raise Deferred


def attach(site: CallSite) -> tuple[cst.BaseExpression, cst.SimpleStatementLine, str, str] | None:
    """For an optimizer paired with a scheduler: (its learning-rate value, the torch scheduler statement, the
    optimizer's and the scheduler's names)."""
    ctx = site.ctx
    if id(site.original) in ctx.scheduler_pairs and ctx.scheduler_pairs[id(site.original)] is None:
        raise NotConverted(
            "lr-scheduler", "learning_rate is a Paddle scheduler used before this optimizer exists"
        )
    pair = ctx.scheduler_pairs.get(id(site.original))
    if pair is None or pair.updated is None:
        return None
    entry = _entry(ctx, pair.call)
    scheduler = CallSite(ctx, entry, pair.call, pair.updated)
    rate = calls.value_of(scheduler, "learning_rate")
    if rate is None:
        raise NotConverted("lr-scheduler", f"{entry.paddle} without a learning_rate cannot be moved")
    call = calls.rewrite(scheduler, skip=frozenset({"learning_rate"}))
    optimizer = cst.Arg(pair.optimizer_target, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    call = call.with_changes(
        args=[optimizer, *call.args]
        if call.args
        else [optimizer.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
    )
    assign = pair.statement.body[0]
    statement = pair.statement.with_changes(body=[assign.with_changes(value=call)])
    return rate, statement, code(pair.optimizer_target), pair.name


def commit(site: CallSite) -> None:
    """Side effects once the optimizer's rewrite succeeded: count and consume the scheduler."""
    ctx = site.ctx
    pair = ctx.scheduler_pairs[id(site.original)]
    pair.done = True
    entry = _entry(ctx, pair.call)
    ctx.consume(pair.call)
    ctx.api_counts[entry.paddle] += 1
    message = f"{entry.paddle} -> {entry.torch}: moved after the optimizer it schedules"
    ctx.info(pair.call, "assumed", message, entry.safety.value)


def _assignment(statement) -> tuple[cst.BaseExpression, cst.Call] | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Call):
            return small.targets[0].target, small.value
    return None


def _entry(ctx: Context, call: cst.Call):
    ref = ctx.names.ref(call.func)
    return ctx.table.lookup(ref.path) if ref is not None else None


def _keyword_or_first(entry, call: cst.Call, name: str) -> cst.BaseExpression | None:
    try:
        items = calls.bind(entry, call)
    except NotConverted:
        return None
    return next((item.original.value for item in items if item.name == name), None)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    return any(isinstance(current, cst.Name) and current.value == name for current in walk(node))


def settle(ctx: Context, emitted: dict[int, int], original_body, body) -> list:
    """After a block: drop scheduler statements that moved after their optimizer; the ones whose
    optimizer was not converted stay in place, marked with a TODO."""
    in_block = {id(s) for s in original_body}
    pairs = {id(p.statement): p for p in ctx.scheduler_pairs.values() if p and id(p.statement) in in_block}
    if not pairs:
        return list(body)
    settled = []
    for statement in body:
        pair = pairs.get(emitted.get(id(statement), -1))
        if pair is not None and pair.done:
            continue
        if pair is not None:
            entry = _entry(ctx, pair.call)
            message = f"{entry.paddle}: its optimizer was not converted, so it was not moved"
            ctx.unconverted[entry.paddle] += 1
            ctx.report(pair.call, Severity.ERROR, "lr-scheduler", message)
            statement = with_todos(statement, [f"{TODO_PREFIX}(lr-scheduler) {message}"])
        settled.append(statement)
    return settled
