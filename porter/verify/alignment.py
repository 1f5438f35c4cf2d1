"""Where Paddle's kernels round differently from torch's by design, give torch Paddle's arithmetic.

Each alignment is a measured property of Paddle (tests/verify/test_alignment.py), applied only
when the torch layer already computes the same thing up to that rounding, and reported by
``verify_pair``. Any other difference is left alone for the comparison to catch.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

import numpy as np


def _float32_epsilon_kinds():
    """(torch type, Paddle types) of the normalisations whose Paddle kernels take epsilon as float32.

    Measured on Paddle 3.3.1 in float64 (tests/verify/test_alignment.py): BatchNorm, LayerNorm and
    InstanceNorm normalise with float32(eps); GroupNorm uses the float64 value and is not aligned.
    """
    import paddle
    from torch import nn
    from torch.nn.modules.batchnorm import _BatchNorm
    from torch.nn.modules.instancenorm import _InstanceNorm

    return (
        (_BatchNorm, (paddle.nn.layer.norm._BatchNormBase, paddle.nn.BatchNorm)),
        (_InstanceNorm, (paddle.nn.layer.norm._InstanceNormBase,)),
        (nn.LayerNorm, (paddle.nn.LayerNorm,)),
    )


def align_normalization(paddle_model, torch_model, torch_to_paddle_path) -> list[str]:
    """Give torch BatchNorm, LayerNorm and InstanceNorm the epsilon (and momentum) Paddle computes with.

    Paddle hands these layers' ``epsilon`` and BatchNorm's ``momentum`` to its kernels as float32
    attributes, also for float64 tensors (measured on Paddle 3.3.1): eps 1e-5 is used as
    9.99999974e-06 and the running average moves by 1 - float32(0.9) = 0.10000002384. In float64
    both show up as 1e-9..1e-7 relative differences where the variance is small, and in training. A
    torch layer whose eps equals Paddle's, and whose momentum equals ``1 - paddle momentum``, up to
    that rounding gets Paddle's exact values; any other value is a porting bug and is left alone for
    the comparison to catch. Returns the torch paths changed.
    """
    from torch.nn.modules.batchnorm import _BatchNorm

    kinds = _float32_epsilon_kinds()
    paddle_layers = dict(paddle_model.named_sublayers())
    aligned = []
    for path, module in torch_model.named_modules():
        layer = paddle_layers.get(torch_to_paddle_path(path))
        if layer is None or not any(
            isinstance(module, torch_kind) and isinstance(layer, paddle_kinds)
            for torch_kind, paddle_kinds in kinds
        ):
            continue
        eps, momentum = getattr(layer, "_epsilon", None), getattr(layer, "_momentum", None)
        before = (module.eps, getattr(module, "momentum", None))
        if eps is not None and abs(module.eps - eps) <= 1e-7 * eps:
            module.eps = float(np.float32(eps))
        if (
            isinstance(module, _BatchNorm)
            and momentum is not None
            and module.momentum is not None
            and abs(module.momentum - (1 - momentum)) < 1e-6
        ):
            module.momentum = 1.0 - float(np.float32(momentum))
        if (module.eps, getattr(module, "momentum", None)) != before:
            aligned.append(path)
    return aligned


_PADDLE_AVG_POOLS = (
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "AdaptiveAvgPool1D",
    "AdaptiveAvgPool2D",
    "AdaptiveAvgPool3D",
)


def _pool_rank(module) -> int | None:
    """How many spatial axes a torch average pool averages over (its input may be unbatched)."""
    from torch import nn

    kinds = {
        1: (nn.AvgPool1d, nn.AdaptiveAvgPool1d),
        2: (nn.AvgPool2d, nn.AdaptiveAvgPool2d),
        3: (nn.AvgPool3d, nn.AdaptiveAvgPool3d),
    }
    return next((rank for rank, types in kinds.items() if isinstance(module, types)), None)


def _window_sizes(size: int, out: int) -> np.ndarray:
    """Adaptive pooling windows along one axis: [floor(i * size / out), ceil((i + 1) * size / out))."""
    return np.array([math.ceil((i + 1) * size / out) - (i * size) // out for i in range(out)])


def _divisors(module, spatial: tuple[int, ...], out_spatial: tuple[int, ...]):
    """The number each output element of a torch average pool is divided by, shaped like the output's
    spatial axes (so it broadcasts over batch and channels)."""
    import torch
    import torch.nn.functional as F
    from torch.nn.modules.pooling import _AdaptiveAvgPoolNd

    if isinstance(module, _AdaptiveAvgPoolNd):
        sizes = [_window_sizes(n, o) for n, o in zip(spatial, out_spatial, strict=True)]
        divisors = np.ones(())
        for axis in sizes:
            divisors = np.multiply.outer(divisors, axis)
        return torch.from_numpy(divisors.astype(np.float64)).reshape(out_spatial)
    # average = (sum of the inputs in the window) / divisor: with all-ones input, divisor = count / average
    ones = torch.ones((1, 1, *spatial), dtype=torch.float64)
    pool = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[len(spatial)]
    params = (module.kernel_size, module.stride, module.padding, module.ceil_mode, module.count_include_pad)
    average = pool(ones, *params) if len(spatial) == 1 else pool(ones, *params, module.divisor_override)
    if len(spatial) == 1:  # avg_pool1d has no divisor_override: count with a 2-D pool over a unit axis
        counted = F.avg_pool2d(ones.unsqueeze(-2), (1, *params[0]), (1, *params[1]), (0, *params[2]),
                               module.ceil_mode, True, 1).squeeze(-2)  # fmt: skip
    else:
        counted = pool(ones, *params[:4], True, 1)
    return torch.where(average > 0, counted / average, torch.ones_like(average)).reshape(out_spatial)


def _scale_gradient():
    import torch

    class ScaleGradient(torch.autograd.Function):
        """Identity forward; backward multiplies the incoming gradient by ``scale``."""

        @staticmethod
        def forward(ctx, output, scale):
            ctx.save_for_backward(scale)
            return output.view_as(output)

        @staticmethod
        def backward(ctx, grad):
            (scale,) = ctx.saved_tensors
            return grad * scale, None

    return ScaleGradient


@contextlib.contextmanager
def align_avg_pool_backward(
    paddle_model, torch_model, torch_to_paddle_path: Callable[[str], str], dtype: str
) -> Iterator[list[str]]:
    """Give torch average pools Paddle's backward scale while the block runs; yields their paths.

    Paddle's average-pool backward multiplies by ``float32(1 / N)`` for every window of N inputs, in
    float64 too (measured on Paddle 3.3.1 for adaptive, padded, exclusive/inclusive, ceil-mode and
    1-D pools): ResNet's global 7x7 pool sends gradients 2.0e-8 off the exact value, 200x the float64
    bound. In float64, each torch average pool whose Paddle counterpart is an average pool scales
    the gradient reaching it by ``float32(1/N) * N``, which reproduces Paddle's to ~1e-16. The
    forward pass is untouched. Pools called functionally inside ``forward`` cannot be reached.
    """
    if dtype != "float64":  # in float32, float32(1/N) is what the arithmetic rounds to anyway
        yield []
        return
    scale_gradient = _scale_gradient()
    paddle_layers = dict(paddle_model.named_sublayers())

    def hook(module, inputs, output):
        rank = _pool_rank(module)
        divisors = _divisors(module, tuple(inputs[0].shape[-rank:]), tuple(output.shape[-rank:]))
        scale = (1 / divisors).float().double() * divisors  # float32(1/N) * N
        return scale_gradient.apply(output, scale.to(device=output.device, dtype=output.dtype))

    handles, aligned = [], []
    for path, module in torch_model.named_modules():
        layer = paddle_layers.get(torch_to_paddle_path(path))
        if _pool_rank(module) and type(layer).__name__ in _PADDLE_AVG_POOLS:
            handles.append(module.register_forward_hook(hook))
            aligned.append(path)
    try:
        yield aligned
    finally:
        for handle in handles:
            handle.remove()


def _paddle_hardsigmoid_constants() -> tuple[float, float]:
    """(slope, offset) ``paddle.nn.Hardsigmoid`` computes with: the float32 attributes of its kernel."""
    import inspect

    import paddle

    parameters = inspect.signature(paddle.nn.functional.hardsigmoid).parameters
    return float(np.float32(parameters["slope"].default)), float(np.float32(parameters["offset"].default))


def _is_downscale_dropout(module, layer) -> bool:
    """A torch ``DownscaleInInferDropout`` (the helper porter writes) with the Paddle layer's p."""
    import paddle

    return (
        type(module).__name__ == "DownscaleInInferDropout"
        and isinstance(layer, paddle.nn.Dropout)
        and getattr(layer, "mode", "") == "downscale_in_infer"
        and getattr(module, "p", None) == layer.p
    )


