"""Numerical spot checks of the table's semantic claims: call the Paddle API, translate its arguments with the
table entry alone (accept, values, rename, drop, defaults), call the torch target, compare elementwise.

Only entries without a named transform are checked here (those need the engine). Float32, seeded inputs;
tolerance 1e-6 absolute / relative, except where an entry documents a larger difference.
"""

from __future__ import annotations

import ast

import numpy as np
import paddle
import pytest
import torch

from porter.convert.engine import default_table
from porter.convert.table import Kind
from tests.convert.test_table import resolve

TABLE = default_table()
RNG = np.random.default_rng(0)
X4 = RNG.standard_normal((2, 3, 6, 6)).astype("float32")
X2 = RNG.standard_normal((4, 5)).astype("float32")
Y2 = RNG.standard_normal((4, 5)).astype("float32")
PROB = (1 / (1 + np.exp(-X2))).astype("float32")
LABELS = np.array([0, 4, 2, 1], dtype="int64")
SQUARE = (RNG.standard_normal((4, 4)) + 4 * np.eye(4)).astype("float32")
INT = np.array([-7, -3, 5, 8], dtype="int64")
INT_DIVISOR = np.array([3, 2, -3, 3], dtype="int64")
GRID = RNG.uniform(-1, 1, (2, 4, 4, 2)).astype("float32")
THETA = RNG.standard_normal((2, 2, 3)).astype("float32")
INDEX = np.array([2, 0, 1], dtype="int64")

VALUE_TRANSFORMS = {
    "one_minus": lambda value: 1 - value,
    "negate": lambda value: not value,
    "dtype": lambda value: getattr(torch, value),
}

