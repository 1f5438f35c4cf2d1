"""Properties: no Paddle -> byte-identical; a second run is a no-op; untouched lines survive verbatim."""

from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from porter.convert.engine import convert_source

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]

PADDLE_LINES = [
    "y = paddle.concat([a, b], axis=1)",
    "z = F.relu(x=y)",
    "m = nn.Conv2D(3, 8, 3, bias_attr=False)",
    "p = nn.AvgPool2D(2)",
    "q = paddle.not_an_api(y)",
    "d = nn.Dropout(0.5, mode='downscale_in_infer')",
    "t = y.transpose([1, 0]).astype('float32')",
    "opt = paddle.optimizer.Adam(learning_rate=0.1, parameters=ps)",
]
PLAIN_LINES = [
    "x = [1,  2 ,3]   # odd spacing",
    "# a comment mentioning paddle.nn.Conv2D",
    "s = 'paddle.concat(x, axis=1)'",
    "",
    "def f(a,b = 2):\n    return a+b",
    "class K:\n    nn = None",
    "value = (1 +\n         2)",
    "import numpy as np",
]
HEADER = "import paddle\nimport paddle.nn as nn\nimport paddle.nn.functional as F\n"

plain_files = st.lists(st.sampled_from(PLAIN_LINES), max_size=12).map(lambda ls: "\n".join(ls) + "\n")
paddle_files = st.lists(st.sampled_from(PADDLE_LINES + PLAIN_LINES), min_size=1, max_size=12).map(
    lambda ls: HEADER + "\n".join(ls) + "\n"
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(plain_files)
def test_file_without_paddle_is_byte_identical(source):
    assert convert_source(source).output == source


@pytest.mark.parametrize("module", ["nn/modules/conv.py", "optim/sgd.py", "nn/functional.py"])
def test_real_torch_sources_are_byte_identical(module):
    import torch

    source = (Path(torch.__file__).parent / module).read_text(encoding="utf-8")
    assert convert_source(source).output == source


@SETTINGS
@given(paddle_files)
def test_second_run_changes_nothing(source):
    once = convert_source(source).output
    assert convert_source(once).output == once


@pytest.mark.parametrize(
    "path",
    [*sorted(DATA.glob("seed004_*.py")), *sorted((REPO / "reference_models" / "paddle").glob("*.py"))],
    ids=lambda p: p.name,
)
def test_second_run_changes_nothing_on_real_files(path):
    once = convert_source(path.read_text(encoding="utf-8")).output
    assert convert_source(once).output == once


@SETTINGS
@given(paddle_files)
def test_untouched_lines_survive_in_order(source):
    output = convert_source(source).output.splitlines()
    untouched = [
        line
        for line in source.splitlines()[3:]
        if line and not any(k in line for k in ("paddle", "nn.", "F.", "transpose"))
    ]
    position = 0
    for line in untouched:
        position = output.index(line, position) + 1  # raises ValueError if lost or reordered


def test_second_run_changes_nothing_on_paddle_vision_models():
    """Real Paddle code with many TODOs: the Paddle import stays, so method rules see converted code again."""
    import importlib.util

    root = Path(importlib.util.find_spec("paddle").origin).parent
    for path in [
        root / "vision" / "models" / "alexnet.py",
        root / "hapi" / "dynamic_flops.py",
        root / "optimizer" / "asgd.py",
    ]:
        first = convert_source(path.read_text(encoding="utf-8"), path=path.name)
        assert first.status.value != "failed", first.diagnostics[0]
        assert convert_source(first.output).output == first.output, path.name


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "import paddle\r\ny = paddle.concat([a], axis=0)  # keep\r\n",
            "import torch\r\ny = torch.cat([a], dim=0)  # keep\r\n",
        ),
        (
            "\ufeffimport paddle\ny = paddle.concat([a], axis=0)\n",
            "\ufeffimport torch\ny = torch.cat([a], dim=0)\n",
        ),
        (
            "import paddle.nn as nn\nclass M(nn.Layer):\n\tdef __init__(self):\n\t\tself.fc = nn.Linear(2, 3, weight_attr=nn.initializer.Constant(0.5))\n",
            "import torch\nimport torch.nn as nn\nclass M(nn.Module):\n\tdef __init__(self):\n\t\tself.fc = nn.Linear(2, 3)\n\t\ttorch.nn.init.constant_(self.fc.weight, 0.5)\n",
        ),
    ],
    ids=["crlf", "byte-order-mark", "tabs"],
)
def test_line_endings_encoding_marks_and_tabs_survive(source, expected):
    assert convert_source(source).output == expected
