"""Idioms of Paddle's own library code (paddle.vision.models): partial() of a layer, computed split
sizes, sublayers(), typing aliases, ParamAttr objects built apart from their layer, class checks."""

import pytest

from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle.nn as nn\n"
T = "import torch.nn as nn\n"

CASES = {
    "partial-of-a-layer-translates-its-arguments": (
        "from functools import partial\n"
        + P
        + "norm = partial(nn.BatchNorm2D, epsilon=0.001, momentum=0.99)\n",
        "from functools import partial\n" + T + "norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)\n",
    ),
    "functools-partial-attribute": (
        "import functools\n" + P + "conv = functools.partial(nn.Conv2D, bias_attr=False)\n",
        "import functools\n" + T + "conv = functools.partial(nn.Conv2d, bias=False)\n",
    ),
    "split-with-computed-sizes": (
        "import paddle\na, b = paddle.split(x, num_or_sections=[x.shape[1] // 2, x.shape[1] // 2], axis=1)\n",
        "import torch\na, b = torch.split(x, split_size_or_sections=[x.shape[1] // 2, x.shape[1] // 2], dim=1)\n",
    ),
    "sublayers-excludes-self": (
        P + "def first(m: nn.Layer):\n    return m.sublayers()[0]\n",
        T + "def first(m: nn.Module):\n    return list(m.modules())[1:][0]\n",
    ),
    "sublayers-include-self": (
        P + "def walk(m: nn.Layer):\n    return m.sublayers(include_self=True)\n",
        T + "def walk(m: nn.Module):\n    return list(m.modules())\n",
    ),
    "typing-size-annotation": (
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from paddle._typing import Size2\ndef f(k: Size2) -> None:\n    pass\n",
        "from __future__ import annotations\nimport torch\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n"
        "def f(k: torch.nn.common_types._size_2_t) -> None:\n    pass\n",
    ),
    "isinstance-of-a-layer-class": (
        P + "def is_fc(m):\n    return isinstance(m, nn.Linear)\n",
        T + "def is_fc(m):\n    return isinstance(m, nn.Linear)\n",
    ),
    "param-attr-built-by-a-helper": (
        "from paddle import ParamAttr\nfrom paddle.nn import Linear\nfrom paddle.nn.initializer import Uniform\n"
        "def xavier(s) -> ParamAttr:\n    return ParamAttr(initializer=Uniform(-s, s))\n"
        "fc = Linear(4, 2, weight_attr=xavier(0.1))\n",
        "import functools\nimport torch\nimport porter_helpers\nfrom torch.nn import Linear\n"
        "def xavier(s) -> porter_helpers.ParamAttr:\n"
        "    return porter_helpers.ParamAttr(initializer=functools.partial(torch.nn.init.uniform_, a=-s, b=s))\n"
        "fc = Linear(4, 2)\nporter_helpers.apply_param_attr(fc.weight, xavier(0.1), transposed=True)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    result = assert_converts(before, after)
    assert codes(result) == ["helper"] * len(result.helpers)


TODO = {
    "split-with-a-literal-minus-one": ("import paddle\na, b = paddle.split(x, [n, -1])\n", "split"),
    "sublayers-computed-flag": (
        P + "def walk(m: nn.Layer, flag):\n    return m.sublayers(include_self=flag)\n",
        "sublayers",
    ),
    # (a value known only at run time is applied there: tests/convert/test_param_attr.py)
    "param-attr-initializer-of-an-unnamed-layer": (
        P + "def fc():\n    return nn.Linear(4, 2, weight_attr=nn.initializer.Normal(0.0, 0.1))\n",
        "param-attr",
    ),
}


@pytest.mark.parametrize(("source", "code"), TODO.values(), ids=TODO.keys())
def test_left_with_todo(source, code):
    result = convert(source)
    # the stand-in for the Paddle names left unconverted (if any) is reported first, at the import
    assert codes(result) == ["helper"] * len(result.helpers) + [code]
    assert f"# porter: TODO({code})" in result.output
