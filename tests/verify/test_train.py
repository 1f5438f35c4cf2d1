"""Backward and training parity, and the measured framework facts they rely on (Paddle 3.3.1, torch 2.13)."""

import numpy as np
import paddle
import pytest
import torch

from porter import models
from porter.verify.compare import FLOAT64, Tolerance, judge, observe_named
from porter.verify.parity import verify_pair
from porter.verify.train import STEP_FRACTION, auto_learning_rate, dropout_disabled, layer_scales
from tests.verify import pairs


def _run_optimizers(make_paddle, make_torch, steps=5):
    """Float64 least-squares on one weight matrix; returns (paddle weights, torch weights)."""
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((5, 3))
    pw = paddle.create_parameter([5, 3], "float64")
    pw.set_value(w0)
    tw = torch.nn.Parameter(torch.tensor(w0))
    popt, topt = make_paddle([pw]), make_torch([tw])
    for _ in range(steps):
        x = rng.standard_normal((4, 5))
        (paddle.to_tensor(x) @ pw).pow(2).mean().backward()
        popt.step()
        popt.clear_grad()
        (torch.tensor(x) @ tw).pow(2).mean().backward()
        topt.step()
        topt.zero_grad()
    return pw.numpy(), tw.detach().numpy()


def test_paddle_momentum_uses_a_float32_coefficient():
    paddle_w, torch_w = _run_optimizers(
        lambda p: paddle.optimizer.Momentum(learning_rate=0.1, momentum=0.9, parameters=p),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    )
    assert np.abs(paddle_w - torch_w).max() > 1e-9  # 0.9 in float64 is not what Paddle computes with
    paddle_w, torch_w = _run_optimizers(
        lambda p: paddle.optimizer.Momentum(learning_rate=0.1, momentum=0.9, parameters=p),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=float(np.float32(0.9))),
    )
    np.testing.assert_allclose(paddle_w, torch_w, rtol=0, atol=1e-14)


def test_adam_defaults_and_epsilon_placement_agree():
    paddle_w, torch_w = _run_optimizers(
        lambda p: paddle.optimizer.Adam(learning_rate=0.1, parameters=p),
        lambda p: torch.optim.Adam(p, lr=0.1),
    )
    np.testing.assert_allclose(paddle_w, torch_w, rtol=0, atol=1e-14)


def _bn_pair(momentum_paddle=0.9):
    paddle_bn = paddle.nn.BatchNorm2D(3, momentum=momentum_paddle)
    torch_bn = torch.nn.BatchNorm2d(3).double()
    paddle_bn.to(dtype="float64")
    paddle_bn.train()
    torch_bn.train()
    return paddle_bn, torch_bn


def test_running_variance_biased_in_paddle_unbiased_in_torch():
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)) * 2 + 1
    paddle_bn, torch_bn = _bn_pair()
    paddle_bn(paddle.to_tensor(x))
    torch_bn(torch.tensor(x))
    n = 4 * 5 * 5
    biased = x.var(axis=(0, 2, 3))
    # Paddle's float32 momentum, see test_paddle_batch_norm_attributes_are_float32
    m = 1 - np.float32(0.9).item()
    np.testing.assert_allclose(paddle_bn._variance.numpy(), (1 - m) + m * biased, rtol=1e-12)
    np.testing.assert_allclose(torch_bn.running_var.numpy(), 0.9 + 0.1 * biased * n / (n - 1), rtol=1e-12)
    measured = torch_bn.running_var.numpy() / paddle_bn._variance.numpy() - 1
    assert np.all(measured > 1e-3)  # ~ 0.1 * var / (n - 1): visible, and reported, not hidden


def test_paddle_batch_norm_attributes_are_float32():
    # Tiny variance makes eps matter; Paddle normalises with float32(1e-5) even in float64.
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4)) * 1e-3
    paddle_bn, _ = _bn_pair()
    out = paddle_bn(paddle.to_tensor(x)).numpy()
    mean, var = x.mean(axis=(0, 2, 3), keepdims=True), x.var(axis=(0, 2, 3), keepdims=True)
    with_f32_eps = (x - mean) / np.sqrt(var + np.float32(1e-5).item())
    with_f64_eps = (x - mean) / np.sqrt(var + 1e-5)
    assert np.abs(out - with_f32_eps).max() < 1e-13
    assert np.abs(out - with_f64_eps).max() > 1e-10


def test_dropout_is_off_while_training_and_back_afterwards():
    paddle_model = paddle.nn.Sequential(
        paddle.nn.Linear(2, 2), paddle.nn.Dropout(0.5), paddle.nn.Dropout2D(0.2)
    )
    torch_model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5), torch.nn.Dropout2d(0.2))
    with dropout_disabled(paddle_model, torch_model) as changed:
        assert changed == ["paddle:1", "paddle:2", "torch:1", "torch:2"]
        assert paddle_model[1].p == 0 and torch_model[2].p == 0
    assert (paddle_model[1].p, paddle_model[2].p, torch_model[1].p, torch_model[2].p) == (0.5, 0.2, 0.5, 0.2)


