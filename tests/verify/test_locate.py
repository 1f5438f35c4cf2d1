"""The divergence table: layers matched by path and call index, and the first divergent layer."""

import numpy as np
import paddle
import pytest
import torch

from porter.verify.compare import Tolerance
from porter.verify.locate import MISSING, call_key, locate
from porter.weights.transfer import copy_paddle_to_torch
from tests.verify import pairs

F32 = Tolerance(rtol=1e-5)


def _divergence(make_pair):
    paddle_model, torch_model = make_pair()
    copy_paddle_to_torch(paddle_model, torch_model)
    paddle_model.eval()
    torch_model.eval()
    x = np.random.default_rng(0).standard_normal(pairs.INPUT_SHAPE).astype("float32")
    return locate(paddle_model, torch_model, (paddle.to_tensor(x),), (torch.from_numpy(x),), F32)


def test_call_keys_count_repeated_calls():
    assert [call_key("relu", i) for i in range(3)] == ["relu", "relu#1", "relu#2"]
    assert call_key("", 0) == "(model)"


def test_a_correct_port_has_no_divergent_layer():
    divergence = _divergence(pairs.good_pair)
    assert divergence.first is None
    assert all(d.outputs_agree for d in divergence.layers)
    keys = [d.key for d in divergence.layers]
    # completion order: children before their container, a shared module once per call
    assert keys == ["stem", "relu", "block.conv", "block.bn", "block", "relu#1", "head", "fc", "(model)"]
    assert divergence.only_in_paddle == () and divergence.only_in_torch == ()


@pytest.mark.parametrize(
    ("make_pair", "first", "torch_type"),
    [
        pytest.param(pairs.relu_swapped_pair, "relu", "Sigmoid", id="shared-relu-swapped"),
        pytest.param(pairs.padding_changed_pair, "block.conv", "Conv2d", id="padding-changed"),
        pytest.param(pairs.functional_bug_pair, "block", "TorchBlock", id="bug-in-container-forward"),
        pytest.param(pairs.untransposed_linear_pair, "fc", "UntransposedLinear", id="linear-not-transposed"),
    ],
)
def test_the_broken_layer_is_named_first(make_pair, first, torch_type):
    divergence = _divergence(make_pair)
    assert divergence.first is not None
    assert divergence.first.key == first
    assert divergence.first.torch_type == torch_type
    assert divergence.first.inputs_agree and not divergence.first.outputs_agree
    assert divergence.ranked()[0].key == first
    assert divergence.render().startswith(f"first divergent layer: {first} ")


def test_a_crash_after_the_divergence_is_reported_with_the_layer_it_happened_in():
    divergence = _divergence(pairs.padding_changed_pair)
    # block.conv now yields 8x8, so the residual add inside `block` cannot broadcast
    assert divergence.torch_error.startswith("in block: RuntimeError")
    assert "block" in divergence.only_in_paddle
    assert "shape [2, 4, 6, 6] (paddle) vs [2, 4, 8, 8] (torch)" in divergence.first.problem


def test_renamed_modules_are_matched_through_the_rename():
    paddle_model, torch_model = pairs.good_pair()
    torch_model.trunk = torch_model.block
    del torch_model.block
    torch_model.forward = lambda x: torch_model.fc(
        torch_model.head(
            torch.flatten(torch_model.relu(torch_model.trunk(torch_model.relu(torch_model.stem(x)))), 1)
        )
    )
    rename = {"trunk": "block"}
    copy_paddle_to_torch(paddle_model, torch_model, rename=rename)
    paddle_model.eval()
    torch_model.eval()
    x = np.random.default_rng(0).standard_normal(pairs.INPUT_SHAPE).astype("float32")
    from porter.weights.transfer import module_path_renamer

    divergence = locate(
        paddle_model,
        torch_model,
        (paddle.to_tensor(x),),
        (torch.from_numpy(x),),
        F32,
        torch_to_paddle_path=module_path_renamer(rename),
    )
    assert {"trunk.conv", "trunk.bn", "trunk"} <= {d.key for d in divergence.layers}
    assert divergence.only_in_torch == ()


class _ForgetsTheFirstRelu(pairs.TorchNet):
    def forward(self, x):  # the port forgot the activation after the stem
        x = self.relu(self.block(self.stem(x)))
        return self.fc(self.head(torch.flatten(x, 1)))


class _PaddleWithHeadActivation(pairs.PaddleNet):
    def __init__(self):
        super().__init__()
        self.act = paddle.nn.Tanh()

    def forward(self, x):
        x = self.relu(self.block(self.relu(self.stem(x))))
        return self.fc(self.act(self.head(paddle.flatten(x, 1))))


class _TorchForgetsHeadActivation(pairs.TorchNet):
    def __init__(self):
        super().__init__()
        self.act = torch.nn.Tanh()  # defined, never called


def test_a_call_torch_never_makes_is_named_first_when_it_explains_the_next_input():
    paddle.seed(1)
    divergence = _divergence(lambda: (_PaddleWithHeadActivation(), _TorchForgetsHeadActivation()))
    first = divergence.first
    assert (first.key, first.paddle_type, first.torch_type) == ("act", "Tanh", MISSING)
    assert divergence.ranked()[0] is first
    text = divergence.render()
    assert text.startswith("first divergent layer: act (Tanh): Paddle calls this Tanh, torch never does")
    assert "the next call, fc, receives a different input" in text


def test_a_shared_module_called_fewer_times_is_named_with_both_counts():
    divergence = _divergence(lambda: (pairs.good_pair()[0], _ForgetsTheFirstRelu()))
    assert divergence.first.path == "relu"
    assert "2 times in Paddle, 1 in torch (calls pair up in order)" in divergence.render()


def test_a_missing_call_after_the_real_culprit_does_not_take_its_place():
    class BadStemAndForgetsLater(_TorchForgetsHeadActivation):
        def __init__(self):
            super().__init__()
            self.relu = torch.nn.Sigmoid()  # diverges long before the forgotten activation

    paddle.seed(1)
    divergence = _divergence(lambda: (_PaddleWithHeadActivation(), BadStemAndForgetsLater()))
    assert divergence.first.key == "relu"
