"""Train the Paddle script and its porter conversion side by side, from the same weights on the same batches.

    python examples/train_parity.py --steps 3 --image-size 64 --batch-size 4

The scripts' own code does the work on each side: ``build_model``, ``build_optimizer`` (Momentum with
weight decay and a cosine schedule; SGD + CosineAnnealingLR once converted) and ``train_one_epoch`` (the
training loop) of examples/paddle/train_classifier.py and examples/torch/train_classifier.py. This harness
only gives both the same start: the Paddle model's initial weights, copied into the torch model with
``porter.weights``, and the same batches in the same order. It trains K steps in float64 and in float32,
and judges the loss and the learning rate of every step and, after the last step, every weight:

* float64 proves the semantics: ``|torch - paddle| <= K * FLOAT64_RTOL_PER_STEP * scale``, elementwise.
* float32 is judged against each framework's own rounding, measured in the same run as the difference
  between its float32 and its float64 training: ``|t32 - p32| <= |p32 - p64| + |t32 - t64|`` plus the
  float64 bound. A port that passes the float64 check passes this one on every machine (triangle
  inequality); a porting bug shows in float64 first.

Known constant differences between the frameworks are aligned before training and listed in the report
(docs/porting-a-training-script.md explains each): Paddle's Momentum kernel and BatchNorm take their
hyper-parameters as float32 attributes, and its average pools scale gradients by float32(1/N) in float64.
BatchNorm running variances are reported, not judged: Paddle updates them with the biased batch variance,
torch with the unbiased one.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import paddle
import torch

from porter.verify import compare
from porter.verify.alignment import align_avg_pool_backward, align_normalization
from porter.verify.compare import FLOAT32, FLOAT64, Comparison, Tolerance, observe_named, to_numpy
from porter.verify.train import in_torch_layout, layer_scales
from porter.weights import copy_paddle_to_torch

HERE = Path(__file__).resolve().parent
SCRIPT = "train_classifier.py"

# float64 rounding of a correct port adds ~1e-13 of the scale or less per training step (measured on the
# registry models, docs/porting-a-training-script.md); a real difference, however small the hyper-parameter
# it hides in, is 1e-8 or more. Each step adds its own rounding, so the bound grows with the steps.
FLOAT64_RTOL_PER_STEP = 1e-10


def load_script(path: Path, name: str):
    """Import a training script as a module (its ``main`` does not run)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))  # a converted script imports porter_helpers from beside it
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


class RecordedScheduler:
    """The script's scheduler, noting the learning rate each step trained with before it steps."""

    def __init__(self, scheduler, rate) -> None:
        self.scheduler, self.rate, self.rates = scheduler, rate, []

    def step(self, *args, **kwargs):
        self.rates.append(self.rate())
        return self.scheduler.step(*args, **kwargs)


def align_momentum(paddle_optimizer, torch_optimizer) -> list[str]:
    """Give torch SGD the momentum and weight-decay coefficient Paddle's Momentum kernel computes with.

    Paddle passes both to its kernel as float32 attributes, also for float64 parameters (measured: in
    float64 one step with weight_decay=0.001 adds ``float32(0.001) * w`` to the gradient); torch multiplies
    by the Python float. A torch value equal to Paddle's up to that rounding gets the rounded value; any
    other value is a porting difference and is left for the comparison to find.
    """
    paddle_values = {
        "momentum": paddle_optimizer._momentum,
        "weight_decay": paddle_optimizer._regularization_coeff,
    }
    changed = set()
    for group in torch_optimizer.param_groups:
        for key, value in paddle_values.items():
            rounded = float(np.float32(value))
            if group[key] != rounded and abs(group[key] - value) <= 1e-7 * abs(value):
                changed.add(f"SGD {key} {group[key]!r} -> float32 {rounded!r} (Paddle's Momentum kernel)")
                group[key] = rounded
    return sorted(changed)


@dataclass
class Run:
    """One dtype's training on both sides: every judged tensor by name (Paddle's laid out as torch's)."""

    dtype: str
    paddle: dict[str, np.ndarray] = field(default_factory=dict)
    torch: dict[str, np.ndarray] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)
    running_var_ratio: tuple[float, float] = (1.0, 1.0)  # torch / paddle, mean per layer: min, max
    aligned: list[str] = field(default_factory=list)


