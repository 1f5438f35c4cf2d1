"""Elementwise comparison of two model outputs (tensors, or nested tuples/lists/dicts of them).

The Paddle side is the reference. A tensor passes when every element satisfies
``|paddle - torch| <= atol + rtol * scale`` where ``scale = max|paddle|`` over that tensor: error is
judged against the size of the output, so a near-zero element does not make a tiny absolute
difference look like a large relative one. Means or sums are never compared: a permuted or
sign-flipped output keeps its mean and norm but fails here elementwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

# float32 carries ~7 significant digits; a correct port of a deep net stays within ~1e-6 of the
# output scale, so 1e-5 leaves room for summation-order noise while a wrong op is far above it.
# float64 noise is ~1e-15; 1e-10 separates it from any real difference by orders of magnitude.
DEFAULT_RTOL = {"float32": 1e-5, "float64": 1e-10}


class StructureMismatch(ValueError):
    """The two outputs are not the same nesting of tensors."""


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float = 0.0

    def bound(self, scale: float) -> float:
        return self.atol + self.rtol * scale

    def describe(self) -> str:
        text = f"|diff| <= {self.rtol:g} x max|paddle|"
        return text + (f" + {self.atol:g}" if self.atol else "")


def tolerance_for(dtype: str, *, rtol: float | None = None, atol: float | None = None) -> Tolerance:
    if dtype not in DEFAULT_RTOL:
        raise ValueError(f"no default tolerance for dtype {dtype!r}; known: {', '.join(DEFAULT_RTOL)}")
    return Tolerance(rtol=DEFAULT_RTOL[dtype] if rtol is None else rtol, atol=0.0 if atol is None else atol)


def to_numpy(value: Any) -> np.ndarray:
    """A torch or Paddle tensor, numpy array or Python scalar as a numpy array (a copy for tensors)."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach"):  # torch.Tensor and paddle.Tensor both spell it this way
        return np.array(value.detach().cpu().numpy(), copy=True)
    if isinstance(value, (bool, int, float, np.generic)):
        return np.asarray(value)
    raise TypeError(f"cannot compare a {type(value).__name__}; outputs must be tensors or containers of them")


def largest_magnitude(array: np.ndarray) -> float:
    """The largest magnitude in ``array`` (0 for an empty one): the scale errors are judged against."""
    return float(np.max(np.abs(array))) if array.size else 0.0


def is_tensor(value: Any) -> bool:
    return isinstance(value, np.ndarray) or hasattr(value, "detach")


def flatten(value: Any, path: str = "output") -> Iterator[tuple[str, Any]]:
    """(path, leaf) pairs in a fixed order; dict keys are sorted so both sides line up; None is skipped."""
    if value is None:
        return
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            yield from flatten(value[key], f"{path}[{key!r}]")
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from flatten(item, f"{path}[{index}]")
    else:
        yield path, value


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__} of {len(value)}"
    if value is None:
        return "None"
    return "tensor" if is_tensor(value) else type(value).__name__


def check_structure(reference: Any, other: Any, path: str = "output") -> None:
    """Raise StructureMismatch naming the first place where the two nestings differ."""
    if isinstance(reference, Mapping) and isinstance(other, Mapping):
        missing = sorted(map(str, set(reference) - set(other)))
        extra = sorted(map(str, set(other) - set(reference)))
        if missing or extra:
            raise StructureMismatch(
                f"at {path}: dict keys differ; only in paddle: {missing or '-'}, only in torch: {extra or '-'}"
            )
        for key in reference:
            check_structure(reference[key], other[key], f"{path}[{key!r}]")
        return
    both_sequences = isinstance(reference, (tuple, list)) and isinstance(other, (tuple, list))
    if both_sequences and len(reference) == len(other):
        for index, (a, b) in enumerate(zip(reference, other, strict=True)):
            check_structure(a, b, f"{path}[{index}]")
        return
    if not both_sequences and is_tensor(reference) == is_tensor(other) and _kind(reference) == _kind(other):
        return
    raise StructureMismatch(f"at {path}: paddle gives {_kind(reference)}, torch gives {_kind(other)}")


@dataclass(frozen=True)
class TensorMetrics:
    """How far one torch tensor is from its Paddle counterpart."""

    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float  # max_abs / scale
    cosine: float
    mismatch_share: float  # share of elements beyond the bound
    worst_index: tuple[int, ...]
    scale: float  # max |paddle| (or the larger scale the caller judged it against)
    bound: float  # allowed |diff|
    passed: bool
    problem: str = ""  # shape/dtype/non-finite mismatch, in words

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _failed(name: str, shape: tuple[int, ...], problem: str) -> TensorMetrics:
    inf = float("inf")
    return TensorMetrics(name, shape, inf, inf, float("nan"), 1.0, (), float("nan"), 0.0, False, problem)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a == 0 and norm_b == 0:
        return 1.0
    if norm_a == 0 or norm_b == 0:
        return 0.0
    return float(np.dot(a, b) / (norm_a * norm_b))


