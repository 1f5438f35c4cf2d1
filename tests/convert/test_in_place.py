"""Paddle's in-place reshape (``paddle.reshape_``, ``x.reshape_``): out of place in torch, sound when nothing
else holds the old tensor, a warning when something may, a TODO when the result is thrown away."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values, convert_and_run
from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\n"
T = "import torch\n"

GOLDEN = {
    "function-rebound": (
        P + "x = paddle.reshape_(x, (x.shape[0], -1))\n",
        T + "x = torch.reshape(x, (x.shape[0], -1))\n",
    ),
    "method-of-a-temporary": (
        P + "y = paddle.ones([2, 3]).reshape_([3, 2])\n",
        T + "y = torch.ones([2, 3]).reshape([3, 2])\n",
    ),
    "zero-keeps-a-dimension": (P + "x = x.reshape_([0, -1])\n", "x = x.reshape([x.shape[0], -1])\n"),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    result = assert_converts(before, after)
    assert "in-place" not in codes(result)


ONES = "x = paddle.ones([2, 3])\n"  # x known to be a Paddle tensor


def test_the_result_of_another_name_is_converted_with_a_warning():
    result = convert(P + ONES + "y = x.reshape_([-1])\n")
    assert result.output == T + "x = torch.ones([2, 3])\ny = x.reshape([-1])\n"
    assert codes(result) == ["in-place"]


def test_a_discarded_result_is_a_todo_that_says_what_to_write():
    result = convert(P + ONES + "x.reshape_([-1])\n")
    assert "# porter: TODO(in-place)" in result.output and "write x = x.reshape(...)" in result.output
    assert "x.reshape_([-1])" in result.output
    assert [c for c in codes(result) if c != "helper"] == ["in-place"]


X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 11.5
SAME_VALUES = {
    "function": "x = paddle.reshape_(x, [4, -1])\ny = x * 2",
    "method": "x = x.reshape_([0, -1])\ny = x.sum(axis=1)",
    "temporary": "y = (x + 1).reshape_([-1, 2])",
    "chained": "y = x.transpose([2, 0, 1]).reshape_([4, 6])",
}


@pytest.mark.parametrize("snippet", SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_in_place_reshape_computes_the_same(snippet):
    assert_same_values(P + snippet + "\n", {"x": X})


def test_the_warning_marks_a_real_difference():
    # Paddle's old name sees the new shape, torch's does not: why the rewrite carries a warning.
    source = P + "x = paddle.to_tensor(data)\ny = x.reshape_([-1])\nz = x\n"
    paddle_values, torch_values, result = convert_and_run(source, {"data": X}, ("z",))
    assert codes(result) == ["in-place"]
    assert paddle_values["z"].shape == (24,) and torch_values["z"].shape == (2, 3, 4)
