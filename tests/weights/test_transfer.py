"""Weight transfer with real Paddle/torch layer pairs: copy, then compare forwards elementwise in float64."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import paddle
import pytest
import torch
from paddle import nn as pn
from torch import nn as tn

from porter.convert.helpers.norms import weight_norm
from porter.weights.transfer import (
    TransferError,
    copy_paddle_to_torch,
    paddle_state_to_numpy,
    plan_transfer,
    transfer_state_dict,
)
from tests.weights.helpers import build_paddle_float64, paddle_forward, randomize_paddle, torch_forward


class PaddleCustom(pn.Layer):
    """Parameters and a buffer registered directly on the layer, around a Linear."""

    def __init__(self):
        super().__init__()
        self.lin = pn.Linear(3, 3)
        self.scale = self.create_parameter([3])
        self.add_parameter("shift", self.create_parameter([3], is_bias=True))
        self.register_buffer("offset", paddle.zeros([3]))

    def forward(self, x):
        return self.lin(x) * self.scale + self.shift - self.offset


class TorchCustom(tn.Module):
    def __init__(self):
        super().__init__()
        self.lin = tn.Linear(3, 3)
        self.scale = tn.Parameter(torch.empty(3))
        self.register_parameter("shift", tn.Parameter(torch.empty(3)))
        self.register_buffer("offset", torch.zeros(3))

    def forward(self, x):
        return self.lin(x) * self.scale + self.shift - self.offset


class PaddleStack(pn.Layer):
    def __init__(self):
        super().__init__()
        self.blocks = pn.LayerList(
            [pn.Sequential(pn.Linear(4, 4), pn.BatchNorm1D(4), pn.ReLU()) for _ in range(2)]
        )
        self.head = pn.Sequential(pn.Linear(4, 2))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


class TorchStack(tn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = tn.ModuleList(
            [tn.Sequential(tn.Linear(4, 4), tn.BatchNorm1d(4), tn.ReLU()) for _ in range(2)]
        )
        self.head = tn.Sequential(tn.Linear(4, 2))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


class PaddleAttention(pn.Layer):
    def __init__(self, **options):
        super().__init__()
        self.attn = pn.MultiHeadAttention(8, 2, **options)

    def forward(self, query, key, value):
        return self.attn(query, key, value)


class TorchAttention(tn.Module):
    def __init__(self, **options):
        super().__init__()
        self.attn = tn.MultiheadAttention(8, 2, batch_first=True, **options)

    def forward(self, query, key, value):
        return self.attn(query, key, value, need_weights=False)[0]


# torch.nn.utils.weight_norm (the one that keeps Paddle's weight_g/weight_v names) warns it is deprecated
pytestmark = pytest.mark.filterwarnings("ignore:.*weight_norm.*is deprecated:FutureWarning")


def _floats(*shape):
    return np.random.default_rng(1).standard_normal(shape)


# id -> (paddle factory, torch factory, inputs)
PAIRS = {
    "linear": (lambda: pn.Linear(5, 3), lambda: tn.Linear(5, 3), [_floats(2, 5)]),
    "linear_square": (lambda: pn.Linear(4, 4), lambda: tn.Linear(4, 4), [_floats(2, 4)]),
    "linear_no_bias": (
        lambda: pn.Linear(5, 3, bias_attr=False),
        lambda: tn.Linear(5, 3, bias=False),
        [_floats(2, 5)],
    ),
    "conv1d": (lambda: pn.Conv1D(3, 4, 3), lambda: tn.Conv1d(3, 4, 3), [_floats(2, 3, 7)]),
    "conv2d": (
        lambda: pn.Conv2D(3, 4, 3, padding=1),
        lambda: tn.Conv2d(3, 4, 3, padding=1),
        [_floats(2, 3, 6, 6)],
    ),
    "conv2d_groups": (
        lambda: pn.Conv2D(4, 6, 3, groups=2),
        lambda: tn.Conv2d(4, 6, 3, groups=2),
        [_floats(2, 4, 6, 6)],
    ),
    "conv3d": (lambda: pn.Conv3D(2, 3, 2), lambda: tn.Conv3d(2, 3, 2), [_floats(1, 2, 4, 4, 4)]),
    "conv_transpose1d": (
        lambda: pn.Conv1DTranspose(3, 4, 3, stride=2),
        lambda: tn.ConvTranspose1d(3, 4, 3, stride=2),
        [_floats(2, 3, 5)],
    ),
    "conv_transpose2d": (
        lambda: pn.Conv2DTranspose(3, 5, 3, stride=2),
        lambda: tn.ConvTranspose2d(3, 5, 3, stride=2),
        [_floats(2, 3, 4, 4)],
    ),
    "conv_transpose2d_groups": (
        lambda: pn.Conv2DTranspose(4, 6, 3, stride=2, groups=2),
        lambda: tn.ConvTranspose2d(4, 6, 3, stride=2, groups=2),
        [_floats(2, 4, 4, 4)],
    ),
    "batchnorm1d": (lambda: pn.BatchNorm1D(4), lambda: tn.BatchNorm1d(4), [_floats(3, 4)]),
    "batchnorm1d_3d_input": (lambda: pn.BatchNorm1D(4), lambda: tn.BatchNorm1d(4), [_floats(3, 4, 5)]),
    "batchnorm2d": (lambda: pn.BatchNorm2D(4), lambda: tn.BatchNorm2d(4), [_floats(2, 4, 3, 3)]),
    "batchnorm2d_no_affine": (
        lambda: pn.BatchNorm2D(4, weight_attr=False, bias_attr=False),
        lambda: tn.BatchNorm2d(4, affine=False),
        [_floats(2, 4, 3, 3)],
    ),
    "batchnorm_legacy": (
        lambda: pn.BatchNorm(4, dtype="float64"),
        lambda: tn.BatchNorm2d(4),
        [_floats(2, 4, 3, 3)],
    ),
    "batchnorm3d": (lambda: pn.BatchNorm3D(2), lambda: tn.BatchNorm3d(2), [_floats(1, 2, 2, 3, 3)]),
    "instancenorm2d": (
        lambda: pn.InstanceNorm2D(4),
        lambda: tn.InstanceNorm2d(4, affine=True),
        [_floats(2, 4, 3, 3)],
    ),
    "layernorm": (lambda: pn.LayerNorm(4), lambda: tn.LayerNorm(4), [_floats(2, 3, 4)]),
    "layernorm_2d_shape": (lambda: pn.LayerNorm([3, 4]), lambda: tn.LayerNorm([3, 4]), [_floats(2, 3, 4)]),
    "groupnorm": (lambda: pn.GroupNorm(2, 4), lambda: tn.GroupNorm(2, 4), [_floats(2, 4, 3, 3)]),
    "embedding": (lambda: pn.Embedding(6, 3), lambda: tn.Embedding(6, 3), [np.array([[0, 5, 2], [3, 3, 1]])]),
    "prelu": (lambda: pn.PReLU(4), lambda: tn.PReLU(4), [_floats(2, 4, 3, 3)]),
    "bilinear": (lambda: pn.Bilinear(3, 4, 5), lambda: tn.Bilinear(3, 4, 5), [_floats(2, 3), _floats(2, 4)]),
    "lstm_bidirect_2_layers": (
        lambda: pn.LSTM(3, 4, num_layers=2, direction="bidirect"),
        lambda: tn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
        [_floats(2, 5, 3)],
    ),
    "gru": (lambda: pn.GRU(3, 4), lambda: tn.GRU(3, 4, batch_first=True), [_floats(2, 5, 3)]),
    "simple_rnn": (lambda: pn.SimpleRNN(3, 4), lambda: tn.RNN(3, 4, batch_first=True), [_floats(2, 5, 3)]),
    "multihead_self_attention": (
        PaddleAttention,
        TorchAttention,
        [_floats(2, 5, 8), _floats(2, 5, 8), _floats(2, 5, 8)],
    ),
    "multihead_attention_kdim_vdim": (
        lambda: PaddleAttention(kdim=4, vdim=6),
        lambda: TorchAttention(kdim=4, vdim=6),
        [_floats(2, 5, 8), _floats(2, 3, 4), _floats(2, 3, 6)],
    ),
    "multihead_attention_no_bias": (
        lambda: PaddleAttention(bias_attr=False),
        lambda: TorchAttention(bias=False),
        [_floats(2, 5, 8), _floats(2, 5, 8), _floats(2, 5, 8)],
    ),
    "transformer_encoder_layer": (
        lambda: pn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
        lambda: tn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        [_floats(2, 5, 8)],
    ),
    "transformer_decoder_layer": (
        lambda: pn.TransformerDecoderLayer(8, 2, 16, dropout=0.0),
        lambda: tn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
        [_floats(2, 5, 8), _floats(2, 3, 8)],
    ),
    "transformer": (
        lambda: pn.Transformer(8, 2, 1, 1, 16, dropout=0.0),
        lambda: tn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True),
        [_floats(2, 5, 8), _floats(2, 3, 8)],
    ),
    "sequential_nesting": (
        lambda: pn.Sequential(pn.Linear(3, 4), pn.ReLU(), pn.Sequential(pn.Linear(4, 4), pn.BatchNorm1D(4))),
        lambda: tn.Sequential(tn.Linear(3, 4), tn.ReLU(), tn.Sequential(tn.Linear(4, 4), tn.BatchNorm1d(4))),
        [_floats(3, 3)],
    ),
    "layerlist_nesting": (PaddleStack, TorchStack, [_floats(3, 4)]),
    "custom_parameters": (PaddleCustom, TorchCustom, [_floats(2, 3)]),
    # weight norm keeps weight_g/weight_v on both sides; g is [out] in Paddle, [out, 1, 1] in torch, and a
    # Linear's axis is the other one of torch's transposed weight (the helper porter converts to flips it)
    "weight_norm_conv1d": (
        lambda: pn.utils.weight_norm(pn.Conv1D(3, 4, 3)),
        lambda: weight_norm(tn.Conv1d(3, 4, 3)),
        [_floats(2, 3, 7)],
    ),
    "weight_norm_conv2d_last_axis": (
        lambda: pn.utils.weight_norm(pn.Conv2D(2, 3, 3), dim=3),
        lambda: weight_norm(tn.Conv2d(2, 3, 3), dim=3),
        [_floats(2, 2, 5, 5)],
    ),
    "weight_norm_linear": (
        lambda: pn.utils.weight_norm(pn.Linear(5, 3)),
        lambda: weight_norm(tn.Linear(5, 3)),
        [_floats(2, 5)],
    ),
    "weight_norm_linear_square_axis_1": (
        lambda: pn.utils.weight_norm(pn.Linear(4, 4), dim=1),
        lambda: weight_norm(tn.Linear(4, 4), dim=1),
        [_floats(2, 4)],
    ),
    "weight_norm_whole_tensor": (
        lambda: pn.utils.weight_norm(pn.Linear(4, 4), dim=None),
        lambda: weight_norm(tn.Linear(4, 4), dim=None),
        [_floats(2, 4)],
    ),
}


def _copied_pair(name):
    make_paddle, make_torch, inputs = PAIRS[name]
    paddle_layer = randomize_paddle(build_paddle_float64(make_paddle))
    torch_module = make_torch().double()
    plan = copy_paddle_to_torch(paddle_layer, torch_module)
    return paddle_layer, torch_module, plan, inputs


@pytest.mark.parametrize("name", PAIRS)
def test_copied_pair_forwards_agree(name):
    paddle_layer, torch_module, _, inputs = _copied_pair(name)
    expected = paddle_forward(paddle_layer, *inputs)
    actual = torch_forward(torch_module, *inputs)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", PAIRS)
def test_every_tensor_is_used_exactly_once(name):
    paddle_layer, torch_module, plan, _ = _copied_pair(name)
    paddle_uses = Counter(link.paddle_key for link in plan.links)
    paddle_uses.update(key for join in plan.joins for key in join.paddle_keys)
    paddle_uses.update(alias for alias, _ in plan.aliases)
    assert paddle_uses == Counter(paddle_layer.state_dict().keys())
    torch_fills = Counter(link.torch_key for link in plan.links)
    torch_fills.update(join.torch_key for join in plan.joins)
    torch_fills.update(plan.torch_only)
    assert torch_fills == Counter(torch_module.state_dict().keys())


def test_linear_is_transposed_and_batchnorm_statistics_renamed():
    paddle_layer = randomize_paddle(pn.Sequential(pn.Linear(4, 4), pn.BatchNorm1D(4)))
    torch_module = tn.Sequential(tn.Linear(4, 4), tn.BatchNorm1d(4))
    plan = copy_paddle_to_torch(paddle_layer, torch_module)
    links = {link.torch_key: link for link in plan.links}
    assert links["0.weight"].transpose and links["0.weight"].kind == "linear.weight"
    assert not links["0.bias"].transpose
    assert links["1.running_mean"].paddle_key == "1._mean"
    assert links["1.running_var"].paddle_key == "1._variance"
    assert plan.torch_only == ("1.num_batches_tracked",)
    assert torch_module[1].num_batches_tracked.item() == 0
    source = paddle_layer.state_dict()
    np.testing.assert_array_equal(torch_module[0].weight.detach().numpy(), source["0.weight"].numpy().T)
    np.testing.assert_array_equal(torch_module[1].running_var.numpy(), source["1._variance"].numpy())


@pytest.mark.parametrize("torch_dtype", [torch.float32, torch.float64])
def test_target_takes_the_torch_module_dtype(torch_dtype):
    paddle_layer = randomize_paddle(pn.Linear(3, 2))
    state = transfer_state_dict(paddle_layer.state_dict(), tn.Linear(3, 2).to(torch_dtype))
    assert {tensor.dtype for tensor in state.values()} == {torch_dtype}


# -- errors -----------------------------------------------------------------------------------------


def _linear_stack_state():
    return paddle_state_to_numpy(randomize_paddle(pn.Sequential(pn.Linear(3, 4), pn.Linear(4, 2))))


def _torch_linear_stack():
    return tn.Sequential(tn.Linear(3, 4), tn.Linear(4, 2))


def test_missing_paddle_key_is_listed_with_its_torch_shape():
    state = _linear_stack_state()
    del state["1.bias"]
    with pytest.raises(TransferError) as error:
        transfer_state_dict(state, _torch_linear_stack())
    message = str(error.value)
    assert "torch tensors with no Paddle source:\n  1.bias [2] (expected Paddle key '1.bias')" in message
    assert "not used" not in message


def test_extra_paddle_key_is_listed_with_its_shape():
    state = _linear_stack_state()
    state["2.weight"] = np.zeros((2, 7), dtype="float32")
    with pytest.raises(TransferError, match=r"Paddle tensors not used:\n  2\.weight \[2, 7\]"):
        transfer_state_dict(state, _torch_linear_stack())


def test_shape_mismatch_names_both_keys_and_shapes():
    state = _linear_stack_state()
    with pytest.raises(TransferError) as error:
        transfer_state_dict(state, tn.Sequential(tn.Linear(3, 4), tn.Linear(4, 3)))
    message = str(error.value)
    assert (
        "shape mismatches (Paddle -> torch):\n  1.weight [4, 2] -> 1.weight [3, 4] after transposing"
        in message
    )
    assert "1.bias [2] -> 1.bias [3]" in message
    assert "not used" not in message and "no Paddle source" not in message


def test_all_problems_are_reported_together():
    state = _linear_stack_state()
    state["ghost"] = np.zeros(3)
    del state["0.weight"]
    with pytest.raises(TransferError) as error:
        transfer_state_dict(state, _torch_linear_stack())
    message = str(error.value)
    assert "0.weight [4, 3]" in message and "ghost [3]" in message


def test_torch_instance_norm_with_running_stats_has_no_paddle_source():
    # Paddle InstanceNorm never keeps running statistics; a torch model that uses them is a different model.
    paddle_layer = randomize_paddle(pn.InstanceNorm2D(4))
    with pytest.raises(TransferError, match=r"running_mean \[4\]"):
        transfer_state_dict(
            paddle_layer.state_dict(), tn.InstanceNorm2d(4, affine=True, track_running_stats=True)
        )


def test_to_torch_rejects_arrays_that_no_longer_fit_the_plan():
    state = _linear_stack_state()
    plan = plan_transfer({key: value.shape for key, value in state.items()}, _torch_linear_stack())
    state["0.weight"] = np.zeros((4, 3), dtype="float32")  # already [out, in]: would be transposed wrongly
    with pytest.raises(TransferError, match=r"0\.weight \[4, 3\] -> 0\.weight \[4, 3\] \(linear\.weight\)"):
        plan.to_torch(state)


def test_rnn_cell_alias_that_differs_from_its_flat_weight_is_an_error():
    state = paddle_state_to_numpy(randomize_paddle(pn.GRU(3, 4)))
    state["0.cell.weight_ih"] = state["0.cell.weight_ih"] + 1.0
    with pytest.raises(TransferError, match="0.cell.weight_ih should repeat weight_ih_l0"):
        transfer_state_dict(state, tn.GRU(3, 4))


# -- rename hook ------------------------------------------------------------------------------------


class TorchRenamed(tn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = tn.Sequential(tn.Linear(3, 4), tn.BatchNorm1d(4))
        self.classifier = tn.Linear(4, 2)

    def forward(self, x):
        return self.classifier(self.backbone(x))


def _paddle_named():
    return randomize_paddle(
        pn.Sequential(
            ("features", pn.Sequential(pn.Linear(3, 4), pn.BatchNorm1D(4))), ("fc", pn.Linear(4, 2))
        )
    )


@pytest.mark.parametrize(
    "rename",
    [
        pytest.param({"backbone": "features", "classifier": "fc"}, id="mapping"),
        pytest.param(
            lambda path: path.replace("backbone", "features").replace("classifier", "fc"), id="callable"
        ),
    ],
)
def test_rename_hook_maps_module_paths(rename):
    paddle_layer = build_paddle_float64(_paddle_named)
    torch_module = TorchRenamed().double()
    plan = copy_paddle_to_torch(paddle_layer, torch_module, rename=rename)
    assert {link.torch_key: link.paddle_key for link in plan.links}[
        "backbone.1.running_var"
    ] == "features.1._variance"
    x = _floats(3, 3)
    np.testing.assert_allclose(
        torch_forward(torch_module, x), paddle_forward(paddle_layer, x), rtol=1e-10, atol=1e-12
    )


def test_rename_without_hook_lists_both_sides():
    with pytest.raises(TransferError) as error:
        transfer_state_dict(_paddle_named().state_dict(), TorchRenamed())
    message = str(error.value)
    assert "backbone.0.weight [4, 3] (expected Paddle key 'backbone.0.weight')" in message
    assert "features.0.weight [3, 4]" in message


def test_rename_of_the_root_strips_a_wrapper_prefix():
    wrapper = tn.Module()
    wrapper.model = tn.Linear(3, 2)
    plan = plan_transfer({"weight": (3, 2), "bias": (2,)}, wrapper, rename={"model": ""})
    assert [(link.paddle_key, link.torch_key) for link in plan.links] == [
        ("weight", "model.weight"),
        ("bias", "model.bias"),
    ]


def test_rename_that_feeds_two_modules_from_one_source_is_an_error():
    torch_module = tn.Sequential(tn.Linear(3, 4), tn.Linear(3, 4))
    with pytest.raises(TransferError, match="used more than once:\n  0.weight feeds 0.weight, 1.weight"):
        plan_transfer({"0.weight": (3, 4), "0.bias": (4,)}, torch_module, rename={"1": "0"})


# -- layer types: the rules come from torch types, so the Paddle side must have the matching types ----


class PaddleTorchStyleLinear(pn.Layer):
    """A custom Paddle layer that stores its weight the torch way, [out, in]: must not be transposed."""

    def __init__(self):
        super().__init__()
        self.weight = self.create_parameter([4, 4])
        self.bias = self.create_parameter([4], is_bias=True)

    def forward(self, x):
        return paddle.matmul(x, self.weight, transpose_y=True) + self.bias


@pytest.mark.parametrize(
    ("make_paddle", "make_torch", "message"),
    [
        pytest.param(
            lambda: pn.Sequential(PaddleTorchStyleLinear()),
            lambda: tn.Sequential(tn.Linear(4, 4)),
            "torch 0 is a linear layer, but Paddle 0 is PaddleTorchStyleLinear",
            id="square-linear-from-custom-layer",
        ),
        pytest.param(
            lambda: pn.Conv2DTranspose(3, 3, 2),
            lambda: tn.Conv2d(3, 3, 2),
            "torch (root) is a conv layer, but Paddle (root) is Conv2DTranspose",
            id="conv-from-transposed-conv",
        ),
    ],
)
def test_layer_types_that_do_not_correspond_are_refused_even_when_shapes_fit(
    make_paddle, make_torch, message
):
    paddle_layer = make_paddle()
    with pytest.raises(TransferError, match=re.escape(message)):
        copy_paddle_to_torch(paddle_layer, make_torch())
    transfer_state_dict(paddle_layer.state_dict(), make_torch())  # a bare state dict cannot be checked


@pytest.mark.parametrize("torch_dtype", [torch.bfloat16, torch.float32])
def test_bfloat16_weights_keep_their_values(tmp_path, torch_dtype):
    # Paddle hands bfloat16 tensors to numpy (and to .pdparams files) as their raw bits in uint16.
    from porter.weights.pdparams import load_pdparams

    layer = randomize_paddle(pn.Linear(3, 2))
    layer.to(dtype="bfloat16")
    paddle.save(layer.state_dict(), str(tmp_path / "bf16.pdparams"))
    as_float32 = layer.weight.astype("float32").numpy()
    for source in (layer, load_pdparams(tmp_path / "bf16.pdparams")):
        state = transfer_state_dict(paddle_state_to_numpy(source), tn.Linear(3, 2).to(torch_dtype))
        assert state["weight"].dtype == torch_dtype
        np.testing.assert_array_equal(state["weight"].float().numpy(), as_float32.T)


def test_attention_projection_missing_from_the_join_is_named():
    state = paddle_state_to_numpy(randomize_paddle(PaddleAttention()))
    del state["attn.k_proj.bias"]
    with pytest.raises(
        TransferError, match=r"attn\.in_proj_bias \[24\] \(expected Paddle keys 'attn\.k_proj\.bias'\)"
    ):
        transfer_state_dict(state, TorchAttention())


def test_attention_join_shape_mismatch_lists_every_part():
    state = paddle_state_to_numpy(randomize_paddle(PaddleAttention(kdim=4, vdim=6)))
    with pytest.raises(TransferError) as error:
        transfer_state_dict(state, TorchAttention())
    message = str(error.value)
    assert (
        "attn.q_proj.weight [8, 8] + attn.k_proj.weight [4, 8] + attn.v_proj.weight [6, 8] -> "
        "transposed and joined attn.in_proj_weight [24, 8]"
    ) in message
    assert "not used" not in message


def test_lay_out_turns_paddle_arrays_into_torch_layout():
    # porter verify lays Paddle gradients out with the same methods before comparing them.
    paddle_layer = randomize_paddle(PaddleAttention())
    arrays = paddle_state_to_numpy(paddle_layer)
    torch_module = TorchAttention()
    plan = copy_paddle_to_torch(paddle_layer, torch_module)
    target = torch_module.state_dict()
    for link in plan.links:
        np.testing.assert_array_equal(link.lay_out(arrays[link.paddle_key]), target[link.torch_key].numpy())
    assert {join.torch_key for join in plan.joins} == {"attn.in_proj_weight", "attn.in_proj_bias"}
    for join in plan.joins:
        joined = join.lay_out([arrays[key] for key in join.paddle_keys])
        np.testing.assert_array_equal(joined, target[join.torch_key].numpy())


@pytest.mark.parametrize(
    ("make_torch", "message"),
    [
        pytest.param(
            lambda: tn.LSTM(3, 4, proj_size=2),
            "weight_hr_l0 [2, 4] (porter has no rule for LSTM.weight_hr_l0",
            id="lstm-projection",
        ),
    ],
)
def test_unknown_tensor_of_a_known_layer_type_is_not_guessed(make_torch, message):
    # The Paddle state holds same-named tensors where possible, so only the missing rule can stop it.
    torch_module = make_torch()
    state = {key: np.zeros(tuple(value.shape)[::-1]) for key, value in torch_module.state_dict().items()}
    with pytest.raises(TransferError, match=re.escape(message)):
        transfer_state_dict(state, torch_module)


@pytest.mark.parametrize(
    ("make_paddle", "make_torch"),
    [
        pytest.param(
            lambda: pn.utils.weight_norm(pn.Linear(4, 4)),
            lambda: torch.nn.utils.weight_norm(tn.Linear(4, 4)),
            id="square-linear-axis-not-flipped",
        ),
        pytest.param(
            lambda: pn.utils.weight_norm(pn.Conv1D(3, 3, 3), dim=2),
            lambda: torch.nn.utils.weight_norm(tn.Conv1d(3, 3, 3)),
            id="conv-other-axis-same-size",
        ),
    ],
)
def test_weight_norm_over_another_axis_is_refused_though_the_norms_fit(make_paddle, make_torch):
    """Paddle's state dict does not say which axis its norms are over; the Paddle layer does."""
    with pytest.raises(TransferError, match=r"weight_g: Paddle's weight norm is over axis \d, the torch"):
        copy_paddle_to_torch(make_paddle(), make_torch())


def test_attention_bias_kv_has_no_paddle_counterpart():
    state = paddle_state_to_numpy(randomize_paddle(PaddleAttention()))
    with pytest.raises(TransferError, match=re.escape("attn.bias_k [1, 1, 8] (porter has no rule for")):
        transfer_state_dict(state, TorchAttention(add_bias_kv=True))