@contextlib.contextmanager
def default_dtype(dtype: str):
    paddle.set_default_dtype(dtype)
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        yield
    finally:
        paddle.set_default_dtype("float32")
        torch.set_default_dtype(torch.float32)


def _same_path(path: str) -> str:
    return path  # the torch model has the Paddle model's layer names


def train_both(paddle_script, torch_script, initial: dict[str, np.ndarray], args, dtype: str) -> Run:
    """K steps of each script's training loop from ``initial`` (Paddle weights) on the same batches."""
    run = Run(dtype)
    with default_dtype(dtype):
        paddle_model = paddle_script.build_model(args.model, args.loss)
        paddle_model.set_state_dict({key: value.astype(dtype) for key, value in initial.items()})
        torch_model = torch_script.build_model(args.model, args.loss)
        plan = copy_paddle_to_torch(paddle_model, torch_model)
        layers = align_normalization(paddle_model, torch_model, _same_path)
        if layers:
            run.aligned.append(
                f"BatchNorm eps and momentum as Paddle's float32 values in {len(layers)} layers"
            )
        sides = []
        for script, model in ((paddle_script, paddle_model), (torch_script, torch_model)):
            optimizer, scheduler = script.build_optimizer(
                model, args.lr, args.momentum, args.weight_decay, args.steps
            )
            channels = script.MODELS[args.model][1]
            data = script.SyntheticImages(
                args.steps * args.batch_size, args.image_size, channels, args.seed, dtype
            )
            loader = script.DataLoader(data, batch_size=args.batch_size, shuffle=False)
            sides.append([script, model, optimizer, scheduler, loader])
        run.aligned += align_momentum(sides[0][2], sides[1][2])
        sides[0][3] = RecordedScheduler(sides[0][3], sides[0][2].get_lr)
        sides[1][3] = RecordedScheduler(sides[1][3], lambda: sides[1][2].param_groups[0]["lr"])
        losses = []
        with align_avg_pool_backward(paddle_model, torch_model, _same_path, dtype) as pools:
            for script, model, optimizer, scheduler, loader in sides:
                with contextlib.redirect_stdout(io.StringIO()):  # the loop's own log
                    losses.append(
                        script.train_one_epoch(model, optimizer, scheduler, loader, args.loss, args.steps)
                    )
        if pools:
            run.aligned.append(
                f"average-pool gradients scaled by Paddle's float32(1/N) in {len(pools)} layers"
            )
        for name, (paddle_values, torch_values) in {
            "loss per step": losses,
            "learning rate per step": (sides[0][3].rates, sides[1][3].rates),
        }.items():
            run.paddle[name], run.torch[name] = np.array(paddle_values), np.array(torch_values)
        paddle_state = {key: to_numpy(value) for key, value in paddle_model.state_dict().items()}
        torch_state = {key: to_numpy(value) for key, value in torch_model.state_dict().items()}
    running_var = {link.torch_key: link for link in plan.links if link.kind.endswith("running_var")}
    judged = set(torch_state) - set(plan.torch_only) - set(running_var)
    reference = in_torch_layout(plan, paddle_state, judged)
    run.paddle.update(reference)
    run.torch.update({key: torch_state[key] for key in reference})
    variances = {key: paddle_state[link.paddle_key] for key, link in running_var.items()}
    parameters = {name for name, _ in torch_model.named_parameters()}
    run.scales = layer_scales(reference, parameters, variances)
    ratios = [float(np.mean(torch_state[key] / variance)) for key, variance in variances.items()]
    run.running_var_ratio = (min(ratios), max(ratios)) if ratios else (1.0, 1.0)
    return run


def judge(tolerance: Tolerance, observed: Run, float64: Run | None = None) -> Comparison:
    """porter verify's verdict over one run: float64 against ``tolerance``; float32 against each side's
    own float32-vs-float64 difference in ``float64`` plus the float64 bound."""
    section = observe_named(observed.paddle, observed.torch, scales=observed.scales)
    reference = (
        None if float64 is None else observe_named(float64.paddle, float64.torch, scales=float64.scales)
    )
    return compare.judge(FLOAT64 if float64 is None else FLOAT32, tolerance, section, reference)


