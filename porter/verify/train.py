"""Backward and N-step training parity.

Backward: one scalar loss, ``sum(output * W)`` with a fixed seeded ``W`` per output tensor, on both
sides; every parameter gradient is compared (Paddle Linear weights are [in, out], so their
gradients are transposed back per the weight-transfer plan).

Training: matching optimizers on seeded synthetic batches in train mode, with the same kind of
weighted-sum loss (a new seeded ``W`` per step); loss per step and final weights compared. Two
framework differences are handled openly rather than hidden:

* Dropout draws different random masks in each framework, so every dropout layer gets ``p = 0``
  on both sides for the training comparison (reported by name).
* BatchNorm running variance: Paddle updates it with the biased batch variance, torch with the
  unbiased one (n / (n - 1) larger). Running variances are therefore reported, with their measured
  difference, but not part of the verdict; train-mode outputs and losses use batch statistics and
  are unaffected, and running means are compared like weights.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from porter.verify import runtime
from porter.verify.compare import Observed, flatten, largest_magnitude, observe_named, to_numpy

OPTIMIZERS = ("momentum", "adam")
MOMENTUM = 0.9
# Each step moves the parameters by about this fraction of their norm. A fixed learning rate cannot
# suit every model: at lr 1e-4 (with the earlier MSE loss) VGG-16 as Paddle initialises it diverged
# within 3 steps (loss 0.9 -> 677 -> 46,554), and a diverging run amplifies rounding exponentially
# while saying nothing about the port. At a fraction of 1e-3, ResNet-50's float64 training (batch-2
# BatchNorm) drifted to 4e-9; 1e-4 keeps every registry model within the float64 bound.
STEP_FRACTION = 1e-4


def auto_learning_rate(optimizer: str, parameters: list[np.ndarray], gradients: list[np.ndarray]) -> float:
    """The learning rate whose first step moves the parameters by ``STEP_FRACTION`` of their norm.

    SGD with momentum steps by ``lr * grad`` on the first step; Adam by about ``lr`` per element.
    """
    weight_norm = float(np.sqrt(sum(np.sum(np.square(p, dtype=np.float64)) for p in parameters)))
    if optimizer == "adam":
        size = sum(p.size for p in parameters)
        return STEP_FRACTION * weight_norm / np.sqrt(size)
    grad_norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in gradients)))
    if grad_norm == 0 or weight_norm == 0:
        raise ValueError("cannot choose a learning rate: the parameters or their first gradient are all zero")
    return STEP_FRACTION * weight_norm / grad_norm


# --- losses ---------------------------------------------------------------------------------------


def _leaves(output: Any) -> list[Any]:
    return [leaf for _, leaf in flatten(output)]


def seeded_arrays(shapes: Iterable[tuple[int, ...]], dtype: str, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in shapes]


def weighted_sum(output: Any, weights: list[np.ndarray], as_tensor: Callable[[np.ndarray], Any]):
    """sum_i sum(output_i * W_i): its gradient w.r.t. each output is exactly W_i."""
    return sum((leaf * as_tensor(w)).sum() for leaf, w in zip(_leaves(output), weights, strict=True))


def _output_shapes(output: Any) -> list[tuple[int, ...]]:
    return [tuple(leaf.shape) for leaf in _leaves(output)]


# --- parameters by plan ---------------------------------------------------------------------------


def in_torch_layout(
    plan, paddle_arrays: dict[str, np.ndarray], torch_keys: set[str]
) -> dict[str, np.ndarray]:
    """Paddle arrays (weights or their gradients) laid out as the weight transfer wrote them, by torch key.

    Linear weights come back transposed; tensors torch packs from several Paddle ones (attention
    q/k/v) are joined the same way.
    """
    out = {
        link.torch_key: link.lay_out(paddle_arrays[link.paddle_key])
        for link in plan.links
        if link.torch_key in torch_keys
    }
    for join in plan.joins:
        if join.torch_key in torch_keys:
            out[join.torch_key] = join.lay_out([paddle_arrays[key] for key in join.paddle_keys])
    return out


def _paddle_grads(paddle_model) -> dict[str, np.ndarray]:
    return {
        name: (to_numpy(p.grad) if p.grad is not None else np.zeros(p.shape, dtype=to_numpy(p).dtype))
        for name, p in paddle_model.named_parameters()
    }


def _torch_grads(torch_model) -> dict[str, np.ndarray]:
    return {
        name: to_numpy(p.grad) if p.grad is not None else np.zeros(tuple(p.shape), dtype=to_numpy(p).dtype)
        for name, p in torch_model.named_parameters()
    }


def gradients(
    paddle_model,
    torch_model,
    paddle_inputs: tuple,
    torch_inputs: tuple,
    plan,
    *,
    dtype: str,
    device: runtime.Device,
    seed: int,
) -> Observed:
    """Gradients of the same weighted-sum loss on both sides, per torch parameter name (eval mode)."""
    paddle_model.clear_gradients()
    torch_model.zero_grad(set_to_none=True)
    paddle_out = paddle_model(*paddle_inputs)
    weights = seeded_arrays(_output_shapes(paddle_out), dtype, seed)
    weighted_sum(paddle_out, weights, lambda a: runtime.to_paddle(a, device)).backward()
    weighted_sum(torch_model(*torch_inputs), weights, lambda a: runtime.to_torch(a, device)).backward()
    torch_grads = _torch_grads(torch_model)
    reference = in_torch_layout(plan, _paddle_grads(paddle_model), set(torch_grads))
    paddle_model.clear_gradients()
    torch_model.zero_grad(set_to_none=True)
    return observe_named(reference, torch_grads)


# --- training -------------------------------------------------------------------------------------


@contextlib.contextmanager
def dropout_disabled(paddle_model, torch_model) -> Iterator[list[str]]:
    """Set p = 0 on every dropout layer of both models while the block runs; yields the layers changed.

    Restored afterwards: an eval-mode forward pass must still see Paddle's ``downscale_in_infer``
    dropout scale its output by ``1 - p``.
    """
    import paddle
    from torch.nn.modules.dropout import _DropoutNd

    paddle_kinds = (
        paddle.nn.Dropout,
        paddle.nn.Dropout2D,
        paddle.nn.Dropout3D,
        paddle.nn.AlphaDropout,
        paddle.nn.FeatureAlphaDropout,
    )
    changed = [
        (f"paddle:{path}", layer)
        for path, layer in paddle_model.named_sublayers()
        if isinstance(layer, paddle_kinds) and layer.p
    ]
    changed += [
        (f"torch:{path}", module)
        for path, module in torch_model.named_modules()
        if isinstance(module, _DropoutNd) and module.p
    ]
    before = [layer.p for _, layer in changed]
    try:
        for _, layer in changed:
            layer.p = 0.0
        yield [name for name, _ in changed]
    finally:
        for (_, layer), p in zip(changed, before, strict=True):
            layer.p = p


def make_optimizers(name: str, paddle_model, torch_model, lr: float):
    """The same update rule on both sides (checked against each other in tests/verify/test_train.py).

    Paddle's Momentum kernel receives ``momentum`` as a float32 attribute even for float64
    parameters, so torch is given the same float32-rounded coefficient. Adam: both default to
    beta1 0.9, beta2 0.999, eps 1e-8, and Paddle's ``eps * sqrt(1 - beta2^t)`` inside the bias-corrected
    step is algebraically torch's ``eps`` added to the bias-corrected ``sqrt(v)``.
    """
    import paddle
    import torch

    if name == "momentum":
        return (
            paddle.optimizer.Momentum(
                learning_rate=lr, momentum=MOMENTUM, parameters=paddle_model.parameters()
            ),
            torch.optim.SGD(torch_model.parameters(), lr=lr, momentum=float(np.float32(MOMENTUM))),
        )
    if name == "adam":
        return (
            paddle.optimizer.Adam(learning_rate=lr, parameters=paddle_model.parameters()),
            torch.optim.Adam(torch_model.parameters(), lr=lr),
        )
    raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")


@dataclass(frozen=True)
class StepLoss:
    step: int
    paddle: float
    torch: float

    @property
    def rel(self) -> float:
        return abs(self.paddle - self.torch) / abs(self.paddle) if self.paddle else abs(self.torch)


@dataclass(frozen=True)
class RunningVarNote:
    """A BatchNorm running variance after training, Paddle vs torch (reported, not judged)."""

    torch_key: str
    max_rel: float
    mean_ratio: float  # mean(torch / paddle); > 1 when torch used the unbiased batch variance


@dataclass(frozen=True)
class TrainRun:
    """One dtype's training on both sides: the losses, and every judged tensor after the last step."""

    dtype: str
    learning_rate: float
    batch_shape: tuple[int, ...]
    losses: tuple[StepLoss, ...]
    observed: Observed  # "loss per step", then parameters and BatchNorm running means, with their scales
    running_var: tuple[RunningVarNote, ...]


