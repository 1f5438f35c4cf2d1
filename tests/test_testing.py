"""porter.testing.assert_parity: silent on a correct port, the full report on a broken one."""

import numpy as np
import pytest

from porter.testing import assert_parity
from tests.verify import pairs


def test_a_correct_port_passes_and_returns_the_result():
    result = assert_parity(*pairs.good_pair(), pairs.INPUT_SHAPE, backward=True)
    assert result.passed
    assert [(s.name, [c.check for c in s.checks]) for s in result.sections] == [
        ("forward", ["float64", "float32"]),
        ("backward", ["float64", "float32"]),
    ]


def test_given_inputs_are_used():
    x = np.random.default_rng(3).standard_normal(pairs.INPUT_SHAPE)
    result = assert_parity(*pairs.good_pair(), [x])
    assert result.settings.input_shapes == (pairs.INPUT_SHAPE,)


def test_a_broken_port_raises_with_the_divergence_table():
    with pytest.raises(AssertionError) as failure:
        assert_parity(*pairs.relu_swapped_pair(), pairs.INPUT_SHAPE)
    message = str(failure.value)
    assert "pair: FAIL" in message
    assert "caught by forward float64, forward float32" in message
    assert "first divergent layer: relu (paddle ReLU, torch Sigmoid)" in message


class _OffBy1e4(pairs.TorchNet):
    def forward(self, x):
        return super().forward(x) * (1 + 1e-4)


def test_tolerance_options_reach_the_verdict():
    paddle_model, _ = pairs.good_pair()
    with pytest.raises(AssertionError, match="1 beyond the bound"):
        assert_parity(paddle_model, _OffBy1e4(), pairs.INPUT_SHAPE, dtype="float64")
    assert_parity(paddle_model, _OffBy1e4(), pairs.INPUT_SHAPE, dtype="float64", rtol=1e-3)
    assert_parity(paddle_model, _OffBy1e4(), pairs.INPUT_SHAPE, dtype="float64", atol=1.0)
