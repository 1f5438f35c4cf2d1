"""`porter verify` on the registry pairs, and on registry pairs broken the way real ports break.

Forward: the README's `porter verify all`, every model at its registry input (224x224 except LeNet
28x28), under the default verdict (the float64 proof and the float32 rounding check). Backward and
three training steps: sized for the section (docs/verify.md, "What passes"), the models whose layer
kinds the others do not already cover.
"""

import pytest
import torch

from porter import models
from porter.cli import main
from porter.verify.parity import verify_pair
from porter.verify.runtime import seed_everything
from tests.verify.pairs import UntransposedLinear


@pytest.mark.slow
def test_verify_all_passes_at_the_registry_inputs(capsys):
    code = main(["verify", "all"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = out.splitlines()
    assert rows[0].split() == ["model", "verdict", "fwd", "float64", "fwd", "float32", "fwd", "paddle32-64",
                               "fwd", "torch32-64", "time"]  # fmt: skip
    assert [row.split()[:2] for row in rows[1 : 1 + len(models.names())]] == [
        [name, "PASS"] for name in models.names()
    ]


# Backward and training need no 224x224 input: 64x64 runs the same layers. LeNet, NiN, GoogLeNet and
# ResNet-50 cover every layer kind of the registry (AlexNet and VGG-16 add none: conv, ReLU, max pool,
# dropout, Linear; ResNet-101/152 repeat ResNet-50's blocks). Batch 2 where BatchNorm trains.
SECTION_INPUTS = {
    "lenet": (2, 1, 28, 28),
    "nin": (1, 1, 96, 96),
    "googlenet": (1, 3, 64, 64),
    "resnet50": (2, 3, 64, 64),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", SECTION_INPUTS)
def test_backward_and_three_train_steps_pass(name):
    seed_everything(0)
    pair = models.get(name)
    result = verify_pair(
        pair.build_paddle(), pair.build_torch(), SECTION_INPUTS[name], backward=True, train_steps=3, name=name
    )
    assert result.passed, result.render()
    assert [s.name for s in result.sections] == ["forward", "backward", "train"]


def _broken(name, shape, breaks):
    seed_everything(0)
    pair = models.get(name)
    torch_model = pair.build_torch()
    breaks(torch_model)
    return verify_pair(pair.build_paddle(), torch_model, shape, name=name)


def _swap_relu(model):
    model.conv3[3] = torch.nn.Sigmoid()


def _change_padding(model):
    model.bb_1_2.conv1._conv.padding = (2, 2)


def _untransposed_square_linear(model):
    model.mlp[4] = UntransposedLinear(4096, 4096)


def _wrong_eps(model):
    # One BatchNorm epsilon off by 4e-7: that layer's output moves by ~2e-7 of its scale, below what
    # a fixed float32 bound could see on every CPU, 2000x above the float64 bound.
    model.conv._batch_norm.eps = 1e-5 + 4e-7


@pytest.mark.parametrize(
    ("name", "shape", "breaks", "culprit"),
    [
        pytest.param(
            "alexnet", (1, 1, 224, 224), _swap_relu, "conv3.3", id="alexnet-relu-swapped-for-sigmoid"
        ),
        pytest.param(
            "resnet50", (1, 3, 64, 64), _change_padding, "bb_1_2.conv1._conv", id="resnet50-padding-changed"
        ),
        pytest.param(
            "alexnet",
            (1, 1, 224, 224),
            _untransposed_square_linear,
            "mlp.4",
            id="alexnet-linear-not-transposed",
        ),
        pytest.param(
            "resnet50", (1, 3, 64, 64), _wrong_eps, "conv._batch_norm", id="resnet50-batchnorm-eps-4e-7"
        ),
    ],
)
def test_a_broken_port_fails_and_the_report_names_the_broken_layer_first(name, shape, breaks, culprit):
    result = _broken(name, shape, breaks)
    assert not result.passed
    assert "forward float64" in result.failed_checks()
    assert result.divergence.first.key == culprit
    assert result.divergence.ranked()[0].key == culprit
    rendered = result.render()
    assert f"{name}: FAIL" in rendered
    assert f"\nfirst divergent layer: {culprit} " in rendered
