"""Planted porting bugs: small Paddle nets and torch twins that get one detail wrong.

Each case is a chain of named layers, built the same on both sides except for the planted bug, so
that the culprit has the same name in both models (the name the report must put first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import paddle
import torch

from tests.verify.pairs import UntransposedLinear


class PaddleChain(paddle.nn.Layer):
    """Named layers applied in order."""

    def __init__(self, layers):
        super().__init__()
        self.order = [name for name, _ in layers]
        for name, layer in layers:
            self.add_sublayer(name, layer)

    def forward(self, x):
        for name in self.order:
            x = getattr(self, name)(x)
        return x


class TorchChain(torch.nn.Module):
    """Named modules applied in order; ``forgets`` names modules the forward never calls."""

    def __init__(self, layers, forgets=()):
        super().__init__()
        self.order = [name for name, _ in layers]
        self.forgets = set(forgets)
        for name, module in layers:
            self.add_module(name, module)

    def forward(self, x):
        for name in self.order:
            if name not in self.forgets:
                x = getattr(self, name)(x)
        return x


@dataclass(frozen=True)
class Bug:
    """One planted bug: the pair, the input, the layer that must be named first."""

    id: str
    build: Callable[[], tuple[paddle.nn.Layer, torch.nn.Module]]
    input_shape: tuple[int, ...]
    culprit: str  # first divergent layer (forward bugs) or first failing tensor (training bugs)
    options: dict = field(default_factory=dict)  # extra verify_pair options (train_steps)


def _pair(paddle_layers, torch_layers, forgets=()):
    paddle.seed(0)
    return PaddleChain(paddle_layers()), TorchChain(torch_layers(), forgets)


def _conv_bn_net(paddle_eps=1e-5, torch_eps=1e-5, torch_momentum=0.1):
    """conv -> BatchNorm -> ReLU -> max pool -> flatten -> linear (the issue's BatchNorm example)."""
    return _pair(
        lambda: [
            ("conv", paddle.nn.Conv2D(3, 8, 3, padding=1)),
            ("bn", paddle.nn.BatchNorm2D(8, epsilon=paddle_eps)),
            ("relu", paddle.nn.ReLU()),
            ("pool", paddle.nn.MaxPool2D(2)),
            ("flatten", paddle.nn.Flatten()),
            ("fc", paddle.nn.Linear(8 * 4 * 4, 10)),
        ],
        lambda: [
            ("conv", torch.nn.Conv2d(3, 8, 3, padding=1)),
            ("bn", torch.nn.BatchNorm2d(8, eps=torch_eps, momentum=torch_momentum)),
            ("relu", torch.nn.ReLU()),
            ("pool", torch.nn.MaxPool2d(2)),
            ("flatten", torch.nn.Flatten()),
            ("fc", torch.nn.Linear(8 * 4 * 4, 10)),
        ],
    )


def _token_net(paddle_norm, torch_norm, paddle_act, torch_act):
    """linear -> norm -> activation -> linear over the last axis of (batch, tokens, features)."""
    return _pair(
        lambda: [
            ("embed", paddle.nn.Linear(8, 16)),
            ("norm", paddle_norm()),
            ("act", paddle_act()),
            ("head", paddle.nn.Linear(16, 4)),
        ],
        lambda: [
            ("embed", torch.nn.Linear(8, 16)),
            ("norm", torch_norm()),
            ("act", torch_act()),
            ("head", torch.nn.Linear(16, 4)),
        ],
    )


def _map_net(paddle_middle, torch_middle, channels=4):
    """conv -> (the layer under test) -> conv -> global average -> linear, on feature maps."""
    return _pair(
        lambda: [
            ("stem", paddle.nn.Conv2D(3, channels, 3, padding=1)),
            ("middle", paddle_middle()),
            ("conv", paddle.nn.Conv2D(channels, channels, 3, padding=1)),
            ("gap", paddle.nn.AdaptiveAvgPool2D(1)),
            ("flatten", paddle.nn.Flatten()),
            ("fc", paddle.nn.Linear(channels, 5)),
        ],
        lambda: [
            ("stem", torch.nn.Conv2d(3, channels, 3, padding=1)),
            ("middle", torch_middle()),
            ("conv", torch.nn.Conv2d(channels, channels, 3, padding=1)),
            ("gap", torch.nn.AdaptiveAvgPool2d(1)),
            ("flatten", torch.nn.Flatten()),
            ("fc", torch.nn.Linear(channels, 5)),
        ],
    )


def _head_net(paddle_head, torch_head):
    """conv -> ReLU -> flatten -> linear -> (the head under test)."""
    return _pair(
        lambda: [
            ("conv", paddle.nn.Conv2D(3, 4, 3, padding=1)),
            ("relu", paddle.nn.ReLU()),
            ("flatten", paddle.nn.Flatten()),
            ("fc", paddle.nn.Linear(4 * 4 * 4, 16)),
            ("head", paddle_head()),
        ],
        lambda: [
            ("conv", torch.nn.Conv2d(3, 4, 3, padding=1)),
            ("relu", torch.nn.ReLU()),
            ("flatten", torch.nn.Flatten()),
            ("fc", torch.nn.Linear(4 * 4 * 4, 16)),
            ("head", torch_head()),
        ],
    )


def correct_pairs() -> list[Bug]:
    """The same nets without a bug: each must pass (the battery's control group)."""
    return [
        Bug("conv-bn", _conv_bn_net, (2, 3, 8, 8), "", {"backward": True, "train_steps": 2}),
        Bug(
            "tokens",
            lambda: _token_net(
                lambda: paddle.nn.LayerNorm(16), lambda: torch.nn.LayerNorm(16), paddle.nn.GELU, torch.nn.GELU
            ),
            (2, 5, 8),
            "",
            {"backward": True},
        ),
        Bug(
            "maps",
            lambda: _map_net(
                lambda: paddle.nn.AvgPool2D(3, 1, 1, exclusive=False), lambda: torch.nn.AvgPool2d(3, 1, 1)
            ),
            (2, 3, 7, 7),
            "",
            {"backward": True},
        ),
    ]


BUGS = [
    Bug("batchnorm-epsilon", lambda: _conv_bn_net(torch_eps=1.2e-5), (2, 3, 8, 8), "bn"),
    Bug(
        "layernorm-epsilon",
        lambda: _token_net(
            lambda: paddle.nn.LayerNorm(16, epsilon=1e-6),
            lambda: torch.nn.LayerNorm(16),  # torch's default 1e-5 kept
            paddle.nn.ReLU,
            torch.nn.ReLU,
        ),
        (2, 5, 8),
        "norm",
    ),
    Bug(
        "gelu-tanh-vs-exact",
        lambda: _token_net(
            lambda: paddle.nn.LayerNorm(16),
            lambda: torch.nn.LayerNorm(16),
            lambda: paddle.nn.GELU(approximate=True),
            torch.nn.GELU,  # exact erf form
        ),
        (2, 5, 8),
        "act",
    ),
    Bug(
        "interpolate-align-corners",
        lambda: _map_net(
            lambda: paddle.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
            lambda: torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        ),
        (2, 3, 5, 5),
        "middle",
    ),
    Bug(
        "avgpool-exclusive-vs-count-include-pad",
        lambda: _map_net(
            lambda: paddle.nn.AvgPool2D(3, 1, 1),  # exclusive=True: padding not counted
            lambda: torch.nn.AvgPool2d(3, 1, 1),  # count_include_pad=True by default
        ),
        (2, 3, 7, 7),
        "middle",
    ),
    Bug(
        "maxpool-ceil-mode",
        lambda: _map_net(lambda: paddle.nn.MaxPool2D(2, 2, ceil_mode=True), lambda: torch.nn.MaxPool2d(2, 2)),
        (2, 3, 7, 7),
        "middle",
    ),
    Bug(
        "conv-padding-off-by-one",
        lambda: _map_net(
            lambda: paddle.nn.Conv2D(4, 4, 3, padding=1), lambda: torch.nn.Conv2d(4, 4, 3, padding=2)
        ),
        (2, 3, 6, 6),
        "middle",
    ),
    Bug(
        "linear-not-transposed",
        lambda: _head_net(lambda: paddle.nn.Linear(16, 16), lambda: UntransposedLinear(16, 16)),
        (2, 3, 4, 4),
        "head",
    ),
    Bug(
        "batchnorm-momentum-not-inverted",
        lambda: _conv_bn_net(torch_momentum=0.9),  # Paddle's 0.9 is torch's 0.1
        (2, 3, 8, 8),
        "bn.running_mean",
        {"train_steps": 2},
    ),
    Bug(
        "dropout-downscale-in-infer",
        lambda: _head_net(
            lambda: paddle.nn.Dropout(0.3, mode="downscale_in_infer"), lambda: torch.nn.Dropout(0.3)
        ),
        (2, 3, 4, 4),
        "head",
    ),
    Bug(
        "softmax-axis",
        lambda: _map_net(lambda: paddle.nn.Softmax(axis=-1), lambda: torch.nn.Softmax(dim=1)),
        (2, 3, 6, 6),
        "middle",
    ),
    Bug(
        "flatten-start-axis",
        lambda: _pair(
            lambda: [
                ("conv", paddle.nn.Conv2D(3, 4, 3, padding=1)),
                ("flatten", paddle.nn.Flatten(start_axis=1)),
                ("softmax", paddle.nn.Softmax()),
            ],
            lambda: [
                ("conv", torch.nn.Conv2d(3, 4, 3, padding=1)),
                ("flatten", torch.nn.Flatten(start_dim=2)),
                ("softmax", torch.nn.Softmax(dim=-1)),
            ],
        ),
        (2, 3, 4, 4),
        "flatten",
    ),
    Bug(
        "missing-activation",
        lambda: _pair(
            lambda: [
                ("conv1", paddle.nn.Conv2D(3, 4, 3, padding=1)),
                ("act", paddle.nn.ReLU()),
                ("conv2", paddle.nn.Conv2D(4, 4, 3, padding=1)),
                ("flatten", paddle.nn.Flatten()),
                ("fc", paddle.nn.Linear(4 * 5 * 5, 3)),
            ],
            lambda: [
                ("conv1", torch.nn.Conv2d(3, 4, 3, padding=1)),
                ("act", torch.nn.ReLU()),
                ("conv2", torch.nn.Conv2d(4, 4, 3, padding=1)),
                ("flatten", torch.nn.Flatten()),
                ("fc", torch.nn.Linear(4 * 5 * 5, 3)),
            ],
            forgets={"act"},
        ),
        (2, 3, 5, 5),
        "act",
    ),
]
