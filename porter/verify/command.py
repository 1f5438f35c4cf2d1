"""``porter verify``: argument parsing, model loading and exit codes; the checking is in parity.py.

Exit codes: 0 parity holds for every model, 1 some model fails, 2 the command could not run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from typing import Any

from porter.usage import UsageError, json_object
from porter.verify.runtime import DEVICES, DTYPES
from porter.verify.train import OPTIMIZERS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="prove a Paddle->torch port numerically (forward, backward, training steps)",
        description=(
            "Copy the Paddle weights into the torch model and compare both elementwise. "
            "TARGET is a registry model name, 'all', or a Paddle FILE.py to convert and verify; "
            "or give --paddle and --torch for your own pair."
        ),
    )
    parser.add_argument("target", nargs="?", metavar="TARGET", help="NAME | all | FILE.py")
    parser.add_argument(
        "--paddle", metavar="MODULE:CALLABLE", help="Paddle model factory (module or path/x.py)"
    )
    parser.add_argument(
        "--torch", metavar="MODULE:CALLABLE", help="torch model factory (module or path/x.py)"
    )
    parser.add_argument(
        "--input-shape", metavar="N,C,H,W", help="input shape; separate several inputs with ';'"
    )
    parser.add_argument("--kwargs", metavar="JSON", default="{}", help="keyword arguments for both factories")
    parser.add_argument(
        "--dtype", choices=DTYPES, default="float32", help="float64 separates bugs from float noise"
    )
    parser.add_argument("--device", choices=DEVICES, default="cpu", help="default: cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--atol", type=float, help="absolute term added to the bound (default 0)")
    parser.add_argument("--rtol", type=float, help="bound relative to max|paddle| (default 1e-5 / 1e-10)")
    parser.add_argument("--backward", action="store_true", help="also compare every parameter gradient")
    parser.add_argument(
        "--train-steps", type=int, default=0, metavar="N", help="also compare N training steps"
    )
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="momentum", help="for --train-steps")
    parser.add_argument(
        "--no-float64-recheck",
        dest="float64_recheck",
        action="store_false",
        help="judge float32 gradients/training alone (by default a gap is rerun in float64 to tell rounding from a bug)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the full results as JSON")
    parser.set_defaults(func=run)


@dataclass(frozen=True)
class Job:
    """One pair to verify: how to build each side and which input to feed."""

    name: str
    build_paddle: Any
    build_torch: Any
    input_shapes: list[tuple[int, ...]]


def parse_shapes(text: str) -> list[tuple[int, ...]]:
    try:
        shapes = [tuple(int(d) for d in part.split(",")) for part in text.split(";")]
    except ValueError:
        raise UsageError(
            f"--input-shape must be comma-separated integers like 1,3,224,224, got {text!r}"
        ) from None
    if any(not shape or min(shape) < 1 for shape in shapes):
        raise UsageError(f"--input-shape dimensions must be positive, got {text!r}")
    return shapes


def _jobs(args: argparse.Namespace) -> list[Job]:
    from porter import loading, models

    kwargs = json_object(args.kwargs, "--kwargs")
    shapes = parse_shapes(args.input_shape) if args.input_shape else None
    if args.paddle or args.torch:
        if not (args.paddle and args.torch) or args.target:
            raise UsageError("give both --paddle and --torch (and no TARGET) to verify your own pair")
        if shapes is None:
            raise UsageError("--paddle/--torch need --input-shape")
        build_paddle = loading.load_callable(args.paddle)
        build_torch = loading.load_callable(args.torch)
        name = args.paddle.rpartition(":")[2]
        return [Job(name, lambda: build_paddle(**kwargs), lambda: build_torch(**kwargs), shapes)]
    if not args.target:
        raise UsageError("nothing to verify: give NAME, all, FILE.py, or --paddle and --torch")
    if args.target.endswith(".py"):
        if shapes is None:
            raise UsageError("verifying a file needs --input-shape")
        return [
            Job(p.name, p.build_paddle, p.build_torch, shapes)
            for p in loading.converted_pairs(args.target, kwargs)
        ]
    pairs = models.all_pairs() if args.target == "all" else [_registry_pair(args.target)]
    if shapes is not None and len(pairs) > 1:
        raise UsageError("--input-shape applies to one model; registry shapes are used for 'all'")
    return [
        Job(
            pair.name,
            lambda pair=pair: pair.build_paddle(**kwargs),
            lambda pair=pair: pair.build_torch(**kwargs),
            shapes or [pair.input_shape],
        )
        for pair in pairs
    ]


def _registry_pair(name: str):
    from porter import models

    try:
        return models.get(name)
    except KeyError as error:
        raise UsageError(error.args[0]) from None


def _verify(job: Job, args: argparse.Namespace):
    from porter.verify.parity import verify_pair
    from porter.verify.runtime import seed_everything
    from porter.weights.transfer import TransferError

    inputs = job.input_shapes[0] if len(job.input_shapes) == 1 else [
        _seeded(shape, args.dtype, args.seed + i) for i, shape in enumerate(job.input_shapes)
    ]  # fmt: skip
    seed_everything(args.seed)  # the Paddle initial weights (copied to torch) depend on it
    try:
        return verify_pair(
            job.build_paddle(),
            job.build_torch(),
            inputs,
            dtype=args.dtype,
            device=args.device,
            seed=args.seed,
            atol=args.atol,
            rtol=args.rtol,
            backward=args.backward,
            train_steps=args.train_steps,
            optimizer=args.optimizer,
            float64_recheck=args.float64_recheck,
            name=job.name,
        )
    except TransferError as error:
        return f"{job.name}: FAIL  the weights cannot be transferred:\n{error}"


def _seeded(shape: tuple[int, ...], dtype: str, seed: int):
    import numpy as np

    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:.2e}"


def render_rows(results: list) -> str:
    """`porter verify all`: one row per model."""
    header = (
        f"{'model':<12} {'verdict':<7} {'fwd max abs':>11} {'fwd max rel':>11} {'min cosine':>10} "
        f"{'bwd max rel':>11} {'loss rel':>9} {'weight rel':>10} {'time':>7}"
    )
    lines = [header]
    for result in results:
        if isinstance(result, str):
            lines.append(
                f"{result.split(':')[0]:<12} {'FAIL':<7} weights cannot be transferred (details below)"
            )
            continue
        row = result.summary_row()
        lines.append(
            f"{row['model']:<12} {row['verdict']:<7} {_number(row['fwd_max_abs']):>11} "
            f"{_number(row['fwd_max_rel']):>11} {row['fwd_cosine']:>10.7f} {_number(row['bwd_max_rel']):>11} "
            f"{_number(row['train_loss_rel']):>9} {_number(row['train_weight_rel']):>10} {row['seconds']:>6.1f}s"
            + ("  *" if row["rounding"] else "")
        )
    if any(not isinstance(r, str) and r.summary_row()["rounding"] for r in results):
        lines.append(
            "* float32 gap beyond the bound, rerun in float64 where the port agrees: rounding, not the port"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from porter.verify.runtime import RuntimeSetupError

    if args.train_steps < 0:
        print("porter verify: error: --train-steps must be >= 0", file=sys.stderr)
        return 2
    try:
        jobs = _jobs(args)
        results = []
        for job in jobs:
            result = _verify(job, args)
            results.append(result)
            if len(jobs) > 1:
                print(f"{job.name}: {'FAIL' if isinstance(result, str) else result.verdict}", file=sys.stderr)
    except (UsageError, RuntimeSetupError) as error:
        print(f"porter verify: error: {error}", file=sys.stderr)
        return 2
    passed = all(not isinstance(r, str) and r.passed for r in results)
    if len(results) > 1:
        print(render_rows(results))
        for result in results:
            if isinstance(result, str) or not result.passed:
                print()
                print(result if isinstance(result, str) else result.render())
    else:
        print(results[0] if isinstance(results[0], str) else results[0].render())
    if args.json:
        payload = {
            "passed": passed,
            "results": [{"error": r} if isinstance(r, str) else r.to_dict() for r in results],
        }
        try:
            with open(args.json, "w", encoding="utf-8") as handle:
                json.dump(_strict_json(payload), handle, indent=2, allow_nan=False)
        except OSError as error:
            print(f"porter verify: error: cannot write {args.json}: {error}", file=sys.stderr)
            return 2
    return 0 if passed else 1


def _strict_json(value: Any) -> Any:
    """inf/nan (a shape mismatch has infinite error) as strings: strict JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {key: _strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(item) for item in value]
    return value