def layer_scales(
    reference: dict[str, np.ndarray], parameters: set[str], running_vars: dict[str, np.ndarray]
) -> dict[str, float]:
    """The scale each trained tensor is judged against: the size of its effect on the layer's output.

    Biases and BatchNorm shifts start at zero, so after a few steps their own size is just the sum of
    those steps, and relative to it every rounding difference in their gradient looks large. In
    train-mode BatchNorm networks that gradient is a near-cancelling sum (a shift feeding ReLU ->
    conv -> BatchNorm matters only through the ReLU). An error in ``gamma`` or ``beta`` moves
    ``gamma * x_hat + beta`` by that error, one in ``b`` moves ``W x + b`` by at least that much: every
    parameter is judged against the layer's largest parameter. A running mean enters as
    ``(x - mean) / sqrt(var)``: it is judged against the running standard deviation (Paddle's).
    Anything else keeps its own scale.
    """
    largest: dict[str, float] = {}
    for key in parameters & set(reference):
        layer = key.rpartition(".")[0]
        largest[layer] = max(largest.get(layer, 0.0), largest_magnitude(reference[key]))
    scales = {key: largest[key.rpartition(".")[0]] for key in parameters & set(reference)}
    for key, variance in running_vars.items():
        mean_key = key.removesuffix("running_var") + "running_mean"
        if mean_key in reference:
            scales[mean_key] = float(np.sqrt(largest_magnitude(variance)))
    return scales


