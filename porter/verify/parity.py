"""verify_pair: copy the Paddle weights into the torch model, run both, and judge the port.

Both models run twice from the same float32 weights and input: once cast to float64, once in
float32. Each section (forward, backward, training) is then judged by two checks
(compare.py): the float64 **proof** (a strict bound) and the float32 **rounding check** (the
float32 difference must be explained by each framework's own float32-vs-float64 rounding measured
in the same run). A side that cannot run float64 falls back to a fixed float32 bound, and the report
says so. The result is a structured ``ParityResult`` that renders as text or JSON; nothing is printed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from porter.verify import runtime
from porter.verify.alignment import (
    align_avg_pool_backward,
    align_constant_buffers,
    align_float32_constants,
    align_normalization,
)
from porter.verify.compare import (
    FIXED32,
    FIXED_FLOAT32_RTOL,
    FLOAT32,
    FLOAT64,
    STRICT_RTOL,
    Comparison,
    Observed,
    Tolerance,
    judge,
    observe_outputs,
    render_table,
    to_numpy,
)
from porter.verify.locate import Divergence, locate, record, snapshot
from porter.verify.train import RunningVarNote, StepLoss, TrainRun, dropout_disabled, gradients, train_run

Inputs = Sequence[int] | np.ndarray | Sequence[np.ndarray]

_JUDGED = {"both": (FLOAT64, FLOAT32), "float64": (FLOAT64,), "float32": (FLOAT32,)}
# A float64 failure within this factor of the float64 rounding that the float32 pass's amplification
# predicts gets a hint, never a pass: ResNet-152's train-mode BatchNorm at 2x3x64x64 (8 values per
# channel) measured 5x; the smallest planted bug in the battery is 1e3x above.
ILL_CONDITIONED_FACTOR = 100
_CHECK_NAMES = {
    FLOAT64: "float64 proof",
    FLOAT32: "float32 rounding check",
    FIXED32: f"fixed float32 bound ({FIXED_FLOAT32_RTOL:g} x max|paddle|)",
}


@dataclass(frozen=True)
class Settings:
    dtype: str  # one of MODES
    device: str
    seed: int
    tolerance: Tolerance  # the float64 bound; also the floor of the float32 check
    input_shapes: tuple[tuple[int, ...], ...]
    backward: bool
    train_steps: int
    optimizer: str


@dataclass(frozen=True)
class Section:
    """One section (forward, backward or train) under every check that ran; ``judged`` decide it."""

    name: str
    checks: tuple[Comparison, ...]
    judged: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks if c.check in self.judged)

    def get(self, check: str) -> Comparison | None:
        return next((c for c in self.checks if c.check == check), None)

    def failed_checks(self) -> list[str]:
        return [c.check for c in self.checks if c.check in self.judged and not c.passed]

    def amplification(self) -> tuple[float, float] | None:
        """When the float64 check fails by no more than rounding amplified as much as float32 shows:
        (the float64 rounding that amplification predicts, the float64 difference); else None.

        Each side's float32 result against its own float64 one measures how much this computation
        amplifies rounding (``own / eps32``); float64 rounding is that amplification times eps64. A
        difference within ``ILL_CONDITIONED_FACTOR`` of it may be amplified rounding, not the port.
        """
        float64, float32 = self.get(FLOAT64), self.get(FLOAT32)
        if float64 is None or float32 is None or float64.passed or float64.structure_error:
            return None
        own = max(own_rounding(float32))
        predicted = own / np.finfo(np.float32).eps * np.finfo(np.float64).eps
        measured = float64.worst.max_rel
        return (predicted, measured) if measured <= ILL_CONDITIONED_FACTOR * predicted else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "judged": list(self.judged),
            "checks": {c.check: c.to_dict() for c in self.checks},
        }


@dataclass(frozen=True)
class TrainDetails:
    optimizer: str
    steps: int
    learning_rate: float
    batch_shape: tuple[int, ...]
    losses: dict[str, tuple[StepLoss, ...]]  # per dtype
    running_var: tuple[RunningVarNote, ...]
    dropout_disabled: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer,
            "steps": self.steps,
            "learning_rate": self.learning_rate,
            "batch_shape": list(self.batch_shape),
            "losses": {
                dtype: [{"step": s.step, "paddle": s.paddle, "torch": s.torch, "rel": s.rel} for s in losses]
                for dtype, losses in self.losses.items()
            },
            "running_var": [vars(note) for note in self.running_var],
            "dropout_disabled": list(self.dropout_disabled),
        }


@dataclass(frozen=True)
class ParityResult:
    name: str
    settings: Settings
    sections: tuple[Section, ...]
    divergence: Divergence | None = None
    train: TrainDetails | None = None
    float64_unavailable: str = ""  # why float64 could not run ("" when it ran)
    notes: tuple[str, ...] = ()
    determinism: tuple[str, ...] = ()
    seconds: float = 0.0
    skipped: tuple[str, ...] = ()  # sections not run, with the reason

    @property
    def passed(self) -> bool:
        return all(section.passed for section in self.sections)

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def failed_checks(self) -> list[str]:
        """'forward float64', 'train float32', ...: every judged check that failed."""
        return [f"{s.name} {check}" for s in self.sections for check in s.failed_checks()]

    def decided_by(self) -> str:
        """Which check(s) decided the verdict, in words."""
        failed = self.failed_checks()
        if failed:
            return "caught by " + ", ".join(failed)
        judged = self.sections[0].judged if self.sections else ()
        text = " and ".join(_CHECK_NAMES[check] for check in judged)
        if self.float64_unavailable:
            text += f"; float64 could not run ({self.float64_unavailable}), so this verdict depends on the machine"
        return f"held by the {text}"

    def to_dict(self) -> dict[str, Any]:
        s = self.settings
        return {
            "name": self.name,
            "verdict": self.verdict,
            "passed": self.passed,
            "decided_by": self.decided_by(),
            "failed_checks": self.failed_checks(),
            "settings": {
                "dtype": s.dtype,
                "device": s.device,
                "seed": s.seed,
                "rtol": s.tolerance.rtol,
                "atol": s.tolerance.atol,
                "input_shapes": [list(shape) for shape in s.input_shapes],
                "backward": s.backward,
                "train_steps": s.train_steps,
                "optimizer": s.optimizer,
            },
            "sections": {section.name: section.to_dict() for section in self.sections},
            "divergence": self.divergence.to_dict() if self.divergence else None,
            "train": self.train.to_dict() if self.train else None,
            "float64_unavailable": self.float64_unavailable,
            "notes": list(self.notes),
            "skipped": list(self.skipped),
            "determinism": list(self.determinism),
            "seconds": round(self.seconds, 3),
        }

    def render(self) -> str:
        s = self.settings
        shapes = ", ".join("x".join(map(str, shape)) for shape in s.input_shapes)
        lines = [
            f"{self.name}: {self.verdict}  ({_MODE_LABELS[s.dtype]}, {s.device}, seed {s.seed}, input {shapes}, "
            f"{self.seconds:.1f}s)"
        ]
        if self.float64_unavailable:
            lines.append(
                f"float64   not run: {self.float64_unavailable}; float32 is judged against the "
                f"{_CHECK_NAMES[FIXED32]}, which depends on the machine's rounding"
            )
        for section in self.sections:
            lines += _render_section(section, self.train if section.name == "train" else None)
        lines.append(f"verdict   {self.verdict}, {self.decided_by()}")
        if self.divergence is not None:
            lines.append(self.divergence.render())
        lines += [f"skipped   {reason}" for reason in self.skipped]
        lines += [f"note      {note}" for note in self.notes]
        if self.determinism:
            lines.append("determinism switches:")
            lines += [f"  {line}" for line in self.determinism]
        return "\n".join(lines)

    def summary_row(self) -> dict[str, Any]:
        """The figures `porter verify all` prints per model: per section, the worst max rel of each check
        and, for the float32 check, each side's own float32-vs-float64 rounding."""
        row: dict[str, Any] = {"model": self.name, "verdict": self.verdict, "seconds": self.seconds}
        figures: dict[str, float] = {}
        for section in self.sections:
            for comparison in section.checks:
                figures[f"{section.name} {comparison.check}"] = _worst_rel(comparison)
                if comparison.check == FLOAT32:
                    paddle, torch = own_rounding(comparison)
                    figures[f"{section.name} paddle32-64"] = paddle
                    figures[f"{section.name} torch32-64"] = torch
        row["figures"] = figures
        row["decided_by"] = self.decided_by()
        return row


