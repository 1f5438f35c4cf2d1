"""Elementwise comparison: what passes, what must fail, and the messages for structure mismatches."""

import numpy as np
import pytest

from porter.verify.compare import (
    Tolerance,
    compare_arrays,
    compare_outputs,
    render_table,
    tolerance_for,
)

F32 = tolerance_for("float32")


def _ref(shape=(4, 8), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.mark.parametrize(
    ("dtype", "rtol"),
    [("float32", 1e-5), ("float64", 1e-10)],
)
def test_default_tolerance_per_dtype(dtype, rtol):
    assert tolerance_for(dtype) == Tolerance(rtol=rtol, atol=0.0)


def test_overrides_replace_the_defaults():
    assert tolerance_for("float64", rtol=1e-6, atol=1e-9) == Tolerance(rtol=1e-6, atol=1e-9)


def test_unknown_dtype_is_a_clear_error():
    with pytest.raises(ValueError, match="no default tolerance for dtype 'float16'"):
        tolerance_for("float16")


def test_float_noise_within_the_output_scale_passes():
    ref = _ref().astype("float64")
    noisy = ref + 1e-6 * np.abs(ref).max() * np.sign(_ref(seed=1))
    metrics = compare_arrays("out", ref, noisy, F32)
    assert metrics.passed
    assert metrics.max_rel == pytest.approx(1e-6, rel=1e-2)


def test_error_just_above_the_bound_fails():
    ref = _ref()
    other = ref.copy()
    other[2, 3] += 2e-5 * np.abs(ref).max()
    metrics = compare_arrays("out", ref, other, F32)
    assert not metrics.passed
    assert metrics.worst_index == (2, 3)
    assert metrics.mismatch_share == pytest.approx(1 / ref.size)


def test_float64_rule_rejects_float32_sized_noise():
    ref = _ref().astype("float64")
    other = ref * (1 + 1e-7)
    assert compare_arrays("out", ref, other, F32).passed
    assert not compare_arrays("out", ref, other, tolerance_for("float64")).passed


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda a: a[::-1].copy(), id="rows-permuted"),
        pytest.param(lambda a: a[:, ::-1].copy(), id="columns-permuted"),
        pytest.param(lambda a: -a, id="sign-flipped"),
        pytest.param(lambda a: np.roll(a, 1), id="shifted-by-one"),
    ],
)
def test_permuted_or_sign_flipped_outputs_fail_although_norms_agree(corrupt):
    ref = _ref()
    other = corrupt(ref)
    assert np.linalg.norm(other) == pytest.approx(np.linalg.norm(ref))  # a norm/mean check would pass
    metrics = compare_arrays("out", ref, other, F32)
    assert not metrics.passed
    assert metrics.max_rel > 0.1
    assert metrics.cosine < 0.9


def test_sign_flip_has_cosine_minus_one():
    ref = _ref()
    assert compare_arrays("out", ref, -ref, F32).cosine == pytest.approx(-1.0)


def test_shape_mismatch_fails_with_both_shapes():
    metrics = compare_arrays("out", np.zeros((1, 10)), np.zeros((1, 12)), F32)
    assert not metrics.passed
    assert metrics.problem == "shape [1, 10] (paddle) vs [1, 12] (torch)"


def test_dtype_mismatch_fails():
    metrics = compare_arrays("out", np.zeros(3, "float64"), np.zeros(3, "float32"), F32)
    assert not metrics.passed
    assert "dtype float64 (paddle) vs float32 (torch)" in metrics.problem


def test_integer_outputs_must_be_equal():
    assert compare_arrays("ids", np.array([1, 2, 3]), np.array([1, 2, 3]), F32).passed
    assert not compare_arrays("ids", np.array([1, 2, 3]), np.array([1, 2, 4]), F32).passed


def test_all_zero_reference_only_accepts_zeros():
    assert compare_arrays("z", np.zeros(4), np.zeros(4), F32).passed
    assert not compare_arrays("z", np.zeros(4), np.array([0, 0, 1e-30, 0]), F32).passed


def test_matching_nans_pass_and_mismatched_nans_fail():
    ref = np.array([1.0, np.nan, 3.0])
    assert compare_arrays("n", ref, ref.copy(), F32).passed
    result = compare_arrays("n", ref, np.array([1.0, 2.0, 3.0]), F32)
    assert not result.passed
    assert "non-finite" in result.problem


def test_nested_outputs_compare_leaf_by_leaf():
    ref = {"logits": _ref(), "aux": (_ref(seed=2), [_ref(seed=3)])}
    other = {"aux": (_ref(seed=2), [-_ref(seed=3)]), "logits": _ref()}  # key order must not matter
    comparison = compare_outputs(ref, other, F32)
    assert [m.name for m in comparison.metrics] == [
        "output['aux'][0]",
        "output['aux'][1][0]",
        "output['logits']",
    ]
    assert [m.passed for m in comparison.metrics] == [True, False, True]
    assert not comparison.passed


@pytest.mark.parametrize(
    ("ref", "other", "message"),
    [
        pytest.param(
            (np.zeros(2),),
            (np.zeros(2), np.zeros(2)),
            "at output: paddle gives tuple of 1, torch gives tuple of 2",
            id="length",
        ),
        pytest.param(
            {"a": np.zeros(2)},
            {"b": np.zeros(2)},
            "dict keys differ; only in paddle: ['a'], only in torch: ['b']",
            id="keys",
        ),
        pytest.param(
            [np.zeros(2), np.zeros(2)],
            [np.zeros(2), {"x": np.zeros(2)}],
            "at output[1]: paddle gives tensor, torch gives dict",
            id="nested-kind",
        ),
        pytest.param(
            np.zeros(2),
            [np.zeros(2)],
            "at output: paddle gives tensor, torch gives list of 1",
            id="tensor-vs-list",
        ),
    ],
)
def test_structure_mismatch_names_the_place(ref, other, message):
    comparison = compare_outputs(ref, other, F32)
    assert not comparison.passed
    assert message in comparison.structure_error


def test_tuple_and_list_of_the_same_tensors_match():
    ref = _ref()
    assert compare_outputs((ref, ref), [ref, ref], F32).passed


def test_framework_tensors_are_accepted():
    import paddle
    import torch

    ref = _ref()
    assert compare_outputs(paddle.to_tensor(ref), torch.from_numpy(ref.copy()), F32).passed


def test_table_lists_failures_first_with_metrics():
    ref = {"a": _ref(), "b": _ref(seed=4)}
    other = {"a": _ref(), "b": -_ref(seed=4)}
    table = render_table(compare_outputs(ref, other, F32), failures_first=True)
    lines = table.splitlines()
    assert "max abs" in lines[0] and "cosine" in lines[0] and "worst index" in lines[0]
    assert lines[1].split()[:2] == ["output['b']", "FAIL"]
    assert lines[2].split()[:2] == ["output['a']", "ok"]
