"""Paddle's average-pool backward rounds 1/N to float32 (Paddle 3.3.1), and verify gives torch the same."""

import numpy as np
import paddle
import pytest
import torch

from porter.verify.alignment import (
    align_avg_pool_backward,
    align_constant_buffers,
    align_float32_constants,
    align_normalization,
)

POOLS = [
    pytest.param(
        paddle.nn.AdaptiveAvgPool2D(1), torch.nn.AdaptiveAvgPool2d(1), (2, 3, 7, 7), id="global-7x7"
    ),
    pytest.param(
        paddle.nn.AdaptiveAvgPool2D(3), torch.nn.AdaptiveAvgPool2d(3), (1, 2, 7, 5), id="adaptive-uneven"
    ),
    pytest.param(
        paddle.nn.AvgPool2D(3, 1, 1),
        torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False),
        (1, 2, 6, 6),
        id="padded-exclusive",
    ),
    pytest.param(
        paddle.nn.AvgPool2D(3, 1, 1, exclusive=False),
        torch.nn.AvgPool2d(3, 1, 1),
        (1, 2, 6, 6),
        id="padded-inclusive",
    ),
    pytest.param(
        paddle.nn.AvgPool2D(3, 2, ceil_mode=True),
        torch.nn.AvgPool2d(3, 2, ceil_mode=True, count_include_pad=False),
        (1, 2, 8, 8),
        id="ceil-mode",
    ),
    pytest.param(paddle.nn.AvgPool2D(5, 3), torch.nn.AvgPool2d(5, 3), (1, 2, 14, 14), id="googlenet-aux-5x5"),
    pytest.param(
        paddle.nn.AvgPool1D(3, 1, 1), torch.nn.AvgPool1d(3, 1, 1, count_include_pad=False), (1, 2, 7), id="1d"
    ),
    pytest.param(
        paddle.nn.AvgPool3D(3, 2, 1),
        torch.nn.AvgPool3d(3, 2, 1, count_include_pad=False),
        (1, 1, 5, 6, 7),
        id="3d",
    ),
]


