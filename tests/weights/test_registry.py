"""Every registry pair takes its Paddle twin's weights; small models also agree on a forward (float64).

Full parity (every output, backward, training) is porter verify's job; this checks the transfer alone.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import paddle
import pytest
import torch

from porter import models
from porter.weights.transfer import copy_paddle_to_torch
from tests.weights.helpers import build_paddle_float64

BIG = {"vgg", "alexnet", "resnet101", "resnet152"}


def _perturb_statistics(layer, seed=0):
    """Default BatchNorm statistics (0 and 1) would hide a swapped mean/variance."""
    rng = np.random.default_rng(seed)
    for key, tensor in layer.state_dict().items():
        if key.endswith("._mean"):
            tensor.set_value(rng.normal(0.0, 0.1, tuple(tensor.shape)).astype(tensor.numpy().dtype))
        elif key.endswith("._variance"):
            tensor.set_value(rng.uniform(0.5, 1.5, tuple(tensor.shape)).astype(tensor.numpy().dtype))


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in BIG else n for n in models.names()]
)
def test_every_registry_pair_loads_with_every_tensor_used_once(name):
    pair = models.get(name)
    paddle.seed(0)
    paddle_model, torch_model = pair.build_paddle(), pair.build_torch()
    plan = copy_paddle_to_torch(paddle_model, torch_model)
    assert Counter(link.paddle_key for link in plan.links) == Counter(paddle_model.state_dict().keys())
    source = paddle_model.state_dict()
    target = torch_model.state_dict()
    for link in plan.links:
        expected = source[link.paddle_key].numpy()
        np.testing.assert_array_equal(
            target[link.torch_key].numpy(), expected.T if link.transpose else expected
        )


@pytest.mark.parametrize(
    ("name", "shape"), [("lenet", (2, 1, 28, 28)), ("nin", (1, 1, 96, 96)), ("resnet50", (1, 3, 64, 64))]
)
def test_copied_registry_models_agree_on_a_small_input(name, shape):
    pair = models.get(name)
    paddle.seed(0)
    paddle_model = build_paddle_float64(pair.build_paddle)
    _perturb_statistics(paddle_model)
    torch_model = pair.build_torch().double()
    copy_paddle_to_torch(paddle_model, torch_model)
    paddle_model.eval()
    torch_model.eval()
    x = np.random.default_rng(1).standard_normal(shape)
    with paddle.no_grad():
        expected = paddle_model(paddle.to_tensor(x)).numpy()
    with torch.no_grad():
        actual = torch_model(torch.from_numpy(x)).numpy()
    # float64: agreement to 1e-10 of the output's scale, the same bar porter verify sets.
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-10 * np.abs(expected).max())
