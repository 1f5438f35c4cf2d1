"""Paddle state dict -> torch state dict, decided by torch layer type and name, never by shapes.

Every torch state-dict key is owned by one module; that module's type says which Paddle tensor feeds
it and how (Linear weights are stored [in, out] by Paddle and [out, in] by torch; BatchNorm statistics
are called ``_mean``/``_variance``; ...). The plan accounts for every tensor on both sides exactly once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

Rename = Mapping[str, str] | Callable[[str], str] | None


class TransferError(ValueError):
    """The two state dicts do not line up; the message lists every problem with shapes."""


@dataclass(frozen=True)
class TensorLink:
    """One Paddle tensor feeds one torch tensor."""

    paddle_key: str
    torch_key: str
    transpose: bool
    kind: str
    torch_shape: tuple[int, ...] | None = None
    torch_dtype: torch.dtype | None = None
    # Only where the layer rule knows Paddle stores the same values in another shape (Bilinear bias
    # [1, out]; LayerNorm over several axes keeps its weight flat).
    reshape: bool = False


@dataclass(frozen=True)
class TorchOnly:
    """A torch tensor with no Paddle counterpart, filled with zeros (e.g. ``num_batches_tracked``)."""

    torch_key: str
    shape: tuple[int, ...]
    dtype: torch.dtype


@dataclass(frozen=True)
class _Rule:
    paddle_name: str | None  # None: torch-only, filled with zeros
    kind: str
    transpose: bool = False
    reshape: bool = False


@dataclass(frozen=True)
class TransferPlan:
    links: tuple[TensorLink, ...]
    torch_only: tuple[str, ...]
    fills: tuple[TorchOnly, ...] = ()
    # (alias, canonical): Paddle keys that repeat another key's tensor (RNN cells), checked equal, not copied.
    aliases: tuple[tuple[str, str], ...] = ()

    def to_torch(self, paddle_state: Mapping[str, np.ndarray]) -> dict[str, torch.Tensor]:
        """Build the torch state dict; raises TransferError if the arrays no longer fit the plan."""
        out: dict[str, torch.Tensor] = {}
        problems: list[str] = []
        for link in self.links:
            if link.paddle_key not in paddle_state:
                problems.append(f"  missing Paddle tensor {link.paddle_key} for {link.torch_key}")
                continue
            array = np.asarray(paddle_state[link.paddle_key])
            laid_out = array.T if link.transpose else array
            if link.reshape and link.torch_shape is not None and laid_out.size == _numel(link.torch_shape):
                laid_out = laid_out.reshape(link.torch_shape)
            if link.torch_shape is not None and laid_out.shape != link.torch_shape:
                problems.append(
                    f"  {link.paddle_key} {_shape_text(array.shape)} -> {link.torch_key} "
                    f"{_shape_text(link.torch_shape)} ({link.kind})"
                )
                continue
            tensor = _as_tensor(np.ascontiguousarray(laid_out))
            out[link.torch_key] = tensor.to(link.torch_dtype) if link.torch_dtype else tensor
        for alias, canonical in self.aliases:
            present = alias in paddle_state and canonical in paddle_state
            if present and not np.array_equal(
                np.asarray(paddle_state[alias]), np.asarray(paddle_state[canonical])
            ):
                problems.append(f"  {alias} should repeat {canonical} but differs; which one is meant?")
        for fill in self.fills:
            out[fill.torch_key] = torch.zeros(fill.shape, dtype=fill.dtype)
        if problems:
            raise TransferError("Paddle arrays do not fit the transfer plan:\n" + "\n".join(problems))
        return out


def _as_tensor(array: np.ndarray) -> torch.Tensor:
    if array.dtype == np.uint16:
        # numpy has no bfloat16: Paddle stores bfloat16 tensors as their raw bits in uint16 arrays
        # (paddle.save writes them so, paddle.load reads them back as bfloat16).
        return torch.from_numpy(array.view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(array)


# -- layer rules: torch module type + local tensor name -> Paddle local name and layout -------------


def _rule_for(module: nn.Module, local: str) -> _Rule:
    if isinstance(module, nn.Linear) and local == "weight":
        return _Rule("weight", "linear.weight", transpose=True)
    if isinstance(module, nn.modules.batchnorm._NormBase):
        family = "bn" if isinstance(module, nn.modules.batchnorm._BatchNorm) else "instancenorm"
        names = {"running_mean": "_mean", "running_var": "_variance", "num_batches_tracked": None}
        if family == "instancenorm":
            names["weight"] = "scale"  # Paddle InstanceNorm calls its affine weight "scale"
        return _Rule(names.get(local, local), f"{family}.{local}")
    if isinstance(module, nn.PReLU) and local == "weight":
        return _Rule("_weight", "prelu.weight")
    if isinstance(module, nn.Bilinear) and local == "bias":
        return _Rule("bias", "bilinear.bias", reshape=True)  # Paddle keeps it as [1, out]
    if isinstance(module, nn.LayerNorm):
        # Paddle flattens the affine tensors: normalized_shape [3, 4] gives weight [12], torch keeps [3, 4].
        return _Rule(local, f"layernorm.{local}", reshape=True)
    for family_type, family in _UNCHANGED_FAMILIES:
        if isinstance(module, family_type):
            return _Rule(local, f"{family}.{local}")
    return _Rule(local, "param")  # a parameter registered directly on a custom module keeps its name


# Same names and layouts on both sides (checked with real layers in tests/weights).
_UNCHANGED_FAMILIES: tuple[tuple[type, str], ...] = (
    # Paddle and torch both store transposed-conv weights as [in, out // groups, *kernel].
    (nn.modules.conv._ConvTransposeNd, "conv_transpose"),
    (nn.modules.conv._ConvNd, "conv"),
    (nn.Embedding, "embedding"),
    (nn.GroupNorm, "groupnorm"),
    (nn.Linear, "linear"),
    (nn.Bilinear, "bilinear"),
    (nn.RNNBase, "rnn"),
)


def _paddle_types_by_family() -> dict[str, tuple[type, ...]]:
    """Paddle layer types whose tensors each torch-side rule is written for."""
    from paddle import nn as pn
    from paddle.nn.layer import conv, norm, rnn

    transposed = (pn.Conv1DTranspose, pn.Conv2DTranspose, pn.Conv3DTranspose)
    return {
        "linear": (pn.Linear,),
        "bn": (norm._BatchNormBase, pn.BatchNorm),
        "instancenorm": (norm._InstanceNormBase,),
        "prelu": (pn.PReLU,),
        "bilinear": (pn.Bilinear,),
        "layernorm": (pn.LayerNorm,),
        "groupnorm": (pn.GroupNorm,),
        "embedding": (pn.Embedding,),
        "conv_transpose": transposed,
        "conv": (conv._ConvNd,),  # minus the transposed ones, checked separately
        "rnn": (rnn.RNNBase,),
    }


_RNN_FLAT_NAME = re.compile(r"(?P<tensor>(weight|bias)_(ih|hh))_l(?P<layer>\d+)(?P<reverse>_reverse)?")


def _rnn_alias(module: nn.Module, paddle_path: str, local: str) -> str | None:
    """Paddle RNN/LSTM/GRU also list each flat weight under its cell: ``0.cell.weight_ih`` = ``weight_ih_l0``."""
    match = _RNN_FLAT_NAME.fullmatch(local)
    if not isinstance(module, nn.RNNBase) or not match:
        return None
    cell = ("cell_bw" if match["reverse"] else "cell_fw") if module.bidirectional else "cell"
    return _join(paddle_path, match["layer"], cell, match["tensor"])


# -- renaming ---------------------------------------------------------------------------------------


def _renamer(rename: Rename) -> Callable[[str], str]:
    if rename is None:
        return lambda path: path
    if callable(rename):
        return rename
    table = dict(rename)

    def by_longest_prefix(path: str) -> str:
        parts = path.split(".") if path else []
        for cut in range(len(parts), -1, -1):
            head = ".".join(parts[:cut])
            if head in table:
                return _join(table[head], *parts[cut:])
        return path

    return by_longest_prefix


def _join(*parts: str) -> str:
    return ".".join(part for part in parts if part)


# -- planning ---------------------------------------------------------------------------------------


def _owner(torch_module: nn.Module, key: str) -> tuple[str, nn.Module, str]:
    path, _, local = key.rpartition(".")
    return path, torch_module.get_submodule(path) if path else torch_module, local


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def plan_transfer(
    paddle_shapes: Mapping[str, tuple[int, ...]],
    torch_module: nn.Module,
    *,
    rename: Rename = None,
) -> TransferPlan:
    """Decide, for every torch state-dict entry, which Paddle tensor fills it and how."""
    rename_path = _renamer(rename)
    paddle_shapes = {key: tuple(int(d) for d in shape) for key, shape in paddle_shapes.items()}
    links: list[TensorLink] = []
    fills: list[TorchOnly] = []
    unsourced: list[str] = []
    aliases: list[tuple[str, str]] = []
    mismatched: dict[str, str] = {}  # Paddle key -> message; matched by name, so not "unused"
    for torch_key, tensor in torch_module.state_dict().items():
        torch_shape = tuple(tensor.shape)
        path, module, local = _owner(torch_module, torch_key)
        rule = _rule_for(module, local)
        if rule.paddle_name is None:
            fills.append(TorchOnly(torch_key, torch_shape, tensor.dtype))
            continue
        paddle_path = rename_path(path)
        paddle_key = _join(paddle_path, rule.paddle_name)
        alias = _rnn_alias(module, paddle_path, local)
        if alias in paddle_shapes:
            aliases.append((alias, paddle_key))
        if paddle_key not in paddle_shapes:
            unsourced.append(f"  {torch_key} {_shape_text(torch_shape)} (expected Paddle key {paddle_key!r})")
            continue
        paddle_shape = paddle_shapes[paddle_key]
        laid_out = paddle_shape[::-1] if rule.transpose else paddle_shape
        fits = laid_out == torch_shape or (rule.reshape and _numel(laid_out) == _numel(torch_shape))
        if not fits:
            how = " after transposing" if rule.transpose else ""
            mismatched[paddle_key] = (
                f"  {paddle_key} {_shape_text(paddle_shape)} -> {torch_key} {_shape_text(torch_shape)}"
                f"{how} ({rule.kind})"
            )
            continue
        reshape = rule.reshape and laid_out != torch_shape
        links.append(
            TensorLink(paddle_key, torch_key, rule.transpose, rule.kind, torch_shape, tensor.dtype, reshape)
        )
    _raise_on_problems(paddle_shapes, links, mismatched, unsourced, aliases)
    return TransferPlan(
        links=tuple(links),
        torch_only=tuple(fill.torch_key for fill in fills),
        fills=tuple(fills),
        aliases=tuple(aliases),
    )


def _raise_on_problems(
    paddle_shapes: Mapping[str, tuple[int, ...]],
    links: list[TensorLink],
    mismatched: dict[str, str],
    unsourced: list[str],
    aliases: list[tuple[str, str]],
) -> None:
    uses = Counter(link.paddle_key for link in links)
    named = set(uses) | set(mismatched) | {alias for alias, _ in aliases}
    unused = [f"  {key} {_shape_text(shape)}" for key, shape in paddle_shapes.items() if key not in named]
    reused = [
        f"  {key} feeds {', '.join(link.torch_key for link in links if link.paddle_key == key)}"
        for key, count in uses.items()
        if count > 1
    ]
    sections = [
        ("shape mismatches (Paddle -> torch)", list(mismatched.values())),
        ("torch tensors with no Paddle source", unsourced),
        ("Paddle tensors not used", unused),
        ("Paddle tensors used more than once", reused),
    ]
    _raise_if_any("Paddle and torch state dicts do not match", sections)


def _raise_if_any(headline: str, sections: list[tuple[str, list[str]]]) -> None:
    if any(lines for _, lines in sections):
        body = "\n".join(f"{title}:\n" + "\n".join(lines) for title, lines in sections if lines)
        raise TransferError(f"{headline}:\n{body}")


def check_paddle_state(paddle_state: Mapping[str, Any], paddle_layer: Any) -> None:
    """The checkpoint must fit the Paddle model it is said to belong to: same keys, same shapes."""
    expected = {key: tuple(value.shape) for key, value in paddle_layer.state_dict().items()}
    found = {key: tuple(np.shape(value)) for key, value in paddle_state.items()}
    sections = [
        (
            "shape mismatches (checkpoint -> Paddle model)",
            [
                f"  {key} {_shape_text(shape)} -> {_shape_text(expected[key])}"
                for key, shape in found.items()
                if key in expected and expected[key] != shape
            ],
        ),
        (
            "Paddle model tensors missing from the checkpoint",
            [f"  {key} {_shape_text(shape)}" for key, shape in expected.items() if key not in found],
        ),
        (
            "checkpoint tensors the Paddle model does not have",
            [f"  {key} {_shape_text(shape)}" for key, shape in found.items() if key not in expected],
        ),
    ]
    _raise_if_any("the checkpoint does not fit the Paddle model", sections)


def check_layer_types(plan: TransferPlan, paddle_layer: Any) -> None:
    """Each layout rule was chosen from a torch module's type; the Paddle layer it reads from must be the
    matching Paddle type, or the rule (a transpose, a renamed statistic) could be wrong even when the
    shapes happen to fit (a square Linear)."""
    expected = _paddle_types_by_family()
    sublayers = dict(paddle_layer.named_sublayers(include_self=True))
    problems: list[str] = []
    seen: set[str] = set()
    for link in plan.links:
        family = link.kind.partition(".")[0]
        path = link.paddle_key.rpartition(".")[0]
        if family not in expected or path in seen:
            continue
        seen.add(path)
        found = sublayers.get(path)
        wrong_conv = family == "conv" and isinstance(found, expected["conv_transpose"])
        if not isinstance(found, expected[family]) or wrong_conv:
            torch_path = link.torch_key.rpartition(".")[0] or "(root)"
            problems.append(
                f"  torch {torch_path} is a {family} layer, but Paddle {path or '(root)'} is "
                f"{type(found).__name__ if found is not None else 'missing'}"
            )
    if problems:
        raise TransferError(
            "layer types differ, so the layout rules would not apply:\n" + "\n".join(problems)
        )


# -- conveniences -----------------------------------------------------------------------------------


def _is_paddle_layer(value: Any) -> bool:
    return callable(getattr(value, "state_dict", None)) and callable(getattr(value, "named_sublayers", None))


def paddle_state_to_numpy(paddle_layer_or_state: Any) -> dict[str, np.ndarray]:
    """A Paddle layer, a Paddle state dict, or a dict of arrays -> dict of numpy arrays."""
    state = paddle_layer_or_state
    if _is_paddle_layer(state):
        state = state.state_dict()
    return {key: _to_numpy(value) for key, value in state.items()}


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "numpy"):  # a Paddle tensor; bfloat16 comes out as its uint16 bits, see _as_tensor
        return np.asarray(value.numpy())
    return np.asarray(value)


def transfer_state_dict(
    paddle_state: Mapping[str, Any], torch_module: nn.Module, *, rename: Rename = None
) -> dict[str, torch.Tensor]:
    arrays = paddle_state_to_numpy(paddle_state)
    plan = plan_transfer({key: value.shape for key, value in arrays.items()}, torch_module, rename=rename)
    return plan.to_torch(arrays)


def copy_paddle_to_torch(
    paddle_layer_or_state: Any, torch_module: nn.Module, *, rename: Rename = None
) -> TransferPlan:
    """Load Paddle weights into ``torch_module`` in place (strict) and return the plan used.

    Given a Paddle layer (not just a state dict), its layer types are checked against the torch ones."""
    arrays = paddle_state_to_numpy(paddle_layer_or_state)
    plan = plan_transfer({key: value.shape for key, value in arrays.items()}, torch_module, rename=rename)
    if _is_paddle_layer(paddle_layer_or_state):
        check_layer_types(plan, paddle_layer_or_state)
    torch_module.load_state_dict(plan.to_torch(arrays), strict=True)
    return plan
