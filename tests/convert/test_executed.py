"""The harness that runs converted code refuses what it must refuse (a checker that cannot fail proves
nothing)."""

import numpy as np
import pytest

from tests.convert.executed import assert_imports_run_torch_only, assert_same_values


@pytest.mark.parametrize(
    "output",
    [
        "import paddle\n",
        "from porter.convert import engine\n",
        "import torch\ny = torch.nn.Conv2D(1, 2, 3)\n",
    ],
    ids=["paddle", "porter", "no-such-torch-name"],
)
def test_imports_that_need_more_than_torch_are_refused(output):
    with pytest.raises((ImportError, AssertionError)):
        assert_imports_run_torch_only(output)


def test_helpers_are_served_from_the_rendered_module():
    assert_imports_run_torch_only("import porter_helpers\nb = porter_helpers.BatchNorm\n", ["BatchNorm"])
    with pytest.raises(AssertionError, match="DownscaleInInferDropout"):
        assert_imports_run_torch_only(
            "import porter_helpers\nb = porter_helpers.DownscaleInInferDropout\n", ["BatchNorm"]
        )


def test_a_different_value_fails():
    """Paddle zeroes the padding row of an embedding, torch returns it (a documented difference)."""
    inputs = {"i": np.array([0, 1]), "w": np.arange(6, dtype="float32").reshape(3, 2) + 1}
    with pytest.raises(AssertionError, match="Mismatched elements"):
        assert_same_values("import paddle\ny = paddle.nn.functional.embedding(i, w, padding_idx=0)\n", inputs)
    assert_same_values("import paddle\ny = paddle.nn.functional.embedding(i, w)\n", inputs)
