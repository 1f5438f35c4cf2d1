"""Find the layer where the two sides first part ways.

Both models run once more with hooks on every sublayer. Each call is keyed by module path and
call index (a shared ``self.relu`` called five times gives ``relu``, ``relu#1`` ... ``relu#4``), so
torch calls line up with Paddle calls by name, never by position. Paddle runs first and its layer
inputs/outputs are kept; torch calls are compared as they happen, so only one side's activations
are ever held in memory.

The *first divergent layer* is the first call, in torch completion order, whose inputs agree but
whose output does not: that layer (or, for a container, code in its own ``forward``) is broken.
Completion order puts children before their container, so the innermost culprit comes first. A call
Paddle makes and torch never does (an activation the port forgot to apply) is the culprit instead
when the next call both sides make receives a different input, and nothing diverged before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from porter.verify.compare import (
    FIXED_FLOAT32_RTOL,
    FLOAT32,
    Comparison,
    Tolerance,
    compare_outputs,
    is_tensor,
    judge,
    observe_outputs,
    to_numpy,
)

ROOT = "(model)"
MISSING = "(never called)"


def snapshot(value: Any) -> Any:
    """Nested tensors -> nested numpy copies (copies: a later in-place op must not change them)."""
    if isinstance(value, Mapping):
        return {key: snapshot(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [snapshot(item) for item in value]
    return to_numpy(value) if is_tensor(value) else value


def _tensor_args(args: tuple) -> list[np.ndarray]:
    return [to_numpy(arg) for arg in args if is_tensor(arg)]


def call_key(path: str, call: int) -> str:
    name = path or ROOT
    return name if call == 0 else f"{name}#{call}"


@dataclass
class _Recorder:
    """Pairs pre-hooks (inputs) with post-hooks (outputs) per module path, in completion order."""

    on_call: Callable[[str, int, str, list[np.ndarray], Any], None]

    def __post_init__(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)
        self.open: list[tuple[str, int, list[np.ndarray]]] = []  # calls entered, not yet returned

    def pre(self, path: str, args: tuple) -> None:
        self.open.append((path, self.calls[path], _tensor_args(args)))
        self.calls[path] += 1

    def post(self, path: str, type_name: str, output: Any) -> None:
        index = max(i for i, entry in enumerate(self.open) if entry[0] == path)
        _, call, inputs = self.open.pop(index)
        self.on_call(path, call, type_name, inputs, snapshot(output))

    def innermost_open(self) -> str:
        """The call that was running when an exception escaped."""
        path, call, _ = self.open[-1] if self.open else ("", 0, None)
        return call_key(path, call)


def _run_paddle(model, inputs: tuple, recorder: _Recorder) -> None:
    import paddle

    handles = []
    for path, layer in model.named_sublayers(include_self=True):
        kind = type(layer).__name__
        handles.append(layer.register_forward_pre_hook(lambda _l, args, p=path: recorder.pre(p, args)))
        handles.append(
            layer.register_forward_post_hook(lambda _l, _a, out, p=path, k=kind: recorder.post(p, k, out))
        )
    try:
        with paddle.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()


def _run_torch(model, inputs: tuple, recorder: _Recorder) -> None:
    import torch

    handles = []
    for path, module in model.named_modules():
        kind = type(module).__name__
        handles.append(module.register_forward_pre_hook(lambda _m, args, p=path: recorder.pre(p, args)))
        handles.append(
            module.register_forward_hook(lambda _m, _a, out, p=path, k=kind: recorder.post(p, k, out))
        )
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()


# call key -> (layer type, tensor inputs, output)
Calls = dict[str, tuple[str, list[np.ndarray], Any]]


def record(model, inputs: tuple, framework: str) -> Calls:
    """Every layer call of one model in completion order: its type, tensor inputs and output."""
    calls: Calls = {}

    def keep(path, call, kind, call_inputs, output):
        calls[call_key(path, call)] = (kind, call_inputs, output)

    (_run_paddle if framework == "paddle" else _run_torch)(model, inputs, _Recorder(keep))
    return calls


@dataclass(frozen=True)
class LayerDiff:
    """One layer call compared across the frameworks."""

    order: int  # position in torch completion order
    key: str  # torch path + call index
    path: str  # torch module path ("" for the model itself)
    paddle_key: str
    torch_type: str
    paddle_type: str
    input_rel: float  # worst max-rel error over the call's tensor inputs (0 when it has none)
    output_rel: float
    inputs_agree: bool
    outputs_agree: bool
    problem: str = ""

    @property
    def introduced(self) -> float:
        """Error this call adds on top of what it received; inherited error scores 0."""
        if not np.isfinite(self.input_rel):
            return 0.0
        return max(self.output_rel - self.input_rel, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "introduced": self.introduced}


@dataclass(frozen=True)
class Divergence:
    first: LayerDiff | None
    layers: tuple[LayerDiff, ...]  # every matched call, torch completion order
    only_in_paddle: tuple[str, ...]
    only_in_torch: tuple[str, ...]
    torch_error: str = ""  # the torch forward raised: where and what
    located_in: str = ""  # the dtype both models ran in
    bound: str = ""  # the per-layer bound, in words

    def ranked(self) -> list[LayerDiff]:
        """Calls out of tolerance, most suspicious first.

        0. the first divergent layer (a call torch never makes, when that is the culprit);
        1. culprits: inputs agree, output does not, and no sublayer of theirs is such a call
           (largest error first);
        2. containers of a culprit (their error is the culprit's);
        3. calls that only inherited a wrong input, by the error they add on top of it.
        """
        failing = [d for d in self.layers if not d.outputs_agree]
        fresh = [d for d in failing if d.inputs_agree]

        def contains_fresh(d: LayerDiff) -> bool:
            prefix = f"{d.path}." if d.path else ""
            return any(o is not d and o.order < d.order and o.path.startswith(prefix) for o in fresh)

        def rank(d: LayerDiff) -> tuple:
            if d is self.first:
                return (-1,)
            if d.inputs_agree:
                group = 1 if contains_fresh(d) else 0
                return (group, -d.output_rel, d.order)
            return (2, -d.introduced, d.order)

        missing_first = [self.first] if self.first is not None and self.first not in self.layers else []
        return missing_first + sorted(failing, key=rank)

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_divergent_layer": self.first.to_dict() if self.first else None,
            "ranked": [d.to_dict() for d in self.ranked()],
            "only_in_paddle": list(self.only_in_paddle),
            "only_in_torch": list(self.only_in_torch),
            "torch_error": self.torch_error,
            "located_in": self.located_in,
        }

    def render(self, limit: int = 10) -> str:
        lines = []
        if self.first is None:
            lines.append(
                "first divergent layer: none found (every matched layer whose inputs agree also agrees "
                "on its output; look at the unmatched layers and code outside modules)"
            )
        else:
            f = self.first
            types = (
                f.torch_type
                if f.torch_type == f.paddle_type
                else f"paddle {f.paddle_type}, torch {f.torch_type}"
            )
            why = f.problem or f"output max rel {f.output_rel:.3e}"
            if f.torch_type == MISSING:
                lines.append(f"first divergent layer: {f.key} ({f.paddle_type}): {f.problem}")
            else:
                lines.append(
                    f"first divergent layer: {f.key} ({types}): inputs agree (max rel {f.input_rel:.1e}), "
                    f"output differs ({why})"
                )
        if self.located_in or self.bound:
            where = f" in {self.located_in}" if self.located_in else ""
            bound = f", every layer call judged by {self.bound}" if self.bound else ""
            lines.append(f"  (both models rerun{where} with hooks{bound})")
        ranked = self.ranked()
        if ranked:
            width = max(len(d.key) for d in ranked[:limit])
            lines.append(
                f"  rank  {'layer':<{width}}  {'torch type':<18}  in max rel  out max rel  introduced"
            )
            for rank, d in enumerate(ranked[:limit], 1):
                mark = "  <- first divergent" if d is self.first else ""
                out = d.problem if d.problem else f"{d.output_rel:11.3e}"
                lines.append(
                    f"  {rank:<4}  {d.key:<{width}}  {d.torch_type:<18}  {d.input_rel:10.3e}  {out}  "
                    f"{d.introduced:10.3e}{mark}"
                )
            if len(ranked) > limit:
                lines.append(f"  ... {len(ranked) - limit} more layers out of tolerance")
        if self.torch_error:
            lines.append(f"  torch forward raised: {self.torch_error}")
        for side, keys in (("paddle", self.only_in_paddle), ("torch", self.only_in_torch)):
            if keys:
                shown = ", ".join(keys[:8]) + (" ..." if len(keys) > 8 else "")
                lines.append(f"  calls only in {side} (not compared): {shown}")
        return "\n".join(lines)


def _max_rel(comparison) -> tuple[float, str]:
    if comparison.structure_error:
        return float("inf"), comparison.structure_error
    worst = comparison.worst
    if worst is None:
        return 0.0, ""
    return worst.max_rel, worst.problem


def locate(
    paddle_model,
    torch_model,
    paddle_inputs: tuple,
    torch_inputs: tuple,
    tolerance: Tolerance,
    *,
    torch_to_paddle_path: Callable[[str], str] = lambda path: path,
    located_in: str = "",
    float64: tuple[Calls, Calls] | None = None,
) -> Divergence:
    """Run both models with hooks and compare every layer call; both must already be in eval mode.

    Each call is judged against ``tolerance``; or, given ``float64`` (the (Paddle, torch) calls
    ``record``ed in a float64 pass), by the float32 rounding check: the call's float32 difference
    must be explained by each side's own float32-vs-float64 difference at that call.
    """
    paddle_calls = record(paddle_model, paddle_inputs, "paddle")
    paddle_order = list(paddle_calls)

    def judged(
        paddle_value, torch_value, root: str, paddle_key: str, torch_key: str, part: int
    ) -> Comparison:
        if float64 is None:
            return compare_outputs(paddle_value, torch_value, tolerance, root=root)
        own = (float64[0].get(paddle_key), float64[1].get(torch_key))
        if None in own:  # a call only one float64 pass made: no rounding to measure, the fixed bound
            return compare_outputs(paddle_value, torch_value, Tolerance(FIXED_FLOAT32_RTOL), root=root)
        return judge(
            FLOAT32,
            tolerance,
            observe_outputs(paddle_value, torch_value, root),
            observe_outputs(own[0][part], own[1][part], root),
        )

    diffs: list[LayerDiff] = []
    only_torch: list[str] = []

    def compare(path, call, kind, inputs, output):
        key = call_key(path, call)
        paddle_key = call_key(torch_to_paddle_path(path), call)
        if paddle_key not in paddle_calls:
            only_torch.append(key)
            return
        paddle_kind, paddle_inputs_, paddle_output = paddle_calls.pop(paddle_key)
        ins = judged(paddle_inputs_, inputs, "input", paddle_key, key, 1)
        outs = judged(paddle_output, output, "output", paddle_key, key, 2)
        input_rel, _ = _max_rel(ins)
        output_rel, problem = _max_rel(outs)
        diffs.append(
            LayerDiff(
                order=len(diffs),
                key=key,
                path=path,
                paddle_key=paddle_key,
                torch_type=kind,
                paddle_type=paddle_kind,
                input_rel=input_rel,
                output_rel=output_rel,
                inputs_agree=ins.passed,
                outputs_agree=outs.passed,
                problem=problem,
            )
        )

    recorder = _Recorder(compare)
    torch_error = ""
    try:
        _run_torch(torch_model, torch_inputs, recorder)
    except Exception as error:  # a broken port may crash mid-forward; what ran so far still counts
        torch_error = f"in {recorder.innermost_open()}: {type(error).__name__}: {error}"
    first = next((d for d in diffs if d.inputs_agree and not d.outputs_agree), None)
    torch_calls = defaultdict(int)
    for path in [d.path for d in diffs] + [key.partition("#")[0] for key in only_torch]:
        torch_calls[torch_to_paddle_path(path) or ROOT] += 1
    missing = _missing_culprit(paddle_order, paddle_calls, diffs, first, torch_calls)
    return Divergence(
        first=missing or first,
        layers=tuple(diffs),
        only_in_paddle=tuple(paddle_calls),
        only_in_torch=tuple(only_torch),
        torch_error=torch_error,
        located_in=located_in,
        bound=(
            f"|t32-p32| <= |p32-p64| + |t32-t64| + {tolerance.describe()}"
            if float64
            else tolerance.describe()
        ),
    )


def _missing_culprit(
    paddle_order: list[str],
    unmatched: Mapping[str, Any],
    diffs: list[LayerDiff],
    first: LayerDiff | None,
    torch_calls: Mapping[str, int],
) -> LayerDiff | None:
    """A call only Paddle makes, right before a call both make whose input no longer agrees.

    Taken when nothing matched diverged earlier in Paddle's order (``first``, if any, comes later:
    typically the container whose ``forward`` skipped the call)."""
    position = {key: index for index, key in enumerate(paddle_order)}
    by_paddle_key = {d.paddle_key: d for d in diffs}
    first_at = position.get(first.paddle_key, len(paddle_order)) if first else len(paddle_order)
    for index, key in enumerate(paddle_order[:first_at]):
        if key not in unmatched:
            continue
        after = next((by_paddle_key[k] for k in paddle_order[index + 1 :] if k in by_paddle_key), None)
        if after is not None and not after.inputs_agree:
            kind, path = unmatched[key][0], key.partition("#")[0]
            paddle_count = sum(k.partition("#")[0] == path for k in paddle_order)
            calls = (
                "torch never does"
                if not torch_calls.get(path)
                else f"{paddle_count} times in Paddle, {torch_calls[path]} in torch (calls pair up in order)"
            )
            return LayerDiff(
                order=-1, key=key, path=path, paddle_key=key, torch_type=MISSING, paddle_type=kind,
                input_rel=0.0, output_rel=float("inf"), inputs_agree=True, outputs_agree=False,
                problem=f"Paddle calls this {kind}, {calls}; the next call, {after.key}, receives a different "
                f"input (max rel {after.input_rel:.3e})",
            )  # fmt: skip
    return None
