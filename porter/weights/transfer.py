"""Paddle state dict -> torch state dict, decided by torch layer type and name, never by shapes.

Every torch state-dict key is owned by one module; that module's type says which Paddle tensor feeds
it and how (Linear weights are stored [in, out] by Paddle and [out, in] by torch; BatchNorm statistics
are called ``_mean``/``_variance``; ...). The plan accounts for every tensor on both sides exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from porter.weights.rules import (
    Rule,
    join_path,
    paddle_child_names,
    paddle_types_by_family,
    rnn_alias,
    rule_for,
)

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
    zero_row: int | None = None  # an Embedding's padding_idx: see rules.Rule
    norm_axis: int | None = None  # a weight norm's _g: the axis Paddle's must have used (rules.Rule)

    def lay_out(self, array: np.ndarray) -> np.ndarray:
        """A Paddle array (a weight, or its gradient) in this torch tensor's layout."""
        array = np.asarray(array)
        laid_out = array.T if self.transpose else array
        if self.reshape and self.torch_shape is not None and laid_out.size == _numel(self.torch_shape):
            laid_out = laid_out.reshape(self.torch_shape)
        if self.zero_row is not None and laid_out.ndim == 2 and 0 <= self.zero_row < laid_out.shape[0]:
            laid_out = laid_out.copy()
            laid_out[self.zero_row] = 0
        return laid_out


@dataclass(frozen=True)
class TorchOnly:
    """A torch tensor with no Paddle counterpart, filled with zeros (e.g. ``num_batches_tracked``)."""

    torch_key: str
    shape: tuple[int, ...]
    dtype: torch.dtype


@dataclass(frozen=True)
class TensorJoin:
    """Several Paddle tensors, each laid out by the rule, concatenated on axis 0 into one torch tensor
    (torch's MultiheadAttention packs q/k/v into ``in_proj_weight``; Paddle keeps three Linears)."""

    paddle_keys: tuple[str, ...]
    torch_key: str
    transpose: bool
    kind: str
    torch_shape: tuple[int, ...]
    torch_dtype: torch.dtype

    def lay_out(self, arrays: list[np.ndarray]) -> np.ndarray:
        """The Paddle arrays (in ``paddle_keys`` order) joined in this torch tensor's layout."""
        return np.concatenate([np.asarray(a).T if self.transpose else np.asarray(a) for a in arrays])


@dataclass(frozen=True)
class TransferPlan:
    links: tuple[TensorLink, ...]
    torch_only: tuple[str, ...]
    fills: tuple[TorchOnly, ...] = ()
    joins: tuple[TensorJoin, ...] = ()
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
            laid_out = link.lay_out(array)
            if link.torch_shape is not None and laid_out.shape != link.torch_shape:
                problems.append(
                    f"  {link.paddle_key} {_shape_text(array.shape)} -> {link.torch_key} "
                    f"{_shape_text(link.torch_shape)} ({link.kind})"
                )
                continue
            tensor = _as_tensor(np.ascontiguousarray(laid_out))
            out[link.torch_key] = tensor.to(link.torch_dtype) if link.torch_dtype else tensor
        for join in self.joins:
            missing = [key for key in join.paddle_keys if key not in paddle_state]
            if missing:
                problems.append(f"  missing Paddle tensors {', '.join(missing)} for {join.torch_key}")
                continue
            joined = join.lay_out([paddle_state[key] for key in join.paddle_keys])
            if joined.shape != join.torch_shape:
                problems.append(
                    f"  {' + '.join(join.paddle_keys)} -> {join.torch_key} {_shape_text(join.torch_shape)}"
                )
                continue
            out[join.torch_key] = _as_tensor(np.ascontiguousarray(joined)).to(join.torch_dtype)
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


# -- renaming ---------------------------------------------------------------------------------------


def module_path_renamer(rename: Rename) -> Callable[[str], str]:
    """torch module path -> Paddle module path, from a mapping (longest prefix wins) or a callable.

    Public because the verify locator must follow the same renames as the weight transfer.
    """
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
                return join_path(table[head], *parts[cut:])
        return path

    return by_longest_prefix


