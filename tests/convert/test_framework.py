"""Execution-mode APIs: paddle.__version__, in_dynamic_mode, the paddle.jit decorators, InputSpec."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, convert

P = "import paddle\n"

GOLDEN = {
    "version": (P + "print(paddle.__version__)\n", "import torch\nprint(torch.__version__)\n"),
    "in-dynamic-mode": (
        P + "if not paddle.in_dynamic_mode():\n    pass\n",
        "import torch\nif not not torch.jit.is_scripting():\n    pass\n",
    ),
    "to-static-decorator": (
        P + "class Net(paddle.nn.Layer):\n"
        "    @paddle.jit.to_static\n"
        "    def forward(self, x):\n"
        "        return x\n",
        "import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return x\n",
    ),
    "to-static-with-input-spec-and-comments": (
        "import os\nimport paddle\nfrom paddle.static import InputSpec\n\n"
        "# compiled for export\n"
        "@paddle.jit.to_static(input_spec=[InputSpec(shape=[None, 3], dtype='float32')])\n"
        "# the body\n"
        "@staticmethod\n"
        "def f(x):\n"
        "    return x\n",
        "import os\n\n# compiled for export\n# the body\n@staticmethod\ndef f(x):\n    return x\n",
    ),
    "not-to-static-last-decorator": (
        P + "@other\n# keep me\n@paddle.jit.not_to_static\ndef f(x):\n    return x\n",
        "@other\n# keep me\ndef f(x):\n    return x\n",
    ),
    "custom-device-is-never-there": (
        P + "if paddle.is_compiled_with_custom_device('npu'):\n    x = 1\nelse:\n    x = 2\n",
        "if False:\n    x = 1\nelse:\n    x = 2\n",
    ),
    "to-static-call-on-a-model": (
        P + "from paddle.static import InputSpec\n"
        "model = paddle.jit.to_static(model, input_spec=[InputSpec([None, 8])])\n",
        "model = model\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


def test_input_spec_on_its_own_says_what_torch_uses_instead():
    result = convert(P + "spec = paddle.static.InputSpec([None, 3, 224, 224], 'float32', 'image')\n")
    todo = [d for d in result.diagnostics if d.code == "no-equivalent"]
    assert len(todo) == 1 and "torch.export" in todo[0].message


def test_version_reports_the_comparison_caveat():
    result = convert(P + "v = paddle.__version__\n")
    assert [d.code for d in result.diagnostics] == ["note"]


SAME_VALUES = {
    "in-dynamic-mode": "y = paddle.in_dynamic_mode()",
    "custom-device": "y = x * 2 if paddle.device.is_compiled_with_custom_device('npu') else x + 1",
    "to-static-decorated-layer": (
        "class Net(paddle.nn.Layer):\n"
        "    @paddle.jit.to_static(input_spec=[paddle.static.InputSpec([None, 3], 'float32')])\n"
        "    def forward(self, x):\n"
        "        return x * 2\n"
        "y = Net()(x)"
    ),
    "not-to-static-function": "@paddle.jit.not_to_static\ndef f(t):\n    return t + 1\ny = f(x)",
    "to-static-called": "def f(t):\n    return t - 1\ny = paddle.jit.to_static(f)(x)",
    "parallel-env-outside-a-launch": (
        "env = paddle.distributed.ParallelEnv()\ny = [env.rank, env.local_rank, env.world_size, env.nranks]"
    ),
    "base-constructor-called-by-name": (
        "class Net(paddle.nn.Layer):\n"
        "    def __init__(self):\n"
        "        paddle.nn.Layer.__init__(self)\n"
        "        self.fc = paddle.nn.Linear(3, 3)\n"
        "y = [name for name, _ in Net().named_parameters()]"
    ),
}


@pytest.mark.parametrize("snippet", SAME_VALUES.values(), ids=SAME_VALUES.keys())
def test_framework_apis_compute_the_same(snippet):
    assert_same_values(P + snippet + "\n", {"x": np.arange(6.0).reshape(2, 3)})