_MODE_LABELS = {"both": "float64 + float32", "float64": "float64", "float32": "float32"}


def _worst_rel(comparison: Comparison) -> float:
    """max rel of the worst tensor; inf when the structures differ."""
    if comparison.structure_error:
        return float("inf")
    worst = comparison.worst
    return worst.max_rel if worst else 0.0


def own_rounding(comparison: Comparison) -> tuple[float, float]:
    """The largest float32-vs-float64 rounding of each side over the section, relative to scale."""
    paddle = max((m.rounding[0] for m in comparison.metrics if m.rounding), default=0.0)
    torch = max((m.rounding[1] for m in comparison.metrics if m.rounding), default=0.0)
    return paddle, torch


def _check_line(comparison: Comparison, judged: bool) -> str:
    word = ("ok  " if comparison.passed else "FAIL") if judged else "--  "
    label = f"{word}  {comparison.check:<13}"
    tail = "" if judged else "  (shown, not judged)"
    if comparison.structure_error:
        return f"{label} {comparison.structure_error}{tail}"
    worst = comparison.worst
    if worst is None:
        return f"{label} nothing to compare{tail}"
    failing = len(comparison.failures())
    count = f"{len(comparison.metrics)} tensor(s), {failing} beyond the bound"
    if comparison.check == FLOAT32:
        paddle_rounding, torch_rounding = own_rounding(comparison)
        explained = (
            "explained by each side's own rounding"
            if comparison.passed
            else f"{worst.bound_use:.2g} x what each side's own rounding explains"
        )
        return (
            f"{label} worst max rel {worst.max_rel:.3e} ({worst.name}), {explained} (float32 vs float64: "
            f"paddle {paddle_rounding:.1e}, torch {torch_rounding:.1e}); {count}{tail}"
        )
    return (
        f"{label} worst max rel {worst.max_rel:.3e} (max abs {worst.max_abs:.3e}, {worst.name}); "
        f"bound {comparison.tolerance.describe()}; {count}; "
        f"min cosine {min(m.cosine for m in comparison.metrics):.7f}{tail}"
    )