@contextlib.contextmanager
def align_float32_constants(
    paddle_model, torch_model, torch_to_paddle_path: Callable[[str], str], dtype: str
) -> Iterator[list[str]]:
    """Give torch layers the float32 constants Paddle computes with in float64; yields their paths.

    Measured on Paddle 3.3.1 in float64 (tests/verify/test_alignment.py): ``nn.Hardsigmoid`` computes
    ``clip(float32(0.1666667) * x + 0.5, 0, 1)`` where ``torch.nn.Hardsigmoid`` uses exactly 1/6
    (2e-8 relative apart), and ``Dropout(mode="downscale_in_infer")`` scales by ``float32(1 - p)`` in
    eval mode where the written-out helper uses ``1 - p`` (4e-8 apart for p = 0.4). Only a torch layer
    that computes the same function up to that rounding is changed, and only while the block runs;
    in float32 both constants are what the arithmetic rounds to anyway. Calls made functionally inside
    ``forward`` cannot be reached.
    """
    if dtype != "float64":
        yield []
        return
    import paddle
    import torch

    slope, offset = _paddle_hardsigmoid_constants()

    def hardsigmoid(module, inputs, output):
        return torch.clamp(inputs[0] * slope + offset, 0.0, 1.0)

    def downscale(module, inputs, output):
        return None if module.training else inputs[0] * float(np.float32(1.0 - module.p))

    paddle_layers = dict(paddle_model.named_sublayers())
    handles, aligned = [], []
    for path, module in torch_model.named_modules():
        layer = paddle_layers.get(torch_to_paddle_path(path))
        if isinstance(module, torch.nn.Hardsigmoid) and type(layer) is paddle.nn.Hardsigmoid:
            handles.append(module.register_forward_hook(hardsigmoid))
        elif _is_downscale_dropout(module, layer):
            handles.append(module.register_forward_hook(downscale))
        else:
            continue
        aligned.append(path)
    try:
        yield aligned
    finally:
        for handle in handles:
            handle.remove()


