"""weight_attr / bias_attr / ParamAttr / initializers -> torch.nn.init calls after construction."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\nimport paddle.nn as nn\n"
T = "import torch\nimport torch.nn as nn\n"

CASES = {
    "seed-uniform-in-paramattr": (
        P
        + "self.out = nn.Linear(2048, 1, weight_attr=paddle.ParamAttr(initializer=nn.initializer.Uniform(-stdv, stdv)))\n",
        T + "self.out = nn.Linear(2048, 1)\ntorch.nn.init.uniform_(self.out.weight, -stdv, stdv)\n",
    ),
    "initializer-passed-directly-defaults-spelled": (
        P
        + "fc = nn.Linear(4, 5, weight_attr=nn.initializer.Uniform(), bias_attr=nn.initializer.Constant(0.1))\n",
        T
        + "fc = nn.Linear(4, 5)\ntorch.nn.init.uniform_(fc.weight, -1.0, 1.0)\ntorch.nn.init.constant_(fc.bias, 0.1)\n",
    ),
    "kaiming-normal-relu-gain": (
        P + "c = nn.Conv2D(3, 8, 3, weight_attr=nn.initializer.KaimingNormal())\n",
        T
        + "c = nn.Conv2d(3, 8, 3)\ntorch.nn.init.kaiming_normal_(c.weight, a=0.0, mode='fan_in', nonlinearity='relu')\n",
    ),
    "xavier-normal": (
        P + "fc = nn.Linear(4, 5, weight_attr=paddle.ParamAttr(initializer=nn.initializer.XavierNormal()))\n",
        T + "fc = nn.Linear(4, 5)\ntorch.nn.init.xavier_normal_(fc.weight, gain=1.0)\n",
    ),
    "trainable-false": (
        P + "fc = nn.Linear(4, 5, weight_attr=paddle.ParamAttr(trainable=False))\n",
        "import torch.nn as nn\nfc = nn.Linear(4, 5)\nfc.weight.requires_grad_(False)\n",
    ),
    # A value known only at run time: applied by the helper; a bias_attr that may be False (no bias)
    # decides torch's bias= too, read twice, so only when it is a name or an attribute
    "runtime-attr-of-an-unbound-layer": (
        P + "def fc(attr):\n    return nn.Linear(4, 5, weight_attr=attr)\n",
        "import porter_helpers\nimport torch.nn as nn\n"
        "def fc(attr):\n    return porter_helpers.with_param_attrs(nn.Linear(4, 5), weight=attr)\n",
    ),
    "runtime-bias-attr-inside-an-expression": (
        P + "blocks.append(nn.Sequential(nn.Conv1D(c, c, 3, bias_attr=self.bias, padding=1)))\n",
        "import porter_helpers\nimport torch.nn as nn\n"
        "blocks.append(nn.Sequential(porter_helpers.with_param_attrs("
        "nn.Conv1d(c, c, 3, padding=1, bias=self.bias is not False), bias=self.bias)))\n",
    ),
    "runtime-bias-attr-bound": (
        P + "conv = nn.Conv1D(c, c, 3, bias_attr=bias)\n",
        "import porter_helpers\nimport torch.nn as nn\n"
        "conv = nn.Conv1d(c, c, 3, bias=bias is not False)\nporter_helpers.apply_param_attr(conv.bias, bias)\n",
    ),
    "runtime-bias-attr-call-is-applied-only": (
        P + "conv = nn.Conv1D(c, c, 3, bias_attr=make_attr())\n",
        "import porter_helpers\nimport torch.nn as nn\n"
        "conv = nn.Conv1d(c, c, 3)\nporter_helpers.apply_param_attr(conv.bias, make_attr())\n",
    ),
    "runtime-weight-attr-of-a-linear-is-transposed-for-assign": (
        P + "fc = nn.Linear(3, 3, weight_attr=attr)\n",
        "import porter_helpers\nimport torch.nn as nn\n"
        "fc = nn.Linear(3, 3)\nporter_helpers.apply_param_attr(fc.weight, attr, transposed=True)\n",
    ),
    "assign-into-a-linear-weight-transposed": (
        P
        + "fc = nn.Linear(3, 3, weight_attr=nn.initializer.Assign(m), bias_attr=nn.initializer.Assign(b))\n",
        "import torch\nimport torch.nn as nn\nfc = nn.Linear(3, 3)\nwith torch.no_grad():\n"
        "    fc.weight.copy_(torch.as_tensor(m).T)\nwith torch.no_grad():\n    fc.bias.copy_(torch.as_tensor(b))\n",
    ),
    "indented-in-init": (
        P + "class M(nn.Layer):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 5, weight_attr=nn.initializer.Normal(0.0, 0.01))\n        self.x = 1\n",
        T + "class M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 5)\n        torch.nn.init.normal_(self.fc.weight, 0.0, 0.01)\n        self.x = 1\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    assert_converts(before, after)


def test_learning_rate_in_paramattr_is_reported():
    result = convert(P + "fc = nn.Linear(4, 5, weight_attr=paddle.ParamAttr(learning_rate=0.1))\n")
    assert "fc = nn.Linear(4, 5)" in result.output
    assert codes(result) == ["param-attr"]


@pytest.mark.parametrize(
    "source",
    [
        P + "s = nn.Sequential(nn.Linear(4, 5, weight_attr=nn.initializer.Normal()))\n",
        P + "s = nn.Sequential(nn.Linear(4, 5, bias_attr=nn.initializer.Constant(1.0) if b else False))\n",
    ],
    ids=["not-bound-to-a-name", "paddle-code-in-a-value-of-an-unbound-layer"],
)
def test_unplaceable_initializers_are_todo(source):
    result = convert(source)
    assert "porter: TODO(" in result.output
    assert codes(result)


@pytest.mark.parametrize(
    "paddle_init, torch_init",
    [
        ("KaimingUniform", "kaiming_uniform_"),
        ("XavierUniform", "xavier_uniform_"),
        ("KaimingNormal", "kaiming_normal_"),
    ],
)
def test_fan_based_init_spread_matches_paddle_for_linear(paddle_init, torch_init):
    """Linear weights are [in, out] in Paddle and [out, in] in torch; the converted init call must still
    draw from the same distribution (the std of a large layer agrees within sampling error)."""
    import paddle
    import torch

    fan_in, fan_out = 300, 700
    paddle.seed(0)
    layer = paddle.nn.Linear(fan_in, fan_out, weight_attr=getattr(paddle.nn.initializer, paddle_init)())
    paddle_std = float(np.std(layer.weight.numpy()))
    converted = convert(
        f"import paddle.nn as nn\nfc = nn.Linear({fan_in}, {fan_out}, weight_attr=nn.initializer.{paddle_init}())\n"
    ).output
    assert f"torch.nn.init.{torch_init}(fc.weight" in converted
    torch.manual_seed(0)
    namespace: dict = {}
    exec(converted, namespace)  # noqa: S102 - our own output
    torch_std = float(namespace["fc"].weight.detach().std())
    assert abs(torch_std - paddle_std) / paddle_std < 0.02  # 210k samples: sampling error ~0.3%


def test_a_layer_that_gives_up_leaves_its_paddle_names_to_a_stand_in():
    """The attr was read (and its names marked used) before the layer's own arguments failed: the
    marks are rolled back, so `paddle` stays bound (to a stand-in) for the code left as it was."""
    result = convert(
        "import paddle\n"
        "c = paddle.nn.Conv2D(3, 8, 3, weight_attr=paddle.ParamAttr(learning_rate=0.5), data_format='NHWC')\n"
    )
    assert result.output.startswith('import porter_helpers\npaddle = porter_helpers.Unconverted("paddle")\n')
    # the attr's learning-rate warning was rolled back too
    assert codes(result) == ["helper", "unsupported-value"]


@pytest.mark.parametrize(
    "weight_attr",
    ["nn.initializer.Normal()", "make_attr()", "paddle.ParamAttr(initializer=nn.initializer.Uniform())"],
)
def test_a_bias_attr_that_gives_up_half_way_leaves_no_import_behind(weight_attr):
    """The weight's attr asked for torch.nn.init / a helper before the bias attr gave up: nothing of that
    reaches the imports, which are read from the output."""
    result = convert(
        P
        + f"fc = nn.Linear(4, 5, weight_attr={weight_attr}, bias_attr=nn.initializer.XavierUniform(fan_in=3))\n"
    )
    assert "import torch" not in result.output and "functools" not in result.output
    assert result.helpers == ("Unconverted",)
    assert codes(result) == ["helper", "initializer"]  # the stand-ins of paddle and nn


# bias_attr given as a value known only at run time, on a layer bound to a name and on one built inside
# an expression: the same parameters (none for False) and, from the same weights, the same outputs; an
# initializer's values where the attribute holds one.
RUNTIME_BIAS_ATTRS = {
    "false": ("False", False),
    "true": ("True", False),
    "none": ("None", False),
    "param-attr": ("paddle.ParamAttr(initializer=nn.initializer.Constant(0.5))", True),
    "initializer": ("nn.initializer.Constant(0.25)", True),
    "param-attr-trainable": ("paddle.ParamAttr(trainable=False)", False),
}


@pytest.mark.parametrize(("value", "initialized"), RUNTIME_BIAS_ATTRS.values(), ids=RUNTIME_BIAS_ATTRS.keys())
def test_runtime_bias_attr_builds_what_paddle_builds(value, initialized):
    layers = "(s[0], c)"
    source = (
        P
        + f"flag = {value}\n"
        + "s = nn.Sequential(nn.Conv1D(2, 3, 3, bias_attr=flag))\n"
        + "c = nn.Conv1D(2, 3, 3, bias_attr=flag)\n"
        + f"shapes = [[tuple(p.shape) for p in l.parameters()] for l in {layers}]\n"
        + f"frozen = [l.bias is not None and l.bias.stop_gradient for l in {layers}]\n"
        + (f"b = [l.bias * 1 for l in {layers}]\n" if initialized else "")
        + "# shared weights\n"
        + "y = s(x), c(x)\n"
    )
    x = np.random.default_rng(0).standard_normal((2, 2, 7)).astype("float32")
    names = ("shapes", "frozen", "y", *(("b",) if initialized else ()))
    result = assert_same_values(source, {"x": x}, names, shared=("s", "c"))
    assert "porter: TODO" not in result.output