# id -> (paddle path, constructor kwargs for a class / None, positional inputs, keyword arguments)
CASES = {
    "AvgPool2D_default_exclusive": (
        "paddle.nn.AvgPool2D",
        {"kernel_size": 3, "stride": 1, "padding": 1},
        [X4],
        {},
    ),
    "AvgPool2D_exclusive_false": (
        "paddle.nn.AvgPool2D",
        {"kernel_size": 3, "stride": 2, "padding": 1, "exclusive": False, "ceil_mode": True},
        [X4],
        {},
    ),
    "avg_pool2d_default": (
        "paddle.nn.functional.avg_pool2d",
        None,
        [],
        {"x": X4, "kernel_size": 2, "padding": 1},
    ),
    "MaxPool2D_mask": ("paddle.nn.MaxPool2D", {"kernel_size": 2, "return_mask": True}, [X4], {}),
    "AdaptiveAvgPool2D": ("paddle.nn.AdaptiveAvgPool2D", {"output_size": (2, 3)}, [X4], {}),
    "Softmax_default_axis": ("paddle.nn.Softmax", {}, [X4], {}),
    "LogSoftmax_default_axis": ("paddle.nn.LogSoftmax", {}, [X4], {}),
    "softmax_default_axis": ("paddle.nn.functional.softmax", None, [], {"x": X4}),
    "GELU": ("paddle.nn.GELU", {}, [X4], {}),
    "LeakyReLU_default_slope": ("paddle.nn.LeakyReLU", {}, [X4], {}),
    "Hardsigmoid_rounded_slope": ("paddle.nn.Hardsigmoid", {}, [X4 * 4], {}),
    "Hardtanh_min_max": ("paddle.nn.Hardtanh", {"min": -0.5, "max": 0.7}, [X4], {}),
    "Hardshrink_threshold": ("paddle.nn.Hardshrink", {"threshold": 0.3}, [X4], {}),
    "Softplus_beta_threshold": ("paddle.nn.Softplus", {"beta": 2, "threshold": 1.5}, [X4], {}),
    "SELU_defaults": ("paddle.nn.SELU", {}, [X4], {}),
    "Swish": ("paddle.nn.Swish", {}, [X4], {}),
    "ThresholdedReLU_defaults": ("paddle.nn.ThresholdedReLU", {}, [X4], {}),
    "GLU_axis": ("paddle.nn.GLU", {"axis": 1}, [X2[:, :4]], {}),
    "Flatten": ("paddle.nn.Flatten", {"start_axis": 1, "stop_axis": 2}, [X4], {}),
    "Pad2D_default_value": ("paddle.nn.Pad2D", {"padding": [1, 2, 0, 1]}, [X4], {}),
    "pad_spatial": ("paddle.nn.functional.pad", None, [], {"x": X4, "pad": [1, 2, 3, 0], "value": 0.5}),
    "PixelShuffle": ("paddle.nn.PixelShuffle", {"upscale_factor": 2}, [np.repeat(X4, 4, axis=1)[:, :4]], {}),
    "Unfold_plural_names": ("paddle.nn.Unfold", {"kernel_sizes": 2, "strides": 2, "paddings": 1}, [X4], {}),
    "Upsample_bilinear": ("paddle.nn.Upsample", {"scale_factor": 2, "mode": "bilinear"}, [X4], {}),
    "UpsamplingBilinear2D": ("paddle.nn.UpsamplingBilinear2D", {"scale_factor": 2}, [X4], {}),
    "interpolate_bilinear": (
        "paddle.nn.functional.interpolate",
        None,
        [],
        {"x": X4, "size": (9, 5), "mode": "bilinear"},
    ),
    "grid_sample_default_align": ("paddle.nn.functional.grid_sample", None, [], {"x": X4, "grid": GRID}),
    "affine_grid_default_align": (
        "paddle.nn.functional.affine_grid",
        None,
        [],
        {"theta": THETA, "out_shape": [2, 3, 4, 5]},
    ),
    "CosineSimilarity_axis": ("paddle.nn.CosineSimilarity", {"axis": 1}, [X2, Y2], {}),
    "PairwiseDistance_epsilon": ("paddle.nn.PairwiseDistance", {"epsilon": 1e-3}, [X2, Y2], {}),
    "normalize": ("paddle.nn.functional.normalize", None, [], {"x": X2, "axis": 0, "epsilon": 1e-6}),
    "CrossEntropyLoss": ("paddle.nn.CrossEntropyLoss", {}, [X2, LABELS], {}),
    "cross_entropy_label_smoothing": (
        "paddle.nn.functional.cross_entropy",
        None,
        [],
        {"input": X2, "label": LABELS, "label_smoothing": 0.1},
    ),
    "SmoothL1Loss_is_Huber": ("paddle.nn.SmoothL1Loss", {"delta": 2.0}, [X2 * 3, Y2], {}),
    "smooth_l1_loss_is_huber": (
        "paddle.nn.functional.smooth_l1_loss",
        None,
        [],
        {"input": X2 * 3, "label": Y2, "delta": 0.5},
    ),
    "KLDivLoss_default_reduction": ("paddle.nn.KLDivLoss", {}, [np.log(PROB), PROB], {}),
    "BCEWithLogitsLoss_pos_weight": ("paddle.nn.BCEWithLogitsLoss", {}, [X2, PROB], {}),
    "binary_cross_entropy_with_logits": (
        "paddle.nn.functional.binary_cross_entropy_with_logits",
        None,
        [],
        {"logit": X2, "label": PROB},
    ),
    "mse_loss": ("paddle.nn.functional.mse_loss", None, [], {"input": X2, "label": Y2, "reduction": "sum"}),
    "concat_axis": ("paddle.concat", None, [], {"x": [X2, Y2], "axis": 1}),
    "flatten_axes": ("paddle.flatten", None, [], {"x": X4, "start_axis": 1, "stop_axis": 2}),
    "transpose_perm": ("paddle.transpose", None, [], {"x": X4, "perm": [0, 2, 3, 1]}),
    "sum_axis_keepdim": ("paddle.sum", None, [], {"x": X4, "axis": [1, 2], "keepdim": True}),
    "max_axis_values_only": ("paddle.max", None, [], {"x": X4, "axis": 1}),
    "argmax_axis": ("paddle.argmax", None, [], {"x": X2, "axis": 1}),
    "clip": ("paddle.clip", None, [], {"x": X2, "min": -0.5, "max": 0.5}),
    "std_default": ("paddle.std", None, [], {"x": X2, "axis": 1}),
    "var_default": ("paddle.var", None, [], {"x": X2}),
    "gather_is_index_select": ("paddle.gather", None, [], {"x": X2, "index": INDEX}),
    "remainder_sign_of_divisor": ("paddle.remainder", None, [], {"x": INT, "y": INT_DIVISOR}),
    "floor_divide_negative": ("paddle.floor_divide", None, [], {"x": INT, "y": INT_DIVISOR}),
    "divide_ints_true_division": ("paddle.divide", None, [], {"x": INT, "y": INT_DIVISOR}),
    "meshgrid_ij": ("paddle.meshgrid", None, [X2[0], Y2[:, 0]], {}),
    "topk_default_axis": ("paddle.topk", None, [], {"x": X2, "k": 2}),
    "argsort_descending": ("paddle.argsort", None, [], {"x": X2, "descending": True}),
    "linspace": ("paddle.linspace", None, [], {"start": 0.0, "stop": 1.0, "num": 7}),
    "eye_rectangular": ("paddle.eye", None, [], {"num_rows": 3, "num_columns": 5}),
    "svd_reduced_default": ("paddle.linalg.svd", None, [], {"x": X2}),
    "pinv_default_rcond": ("paddle.linalg.pinv", None, [], {"x": X2}),
    "vector_norm": ("paddle.linalg.vector_norm", None, [], {"x": X2, "p": 3.0, "axis": 1}),
    "dot": ("paddle.dot", None, [], {"x": X2[0], "y": Y2[0]}),
    "outer": ("paddle.outer", None, [], {"x": X2[0], "y": Y2[1]}),
    "bmm": ("paddle.bmm", None, [], {"x": X4[0], "y": X4[1]}),
    "hstack": ("paddle.hstack", None, [], {"x": [X2, Y2]}),
    "inv": ("paddle.linalg.inv", None, [], {"x": SQUARE}),
    "det": ("paddle.linalg.det", None, [], {"x": SQUARE}),
    "multi_dot": ("paddle.linalg.multi_dot", None, [], {"x": [SQUARE, SQUARE, X2[:, :4].T]}),
    "GroupNorm_default_init": (
        "paddle.nn.GroupNorm",
        {"num_groups": 3, "num_channels": 3, "epsilon": 1e-3},
        [X4],
        {},
    ),
    "LayerNorm_default_init": (
        "paddle.nn.LayerNorm",
        {"normalized_shape": [6, 6], "epsilon": 1e-4},
        [X4],
        {},
    ),
    "InstanceNorm2D_learns_affine": ("paddle.nn.InstanceNorm2D", {"num_features": 3}, [X4], {}),
    "LocalResponseNorm": ("paddle.nn.LocalResponseNorm", {"size": 3}, [X4], {}),
    "ReLU6": ("paddle.nn.ReLU6", {}, [X4 * 8], {}),
    "ELU": ("paddle.nn.ELU", {"alpha": 0.7}, [X4], {}),
    "CELU": ("paddle.nn.CELU", {"alpha": 0.7}, [X4], {}),
    "Mish": ("paddle.nn.Mish", {}, [X4], {}),
    "Softshrink": ("paddle.nn.Softshrink", {"threshold": 0.2}, [X4], {}),
    "Softmax2D": ("paddle.nn.Softmax2D", {}, [X4], {}),
    "ChannelShuffle": ("paddle.nn.ChannelShuffle", {"groups": 3}, [X4], {}),
    "PixelUnshuffle": ("paddle.nn.PixelUnshuffle", {"downscale_factor": 2}, [X4], {}),
    "ZeroPad2D": ("paddle.nn.ZeroPad2D", {"padding": [1, 0, 2, 1]}, [X4], {}),
    "Unflatten": ("paddle.nn.Unflatten", {"axis": 1, "shape": [3, 1]}, [X4], {}),
    "Fold": (
        "paddle.nn.Fold",
        {"output_sizes": [4, 4], "kernel_sizes": 2},
        [RNG.standard_normal((2, 12, 9)).astype("float32")],
        {},
    ),
    "AvgPool1D_exclusive_default": (
        "paddle.nn.AvgPool1D",
        {"kernel_size": 3, "padding": 1, "stride": 1},
        [X2[None]],
        {},
    ),
    "NLLLoss": ("paddle.nn.NLLLoss", {}, [np.log(PROB), LABELS], {}),
    "BCELoss": ("paddle.nn.BCELoss", {}, [PROB, (Y2 > 0).astype("float32")], {}),
    "MarginRankingLoss": ("paddle.nn.MarginRankingLoss", {"margin": 0.3}, [X2, Y2, np.sign(X2 - Y2)], {}),
    "HingeEmbeddingLoss": ("paddle.nn.HingeEmbeddingLoss", {}, [X2, np.sign(Y2)], {}),
    "CosineEmbeddingLoss": (
        "paddle.nn.CosineEmbeddingLoss",
        {"margin": 0.1},
        [X2, Y2, np.sign(Y2[:, 0])],
        {},
    ),
    "TripletMarginLoss_epsilon": ("paddle.nn.TripletMarginLoss", {"epsilon": 1e-3}, [X2, Y2, PROB], {}),
    "SoftMarginLoss": ("paddle.nn.SoftMarginLoss", {}, [X2, np.sign(Y2)], {}),
    "MultiLabelSoftMarginLoss": (
        "paddle.nn.MultiLabelSoftMarginLoss",
        {},
        [X2, (Y2 > 0).astype("float32")],
        {},
    ),
    "PoissonNLLLoss": ("paddle.nn.PoissonNLLLoss", {}, [X2, PROB], {}),
    "GaussianNLLLoss_epsilon": ("paddle.nn.GaussianNLLLoss", {"epsilon": 1e-3}, [X2, Y2, PROB], {}),
    "MultiMarginLoss": ("paddle.nn.MultiMarginLoss", {}, [X2, LABELS], {}),
    "HuberLoss": ("paddle.nn.HuberLoss", {"delta": 0.5}, [X2, Y2], {}),
    "conv2d_same_weight_layout": (
        "paddle.nn.functional.conv2d",
        None,
        [],
        {"x": X4, "weight": RNG.standard_normal((4, 3, 3, 3)).astype("float32"), "stride": 2, "padding": 1},
    ),
    "conv2d_transpose_same_weight_layout": (
        "paddle.nn.functional.conv2d_transpose",
        None,
        [],
        {"x": X4, "weight": RNG.standard_normal((3, 2, 3, 3)).astype("float32"), "stride": 2, "dilation": 1},
    ),
    "embedding_zero_padding_row": (
        "paddle.nn.functional.embedding",
        None,
        [],
        {"x": LABELS, "weight": np.vstack([np.zeros((1, 4)), X2.T[1:]]).astype("float32"), "padding_idx": 0},
    ),
    "layer_norm_epsilon": (
        "paddle.nn.functional.layer_norm",
        None,
        [],
        {"x": X4, "normalized_shape": [6], "weight": X2[0, :1].repeat(6), "epsilon": 1e-3},
    ),
    "group_norm_epsilon_moves": (
        "paddle.nn.functional.group_norm",
        None,
        [],
        {"x": X4, "num_groups": 1, "epsilon": 1e-3, "weight": PROB[0, :3], "bias": Y2[0, :3]},
    ),
    "prelu": ("paddle.nn.functional.prelu", None, [], {"x": X4, "weight": PROB[0, :3]}),
    "one_hot_values": ("paddle.nn.functional.one_hot", None, [], {"x": LABELS, "num_classes": 5}),
    "log_softmax_default_axis": ("paddle.nn.functional.log_softmax", None, [], {"x": X4}),
    "glu": ("paddle.nn.functional.glu", None, [], {"x": X2[:, :4], "axis": -1}),
    "max_pool2d_ceil": (
        "paddle.nn.functional.max_pool2d",
        None,
        [],
        {"x": X4, "kernel_size": 4, "stride": 4, "ceil_mode": True},
    ),
    "adaptive_max_pool2d_mask": (
        "paddle.nn.functional.adaptive_max_pool2d",
        None,
        [],
        {"x": X4, "output_size": 2, "return_mask": True},
    ),
    "thresholded_relu_defaults": ("paddle.nn.functional.thresholded_relu", None, [], {"x": X4 * 2}),
    "alpha_dropout_eval": (
        "paddle.nn.functional.alpha_dropout",
        None,
        [],
        {"x": X4, "p": 0.5, "training": False},
    ),
    "stack_axis": ("paddle.stack", None, [], {"x": [X2, Y2], "axis": 1}),
    "squeeze_axis": ("paddle.squeeze", None, [], {"x": X4[:, :1], "axis": 1}),
    "tile_repeat_times": ("paddle.tile", None, [], {"x": X2, "repeat_times": [2, 1]}),
    "flip_axis": ("paddle.flip", None, [], {"x": X2, "axis": [0, 1]}),
    "roll_axis": ("paddle.roll", None, [], {"x": X2, "shifts": 2, "axis": 1}),
    "where": ("paddle.where", None, [], {"condition": X2 > 0, "x": X2, "y": Y2}),
    "index_select_axis": ("paddle.index_select", None, [], {"x": X2, "index": INDEX, "axis": 1}),
    "diagonal_axes": ("paddle.diagonal", None, [], {"x": X4, "offset": 1, "axis1": 2, "axis2": 3}),
    "rot90_axes": ("paddle.rot90", None, [], {"x": X2, "k": 3, "axes": [0, 1]}),
    "repeat_interleave_axis": ("paddle.repeat_interleave", None, [], {"x": X2, "repeats": 2, "axis": 0}),
    "take_along_axis": (
        "paddle.take_along_axis",
        None,
        [],
        {"arr": X2, "indices": np.argsort(X2, axis=1), "axis": 1},
    ),
    "unique_counts": ("paddle.unique", None, [], {"x": INT, "return_counts": True}),
    "cross_default_axis": ("paddle.cross", None, [], {"x": SQUARE[:3, :3], "y": SQUARE[1:, 1:]}),
    "diff_axis": ("paddle.diff", None, [], {"x": X2, "axis": 0}),
    "logsumexp_axis": ("paddle.logsumexp", None, [], {"x": X2, "axis": 1}),
    "prod_axis": ("paddle.prod", None, [], {"x": PROB, "axis": 0}),
    "kthvalue_axis": ("paddle.kthvalue", None, [], {"x": X2, "k": 2, "axis": 1}),
    "mode_axis": ("paddle.mode", None, [], {"x": INT[None].repeat(2, 0), "axis": 1}),
    "lerp": ("paddle.lerp", None, [], {"x": X2, "y": Y2, "weight": PROB}),
    "addmm": (
        "paddle.addmm",
        None,
        [],
        {"input": SQUARE, "x": SQUARE, "y": SQUARE, "beta": 0.5, "alpha": 2.0},
    ),
    "pow": ("paddle.pow", None, [], {"x": PROB, "y": 1.5}),
    "diag_offset": ("paddle.diag", None, [], {"x": X2[0], "offset": 1}),
    "full_like": ("paddle.full_like", None, [], {"x": X2, "fill_value": 3.0}),
    "zeros_shape": ("paddle.zeros", None, [], {"shape": [2, 3], "dtype": "float32"}),
    "Tensor_max_axis": ("paddle.Tensor.max", None, [X2], {"axis": 0}),
    "Tensor_gather": ("paddle.Tensor.gather", None, [X2], {"index": INDEX}),
    "Tensor_sum_axis": ("paddle.Tensor.sum", None, [X4], {"axis": 2}),
    "Tensor_expand": ("paddle.Tensor.expand", None, [X2[:1]], {"shape": [3, 5]}),
}