def _render_section(section: Section, train: TrainDetails | None) -> list[str]:
    lines = []
    for index, comparison in enumerate(section.checks):
        head = f"{section.name:<9} " if index == 0 else " " * 10
        lines.append(head + _check_line(comparison, comparison.check in section.judged))
    if train is not None:
        shape = "x".join(map(str, train.batch_shape))
        lines.append(
            f"  {train.steps} {train.optimizer} steps, lr {train.learning_rate:g}, batch {shape}, in train mode"
        )
        for dtype, losses in train.losses.items():
            for loss in losses:
                lines.append(
                    f"  {dtype} step {loss.step}: loss paddle {loss.paddle:.10e} torch {loss.torch:.10e} "
                    f"rel {loss.rel:.2e}"
                )
        if train.running_var:
            worst = max(train.running_var, key=lambda n: n.max_rel)
            ratios = [n.mean_ratio for n in train.running_var]
            lines.append(
                f"  BatchNorm running variance (not judged): {len(train.running_var)} layers differ by up to "
                f"{worst.max_rel:.3e} relative ({worst.torch_key}); torch/paddle mean ratio "
                f"{min(ratios):.6f}..{max(ratios):.6f}. Paddle updates it with the biased batch variance, torch "
                "with the unbiased one."
            )
        if train.dropout_disabled:
            lines.append(f"  dropout set to p=0 for training on: {', '.join(train.dropout_disabled)}")
    amplification = section.amplification()
    if amplification:
        predicted, measured = amplification
        own = max(own_rounding(section.get(FLOAT32)))
        lines.append(
            f"  hint: each side's float32 {section.name} is up to {own:.1e} from its own float64 one, rounding "
            f"amplified ~{own / np.finfo(np.float32).eps:.0e}x; amplified as much, float64 rounding reaches "
            f"~{predicted:.0e}, and the float64 difference is {measured:.1e}. The section may be ill-conditioned "
            "(e.g. train-mode BatchNorm with few values per channel) rather than wrong: verify it with more "
            "values per channel (a larger batch or input) to tell."
        )
    for comparison in section.checks:
        if comparison.check in section.judged and not comparison.passed:
            lines.append(f"  {section.name} {comparison.check}, failing tensors first:")
            lines.append(render_table(comparison, limit=10, failures_first=True))
    return lines


