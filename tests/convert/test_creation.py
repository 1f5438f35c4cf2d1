"""Tensor creation: shapes as lists, tuples, ints and tensors; Paddle's default dtypes; uniform; place.

Golden cases pin the text; executed cases run the Paddle snippet and the converted torch snippet (which
cannot import paddle) and compare values, or for random draws the shape, dtype and range.
"""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values, convert_and_run
from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\n"
T = "import torch\n"

GOLDEN = {
    "zeros-list": (P + "y = paddle.zeros([2, 3])\n", T + "y = torch.zeros([2, 3])\n"),
    "ones-tuple-dtype": (
        P + "y = paddle.ones((2, 3), 'int64')\n",
        T + "y = torch.ones((2, 3), dtype=torch.int64)\n",
    ),
    "empty-keyword": (P + "y = paddle.empty(shape=[4])\n", T + "y = torch.empty(size=[4])\n"),
    "full-int-fill-becomes-float": (P + "y = paddle.full([2], 1)\n", T + "y = torch.full([2], 1.0)\n"),
    "full-computed-fill": (
        P + "y = paddle.full([2], n)\n",
        T + "y = torch.full([2], n, dtype=torch.get_default_dtype())\n",
    ),
    "randint-high-only": (P + "y = paddle.randint(10)\n", T + "y = torch.randint(10, size=[1])\n"),
    "normal-shape-only": (
        P + "y = paddle.normal(shape=[2])\n",
        T + "y = torch.normal(0.0, size=[2], std=1.0)\n",
    ),
    "uniform": (
        P + "y = paddle.uniform([2, 3], 'float64', -1.0, 1.0)\n",
        T + "y = torch.empty([2, 3], dtype=torch.float64).uniform_(-1.0, 1.0)\n",
    ),
    "uniform-seed": (
        P + "y = paddle.uniform([2], min=-1.0, seed=7)\n",
        T + "y = torch.empty([2]).uniform_(-1.0, 1.0, generator=torch.Generator().manual_seed(7))\n",
    ),
    "to-tensor-place-of-a-tensor": (
        P + "y = paddle.to_tensor([1.0], place=x.place)\n",
        T + "y = torch.tensor([1.0], device=x.device)\n",
    ),
    "to-tensor-place-string": (
        P + "y = paddle.to_tensor([1.0], place='gpu:1')\n",
        T + "y = torch.tensor([1.0], device='cuda:1')\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


def test_uniform_without_min_warns_about_the_paddle_2_default():
    result = convert(P + "y = paddle.uniform([2])\n")
    assert "torch.empty([2]).uniform_(0, 1.0)" in result.output
    assert codes(result) == ["assumed-value"]


X = np.arange(6, dtype=np.float32).reshape(2, 3)

# Deterministic creators: the values themselves must match.
SAME_VALUES = {
    "zeros-list": "y = paddle.zeros([2, 3])",
    "zeros-tuple": "y = paddle.zeros((2, 3))",
    "zeros-int": "y = paddle.zeros(3)",
    "zeros-scalar-shape": "y = paddle.zeros([])",
    "ones-dtype-positional": "y = paddle.ones([2, 3], 'int32')",
    "ones-dtype-object": "y = paddle.ones([2], dtype=paddle.float64)",
    "empty-shape": "y = paddle.zeros_like(paddle.empty([2, 3]))",
    "zeros-shape-of-tensor-items": "y = paddle.zeros([paddle.shape(x)[0], 4])",
    "full-int-fill": "y = paddle.full([2, 3], 7)",
    "full-bool-fill": "y = paddle.full([2], True)",
    "full-float-fill": "y = paddle.full([2], 0.5)",
    "full-dtype": "y = paddle.full([2], 3, dtype='int64')",
    "full-variable-fill": "n = 3\ny = paddle.full([2], n)",
    "full-tensor-fill": "y = paddle.full([2], x[0, 1])",
    "full-string-fill": "y = paddle.full([2], '-inf')",
    "to-tensor-place": "y = paddle.to_tensor([1.0, 2.0], place=x.place)",
    "to-tensor-place-cpu": "y = paddle.to_tensor([1, 2], place='cpu')",
}


@pytest.mark.parametrize("snippet", SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_creation_computes_the_same(snippet):
    assert_same_values(P + snippet + "\n", {"x": X})


# Random creators: the draws differ between frameworks; shape, dtype and range must not.
RANDOM = {
    "rand": ("y = paddle.rand([3, 4])", 0.0, 1.0),
    "rand-float64": ("y = paddle.rand([3, 4], dtype='float64')", 0.0, 1.0),
    "randn-tuple": ("y = paddle.randn((3, 4))", -10.0, 10.0),
    "randint-low-high-shape": ("y = paddle.randint(2, 5, [3, 4])", 2, 4),
    "randint-high-only": ("y = paddle.randint(5)", 0, 4),
    "randint-keywords": ("y = paddle.randint(low=5, shape=[6], dtype='int32')", 0, 4),
    "normal-shape": ("y = paddle.normal(1.0, 0.5, [500])", -2.0, 4.0),
    "normal-shape-only": ("y = paddle.normal(shape=[3, 2])", -10.0, 10.0),
    "normal-tensor-mean": ("y = paddle.normal(x, 0.1)", -1.0, 6.0),
    "uniform": ("y = paddle.uniform([500], 'float64', min=-2.0, max=-1.0)", -2.0, -1.0),
    "uniform-default-bounds": ("y = paddle.uniform([500])", 0.0, 1.0),
    "uniform-positional-bounds": ("y = paddle.uniform([4, 5], 'float32', -3.0, 3.0)", -3.0, 3.0),
}


@pytest.mark.parametrize(("snippet", "low", "high"), RANDOM.values(), ids=RANDOM.keys())
def test_random_creation_has_the_same_shape_dtype_and_range(snippet, low, high):
    paddle_values, torch_values, _ = convert_and_run(P + snippet + "\n", {"x": X})
    expected, actual = paddle_values["y"], torch_values["y"]
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert low <= actual.min() and actual.max() <= high


def test_uniform_seed_repeats_its_draws_in_both_frameworks():
    snippet = P + "a = paddle.uniform([4], min=-1.0, seed=3)\nb = paddle.uniform([4], min=-1.0, seed=3)\n"
    paddle_values, torch_values, _ = convert_and_run(snippet, names=("a", "b"))
    for values in (paddle_values, torch_values):
        np.testing.assert_array_equal(values["a"], values["b"])
