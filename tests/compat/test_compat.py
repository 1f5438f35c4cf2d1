"""porter.compat against the real Paddle classes: same state-dict layout, same numbers.

Each Paddle layer gets random weights *and* random BatchNorm statistics (fresh statistics are 0/1 and
would hide a mix-up), then porter.verify copies them into the compat layer and compares elementwise.
"""

from __future__ import annotations

import hashlib

import numpy as np
import paddle
import pytest
import torch

from porter import compat
from porter.verify.parity import verify_pair


def _randomize_statistics(layer: paddle.nn.Layer, seed: int = 1) -> None:
    """Random BatchNorm scale, shift, mean and variance (variance kept positive)."""
    rng = np.random.default_rng(seed)
    for sub in layer.sublayers(include_self=True):
        if not isinstance(sub, paddle.nn.layer.norm._BatchNormBase):
            continue
        for name in ("weight", "bias", "_mean", "_variance"):
            tensor = getattr(sub, name)
            low = 0.5 if name == "_variance" else -1.0
            tensor.set_value(rng.uniform(low, 1.5, tensor.shape).astype("float32"))


def _check(paddle_layer, torch_layer, shape, dtype) -> None:
    _randomize_statistics(paddle_layer)
    result = verify_pair(paddle_layer, torch_layer, shape, dtype=dtype, backward=True, name="compat")
    assert result.passed, result.render()


# (id, ConvNormActivation keyword arguments; "norm"/"act" name a layer on both sides)
CONV_NORM_ACT = [
    ("defaults", dict(in_channels=3, out_channels=8)),
    ("no-norm-gets-bias", dict(in_channels=3, out_channels=8, norm="none")),
    ("no-activation", dict(in_channels=4, out_channels=6, kernel_size=1, act="none")),
    ("depthwise-stride", dict(in_channels=8, out_channels=8, stride=2, groups=8, act="relu6")),
    ("dilation-padding", dict(in_channels=3, out_channels=4, kernel_size=3, dilation=2)),
    ("tuple-kernel", dict(in_channels=3, out_channels=5, kernel_size=(1, 7), padding=(0, 3))),
    ("explicit-bias", dict(in_channels=3, out_channels=4, bias=True, act="hardswish")),
]
_NORMS = {"none": (None, None)}
_ACTS = {
    "none": (None, None),
    "relu6": (paddle.nn.ReLU6, torch.nn.ReLU6),
    "hardswish": (paddle.nn.Hardswish, torch.nn.Hardswish),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("kwargs"), [c[1] for c in CONV_NORM_ACT], ids=[c[0] for c in CONV_NORM_ACT])
def test_conv_norm_activation_matches_paddle(kwargs, dtype):
    from paddle.vision.ops import ConvNormActivation

    kwargs = dict(kwargs)
    paddle_kwargs, torch_kwargs = dict(kwargs), dict(kwargs)
    for key, table, arg in (("norm", _NORMS, "norm_layer"), ("act", _ACTS, "activation_layer")):
        if key in kwargs:
            paddle_kwargs.pop(key), torch_kwargs.pop(key)
            paddle_kwargs[arg], torch_kwargs[arg] = table[kwargs[key]]
    paddle.seed(0)
    paddle_layer = ConvNormActivation(**paddle_kwargs)
    torch_layer = compat.ConvNormActivation(**torch_kwargs)
    assert [type(m).__name__.lower()[:4] for m in paddle_layer] == [
        type(m).__name__.lower()[:4] for m in torch_layer
    ]
    _check(paddle_layer, torch_layer, (2, kwargs["in_channels"], 9, 9), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("act", "shape"), [(None, (2, 4, 5, 5)), ("relu", (3, 4, 5, 5)), ("sigmoid", (3, 4)), ("tanh", (2, 4, 3))]
)
def test_legacy_batch_norm_matches_paddle_in_eval(act, shape, dtype):
    paddle_layer = paddle.nn.BatchNorm(4, act=act, epsilon=1e-3)
    torch_layer = compat.BatchNorm(4, act=act, epsilon=1e-3)
    _check(paddle_layer, torch_layer, shape, dtype)


def test_legacy_batch_norm_matches_paddle_in_training_forward():
    """Training mode normalizes with batch statistics; the running mean moves with Paddle's momentum."""
    paddle_layer = paddle.nn.BatchNorm(3, act="relu", momentum=0.8)
    torch_layer = compat.BatchNorm(3, act="relu", momentum=0.8)
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype("float64")
    paddle_layer.to(dtype="float64"), torch_layer.double()
    paddle_out = paddle_layer(paddle.to_tensor(x)).numpy()
    torch_out = torch_layer(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(torch_out, paddle_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        torch_layer.running_mean.numpy(), paddle_layer._mean.numpy(), rtol=0, atol=1e-14
    )


@pytest.mark.parametrize("bad", [dict(act="gelu"), dict(data_layout="NHWC"), dict(use_global_stats=True)])
def test_legacy_batch_norm_refuses_what_it_does_not_implement(bad):
    with pytest.raises(ValueError, match="porter.compat.BatchNorm"):
        compat.BatchNorm(4, **bad)


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 1.0])
def test_downscale_in_infer_dropout_scales_in_eval_like_paddle(p):
    x = np.random.default_rng(0).standard_normal((3, 7)).astype("float64")
    paddle_layer = paddle.nn.Dropout(p=p, mode="downscale_in_infer")
    paddle_layer.eval()
    expected = paddle_layer(paddle.to_tensor(x)).numpy()
    torch_layer = compat.DownscaleInInferDropout(p).eval()
    np.testing.assert_array_equal(torch_layer(torch.from_numpy(x)).numpy(), expected)


