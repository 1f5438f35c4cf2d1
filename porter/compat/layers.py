"""Paddle layers whose behaviour no torch layer has: legacy ``BatchNorm(act=...)`` and
``Dropout(mode="downscale_in_infer")``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch.nn import functional

_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": functional.relu,
    "relu6": functional.relu6,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


class BatchNorm(torch.nn.modules.batchnorm._BatchNorm):
    """``paddle.nn.BatchNorm`` (the legacy layer): batch norm over axis 1 of a 2-D..5-D input, then ``act``.

    Arguments keep Paddle's names and conventions: ``momentum`` weighs the *old* running statistics
    (Paddle 0.9 == torch 0.1), ``epsilon`` is torch's ``eps``. Being a torch ``_BatchNorm``, its state dict is
    weight / bias / running_mean / running_var / num_batches_tracked, which porter's weight transfer maps
    from Paddle's ``_mean`` / ``_variance`` like any other batch norm.
    """

    def __init__(
        self,
        num_channels: int,
        act: str | None = None,
        momentum: float = 0.9,
        epsilon: float = 1e-05,
        data_layout: str = "NCHW",
        use_global_stats: bool = False,
    ) -> None:
        if act is not None and act not in _ACTIVATIONS:
            raise ValueError(
                f"porter.compat.BatchNorm: act={act!r} is not supported (one of {sorted(_ACTIVATIONS)})"
            )
        if data_layout != "NCHW" or use_global_stats:
            raise ValueError(
                "porter.compat.BatchNorm supports data_layout='NCHW' and use_global_stats=False only"
            )
        # Paddle keeps momentum as a float32 attribute; using that value keeps running means bit-identical.
        super().__init__(num_channels, eps=epsilon, momentum=1.0 - float(np.float32(momentum)))
        self.act = act

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if not 2 <= input.dim() <= 5:
            raise ValueError(f"expected a 2-D to 5-D input (got {input.dim()}-D input)")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        out = super().forward(input)
        return out if self.act is None else _ACTIVATIONS[self.act](out)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, act={self.act!r}"


class DownscaleInInferDropout(torch.nn.Module):
    """``paddle.nn.Dropout(p, mode="downscale_in_infer")``.

    Unlike torch's dropout (which rescales kept units by 1/(1-p) while training and is the identity in
    eval mode), this mode keeps units unscaled while training and multiplies by (1 - p) in eval mode.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability must be in [0, 1], got {p}")
        self.p = p
        # Paddle computes the eval-mode factor in float32 (1 - p with p a float32 attribute), also for
        # float64 inputs; the same constant keeps the outputs bit-identical.
        self._keep = float(np.float32(1.0) - np.float32(p))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x * self._keep
        keep = torch.empty_like(x).bernoulli_(1.0 - self.p)
        return x * keep

    def extra_repr(self) -> str:
        return f"p={self.p}"
