"""Which Paddle tensor feeds a torch tensor, and in what layout, decided by the torch module's type.

Each rule was checked against real Paddle and torch layers (tests/weights/test_transfer.py compares
forwards after the copy); a type not listed here keeps its tensor names and layouts unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class Rule:
    paddle_name: str | tuple[str, ...] | None  # a tuple: joined; None: torch-only, filled with zeros
    kind: str
    transpose: bool = False
    reshape: bool = False
    # a row written as zeros: Paddle's Embedding outputs zeros for padding_idx whatever that row of its weight
    # holds, torch's returns the row, so the torch row must be zero for the layers to agree
    zero_row: int | None = None
    # a weight norm's ``_g``: the axis Paddle's weight norm must have used for this torch one (torch's,
    # flipped for a transposed weight; -1 the whole tensor), checked against the Paddle layer when known
    norm_axis: int | None = None


def rule_for(module: nn.Module, local: str) -> Rule | None:
    """The rule for tensor ``local`` of ``module``; None when the module's type is known but this tensor of
    it is not: never guessed."""
    split = _weight_norm_rule(module, local)
    if split is not None:
        return split
    rule = _known_layer_rule(module, local)
    if rule is not None or not isinstance(module, _KNOWN_TYPES):
        return rule or Rule(local, "param")  # a tensor registered directly on a custom module keeps its name
    return None


def _weight_norm_rule(module: nn.Module, local: str) -> Rule | None:
    """``weight_g``/``weight_v`` of a layer under ``torch.nn.utils.weight_norm``: Paddle's weight norm
    keeps the same two names. ``_v`` has the weight's layout (a Linear's transposed); ``_g`` is Paddle's
    norms squeezed to one axis ([out] for a conv, [in] for a Linear's dim 0), which torch keeps as
    broadcastable ([out, 1, 1], [1, in]): the same values, reshaped. Paddle's state dict does not say
    which axis it normalised over (a square Linear's norms fit either): the transfer takes it to be this
    layer's (porter's conversion flips it for a Linear), and checks it where the Paddle layer is at hand
    (``transfer.check_layer_types``)."""
    from torch.nn.utils.weight_norm import WeightNorm

    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, WeightNorm) and local in (f"{hook.name}_g", f"{hook.name}_v"):
            weight = _known_layer_rule(module, hook.name)
            if weight is None and not isinstance(module, _KNOWN_TYPES):
                weight = Rule(hook.name, "param")
            if weight is None or not isinstance(weight.paddle_name, str):
                return None
            suffix = local[len(hook.name) :]
            if suffix == "_g":
                axis = hook.dim
                if axis != -1:
                    rank = getattr(module, f"{hook.name}_v").dim()
                    axis %= rank
                    axis = rank - 1 - axis if weight.transpose else axis
                kind = f"{weight.kind}{suffix}"
                return Rule(weight.paddle_name + suffix, kind, reshape=True, norm_axis=axis)
            return Rule(weight.paddle_name + suffix, f"{weight.kind}{suffix}", transpose=weight.transpose)
    return None


def _known_layer_rule(module: nn.Module, local: str) -> Rule | None:
    if isinstance(module, nn.Linear):
        return {
            "weight": Rule("weight", "linear.weight", transpose=True),
            "bias": Rule("bias", "linear.bias"),
        }.get(local)
    if isinstance(module, nn.modules.batchnorm._NormBase):
        family = "bn" if isinstance(module, nn.modules.batchnorm._BatchNorm) else "instancenorm"
        names = {"weight": "weight", "bias": "bias", "running_mean": "_mean", "running_var": "_variance"}
        if family == "instancenorm":
            names["weight"] = "scale"  # Paddle InstanceNorm calls its affine weight "scale"
        if local == "num_batches_tracked":
            return Rule(None, f"{family}.{local}")  # Paddle keeps no count: filled with 0
        return Rule(names[local], f"{family}.{local}") if local in names else None
    if isinstance(module, nn.MultiheadAttention):
        projections = ("q_proj", "k_proj", "v_proj")  # Paddle's three Linears, [in, out] each
        if local == "in_proj_weight":
            return Rule(tuple(f"{p}.weight" for p in projections), "mha.in_proj_weight", transpose=True)
        if local == "in_proj_bias":
            return Rule(tuple(f"{p}.bias" for p in projections), "mha.in_proj_bias")
        if local in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):  # kdim/vdim != embed_dim
            return Rule(local.replace("_weight", ".weight"), f"mha.{local}", transpose=True)
        return None  # bias_k / bias_v (add_bias_kv) have no Paddle counterpart
    if isinstance(module, nn.PReLU):
        return Rule("_weight", "prelu.weight") if local == "weight" else None
    if isinstance(module, nn.Bilinear) and local in ("weight", "bias"):
        return Rule(local, f"bilinear.{local}", reshape=local == "bias")  # Paddle keeps the bias as [1, out]
    if isinstance(module, nn.Embedding) and local == "weight":
        return Rule("weight", "embedding.weight", zero_row=module.padding_idx)  # torch keeps it >= 0
    if isinstance(module, nn.LayerNorm) and local in ("weight", "bias"):
        # Paddle flattens the affine tensors: normalized_shape [3, 4] gives weight [12], torch keeps [3, 4].
        return Rule(local, f"layernorm.{local}", reshape=True)
    if isinstance(module, nn.RNNBase):
        return (
            Rule(local, f"rnn.{local}") if _RNN_FLAT_NAME.fullmatch(local) else None
        )  # not proj_size's weight_hr
    for family_type, family in _UNCHANGED_FAMILIES:
        if isinstance(module, family_type) and local in ("weight", "bias"):
            return Rule(local, f"{family}.{local}")
    return None


# Same names and layouts on both sides (checked with real layers in tests/weights).
_UNCHANGED_FAMILIES: tuple[tuple[type, str], ...] = (
    # Paddle and torch both store transposed-conv weights as [in, out // groups, *kernel].
    (nn.modules.conv._ConvTransposeNd, "conv_transpose"),
    (nn.modules.conv._ConvNd, "conv"),
    (nn.GroupNorm, "groupnorm"),
)
_KNOWN_TYPES = (
    nn.Linear,
    nn.modules.batchnorm._NormBase,
    nn.MultiheadAttention,
    nn.PReLU,
    nn.Bilinear,
    nn.LayerNorm,
    nn.RNNBase,
    nn.Embedding,
    *(family_type for family_type, _ in _UNCHANGED_FAMILIES),
)


def paddle_types_by_family() -> dict[str, tuple[type, ...]]:
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
        "mha": (pn.MultiHeadAttention,),
    }


_RNN_FLAT_NAME = re.compile(r"(?P<tensor>(weight|bias)_(ih|hh))_l(?P<layer>\d+)(?P<reverse>_reverse)?")


def rnn_alias(module: nn.Module, paddle_path: str, local: str) -> str | None:
    """Paddle RNN/LSTM/GRU also list each flat weight under its cell: ``0.cell.weight_ih`` = ``weight_ih_l0``."""
    match = _RNN_FLAT_NAME.fullmatch(local)
    if not isinstance(module, nn.RNNBase) or not match:
        return None
    cell = ("cell_bw" if match["reverse"] else "cell_fw") if module.bidirectional else "cell"
    return join_path(paddle_path, match["layer"], cell, match["tensor"])


# Child modules torch names differently from Paddle, decided by the parent's type.
_CHILD_NAMES: tuple[tuple[type, dict[str, str]], ...] = (
    (nn.TransformerDecoderLayer, {"multihead_attn": "cross_attn"}),
)


def paddle_child_names(torch_module: nn.Module, path: str) -> str:
    """``decoder.layers.0.multihead_attn`` -> ``decoder.layers.0.cross_attn``; other paths unchanged."""
    module, names = torch_module, []
    for part in path.split(".") if path else []:
        renames = next((table for owner, table in _CHILD_NAMES if isinstance(module, owner)), {})
        names.append(renames.get(part, part))
        module = module.get_submodule(part)
    return ".".join(names)


def join_path(*parts: str) -> str:
    """Dotted path from parts, skipping empty ones (the root module's path is "")."""
    return ".".join(part for part in parts if part)
