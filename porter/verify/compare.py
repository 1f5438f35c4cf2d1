"""Elementwise comparison of what two models computed, under the three checks porter's verdict uses.

The Paddle side is the reference. Every check bounds ``|paddle - torch|`` element by element (means,
sums or norms are never compared: a permuted or sign-flipped output keeps them all and is wrong):

* ``float64``, the proof: ``|t64 - p64| <= rtol * scale + atol``, ``scale = max|p64|`` over the
  tensor (so a near-zero element does not turn a tiny difference into a huge relative one), rtol
  ``STRICT_RTOL``.
* ``float32``, what users run, judged by the rounding each framework shows in the same run:
  ``|t32 - p32| <= |p32 - p64| + |t32 - t64| + (the float64 bound)``. Each side's rounding is that
  side against itself in float64, so a porting bug does not enlarge it; and by the triangle
  inequality ``|t32 - p32| <= |t32 - t64| + |t64 - p64| + |p64 - p32|`` a port that passes the float64
  check passes this one on every machine (docs/verify.md, "The verdict").
* ``float32 fixed``: ``|t32 - p32| <= FIXED_FLOAT32_RTOL * scale``, only where float64 cannot run on
  a side, and reported as depending on the machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

FLOAT64 = "float64"
FLOAT32 = "float32"
FIXED32 = "float32 fixed"

# float64 rounding of a correct port, measured on the registry models (docs/verify.md): forward at most
# 4e-14 in every environment, gradients 8e-15, training 3.3e-13 where train-mode BatchNorm sees enough
# values per channel. The smallest planted bug in the battery is 1e-6 of its output. 1e-10 sits three
# decades from each.
STRICT_RTOL = 1e-10
# Only when a side cannot run float64 (docs/verify.md, "When float64 cannot run"): the old fixed bound,
# which a deep network's own float32 rounding can exceed on some CPUs.
FIXED_FLOAT32_RTOL = 1e-5


class StructureMismatch(ValueError):
    """The two outputs are not the same nesting of tensors."""


@dataclass(frozen=True)
class Tolerance:
    rtol: float = STRICT_RTOL
    atol: float = 0.0

    def bound(self, scale: float) -> float:
        return self.atol + self.rtol * scale

    def describe(self) -> str:
        text = f"{self.rtol:g} x max|paddle|"
        return text + (f" + {self.atol:.1e}" if self.atol else "")


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
    """How far one torch tensor is from its Paddle counterpart under one check."""

    name: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float  # max_abs / scale
    cosine: float
    mismatch_share: float  # share of elements beyond their bound
    worst_index: tuple[int, ...]  # the element that uses most of its bound
    scale: float  # max |paddle| (or the larger scale the caller judged it against)
    bound_use: float  # max over elements of |diff| / bound: the tensor passes when it is <= 1
    passed: bool
    problem: str = ""  # shape/dtype/non-finite mismatch, in words
    # float32 check: each side's own rounding, max |p32 - p64| and max |t32 - t64|, relative to scale
    rounding: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _failed(name: str, shape: tuple[int, ...], problem: str) -> TensorMetrics:
    inf = float("inf")
    return TensorMetrics(name, shape, inf, inf, float("nan"), 1.0, (), float("nan"), inf, False, problem)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm_a, norm_b = np.linalg.norm(a), np.linalg.norm(b)
    if norm_a == 0 and norm_b == 0:
        return 1.0
    if norm_a == 0 or norm_b == 0:
        return 0.0
    return float(np.dot(a, b) / (norm_a * norm_b))


def _mismatch(name: str, reference: np.ndarray, other: np.ndarray) -> TensorMetrics | None:
    """A failed metric when shapes or dtypes differ, else None."""
    if reference.shape != other.shape:
        return _failed(
            name, reference.shape, f"shape {list(reference.shape)} (paddle) vs {list(other.shape)} (torch)"
        )
    if reference.dtype != other.dtype:
        return _failed(name, reference.shape, f"dtype {reference.dtype} (paddle) vs {other.dtype} (torch)")
    return None


def _finite_or_zero(array: np.ndarray) -> np.ndarray:
    """A flat float64 copy with nan/inf replaced by 0."""
    values = np.array(array, dtype=np.float64).ravel()
    values[~np.isfinite(values)] = 0.0
    return values


def compare_arrays(
    name: str,
    reference: Any,
    other: Any,
    tolerance: Tolerance,
    *,
    scale: float | None = None,
    own_float64: tuple[Any, Any] | None = None,
) -> TensorMetrics:
    """One tensor under a fixed bound, or under the float32 check when ``own_float64`` is given.

    ``scale`` defaults to max|reference|; callers judging a tensor against a larger context pass it.
    ``own_float64`` = (paddle64, torch64): the same tensor computed by each side in float64. Then the
    bound of element i is ``|p32 - p64|_i + |t32 - t64|_i + tolerance.bound(max|p64|)``.
    """
    ref, oth = to_numpy(reference), to_numpy(other)
    failed = _mismatch(name, ref, oth)
    if failed:
        return failed
    exact = not np.issubdtype(ref.dtype, np.floating)
    # float64 working copies, updated in place: a few arrays the size of the tensor (VGG's first
    # Linear has 1e8 weights).
    a, b = _finite_or_zero(ref), _finite_or_zero(oth)
    # Non-finite values must sit at the same places with the same value (nan == nan here).
    nonfinite = ~(np.isfinite(ref) & np.isfinite(oth)).ravel()
    nonfinite_equal = np.array_equal(ref.ravel()[nonfinite], oth.ravel()[nonfinite], equal_nan=True)
    diff = np.abs(a - b)
    own_scale = largest_magnitude(a)
    scale = own_scale if scale is None else max(scale, own_scale)
    cosine = _cosine(a, b)
    rounding = None
    if exact:
        bound: np.ndarray | float = 0.0
    elif own_float64 is None:
        bound = tolerance.bound(scale)
    else:
        p64, t64 = (to_numpy(v) for v in own_float64)
        if p64.shape != ref.shape or t64.shape != oth.shape:
            problem = (
                f"float64 shapes {list(p64.shape)} (paddle) / {list(t64.shape)} (torch) differ from float32's"
            )
            return _failed(name, ref.shape, problem)
        p64_f = _finite_or_zero(p64)
        floor = tolerance.bound(max(scale, largest_magnitude(p64_f)))
        a -= p64_f  # a is now paddle's own rounding, p32 - p64
        del p64_f
        b -= _finite_or_zero(t64)  # and b torch's, t32 - t64
        np.abs(a, out=a)
        np.abs(b, out=b)
        rounding = (largest_magnitude(a) / scale, largest_magnitude(b) / scale) if scale > 0 else (0.0, 0.0)
        a += b
        a += floor
        bound = a
    del b
    beyond = diff > bound
    if not nonfinite_equal:
        beyond |= nonfinite
    max_abs = float(diff.max()) if diff.size else 0.0
    # |diff| / bound per element, 0 where they agree exactly; inf where the bound is 0 and they do not
    with np.errstate(divide="ignore", invalid="ignore"):
        use = np.divide(diff, bound, out=np.zeros_like(diff), where=diff > 0)
    use[(diff > 0) & ~np.isfinite(use)] = np.inf
    worst = np.unravel_index(int(np.argmax(use)), ref.shape) if diff.size else ()
    # An all-zero reference has no scale: any difference at all is infinitely large relative to it.
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else float("inf"))
    problem = "" if nonfinite_equal else "non-finite values (nan/inf) differ between the sides"
    return TensorMetrics(
        name=name,
        shape=tuple(ref.shape),
        max_abs=max_abs,
        max_rel=max_rel,
        cosine=cosine,
        mismatch_share=float(beyond.mean()) if beyond.size else 0.0,
        worst_index=tuple(int(i) for i in worst),
        scale=scale,
        bound_use=float(use.max()) if use.size else 0.0,
        passed=nonfinite_equal and not beyond.any(),
        problem=problem,
        rounding=rounding,
    )


@dataclass(frozen=True)
class Comparison:
    """Every tensor of one section (outputs, gradients or trained weights) under one check."""

    check: str  # FLOAT64 | FLOAT32 | FIXED32
    metrics: tuple[TensorMetrics, ...]
    tolerance: Tolerance  # float64 bound (also the float32 check's floor), or the fixed float32 one
    structure_error: str = ""

    @property
    def passed(self) -> bool:
        return not self.structure_error and all(m.passed for m in self.metrics)

    @property
    def worst(self) -> TensorMetrics | None:
        return max(self.metrics, key=lambda m: (not m.passed, m.bound_use, m.max_rel), default=None)

    def failures(self) -> list[TensorMetrics]:
        return [m for m in self.metrics if not m.passed]

    def describe(self) -> str:
        """The bound in words."""
        if self.check == FLOAT32:
            return f"|t32-p32| <= |p32-p64| + |t32-t64| + {self.tolerance.describe()}, elementwise"
        return f"|torch-paddle| <= {self.tolerance.describe()}, elementwise"

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "passed": self.passed,
            "bound": self.describe(),
            "tolerance": asdict(self.tolerance),
            "structure_error": self.structure_error,
            "tensors": [m.to_dict() for m in self.metrics],
        }


@dataclass(frozen=True)
class Observed:
    """What both sides computed for one section in one dtype: tensors by name, Paddle's first.

    ``scales`` gives tensors judged against a larger context than their own magnitude (see
    ``train.layer_scales``); ``structure_error`` says why there is nothing to compare.
    """

    paddle: dict[str, np.ndarray]
    torch: dict[str, np.ndarray]
    structure_error: str = ""
    scales: Mapping[str, float] | None = None


def observe_outputs(paddle_output: Any, torch_output: Any, root: str = "output") -> Observed:
    """Nested outputs as an ``Observed``; a structure mismatch is recorded, not raised."""
    try:
        check_structure(paddle_output, torch_output, root)
    except StructureMismatch as error:
        return Observed({}, {}, str(error))
    return Observed(
        {name: to_numpy(v) for name, v in flatten(paddle_output, root)},
        {name: to_numpy(v) for name, v in flatten(torch_output, root)},
    )


def observe_named(paddle: Mapping[str, Any], torch: Mapping[str, Any], scales=None) -> Observed:
    """Two dicts of tensors that must have the same names (gradients, weights), in Paddle's order."""
    if set(paddle) != set(torch):
        missing, extra = sorted(set(paddle) - set(torch)), sorted(set(torch) - set(paddle))
        return Observed({}, {}, f"names differ; only in paddle: {missing}, only in torch: {extra}")
    return Observed(dict(paddle), {k: torch[k] for k in paddle}, scales=scales)


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


