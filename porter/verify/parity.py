"""verify_pair: copy the Paddle weights into the torch model, run both, and judge the port.

The result is a structured ``ParityResult`` (forward, gradients, training, divergence table) that
renders as text or JSON; nothing is printed here.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from porter.verify import runtime
from porter.verify.alignment import align_avg_pool_backward, align_batch_norm
from porter.verify.compare import (
    Comparison,
    Tolerance,
    compare_outputs,
    render_table,
    to_numpy,
    tolerance_for,
)
from porter.verify.locate import Divergence, locate, snapshot
from porter.verify.train import TrainReport, gradient_parity, train_parity

Inputs = Sequence[int] | np.ndarray | Sequence[np.ndarray]


@dataclass(frozen=True)
class Settings:
    dtype: str
    device: str
    seed: int
    tolerance: Tolerance
    input_shapes: tuple[tuple[int, ...], ...]
    backward: bool
    train_steps: int
    optimizer: str


@dataclass(frozen=True)
class ParityResult:
    name: str
    settings: Settings
    forward: Comparison
    divergence: Divergence | None = None
    gradients: Comparison | None = None
    train: TrainReport | None = None
    notes: tuple[str, ...] = ()
    determinism: tuple[str, ...] = ()
    seconds: float = 0.0
    skipped: tuple[str, ...] = ()  # sections not run, with the reason
    # float32 only: the backward/training sections that exceeded the bound, rerun in float64.
    float64_recheck: ParityResult | None = None

    @property
    def passed(self) -> bool:
        return all(self.sections().values())

    def sections(self) -> dict[str, bool]:
        """Verdict per section run. A float32 gradient or training gap counts as held when the
        float64 rerun of that section from the same weights and input agrees: then the port computes
        the same function and the gap is float32 rounding (see ``explained``)."""
        verdicts = {"forward": self.forward.passed}
        if self.settings.backward:
            verdicts["backward"] = _held(self.gradients) or self.explained("gradients")
        if self.settings.train_steps:
            verdicts["train"] = _held(self.train) or self.explained("train")
        return verdicts

    def explained(self, section: str) -> bool:
        """Whether this section failed in float32 and passed in the float64 rerun."""
        if _held(getattr(self, section)) or self.float64_recheck is None:
            return False
        return _held(getattr(self.float64_recheck, section))

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        s = self.settings
        return {
            "name": self.name,
            "verdict": self.verdict,
            "passed": self.passed,
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
            "forward": self.forward.to_dict(),
            "divergence": self.divergence.to_dict() if self.divergence else None,
            "gradients": self.gradients.to_dict() if self.gradients else None,
            "train": self.train.to_dict() if self.train else None,
            "notes": list(self.notes),
            "skipped": list(self.skipped),
            "determinism": list(self.determinism),
            "seconds": round(self.seconds, 3),
            "float64_recheck": self.float64_recheck.to_dict() if self.float64_recheck else None,
        }

    def render(self) -> str:
        s = self.settings
        shapes = ", ".join("x".join(map(str, shape)) for shape in s.input_shapes)
        lines = [
            f"{self.name}: {self.verdict}  ({s.dtype}, {s.device}, seed {s.seed}, input {shapes}, "
            f"tolerance {s.tolerance.describe()}, {self.seconds:.1f}s)",
            f"forward   {_section_summary(self.forward)}",
        ]
        if not self.forward.passed:
            lines.append(render_table(self.forward, limit=10, failures_first=True))
        if self.divergence is not None:
            lines.append(self.divergence.render())
        if self.gradients is not None:
            lines.append(f"backward  {_section_summary(self.gradients, self.explained('gradients'))}")
            lines += self._recheck_lines("gradients")
        if self.train is not None:
            lines += _render_train(self.train, self.explained("train"))
            lines += self._recheck_lines("train")
        lines += [f"skipped   {reason}" for reason in self.skipped]
        lines += [f"note      {note}" for note in self.notes]
        if self.determinism:
            lines.append("determinism switches:")
            lines += [f"  {line}" for line in self.determinism]
        return "\n".join(lines)

    def _recheck_lines(self, section: str) -> list[str]:
        """Under a float32 gap: the float64 rerun's verdict, or the float32 table when nothing explains it."""
        if _held(getattr(self, section)):
            return []
        recheck = self.float64_recheck and getattr(self.float64_recheck, section)
        lines = []
        if recheck is not None:
            comparison = recheck if isinstance(recheck, Comparison) else recheck.weights
            lines.append(
                f"  float64 rerun from the same weights and input: {_section_summary(comparison)}"
                + ("" if isinstance(recheck, Comparison) else f"; losses {_loss_summary(recheck)}")
            )
        if self.explained(section):
            lines.append(
                "  -> the port computes the same function; the float32 gap is rounding, amplified by ReLU/max-pool "
                "kinks and train-mode BatchNorm (docs/verify.md, 'float32 gradients')"
            )
        elif section == "gradients":
            lines.append(render_table(self.gradients, limit=10, failures_first=True))
        return lines

    def summary_row(self) -> dict[str, Any]:
        """The few numbers `porter verify all` prints per model."""
        worst = self.forward.worst
        row = {
            "model": self.name,
            "verdict": self.verdict,
            "fwd_max_abs": worst.max_abs if worst else float("nan"),
            "fwd_max_rel": worst.max_rel if worst else float("nan"),
            "fwd_cosine": min((m.cosine for m in self.forward.metrics), default=float("nan")),
            "bwd_max_rel": _worst_rel(self.gradients),
            "train_loss_rel": _worst_rel(self.train.loss_comparison) if self.train else None,
            "train_weight_rel": _worst_rel(self.train.weights) if self.train else None,
            "seconds": self.seconds,
            "rounding": [name for name in ("gradients", "train") if self.explained(name)],
        }
        if self.forward.structure_error:
            row["fwd_max_rel"] = float("inf")
        return row


