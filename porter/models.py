"""Registry of paired reference models: name -> Paddle factory, torch factory, input shape.

Factories are named as ``module:callable`` strings and imported on first use, so listing the
registry does not import either framework.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelPair:
    name: str
    paddle_factory: str
    torch_factory: str
    input_shape: tuple[int, ...]
    summary: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build_paddle(self, **overrides: Any):
        return resolve(self.paddle_factory)(**{**self.kwargs, **overrides})

    def build_torch(self, **overrides: Any):
        return resolve(self.torch_factory)(**{**self.kwargs, **overrides})


def resolve(spec: str) -> Callable[..., Any]:
    """Import ``package.module:attribute``."""
    module_name, _, attribute = spec.partition(":")
    if not attribute:
        raise ValueError(f"expected MODULE:CALLABLE, got {spec!r}")
    return getattr(importlib.import_module(module_name), attribute)


def _pair(name: str, module: str, factory: str, shape: tuple[int, ...], summary: str) -> ModelPair:
    return ModelPair(
        name=name,
        paddle_factory=f"reference_models.paddle.{module}:{factory}",
        torch_factory=f"reference_models.torch.{module}:{factory}",
        input_shape=shape,
        summary=summary,
    )


_IMAGENET = (1, 3, 224, 224)

REGISTRY: dict[str, ModelPair] = {
    pair.name: pair
    for pair in (
        _pair("vgg", "vgg", "vgg", _IMAGENET, "VGG-16 (seed 004), fc 4096/4096"),
        _pair("googlenet", "googlenet", "googlenet", _IMAGENET, "GoogLeNet, 9 Inception blocks (seed 004)"),
        _pair("resnet50", "resnet", "resnet50", _IMAGENET, "ResNet-50, ConvBN + Bottleneck (seed 004)"),
        _pair("resnet101", "resnet", "resnet101", _IMAGENET, "ResNet-101 (seed 004)"),
        _pair("resnet152", "resnet", "resnet152", _IMAGENET, "ResNet-152 (seed 004)"),
        _pair("lenet", "lenet", "lenet", (1, 1, 28, 28), "LeNet-5, sigmoid + avg pool (D2L)"),
        _pair("alexnet", "alexnet", "alexnet", (1, 1, 224, 224), "AlexNet, 1-channel input (D2L)"),
        _pair("nin", "nin", "nin", (1, 1, 224, 224), "Network in Network (D2L)"),
    )
}


def names() -> list[str]:
    return list(REGISTRY)


def get(name: str) -> ModelPair:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(REGISTRY)}") from None


def all_pairs() -> list[ModelPair]:
    return list(REGISTRY.values())


def parameter_counts(pair: ModelPair) -> tuple[int, int]:
    """Trainable parameter counts (BatchNorm running statistics excluded) for both sides."""
    paddle_model = pair.build_paddle()
    torch_model = pair.build_torch()
    # Paddle lists BatchNorm _mean/_variance among parameters (trainable=False); torch keeps them as buffers.
    paddle_count = sum(int(p.size) for p in paddle_model.parameters() if p.trainable)
    torch_count = sum(p.numel() for p in torch_model.parameters())
    return paddle_count, torch_count
