"""Paddle constructs torch has no class for convert to porter.compat (pure torch, needed at runtime)."""

import pytest

from tests.convert.helpers import assert_converts, assert_noop, codes

P = "import paddle.nn as nn\n"

CASES = {
    "legacy-batchnorm-with-act": (
        "from paddle.nn import BatchNorm\nb = BatchNorm(8, act='relu', epsilon=1e-3)\n",
        "from porter.compat import BatchNorm\nb = BatchNorm(8, act='relu', epsilon=1e-3)\n",
    ),
    "legacy-batchnorm-computed-act": (
        P + "def block(c, act='relu'):\n    return nn.BatchNorm(c, act=act)\n",
        "import porter.compat\ndef block(c, act='relu'):\n    return porter.compat.BatchNorm(c, act=act)\n",
    ),
    "dropout-downscale-in-infer": (
        P + "d = nn.Dropout(p=0.4, mode='downscale_in_infer')\n",
        "import porter.compat\nd = porter.compat.DownscaleInInferDropout(0.4)\n",
    ),
    "hardsigmoid-keeps-paddle-slope": (
        P + "a = nn.Hardsigmoid()\n",
        "import porter.compat\na = porter.compat.Hardsigmoid()\n",
    ),
    "functional-hardsigmoid": (
        "import paddle.nn.functional as F\ny = F.hardsigmoid(x, slope=0.2)\n",
        "import porter.compat\ny = porter.compat.hardsigmoid(x, slope=0.2)\n",
    ),
    "vision-ops-conv-norm-activation": (
        "from paddle.vision.ops import ConvNormActivation\nc = ConvNormActivation(3, 8, activation_layer=None)\n",
        "from porter.compat import ConvNormActivation\nc = ConvNormActivation(3, 8, activation_layer=None)\n",
    ),
    "download-helper": (
        "from paddle.utils.download import get_weights_path_from_url\np = get_weights_path_from_url(u, md5)\n",
        "from porter.compat import get_weights_path_from_url\np = get_weights_path_from_url(u, md5)\n",
    ),
    "torch-and-compat-imports-together": (
        P + "s = nn.Sequential(nn.Linear(2, 2), nn.Hardsigmoid())\n",
        "import porter.compat\nimport torch.nn as nn\ns = nn.Sequential(nn.Linear(2, 2), porter.compat.Hardsigmoid())\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts_to_porter_compat(before, after):
    assert codes(assert_converts(before, after)) == []


NOOP = {
    "already-compat": "import porter.compat\nd = porter.compat.DownscaleInInferDropout(0.5)\n",
    "user-class-named-batchnorm": "class BatchNorm:\n    pass\nb = BatchNorm()\n",
}


@pytest.mark.parametrize("source", NOOP.values(), ids=NOOP.keys())
def test_noop(source):
    assert_noop(source)