def judge(
    check: str, tolerance: Tolerance, observed: Observed, float64: Observed | None = None
) -> Comparison:
    """One check over one section.

    ``FLOAT64`` and ``FIXED32`` compare ``observed`` against ``tolerance``; ``FLOAT32`` compares the
    float32 ``observed`` with the float64 run ``float64`` as each side's rounding, with the float64
    bound (``tolerance`` and the float64 resolution floor) as the floor, so that its bound is never
    below the float64 check's.
    """
    if observed.structure_error or (float64 is not None and float64.structure_error):
        return Comparison(check, (), tolerance, observed.structure_error or float64.structure_error)
    reference = float64.paddle if check == FLOAT32 else observed.paddle
    floored = Tolerance(tolerance.rtol, max(tolerance.atol, resolution_floor(reference)))
    scales = observed.scales or {}
    metrics = []
    for name, paddle_value in observed.paddle.items():
        own = (float64.paddle[name], float64.torch[name]) if check == FLOAT32 else None
        metrics.append(
            compare_arrays(
                name, paddle_value, observed.torch[name], floored, scale=scales.get(name), own_float64=own
            )
        )
    return Comparison(check, tuple(metrics), floored)


def compare_outputs(reference: Any, other: Any, tolerance: Tolerance, root: str = "output") -> Comparison:
    """Two nested outputs under a fixed bound (no resolution floor): the per-layer check of ``locate``."""
    observed = observe_outputs(reference, other, root)
    if observed.structure_error:
        return Comparison(FLOAT64, (), tolerance, observed.structure_error)
    metrics = tuple(
        compare_arrays(name, value, observed.torch[name], tolerance)
        for name, value in observed.paddle.items()
    )
    return Comparison(FLOAT64, metrics, tolerance)