def translate(entry, kwargs: dict) -> dict:
    """Apply the entry's argument rules the way the engine does for keyword arguments."""
    translated = {}
    for name, value in kwargs.items():
        if name in entry.accept:
            assert value in [ast.literal_eval(source) for source in entry.accept[name]], (
                f"{name}={value!r} not accepted"
            )
        if name in entry.values:
            value = VALUE_TRANSFORMS[entry.values[name]](value)
        if name not in entry.drop:
            translated[entry.rename.get(name, name)] = value
    for key, source in entry.defaults.items():
        translated.setdefault(key, ast.literal_eval(source))
    return translated


def _to(framework: str, value):
    if isinstance(value, np.ndarray):
        return paddle.to_tensor(value) if framework == "paddle" else torch.from_numpy(value.copy())
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [_to(framework, item) for item in value]
    return value


def _run(path: str, kind: Kind, init: dict | None, inputs: list, kwargs: dict, framework: str):
    target = resolve(path)
    inputs = [_to(framework, value) for value in inputs]
    kwargs = {key: _to(framework, value) for key, value in kwargs.items()}
    if kind is Kind.CLASS:
        return target(**init)(*inputs, **kwargs)
    if kind is Kind.METHOD:
        return getattr(inputs[0], path.rsplit(".", 1)[1])(*inputs[1:], **kwargs)
    return target(*inputs, **kwargs)


