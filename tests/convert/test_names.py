"""Name resolution: only names bound by Paddle imports are converted; look-alikes are left alone."""

import pytest

from tests.convert.helpers import assert_converts, assert_noop

NOOP = {
    "no-paddle": "import torch.nn as nn\nx = nn.Conv2d(1, 2, 3)\n",
    "local-nn-not-paddle": "import mylib as nn\nlayer = nn.Conv2D(1, 2, 3)\n",
    "string-and-comment": "# paddle.nn.Conv2D(1, 2, 3)\ns = 'paddle.concat(x, axis=1)'\n",
    "attribute-named-like-paddle": "class A:\n    paddle = None\n\n\nA().paddle.concat([1], axis=0)\n",
    "numpy-astype-without-paddle": "import numpy as np\nx = np.zeros(3).astype('float32').transpose([0])\n",
}


@pytest.mark.parametrize("source", NOOP.values(), ids=NOOP.keys())
def test_noop(source):
    assert_noop(source)


CASES = {
    "parameter-shadows-module-alias": (
        """
        import paddle.nn as nn

        def build(nn):
            return nn.Conv2D(1, 2, 3)

        layer = nn.Conv2D(1, 2, 3)
        """,
        """
        import torch.nn as nn

        def build(nn):
            return nn.Conv2D(1, 2, 3)

        layer = nn.Conv2d(1, 2, 3)
        """,
    ),
    "local-assignment-shadows-in-function-only": (
        """
        import paddle

        def f():
            paddle = object()
            return paddle.concat

        y = paddle.concat([a, b], axis=1)
        """,
        """
        import torch

        def f():
            paddle = object()
            return paddle.concat

        y = torch.cat([a, b], dim=1)
        """,
    ),
    "class-body-name-does-not-leak-into-methods": (
        """
        from paddle.nn import Linear

        class A:
            Linear = None

            def make(self):
                return Linear(2, 3)
        """,
        """
        from torch.nn import Linear

        class A:
            Linear = None

            def make(self):
                return Linear(2, 3)
        """,
    ),
    "from-import-object-renamed": (
        """
        from paddle.nn import Conv2D, MaxPool2D
        c = Conv2D(1, 2, 3)
        p = MaxPool2D(2)
        """,
        """
        from torch.nn import Conv2d, MaxPool2d
        c = Conv2d(1, 2, 3)
        p = MaxPool2d(2)
        """,
    ),
    "from-paddle-import-module": (
        """
        from paddle import nn
        c = nn.Conv2D(1, 2, 3)
        """,
        """
        from torch import nn
        c = nn.Conv2d(1, 2, 3)
        """,
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    assert_converts(before, after)


def test_module_level_rebinding_is_reported_and_left_alone():
    source = "import paddle.nn as nn\nnn = None\nx = nn.Conv2D(1, 2, 3)\n"
    from tests.convert.helpers import codes, convert

    result = convert(source)
    assert codes(result) == ["shadowed-name", "helper"]
    assert result.output.startswith("import porter_helpers\n# porter: TODO(shadowed-name)")
    assert 'nn = porter_helpers.Unconverted("paddle.nn")\nnn = None\n' in result.output
    assert "x = nn.Conv2D(1, 2, 3)" in result.output