def _worst_rel(comparison: Comparison | None) -> float | None:
    if comparison is None:
        return None
    if comparison.structure_error:
        return float("inf")
    worst = comparison.worst
    return worst.max_rel if worst else 0.0


def _held(section: Comparison | TrainReport | None) -> bool:
    return section is not None and section.passed


def _loss_summary(train: TrainReport) -> str:
    return (
        "ok" if train.loss_comparison.passed else f"FAIL (worst rel {max(s.rel for s in train.losses):.2e})"
    )


def _verdict_word(passed: bool, explained: bool) -> str:
    """A section's verdict column: 'gap' when float32 failed but the float64 rerun agrees."""
    return "ok  " if passed else "gap " if explained else "FAIL"


def _section_summary(comparison: Comparison, explained: bool = False) -> str:
    verdict = _verdict_word(comparison.passed, explained)
    if comparison.structure_error:
        return f"{verdict}  {comparison.structure_error}"
    worst = comparison.worst
    if worst is None:
        return f"{verdict}  nothing to compare"
    failing = len(comparison.failures())
    return (
        f"{verdict}  worst max rel {worst.max_rel:.3e} (max abs {worst.max_abs:.3e}, {worst.name}) over "
        f"{len(comparison.metrics)} tensor(s); {failing} out of tolerance; "
        f"min cosine {min(m.cosine for m in comparison.metrics):.7f}"
    )


def _render_train(train: TrainReport, explained: bool = False) -> list[str]:
    verdict = _verdict_word(train.passed, explained)
    shape = "x".join(map(str, train.batch_shape))
    lines = [
        f"train     {verdict}  {train.steps} {train.optimizer} steps, lr {train.learning_rate:g}, batch {shape}"
    ]
    for loss in train.losses:
        lines.append(
            f"  step {loss.step}: loss paddle {loss.paddle:.10e} torch {loss.torch:.10e} rel {loss.rel:.2e}"
        )
    lines.append(f"  weights after training: {_section_summary(train.weights, explained)}")
    if not train.weights.passed and not explained:
        lines.append(render_table(train.weights, limit=10, failures_first=True))
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


# --- the check ------------------------------------------------------------------------------------


