"""``paddle.ParamAttr`` kept as a value: built in one place, given to a layer elsewhere.

Where a ParamAttr is written inside a layer call, porter writes ``torch.nn.init`` calls after the layer
is built and needs none of this. Code that builds the attribute elsewhere (``def xavier(...): return
ParamAttr(initializer=...)`` ... ``Linear(..., weight_attr=xavier(1024, 1))``) keeps a ``ParamAttr``
value, and ``apply_param_attr`` does to the new parameter what Paddle does with it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class ParamAttr:
    """Paddle's ParamAttr fields; only ``initializer`` and ``trainable`` act on a torch tensor."""

    name: str | None = None
    initializer: Callable[[torch.Tensor], Any] | None = None
    learning_rate: float = 1.0
    regularizer: Any = None
    trainable: bool = True
    do_model_average: bool = True
    need_clip: bool = True


def apply_param_attr(tensor: torch.Tensor | None, attr: Any) -> None:
    """What Paddle does with ``weight_attr``/``bias_attr=attr`` for the parameter it creates.

    None, True or a name: nothing (the layer's own initialization stays). An initializer (a callable
    filling a tensor) or a ParamAttr: the initializer fills the tensor and ``trainable`` sets
    ``requires_grad``. ``False`` (no parameter at all) cannot be undone after the layer is built.
    """
    if attr is None or attr is True or isinstance(attr, str):
        return
    if attr is False:
        raise ValueError(
            "a computed weight_attr/bias_attr of False (no parameter) cannot be applied after construction"
        )
    if tensor is None:
        raise ValueError("the layer has no such parameter to apply the attribute to")
    if not isinstance(attr, ParamAttr):
        attr = ParamAttr(initializer=attr)
    if attr.initializer is not None:
        with torch.no_grad():
            attr.initializer(tensor)
    tensor.requires_grad_(attr.trainable)
    if attr.learning_rate != 1.0 or attr.regularizer is not None:
        warnings.warn(
            "ParamAttr learning_rate/regularizer are not applied: use an optimizer parameter group",
            stacklevel=2,
        )


class L2Decay(float):
    """``paddle.regularizer.L2Decay(coeff)``: adds ``coeff * param`` to each gradient, which is what a torch
    optimizer's ``weight_decay=coeff`` does, so it is that number. Held by a ``ParamAttr`` (a per-parameter
    regularizer) it has no effect in torch: give those parameters their own optimizer parameter group."""

    def __new__(cls, coeff: float = 0.0) -> L2Decay:
        return super().__new__(cls, coeff)

    @property
    def coeff(self) -> float:
        return float(self)

    def __repr__(self) -> str:
        return f"L2Decay({float(self)!r})"