def _is_running_var(link) -> bool:
    return link.kind.endswith("running_var")


def first_step_learning_rate(optimizer: str, paddle_model) -> float:
    """``auto_learning_rate`` from the Paddle side's current gradient."""
    params = [to_numpy(p) for p in paddle_model.parameters() if not p.stop_gradient]
    return auto_learning_rate(optimizer, params, list(_paddle_grads(paddle_model).values()))


def train_run(
    paddle_model,
    torch_model,
    plan,
    *,
    steps: int,
    batch_shapes: list[tuple[int, ...]],
    dtype: str,
    device: runtime.Device,
    seed: int,
    optimizer: str = "momentum",
    lr: float | None = None,
) -> TrainRun:
    """``steps`` optimizer steps on both sides from the same weights, on seeded batches.

    ``lr=None`` picks the rate from the Paddle side's first gradient (``auto_learning_rate``); the
    verdict passes the rate of its first run to the second, so both dtypes train alike.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    paddle_model.train()
    torch_model.train()
    paddle_opt = torch_opt = None
    losses = []
    for step in range(steps):
        batch = seeded_arrays(batch_shapes, dtype, seed + 1000 + step)
        paddle_model.clear_gradients()
        torch_model.zero_grad(set_to_none=True)
        paddle_out = paddle_model(*(runtime.to_paddle(a, device) for a in batch))
        # The weighted-sum loss hands every output the exact gradient W whatever the output is. A
        # loss like MSE would hand it (output - target): when they happen to be close, rounding
        # in the output becomes a large relative error in the gradient (ResNet-152, batch 2 at 224:
        # first loss 0.039, float64 training off by 1.5e-10 after 3 steps; 2e-11 with this loss).
        weights = seeded_arrays(_output_shapes(paddle_out), dtype, seed + 2000 + step)
        paddle_loss = weighted_sum(paddle_out, weights, lambda a: runtime.to_paddle(a, device))
        torch_out = torch_model(*(runtime.to_torch(a, device) for a in batch))
        torch_loss = weighted_sum(torch_out, weights, lambda a: runtime.to_torch(a, device))
        paddle_loss.backward()
        torch_loss.backward()
        if paddle_opt is None:
            lr = first_step_learning_rate(optimizer, paddle_model) if lr is None else lr
            paddle_opt, torch_opt = make_optimizers(optimizer, paddle_model, torch_model, lr)
        paddle_opt.step()
        torch_opt.step()
        losses.append(StepLoss(step + 1, float(to_numpy(paddle_loss)), float(to_numpy(torch_loss))))
    paddle_model.clear_gradients()
    torch_model.zero_grad(set_to_none=True)
    paddle_model.eval()
    torch_model.eval()

    paddle_state = {key: to_numpy(value) for key, value in paddle_model.state_dict().items()}
    torch_state = {key: to_numpy(value) for key, value in torch_model.state_dict().items()}
    judged = (
        set(torch_state)
        - set(plan.torch_only)
        - {link.torch_key for link in plan.links if _is_running_var(link)}
    )
    reference = in_torch_layout(plan, paddle_state, judged)
    running_vars = {
        link.torch_key: paddle_state[link.paddle_key] for link in plan.links if _is_running_var(link)
    }
    parameters = {name for name, _ in torch_model.named_parameters()}
    notes = []
    for link in plan.links:
        if _is_running_var(link):
            ref, other = paddle_state[link.paddle_key], torch_state[link.torch_key]
            max_rel = largest_magnitude(other - ref) / max(largest_magnitude(ref), np.finfo(ref.dtype).tiny)
            notes.append(RunningVarNote(link.torch_key, max_rel, float(np.mean(other / ref))))
    loss = "loss per step"
    return TrainRun(
        dtype=dtype,
        learning_rate=lr,
        batch_shape=tuple(batch_shapes[0]),
        losses=tuple(losses),
        observed=observe_named(
            {loss: np.array([s.paddle for s in losses]), **reference},
            {loss: np.array([s.torch for s in losses]), **{key: torch_state[key] for key in judged}},
            layer_scales(reference, parameters, running_vars),
        ),
        running_var=tuple(notes),
    )