def _numpy(result) -> list[np.ndarray]:
    if isinstance(result, list | tuple):
        return [array for item in result for array in _numpy(item)]
    if isinstance(result, torch.Tensor):
        return [result.detach().numpy()]
    return [np.asarray(result.numpy() if isinstance(result, paddle.Tensor) else result)]


@pytest.mark.parametrize(("path", "init", "inputs", "kwargs"), CASES.values(), ids=CASES.keys())
def test_table_translation_computes_the_same(path, init, inputs, kwargs):
    entry = TABLE.lookup(path)
    assert entry is not None and entry.torch is not None and entry.transform is None
    expected = _numpy(_run(path, entry.kind, init, inputs, kwargs, "paddle"))
    if entry.kind is Kind.CLASS:  # the table describes the constructor; forward takes the same inputs
        torch_init, torch_kwargs = translate(entry, init), kwargs
    else:
        torch_init, torch_kwargs = None, translate(entry, kwargs)
    actual = _numpy(_run(entry.torch, entry.kind, torch_init, inputs, torch_kwargs, "torch"))
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=1e-6, atol=1e-6)


def test_batchnorm_momentum_one_minus_gives_the_same_running_stats():
    entry = TABLE.lookup("paddle.nn.BatchNorm2D")
    init = {"num_features": 3, "momentum": 0.8, "epsilon": 1e-3}
    paddle_bn = paddle.nn.BatchNorm2D(**init)
    torch_bn = resolve(entry.torch)(**translate(entry, init))
    paddle_out = paddle_bn(paddle.to_tensor(X4)).numpy()
    torch_out = torch_bn(torch.from_numpy(X4)).detach().numpy()
    np.testing.assert_allclose(torch_out, paddle_out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(torch_bn.running_mean.numpy(), paddle_bn._mean.numpy(), rtol=1e-6, atol=1e-6)
    # The documented difference: Paddle folds the biased batch variance into running_var, torch the unbiased one.
    weight_of_batch = 1 - init["momentum"]
    unbiased, biased = X4.var(axis=(0, 2, 3), ddof=1), X4.var(axis=(0, 2, 3))
    np.testing.assert_allclose(
        torch_bn.running_var.numpy(),
        paddle_bn._variance.numpy() + weight_of_batch * (unbiased - biased),
        rtol=1e-6,
    )
    assert "biased batch variance" in entry.note


# Every plain elementwise entry (Paddle args exactly x[, y], name[, out]) is checked on the same inputs; the
# inputs lie in (0.1, 0.9) so that log, sqrt, asin, atanh … are defined (acosh gives NaN in both).
UNIT = RNG.uniform(0.1, 0.9, (3, 4)).astype("float32")
UNIT_2 = RNG.uniform(0.1, 0.9, (3, 4)).astype("float32")
ELEMENTWISE_ARGS = {("x", "name"), ("x", "name", "out"), ("x", "y", "name"), ("x", "y", "name", "out")}
# Same argument names but not elementwise: they need particular shapes (some are in CASES above).
SHAPED = {
    "paddle.bmm",
    "paddle.dot",
    "paddle.outer",
    "paddle.hstack",
    "paddle.vstack",
    "paddle.as_complex",
    "paddle.as_real",
}
ELEMENTWISE = [
    entry
    for entry in TABLE
    if entry.kind is Kind.FUNCTION
    and entry.torch is not None
    and entry.transform is None
    and tuple(entry.args) in ELEMENTWISE_ARGS
    and entry.paddle not in SHAPED
    and not entry.paddle.startswith("paddle.linalg.")
]


def test_elementwise_set_is_substantial():
    assert len(ELEMENTWISE) >= 60


@pytest.mark.parametrize("entry", ELEMENTWISE, ids=[entry.paddle for entry in ELEMENTWISE])
def test_elementwise_entries_compute_the_same(entry):
    inputs = {"x": UNIT, "y": UNIT_2} if "y" in entry.args else {"x": UNIT}
    if entry.paddle.startswith(("paddle.bitwise", "paddle.gcd", "paddle.lcm")):
        inputs = {name: (value * 10).astype("int64") for name, value in inputs.items()}
    expected = _numpy(_run(entry.paddle, entry.kind, None, [], inputs, "paddle"))
    actual = _numpy(_run(entry.torch, entry.kind, None, [], translate(entry, inputs), "torch"))
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=1e-6, atol=1e-6, equal_nan=True)


