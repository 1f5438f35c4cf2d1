"""``getattr(paddle.nn, name)``, ``eval(name)``: the module converts, the name cannot be checked, so porter
says so."""

import numpy as np
import pytest

from tests.convert.executed import convert_and_run
from tests.convert.helpers import codes, convert

SOURCES = {
    "name-in-a-variable": (
        "import paddle\n\ndef f(x, pad='Pad1D'):\n    return getattr(paddle.nn, pad)(2)(x)\n",
        "getattr(torch.nn, pad)",
    ),
    "literal-name": ("import paddle.nn as nn\nlayer = getattr(nn, 'Pad1D')(2)\n", "getattr(nn, 'Pad1D')"),
    "functional-alias": (
        "import paddle.nn.functional as F\n\ndef f(x, act):\n    return getattr(F, act)(x)\n",
        "getattr(F, act)",
    ),
}


@pytest.mark.parametrize(("source", "converted"), SOURCES.values(), ids=SOURCES)
def test_a_name_looked_up_at_run_time_is_a_warning(source, converted):
    result = convert(source)
    assert converted in result.output
    assert codes(result) == ["dynamic-attribute"]


def test_reading_a_named_attribute_is_no_warning():
    result = convert("import paddle\ny = paddle.nn.functional.relu\nok = hasattr(paddle.nn, 'Pad1D')\n")
    assert "dynamic-attribute" not in codes(result)


def test_the_warning_marks_a_real_difference():
    # F.softmax without an axis: Paddle's last axis, torch's implicit choice (axis 1 for a 4-D input).
    x = np.arange(24, dtype=np.float64).reshape(1, 2, 3, 4) / 7
    source = "import paddle\nimport paddle.nn.functional as F\nname = 'softmax'\ny = getattr(F, name)(x)\n"
    paddle_values, torch_values, result = convert_and_run(source, {"x": x}, ("y",))
    assert codes(result) == ["dynamic-attribute"]
    assert not np.allclose(paddle_values["y"], torch_values["y"])


def test_code_run_from_a_string_is_a_warning():
    source = (
        "import paddle.nn as nn\n\n"
        "def build(dim, norm_layer='nn.LayerNorm'):\n    return eval(norm_layer)(dim, epsilon=1e-6)\n"
    )
    result = convert(source)
    assert codes(result) == ["dynamic-code"]
    assert "eval(norm_layer)(dim, epsilon=1e-6)" in result.output


def test_eval_in_a_file_without_paddle_is_left_alone():
    source = "def f(s):\n    return eval(s)\n"
    assert convert(source).output == source and not codes(convert(source))
