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


def apply_param_attr(tensor: torch.Tensor | None, attr: Any, *, transposed: bool = False) -> None:
    """What Paddle does with ``weight_attr``/``bias_attr=attr`` for the parameter it creates.

    None, True or a name: nothing (the layer's own initialization stays). An initializer (a callable
    filling a tensor) or a ParamAttr: the initializer fills the tensor and ``trainable`` sets
    ``requires_grad``. ``False`` (no parameter at all): nothing when the layer was built without the
    parameter; it cannot be undone after a layer was built with it. ``transposed``: the tensor is the
    transpose of Paddle's (a Linear weight), so values an ``Assign`` copies in go in transposed; random
    initializers draw the same either way (fans included).
    """
    if attr is None or attr is True or isinstance(attr, str):
        return
    if attr is False:
        if tensor is None:  # built without it (``bias=attr is not False``), as Paddle builds it
            return
        raise ValueError(
            "a computed weight_attr/bias_attr of False (no parameter) cannot be applied after construction"
        )
    if tensor is None:
        raise ValueError("the layer has no such parameter to apply the attribute to")
    if not isinstance(attr, ParamAttr):
        attr = ParamAttr(initializer=attr)
    if attr.initializer is not None:
        with torch.no_grad():
            attr.initializer(tensor.T if transposed and isinstance(attr.initializer, Assign) else tensor)
    tensor.requires_grad_(attr.trainable)
    if attr.learning_rate != 1.0 or attr.regularizer is not None:
        warnings.warn(
            "ParamAttr learning_rate/regularizer are not applied: use an optimizer parameter group",
            stacklevel=2,
        )


def with_param_attrs(layer: torch.nn.Module, **attrs: Any) -> torch.nn.Module:
    """``layer`` after ``apply_param_attr`` for each of its parameters named in ``attrs``
    (``weight=weight_attr, bias=bias_attr``): Paddle applies the attributes while it builds a layer, so
    a layer built inside an expression (``nn.Sequential(nn.Conv1D(..., bias_attr=attr))``) gets them there."""
    for name, attr in attrs.items():
        transposed = name == "weight" and isinstance(layer, torch.nn.Linear)  # [out, in]; Paddle's [in, out]
        apply_param_attr(getattr(layer, name), attr, transposed=transposed)
    return layer


class Assign:
    """``paddle.nn.initializer.Assign(value)``: fills a parameter with the given values (a numpy array,
    a list, a tensor). torch.nn.init has no such initializer. Like Paddle it reads an array when it fills
    (later changes to the array show) and a tensor's values when it is built; a value of another shape
    is refused, where Paddle would give the parameter that shape."""

    def __init__(self, value: Any) -> None:  # Paddle's name only labels it
        self.value = value.detach().clone() if isinstance(value, torch.Tensor) else value

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        value = torch.as_tensor(self.value, device=tensor.device)
        if value.shape != tensor.shape:
            raise ValueError(
                f"Assign: a value of shape {list(value.shape)} for a parameter of shape {list(tensor.shape)}"
            )
        with torch.no_grad():
            return tensor.copy_(value)


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
