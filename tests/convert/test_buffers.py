"""A tensor assigned to an attribute of a Paddle layer is a (non-persistable) buffer in Paddle: torch needs
``register_buffer(..., persistent=False)`` for it to be cast and moved with the layer."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, assert_noop, codes, convert

LAYER = (
    "import paddle\n\nclass PE(paddle.nn.Layer):\n    def __init__(self, n):\n        super().__init__()\n"
)
TORCH = "import torch\n\nclass PE(torch.nn.Module):\n    def __init__(self, n):\n        super().__init__()\n"

GOLDEN = {
    "made-by-a-call": (
        LAYER + "        self.pe = paddle.zeros([1, n])\n",
        TORCH + '        self.register_buffer("pe", torch.zeros([1, n]), persistent=False)\n',
    ),
    "made-by-arithmetic": (
        LAYER + "        t = paddle.ones([n])\n        self.scale = t * 2\n",
        TORCH
        + '        t = torch.ones([n])\n        self.register_buffer("scale", t * 2, persistent=False)\n',
    ),
    "a-parameter-stays-one": (
        LAYER + "        self.w = self.create_parameter([n], is_bias=True)\n",
        TORCH
        + "        self.w = torch.nn.Parameter(torch.empty([n]))\n        torch.nn.init.zeros_(self.w)\n",
    ),
    "also-assigned-none": (
        LAYER
        + "        self.cache = None\n\n    def forward(self, x):\n        self.cache = x * 2\n        return x\n",
        TORCH
        + "        self.cache = None\n\n    def forward(self, x):\n        self.cache = x * 2\n        return x\n",
    ),
    "registered-explicitly": (
        LAYER + "        self.register_buffer('pe', paddle.zeros([n]))\n        self.pe = paddle.ones([n])\n",
        TORCH + "        self.register_buffer('pe', torch.zeros([n]))\n        self.pe = torch.ones([n])\n",
    ),
    "a-user-function-may-return-a-parameter": (
        LAYER
        + "        self.w = make(self, n)\n\ndef make(layer, n):\n    return layer.create_parameter([n])\n",
        TORCH
        + "        self.w = make(self, n)\n\ndef make(layer, n):\n"
        + "    return torch.nn.init.uniform_(torch.nn.Parameter(torch.empty([n])), -(3.0 / n) ** 0.5, (3.0 / n) ** 0.5)\n",
    ),
    "another-object-s-attribute": (
        LAYER + "        self.fc = paddle.nn.Linear(n, n)\n        self.w = self.fc.weight\n",
        TORCH + "        self.fc = torch.nn.Linear(n, n)\n        self.w = self.fc.weight\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)
    assert "buffer" not in codes(convert(before))  # info, never a warning


def test_a_plain_object_keeps_its_attribute():
    assert_noop("class Holder:\n    def __init__(self, t):\n        self.t = t * 2\n")


PE = """
class PE(paddle.nn.Layer):
    def __init__(self, n):
        super().__init__()
        self.pe = paddle.sin(paddle.arange(0, 2 * n, dtype='float32').reshape([2, n]) / 7)

    def forward(self, x):
        return x + self.pe
"""


def test_the_buffer_is_cast_with_the_layer_as_in_paddle():
    source = "import paddle\n" + PE + "layer = PE(3)\nlayer.to(dtype='float64')\ny = layer.pe\nz = layer(x)\n"
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    assert_same_values(source, {"x": x}, ("y", "z"), rtol=0, atol=0)


def test_the_buffer_stays_out_of_the_state_dict_as_in_paddle():
    source = "import paddle\n" + PE + "y = sorted(PE(3).state_dict())\n"
    assert_same_values(source, {}, ("y",))
