"""Paddle layers whose behaviour no torch layer has: legacy ``BatchNorm(act=...)`` and
``Dropout(mode="downscale_in_infer")``."""

from __future__ import annotations

import torch

_BATCH_NORM_ACTIVATIONS = {
    "relu": torch.relu,
    "relu6": torch.nn.functional.relu6,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


class BatchNorm(torch.nn.modules.batchnorm._BatchNorm):
    """``paddle.nn.BatchNorm`` (the legacy layer): batch norm over axis 1 of a 2-D to 5-D input, then ``act``.

    Arguments keep Paddle's names and conventions: ``momentum`` weighs the *old* running statistics
    (Paddle's 0.9 is torch's 0.1), ``epsilon`` is torch's ``eps``. The state dict is a torch batch norm's
    (weight, bias, running_mean, running_var, num_batches_tracked).
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
        if act is not None and act not in _BATCH_NORM_ACTIVATIONS:
            raise ValueError(
                f"BatchNorm: act={act!r} is not supported (one of {sorted(_BATCH_NORM_ACTIVATIONS)})"
            )
        if data_layout != "NCHW" or use_global_stats:
            raise ValueError("BatchNorm supports data_layout='NCHW' and use_global_stats=False only")
        super().__init__(num_channels, eps=epsilon, momentum=1.0 - momentum)
        self.act = act

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if not 2 <= input.dim() <= 5:
            raise ValueError(f"expected a 2-D to 5-D input (got {input.dim()}-D input)")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        out = super().forward(input)
        return out if self.act is None else _BATCH_NORM_ACTIVATIONS[self.act](out)

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x * (1.0 - self.p)
        return x * torch.empty_like(x).bernoulli_(1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"