def render_table(comparison: Comparison, *, limit: int | None = None, failures_first: bool = False) -> str:
    """One line per tensor: verdict, max abs/rel error, share of the bound used, cosine, worst index."""
    if comparison.structure_error:
        return f"  STRUCTURE MISMATCH {comparison.structure_error}"
    rows = list(comparison.metrics)
    if failures_first:
        rows.sort(key=lambda m: (m.passed, -m.bound_use if m.bound_use == m.bound_use else 0))
    shown = rows if limit is None else rows[:limit]
    width = max([len(m.name) for m in shown] + [6])
    calibrated = comparison.check == FLOAT32
    own = "  rounding p / t       " if calibrated else ""
    lines = [
        f"  {'tensor':<{width}}  ok    max abs    max rel    of bound{own}  cosine     out-of-bound  worst index"
    ]
    for m in shown:
        verdict = "ok" if m.passed else "FAIL"
        if m.problem and not np.isfinite(m.max_abs):
            lines.append(f"  {m.name:<{width}}  {verdict:<4}  {m.problem}")
            continue
        rounding = f"  {m.rounding[0]:9.3e} / {m.rounding[1]:9.3e}" if calibrated and m.rounding else ""
        lines.append(
            f"  {m.name:<{width}}  {verdict:<4}  {m.max_abs:9.3e}  {m.max_rel:9.3e}  {m.bound_use:8.2g}{rounding}  "
            f"{m.cosine:9.7f}  {m.mismatch_share:12.3%}  {list(m.worst_index)}"
            + (f"  {m.problem}" if m.problem else "")
        )
    if limit is not None and len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more")
    return "\n".join(lines)
