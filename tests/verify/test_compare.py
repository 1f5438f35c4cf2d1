"""Elementwise comparison: what passes, what must fail, and the messages for structure mismatches."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from porter.verify.compare import (
    FLOAT32,
    FLOAT64,
    STRICT_RTOL,
    Observed,
    Tolerance,
    compare_arrays,
    compare_outputs,
    judge,
    render_table,
)

F32 = Tolerance(rtol=1e-5)  # a fixed float32 bound, as the fallback uses
F64 = Tolerance()


def _ref(shape=(4, 8), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def test_the_default_bound_is_the_strict_float64_one():
    assert Tolerance() == Tolerance(rtol=STRICT_RTOL, atol=0.0) == Tolerance(rtol=1e-10)


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
    assert not compare_arrays("out", ref, other, F64).passed


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
    assert (
        "max abs" in lines[0]
        and "of bound" in lines[0]
        and "cosine" in lines[0]
        and "worst index" in lines[0]
    )
    assert lines[1].split()[:2] == ["output['b']", "FAIL"]
    assert lines[2].split()[:2] == ["output['a']", "ok"]


# --- the float32 check: the difference must be explained by each side's own rounding ---------------


def _sides(seed=0, shape=(4, 8)):
    """A float64 "exact" result and both sides' float32 results with independent rounding."""
    rng = np.random.default_rng(seed)
    exact = rng.standard_normal(shape)
    paddle32 = (exact * (1 + 3e-7 * rng.standard_normal(shape))).astype("float32")
    torch32 = (exact * (1 + 3e-7 * rng.standard_normal(shape))).astype("float32")
    return exact, paddle32, torch32


def test_a_float32_difference_within_both_sides_rounding_passes():
    exact, paddle32, torch32 = _sides()
    metrics = compare_arrays("out", paddle32, torch32, F64, own_float64=(exact, exact))
    assert metrics.passed
    assert metrics.max_rel > 1e-7  # far beyond the float64 bound: only the rounding explains it
    assert metrics.rounding[0] > 0 and metrics.rounding[1] > 0
    assert 0 < metrics.bound_use <= 1


def test_a_float32_difference_beyond_the_rounding_fails_where_it_happens():
    exact, paddle32, torch32 = _sides()
    torch64 = exact.copy()
    torch64[1, 2] *= 1 + 1e-5  # a bug of 1e-5 in one element (in torch's function: both dtypes carry it)
    torch32 = torch32.copy()
    torch32[1, 2] = np.float32(torch64[1, 2])
    metrics = compare_arrays("out", paddle32, torch32, F64, own_float64=(exact, torch64))
    assert not metrics.passed
    assert metrics.worst_index == (1, 2)
    assert metrics.mismatch_share == pytest.approx(1 / paddle32.size)


def test_a_float32_only_deviation_counts_as_that_side_s_rounding():
    # torch32 far from torch64 while torch64 equals paddle64: whatever torch's float32 arithmetic did,
    # it is torch's own rounding, which the float32 check accepts (the float64 proof holds).
    exact, paddle32, torch32 = _sides()
    torch32 = torch32 * np.float32(1 + 1e-5)
    metrics = compare_arrays("out", paddle32, torch32, F64, own_float64=(exact, exact))
    assert metrics.passed
    assert metrics.rounding[1] > 5e-6


def test_a_bug_does_not_enlarge_its_own_allowance():
    # The bug is in torch's function, so torch's float64 result carries it too: torch32 - torch64 stays
    # rounding-sized and cannot explain torch32 - paddle32.
    exact, paddle32, torch32 = _sides()
    buggy64 = exact * (1 + 1e-5)
    buggy32 = (buggy64 * (1 + 3e-7 * np.random.default_rng(3).standard_normal(exact.shape))).astype("float32")
    metrics = compare_arrays("out", paddle32, buggy32, F64, own_float64=(exact, buggy64))
    assert not metrics.passed
    assert max(metrics.rounding) < 1e-6


@settings(max_examples=300, deadline=None)
@given(
    paddle64=arrays(np.float64, 6, elements=st.floats(-1e3, 1e3)),
    torch_offset=arrays(np.float64, 6, elements=st.floats(-1, 1)),
    paddle_rounding=arrays(np.float64, 6, elements=st.floats(-1e-2, 1e-2)),
    torch_rounding=arrays(np.float64, 6, elements=st.floats(-1e-2, 1e-2)),
)
def test_a_port_that_passes_float64_passes_float32_whatever_the_rounding(
    paddle64, torch_offset, paddle_rounding, torch_rounding
):
    """The triangle inequality |t32-p32| <= |t32-t64| + |t64-p64| + |p64-p32|: with the float64 bound as
    its floor, the float32 check cannot fail a port that the float64 check passes, on any machine."""
    scale = float(np.abs(paddle64).max())
    torch64 = paddle64 + torch_offset * F64.bound(scale)  # within the float64 bound
    paddle32 = (paddle64 + paddle_rounding * scale).astype("float32")
    torch32 = (torch64 + torch_rounding * scale).astype("float32")
    assume(compare_arrays("out", paddle64, torch64, F64).passed)
    assert compare_arrays("out", paddle32, torch32, F64, own_float64=(paddle64, torch64)).passed


def test_judge_gives_the_float32_check_the_float64_bound_as_its_floor():
    exact = {"w": np.array([1.0, -2.0, 0.5])}
    same32 = {"w": exact["w"].astype("float32")}
    # torch64 off by half the float64 bound, with no float32 rounding on either side to explain it
    torch64 = {"w": exact["w"] + 0.5e-10 * 2.0 * np.array([1.0, 0.0, 0.0])}
    float64 = Observed(exact, torch64)
    assert judge(FLOAT64, F64, float64).passed
    float32 = Observed(same32, {"w": same32["w"] + np.float32(0)})
    assert judge(FLOAT32, F64, float32, float64).passed
    buggy64 = {"w": exact["w"] * (1 + 1e-6)}  # a real difference: in the function, so in both dtypes
    far = Observed(same32, {"w": buggy64["w"].astype("float32")})
    comparison = judge(FLOAT32, F64, far, Observed(exact, buggy64))
    assert not comparison.passed and comparison.check == FLOAT32
    assert "rounding p / t" in render_table(comparison)
