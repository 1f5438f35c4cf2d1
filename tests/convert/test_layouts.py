"""Functional ops and layers whose tensors or switches are laid out differently: F.linear's [in, out]
weight, scaled_dot_product_attention's [batch, seq, heads, dim], F.fold's argument order, GELU's
approximate flag, bidirectional recurrent layers."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values, convert_and_run
from tests.convert.helpers import assert_converts

P = "import paddle\nimport paddle.nn.functional as F\n"
F = "import torch.nn.functional as F\n"

GOLDEN = {
    "linear": (P + "y = F.linear(x, w, b)\n", F + "y = F.linear(x, w.T, b)\n"),
    "linear-keywords": (P + "y = F.linear(x=x, weight=self.w)\n", F + "y = F.linear(x, weight=self.w.T)\n"),
    "sdpa": (
        P + "y = F.scaled_dot_product_attention(q, k, v, is_causal=True)\n",
        F + "y = F.scaled_dot_product_attention(q.transpose(-3, -2), k.transpose(-3, -2), "
        "v.transpose(-3, -2), is_causal=True).transpose(-3, -2)\n",
    ),
    "sdpa-dropout-not-training": (
        P + "y = F.scaled_dot_product_attention(q, k, v, None, 0.1, training=self.training)\n",
        F + "y = F.scaled_dot_product_attention(q.transpose(-3, -2), k.transpose(-3, -2), "
        "v.transpose(-3, -2), None, 0.1 if self.training else 0.0).transpose(-3, -2)\n",
    ),
    "fold": (
        P + "y = F.fold(x, [4, 5], 2, 1, 0, 1)\n",
        F + "y = F.fold(x, [4, 5], 2, stride=1, padding=0, dilation=1)\n",
    ),
    "gelu-approximate": (P + "y = F.gelu(x, approximate=True)\n", F + "y = F.gelu(x, approximate='tanh')\n"),
    "gelu-layer": (
        P + "act = paddle.nn.GELU(approximate=False)\n",
        "import torch\nact = torch.nn.GELU(approximate='none')\n",
    ),
    "gelu-variable": (
        P + "y = F.gelu(x, flag)\n",
        F + "y = F.gelu(x, approximate='tanh' if flag in (True, 'tanh') else 'none')\n",
    ),
    "lstm-bidirect": (
        P + "rnn = paddle.nn.LSTM(4, 8, direction='bidirect')\n",
        "import torch\nrnn = torch.nn.LSTM(4, 8, bidirectional=True, batch_first=True)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


RNG = np.random.default_rng(0)
INPUTS = {
    "x": RNG.standard_normal((2, 3, 6)),
    "w": RNG.standard_normal((6, 4)),
    "b": RNG.standard_normal(4),
    "q": RNG.standard_normal((2, 5, 3, 4)),
    "k": RNG.standard_normal((2, 7, 3, 4)),
    "v": RNG.standard_normal((2, 7, 3, 4)),
    "mask": RNG.standard_normal((2, 3, 5, 7)),
    "cols": RNG.standard_normal((2, 3 * 2 * 2, 12)),
    "cols21": RNG.standard_normal((2, 3 * 2 * 2, 21)),
}

SAME_VALUES = {
    "linear": "y = F.linear(x, w, b)",
    "linear-no-bias": "y = F.linear(x, w)",
    "sdpa": "y = F.scaled_dot_product_attention(q, k, v)",
    "sdpa-causal": "y = F.scaled_dot_product_attention(q, k, v, is_causal=True)",
    "sdpa-float-mask": "y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)",
    # every query row keeps a key: a row that hides all gives NaN in Paddle, 0 in torch (the entry's note)
    "sdpa-bool-mask": "y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask > -1.0)",
    "sdpa-dropout-not-training": "y = F.scaled_dot_product_attention(q, k, v, None, 0.5, training=False)",
    "sdpa-3d": "y = F.scaled_dot_product_attention(q[0], k[0], v[0])",
    "fold": "y = F.fold(cols, [4, 5], 2)",
    "fold-stride-padding": "y = F.fold(cols21, output_sizes=[4, 6], kernel_sizes=2, strides=[2, 1], paddings=1)",
    "gelu-tanh": "y = F.gelu(x, approximate=True)",
    "gelu-exact": "y = F.gelu(x, False)",
    "gelu-string": "y = F.gelu(x, approximate='tanh')",
    "gelu-variable": "flag = True\ny = F.gelu(x, flag)",
    "gelu-layer": "y = paddle.nn.GELU(approximate=True)(x)",
}


@pytest.mark.parametrize("snippet", SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_layouts_compute_the_same(snippet):
    assert_same_values(P + snippet + "\n", INPUTS, rtol=1e-12, atol=1e-12)


RECURRENT = {
    "lstm-bidirect": "paddle.nn.LSTM(6, 5, num_layers=2, direction='bidirect')",
    "gru-bidirectional": "paddle.nn.GRU(6, 5, direction='bidirectional')",
    "rnn-bidirect-time-major": "paddle.nn.SimpleRNN(6, 5, direction='bidirect', time_major=True)",
    "gru-direction-variable": "paddle.nn.GRU(6, 5, 1, mode)",
}


@pytest.mark.parametrize("layer", RECURRENT.values(), ids=RECURRENT.keys())
def test_bidirectional_recurrent_layers_match_with_copied_weights(layer):
    """Same parameter names, gate order and output layout: Paddle's weights copied by name give the same
    outputs and final states."""
    import paddle
    import torch

    from porter.weights.transfer import copy_paddle_to_torch

    source = P + f"mode = 'bidirect'\nnet = {layer}\n"
    paddle.set_default_dtype("float64")  # built in float64 (Paddle RNNs cannot be cast afterwards)
    try:
        paddle_values, torch_values, _ = convert_and_run(source, names=("net",))
    finally:
        paddle.set_default_dtype("float32")
    paddle_net, torch_net = paddle_values["net"], torch_values["net"].double()
    copy_paddle_to_torch(paddle_net, torch_net)
    x = RNG.standard_normal((2, 7, 6))
    _assert_nested_close(paddle_net(paddle.to_tensor(x)), torch_net(torch.from_numpy(x)))


def _assert_nested_close(expected, actual):
    import torch

    if isinstance(expected, list | tuple):
        assert len(expected) == len(actual)
        for e, a in zip(expected, actual, strict=True):
            _assert_nested_close(e, a)
        return
    assert actual.dtype == torch.float64
    np.testing.assert_allclose(actual.detach().numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