def compare_arrays(
    name: str, reference: Any, other: Any, tolerance: Tolerance, *, scale: float | None = None
) -> TensorMetrics:
    """``scale`` defaults to max|reference|; callers judging a tensor against a larger context pass it."""
    ref, oth = to_numpy(reference), to_numpy(other)
    if ref.shape != oth.shape:
        return _failed(name, ref.shape, f"shape {list(ref.shape)} (paddle) vs {list(oth.shape)} (torch)")
    if ref.dtype != oth.dtype:
        return _failed(name, ref.shape, f"dtype {ref.dtype} (paddle) vs {oth.dtype} (torch)")
    exact = not np.issubdtype(ref.dtype, np.floating)
    a, b = ref.astype(np.float64).ravel(), oth.astype(np.float64).ravel()
    finite = np.isfinite(a) & np.isfinite(b)
    # Non-finite values must sit at the same places with the same value (nan == nan here).
    nonfinite_equal = np.array_equal(a[~finite], b[~finite], equal_nan=True)
    a_f, b_f = np.where(finite, a, 0.0), np.where(finite, b, 0.0)
    diff = np.abs(a_f - b_f)
    own_scale = largest_magnitude(a_f)
    scale = own_scale if scale is None else max(scale, own_scale)
    bound = 0.0 if exact else tolerance.bound(scale)
    beyond = diff > bound
    if not nonfinite_equal:
        beyond |= ~finite
    max_abs = float(diff.max()) if diff.size else 0.0
    worst = np.unravel_index(int(np.argmax(diff)), ref.shape) if diff.size else ()
    # An all-zero reference has no scale: any difference at all is infinitely large relative to it.
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    problem = "" if nonfinite_equal else "non-finite values (nan/inf) differ between the sides"
    return TensorMetrics(
        name=name,
        shape=tuple(ref.shape),
        max_abs=max_abs,
        max_rel=max_rel,
        cosine=_cosine(a_f, b_f),
        mismatch_share=float(beyond.mean()) if beyond.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        scale=scale,
        bound=bound,
        passed=nonfinite_equal and max_abs <= bound,
        problem=problem,
    )


@dataclass(frozen=True)
class Comparison:
    """Every tensor of one output structure (or one set of gradients/weights)."""

    metrics: tuple[TensorMetrics, ...]
    tolerance: Tolerance
    structure_error: str = ""

    @property
    def passed(self) -> bool:
        return not self.structure_error and all(m.passed for m in self.metrics)

    @property
    def worst(self) -> TensorMetrics | None:
        return max(self.metrics, key=lambda m: (not m.passed, m.max_rel), default=None)

    def failures(self) -> list[TensorMetrics]:
        return [m for m in self.metrics if not m.passed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "tolerance": asdict(self.tolerance),
            "structure_error": self.structure_error,
            "tensors": [m.to_dict() for m in self.metrics],
        }


def compare_outputs(reference: Any, other: Any, tolerance: Tolerance, root: str = "output") -> Comparison:
    """Compare two nested outputs leaf by leaf; a structure mismatch is a failure, not an exception."""
    try:
        check_structure(reference, other, root)
    except StructureMismatch as error:
        return Comparison(metrics=(), tolerance=tolerance, structure_error=str(error))
    pairs = zip(flatten(reference, root), flatten(other, root), strict=True)
    return Comparison(
        metrics=tuple(compare_arrays(name, a, b, tolerance) for (name, a), (_, b) in pairs),
        tolerance=tolerance,
    )


def resolution_floor(reference: Mapping[str, Any]) -> float:
    """The smallest difference the model's own arithmetic can resolve: eps(dtype) x its largest value.

    A tensor that is zero in exact arithmetic (the gradient of a conv bias followed by BatchNorm in
    train mode, hence that bias after training) comes out as pure rounding noise of this size on
    both sides; relative to its own "scale" (the noise) it would always look 100% wrong.
    """
    arrays = [to_numpy(v) for v in reference.values()]
    floating = [a for a in arrays if np.issubdtype(a.dtype, np.floating) and a.size]
    if not floating:
        return 0.0
    eps = max(float(np.finfo(a.dtype).eps) for a in floating)
    return eps * max(largest_magnitude(a) for a in floating)


def compare_named(reference: Mapping[str, Any], other: Mapping[str, Any], tolerance: Tolerance) -> Comparison:
    """Compare two dicts of tensors with identical keys (gradients, weights), in reference order.

    Differences below ``resolution_floor(reference)`` are not measurable and pass.
    """
    if set(reference) != set(other):
        missing, extra = sorted(set(reference) - set(other)), sorted(set(other) - set(reference))
        return Comparison((), tolerance, f"names differ; only in paddle: {missing}, only in torch: {extra}")
    floored = Tolerance(rtol=tolerance.rtol, atol=max(tolerance.atol, resolution_floor(reference)))
    return Comparison(tuple(compare_arrays(k, reference[k], other[k], floored) for k in reference), floored)


def render_table(comparison: Comparison, *, limit: int | None = None, failures_first: bool = False) -> str:
    """One line per tensor: verdict, max abs/rel error, cosine, share out of tolerance, worst index."""
    if comparison.structure_error:
        return f"  STRUCTURE MISMATCH {comparison.structure_error}"
    rows = list(comparison.metrics)
    if failures_first:
        rows.sort(key=lambda m: (m.passed, -m.max_rel if m.max_rel == m.max_rel else 0))
    shown = rows if limit is None else rows[:limit]
    width = max([len(m.name) for m in shown] + [6])
    lines = [f"  {'tensor':<{width}}  ok    max abs    max rel    cosine     out-of-tol  worst index"]
    for m in shown:
        verdict = "ok" if m.passed else "FAIL"
        if m.problem and not np.isfinite(m.max_abs):
            lines.append(f"  {m.name:<{width}}  {verdict:<4}  {m.problem}")
            continue
        lines.append(
            f"  {m.name:<{width}}  {verdict:<4}  {m.max_abs:9.3e}  {m.max_rel:9.3e}  {m.cosine:9.7f}  "
            f"{m.mismatch_share:10.3%}  {list(m.worst_index)}" + (f"  {m.problem}" if m.problem else "")
        )
    if limit is not None and len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)
