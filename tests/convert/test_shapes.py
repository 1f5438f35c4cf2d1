"""Shape manipulation: paddle.shape, cast, expand, split counts, unsqueeze/squeeze with axis lists, reshape
with 0, cumsum without axis, add_n, scale, einsum. Golden cases pin the text; executed cases run Paddle and
the converted torch code and compare values, dtypes and shapes."""

import itertools

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\n"
T = "import torch\n"

GOLDEN = {
    "shape": (P + "s = paddle.shape(x)\n", T + "s = torch.tensor(x.shape)\n"),
    "shape-of-expression": (P + "s = paddle.shape(a + b)[0]\n", T + "s = torch.tensor((a + b).shape)[0]\n"),
    "cast": (P + "y = paddle.cast(x, 'int64')\n", T + "y = x.to(torch.int64)\n"),
    "cast-method": (P + "y = paddle.ones([2]).cast('int32')\n", T + "y = torch.ones([2]).to(torch.int32)\n"),
    "expand-function": (P + "y = paddle.expand(x, [4, 2, 3])\n", "y = x.expand([4, 2, 3])\n"),
    "expand-as-function": (P + "y = paddle.expand_as(x, z)\n", "y = x.expand_as(z)\n"),
    "split-count-method": (
        P + "x = paddle.ones([4, 6])\na, b = x.split(2, axis=1)\n",
        T + "x = torch.ones([4, 6])\na, b = x.chunk(2, dim=1)\n",
    ),
    "split-sizes-method": (
        P + "x = paddle.ones([4, 6])\na, b = x.split([2, 4], axis=1)\n",
        T + "x = torch.ones([4, 6])\na, b = x.split([2, 4], dim=1)\n",
    ),
    "unsqueeze-list": (P + "y = paddle.unsqueeze(x, [0, 2])\n", "y = x.unsqueeze(0).unsqueeze(2)\n"),
    "unsqueeze-method-list": (
        P + "y = paddle.ones([2]).unsqueeze([0, -1])\n",
        T + "y = torch.ones([2]).unsqueeze(0).unsqueeze(-1)\n",
    ),
    "unsqueeze-int": (P + "y = paddle.unsqueeze(x, 1)\n", T + "y = torch.unsqueeze(x, 1)\n"),
    "reshape-zero": (P + "y = paddle.reshape(x, [0, -1])\n", T + "y = torch.reshape(x, [x.shape[0], -1])\n"),
    "reshape-zero-method": (
        P + "y = paddle.ones([2, 3, 4]).reshape([-1, 4])\nz = self.h.reshape([0, 0, 2, -1])\n",
        T + "y = torch.ones([2, 3, 4]).reshape([-1, 4])\n"
        "z = self.h.reshape([self.h.shape[0], self.h.shape[1], 2, -1])\n",
    ),
    "cumsum-no-axis": (P + "y = paddle.cumsum(x)\n", "y = x.flatten().cumsum(0)\n"),
    "cumsum-axis": (P + "y = paddle.cumsum(x, axis=1)\n", T + "y = torch.cumsum(x, dim=1)\n"),
    "add-n-list": (P + "y = paddle.add_n([a, b, c])\n", "y = a + b + c\n"),
    "add-n-variable": (P + "y = paddle.add_n(losses)\n", T + "y = torch.stack(losses).sum(0)\n"),
    "scale": (P + "y = paddle.scale(x, 2.0, 1.0)\n", "y = x * 2.0 + 1.0\n"),
    "scale-bias-first": (
        P + "y = paddle.scale(x, scale=s, bias=b, bias_after_scale=False)\n",
        "y = (x + b) * s\n",
    ),
    "einsum": (
        P + "y = paddle.einsum('bij,bjk->bik', a, b)\n",
        T + "y = torch.einsum('bij,bjk->bik', a, b)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


TODO = {
    "reshape-zero-of-a-call": (P + "y = paddle.reshape(f(x), [0, -1])\n", "unsupported-value"),
    "split-minus-one": (P + "x = paddle.ones([4, 6])\na, b = x.split([2, -1], axis=1)\n", "split"),
    "scale-act": (P + "y = paddle.scale(x, 2.0, act='relu')\n", "unsupported-value"),
}


@pytest.mark.parametrize(("source", "code"), TODO.values(), ids=TODO.keys())
def test_not_translatable_is_a_todo_that_says_what_to_write(source, code):
    result = convert(source)
    assert [c for c in codes(result) if c != "helper"] == [code]  # helper: the Unconverted stand-in
    assert f"# porter: TODO({code})" in result.output


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.5
SAME_VALUES = {
    "shape": "y = paddle.shape(x)",
    "shape-item": "y = paddle.shape(x)[1] * 2",
    "shape-unpacked-reshape": "b, c, w = paddle.shape(x)\ny = paddle.reshape(x, [b, c * w])",
    "shape-items-as-size": "y = paddle.zeros([paddle.shape(x)[0], paddle.shape(x)[2]])",
    "cast-float-to-int": "y = paddle.cast(x / 3, 'int32')",
    "cast-to-bool": "y = paddle.cast(x, paddle.bool)",
    "cast-method": "y = x.cast('float64')",
    "expand-function": "y = paddle.expand(x[:1], [3, 3, 4])",
    "expand-minus-one": "y = x[:, :1].expand([-1, 5, -1])",
    "expand-as": "y = paddle.expand_as(x[:1], x)",
    "split-count": "y = x.split(2, axis=2)",
    "split-count-default-axis": "y = x.split(2)",
    "split-sizes": "y = x.split([1, 3], axis=-1)",
    "split-function-count": "y = paddle.split(x, 3, axis=1)",
    "squeeze-list": "y = paddle.squeeze(x[:1, :, :1], [0, 2])",
    "squeeze-list-not-size-one-ignored": "y = paddle.squeeze(x[:1], [0, 1])",
    "squeeze-method-tuple": "y = x[:, :1].squeeze((1,))",
    "reshape-zero": "y = paddle.reshape(x, [0, -1])",
    "reshape-zeros": "y = paddle.reshape(x, [0, 0, 2, 2])",
    "reshape-zero-method": "y = x.reshape([0, 12])",
    "reshape-zero-tuple": "y = x.reshape(shape=(0, 2, -1))",
    "cumsum-no-axis": "y = paddle.cumsum(x)",
    "cumsum-no-axis-dtype": "y = paddle.cumsum(x, dtype='float64')",
    "cumsum-method-no-axis": "y = x.cumsum()",
    "cumsum-int32": "y = paddle.cumsum(paddle.cast(x, 'int32'))",
    "cumsum-axis": "y = x.cumsum(axis=1)",
    "add-n-list": "y = paddle.add_n([x, x * 2, x - 1])",
    "add-n-one": "y = paddle.add_n([x])",
    "add-n-variable": "parts = [x, x * 3]\ny = paddle.add_n(parts)",
    "scale": "y = paddle.scale(x, 0.5)",
    "scale-bias": "y = paddle.scale(x, 2.0, 3.0)",
    "scale-bias-before": "y = paddle.scale(x, scale=2.0, bias=3.0, bias_after_scale=False)",
    "scale-method": "y = x.scale(scale=-1.5, bias=0.25)",
    "scale-method-positional": "y = (x + 1).scale(3.0)",
    "einsum": "y = paddle.einsum('bij,bkj->bik', x, x)",
    "einsum-sum": "y = paddle.einsum('ijk->', x)",
}


@pytest.mark.parametrize("snippet", SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_shapes_compute_the_same(snippet):
    assert_same_values(P + snippet + "\n", {"x": X})


# Paddle inserts a list of axes one after the other, each relative to the rank so far (a negative axis
# counts from the end of that rank). Every ordered pair and triple that Paddle accepts on a 2-D input:
AXES = [list(a) for n in (1, 2, 3) for a in itertools.product(range(-3, 4), repeat=n)]


def _paddle_accepts(axes: list[int]) -> bool:
    rank = 2
    for axis in axes:
        if not -rank - 1 <= axis <= rank:
            return False
        rank += 1
    return True


@pytest.mark.parametrize("axes", [a for a in AXES if _paddle_accepts(a)], ids=str)
def test_unsqueeze_with_a_list_of_axes_computes_the_same(axes):
    assert_same_values(P + f"y = paddle.unsqueeze(x, {axes})\n", {"x": X[0]})
