"""How the verdict is formed: which checks run and decide, the same start for both passes, what happens
when float64 cannot run, and what the float32 check catches that the float64 proof cannot."""

import numpy as np
import paddle
import pytest
import torch

from porter.verify.parity import verify_pair
from tests.verify import pairs


@pytest.mark.parametrize(
    ("dtype", "checks", "judged"),
    [
        ("both", ["float64", "float32"], ("float64", "float32")),
        ("float64", ["float64"], ("float64",)),
        ("float32", ["float64", "float32"], ("float32",)),  # float64 measures each side's rounding
    ],
)
def test_dtype_chooses_the_checks_that_decide(dtype, checks, judged):
    result = verify_pair(*pairs.good_pair(), pairs.INPUT_SHAPE, dtype=dtype, backward=True)
    assert result.passed, result.render()
    for section in result.sections:
        assert [c.check for c in section.checks] == checks
        assert section.judged == judged
    rendered = result.render()
    if dtype == "float32":
        assert "(shown, not judged)" in rendered
        assert "held by the float32 rounding check" in rendered
    else:
        assert "(shown, not judged)" not in rendered


def test_both_passes_start_from_the_same_float32_weights():
    paddle.set_default_dtype("float64")
    try:
        paddle.seed(1)
        paddle_model = pairs.PaddleNet()  # float64 weights that float32 cannot hold
    finally:
        paddle.set_default_dtype("float32")
    start = {k: v.numpy().astype("float32") for k, v in paddle_model.state_dict().items()}
    torch_model = pairs.TorchNet()
    result = verify_pair(paddle_model, torch_model, pairs.INPUT_SHAPE, dtype="float64")
    assert result.passed
    assert torch_model.stem.weight.dtype == torch.float64
    np.testing.assert_array_equal(
        torch_model.stem.weight.detach().numpy(), start["stem.weight"].astype("float64")
    )


# --- a side that cannot run float64 ---------------------------------------------------------------


class _PaddleRecurrent(paddle.nn.Layer):
    def __init__(self):
        super().__init__()
        self.rnn = paddle.nn.LSTM(4, 6)
        self.head = paddle.nn.Linear(6, 3)
        self.act = paddle.nn.ReLU()

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.act(self.head(out))


class _TorchRecurrent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 6, batch_first=True)
        self.head = torch.nn.Linear(6, 3)
        self.act = torch.nn.ReLU()

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.act(self.head(out))


def test_a_paddle_lstm_is_cast_although_its_layer_to_fails_on_an_empty_buffer():
    # Paddle 3.3.1: LSTM(4, 6).to(dtype=...) raises on its uninitialised _dropout_state buffer.
    paddle.seed(0)
    result = verify_pair(_PaddleRecurrent(), _TorchRecurrent(), (2, 5, 4))
    assert result.passed, result.render()
    assert result.float64_unavailable == ""


class _PaddleFloat32Constant(pairs.PaddleNet):
    """Paddle code that builds a float32 tensor in forward: it cannot run in float64."""

    def forward(self, x):
        return paddle.matmul(super().forward(x), paddle.eye(16, dtype="float32"))


class _TorchFloat32Constant(pairs.TorchNet):
    def __init__(self):
        super().__init__()
        self.identity = torch.eye(16)  # a plain attribute: not cast with the module

    def forward(self, x):
        return super().forward(x) @ self.identity


def test_when_paddle_cannot_run_float64_the_report_says_so_and_uses_the_fixed_float32_bound():
    paddle.seed(1)
    result = verify_pair(_PaddleFloat32Constant(), pairs.TorchNet(), pairs.INPUT_SHAPE, backward=True)
    assert result.passed, result.render()
    assert result.float64_unavailable.startswith("the Paddle forward pass raised")
    for section in result.sections:
        assert [c.check for c in section.checks] == ["float32 fixed"]
    rendered = result.render()
    assert "float64   not run: the Paddle forward pass raised" in rendered
    assert "fixed float32 bound (1e-05 x max|paddle|), which depends on the machine's rounding" in rendered
    assert "so this verdict depends on the machine" in result.decided_by()


