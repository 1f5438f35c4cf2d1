"""``paddle.vision.ops.ConvNormActivation``: conv, optional norm, optional activation, as a Sequential."""

from __future__ import annotations

from collections.abc import Callable

import torch


class ConvNormActivation(torch.nn.Sequential):
    """Paddle's ConvNormActivation over torch layers, with the same children (0: conv, 1: norm, 2: act).

    ``norm_layer`` and ``activation_layer`` are callables building torch modules; the defaults are
    Paddle's (BatchNorm2D, whose statistics match torch's defaults, and ReLU). As in Paddle, a missing
    ``padding`` is ``(kernel_size - 1) // 2 * dilation`` and the conv has a bias only when there is no
    norm layer, unless ``bias`` says otherwise.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int] = 3,
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] | str | None = None,
        groups: int = 1,
        norm_layer: Callable[..., torch.nn.Module] | None = torch.nn.BatchNorm2d,
        activation_layer: Callable[..., torch.nn.Module] | None = torch.nn.ReLU,
        dilation: int = 1,
        bias: bool | None = None,
    ) -> None:
        if padding is None:
            padding = (kernel_size - 1) // 2 * dilation
        if bias is None:
            bias = norm_layer is None
        layers = [
            torch.nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride,
                padding,
                dilation=dilation,
                groups=groups,
                bias=bias,
            )
        ]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer())
        super().__init__(*layers)
