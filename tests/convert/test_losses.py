"""Cross entropy with Paddle's conventions (porter_helpers.cross_entropy / CrossEntropyLoss): the class
axis last or anywhere, labels with or without that axis, ignore_index (Paddle's mean keeps an ignored
negative label in the count), class weights, soft labels, probabilities (use_softmax=False) and label
smoothing, every reduction. Each case runs the Paddle snippet and the converted torch code in float64."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts

P = "import paddle\nimport paddle.nn.functional as F\n"

RNG = np.random.default_rng(0)
SOFT = RNG.random((6, 5))
INPUTS = {
    "logits": RNG.standard_normal((6, 5)),
    "logits3": RNG.standard_normal((2, 3, 5)),
    "logits_first": RNG.standard_normal((2, 5, 3)),
    "label": np.array([0, 2, 4, 1, 0, 3]),
    "ignored": np.array([0, 2, -100, 1, -100, 3]),
    "label3": RNG.integers(0, 5, (2, 3)),
    "soft": SOFT / SOFT.sum(1, keepdims=True),
    "w": RNG.random(5) + 0.5,
}

CASES = {
    "2d": "y = F.cross_entropy(logits, label)",
    "labels-keep-class-axis": "y = F.cross_entropy(logits, label.unsqueeze(-1))",
    "none-labels-keep-axis": "y = F.cross_entropy(logits, label.unsqueeze(-1), reduction='none')",
    "none": "y = F.cross_entropy(logits, label, reduction='none')",
    "sum": "y = F.cross_entropy(logits, label, reduction='sum')",
    "class-axis-last-3d": "y = F.cross_entropy(logits3, label3, reduction='none')",
    "class-axis-1": "y = F.cross_entropy(logits_first, label3, axis=1, reduction='none')",
    "class-axis-1-mean": "y = F.cross_entropy(logits_first, label3.unsqueeze(1), axis=1)",
    "ignored-negative-counted-in-mean": "y = F.cross_entropy(logits, ignored)",
    "ignored-class-index": "y = F.cross_entropy(logits, label, ignore_index=0)",
    "ignored-none": "y = F.cross_entropy(logits, ignored, reduction='none')",
    "weight": "y = F.cross_entropy(logits, label, weight=w)",
    "weight-ignored": "y = F.cross_entropy(logits, ignored, weight=w)",
    "weight-ignored-class": "y = F.cross_entropy(logits, label, weight=w, ignore_index=2, reduction='none')",
    "soft": "y = F.cross_entropy(logits, soft, soft_label=True)",
    "soft-none": "y = F.cross_entropy(logits, soft, soft_label=True, reduction='none')",
    "soft-weight": "y = F.cross_entropy(logits, soft, soft_label=True, weight=w)",
    "soft-weight-sum": "y = F.cross_entropy(logits, soft, soft_label=True, weight=w, reduction='sum')",
    "probabilities": "y = F.cross_entropy(F.softmax(logits), label, use_softmax=False, reduction='none')",
    "probabilities-weight": "y = F.cross_entropy(F.softmax(logits), label, use_softmax=False, weight=w)",
    "label-smoothing": "y = F.cross_entropy(logits, label, label_smoothing=0.1)",
    "label-smoothing-weight": "y = F.cross_entropy(logits, label, label_smoothing=0.2, weight=w)",
    "label-smoothing-none": "y = F.cross_entropy(logits, label, label_smoothing=0.1, reduction='none')",
    "layer": "y = paddle.nn.CrossEntropyLoss(weight=w, ignore_index=4)(logits, label)",
    "layer-axis": "y = paddle.nn.CrossEntropyLoss(axis=1, reduction='sum')(logits_first, label3)",
}


@pytest.mark.parametrize("snippet", CASES.values(), ids=CASES.keys())
def test_cross_entropy_computes_the_same(snippet):
    assert_same_values(P + snippet + "\n", INPUTS, rtol=1e-12, atol=1e-12)


def test_cross_entropy_uses_the_helper():
    assert_converts(
        P + "loss = F.cross_entropy(logits, label, reduction='none', name='ce')\n",
        "import porter_helpers\nloss = porter_helpers.cross_entropy(logits, label, reduction='none')\n",
    )
