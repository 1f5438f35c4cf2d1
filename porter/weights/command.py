"""``porter weights``: argument parsing, model loading and exit codes; the work is in transfer.py.

Exit codes: 0 written, 2 nothing written (bad file, bad arguments, tensors that do not line up).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from porter.usage import UsageError, add_debug_option, fail, json_object


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "weights",
        help="carry trained Paddle weights (.pdparams) over to a torch model",
        description=(
            "Load a .pdparams file without running code from it, map every tensor onto the torch model "
            "by layer type and name (Linear transposed, BatchNorm statistics renamed, ...) and write a "
            "torch state dict. Every tensor must be used exactly once, or nothing is written."
        ),
    )
    parser.add_argument(
        "input", metavar="IN.pdparams", help="file written by paddle.save(layer.state_dict())"
    )
    parser.add_argument(
        "--paddle-model",
        required=True,
        metavar="MODULE:CALLABLE",
        help="the Paddle model the weights belong to (module or path/x.py); its layer types are checked",
    )
    parser.add_argument(
        "--torch-model",
        metavar="MODULE:CALLABLE",
        help="the torch model to fill; default: convert the Paddle model's source file with porter convert",
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="OUT.safetensors (default, next to IN) or OUT.pt / OUT.pth"
    )
    parser.add_argument(
        "--rename",
        metavar="JSON_OR_FILE",
        help='torch module path -> Paddle module path, e.g. \'{"backbone": "features"}\'',
    )
    parser.add_argument("--kwargs", metavar="JSON", default="{}", help="keyword arguments for both factories")
    add_debug_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from porter.weights.io import OutputError
    from porter.weights.pdparams import PaddleFileError
    from porter.weights.transfer import TransferError

    try:
        with tempfile.TemporaryDirectory(prefix="porter_weights_") as scratch:
            summary = _transfer(args, Path(scratch))
    except (UsageError, PaddleFileError, TransferError, OutputError, OSError) as error:
        return fail("weights", error, args)
    print(summary)
    return 0


def _transfer(args: argparse.Namespace, scratch: Path) -> str:
    """The transfer; a converted model file lives in ``scratch`` while its model is used."""
    from porter.weights.io import save_state
    from porter.weights.pdparams import load_pdparams
    from porter.weights.transfer import check_layer_types, check_paddle_state, plan_transfer

    source = Path(args.input)
    output = Path(args.output) if args.output else source.with_suffix(".safetensors")
    kwargs = json_object(args.kwargs, "--kwargs")
    rename = _rename(args.rename)
    arrays = load_pdparams(source)
    paddle_model = _build(_load(args.paddle_model, "--paddle-model"), kwargs, "Paddle")
    _expect(paddle_model, "paddle.nn.Layer", "--paddle-model")
    check_paddle_state(arrays, paddle_model)
    if args.torch_model:
        torch_factory = _load(args.torch_model, "--torch-model")
    else:
        torch_factory = _converted(args.paddle_model, scratch)
    torch_model = _build(torch_factory, kwargs, "torch")
    _expect(torch_model, "torch.nn.Module", "--torch-model")
    plan = plan_transfer({key: value.shape for key, value in arrays.items()}, torch_model, rename=rename)
    check_layer_types(plan, paddle_model)
    state = plan.to_torch(arrays)
    torch_model.load_state_dict(state, strict=True)
    save_state(state, output, source=source.name, protect=(source,))
    return f"wrote {output}: " + _summary(plan, len(arrays))


def _summary(plan, paddle_count: int) -> str:
    targets = [*plan.links, *plan.joins]
    kinds = Counter(target.kind.partition(".")[0] for target in targets)
    transposed = sum(target.transpose for target in targets)
    return (
        f"{len(targets) + len(plan.torch_only)} torch tensors from {paddle_count} Paddle tensors "
        f"({transposed} transposed, {len(plan.joins)} joined, {len(plan.torch_only)} torch-only filled, "
        f"{len(plan.aliases)} RNN aliases checked); by layer: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    )


def _rename(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    if not text.lstrip().startswith("{"):  # not inline JSON: a file holding it
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as error:
            raise UsageError(f"--rename: cannot read {text}: {error.strerror}") from error
    mapping = json_object(text, "--rename")
    if not all(isinstance(value, str) for value in mapping.values()):
        raise UsageError("--rename values must be strings (Paddle module paths)")
    return mapping


def _load(spec: str, option: str):
    from porter.loading import LoadError, load_callable

    try:
        return load_callable(spec)
    except LoadError as error:
        raise LoadError(f"{option} {spec}: {error}") from error.__cause__


def _build(factory, kwargs: dict[str, Any], side: str):
    from porter.loading import user_code_failed

    try:
        return factory(**kwargs)
    except (Exception, SystemExit) as error:  # user code: report it, do not crash the CLI
        raise user_code_failed(f"building the {side} model", error) from error


def _expect(model: Any, base: str, option: str) -> None:
    import paddle
    import torch

    expected = {"paddle.nn.Layer": paddle.nn.Layer, "torch.nn.Module": torch.nn.Module}[base]
    if not isinstance(model, expected):
        raise UsageError(f"{option} built a {type(model).__module__}.{type(model).__name__}, not a {base}")


def _source_file(spec: str) -> Path:
    import importlib.util

    module_part = spec.rpartition(":")[0]
    if module_part.endswith(".py"):
        return Path(module_part)
    found = importlib.util.find_spec(module_part)
    if found is None or not found.origin or not found.origin.endswith(".py"):
        raise UsageError(f"cannot find the source file of {module_part}; pass --torch-model")
    return Path(found.origin)


def _converted(paddle_spec: str, scratch: Path):
    """Convert the Paddle model's source file with porter convert and take the same name from it."""
    from porter.loading import import_converted

    path = _source_file(paddle_spec)
    name = paddle_spec.rpartition(":")[2]
    module, result = import_converted(
        path, scratch, f"porter_weights_{path.stem}_{abs(hash(str(path.resolve())))}"
    )
    if result.attention:
        print(
            f"porter weights: note: the conversion of {path} has {len(result.attention)} item(s) needing "
            f"attention (see `porter convert {path}`); the transfer itself is still checked tensor by tensor",
            file=sys.stderr,
        )
    if not hasattr(module, name):
        raise UsageError(f"the converted {path.name} has no {name!r}")
    return getattr(module, name)