# --- inputs ---------------------------------------------------------------------------------------


def _is_shape(inputs: Any) -> bool:
    return isinstance(inputs, (tuple, list)) and len(inputs) > 0 and all(isinstance(d, int) for d in inputs)


def make_inputs(inputs: Inputs, dtype: str, seed: int) -> list[np.ndarray]:
    """A shape becomes one seeded standard-normal array; given arrays/tensors are cast to ``dtype``."""
    if _is_shape(inputs):
        return [np.random.default_rng(seed).standard_normal(tuple(inputs)).astype(dtype)]
    if isinstance(inputs, (tuple, list)):
        return [to_numpy(item).astype(dtype) for item in inputs]
    return [to_numpy(inputs).astype(dtype)]


def _has_batch_norm(torch_model) -> bool:
    from torch.nn.modules.batchnorm import _BatchNorm

    return any(isinstance(m, _BatchNorm) for m in torch_model.modules())


def training_batch_shapes(arrays: list[np.ndarray], torch_model) -> list[tuple[int, ...]]:
    """The forward input shapes; BatchNorm needs at least 2 samples to have a batch variance."""
    shapes = [tuple(a.shape) for a in arrays]
    if _has_batch_norm(torch_model):
        shapes = [(max(shape[0], 2), *shape[1:]) if shape else shape for shape in shapes]
    return shapes


# --- the runs -------------------------------------------------------------------------------------


@dataclass
class _Run:
    """What one dtype's pass observed."""

    dtype: str
    forward: Observed
    torch_error: str = ""  # the torch forward raised
    gradients: Observed | None = None
    train: TrainRun | None = None
    aligned_pools: list[str] = field(default_factory=list)
    aligned_constants: list[str] = field(default_factory=list)
    dropout_disabled: list[str] = field(default_factory=list)

    def observed(self, section: str) -> Observed | None:
        if section == "train":
            return self.train.observed if self.train else None
        return self.forward if section == "forward" else self.gradients


