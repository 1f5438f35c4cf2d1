"""Write (and read back) torch state dicts: safetensors by default, ``.pt``/``.pth`` on request.

``.pt`` files hold a plain dict of tensors, so ``torch.load(path, weights_only=True)`` reads them.
Writes go to a temporary file in the target directory, then replace the target in one step, so an
interrupted run never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import torch

from porter import __version__

SAFETENSORS_SUFFIXES = (".safetensors",)
TORCH_SUFFIXES = (".pt", ".pth")


class OutputError(ValueError):
    """The output path cannot be written as asked."""


def output_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in SAFETENSORS_SUFFIXES:
        return "safetensors"
    if suffix in TORCH_SUFFIXES:
        return "torch"
    raise OutputError(
        f"{path}: unknown output format {suffix or '(no suffix)'!r}; use .safetensors, .pt or .pth"
    )


def _same_file(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and os.path.samefile(a, b)


def save_state(
    state: Mapping[str, torch.Tensor],
    path: str | Path,
    *,
    source: str = "",
    protect: tuple[str | Path, ...] = (),
) -> Path:
    """Write ``state`` to ``path`` (format from the suffix); never overwrites a path in ``protect``."""
    path = Path(path)
    kind = output_format(path)
    for guarded in protect:
        if _same_file(path, Path(guarded)) or path.resolve() == Path(guarded).resolve():
            raise OutputError(f"{path}: refusing to overwrite the input file")
    if not path.parent.is_dir():
        raise OutputError(f"{path}: directory {path.parent} does not exist")
    tensors = _standalone(state)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        if kind == "safetensors":
            from safetensors.torch import save_file

            save_file(
                tensors,
                temporary,
                metadata={"format": "pt", "producer": f"porter {__version__}", "source": source},
            )
        else:
            torch.save(tensors, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def _standalone(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Contiguous CPU tensors in a plain dict; tensors sharing storage get their own copy (safetensors
    refuses shared storage)."""
    out: dict[str, torch.Tensor] = {}
    seen: set[int] = set()
    for key, tensor in state.items():
        tensor = tensor.detach().cpu().contiguous()
        pointer = tensor.untyped_storage().data_ptr()
        if pointer in seen and tensor.numel():
            tensor = tensor.clone()
        seen.add(pointer)
        out[str(key)] = tensor
    return out


def load_state(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a file written by :func:`save_state` without unpickling code (``weights_only=True``)."""
    if output_format(path) == "safetensors":
        from safetensors.torch import load_file

        return load_file(str(path))
    return torch.load(path, map_location="cpu", weights_only=True)