def verify_pair(
    paddle_model,
    torch_model,
    inputs: Inputs,
    *,
    dtype: str = "float32",
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
    float64_recheck: bool = True,
    name: str = "pair",
) -> ParityResult:
    """Check that ``torch_model`` computes what ``paddle_model`` computes.

    Both models are changed in place: cast to ``dtype``/``device``, the Paddle weights copied into
    the torch model, and trained for ``train_steps`` steps when asked. ``inputs`` is an input
    shape (a seeded standard-normal input is drawn) or the input array(s) themselves.
    ``rename`` maps torch module paths to Paddle ones where the port renamed modules (as for
    ``porter.weights``).

    In float32, a backward or training section beyond the bound is rerun in float64 from the same
    starting weights and input (``float64_recheck``): gradients of ReLU/max-pool networks jump
    where float32 rounding moves an input across a kink, so only float64 can tell such a gap from a
    porting bug. The forward pass is continuous and always judged in float32 alone.
    """
    import paddle
    import torch

    from porter.weights.transfer import copy_paddle_to_torch, module_path_renamer

    started = time.perf_counter()
    runtime.check_dtype(dtype)
    tolerance = tolerance_for(dtype, rtol=rtol, atol=atol)
    place = runtime.resolve_device(device)
    with runtime.determinism(place) as switches, contextlib.ExitStack() as aligning:
        runtime.seed_everything(seed)
        runtime.place_models(paddle_model, torch_model, dtype, place)
        plan = copy_paddle_to_torch(paddle_model, torch_model, rename=rename)
        recheckable = float64_recheck and dtype == "float32" and (backward or train_steps)
        start_state = _paddle_state(paddle_model) if recheckable else None
        renamer = module_path_renamer(rename)
        aligned = align_batch_norm(paddle_model, torch_model, renamer)
        pools = aligning.enter_context(align_avg_pool_backward(paddle_model, torch_model, renamer, dtype))
        arrays = make_inputs(inputs, dtype, seed)
        settings = Settings(
            dtype=dtype,
            device=place.kind,
            seed=seed,
            tolerance=tolerance,
            input_shapes=tuple(tuple(a.shape) for a in arrays),
            backward=backward,
            train_steps=train_steps,
            optimizer=optimizer,
        )
        paddle_model.eval()
        torch_model.eval()
        paddle_inputs = tuple(runtime.to_paddle(a, place) for a in arrays)
        torch_inputs = tuple(runtime.to_torch(a, place) for a in arrays)
        with paddle.no_grad():
            paddle_out = snapshot(paddle_model(*paddle_inputs))
        torch_error = ""
        try:
            with torch.no_grad():
                torch_out = snapshot(torch_model(*torch_inputs))
        except Exception as error:  # a broken port may not even run; that is a verdict, not a crash
            torch_error = f"torch forward raised {type(error).__name__}: {error}"
        if torch_error:
            forward = Comparison(metrics=(), tolerance=tolerance, structure_error=torch_error)
        else:
            forward = compare_outputs(paddle_out, torch_out, tolerance)

        divergence = None
        if not forward.passed and locate_on_failure:
            divergence = locate(
                paddle_model,
                torch_model,
                paddle_inputs,
                torch_inputs,
                tolerance,
                torch_to_paddle_path=renamer,
            )

        skipped = []
        runnable = not forward.structure_error
        gradients = None
        if backward and runnable:
            gradients = gradient_parity(
                paddle_model,
                torch_model,
                paddle_inputs,
                torch_inputs,
                plan,
                tolerance,
                dtype=dtype,
                device=place,
                seed=seed + 1,
            )
        elif backward:
            skipped.append("backward: the forward pass does not produce comparable outputs")
        train = None
        if train_steps and runnable:
            train = train_parity(
                paddle_model,
                torch_model,
                plan,
                tolerance,
                steps=train_steps,
                batch_shapes=training_batch_shapes(arrays, torch_model),
                dtype=dtype,
                device=place,
                seed=seed,
                optimizer=optimizer,
                lr=lr,
            )
        elif train_steps:
            skipped.append("train steps: the forward pass does not produce comparable outputs")
        # A float32 gap in gradients or training: rerun those sections in float64 from the start.
        recheck = None
        recheck_backward = gradients is not None and not gradients.passed
        recheck_train = train is not None and not train.passed
        if start_state is not None and forward.passed and (recheck_backward or recheck_train):
            paddle_model.set_state_dict(start_state)
            recheck = verify_pair(
                paddle_model,
                torch_model,
                [a.astype("float64") for a in arrays],
                dtype="float64",
                device=device,
                seed=seed,
                backward=recheck_backward,
                train_steps=train_steps if recheck_train else 0,
                optimizer=optimizer,
                lr=lr,
                rename=rename,
                locate_on_failure=locate_on_failure,
                name=name,
            )
        notes = []
        if aligned:
            notes.append(
                f"BatchNorm eps/momentum of {len(aligned)} torch layers set to the float32-rounded values "
                "Paddle computes with"
            )
        if pools and (backward or train_steps):
            notes.append(
                f"average-pool backward of {len(pools)} torch layers scaled by float32(1/N) * N, as Paddle "
                "computes it"
            )
        if backward:
            notes.append("backward runs in eval mode (BatchNorm uses running statistics, dropout is off)")
        return ParityResult(
            name=name,
            settings=settings,
            forward=forward,
            divergence=divergence,
            gradients=gradients,
            train=train,
            notes=tuple(notes),
            determinism=tuple(switches.lines()),
            seconds=time.perf_counter() - started,
            skipped=tuple(skipped),
            float64_recheck=recheck,
        )


def _paddle_state(paddle_model) -> dict[str, np.ndarray]:
    """A copy of every parameter and buffer, to restart from after training changed them."""
    return {key: to_numpy(value) for key, value in paddle_model.state_dict().items()}