class _Pair:
    """The two models and everything needed to restart them from the same float32 weights."""

    def __init__(self, paddle_model, torch_model, rename, place: runtime.Device) -> None:
        from porter.weights.transfer import module_path_renamer

        self.paddle, self.torch, self.rename, self.place = paddle_model, torch_model, rename, place
        self.renamer = module_path_renamer(rename)
        # The float64 pass starts from these float32 values cast exactly, so both passes compute with
        # the same weights (Paddle initialises in float32; a float64 model is rounded here once).
        runtime.place_models(paddle_model, torch_model, "float32", place)
        self.start_state = {key: to_numpy(value) for key, value in paddle_model.state_dict().items()}
        self.plan = None
        self.aligned_norms: list[str] = []
        self.aligned_buffers: list[str] = []

    def start(self, dtype: str) -> None:
        """Both models at the start weights in ``dtype``, Paddle's copied into torch, eval mode."""
        from porter.weights.transfer import copy_paddle_to_torch

        runtime.place_models(self.paddle, self.torch, "float32", self.place)
        self.paddle.set_state_dict(self.start_state)
        # Transferred in float32, then both cast: the same values as a float64 transfer (the cast is
        # exact) with half the memory (VGG-16's weights are 0.55 GB in float32).
        self.plan = copy_paddle_to_torch(self.paddle, self.torch, rename=self.rename)
        self.aligned_buffers = align_constant_buffers(self.paddle, self.torch, self.renamer)
        runtime.place_models(self.paddle, self.torch, dtype, self.place)
        self.aligned_norms = align_normalization(self.paddle, self.torch, self.renamer)
        self.paddle.eval()
        self.torch.eval()


class _Stage:
    """Which step of a pass is running, so that a failure can say where it happened."""

    def __init__(self) -> None:
        self.now = ""


def _run(
    pair: _Pair,
    dtype: str,
    arrays32: list[np.ndarray],
    stage: _Stage,
    *,
    backward: bool,
    train_steps: int,
    train_shapes: list[tuple[int, ...]],
    optimizer: str,
    lr: float | None,
    seed: int,
) -> _Run:
    import paddle
    import torch

    stage.now = f"casting both models to {dtype}"
    pair.start(dtype)
    place = pair.place
    paddle_inputs, torch_inputs = _inputs(pair, arrays32, dtype)
    with (
        align_avg_pool_backward(pair.paddle, pair.torch, pair.renamer, dtype) as pools,
        align_float32_constants(pair.paddle, pair.torch, pair.renamer, dtype) as constants,
    ):
        stage.now = "the Paddle forward pass"
        with paddle.no_grad():
            paddle_out = snapshot(pair.paddle(*paddle_inputs))
        try:
            with torch.no_grad():
                torch_out = snapshot(pair.torch(*torch_inputs))
        except Exception as error:  # a broken port may not even run; that is a verdict, not a crash
            message = f"torch forward raised {type(error).__name__}: {error}"
            return _Run(dtype, Observed({}, {}, message), torch_error=message, aligned_pools=pools,
                        aligned_constants=constants)  # fmt: skip
        run = _Run(
            dtype, observe_outputs(paddle_out, torch_out), aligned_pools=pools, aligned_constants=constants
        )
        if run.forward.structure_error:
            return run
        if backward:
            stage.now = "the backward pass"
            run.gradients = gradients(
                pair.paddle, pair.torch, paddle_inputs, torch_inputs, pair.plan, dtype=dtype, device=place,
                seed=seed + 1,
            )  # fmt: skip
        if train_steps:
            stage.now = "training"
            # Dropout masks differ between the frameworks: off while training, back on afterwards (an
            # eval-mode pass must still see Paddle's downscale_in_infer scale its output).
            with dropout_disabled(pair.paddle, pair.torch) as run.dropout_disabled:
                run.train = train_run(
                    pair.paddle, pair.torch, pair.plan, steps=train_steps, batch_shapes=train_shapes,
                    dtype=dtype, device=place, seed=seed, optimizer=optimizer, lr=lr,
                )  # fmt: skip
    return run


def _sections(mode: str, tolerance: Tolerance, run64: _Run | None, run32: _Run | None) -> list[Section]:
    """Every section that ran, judged by the checks the mode and the passes allow."""
    judged = _JUDGED[mode] if run64 is not None else (FIXED32,)
    sections = []
    for name in ("forward", "backward", "train"):
        observed64 = run64.observed(name) if run64 else None
        observed32 = run32.observed(name) if run32 else None
        checks = []
        if observed64 is not None:
            checks.append(judge(FLOAT64, tolerance, observed64))
            if observed32 is not None:
                checks.append(judge(FLOAT32, tolerance, observed32, observed64))
        elif observed32 is not None:
            checks.append(judge(FIXED32, Tolerance(FIXED_FLOAT32_RTOL, tolerance.atol), observed32))
        if checks:
            sections.append(Section(name, tuple(checks), judged))
    return sections


