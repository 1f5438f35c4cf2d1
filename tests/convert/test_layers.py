"""Layers: Layer -> Module, renamed classes, argument renames, differing defaults, accepted values."""

import pytest

from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle.nn as nn\n"
T = "import torch.nn as nn\n"

CASES = {
    "layer-base-class": (
        "import paddle\nclass M(paddle.nn.Layer):\n    pass\n",
        "import torch\nclass M(torch.nn.Module):\n    pass\n",
    ),
    "conv-bias-attr-false": (
        P + "c = nn.Conv2D(3, 8, 3, bias_attr=False)\n",
        T + "c = nn.Conv2d(3, 8, 3, bias=False)\n",
    ),
    "conv-data-format-nchw-dropped": (
        P + "c = nn.Conv2D(3, 8, 3, data_format='NCHW')\n",
        T + "c = nn.Conv2d(3, 8, 3)\n",
    ),
    "batchnorm-momentum-and-epsilon": (
        P + "b = nn.BatchNorm2D(8, momentum=0.9, epsilon=1e-3)\n",
        T + "b = nn.BatchNorm2d(8, momentum=0.1, eps=1e-3)\n",
    ),
    "batchnorm-momentum-expression": (
        P + "b = nn.BatchNorm2D(8, momentum=m)\n",
        T + "b = nn.BatchNorm2d(8, momentum=1 - m)\n",
    ),
    "avgpool-default-exclusive-spelled-out": (
        P + "p = nn.AvgPool2D(2, 2)\n",
        T + "p = nn.AvgPool2d(2, 2, count_include_pad=False)\n",
    ),
    "avgpool-exclusive-false": (
        P + "p = nn.AvgPool2D(kernel_size=2, exclusive=False)\n",
        T + "p = nn.AvgPool2d(kernel_size=2, count_include_pad=True)\n",
    ),
    "dropout-upscale-mode-dropped": (
        P + "d = nn.Dropout(0.5, mode='upscale_in_train')\n",
        T + "d = nn.Dropout(0.5)\n",
    ),
    "maxpool-and-adaptive": (
        P + "a = nn.MaxPool2D(kernel_size=3, stride=2, padding=1)\nb = nn.AdaptiveAvgPool2D(output_size=1)\n",
        T + "a = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)\nb = nn.AdaptiveAvgPool2d(output_size=1)\n",
    ),
    "sequential-relu-linear": (
        P + "s = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sigmoid())\n",
        T + "s = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sigmoid())\n",
    ),
    # Paddle's instance norm learns scale and shift unless both attributes are False: torch's affine
    "instancenorm-affine-by-default": (
        P + "n = nn.InstanceNorm1D(8, epsilon=1e-3)\n",
        T + "n = nn.InstanceNorm1d(8, eps=1e-3, affine=True)\n",
    ),
    "instancenorm-without-scale-and-shift": (
        P + "n = nn.InstanceNorm1D(8, momentum=0.1, data_format='NCL', weight_attr=False, bias_attr=False)\n",
        T + "n = nn.InstanceNorm1d(8, momentum=0.9, affine=False)\n",
    ),
    "instancenorm-without-scale-and-shift-inside-an-expression": (
        P + "s = nn.Sequential(nn.InstanceNorm2D(c, weight_attr=False, bias_attr=False), nn.ReLU())\n",
        T + "s = nn.Sequential(nn.InstanceNorm2d(c, affine=False), nn.ReLU())\n",
    ),
    # torch's weight norm keeps Paddle's weight_g/weight_v; on a layer that may be a Linear (whose weight
    # is Paddle's transposed) or with a negative axis, the helper decides the axis when it runs
    "weight-norm-of-a-conv-built-there": (
        P + "c = nn.utils.weight_norm(nn.Conv1D(2, 4, 3), name='weight', dim=0)\n",
        T + "c = nn.utils.weight_norm(nn.Conv1d(2, 4, 3), name='weight', dim=0)\n",
    ),
    "weight-norm-of-a-linear": (
        P + "f = nn.utils.weight_norm(nn.Linear(2, 4))\n",
        "import porter_helpers\n" + T + "f = porter_helpers.weight_norm(nn.Linear(2, 4))\n",
    ),
    "weight-norm-of-a-layer-held-in-a-name": (
        "from paddle.nn.utils import weight_norm, remove_weight_norm\n"
        "weight_norm(layer)\nremove_weight_norm(layer=layer)\n",
        "import porter_helpers\nfrom torch.nn.utils import remove_weight_norm\n"
        "porter_helpers.weight_norm(layer)\nremove_weight_norm(layer)\n",
    ),
    "weight-norm-negative-axis": (
        P + "c = nn.utils.weight_norm(nn.Conv2D(2, 4, 3), dim=-2)\n",
        "import porter_helpers\n" + T + "c = porter_helpers.weight_norm(nn.Conv2d(2, 4, 3), dim=-2)\n",
    ),
    "flatten-axes-renamed": (P + "f = nn.Flatten(start_axis=1)\n", T + "f = nn.Flatten(start_dim=1)\n"),
    "layerlist": (P + "l = nn.LayerList([nn.ReLU()])\n", T + "l = nn.ModuleList([nn.ReLU()])\n"),
    "multiline-call-keeps-layout": (
        P
        + "c = nn.Conv2D(\n    in_channels=3,\n    out_channels=8,\n    kernel_size=3,\n    bias_attr=False)\n",
        T + "c = nn.Conv2d(\n    in_channels=3,\n    out_channels=8,\n    kernel_size=3,\n    bias=False)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    assert_converts(before, after)


TODO = {
    "dropout-axis": (P + "d = nn.Dropout(0.5, axis=1)\n", "unsupported-value"),
    "conv-nhwc": (P + "c = nn.Conv2D(3, 8, 3, data_format='NHWC')\n", "unsupported-value"),
    "unknown-keyword": (P + "c = nn.Conv2D(3, 8, 3, bogus=1)\n", "unsupported-arg"),
    "star-args": (P + "c = nn.Conv2D(*args)\n", "unsupported-arg"),
    # Paddle refuses one alone (an assertion); the message says to write both
    "instancenorm-weight-attr-false-alone": (
        P + "n = nn.InstanceNorm3D(8, weight_attr=False)\n",
        "param-attr",
    ),
    "instancenorm-bias-attr-false-alone": (
        P + "n = nn.InstanceNorm1D(8, weight_attr=nn.initializer.Constant(2.0), bias_attr=False)\n",
        "param-attr",
    ),
}


@pytest.mark.parametrize(("source", "code"), TODO.values(), ids=TODO.keys())
def test_left_with_todo(source, code):
    result = convert(source)
    # the stand-in for the Paddle names left unconverted (if any) is reported first, at the import
    assert codes(result) == ["helper"] * len(result.helpers) + [code]
    line = source.splitlines()[1]
    assert f"# porter: TODO({code})" in result.output and line in result.output
    assert convert(result.output).output == result.output  # no second comment


def test_non_literal_accepted_value_is_converted_with_a_warning():
    result = convert(P + "c = nn.Conv2D(3, 8, 3, data_format=fmt)\n")
    assert "nn.Conv2d(3, 8, 3)" in result.output
    assert codes(result) == ["assumed-value"]


VALUES = {
    "class-as-default-argument": (
        "import paddle.nn as nn\ndef block(act=nn.ReLU):\n    return act()\n",
        "import torch.nn as nn\ndef block(act=nn.ReLU):\n    return act()\n",
    ),
    "tensor-annotation": (
        "import paddle\ndef f(x: paddle.Tensor) -> paddle.Tensor:\n    return x\n",
        "import torch\ndef f(x: torch.Tensor) -> torch.Tensor:\n    return x\n",
    ),
    "sequential-of-starred-list": (
        "import paddle.nn as nn\nlayers = []\nnet = nn.Sequential(*layers)\n",
        "import torch.nn as nn\nlayers = []\nnet = nn.Sequential(*layers)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), VALUES.values(), ids=VALUES.keys())
def test_names_used_as_values(before, after):
    assert codes(assert_converts(before, after)) == []


def test_value_use_of_a_layer_whose_defaults_differ_is_a_warning():
    result = convert("import paddle.nn as nn\npool = nn.AvgPool2D\n")
    assert result.output == "import torch.nn as nn\npool = nn.AvgPool2d\n"
    assert codes(result) == ["value-use"]


@pytest.mark.parametrize(
    ("call", "converted"),
    [
        ("layer.to(dtype='float64')", "layer.to(dtype=torch.float64)"),
        ("layer.to('gpu:1')", "layer.to('cuda:1')"),
        (
            "layer.to(device='cpu', dtype='float32', blocking=True)",
            "layer.to(device='cpu', dtype=torch.float32)",
        ),
    ],
)
def test_layer_to_takes_torch_devices_and_dtypes(call, converted):
    result = convert(f"import paddle\nlayer = paddle.nn.Linear(2, 2)\n{call}\n")
    assert result.output == f"import torch\nlayer = torch.nn.Linear(2, 2)\n{converted}\n"


def test_layer_to_without_blocking_is_a_todo():
    result = convert("import paddle\nlayer = paddle.nn.Linear(2, 2)\nlayer.to('cpu', blocking=False)\n")
    assert "# porter: TODO(unsupported-value)" in result.output
