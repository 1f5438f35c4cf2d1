"""weight_attr / bias_attr / ParamAttr / initializers -> torch.nn.init calls after construction."""

import numpy as np
import pytest

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
        P + "def fc(attr):\n    return nn.Linear(4, 5, weight_attr=attr)\n",
    ],
    ids=["not-bound-to-a-name", "attr-value-of-an-unbound-layer"],
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