def verify_pair(
    paddle_model,
    torch_model,
    inputs: Inputs,
    *,
    dtype: str = "both",
    device: str = "cpu",
    seed: int = 0,
    atol: float | None = None,
    rtol: float | None = None,
    backward: bool = False,
    train_steps: int = 0,
    optimizer: str = "momentum",
    lr: float | None = None,
    rename: Mapping[str, str] | Any = None,
    locate_on_failure: bool = True,
    name: str = "pair",
) -> ParityResult:
    """Check that ``torch_model`` computes what ``paddle_model`` computes.

    ``dtype`` chooses the checks that decide the verdict: ``"both"`` (default) the float64 proof
    and the float32 rounding check, ``"float64"`` the proof alone (one pass), ``"float32"`` the
    rounding check alone (it needs each side's float64 pass to measure that rounding). ``rtol`` and
    ``atol`` set the float64 bound (default ``1e-10 x max|paddle|``), which is also the float32
    check's floor.

    Both models are changed in place: cast, the Paddle weights copied into the torch model, and
    trained for ``train_steps`` steps when asked. ``inputs`` is an input shape (a seeded
    standard-normal input is drawn) or the input array(s) themselves; they are drawn or cast in
    float32 and cast exactly to float64. ``rename`` maps torch module paths to Paddle ones where the
    port renamed modules (as for ``porter.weights``).
    """
    runtime.check_mode(dtype)
    started = time.perf_counter()
    tolerance = Tolerance(STRICT_RTOL if rtol is None else rtol, 0.0 if atol is None else atol)
    place = runtime.resolve_device(device)
    with runtime.determinism(place) as switches:
        runtime.seed_everything(seed)
        pair = _Pair(paddle_model, torch_model, rename, place)
        arrays32 = make_inputs(inputs, "float32", seed)
        options = dict(
            backward=backward,
            train_steps=train_steps,
            train_shapes=training_batch_shapes(arrays32, torch_model),
            optimizer=optimizer,
            lr=lr,
            seed=seed,
        )
        run64 = run32 = None
        unavailable = ""
        stage = _Stage()
        try:
            run64 = _run(pair, "float64", arrays32, stage, **options)
        except Exception as error:  # e.g. a kernel with no float64 version: reported, never a silent pass
            unavailable = f"{stage.now} raised {type(error).__name__}: {_first_line(error)}"
        if run64 is not None and run64.train is not None:
            options["lr"] = run64.train.learning_rate  # both passes train with the same rate
        if FLOAT32 in _JUDGED[dtype] or run64 is None or run64.torch_error:
            run32 = _run(pair, "float32", arrays32, stage, **options)
            if run64 is not None and run64.torch_error and not run32.torch_error:
                unavailable, run64 = f"in float64 only, {run64.torch_error}", None
        sections = _sections(dtype, tolerance, run64, run32)
        forward = sections[0]

        divergence = None
        if not forward.passed and locate_on_failure:
            divergence = _locate(pair, arrays32, forward, tolerance)
    runs = [run for run in (run64, run32) if run is not None]
    structure_error = next((run.forward.structure_error for run in runs if run.forward.structure_error), "")
    skipped = []
    if structure_error and backward:
        skipped.append("backward: the forward pass does not produce comparable outputs")
    if structure_error and train_steps:
        skipped.append("train steps: the forward pass does not produce comparable outputs")
    train = None
    trained = [run.train for run in runs if run.train is not None]
    if trained:
        train = TrainDetails(
            optimizer=optimizer,
            steps=train_steps,
            learning_rate=trained[0].learning_rate,
            batch_shape=trained[0].batch_shape,
            losses={t.dtype: t.losses for t in trained},
            running_var=trained[0].running_var,
            dropout_disabled=tuple(next(run.dropout_disabled for run in runs if run.train)),
        )
    return ParityResult(
        name=name,
        settings=Settings(
            dtype=dtype,
            device=place.kind,
            seed=seed,
            tolerance=tolerance,
            input_shapes=tuple(tuple(a.shape) for a in arrays32),
            backward=backward,
            train_steps=train_steps,
            optimizer=optimizer,
        ),
        sections=tuple(sections),
        divergence=divergence,
        train=train,
        float64_unavailable=unavailable,
        notes=tuple(_notes(pair, runs, backward, train_steps)),
        determinism=tuple(switches.lines()),
        seconds=time.perf_counter() - started,
        skipped=tuple(skipped),
    )


