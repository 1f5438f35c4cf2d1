"""``paddle.metric``: the accuracy function and the metric objects ``paddle.Model`` reports, in torch.

Equal scores are ranked as Paddle ranks them (measured, tests/convert/test_training_helpers.py): the
accuracy function takes the top k like ``paddle.topk`` (torch's CPU top-k orders ties the same way), the
Accuracy metric sorts like ``paddle.argsort``, which keeps equal scores in class order (a stable sort).
"""

from __future__ import annotations

import abc
import math

import torch


def accuracy(input: torch.Tensor, label: torch.Tensor, k: int = 1) -> torch.Tensor:
    """``paddle.metric.accuracy``: the share of rows of ``input`` ([N, C] scores) whose ``k`` highest scores
    include the row's ``label`` ([N, 1] class indices), as a 0-d float32 tensor."""
    if label.dim() != 2:
        raise ValueError(f"accuracy: label must be [N, 1] class indices, got shape {list(label.shape)}")
    top = torch.topk(input, k, dim=-1).indices
    hits = (top == label.reshape(-1, 1).to(top.dtype)).any(dim=1)
    return hits.to(torch.float32).mean()


class Metric(abc.ABC):
    """``paddle.metric.Metric``: the interface ``paddle.Model`` drives. ``compute`` turns a batch's outputs
    and labels into the values ``update`` accumulates (as numpy); by default it passes them through."""

    @abc.abstractmethod
    def reset(self) -> None: ...

    @abc.abstractmethod
    def update(self, *args): ...

    @abc.abstractmethod
    def accumulate(self): ...

    @abc.abstractmethod
    def name(self): ...

    def compute(self, *args):
        return args


class Accuracy(Metric):
    """``paddle.metric.Accuracy``: top-k accuracy accumulated over batches.

    ``compute(pred, label)`` gives the [N, max(topk)] float32 mask of the top-ranked classes that equal the
    label ([N] or [N, 1] indices, or one-hot [N, C]); ``update(mask)`` (a tensor or an array) adds it to
    the running counts and returns this batch's accuracy; ``accumulate()`` the accuracy so far (one value
    per k, a single float when ``topk`` has one entry).
    """

    def __init__(self, topk=(1,), name=None):
        super().__init__()
        self.topk = topk
        self.maxk = max(topk)
        name = name or "acc"
        self._name = [f"{name}_top{k}" for k in topk] if self.maxk != 1 else [name]
        self.reset()

    def compute(self, pred, label, *args):
        ranked = torch.argsort(pred, dim=-1, descending=True, stable=True)[..., : self.maxk]
        if label.dim() == 1 or (label.dim() == 2 and label.shape[-1] == 1):
            label = label.reshape(-1, 1)
        elif label.shape[-1] != 1:  # one-hot
            label = label.argmax(dim=-1, keepdim=True)
        return (ranked == label.to(ranked.dtype)).to(torch.float32)

    def update(self, correct, *args):
        correct = torch.as_tensor(correct)
        samples = math.prod(correct.shape[:-1])
        accuracies = []
        for index, k in enumerate(self.topk):
            hits = float(correct[..., :k].sum())
            accuracies.append(hits / samples)
            self.total[index] += hits
            self.count[index] += samples
        return accuracies[0] if len(self.topk) == 1 else accuracies

    def reset(self) -> None:
        self.total = [0.0] * len(self.topk)
        self.count = [0] * len(self.topk)

    def accumulate(self):
        pairs = zip(self.total, self.count, strict=True)
        values = [float(total) / count if count > 0 else 0.0 for total, count in pairs]
        return values[0] if len(self.topk) == 1 else values

    def name(self):
        return self._name
