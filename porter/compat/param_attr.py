"""``paddle.ParamAttr`` and initializer objects kept as values (built in one place, used by a layer elsewhere).

Where a ParamAttr is written inside a layer call, ``porter convert`` turns it into ``torch.nn.init`` calls
after the layer is built. Code that builds the attribute elsewhere (``def xavier(...): return
ParamAttr(initializer=Uniform(-s, s))`` ... ``Linear(..., weight_attr=xavier(1024, 1))``) gets these
runtime stand-ins instead: ``ParamAttr`` holds Paddle's fields, ``Initializer`` a ``torch.nn.init``
function with its arguments, and ``apply_param_attr`` does to the new parameter what Paddle does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


class Initializer:
    """An initializer value: ``Initializer(torch.nn.init.uniform_, -s, s)(tensor)`` fills ``tensor``.

    The arguments are evaluated when the initializer is built, as in Paddle.
    """

    def __init__(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.function = function
        self.args = args
        self.kwargs = kwargs

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.function(tensor, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        arguments = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Initializer({getattr(self.function, '__name__', self.function)}, {', '.join(arguments)})"


@dataclass(frozen=True)
class ParamAttr:
    """Paddle's ParamAttr fields; only ``initializer`` and ``trainable`` have a torch meaning on a tensor."""

    name: str | None = None
    initializer: Callable[[torch.Tensor], Any] | None = None
    learning_rate: float = 1.0
    regularizer: Any = None
    trainable: bool = True
    do_model_average: bool = True
    need_clip: bool = True


def apply_param_attr(tensor: torch.Tensor | None, attr: Any) -> None:
    """What Paddle does with ``weight_attr``/``bias_attr=attr`` for the parameter it creates.

    None/True/a name: nothing (the layer's default initialization stays); an initializer or a ParamAttr:
    its initializer fills the tensor and ``trainable`` sets ``requires_grad``. ``False`` (no parameter at
    all) cannot be undone after the layer is built: porter translates it only when written literally.
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
        attr.initializer(tensor)
    tensor.requires_grad_(attr.trainable)
    if attr.learning_rate != 1.0 or attr.regularizer is not None:
        warnings.warn(
            "ParamAttr learning_rate/regularizer are not applied: use an optimizer parameter group",
            stacklevel=2,
        )
