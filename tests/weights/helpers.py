"""Shared helpers: random Paddle states (so a swapped tensor cannot hide behind default init) and forwards."""

from __future__ import annotations

import numpy as np
import paddle
import torch


def build_paddle_float64(factory):
    """Build a Paddle layer in float64 (``Layer.to(dtype=...)`` breaks Paddle RNNs' flattened weights)."""
    previous = paddle.get_default_dtype()
    paddle.set_default_dtype("float64")
    try:
        return factory()
    finally:
        paddle.set_default_dtype(previous)


def randomize_paddle(layer: paddle.nn.Layer, seed: int = 0) -> paddle.nn.Layer:
    """Give every state tensor distinct random values; variances stay positive."""
    rng = np.random.default_rng(seed)
    for key, tensor in layer.state_dict().items():
        values = rng.standard_normal(tuple(tensor.shape))
        if key.endswith("_variance"):
            values = np.abs(values) + 0.5
        tensor.set_value(values.astype(tensor.numpy().dtype))
    return layer


def paddle_forward(layer: paddle.nn.Layer, *inputs: np.ndarray) -> np.ndarray:
    layer.eval()
    with paddle.no_grad():
        out = layer(*(paddle.to_tensor(x) for x in inputs))
    return (out[0] if isinstance(out, tuple | list) else out).numpy()


def torch_forward(module: torch.nn.Module, *inputs: np.ndarray) -> np.ndarray:
    module.eval()
    with torch.no_grad():
        out = module(*(torch.from_numpy(x) for x in inputs))
    return (out[0] if isinstance(out, tuple | list) else out).numpy()
