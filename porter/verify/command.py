"""``porter verify``: argument parsing, model loading and exit codes; the checking is in parity.py.

Exit codes: 0 parity holds for every model, 1 some model fails, 2 the command could not run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from porter.usage import UsageError, add_debug_option, fail, json_object
from porter.verify.runtime import DEVICES, MODES
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
        "--dtype",
        choices=MODES,
        default="both",
        help="the checks that decide: both (default) = the float64 proof and the float32 rounding check; "
        "float64 = the proof alone (half the time); float32 = the rounding check alone",
    )
    parser.add_argument("--device", choices=DEVICES, default="cpu", help="default: cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--atol", type=float, help="absolute term added to the float64 bound (default 0)")
    parser.add_argument(
        "--rtol",
        type=float,
        help="float64 bound relative to max|paddle| (default 1e-10; the float32 check's floor)",
    )
    parser.add_argument("--backward", action="store_true", help="also compare every parameter gradient")
    parser.add_argument(
        "--train-steps", type=int, default=0, metavar="N", help="also compare N training steps"
    )
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="momentum", help="for --train-steps")
    parser.add_argument("--json", metavar="FILE", help="also write the full results as JSON")
    add_debug_option(parser)
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


def _jobs(args: argparse.Namespace, scratch: Path) -> list[Job]:
    """What to verify; a converted FILE.py is written to ``scratch``, which lives as long as the jobs."""
    from porter import loading, models

    kwargs = json_object(args.kwargs, "--kwargs")
    shapes = parse_shapes(args.input_shape) if args.input_shape else None
    if args.paddle or args.torch:
        if not (args.paddle and args.torch) or args.target:
            raise UsageError("give both --paddle and --torch (and no TARGET) to verify your own pair")
        if shapes is None:
            raise UsageError("--paddle/--torch need --input-shape")
        build_paddle = _load(args.paddle, "--paddle")
        build_torch = _load(args.torch, "--torch")
        name = args.paddle.rpartition(":")[2]
        return [Job(name, lambda: build_paddle(**kwargs), lambda: build_torch(**kwargs), shapes)]
    if not args.target:
        raise UsageError("nothing to verify: give NAME, all, FILE.py, or --paddle and --torch")
    if args.target.endswith(".py"):
        if shapes is None:
            raise UsageError("verifying a file needs --input-shape")
        print(
            f"porter verify: note: importing {args.target} and its conversion runs their top-level code",
            file=sys.stderr,
        )
        return [
            Job(p.name, p.build_paddle, p.build_torch, shapes)
            for p in loading.converted_pairs(args.target, kwargs, scratch)
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


def _load(spec: str, option: str):
    from porter.loading import LoadError, load_callable

    try:
        return load_callable(spec)
    except LoadError as error:
        raise LoadError(f"{option} {spec}: {error}") from error.__cause__


def _registry_pair(name: str):
    from porter import models

    try:
        return models.get(name)
    except KeyError as error:
        raise UsageError(error.args[0]) from None


def _verify(job: Job, args: argparse.Namespace):
    from porter.verify.parity import verify_pair
    from porter.verify.runtime import RuntimeSetupError, seed_everything
    from porter.weights.transfer import TransferError

    inputs = job.input_shapes[0] if len(job.input_shapes) == 1 else [
        _seeded(shape, args.seed + i) for i, shape in enumerate(job.input_shapes)
    ]  # fmt: skip
    seed_everything(args.seed)  # the Paddle initial weights (copied to torch) depend on it
    paddle_model = _build(job.build_paddle, f"building the Paddle model {job.name}")
    torch_model = _build(job.build_torch, f"building the torch model {job.name}")
    try:
        return verify_pair(
            paddle_model,
            torch_model,
            inputs,
            dtype=args.dtype,
            device=args.device,
            seed=args.seed,
            atol=args.atol,
            rtol=args.rtol,
            backward=args.backward,
            train_steps=args.train_steps,
            optimizer=args.optimizer,
            name=job.name,
        )
    except TransferError as error:
        return f"{job.name}: FAIL  the weights cannot be transferred:\n{error}"
    except (UsageError, RuntimeSetupError):
        raise
    except Exception as error:  # noqa: BLE001 - user code ran inside; say whose and why
        raise _run_failure(error, job, paddle_model, torch_model) from error


def _build(build, what: str):
    from porter.loading import user_code_failed

    try:
        return build()
    except (Exception, SystemExit) as error:
        raise user_code_failed(what, error) from error


def _run_failure(error: Exception, job: Job, paddle_model, torch_model) -> Exception:
    """Name the side a failure came from: the innermost traceback frame in either framework or in a
    file defining one of the models' layers. A failure in neither is porter's own and is re-raised."""
    import traceback

    from porter.loading import user_code_failed

    sides = {"Paddle": _code_files(paddle_model, "paddle"), "torch": _code_files(torch_model, "torch")}
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        for side, (package, files) in sides.items():
            if frame.filename.startswith(package) or frame.filename in files:
                shapes = " and ".join("[" + ", ".join(map(str, shape)) + "]" for shape in job.input_shapes)
                return user_code_failed(
                    f"running the {side} model {job.name} on input {shapes}",
                    error,
                    "check that --input-shape fits the model",
                )
    return error


def _code_files(model, framework: str) -> tuple[str, set[str]]:
    """The framework's package directory and the files defining the model's layer classes."""
    import importlib
    import inspect
    import os

    package = os.path.dirname(importlib.import_module(framework).__file__) + os.sep
    children = model.sublayers(include_self=True) if framework == "paddle" else model.modules()
    files = set()
    for child in children:
        try:
            files.add(inspect.getfile(type(child)))
        except TypeError:
            continue
    return package, files


def _seeded(shape: tuple[int, ...], seed: int):
    import numpy as np

    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return "inf" if math.isinf(value) else f"{value:.1e}"


def render_rows(results: list) -> str:
    """`porter verify all`: one row per model; per section, the worst tensor's max rel under each check
    and each side's own float32 rounding (float32 against its own float64 result)."""
    rows = [r.summary_row() for r in results if not isinstance(r, str)]
    columns = list(dict.fromkeys(key for row in rows for key in row["figures"]))
    width = max([len(_column_title(c)) for c in columns] + [9])
    header = f"{'model':<12} {'verdict':<7} " + " ".join(f"{_column_title(c):>{width}}" for c in columns)
    lines = [header + f" {'time':>7}"]
    for result in results:
        if isinstance(result, str):
            lines.append(
                f"{result.split(':')[0]:<12} {'FAIL':<7} weights cannot be transferred (details below)"
            )
            continue
        row = result.summary_row()
        cells = [_number(row["figures"].get(column)) for column in columns]
        lines.append(
            f"{row['model']:<12} {row['verdict']:<7} " + " ".join(f"{cell:>{width}}" for cell in cells)
            + f" {row['seconds']:>6.1f}s"
        )  # fmt: skip
    lines.append(
        "max |torch - paddle| / max|paddle| per check (worst tensor): float64 (proof, bound 1e-10), float32 (must "
        "be explained by the two columns after it: each side's own float32-vs-float64 rounding)"
        + (
            "; fixed: float64 could not run, fixed float32 bound 1e-5"
            if any("fixed" in c for c in columns)
            else ""
        )
    )
    return "\n".join(lines)


def _column_title(column: str) -> str:
    section, _, check = column.partition(" ")
    short = {"forward": "fwd", "backward": "bwd", "train": "train"}[section]
    return f"{short} {'fixed' if check == 'float32 fixed' else check}"


def run(args: argparse.Namespace) -> int:
    from porter.verify.runtime import RuntimeSetupError

    if args.train_steps < 0:
        print("porter verify: error: --train-steps must be >= 0", file=sys.stderr)
        return 2
    try:
        with tempfile.TemporaryDirectory(prefix="porter_verify_") as scratch:
            jobs = _jobs(args, Path(scratch))
            results = []
            for job in jobs:
                result = _verify(job, args)
                results.append(result)
                if len(jobs) > 1:
                    verdict = "FAIL" if isinstance(result, str) else result.verdict
                    print(f"{job.name}: {verdict}", file=sys.stderr)
    except (UsageError, RuntimeSetupError) as error:
        return fail("verify", error, args)
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
