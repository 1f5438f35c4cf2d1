"""Paddle constructs torch has no class for: idiomatic torch where torch has the construct, otherwise a
helper written into the output (porter_helpers), reported once per file as a warning."""

import pytest

from porter.convert import helpers
from tests.convert.helpers import assert_converts, assert_noop, codes, convert

P = "import paddle.nn as nn\n"

CASES = {
    "legacy-batchnorm-with-act": (
        "from paddle.nn import BatchNorm\nb = BatchNorm(8, act='relu', epsilon=1e-3)\n",
        "import porter_helpers\nb = porter_helpers.BatchNorm(8, act='relu', epsilon=1e-3)\n",
    ),
    "legacy-batchnorm-computed-act": (
        P + "def block(c, act='relu'):\n    return nn.BatchNorm(c, act=act)\n",
        "import porter_helpers\ndef block(c, act='relu'):\n    return porter_helpers.BatchNorm(c, act=act)\n",
    ),
    "dropout-downscale-in-infer": (
        P + "d = nn.Dropout(p=0.4, mode='downscale_in_infer')\n",
        "import porter_helpers\nd = porter_helpers.DownscaleInInferDropout(0.4)\n",
    ),
    "vision-ops-conv-norm-activation-from-run-time-values": (
        "from paddle.vision.ops import ConvNormActivation\ndef block(c, norm):\n"
        "    return ConvNormActivation(3, c, norm_layer=norm)\n",
        "import porter_helpers\ndef block(c, norm):\n    return porter_helpers.ConvNormActivation(3, c, norm_layer=norm)\n",
    ),
    "download-helper": (
        "from paddle.utils.download import get_weights_path_from_url\np = get_weights_path_from_url(u, md5)\n",
        "import porter_helpers\np = porter_helpers.get_weights_path_from_url(u, md5)\n",
    ),
    "torch-and-helper-imports-together": (
        P + "s = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1, mode='downscale_in_infer'))\n",
        "import porter_helpers\nimport torch.nn as nn\n"
        "s = nn.Sequential(nn.Linear(2, 2), porter_helpers.DownscaleInInferDropout(0.1))\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts_to_a_helper_reported_once(before, after):
    result = assert_converts(before, after)
    assert len(result.helpers) == 1
    (warning,) = result.attention
    assert (warning.code, warning.severity.value) == ("helper", "warning")
    assert f"uses {helpers.target(result.helpers[0])}" in warning.message


def test_one_warning_per_helper_and_file_where_it_is_first_used():
    result = convert(
        P + "a = nn.BatchNorm(2)\nb = nn.BatchNorm(3)\nd = nn.Dropout(0.2, mode='downscale_in_infer')\n"
    )
    assert result.helpers == ("BatchNorm", "DownscaleInInferDropout")
    assert [(d.line, d.code) for d in result.attention] == [(2, "helper"), (4, "helper")]


IDIOMATIC = {
    "hardsigmoid-layer": (P + "a = nn.Hardsigmoid()\n", "import torch.nn as nn\na = nn.Hardsigmoid()\n"),
    "functional-hardsigmoid-defaults": (
        "import paddle.nn.functional as F\ny = F.hardsigmoid(x, offset=0.5)\n",
        "import torch.nn.functional as F\ny = F.hardsigmoid(x)\n",
    ),
    "functional-hardsigmoid-slope": (
        "import paddle.nn.functional as F\ny = F.hardsigmoid(x + 1, slope=0.2)\n",
        "import torch\ny = torch.clamp((x + 1) * 0.2 + 0.5, 0.0, 1.0)\n",
    ),
    "conv-norm-activation-written-out-is-a-sequential": (
        "from paddle.vision.ops import ConvNormActivation\nc = ConvNormActivation(3, 8, activation_layer=None)\n",
        "import torch\nc = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1, bias=False), torch.nn.BatchNorm2d(8))\n",
    ),
    "conv-norm-activation-keeps-its-layout": (
        "import paddle.nn as nn\nfrom paddle.vision.ops import ConvNormActivation\nc = ConvNormActivation(\n"
        "    in_channels=c_in,\n    out_channels=c_out,\n    kernel_size=k,\n    norm_layer=None,\n"
        "    activation_layer=nn.ReLU6,\n)\n",
        "import torch\nimport torch.nn as nn\nc = torch.nn.Sequential(\n"
        "    torch.nn.Conv2d(c_in, c_out, k, padding=(k - 1) // 2, bias=True),\n    nn.ReLU6(),\n)\n",
    ),
    "initializer-object-is-a-partial": (
        "import paddle.nn as nn\ninit = nn.initializer.Normal(0.0, 0.02)\n",
        "import functools\nimport torch\ninit = functools.partial(torch.nn.init.normal_, mean=0.0, std=0.02)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), IDIOMATIC.values(), ids=IDIOMATIC.keys())
def test_converts_to_idiomatic_torch(before, after):
    result = assert_converts(before, after)
    assert result.helpers == () and codes(result) == []


NOOP = {
    "already-converted": "import porter_helpers\nd = porter_helpers.DownscaleInInferDropout(0.5)\n",
    "user-class-named-batchnorm": "class BatchNorm:\n    pass\nb = BatchNorm()\n",
}


@pytest.mark.parametrize("source", NOOP.values(), ids=NOOP.keys())
def test_noop(source):
    assert_noop(source)
