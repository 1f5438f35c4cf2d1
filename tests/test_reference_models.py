"""The paired reference models: the torch side must mirror the Paddle side name for name.

Big models are only built here; the forward runs are ResNet-50 at 224 (shapes, as printed in
seed 004) and float64 parity runs of LeNet, NiN and ResNet-50 at small spatial sizes.
"""

import numpy as np
import paddle
import pytest
import torch

from porter import models

# Paddle BatchNorm keeps its running statistics under other names than torch's buffers.
_STAT_NAMES = {"_mean": "running_mean", "_variance": "running_var"}

# Layer classes that must sit at the same attribute path on both sides.
_COUNTERPARTS = {
    paddle.nn.Conv2D: torch.nn.Conv2d,
    paddle.nn.BatchNorm2D: torch.nn.BatchNorm2d,
    paddle.nn.Linear: torch.nn.Linear,
    paddle.nn.Dropout: torch.nn.Dropout,
    paddle.nn.MaxPool2D: torch.nn.MaxPool2d,
    paddle.nn.AvgPool2D: torch.nn.AvgPool2d,
    paddle.nn.AdaptiveAvgPool2D: torch.nn.AdaptiveAvgPool2d,
}

# ResNet-50 shapes printed in seed 004 for a [1, 3, 224, 224] input: stem, then every bottleneck block.
_SEED_RESNET50_SHAPES = (
    [[1, 64, 112, 112]]
    + [[1, 256, 56, 56]] * 3
    + [[1, 512, 28, 28]] * 4
    + [[1, 1024, 14, 14]] * 6
    + [[1, 2048, 7, 7]] * 3
)


@pytest.fixture(scope="module", params=models.names(), ids=str)
def pair_models(request):
    pair = models.get(request.param)
    paddle.seed(0)
    torch.manual_seed(0)
    return request.param, pair.build_paddle(), pair.build_torch()


def _torch_key(paddle_key: str) -> str:
    prefix, _, leaf = paddle_key.rpartition(".")
    return f"{prefix}.{_STAT_NAMES.get(leaf, leaf)}" if prefix else _STAT_NAMES.get(leaf, leaf)


def _linear_weight_keys(paddle_model) -> set[str]:
    return {
        f"{name}.weight"
        for name, layer in paddle_model.named_sublayers()
        if isinstance(layer, paddle.nn.Linear)
    }


def _expected_torch_shape(paddle_key, shape, linear_weights):
    # Paddle stores Linear weights as [in, out], torch as [out, in].
    return list(reversed(shape)) if paddle_key in linear_weights else list(shape)


def test_trainable_parameter_counts_are_equal(pair_models):
    _, paddle_model, torch_model = pair_models
    paddle_params = [p for p in paddle_model.parameters() if p.trainable]
    torch_params = list(torch_model.parameters())
    assert sum(int(p.size) for p in paddle_params) == sum(p.numel() for p in torch_params)
    assert len(paddle_params) == len(torch_params)


def test_registry_counts_exclude_paddle_batchnorm_statistics():
    # ResNet is the pair with BatchNorm, whose Paddle statistics show up in parameters().
    # torchvision's ResNet-50 has 25,557,032 with a 1000-way fc; with one class: minus 2048*999 + 999.
    paddle_count, torch_count = models.parameter_counts(models.get("resnet50"))
    assert paddle_count == torch_count == 23_510_081


def test_state_dicts_line_up_by_name_and_shape(pair_models):
    _, paddle_model, torch_model = pair_models
    linear_weights = _linear_weight_keys(paddle_model)
    expected = {
        _torch_key(key): _expected_torch_shape(key, value.shape, linear_weights)
        for key, value in paddle_model.state_dict().items()
    }
    actual = {
        key: list(value.shape)
        for key, value in torch_model.state_dict().items()
        if not key.endswith("num_batches_tracked")
    }
    assert sorted(set(expected) - set(actual)) == [], "Paddle keys missing on the torch side"
    assert sorted(set(actual) - set(expected)) == [], "torch keys with no Paddle counterpart"
    assert {k: v for k, v in actual.items() if expected[k] != v} == {}


def test_same_layer_kinds_and_settings_at_same_paths(pair_models):
    _, paddle_model, torch_model = pair_models
    torch_layers = dict(torch_model.named_modules())
    checked = 0
    for name, layer in paddle_model.named_sublayers():
        if type(layer) not in _COUNTERPARTS:
            continue
        twin = torch_layers.get(name)
        assert isinstance(twin, _COUNTERPARTS[type(layer)]), f"{name}: {type(layer).__name__} vs {twin!r}"
        if isinstance(layer, paddle.nn.BatchNorm2D):
            assert twin.momentum == pytest.approx(1 - layer._momentum), name
            assert twin.eps == pytest.approx(layer._epsilon), name
        if isinstance(layer, paddle.nn.Dropout):
            assert layer.mode == "upscale_in_train", name
            assert twin.p == layer.p, name
        checked += 1
    assert checked > 0


