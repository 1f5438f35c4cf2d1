"""`porter verify` on the registry pairs, and on registry pairs broken the way real ports break.

The issue's bar, literally: `porter verify all --backward --train-steps 3` in float64 and in float32,
every model at its registry input (224x224 except LeNet 28x28; training batch 2 where BatchNorm needs
a batch variance). In float32 a gradient/training gap beyond the bound is rerun in float64 by verify
itself (docs/verify.md, "float32 gradients"); the ResNet-50 test below shows such a gap is real.
Measured on 2 cores: ~3 min and ~15 GB peak for float64 (VGG-16 dominates both).
"""

import pytest
import torch

from porter import models
from porter.cli import main
from porter.verify.parity import verify_pair
from porter.verify.runtime import seed_everything
from tests.verify.pairs import UntransposedLinear


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_verify_all_forward_backward_and_three_train_steps(dtype, capsys):
    code = main(["verify", "all", "--dtype", dtype, "--backward", "--train-steps", "3"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = out.splitlines()
    assert rows[0].split()[:2] == ["model", "verdict"]
    assert [row.split()[:2] for row in rows[1 : 1 + len(models.names())]] == [
        [name, "PASS"] for name in models.names()
    ]


@pytest.mark.parametrize("seed", [0, 2])
def test_vgg_float32_forward_is_at_the_float32_noise_floor(seed):
    """VGG-16's single logit: float32 noise reaches the 1e-5 bound (docs/verify.md, "Why two dtypes").

    Measured, not judged: with torch's native CPU kernels the verdict is PASS at seed 0 (5.3e-7) and
    FAIL at seed 2 (1.9e-5, fc3, the 4096 -> 1 sum), while each framework alone is up to 3.4e-5 off its
    own float64 result and float64 parity holds (above). What must hold at every seed is that the
    difference has the size and shape of noise, not of a bug.
    """
    seed_everything(seed)
    pair = models.get("vgg")
    result = verify_pair(pair.build_paddle(), pair.build_torch(), pair.input_shape, seed=seed, name="vgg")
    (output,) = result.forward.metrics
    assert output.max_rel < 1e-4
    assert output.cosine > 1 - 1e-9
    if not result.passed:  # then only the last layer's sum crosses the bound; its input agrees
        assert result.divergence.first.key == "fc3"


def test_the_float32_gradient_gap_of_resnet50_is_real_and_float64_explains_it():
    """One ReLU input in bb_2_4.conv1 sits 5e-5 from zero at an output scale of 785 (float32 rounding):
    it switches on one side only, and every gradient upstream of it moves by ~1% (docs/verify.md)."""
    pair = models.get("resnet50")

    def run(**options):
        seed_everything(0)
        return verify_pair(pair.build_paddle(), pair.build_torch(), (2, 3, 64, 64), backward=True, **options)

    strict = run(float64_recheck=False)
    assert strict.forward.passed and not strict.passed
    assert strict.gradients.worst.max_rel > 1e-3  # far beyond float32 noise of a continuous function
    result = run()
    assert result.passed
    assert result.explained("gradients")
    assert result.float64_recheck.gradients.worst.max_rel < 1e-14
    assert "backward  gap" in result.render()


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
    ],
)
def test_a_broken_port_fails_and_the_report_names_the_broken_layer_first(name, shape, breaks, culprit):
    result = _broken(name, shape, breaks)
    assert not result.passed
    assert result.divergence.first.key == culprit
    assert result.divergence.ranked()[0].key == culprit
    rendered = result.render()
    assert f"{name}: FAIL" in rendered
    assert f"first divergent layer: {culprit} " in rendered


def test_float64_separates_a_subtle_bug_from_float32_noise():
    # One BatchNorm epsilon off by 4e-7 changes that layer's output by ~2e-7 relative: below the
    # float32 bound (1e-5), 2000x above the float64 one (1e-10).
    def wrong_eps(model):
        model.conv._batch_norm.eps = 1e-5 + 4e-7

    shape = (1, 3, 64, 64)
    assert _broken("resnet50", shape, wrong_eps).passed
    seed_everything(0)
    pair = models.get("resnet50")
    torch_model = pair.build_torch()
    wrong_eps(torch_model)
    result = verify_pair(pair.build_paddle(), torch_model, shape, dtype="float64", name="resnet50")
    assert not result.passed
    assert result.divergence.first.key == "conv._batch_norm"