def initial_weights(paddle_script, args) -> dict[str, np.ndarray]:
    """The Paddle model as it starts training (seeded, float32), as numpy arrays."""
    paddle.seed(args.seed)
    model = paddle_script.build_model(args.model, args.loss)
    return {key: value.numpy() for key, value in model.state_dict().items()}


def parity(paddle_dir: Path, torch_dir: Path, args) -> tuple[Comparison, Comparison, Run, Run]:
    paddle_script = load_script(paddle_dir / SCRIPT, "paddle_train_classifier")
    torch_script = load_script(torch_dir / SCRIPT, "torch_train_classifier")
    initial = initial_weights(paddle_script, args)
    run64 = train_both(paddle_script, torch_script, initial, args, "float64")
    run32 = train_both(paddle_script, torch_script, initial, args, "float32")
    tolerance = Tolerance(args.steps * FLOAT64_RTOL_PER_STEP)
    return judge(tolerance, run64), judge(tolerance, run32, run64), run64, run32


def render(verdict: Comparison) -> str:
    """One verdict: the worst tensor, and every tensor beyond its bound."""
    worst = verdict.worst
    lines = [
        f"{verdict.check}: {'PASS' if verdict.passed else 'FAIL'}  {verdict.describe()},"
        f" over {len(verdict.metrics)} tensors; worst {worst.name}: {worst.max_rel:.1e} of its scale,"
        f" {_share(worst.bound_use)} its bound"
    ]
    lines += [
        f"  beyond the bound: {m.name} (max rel {m.max_rel:.2e})" for m in verdict.metrics if not m.passed
    ]
    return "\n".join(lines)


def _share(use: float) -> str:
    return f"{use:.0%} of" if 0.01 <= use <= 1 else f"{use:.1e} times"


def report(args, float64: Comparison, float32: Comparison, run64: Run, run32: Run) -> str:
    lines = [
        f"{args.model}, {args.steps} steps of {args.batch_size} images {args.image_size}x{args.image_size},"
        f" lr {args.lr:g} (cosine), momentum {args.momentum:g}, weight decay {args.weight_decay:g}",
        "aligned before training (Paddle's own arithmetic, given to torch):",
        *(f"  {line}" for line in run64.aligned),
        "",
        f"{'step':>4}  {'lr':>10}  {'loss float64 paddle':>20}  {'torch':>20}  {'rel diff':>8}"
        f"  {'loss float32 paddle':>20}  {'torch':>12}  {'rel diff':>8}",
    ]
    for step in range(args.steps):
        p64, t64 = run64.paddle["loss per step"][step], run64.torch["loss per step"][step]
        p32, t32 = run32.paddle["loss per step"][step], run32.torch["loss per step"][step]
        lines.append(
            f"{step + 1:>4}  {run64.paddle['learning rate per step'][step]:>10.3e}  {p64:>20.15f}  {t64:>20.15f}"
            f"  {abs(t64 - p64) / abs(p64):>8.1e}  {p32:>20.7f}  {t32:>12.7f}  {abs(t32 - p32) / abs(p32):>8.1e}"
        )
    low, high = run64.running_var_ratio
    lines += [
        "",
        render(float64),
        render(float32),
        f"BatchNorm running variance, reported and not judged: torch / paddle {low:.4f} .. {high:.4f} per layer"
        " (torch updates it with the unbiased batch variance, Paddle with the biased one)",
    ]
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50")
    parser.add_argument("--loss", default="bce", choices=("bce", "ce"))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.001)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=0.001)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--paddle-dir", type=Path, default=HERE / "paddle")
    parser.add_argument("--torch-dir", type=Path, default=HERE / "torch")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    float64, float32, run64, run32 = parity(args.paddle_dir, args.torch_dir, args)
    print(report(args, float64, float32, run64, run32))
    return 0 if float64.passed and float32.passed else 1


if __name__ == "__main__":
    sys.exit(main())