# Tensor methods taking nothing or one other tensor y (besides name/out) are checked the same way.
METHOD_ARGS = {
    (),
    ("name",),
    ("name", "out"),
    ("y", "name"),
    ("y", "name", "out"),
    ("y", "name", "alpha", "out"),
}
SIMPLE_METHODS = [
    entry
    for entry in TABLE
    if entry.kind is Kind.METHOD
    and entry.paddle.startswith("paddle.Tensor.")
    and entry.torch is not None
    and entry.transform is None
    and tuple(entry.args) in METHOD_ARGS
    and entry.paddle not in {"paddle.Tensor.bmm", "paddle.Tensor.dot", "paddle.Tensor.outer"}  # need shapes
]


def test_simple_method_set_is_substantial():
    assert len(SIMPLE_METHODS) >= 40


@pytest.mark.parametrize("entry", SIMPLE_METHODS, ids=[entry.paddle for entry in SIMPLE_METHODS])
def test_simple_tensor_methods_compute_the_same(entry):
    kwargs = {"y": UNIT_2} if "y" in entry.args else {}
    expected = _numpy(_run(entry.paddle, entry.kind, None, [UNIT], kwargs, "paddle"))
    actual = _numpy(_run(entry.torch, entry.kind, None, [UNIT], translate(entry, kwargs), "torch"))
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want.astype(got.dtype), rtol=1e-6, atol=1e-6, equal_nan=True)


