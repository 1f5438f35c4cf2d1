"""Activations whose Paddle formula differs from torch's built-in one."""

from __future__ import annotations

import numpy as np
import torch

# Paddle's hardsigmoid is clip(x * slope + offset, 0, 1) with the slope stored as a float32 attribute
# (0.1666667, not 1/6) even for float64 inputs; torch's hardsigmoid uses exactly 1/6, which differs by
# ~1e-7 and breaks float64 parity. Keeping Paddle's constant reproduces Paddle bit for bit.
_PADDLE_SLOPE = 0.1666667
_PADDLE_OFFSET = 0.5


def _as_attribute(value: float) -> float:
    """The value Paddle's kernel sees: float attributes are stored as float32."""
    return float(np.float32(value))


def hardsigmoid(
    x: torch.Tensor, slope: float = _PADDLE_SLOPE, offset: float = _PADDLE_OFFSET
) -> torch.Tensor:
    """``paddle.nn.functional.hardsigmoid``: ``clip(x * slope + offset, 0, 1)``."""
    return torch.clamp(x * _as_attribute(slope) + _as_attribute(offset), 0.0, 1.0)


class Hardsigmoid(torch.nn.Module):
    """``paddle.nn.Hardsigmoid`` (slope 0.1666667, offset 0.5), as a torch module."""

    def __init__(self, slope: float = _PADDLE_SLOPE, offset: float = _PADDLE_OFFSET) -> None:
        super().__init__()
        self.slope = slope
        self.offset = offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return hardsigmoid(x, self.slope, self.offset)

    def extra_repr(self) -> str:
        return f"slope={self.slope}, offset={self.offset}"