# -- planning ---------------------------------------------------------------------------------------


def _owner(torch_module: nn.Module, key: str) -> tuple[str, nn.Module, str]:
    path, _, local = key.rpartition(".")
    return path, torch_module.get_submodule(path) if path else torch_module, local


def _numel(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


@dataclass
class _Accounts:
    """What planning found, kept until every key was seen so that all problems are reported together."""

    paddle_shapes: dict[str, tuple[int, ...]]
    links: list[TensorLink] = field(default_factory=list)
    joins: list[TensorJoin] = field(default_factory=list)
    fills: list[TorchOnly] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    unsourced: list[str] = field(default_factory=list)
    mismatched: dict[str, str] = field(default_factory=dict)  # matched by name, so not "unused"

    def link(self, rule: Rule, paddle_key: str, torch_key: str, tensor: torch.Tensor) -> None:
        torch_shape = tuple(tensor.shape)
        if paddle_key not in self.paddle_shapes:
            self.unsourced.append(
                f"  {torch_key} {_shape_text(torch_shape)} (expected Paddle key {paddle_key!r})"
            )
            return
        paddle_shape = self.paddle_shapes[paddle_key]
        laid_out = paddle_shape[::-1] if rule.transpose else paddle_shape
        if laid_out == torch_shape or (rule.reshape and _numel(laid_out) == _numel(torch_shape)):
            reshape = rule.reshape and laid_out != torch_shape
            link = TensorLink(
                paddle_key,
                torch_key,
                rule.transpose,
                rule.kind,
                torch_shape,
                tensor.dtype,
                reshape,
                rule.zero_row,
                rule.norm_axis,
            )
            self.links.append(link)
            return
        how = " after transposing" if rule.transpose else ""
        self.mismatched[paddle_key] = (
            f"  {paddle_key} {_shape_text(paddle_shape)} -> {torch_key} {_shape_text(torch_shape)}{how} ({rule.kind})"
        )

    def join(self, rule: Rule, paddle_keys: tuple[str, ...], torch_key: str, tensor: torch.Tensor) -> None:
        torch_shape = tuple(tensor.shape)
        missing = [key for key in paddle_keys if key not in self.paddle_shapes]
        if missing:
            expected = ", ".join(repr(key) for key in missing)
            self.unsourced.append(
                f"  {torch_key} {_shape_text(torch_shape)} (expected Paddle keys {expected})"
            )
            return
        shapes = [self.paddle_shapes[key][:: -1 if rule.transpose else 1] for key in paddle_keys]
        rows = sum(shape[0] for shape in shapes if shape)
        if all(shape[1:] == torch_shape[1:] for shape in shapes) and (rows,) == torch_shape[:1]:
            self.joins.append(
                TensorJoin(paddle_keys, torch_key, rule.transpose, rule.kind, torch_shape, tensor.dtype)
            )
            return
        parts = " + ".join(f"{key} {_shape_text(self.paddle_shapes[key])}" for key in paddle_keys)
        how = " transposed and" if rule.transpose else ""
        self.mismatched[paddle_keys[0]] = f"  {parts} ->{how} joined {torch_key} {_shape_text(torch_shape)}"
        self.mismatched.update(dict.fromkeys(paddle_keys[1:], ""))


def plan_transfer(
    paddle_shapes: Mapping[str, tuple[int, ...]],
    torch_module: nn.Module,
    *,
    rename: Rename = None,
) -> TransferPlan:
    """Decide, for every torch state-dict entry, which Paddle tensor fills it and how."""
    rename_path = module_path_renamer(rename)
    accounts = _Accounts({key: tuple(int(d) for d in shape) for key, shape in paddle_shapes.items()})
    for torch_key, tensor in torch_module.state_dict().items():
        path, module, local = _owner(torch_module, torch_key)
        rule = rule_for(module, local)
        paddle_path = rename_path(paddle_child_names(torch_module, path))
        if rule is None:
            accounts.unsourced.append(
                f"  {torch_key} {_shape_text(tuple(tensor.shape))} (porter has no rule for "
                f"{type(module).__name__}.{local}; see docs/weights.md)"
            )
        elif rule.paddle_name is None:
            accounts.fills.append(TorchOnly(torch_key, tuple(tensor.shape), tensor.dtype))
        elif isinstance(rule.paddle_name, tuple):
            accounts.join(
                rule, tuple(join_path(paddle_path, name) for name in rule.paddle_name), torch_key, tensor
            )
        else:
            paddle_key = join_path(paddle_path, rule.paddle_name)
            accounts.link(rule, paddle_key, torch_key, tensor)
            alias = rnn_alias(module, paddle_path, local)
            if alias in accounts.paddle_shapes:
                accounts.aliases.append((alias, paddle_key))
    _raise_on_problems(accounts)
    return TransferPlan(
        links=tuple(accounts.links),
        torch_only=tuple(fill.torch_key for fill in accounts.fills),
        fills=tuple(accounts.fills),
        joins=tuple(accounts.joins),
        aliases=tuple(accounts.aliases),
    )


def _raise_on_problems(accounts: _Accounts) -> None:
    feeds: dict[str, list[str]] = {}  # Paddle key -> the torch keys it fills
    for link in accounts.links:
        feeds.setdefault(link.paddle_key, []).append(link.torch_key)
    for join in accounts.joins:
        for key in join.paddle_keys:
            feeds.setdefault(key, []).append(join.torch_key)
    named = set(feeds) | set(accounts.mismatched) | {alias for alias, _ in accounts.aliases}
    unused = [
        f"  {key} {_shape_text(shape)}" for key, shape in accounts.paddle_shapes.items() if key not in named
    ]
    reused = [f"  {key} feeds {', '.join(targets)}" for key, targets in feeds.items() if len(targets) > 1]
    sections = [
        ("shape mismatches (Paddle -> torch)", [line for line in accounts.mismatched.values() if line]),
        ("torch tensors with no Paddle source", accounts.unsourced),
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
    expected = paddle_types_by_family()
    sublayers = dict(paddle_layer.named_sublayers(include_self=True))
    problems: list[str] = []
    seen: set[str] = set()
    sources = [(link.kind, link.paddle_key, link.torch_key) for link in plan.links]
    sources += [(join.kind, join.paddle_keys[0], join.torch_key) for join in plan.joins]
    for kind, paddle_key, torch_key in sources:
        family = kind.partition(".")[0]
        # The rule's Paddle layer owns the key; MultiheadAttention reads keys of its q/k/v sublayers.
        path = ".".join(paddle_key.split(".")[: -2 if family == "mha" else -1])
        if family not in expected or path in seen:
            continue
        seen.add(path)
        found = sublayers.get(path)
        wrong_conv = family == "conv" and isinstance(found, expected["conv_transpose"])
        if not isinstance(found, expected[family]) or wrong_conv:
            torch_path = torch_key.rpartition(".")[0] or "(root)"
            problems.append(
                f"  torch {torch_path} is a {family} layer, but Paddle {path or '(root)'} is "
                f"{type(found).__name__ if found is not None else 'missing'}"
            )
    problems += _weight_norm_axes(plan, sublayers)
    if problems:
        raise TransferError(
            "layer types differ, so the layout rules would not apply:\n" + "\n".join(problems)
        )


def _weight_norm_axes(plan: TransferPlan, sublayers: Mapping[str, Any]) -> list[str]:
    """A weight norm's ``_g`` holds norms over one axis; Paddle's must be the one the torch layer uses."""
    problems = []
    for link in plan.links:
        if link.norm_axis is None:
            continue
        path, _, local = link.paddle_key.rpartition(".")
        hooks = getattr(sublayers.get(path), "_forward_pre_hooks", {}).values()
        axes = [hook.dim for hook in hooks if getattr(hook, "name", None) == local[: -len("_g")]]
        if axes and axes[0] != link.norm_axis:
            problems.append(
                f"  {link.paddle_key}: Paddle's weight norm is over axis {axes[0]}, the torch layer's "
                f"({link.torch_key}) over Paddle's axis {link.norm_axis}"
            )
    return problems


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