def test_torch_side_registers_every_submodule(pair_models):
    # The seed's port kept ResNet blocks in a plain list: they ran in forward() but their
    # parameters were invisible to optimizers, state_dict() and .to().
    _, _, torch_model = pair_models
    registered = {id(module) for module in torch_model.modules()}
    for owner in torch_model.modules():
        for attribute, value in vars(owner).items():
            items = (
                value.values()
                if isinstance(value, dict)
                else value
                if isinstance(value, list | tuple)
                else ()
            )
            for item in items:
                if isinstance(item, torch.nn.Module):
                    assert id(item) in registered, (
                        f"{type(owner).__name__}.{attribute} holds an unregistered module"
                    )


def test_torch_side_has_no_batchnorm1d(pair_models):
    _, _, torch_model = pair_models
    assert not any(isinstance(module, torch.nn.BatchNorm1d) for module in torch_model.modules())


def _seed_style_shapes(model, x, reshape):
    """Run ResNet the way seed 004 printed it: stem, each block, pooling, flatten, fc."""
    y = model.conv(x)
    shapes = [list(y.shape)]
    y = model.pool2d_max(y)
    for block in model.bottleneck_block_list:
        y = block(y)
        shapes.append(list(y.shape))
    y = model.pool2d_avg(y)
    shapes.append(list(y.shape))
    y = reshape(y, [y.shape[0], -1])
    shapes.append(list(y.shape))
    shapes.append(list(model.out(y).shape))
    return shapes


def test_resnet50_forward_shapes_match_the_seed():
    pair = models.get("resnet50")
    x = np.random.default_rng(0).standard_normal(pair.input_shape).astype("float32")
    expected = [*_SEED_RESNET50_SHAPES, [1, 2048, 1, 1], [1, 2048], [1, 1]]

    paddle_model = pair.build_paddle()
    paddle_model.eval()
    with paddle.no_grad():
        assert _seed_style_shapes(paddle_model, paddle.to_tensor(x), paddle.reshape) == expected
        assert list(paddle_model(paddle.to_tensor(x)).shape) == [1, 1]

    torch_model = pair.build_torch().eval()
    with torch.no_grad():
        assert _seed_style_shapes(torch_model, torch.from_numpy(x), torch.reshape) == expected
        assert list(torch_model(torch.from_numpy(x)).shape) == [1, 1]


def _randomise_batchnorm(paddle_model, rng):
    # Fresh BN layers are the identity (mean 0, var 1, scale 1, shift 0); random values make
    # the eval-mode normalisation, and the _mean/_variance renaming, actually matter.
    for layer in paddle_model.sublayers():
        if isinstance(layer, paddle.nn.BatchNorm2D):
            n = layer.weight.shape[0]
            layer.weight.set_value(rng.uniform(0.5, 1.5, n))
            layer.bias.set_value(rng.normal(0.0, 0.1, n))
            layer._mean.set_value(rng.normal(0.0, 0.1, n))
            layer._variance.set_value(rng.uniform(0.5, 1.5, n))


def _copy_paddle_weights_into_torch(paddle_model, torch_model):
    linear_weights = _linear_weight_keys(paddle_model)
    state = torch_model.state_dict()
    for key, value in paddle_model.state_dict().items():
        array = value.numpy()
        state[_torch_key(key)] = torch.from_numpy(array.T.copy() if key in linear_weights else array)
    torch_model.load_state_dict(state, strict=True)


@pytest.mark.parametrize(
    ("name", "input_shape", "num_classes"),
    [
        ("lenet", (2, 1, 28, 28), 10),
        # 99x99 is small but still leaves 2x2 maps before the last NiN block.
        ("nin", (2, 1, 99, 99), 10),
        ("resnet50", (2, 3, 64, 64), 10),
    ],
    ids=["lenet", "nin", "resnet50"],
)
def test_copied_weights_give_the_same_outputs(name, input_shape, num_classes):
    pair = models.get(name)
    rng = np.random.default_rng(0)
    previous_dtype = paddle.get_default_dtype()
    paddle.set_default_dtype("float64")
    try:
        paddle.seed(0)
        paddle_model = pair.build_paddle(num_classes=num_classes)
    finally:
        paddle.set_default_dtype(previous_dtype)
    _randomise_batchnorm(paddle_model, rng)
    paddle_model.eval()
    torch_model = pair.build_torch(num_classes=num_classes).double().eval()
    _copy_paddle_weights_into_torch(paddle_model, torch_model)

    x = rng.standard_normal(input_shape)
    with paddle.no_grad():
        expected = paddle_model(paddle.to_tensor(x)).numpy()
    with torch.no_grad():
        actual = torch_model(torch.from_numpy(x)).numpy()

    assert expected.dtype == actual.dtype == np.float64
    assert expected.shape == actual.shape == (input_shape[0], num_classes)
    scale = np.abs(expected).max()
    assert scale > 0
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-10 * scale)