# float32 tables a layer computes in its constructor (sin/cos/exp of a positional encoding) come out of the
# two frameworks' float32 math libraries a few units in the last place apart; a porting bug is far larger.
_CONSTRUCTOR_ROUNDING = 8 * float(np.finfo(np.float32).eps)


def align_constant_buffers(paddle_model, torch_model, torch_to_paddle_path) -> list[str]:
    """Give torch's non-persistent buffers (outside the state dict, so not transferred: tables a layer
    builds in its constructor) Paddle's values, where the two agree to float32 rounding of the table's
    scale. A table that differs by more is left as torch computed it, for the comparison to catch.
    Returns the torch buffer names set."""
    import torch

    in_state = set(torch_model.state_dict())
    paddle_buffers = dict(paddle_model.named_buffers())
    aligned = []
    for name, buffer in torch_model.named_buffers():
        if name in in_state or not buffer.is_floating_point():
            continue
        module, _, leaf = name.rpartition(".")
        source = paddle_buffers.get(".".join(filter(None, [torch_to_paddle_path(module), leaf])))
        if source is None or tuple(source.shape) != tuple(buffer.shape):
            continue
        theirs = np.asarray(source.numpy(), dtype=np.float64)
        ours = buffer.detach().cpu().double().numpy()
        scale = float(np.max(np.abs(theirs), initial=0.0))
        if np.all(np.abs(theirs - ours) <= _CONSTRUCTOR_ROUNDING * scale):
            with torch.no_grad():
                buffer.copy_(torch.from_numpy(theirs).to(buffer.dtype))
            aligned.append(name)
    return aligned
