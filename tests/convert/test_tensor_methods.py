"""Tensor-method rules decided from the call's shape, each reporting what it assumed."""

import pytest

from tests.convert.helpers import assert_converts, assert_noop, convert

P = "import paddle\n"

CASES = {
    "transpose-perm-becomes-permute": (P + "y = paddle.ones([2, 3, 4]).transpose([0, 2, 1])\n", None),
    "astype-string": (
        P + "x = paddle.to_tensor(a)\ny = x.astype('float32')\n",
        "import torch\nx = torch.tensor(a)\ny = x.to(torch.float32)\n",
    ),
    "flatten-keywords": (
        P + "x = paddle.to_tensor(a)\ny = x.flatten(start_axis=1)\n",
        "import torch\nx = torch.tensor(a)\ny = x.flatten(start_dim=1)\n",
    ),
    "cuda-blocking": (
        P + "x = paddle.to_tensor(a)\ny = x.cuda(0, blocking=False)\n",
        "import torch\nx = torch.tensor(a)\ny = x.cuda(0, non_blocking=True)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    if after is None:
        assert ".permute([0, 2, 1])" in convert(before).output
        return
    assert_converts(before, after)


NOOP = {
    "torch-style-transpose-two-dims": "import paddle\ny = x.transpose(0, 1)\nz = paddle\n",
    "methods-in-a-file-without-paddle": "y = x.transpose([0, 2, 1]).astype('float32')\n",
}


@pytest.mark.parametrize("source", NOOP.values(), ids=NOOP.keys())
def test_noop(source):
    assert_noop(source) if "paddle" not in source else None
    if "paddle" in source:
        assert "y = x.transpose(0, 1)" in convert(source).output


def test_a_rewrite_on_a_receiver_of_unknown_type_is_a_warning_once_per_chain():
    result = convert(P + "y = x.transpose([1, 0]).astype('int64')\n")
    assert result.output.endswith("y = x.permute([1, 0]).to(torch.int64)\n")
    assumed = [d for d in result.diagnostics if d.code == "assumed-tensor"]
    assert len(assumed) == 1 and assumed[0].severity.value == "warning" and assumed[0].safety == "review"


SHAPE = {
    "compared-with-list": ("import paddle\nok = x.shape == [2, 3]\n", "ok = list(x.shape) == [2, 3]\n"),
    "concatenated-with-list": ("import paddle\ns = x.shape + [1]\n", "s = list(x.shape) + [1]\n"),
}


@pytest.mark.parametrize(("before", "after"), SHAPE.values(), ids=SHAPE.keys())
def test_shape_used_as_a_list(before, after):
    result = convert(before)
    assert result.output.endswith(after)
    assert convert(result.output).output == result.output


def test_shape_indexing_is_left_alone():
    assert convert(
        "import paddle\nn = x.shape[0]\ny = paddle.reshape(x, [x.shape[0], -1])\n"
    ).output.startswith("import torch\nn = x.shape[0]\n")


def test_numpy_detaches_and_moves_to_cpu():
    assert convert("import paddle\ny = paddle.to_tensor(a)\nv = y.numpy()\n").output.endswith(
        "v = y.detach().cpu().numpy()\n"
    )


def test_seed_shape_check_keeps_numpy_methods():
    """Seed 004's shape check: the astype is numpy's, the to_tensor is Paddle's."""
    before = (
        "import numpy as np\nimport paddle\n"
        "x = np.random.randn(*[1, 3, 224, 224])\nx = x.astype('float32')\nx = paddle.to_tensor(x)\n"
        "y = x.astype('float16')\n"
    )
    after = (
        "import numpy as np\nimport torch\n"
        "x = np.random.randn(*[1, 3, 224, 224])\nx = x.astype('float32')\nx = torch.tensor(x)\n"
        "y = x.to(torch.float16)\n"
    )
    assert_converts(before, after)