def test_downscale_in_infer_dropout_keeps_units_unscaled_in_training():
    x = torch.arange(1.0, 10001.0, dtype=torch.float64)
    out = compat.DownscaleInInferDropout(0.3).train()(x)
    kept = out != 0
    assert torch.equal(out[kept], x[kept])  # no 1 / (1 - p) rescaling, unlike torch.nn.Dropout
    assert abs(kept.double().mean().item() - 0.7) < 0.03


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hardsigmoid_is_paddles_formula_bit_for_bit(dtype):
    x = np.linspace(-4.0, 4.0, 20001).astype(dtype)
    expected = paddle.nn.Hardsigmoid()(paddle.to_tensor(x)).numpy()
    np.testing.assert_array_equal(compat.Hardsigmoid()(torch.from_numpy(x)).numpy(), expected)
    functional = paddle.nn.functional.hardsigmoid(paddle.to_tensor(x), slope=0.2, offset=0.4).numpy()
    np.testing.assert_array_equal(
        compat.hardsigmoid(torch.from_numpy(x), slope=0.2, offset=0.4).numpy(), functional
    )


def test_torch_hardsigmoid_differs_from_paddle_in_float64():
    """Why compat.Hardsigmoid exists: torch's exact 1/6 slope is ~1e-7 away from Paddle's 0.1666667."""
    x = np.linspace(-4.0, 4.0, 20001)
    expected = paddle.nn.Hardsigmoid()(paddle.to_tensor(x)).numpy()
    difference = np.abs(torch.nn.functional.hardsigmoid(torch.from_numpy(x)).numpy() - expected).max()
    assert 1e-8 < difference < 1e-6


@pytest.fixture
def weights_home(tmp_path, monkeypatch):
    from porter.compat import download

    monkeypatch.setattr(download, "WEIGHTS_HOME", tmp_path / "cache")
    return tmp_path / "cache"


def test_get_weights_path_from_url_downloads_once_and_checks_md5(tmp_path, weights_home):
    source = tmp_path / "served" / "net.pdparams"
    source.parent.mkdir()
    source.write_bytes(b"weights")
    digest = hashlib.md5(b"weights").hexdigest()  # noqa: S324
    cache = weights_home
    path = compat.get_weights_path_from_url(source.as_uri(), digest)
    assert path == str(cache / "net.pdparams") and (cache / "net.pdparams").read_bytes() == b"weights"
    source.unlink()  # a cached copy with the right MD5 is used without downloading again
    assert compat.get_weights_path_from_url(source.as_uri(), digest) == path


def test_get_weights_path_from_url_refuses_a_wrong_md5_and_keeps_nothing(tmp_path, weights_home):
    source = tmp_path / "net.pdparams"
    source.write_bytes(b"weights")
    with pytest.raises(OSError, match="MD5 mismatch"):
        compat.get_weights_path_from_url(source.as_uri(), "0" * 32)
    assert list(weights_home.iterdir()) == []


def test_get_weights_path_from_url_refuses_archives(weights_home):
    with pytest.raises(ValueError, match="archives"):
        compat.get_weights_path_from_url("https://example.invalid/model.tar.gz")


def test_param_attr_value_initializes_like_paddle_weight_attr():
    """A ParamAttr built apart from its layer fills the weight in the same range and keeps trainable."""
    attr = compat.ParamAttr(
        initializer=compat.Initializer(torch.nn.init.uniform_, -0.01, 0.01), trainable=False
    )
    layer = torch.nn.Linear(50, 40)
    compat.apply_param_attr(layer.weight, attr)
    assert layer.weight.abs().max() <= 0.01 and layer.weight.std() < 0.01
    assert not layer.weight.requires_grad
    paddle_layer = paddle.nn.Linear(
        50,
        40,
        weight_attr=paddle.ParamAttr(initializer=paddle.nn.initializer.Uniform(-0.01, 0.01), trainable=False),
    )
    assert paddle_layer.weight.abs().max().item() <= 0.01 and paddle_layer.weight.stop_gradient


@pytest.mark.parametrize("attr", [None, True, "fc.w_0"])
def test_param_attr_values_that_change_nothing(attr):
    layer = torch.nn.Linear(3, 2)
    before = layer.weight.detach().clone()
    compat.apply_param_attr(layer.weight, attr)
    assert torch.equal(layer.weight, before) and layer.weight.requires_grad


def test_bare_initializer_value_and_computed_false():
    layer = torch.nn.Linear(3, 2)
    compat.apply_param_attr(layer.bias, compat.Initializer(torch.nn.init.constant_, 0.5))
    assert torch.equal(layer.bias, torch.full((2,), 0.5))
    with pytest.raises(ValueError, match="False"):
        compat.apply_param_attr(layer.bias, False)


def test_param_attr_learning_rate_is_reported_not_applied():
    layer = torch.nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="learning_rate"):
        compat.apply_param_attr(layer.weight, compat.ParamAttr(learning_rate=0.1))