def test_backward_and_train_steps_pass_for_a_correct_port():
    result = verify_pair(*pairs.good_pair(), pairs.INPUT_SHAPE, backward=True, train_steps=3)
    assert result.passed, result.render()
    for section in ("backward", "train"):
        assert [c.check for c in result.section(section).checks] == ["float64", "float32"]
    assert len(result.section("backward").get("float64").metrics) == 10  # every parameter of every layer
    assert {dtype: [s.step for s in losses] for dtype, losses in result.train.losses.items()} == {
        "float64": [1, 2, 3],
        "float32": [1, 2, 3],
    }
    (note,) = result.train.running_var
    assert note.torch_key == "block.bn.running_var"
    assert note.mean_ratio > 1  # torch's unbiased update is the larger one
    trained = {m.name for m in result.section("train").get("float32").metrics}
    assert {"loss per step", "block.bn.running_mean", "fc.weight"} <= trained


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_both_optimizers_match(optimizer):
    # LeNet: no conv bias in front of a BatchNorm, whose exact gradient is 0 and whose rounding noise
    # Adam would amplify by 1/eps (see docs/verify.md).
    pair = models.get("lenet")
    paddle.seed(0)
    result = verify_pair(
        pair.build_paddle(),
        pair.build_torch(),
        (2, 1, 28, 28),
        dtype="float64",
        train_steps=3,
        optimizer=optimizer,
    )
    assert result.passed, result.render()
    assert result.train.optimizer == optimizer


def test_a_literally_copied_batch_norm_momentum_fails_on_the_running_mean():
    paddle_model, torch_model = pairs.good_pair()
    torch_model.block.bn.momentum = 0.9  # Paddle's 0.9 means torch's 0.1
    result = verify_pair(paddle_model, torch_model, pairs.INPUT_SHAPE, train_steps=1)
    assert result.section("forward").passed  # eval mode cannot see it
    assert not result.passed
    for check in ("float64", "float32"):
        assert [m.name for m in result.section("train").get(check).failures()] == ["block.bn.running_mean"]


def test_wrong_gradient_only_is_caught_by_backward():
    class DetachedHead(pairs.TorchNet):
        def forward(self, x):  # same values, but no gradient reaches the trunk
            return self.fc(
                self.head(torch.flatten(self.relu(self.block(self.relu(self.stem(x)))), 1).detach())
            )

    paddle_model, _ = pairs.good_pair()
    result = verify_pair(paddle_model, DetachedHead(), pairs.INPUT_SHAPE, backward=True)
    assert result.section("forward").passed
    assert not result.passed
    assert result.failed_checks() == ["backward float64", "backward float32"]
    assert "caught by backward float64, backward float32" in result.render()
    failing = {m.name for m in result.section("backward").get("float64").failures()}
    assert failing == {
        "stem.weight",
        "stem.bias",
        "block.conv.weight",
        "block.conv.bias",
        "block.bn.weight",
        "block.bn.bias",
    }


def test_dropout_layers_are_named_in_the_train_report():
    class PaddleDrop(pairs.PaddleNet):
        def __init__(self):
            super().__init__()
            self.drop = paddle.nn.Dropout(0.5)

        def forward(self, x):
            return self.drop(super().forward(x))

    class TorchDrop(pairs.TorchNet):
        def __init__(self):
            super().__init__()
            self.drop = torch.nn.Dropout(0.5)

        def forward(self, x):
            return self.drop(super().forward(x))

    result = verify_pair(PaddleDrop(), TorchDrop(), pairs.INPUT_SHAPE, train_steps=2)
    assert result.passed, result.render()
    assert result.train.dropout_disabled == ("paddle:drop", "torch:drop")
    assert "dropout set to p=0 for training on: paddle:drop, torch:drop" in result.render()


def test_the_automatic_learning_rate_moves_the_weights_by_the_step_fraction():
    paddle_model, torch_model = pairs.good_pair()
    paddle_model.to(dtype="float64")
    trained = [p for p in paddle_model.parameters() if not p.stop_gradient]  # not BatchNorm statistics
    before = np.concatenate([p.numpy().ravel() for p in trained])
    result = verify_pair(paddle_model, torch_model, pairs.INPUT_SHAPE, dtype="float64", train_steps=1)
    assert result.passed, result.render()
    after = np.concatenate([p.numpy().ravel() for p in trained])
    # The first momentum step is exactly lr * gradient.
    moved = np.linalg.norm(after - before) / np.linalg.norm(before)
    assert moved == pytest.approx(STEP_FRACTION, rel=1e-9)


def test_the_automatic_learning_rate_needs_a_gradient():
    with pytest.raises(ValueError, match="first gradient are all zero"):
        auto_learning_rate("momentum", [np.ones(3)], [np.zeros(3)])


def test_adam_steps_by_the_fraction_of_the_root_mean_square_weight():
    assert auto_learning_rate("adam", [np.full(4, 2.0)], [np.zeros(4)]) == pytest.approx(STEP_FRACTION * 2)


def test_trained_tensors_are_judged_against_their_effect_on_the_layer_output():
    reference = {
        "bn.weight": np.ones(4),
        "bn.bias": np.full(4, 1e-6),  # a shift that started at zero: its own size is three tiny steps
        "bn.running_mean": np.full(4, 1e-6),
        "fc.weight": np.full((2, 2), 0.5),
    }
    scales = layer_scales(
        reference, {"bn.weight", "bn.bias", "fc.weight"}, {"bn.running_var": np.full(4, 4.0)}
    )
    assert scales == {"bn.weight": 1.0, "bn.bias": 1.0, "bn.running_mean": 2.0, "fc.weight": 0.5}

    def failures(**changed):
        observed = observe_named(reference, {**reference, **changed}, scales)
        return [m.name for m in judge(FLOAT64, Tolerance(rtol=1e-10), observed).failures()]

    assert (
        failures(
            **{
                "bn.bias": reference["bn.bias"] + 1e-12,
                "bn.running_mean": reference["bn.running_mean"] + 1e-12,
            }
        )
        == []
    )
    assert failures(**{"bn.bias": reference["bn.bias"] * 1.01}) == ["bn.bias"]  # 1e-8 of gamma: real
    assert failures(**{"bn.running_mean": reference["bn.running_mean"] + 1e-9}) == ["bn.running_mean"]