def test_embedding_padding_row_difference_is_documented():
    weight = X2.T.copy()  # the padding row (0) is not zero
    paddle_out = paddle.nn.functional.embedding(
        paddle.to_tensor(LABELS), paddle.to_tensor(weight), padding_idx=0
    )
    torch_out = torch.nn.functional.embedding(
        torch.from_numpy(LABELS), torch.from_numpy(weight), padding_idx=0
    )
    assert not paddle_out.numpy()[0].any() and torch_out.numpy()[0].any()
    assert "zeros at padding_idx" in TABLE.lookup("paddle.nn.functional.embedding").note


# Optimizers: the table's renames and spelled-out defaults, plus betas=(beta1, beta2) as the optimizer transform
# writes it, must give the same parameters after a few steps on the same gradients.
OPTIMIZER_CASES = {
    "Momentum_defaults": ("paddle.optimizer.Momentum", {"learning_rate": 0.1}),
    "Momentum_nesterov_decay": (
        "paddle.optimizer.Momentum",
        {"learning_rate": 0.1, "momentum": 0.8, "use_nesterov": True, "weight_decay": 0.01},
    ),
    "SGD_decay": ("paddle.optimizer.SGD", {"learning_rate": 0.1, "weight_decay": 0.05}),
    "Adam_defaults": ("paddle.optimizer.Adam", {"learning_rate": 0.01}),
    "Adam_betas_decay": (
        "paddle.optimizer.Adam",
        {"learning_rate": 0.01, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.1},
    ),
    "AdamW_default_decay": ("paddle.optimizer.AdamW", {"learning_rate": 0.01}),
    "Adagrad_default_epsilon": ("paddle.optimizer.Adagrad", {"learning_rate": 0.1}),
    "Adadelta_default_lr_rho": ("paddle.optimizer.Adadelta", {}),
    "NAdam_defaults": ("paddle.optimizer.NAdam", {}),
    "RAdam_defaults": ("paddle.optimizer.RAdam", {}),
}
GRADIENTS = [RNG.standard_normal(5).astype("float32") for _ in range(4)]
START = RNG.standard_normal(5).astype("float32")


