"""The first pass converts everything it can and a second pass changes nothing (issue 13's cases).

Each case pins the first pass (so a value left in Paddle for a later pass shows) and checks the second."""

from __future__ import annotations

import textwrap

import pytest

from porter.convert.engine import convert_source

STAR = "# porter: TODO(star-import) names imported with * from paddle cannot be resolved\n"

CASES = {
    # libcst keeps comments above a file's first statement in the module header, out of the TODO check.
    # A star import from paddle gives way to stand-ins for the names the file reads and never binds.
    "todo-on-the-first-statement": ("from paddle import *\n", STAR),
    "todo-on-the-first-statement-with-code-after": (
        "from paddle import *\nq = not_an_api()\n",
        "import porter_helpers\n"
        + STAR
        + 'not_an_api = porter_helpers.Unconverted("paddle.not_an_api")\nq = not_an_api()\n',
    ),
    # Values passed to initializers were copied as Paddle text, left for a second pass to convert.
    "initializer-arguments-holding-tensor-methods": (
        textwrap.dedent(
            """\
            import paddle
            import paddle.nn as nn
            class M(nn.Layer):
                def __init__(self, t):
                    super().__init__()
                    self.fc = nn.Linear(2, 3, weight_attr=nn.initializer.Normal(std=t.astype('float32')))
                    self.w = self.create_parameter([2], default_initializer=nn.initializer.Constant(t.numpy()))
            init = nn.initializer.Uniform(-t.numpy(), t.numpy())
            opt = paddle.optimizer.SGD(parameters=ps, weight_decay=paddle.regularizer.L2Decay(t.item()))
            """
        ),
        textwrap.dedent(
            """\
            import functools
            import torch
            import torch.nn as nn
            class M(nn.Module):
                def __init__(self, t):
                    super().__init__()
                    self.fc = nn.Linear(2, 3)
                    torch.nn.init.normal_(self.fc.weight, 0.0, t.to(torch.float32))
                    self.w = torch.nn.Parameter(torch.empty([2]))
                    torch.nn.init.constant_(self.w, t.detach().cpu().numpy())
            init = functools.partial(torch.nn.init.uniform_, a=-t.detach().cpu().numpy(), b=t.detach().cpu().numpy())
            opt = torch.optim.SGD(params=ps, weight_decay=t.item())
            """
        ),
    ),
    # torch imported inside a function (as porter writes a local paddle import) is a module, not a tensor
    # whose repeat_interleave(repeats, axis, name) would lose its third argument as Paddle's name=.
    "torch-imported-inside-a-function": (
        "import paddle\ndef f(x):\n    import torch\n    return torch.repeat_interleave(x, 2, 0)\n"
        "y = paddle.concat([x, x], axis=0)\n",
        "import torch\ndef f(x):\n    import torch\n    return torch.repeat_interleave(x, 2, 0)\n"
        "y = torch.cat([x, x], dim=0)\n",
    ),
}


@pytest.mark.parametrize(("source", "expected"), CASES.values(), ids=CASES.keys())
def test_the_first_pass_does_everything_and_the_second_nothing(source, expected):
    first = convert_source(source).output
    assert first == expected
    assert convert_source(first).output == first
