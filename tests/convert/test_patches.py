"""Code that patches Paddle to look like torch (``paddle.float = "float32"``, ``setattr(paddle.Tensor, ...)``)
must never become a patch of torch: it stays on Paddle's stand-in, with a warning."""

from __future__ import annotations

import pytest
import torch

from tests.convert.executed import execute
from tests.convert.helpers import assert_converts, codes, convert


def _torch_intact() -> None:
    assert isinstance(torch.float32, torch.dtype)
    assert torch.ones(2, dtype=torch.float64).to(torch.float32).dtype == torch.float32


SOURCES = {
    "module attribute": "import paddle\npaddle.float = 'float32'\nx = paddle.ones([2], dtype=paddle.float32)\n",
    "class attribute": (
        "import paddle\n\ndef to(x, *args):\n    return x.astype(args[0])\n\n"
        "paddle.Tensor.to = to\nx = paddle.ones([2]).astype(paddle.float64)\n"
    ),
    "setattr": (
        "import paddle\n\ndef to(x, *args):\n    return x.astype(args[0])\n\n"
        "setattr(paddle.Tensor, 'to', to)\nsetattr(paddle, 'float', 'float32')\n"
        "x = paddle.ones([2]).astype(paddle.float64)\n"
    ),
    "delattr": "import paddle\ndelattr(paddle, 'float')\nx = paddle.ones([2])\n",
    "alias": "import paddle.nn as nn\nnn.Dense = nn.Linear\nlayer = nn.Linear(2, 3)\n",
}


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES)
def test_a_patch_of_paddle_stays_on_the_stand_in_and_leaves_torch_intact(source):
    result = convert(source)
    assert "paddle-patch" in codes(result)
    assert "torch.float32 =" not in result.output and "setattr(torch" not in result.output
    namespace: dict = {}
    execute(result.output, namespace, torch_only=True, helper_names=result.helpers)
    _torch_intact()
    assert isinstance(namespace["x" if "x" in namespace else "layer"], torch.Tensor | torch.nn.Module)


def test_the_patch_target_is_kept_and_the_rest_converted():
    assert_converts(
        """
        import paddle
        paddle.float = 'float32'
        x = paddle.ones([2], dtype=paddle.float32)
        """,
        """
        import torch
        import porter_helpers
        paddle = porter_helpers.Unconverted("paddle")
        paddle.float = 'float32'
        x = torch.ones([2], dtype=torch.float32)
        """,
    )


def test_reading_a_paddle_name_is_still_converted():
    result = convert("import paddle\nok = hasattr(paddle.Tensor, 'to')\n")
    assert result.output == "import torch\nok = hasattr(torch.Tensor, 'to')\n"
    assert "paddle-patch" not in codes(result)
