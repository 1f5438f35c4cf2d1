"""Batch norm with Paddle's ``use_global_stats=True``: the running statistics normalise in training too
and are never updated (a frozen batch norm). torch's batch norms do that only in eval mode."""

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
