"""``paddle.nn.functional.cross_entropy`` and ``paddle.nn.CrossEntropyLoss`` with Paddle's conventions.

torch's cross entropy puts the classes on dim 1 and takes class indices of the input's shape without it.
Paddle's puts them on ``axis`` (the last one by default), also takes labels that keep that axis with size
1, and differs in its reductions: a mean over hard labels whose ``ignore_index`` is negative divides by
every label (ignored ones included), a weighted soft-label loss is scaled by the label's weight, and label
smoothing is computed in float32 on one-hot labels.
"""

from __future__ import annotations

import torch


def cross_entropy(
    input: torch.Tensor,
    label: torch.Tensor,
    weight: torch.Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    soft_label: bool = False,
    axis: int = -1,
    use_softmax: bool = True,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Cross entropy over the class axis ``axis`` of ``input`` (logits, or probabilities when
    ``use_softmax`` is False), as ``paddle.nn.functional.cross_entropy`` computes it."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    axis = axis % input.dim()
    classes = input.shape[axis]
    squeeze_class_axis = label.dim() == input.dim() - 1  # Paddle drops the class axis of 'none' then
    scores = input.movedim(axis, -1)
    if label_smoothing > 0.0:
        one_hot = (
            torch.nn.functional.one_hot(label.long(), classes)
            if squeeze_class_axis
            else label.movedim(axis, -1)
        )
        smoothed = (1.0 - label_smoothing) * one_hot.to(torch.float32) + label_smoothing / classes
        label, soft_label, squeeze_class_axis = smoothed.to(input.dtype), True, False
    else:
        label = label.unsqueeze(-1) if squeeze_class_axis else label.movedim(axis, -1)
    log_probabilities = torch.log_softmax(scores, dim=-1) if use_softmax else torch.log(scores)
    if soft_label:
        loss = -(label * log_probabilities).sum(dim=-1, keepdim=True)
        weights = None if weight is None else (label * weight).sum(dim=-1, keepdim=True)
    else:
        index = label.long()
        kept = index != ignore_index
        safe = torch.where(kept, index, torch.zeros_like(index))
        loss = -log_probabilities.gather(-1, safe) * kept
        weights = None if weight is None else weight[safe] * kept
    if weights is not None:
        loss = loss * weights
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        if not soft_label and ignore_index >= 0:
            count = kept.sum().to(loss.dtype) if weights is None else weights.sum()
        elif weights is not None:
            count = weights.sum()
        else:
            return loss.mean()
        return loss.sum() / torch.where(count == 0, torch.ones_like(count), count)
    loss = loss.movedim(-1, axis)
    return loss.squeeze(axis) if squeeze_class_axis else loss


class CrossEntropyLoss(torch.nn.Module):
    """``paddle.nn.CrossEntropyLoss``: ``cross_entropy`` with its arguments fixed at construction."""

    def __init__(
        self,
        weight: torch.Tensor | None = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        soft_label: bool = False,
        axis: int = -1,
        use_softmax: bool = True,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        self.weight = weight  # a plain attribute, as in Paddle: not part of the state dict
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.soft_label = soft_label
        self.axis = axis
        self.use_softmax = use_softmax
        self.label_smoothing = label_smoothing

    def forward(self, input: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        return cross_entropy(
            input,
            label,
            self.weight,
            self.ignore_index,
            self.reduction,
            self.soft_label,
            self.axis,
            self.use_softmax,
            self.label_smoothing,
        )
