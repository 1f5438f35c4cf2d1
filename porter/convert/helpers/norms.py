"""Batch norm with Paddle's ``use_global_stats=True``: the running statistics normalise in training too
and are never updated (a frozen batch norm). torch's batch norms do that only in eval mode.

Weight normalisation of a layer whose torch weight is the transpose of Paddle's (a Linear): the same
axis of the values is another axis of the torch tensor."""

from __future__ import annotations

import torch


def _normalise_with_running_statistics(layer: torch.nn.modules.batchnorm._BatchNorm, input: torch.Tensor):
    layer._check_input_dim(input)
    return torch.nn.functional.batch_norm(
        input, layer.running_mean, layer.running_var, layer.weight, layer.bias, False, 0.0, layer.eps
    )


class GlobalStatsBatchNorm1d(torch.nn.BatchNorm1d):
    """``paddle.nn.BatchNorm1D(..., use_global_stats=True)``; the state dict is torch's BatchNorm1d's."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return _normalise_with_running_statistics(self, input)


class GlobalStatsBatchNorm2d(torch.nn.BatchNorm2d):
    """``paddle.nn.BatchNorm2D(..., use_global_stats=True)``; the state dict is torch's BatchNorm2d's."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return _normalise_with_running_statistics(self, input)


class GlobalStatsBatchNorm3d(torch.nn.BatchNorm3d):
    """``paddle.nn.BatchNorm3D(..., use_global_stats=True)``; the state dict is torch's BatchNorm3d's."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return _normalise_with_running_statistics(self, input)


def weight_norm(module: torch.nn.Module, name: str = "weight", dim: int | None = 0) -> torch.nn.Module:
    """``paddle.nn.utils.weight_norm``: torch's ``torch.nn.utils.weight_norm``, which keeps Paddle's
    ``<name>_g`` and ``<name>_v`` parameters, over the axis Paddle means. Paddle's Linear weight is
    ``[in, out]`` and torch's ``[out, in]``, so on a Linear weight dim 0 is torch's 1 and 1 is torch's 0;
    ``None`` and ``-1`` (the whole tensor in both) and every other layer keep the axis (a negative one
    counted from the end, as Paddle does)."""
    if dim is not None and dim != -1:
        rank = getattr(module, name).dim()
        if not -rank <= dim < rank:
            raise ValueError(f"dim must be in [-{rank}, {rank}) for a {rank}-D {name}, got {dim}")
        dim %= rank
        if isinstance(module, torch.nn.Linear) and name == "weight":
            dim = 1 - dim
    return torch.nn.utils.weight_norm(module, name, dim)