def test_when_torch_raises_in_float64_only_it_falls_back_and_still_catches_a_bug():
    paddle_model, _ = pairs.good_pair()
    result = verify_pair(paddle_model, _TorchFloat32Constant(), pairs.INPUT_SHAPE)
    assert result.passed, result.render()
    assert result.float64_unavailable.startswith("in float64 only, torch forward raised RuntimeError")

    paddle_model, _ = pairs.good_pair()
    broken = _TorchFloat32Constant()
    broken.relu = torch.nn.Sigmoid()
    result = verify_pair(paddle_model, broken, pairs.INPUT_SHAPE)
    assert not result.passed
    assert result.failed_checks() == ["forward float32 fixed"]
    assert result.divergence.first.key == "relu"
    assert result.divergence.located_in == "float32"


# --- the float32 check catches what float64 cannot ----------------------------------------------


class _PaddleSoftmax(paddle.nn.Layer):
    def __init__(self):
        super().__init__()
        self.fc = paddle.nn.Linear(4, 6)
        self.softmax = paddle.nn.Softmax()

    def forward(self, x):
        return self.softmax(self.fc(x))


class _NaiveSoftmax(torch.nn.Module):
    def forward(self, x):
        e = torch.exp(x)  # no max subtracted: overflows in float32 above 88, in float64 above 709
        return e / e.sum(-1, keepdim=True)


class _TorchSoftmax(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 6)
        self.softmax = _NaiveSoftmax()

    def forward(self, x):
        return self.softmax(self.fc(x))


def test_a_float32_overflow_is_caught_by_the_float32_check_and_located_there():
    paddle.seed(0)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32") * 200
    result = verify_pair(_PaddleSoftmax(), _TorchSoftmax(), [x])
    assert not result.passed
    forward = result.section("forward")
    assert forward.get("float64").passed  # the same function: float64 cannot tell
    assert result.failed_checks() == ["forward float32"]
    assert "non-finite" in forward.get("float32").failures()[0].problem
    assert result.divergence.first.key == "softmax"
    assert result.divergence.located_in.startswith("float32, each side's rounding")


# --- an ill-conditioned section gets a hint, never a pass ------------------------------------------


def _section(float64_error, float32_rounding):
    """A section whose float64 results differ by ``float64_error`` and whose float32 results are
    ``float32_rounding`` from each side's own float64 result (relative to scale 1)."""
    from porter.verify.compare import FLOAT32, FLOAT64, Observed, Tolerance, judge
    from porter.verify.parity import Section

    paddle64 = np.array([1.0, -0.5, 0.25])
    torch64 = paddle64 + np.array([float64_error, 0.0, 0.0])
    paddle32 = (paddle64 + np.array([0.0, float32_rounding, 0.0])).astype("float32")
    torch32 = (torch64 + np.array([0.0, -float32_rounding, 0.0])).astype("float32")
    float64 = Observed({"w": paddle64}, {"w": torch64})
    float32 = Observed({"w": paddle32}, {"w": torch32})
    checks = (judge(FLOAT64, Tolerance(), float64), judge(FLOAT32, Tolerance(), float32, float64))
    return Section("train", checks, (FLOAT64, FLOAT32))


def test_a_float64_failure_as_small_as_the_measured_amplification_predicts_gets_a_hint():
    # float32 1e-1 from float64 on each side: rounding amplified ~1e6, so float64 rounding ~2e-10
    section = _section(float64_error=1.6e-9, float32_rounding=1e-1)
    assert not section.passed
    predicted, measured = section.amplification()
    assert predicted == pytest.approx(1e-1 * np.finfo(np.float64).eps / np.finfo(np.float32).eps, rel=1e-3)
    assert measured == pytest.approx(1.6e-9)


def test_a_bug_in_a_well_conditioned_section_gets_no_hint():
    assert _section(float64_error=1e-6, float32_rounding=1e-7).amplification() is None
    assert _section(float64_error=0.0, float32_rounding=1e-1).amplification() is None  # passes
