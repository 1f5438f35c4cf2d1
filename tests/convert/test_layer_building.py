"""Building layers: ``Sequential`` of (name, layer) pairs, ``named_sublayers``, layers built from ``**kwargs``."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values, convert_and_run
from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\nimport paddle.nn as nn\n"

GOLDEN = {
    "sequential-named-pairs": (
        P + "s = nn.Sequential(('conv', nn.Conv2D(3, 4, 3)), ('act', nn.ReLU()))\n",
        "import collections\nimport torch.nn as nn\n"
        "s = nn.Sequential(collections.OrderedDict([('conv', nn.Conv2d(3, 4, 3)), ('act', nn.ReLU())]))\n",
    ),
    "sequential-plain": (
        P + "s = nn.Sequential(nn.ReLU(), nn.Tanh())\n",
        "import torch.nn as nn\ns = nn.Sequential(nn.ReLU(), nn.Tanh())\n",
    ),
    "named-sublayers": (
        P + "names = [n for n, _ in model.named_sublayers()]\n",
        "names = [n for n, _ in list(model.named_modules())[1:]]\n",
    ),
    "named-sublayers-include-self": (
        P + "pairs = model.named_sublayers(prefix='m', include_self=True)\n",
        "pairs = model.named_modules(prefix='m')\n",
    ),
    "conv-keyword-mapping": (
        P + "c = nn.Conv2D(3, 8, **kwargs)\n",
        "import torch.nn as nn\nc = nn.Conv2d(3, 8, **kwargs)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


def test_keyword_mapping_is_reported():
    result = convert(P + "c = nn.Conv2D(3, 8, **kwargs)\n")
    assert codes(result) == ["assumed-value"] and "kwargs" in result.diagnostics[0].message


def test_keyword_mapping_into_a_transformed_argument_is_refused():
    """BatchNorm's momentum means 1 - momentum in torch: a key of the mapping could carry it unconverted."""
    result = convert(P + "b = nn.BatchNorm2D(8, **kwargs)\n")
    assert "unsupported-arg" in codes(result)


NESTED = (
    "class Block(nn.Layer):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.body = nn.Sequential(('fc', nn.Linear(2, 2)), ('act', nn.ReLU()))\n"
    "        self.head = nn.Linear(2, 1)\n"
    "model = nn.Sequential(('block', Block()), ('out', nn.Sigmoid()))\n"
)

SAME_VALUES = {
    "sequential-names": "y = [name for name, _ in model.named_children()]",
    "named-sublayers": "y = [name for name, _ in model.named_sublayers()]",
    "named-sublayers-prefix-self": "y = [name for name, _ in model.named_sublayers(prefix='m', include_self=True)]",
    "named-sublayers-types": "y = [type(m).__name__ in ('Linear', 'ReLU', 'Sigmoid', 'Sequential', 'Block') for _, m in model.named_sublayers()]",
}


@pytest.mark.parametrize("snippet", SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_layer_trees_walk_the_same(snippet):
    assert_same_values(P + NESTED + snippet + "\n")


@pytest.mark.parametrize(
    "layer",
    [
        "nn.Conv2D(3, 4, **kw)",
        "nn.Conv2D(**dict(kw, in_channels=3, out_channels=4))",
        "nn.Conv2D(3, 4, **kw, bias_attr=False)",
    ],
)
def test_layers_built_from_a_mapping_compute_the_same(layer):
    import paddle
    import torch

    from porter.weights.transfer import copy_paddle_to_torch

    source = P + f"kw = dict(kernel_size=3, stride=2, padding=1, dilation=1)\nnet = {layer}\n"
    paddle_values, torch_values, _ = convert_and_run(source, names=("net",))
    paddle_net, torch_net = paddle_values["net"], torch_values["net"].double()
    paddle_net.to(dtype="float64")
    copy_paddle_to_torch(paddle_net, torch_net)
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 9))
    expected = paddle_net(paddle.to_tensor(x)).numpy()
    actual = torch_net(torch.from_numpy(x)).detach().numpy()
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


REGISTERED = {
    "register-buffer": "model = nn.Linear(2, 2)\nmodel.register_buffer('A', paddle.ones([3]))\ny = sorted(model.state_dict())",
    "add-parameter": (
        "model = nn.Linear(2, 2)\nw = paddle.create_parameter([1], 'float32')\nmodel.add_parameter('scale', w)\n"
        "y = sorted(model.state_dict())"
    ),
}


@pytest.mark.parametrize("snippet", REGISTERED.values(), ids=REGISTERED.keys())
def test_registered_tensors_keep_their_names(snippet):
    assert_same_values(P + snippet + "\n")


SUBCLASS = (
    "class Linear(nn.Linear):\n"
    "    def __init__(self, in_features, out_features, weight_attr=None, bias_attr=None, name=None):\n"
    "        if weight_attr is None:\n"
    "            weight_attr = paddle.ParamAttr(initializer=nn.initializer.Constant(0.5))\n"
    "        super(Linear, self).__init__(in_features, out_features, weight_attr, bias_attr, name)\n"
    "class Conv(nn.Conv1D):\n"
    "    def __init__(self, channels):\n"
    "        super().__init__(channels, channels, 3, 1, 1, weight_attr=nn.initializer.Constant(0.25),\n"
    "                         bias_attr=nn.initializer.Constant(0.125))\n"
)

SUBCLASSES = {
    "linear-subclass-positional-attrs": "fc = Linear(3, 2, bias_attr=nn.initializer.Constant(1.0))\ny = fc(x)",
    "conv-subclass-keyword-attrs": "conv = Conv(3)\ny = conv(x.transpose([1, 0]).unsqueeze(0))",
}


@pytest.mark.parametrize("snippet", SUBCLASSES.values(), ids=SUBCLASSES.keys())
def test_subclasses_of_paddle_layers_build_the_base_with_paddle_arguments(snippet):
    """super().__init__ in a subclass of a Paddle layer is that layer's constructor: converted with its
    table entry (before, torch's Linear received weight_attr as `bias` and built no bias at all)."""
    x = np.arange(12, dtype="float32").reshape(4, 3) / 10
    assert_same_values(P + SUBCLASS + snippet + "\n", {"x": x})


def test_super_init_with_unreadable_arguments_is_left_alone_and_reported():
    result = convert(
        P
        + "class C(nn.Conv1D):\n    def __init__(self, *args, **kwargs):\n        super().__init__(*args, **kwargs)\n"
    )
    assert "super().__init__(*args, **kwargs)" in result.output
    assert "assumed-value" in codes(result) and "porter: TODO" not in result.output