def _gradients(paddle_pool, torch_pool, shape, *, aligned: bool):
    """Input gradients of sum(pool(x) * w) on both sides, float64, and the torch outputs."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    paddle_model, torch_model = paddle.nn.Sequential(paddle_pool), torch.nn.Sequential(torch_pool).double()
    paddle_x = paddle.to_tensor(x, stop_gradient=False)
    paddle_out = paddle_model(paddle_x)
    w = rng.standard_normal(paddle_out.shape)
    (paddle_out * paddle.to_tensor(w)).sum().backward()
    torch_x = torch.tensor(x, requires_grad=True)
    dtype = "float64" if aligned else "float32"  # float32: nothing is aligned
    with align_avg_pool_backward(paddle_model, torch_model, lambda path: path, dtype) as paths:
        torch_out = torch_model(torch_x)
        (torch_out * torch.tensor(w)).sum().backward()
    assert paths == (["0"] if aligned else [])
    return paddle_x.grad.numpy(), torch_x.grad.numpy(), torch_out.detach().numpy(), torch_model


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(a).max()


@pytest.mark.parametrize(("paddle_pool", "torch_pool", "shape"), POOLS)
def test_paddle_rounds_one_over_n_to_float32_and_the_alignment_reproduces_it(paddle_pool, torch_pool, shape):
    paddle_grad, torch_grad, _, _ = _gradients(paddle_pool, torch_pool, shape, aligned=False)
    assert _rel(paddle_grad, torch_grad) > 1e-9  # exact 1/N in torch: far beyond the float64 bound
    paddle_grad, torch_grad, _, _ = _gradients(paddle_pool, torch_pool, shape, aligned=True)
    assert _rel(paddle_grad, torch_grad) < 1e-15


def test_the_forward_pass_is_untouched_and_the_hook_removed_afterwards():
    paddle_pool, torch_pool = paddle.nn.AdaptiveAvgPool2D(1), torch.nn.AdaptiveAvgPool2d(1)
    _, _, aligned_out, torch_model = _gradients(paddle_pool, torch_pool, (2, 3, 7, 7), aligned=True)
    x = torch.tensor(np.random.default_rng(0).standard_normal((2, 3, 7, 7)))
    assert np.array_equal(aligned_out, torch_model(x).numpy())
    assert not torch_model[0]._forward_hooks


def test_only_pools_whose_paddle_counterpart_averages_are_aligned():
    paddle_model = paddle.nn.Sequential(paddle.nn.MaxPool2D(2), paddle.nn.AvgPool2D(2))
    torch_model = torch.nn.Sequential(torch.nn.AvgPool2d(2), torch.nn.AvgPool2d(2))  # first one is a bug
    with align_avg_pool_backward(paddle_model, torch_model, lambda path: path, "float64") as paths:
        assert paths == ["1"]


def test_an_unbatched_input_is_aligned_too():
    paddle_pool, torch_pool = (
        paddle.nn.AvgPool2D(3, 1, 1),
        torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False),
    )
    x = np.random.default_rng(0).standard_normal((2, 6, 6))
    paddle_x = paddle.to_tensor(x[None], stop_gradient=False)  # Paddle pools want a batch axis
    paddle.nn.Sequential(paddle_pool)(paddle_x).sum().backward()
    torch_x = torch.tensor(x, requires_grad=True)
    torch_model = torch.nn.Sequential(torch_pool)
    with align_avg_pool_backward(
        paddle.nn.Sequential(paddle_pool), torch_model, lambda path: path, "float64"
    ):
        torch_model(torch_x).sum().backward()
    assert _rel(paddle_x.grad.numpy()[0], torch_x.grad.numpy()) < 1e-15


# --- normalisation epsilon: float32 in Paddle's BatchNorm, LayerNorm and InstanceNorm kernels ----------
# (BatchNorm: tests/verify/test_train.py, test_paddle_batch_norm_attributes_are_float32)

NORMS = [
    pytest.param(lambda: paddle.nn.LayerNorm(6), lambda: torch.nn.LayerNorm(6), True, id="layer-norm"),
    pytest.param(
        lambda: paddle.nn.InstanceNorm2D(4),
        lambda: torch.nn.InstanceNorm2d(4, affine=True),
        True,
        id="instance-norm",
    ),
    pytest.param(
        lambda: paddle.nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), False, id="group-norm-exact"
    ),
]


def _norm_outputs(make_paddle, make_torch, *, aligned: bool):
    """float64 outputs of a Paddle and a torch normalisation on an input whose variance (~1e-5) makes
    eps matter; the torch one aligned by ``align_normalization`` or not."""
    x = np.random.default_rng(0).standard_normal((2, 4, 6, 6)) * 3e-3
    paddle_model = paddle.nn.Sequential(make_paddle())
    torch_model = torch.nn.Sequential(make_torch()).double().eval()
    paddle_model.to(dtype="float64")
    paddle_model.eval()
    changed = align_normalization(paddle_model, torch_model, lambda path: path) if aligned else []
    with torch.no_grad():
        torch_out = torch_model(torch.tensor(x)).numpy()
    return paddle_model(paddle.to_tensor(x)).numpy(), torch_out, changed


@pytest.mark.parametrize(("make_paddle", "make_torch", "float32_eps"), NORMS)
def test_paddle_normalises_with_a_float32_epsilon_and_the_alignment_reproduces_it(
    make_paddle, make_torch, float32_eps
):
    paddle_out, torch_out, _ = _norm_outputs(make_paddle, make_torch, aligned=False)
    assert (_rel(paddle_out, torch_out) > 1e-9) == float32_eps  # 1e-5 vs 9.99999974e-06 on variance 1e-5
    paddle_out, torch_out, changed = _norm_outputs(make_paddle, make_torch, aligned=True)
    assert _rel(paddle_out, torch_out) < 1e-14
    assert changed == (["0"] if float32_eps else [])


def test_a_different_epsilon_is_a_bug_and_left_alone():
    paddle_out, torch_out, changed = _norm_outputs(
        lambda: paddle.nn.LayerNorm(6, epsilon=1e-6), lambda: torch.nn.LayerNorm(6), aligned=True
    )
    assert changed == []
    assert _rel(paddle_out, torch_out) > 1e-3


# --- float32 constants: Hardsigmoid's slope, downscale-in-infer dropout's scale -------------------


def _constant_outputs(paddle_layer, torch_layer, *, aligned: bool):
    """Paddle's and torch's float64 outputs and input gradients of one eval-mode layer, and the aligned paths."""
    x = np.random.default_rng(1).uniform(-4, 4, (3, 64))
    paddle_model, torch_model = paddle.nn.Sequential(paddle_layer), torch.nn.Sequential(torch_layer).double()
    paddle_model.eval(), torch_model.eval()
    paddle_x = paddle.to_tensor(x, stop_gradient=False)
    paddle_out = paddle_model(paddle_x)
    paddle_out.sum().backward()
    torch_x = torch.tensor(x, requires_grad=True)
    with align_float32_constants(
        paddle_model, torch_model, lambda p: p, "float64" if aligned else "float32"
    ) as paths:
        torch_out = torch_model(torch_x)
        torch_out.sum().backward()
    outputs = (paddle_out.numpy(), torch_out.detach().numpy())
    return outputs, (paddle_x.grad.numpy(), torch_x.grad.numpy()), paths


def _downscale_dropout(p):
    from porter.convert.helpers.layers import DownscaleInInferDropout

    return DownscaleInInferDropout(p)


CONSTANT_LAYERS = [
    pytest.param(paddle.nn.Hardsigmoid, torch.nn.Hardsigmoid, id="hardsigmoid"),
    pytest.param(
        lambda: paddle.nn.Dropout(0.4, mode="downscale_in_infer"),
        lambda: _downscale_dropout(0.4),
        id="dropout-0.4",
    ),
    pytest.param(
        lambda: paddle.nn.Dropout(0.7, mode="downscale_in_infer"),
        lambda: _downscale_dropout(0.7),
        id="dropout-0.7",
    ),
]


@pytest.mark.parametrize(("make_paddle", "make_torch"), CONSTANT_LAYERS)
def test_paddle_computes_with_float32_constants_and_the_alignment_reproduces_them(make_paddle, make_torch):
    (paddle_out, torch_out), _, paths = _constant_outputs(make_paddle(), make_torch(), aligned=False)
    assert paths == []
    assert _rel(paddle_out, torch_out) > 1e-9  # the exact constant in torch: far beyond the float64 bound
    (paddle_out, torch_out), (paddle_grad, torch_grad), paths = _constant_outputs(
        make_paddle(), make_torch(), aligned=True
    )
    assert paths == ["0"]
    assert _rel(paddle_out, torch_out) < 1e-15
    assert _rel(paddle_grad, torch_grad) < 1e-15


@pytest.mark.parametrize(
    ("paddle_layer", "torch_layer"),
    [
        pytest.param(paddle.nn.Hardsigmoid(), torch.nn.Hardswish(), id="another-activation"),
        pytest.param(paddle.nn.Sigmoid(), torch.nn.Hardsigmoid(), id="paddle-is-not-hardsigmoid"),
        pytest.param(
            paddle.nn.Dropout(0.4, mode="downscale_in_infer"),
            _downscale_dropout(0.5),
            id="another-probability",
        ),
        pytest.param(paddle.nn.Dropout(0.4), _downscale_dropout(0.4), id="upscale-in-train"),
    ],
)
def test_a_layer_that_computes_something_else_is_left_alone(paddle_layer, torch_layer):
    (paddle_out, torch_out), _, paths = _constant_outputs(paddle_layer, torch_layer, aligned=True)
    assert paths == []
    assert _rel(paddle_out, torch_out) > 1e-3


# -- tables a constructor builds (outside the state dict) ----------------------------------------------------


class _PaddleTable(paddle.nn.Layer):
    def __init__(self, shift: float = 0.0) -> None:
        super().__init__()
        self.fc = paddle.nn.Linear(6, 6)
        angles = paddle.arange(0, 24, dtype="float32").reshape([4, 6]) / 7
        self.register_buffer("table", paddle.sin(angles) + shift, persistable=False)
        self.register_buffer("index", paddle.to_tensor([3, 0, 2, 1]), persistable=False)

    def forward(self, x):
        return self.fc(x) + paddle.gather(self.table, self.index)


class _TorchTable(torch.nn.Module):
    def __init__(self, shift: float = 0.0, use_cos: bool = False) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(6, 6)
        angles = torch.arange(0, 24, dtype=torch.float32).reshape([4, 6]) / 7
        table = torch.cos(angles) if use_cos else torch.sin(angles)
        self.register_buffer("table", table + shift, persistent=False)
        self.register_buffer("index", torch.tensor([3, 0, 2, 1]), persistent=False)

    def forward(self, x):
        return self.fc(x) + self.table[self.index]


def test_a_constructor_table_equal_to_float32_rounding_takes_paddle_s_values():
    paddle_model, torch_model = _PaddleTable(), _TorchTable()
    ulps = torch.tensor(np.finfo(np.float32).eps, dtype=torch.float32) * 2
    torch_model.table += ulps * torch_model.table.abs().max()  # another float32 libm: a few ulps apart
    assert align_constant_buffers(paddle_model, torch_model, lambda path: path) == ["table"]
    np.testing.assert_array_equal(torch_model.table.numpy(), paddle_model.table.numpy())


@pytest.mark.parametrize(
    "torch_model", [_TorchTable(use_cos=True), _TorchTable(shift=1e-4)], ids=["other-function", "shifted"]
)
def test_a_table_that_differs_is_a_porting_bug_and_left_alone(torch_model):
    before = torch_model.table.clone()
    assert align_constant_buffers(_PaddleTable(), torch_model, lambda path: path) == []
    assert torch.equal(torch_model.table, before)


def test_verify_proves_a_pair_with_a_constructor_table_and_catches_a_wrong_one():
    from porter.verify.parity import verify_pair

    assert verify_pair(_PaddleTable(), _TorchTable(), (2, 4, 6), dtype="float64", name="t").passed
    assert not verify_pair(
        _PaddleTable(), _TorchTable(use_cos=True), (2, 4, 6), dtype="float64", name="t"
    ).passed