def _paddle_steps(path: str, kwargs: dict, gradients=GRADIENTS) -> np.ndarray:
    param = paddle.create_parameter([5], "float32", default_initializer=paddle.nn.initializer.Assign(START))
    optimizer = resolve(path)(parameters=[param], **kwargs)
    for grad in gradients:
        (param * paddle.to_tensor(grad)).sum().backward()
        optimizer.step()
        optimizer.clear_grad()
    return param.numpy()


def _torch_steps(entry, kwargs: dict, gradients=GRADIENTS) -> np.ndarray:
    param = torch.nn.Parameter(torch.from_numpy(START.copy()))
    kwargs = dict(kwargs)
    betas = (kwargs.pop("beta1", 0.9), kwargs.pop("beta2", 0.999))
    translated = translate(entry, kwargs)
    if "betas" in entry.torch_args:
        translated["betas"] = betas
    optimizer = resolve(entry.torch)([param], **translated)
    for grad in gradients:
        (param * torch.from_numpy(grad)).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
    return param.detach().numpy()


@pytest.mark.parametrize(("path", "kwargs"), OPTIMIZER_CASES.values(), ids=OPTIMIZER_CASES.keys())
def test_optimizer_translation_takes_the_same_steps(path, kwargs):
    entry = TABLE.lookup(path)
    np.testing.assert_allclose(_torch_steps(entry, kwargs), _paddle_steps(path, kwargs), rtol=1e-5, atol=1e-6)


def test_rmsprop_epsilon_placement_difference_is_documented():
    # With the renames and defaults applied, only eps placement differs: visible when gradients are tiny.
    entry = TABLE.lookup("paddle.optimizer.RMSProp")
    assert "sqrt(v + eps)" in entry.note
    tiny = [gradient * 1e-4 for gradient in GRADIENTS]
    paddle_result = _paddle_steps(entry.paddle, {"learning_rate": 0.01}, tiny)
    torch_result = _torch_steps(entry, {"learning_rate": 0.01}, tiny)
    assert not np.allclose(torch_result, paddle_result, rtol=1e-6, atol=1e-7)


# LR schedulers: Paddle's scheduler is the optimizer's learning rate, torch's wraps an optimizer created with that
# base rate (the lr_scheduler transform's job); the schedule itself must match epoch by epoch.
SCHEDULER_CASES = {
    "MultiStepDecay": ("paddle.optimizer.lr.MultiStepDecay", {"milestones": [2, 5], "gamma": 0.5}),
    "CosineAnnealingDecay": ("paddle.optimizer.lr.CosineAnnealingDecay", {"T_max": 5, "eta_min": 0.01}),
    "ExponentialDecay": ("paddle.optimizer.lr.ExponentialDecay", {"gamma": 0.7}),
    "LambdaDecay": ("paddle.optimizer.lr.LambdaDecay", {"lr_lambda": lambda epoch: 0.9**epoch}),
    "MultiplicativeDecay": ("paddle.optimizer.lr.MultiplicativeDecay", {"lr_lambda": lambda epoch: 0.8}),
    "CosineAnnealingWarmRestarts": (
        "paddle.optimizer.lr.CosineAnnealingWarmRestarts",
        {"T_0": 3, "T_mult": 2},
    ),
    "LinearLR": ("paddle.optimizer.lr.LinearLR", {"total_steps": 4, "start_factor": 0.25}),
}