def _locate(pair: _Pair, arrays32: list[np.ndarray], forward: Section, tolerance: Tolerance) -> Divergence:
    """Find the first divergent layer with the check that failed: in float64 when the proof failed (no
    rounding noise to mistake for a culprit), else with the float32 rounding check at every layer (both
    models recorded in float64 first), else with the fixed float32 bound."""
    failed = forward.failed_checks()
    float64 = None
    if FLOAT64 in failed:
        dtype, where, bound = "float64", "float64", tolerance
    elif FLOAT32 in failed:
        pair.start("float64")
        paddle_inputs, torch_inputs = _inputs(pair, arrays32, "float64")
        with align_float32_constants(pair.paddle, pair.torch, pair.renamer, "float64"):
            float64 = (
                record(pair.paddle, paddle_inputs, "paddle"),
                record(pair.torch, torch_inputs, "torch"),
            )
        dtype, where, bound = "float32", "float32, each side's rounding measured by a float64 pass", tolerance
    else:
        dtype, where, bound = "float32", "float32", Tolerance(FIXED_FLOAT32_RTOL, tolerance.atol)
    pair.start(dtype)
    paddle_inputs, torch_inputs = _inputs(pair, arrays32, dtype)
    with align_float32_constants(pair.paddle, pair.torch, pair.renamer, dtype):
        return locate(
            pair.paddle,
            pair.torch,
            paddle_inputs,
            torch_inputs,
            bound,
            torch_to_paddle_path=pair.renamer,
            located_in=where,
            float64=float64,
        )


def _inputs(pair: _Pair, arrays32: list[np.ndarray], dtype: str) -> tuple[tuple, tuple]:
    arrays = [a.astype(dtype) for a in arrays32]
    return (
        tuple(runtime.to_paddle(a, pair.place) for a in arrays),
        tuple(runtime.to_torch(a, pair.place) for a in arrays),
    )


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def _notes(pair: _Pair, runs: list[_Run], backward: bool, train_steps: int) -> list[str]:
    notes = []
    if pair.aligned_norms:
        notes.append(
            f"eps (BatchNorm: and momentum) of {len(pair.aligned_norms)} torch normalisation layers set to the "
            "float32-rounded values Paddle computes with"
        )
    if pair.aligned_buffers:
        notes.append(
            f"{len(pair.aligned_buffers)} torch buffers outside the state dict (tables built in a constructor) "
            "given Paddle's values, equal to float32 rounding"
        )
    pools = max((run.aligned_pools for run in runs), key=len, default=[])
    if pools and (backward or train_steps):
        notes.append(
            f"average-pool backward of {len(pools)} torch layers scaled by float32(1/N) * N in float64, as "
            "Paddle computes it"
        )
    constants = max((run.aligned_constants for run in runs), key=len, default=[])
    if constants:
        notes.append(
            f"{len(constants)} torch Hardsigmoid / downscale-in-infer dropout layers given Paddle's float32 "
            "slope and scale in float64"
        )
    if backward:
        notes.append("backward runs in eval mode (BatchNorm uses running statistics, dropout is off)")
    return notes
