"""Initializers: objects applied as functions (``zeros_ = Constant(0.)`` then ``zeros_(p)``), explicit fans,
Assign, initializers held in variables, and Paddle's default for ``create_parameter`` (both the layer
method and ``paddle.create_parameter``).

Deterministic initializers must give the same values; random ones the same distribution: the spread of
a large tensor (std within 5 %, a generous bound for 4000+ draws) and the same bounds.
"""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values, convert_and_run
from tests.convert.helpers import assert_converts, codes

P = "import paddle\nimport paddle.nn as nn\n"

GOLDEN = {
    "initializer-as-a-function": (
        P + "zeros_ = nn.initializer.Constant(value=0.)\nzeros_(w)\n",
        "import functools\nimport torch\nzeros_ = functools.partial(torch.nn.init.constant_, val=0.)\nzeros_(w)\n",
    ),
    "truncated-normal-keywords": (
        P + "init = nn.initializer.TruncatedNormal(std=.02)\n",
        "import functools\nimport torch\n"
        "init = functools.partial(torch.nn.init.trunc_normal_, mean=0.0, std=.02, a=-2.0, b=2.0)\n",
    ),
    "kaiming-explicit-fan-in": (
        P + "init = nn.initializer.KaimingNormal(fan_in=fan)\n",
        "import functools\nimport torch\ninit = functools.partial(torch.nn.init.normal_, mean=0.0, "
        "std=torch.nn.init.calculate_gain('relu', 0.0) / fan ** 0.5)\n",
    ),
    "initializer-variable-in-param-attr": (
        P + "conv = nn.Conv2D(3, 8, 3, weight_attr=paddle.ParamAttr(initializer=init))\n",
        "import torch.nn as nn\nconv = nn.Conv2d(3, 8, 3)\ninit(conv.weight)\n",
    ),
    "create-parameter-one-dimensional": (
        P + "self.g = self.create_parameter([dim])\n",
        "import torch\nself.g = torch.nn.Parameter(torch.empty([dim]))\n"
        "torch.nn.init.uniform_(self.g, -(3.0 / dim) ** 0.5, (3.0 / dim) ** 0.5)\n",
    ),
    "create-parameter-inside-an-expression": (
        P + "ps = nn.ParameterList([self.create_parameter([3, 4]) for _ in range(2)])\n",
        "import torch\nimport torch.nn as nn\n"
        "ps = nn.ParameterList([torch.nn.init.xavier_uniform_(torch.nn.Parameter(torch.empty([3, 4]))) for _ in range(2)])\n",
    ),
    "create-parameter-free-function-assign": (
        P + "self.a = paddle.create_parameter(shape=A.shape, dtype='float32', "
        "default_initializer=nn.initializer.Assign(A))\n",
        "import torch\nself.a = torch.nn.Parameter(torch.empty(A.shape, dtype=torch.float32))\n"
        "with torch.no_grad():\n    self.a.copy_(torch.as_tensor(A))\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


def test_assign_as_a_value_is_the_helper():
    """Held apart from the parameter (a variable, a ParamAttr built elsewhere) an Assign is a callable that
    fills the tensor it is given: the helper, since torch.nn.init has none that copies values in."""
    result = assert_converts(
        P
        + "init = nn.initializer.Assign(values)\nattr = paddle.ParamAttr(initializer=nn.initializer.Assign(a, name='x'))\n",
        "import porter_helpers\ninit = porter_helpers.Assign(values)\n"
        "attr = porter_helpers.ParamAttr(initializer=porter_helpers.Assign(a))\n",
    )
    assert sorted(result.helpers) == ["Assign", "ParamAttr"] and codes(result) == ["helper", "helper"]


LAYER = (
    P
    + "import numpy as np\n{prelude}\nclass Net(nn.Layer):\n    def __init__(self):\n        super().__init__()\n{body}\nnet = Net()\n"
)


def _layer(body: str, prelude: str = "") -> str:
    return LAYER.format(prelude=prelude, body="\n".join("        " + line for line in body.splitlines()))


SAME_VALUES = {
    "constant-object-applied": (
        "zeros_ = nn.initializer.Constant(value=0.)\nones_ = nn.initializer.Constant(1.0)",
        "self.w = self.create_parameter([3, 4])\nzeros_(self.w)\nself.v = self.create_parameter([5])\nones_(self.v)",
    ),
    "default-initializer-variable": (
        "fill = nn.initializer.Constant(value=0.5)",
        "self.w = self.create_parameter(shape=(1, 4, 2), default_initializer=fill)\nself.v = self.w * 1",
    ),
    "assign": (
        "A = np.arange(12, dtype='float64').reshape(3, 4)",
        "self.w = paddle.create_parameter(shape=A.shape, dtype='float64', "
        "default_initializer=nn.initializer.Assign(A))\nself.v = self.w + 0",
    ),
    "bias-default-zeros": ("", "self.w = self.create_parameter([7], is_bias=True)\nself.v = self.w"),
    "assign-in-a-param-attr-kept-apart": (
        "A = np.arange(12, dtype='float64').reshape(3, 4)\n"
        "attr = paddle.ParamAttr(initializer=nn.initializer.Assign(A.astype(np.float32)))",
        "self.w = paddle.create_parameter(shape=A.shape, dtype='float32', attr=attr)\nself.v = self.w * 2",
    ),
    "assign-held-in-a-variable": (
        "A = np.arange(8, dtype='float32').reshape(4, 2)\nfill = nn.initializer.Assign(A)",
        "self.fc = nn.Linear(4, 2, weight_attr=paddle.ParamAttr(initializer=fill), bias_attr=False)\n"
        "self.w = self.fc(paddle.ones([1, 4]))\nself.v = self.create_parameter([4, 2], default_initializer=fill)",
    ),
    # A Linear weight is [in, out] in Paddle, [out, in] in torch: a square one shows a copy not transposed
    "assign-into-square-linear-weights": (
        "M = np.arange(9, dtype='float32').reshape(3, 3)\nfill = nn.initializer.Assign(M)\n"
        "attr = paddle.ParamAttr(initializer=nn.initializer.Assign(M))\nx = paddle.to_tensor([[1.0, -2.0, 0.5]])",
        "self.a = nn.Linear(3, 3, weight_attr=nn.initializer.Assign(M), bias_attr=False)\n"
        "self.b = nn.Linear(3, 3, weight_attr=paddle.ParamAttr(initializer=fill), bias_attr=False)\n"
        "self.c = nn.Linear(3, 3, weight_attr=attr, bias_attr=False)\n"
        "self.d = nn.Sequential(nn.Linear(3, 3, weight_attr=attr, bias_attr=False))\n"
        "self.w = self.a(x), self.b(x)\nself.v = self.c(x), self.d(x)",
    ),
    "assign-a-list-then-a-tensor": (
        "fill = nn.initializer.Assign([1.5, -2.0, 3.0])\nt = paddle.to_tensor([[1.0, 2.0], [3.0, 4.0]])\n"
        "from_tensor = nn.initializer.Assign(t)\nt[0, 0] = 9.0",  # the tensor's values when Assign is built
        "self.w = self.create_parameter([3], default_initializer=fill)\n"
        "self.v = self.create_parameter([2, 2], attr=paddle.ParamAttr(initializer=from_tensor))",
    ),
}


@pytest.mark.parametrize(("prelude", "body"), SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_deterministic_initializers_give_the_same_values(prelude, body):
    source = _layer(body, prelude) + "y = net.w\nz = net.v\n"
    assert_same_values(source, names=("y", "z"))


DISTRIBUTIONS = {
    "create-parameter-2d-xavier": ("", "self.w = self.create_parameter([300, 200])"),
    "create-parameter-1d": ("", "self.w = self.create_parameter([6000])"),
    "create-parameter-3d": ("", "self.w = self.create_parameter([2, 50, 60])"),
    "create-parameter-variable-shape": ("shape = [5000]", "self.w = self.create_parameter(shape)"),
    "create-parameter-in-a-list": (
        "",
        "self.ps = nn.ParameterList([self.create_parameter([3000]) for _ in range(2)])\nself.w = self.ps[1]",
    ),
    "paddle-create-parameter": ("", "self.w = paddle.create_parameter([4000, 2], 'float32')"),
    "truncated-normal-object": (
        "trunc_normal_ = nn.initializer.TruncatedNormal(std=.02)",
        "self.w = self.create_parameter([5000])\ntrunc_normal_(self.w)",
    ),
    "kaiming-normal-fan-in": (
        "def get_conv_init(fan):\n    return nn.initializer.KaimingNormal(fan_in=fan)",
        "self.conv = nn.Conv2D(4, 64, 3, weight_attr=paddle.ParamAttr(initializer=get_conv_init(12)))"
        "\nself.w = self.conv.weight",
    ),
    "kaiming-uniform-fan-in-leaky": (
        "",
        "self.conv = nn.Conv2D(4, 64, 3, weight_attr=nn.initializer.KaimingUniform("
        "fan_in=20, negative_slope=0.1, nonlinearity='leaky_relu'))\nself.w = self.conv.weight",
    ),
    "xavier-normal-explicit-fans": (
        "",
        "self.fc = nn.Linear(100, 80, weight_attr=nn.initializer.XavierNormal(fan_in=10, fan_out=30))"
        "\nself.w = self.fc.weight",
    ),
    "kaiming-default-argument": (
        "",
        "init = nn.initializer.KaimingNormal()\n"
        "self.conv = nn.Conv2D(8, 64, 3, weight_attr=paddle.ParamAttr(initializer=init))\nself.w = self.conv.weight",
    ),
}


@pytest.mark.parametrize(("prelude", "body"), DISTRIBUTIONS.values(), ids=DISTRIBUTIONS.keys())
def test_random_initializers_draw_from_the_same_distribution(prelude, body):
    paddle_values, torch_values, result = convert_and_run(_layer(body, prelude) + "y = net.w\n")
    assert not codes(result), result.diagnostics
    expected, actual = paddle_values["y"], torch_values["y"]
    assert actual.dtype == expected.dtype and actual.size == expected.size
    assert abs(actual.std() / expected.std() - 1) < 0.05, (actual.std(), expected.std(), result.output)
    assert abs(actual.mean() - expected.mean()) < 0.1 * expected.std()
    bound = max(abs(expected.min()), abs(expected.max()))
    assert np.abs(actual).max() <= bound * 1.25, (np.abs(actual).max(), bound)