@pytest.mark.parametrize(("path", "kwargs"), SCHEDULER_CASES.values(), ids=SCHEDULER_CASES.keys())
def test_scheduler_translation_gives_the_same_schedule(path, kwargs):
    entry = TABLE.lookup(path)
    paddle_scheduler = resolve(path)(learning_rate=0.1, **kwargs)
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    torch_scheduler = resolve(entry.torch)(optimizer, **translate(entry, kwargs))
    for _epoch in range(12):
        assert torch_scheduler.get_last_lr()[0] == pytest.approx(paddle_scheduler.last_lr, rel=1e-6)
        optimizer.step()
        torch_scheduler.step()
        paddle_scheduler.step()


@pytest.mark.parametrize("path", ["paddle.nn.LSTM", "paddle.nn.GRU", "paddle.nn.SimpleRNN"])
def test_recurrent_layers_are_batch_first_after_translation(path):
    entry = TABLE.lookup(path)
    init = {"input_size": 6, "hidden_size": 3, "num_layers": 2}
    paddle_rnn = resolve(path)(**init)
    torch_rnn = resolve(entry.torch)(**translate(entry, init))
    # Same parameter names and gate order: copy Paddle's weights across by name.
    state = {name: torch.from_numpy(value.numpy()) for name, value in paddle_rnn.state_dict().items()}
    torch_rnn.load_state_dict({name: state[name] for name in torch_rnn.state_dict()})
    sequence = X4[:, 0]  # [batch=2, time=6, features=6]
    paddle_out, _ = paddle_rnn(paddle.to_tensor(sequence))
    torch_out, _ = torch_rnn(torch.from_numpy(sequence))
    np.testing.assert_allclose(torch_out.detach().numpy(), paddle_out.numpy(), rtol=1e-5, atol=1e-6)


# Layers with weights whose entry only uses the param_attr transform for weight_attr/bias_attr: without those
# arguments (or with bias_attr=False) the table's own rules apply. Weights are copied by name; only Linear's
# weight is transposed ([in, out] in Paddle, [out, in] in torch).
WEIGHTED_CASES = {
    "Conv1D": (
        "paddle.nn.Conv1D",
        {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1},
        X4[:, :, 0],
    ),
    "Conv2D_no_bias": (
        "paddle.nn.Conv2D",
        {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2, "bias_attr": False},
        X4,
    ),
    "Conv2D_groups_dilation": (
        "paddle.nn.Conv2D",
        {"in_channels": 3, "out_channels": 6, "kernel_size": 2, "dilation": 2, "groups": 3},
        X4,
    ),
    "Conv3D": (
        "paddle.nn.Conv3D",
        {"in_channels": 3, "out_channels": 2, "kernel_size": 2},
        np.repeat(X4[:, :, None], 3, axis=2),
    ),
    "Conv2DTranspose_order": (
        "paddle.nn.Conv2DTranspose",
        {
            "in_channels": 3,
            "out_channels": 4,
            "kernel_size": 3,
            "stride": 2,
            "output_padding": 1,
            "dilation": 1,
            "groups": 1,
        },
        X4,
    ),
    "Conv1DTranspose": (
        "paddle.nn.Conv1DTranspose",
        {"in_channels": 3, "out_channels": 2, "kernel_size": 2},
        X4[:, :, 0],
    ),
    "Linear_transposed_weight": ("paddle.nn.Linear", {"in_features": 6, "out_features": 4}, X4),
    "Linear_no_bias": ("paddle.nn.Linear", {"in_features": 6, "out_features": 4, "bias_attr": False}, X4),
}


@pytest.mark.parametrize(("path", "init", "x"), WEIGHTED_CASES.values(), ids=WEIGHTED_CASES.keys())
def test_weighted_layers_compute_the_same_with_copied_weights(path, init, x):
    entry = TABLE.lookup(path)
    assert entry.transform == "param_attr" and not {"weight_attr"} & set(init)
    paddle_layer = resolve(path)(**init)
    torch_layer = resolve(entry.torch)(**translate(entry, init))
    state = {name: value.numpy() for name, value in paddle_layer.state_dict().items()}
    assert set(state) == set(torch_layer.state_dict())
    if path == "paddle.nn.Linear":
        state["weight"] = state["weight"].T
    torch_layer.load_state_dict({name: torch.from_numpy(value.copy()) for name, value in state.items()})
    expected = paddle_layer(paddle.to_tensor(x)).numpy()
    actual = torch_layer(torch.from_numpy(x.copy())).detach().numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)
