"""Training-script APIs: paddle.Model, paddle.metric, the optimizer's learning rate and base classes, and the
scheduler an optimizer owns."""

from __future__ import annotations

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\n"
H = "import porter_helpers\n"

CASES = {
    "hapi-model": (
        P
        + "model = paddle.Model(net)\nmodel.prepare(opt, paddle.nn.CrossEntropyLoss(), paddle.metric.Accuracy())\n",
        H
        + "model = porter_helpers.Model(net)\n"
        + "model.prepare(opt, porter_helpers.CrossEntropyLoss(), porter_helpers.Accuracy())\n",
    ),
    "hapi-model-from-import": (
        "from paddle import Model\nfrom paddle.metric import Accuracy\nm = Model(net)\nm.prepare(metrics=Accuracy(topk=(1, 5)))\n",
        H + "m = porter_helpers.Model(net)\nm.prepare(metrics=porter_helpers.Accuracy(topk=(1, 5)))\n",
    ),
    "accuracy-function": (
        P + "acc = paddle.metric.accuracy(input=probs, label=labels, k=2, name='acc')\n",
        H + "acc = porter_helpers.accuracy(probs, label=labels, k=2)\n",
    ),
    "user-metric": (
        P + "class Hits(paddle.metric.Metric):\n    pass\n",
        H + "class Hits(porter_helpers.Metric):\n    pass\n",
    ),
    "optimizer-get-lr": (
        P + "opt = paddle.optimizer.Adam(learning_rate=0.1, parameters=ps)\nlr = opt.get_lr()\n",
        'import torch\nopt = torch.optim.Adam(lr=0.1, params=ps)\nlr = opt.param_groups[0]["lr"]\n',
    ),
    "optimizer-get-lr-in-an-f-string": (
        P
        + 'opt = paddle.optimizer.Adam(learning_rate=0.1, parameters=ps)\nprint(f"lr {opt.get_lr():.4f}")\n',
        "import torch\nopt = torch.optim.Adam(lr=0.1, params=ps)\nprint(f\"lr {opt.param_groups[0]['lr']:.4f}\")\n",
    ),
    "optimizer-and-scheduler-annotations": (
        P
        + "def step(opt: paddle.optimizer.Optimizer, s: paddle.optimizer.lr.LRScheduler) -> None:\n    pass\n",
        "import torch\ndef step(opt: torch.optim.Optimizer, s: torch.optim.lr_scheduler.LRScheduler) -> None:\n    pass\n",
    ),
    "scheduler-inside-a-function-returned-with-its-optimizer": (
        P
        + "def build(model, total):\n"
        + "    sched = paddle.optimizer.lr.CosineAnnealingDecay(learning_rate=0.1, T_max=total)\n"
        + "    opt = paddle.optimizer.Momentum(learning_rate=sched, parameters=model.parameters(), weight_decay=1e-4)\n"
        + "    return opt, sched\n",
        H
        + "import torch\n"
        + "def build(model, total):\n"
        + "    opt = torch.optim.SGD(lr=0.1, params=model.parameters(), weight_decay=1e-4, momentum=0.9)\n"
        + "    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total)\n"
        + "    porter_helpers.attach_lr_scheduler(opt, sched)\n"
        + "    return opt, sched\n",
    ),
    "tensor-dataset-list": (
        "from paddle.io import TensorDataset\nd = TensorDataset([images, labels])\n",
        "from torch.utils.data import TensorDataset\nd = TensorDataset(images, labels)\n",
    ),
    "tensor-dataset-variable": (
        P + "d = paddle.io.TensorDataset(tensors)\n",
        "import torch\nd = torch.utils.data.TensorDataset(*tensors)\n",
    ),
    "batch-sampler-from-a-dataset": (
        P + "b = paddle.io.BatchSampler(d, batch_size=4, shuffle=True, drop_last=True)\n",
        "import torch\nb = torch.utils.data.BatchSampler(torch.utils.data.RandomSampler(d), batch_size=4, drop_last=True)\n",
    ),
    "batch-sampler-shuffle-flag": (
        P + "b = paddle.io.BatchSampler(dataset=d, shuffle=flag)\n",
        "import torch\nb = torch.utils.data.BatchSampler("
        "torch.utils.data.RandomSampler(d) if flag else torch.utils.data.SequentialSampler(d), batch_size=1, drop_last=False)\n",
    ),
    "batch-sampler-from-a-sampler": (
        P + "b = paddle.io.BatchSampler(sampler=s, batch_size=2)\n",
        "import torch\nb = torch.utils.data.BatchSampler(sampler=s, batch_size=2, drop_last=False)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    assert_converts(before, after)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        (P + "acc = paddle.metric.accuracy(x, y, correct=c, total=t)\n", "unsupported-arg"),
        (P + "b = paddle.io.BatchSampler(d, sampler=s)\n", "unsupported-arg"),
        (P + "opt = paddle.optimizer.Optimizer(0.1, parameters=ps)\n", "optimizer"),
        (P + "s = paddle.optimizer.lr.LRScheduler(0.1)\n", "optimizer"),
    ],
    ids=[
        "accuracy-output-tensors",
        "batch-sampler-dataset-and-sampler",
        "optimizer-base-built",
        "scheduler-base-built",
    ],
)
def test_left_with_todo(source, code):
    assert code in codes(convert(source))


def test_paddle_accuracy_and_its_conversion_compute_the_same(tmp_path, monkeypatch):
    import sys

    from tests.convert.test_helpers import load_rendered

    monkeypatch.setitem(sys.modules, "porter_helpers", load_rendered(tmp_path, ["accuracy"]))
    rng = np.random.default_rng(0)
    assert_same_values(
        P + "y = paddle.metric.accuracy(input=paddle.nn.functional.softmax(x), label=labels, k=2)\n",
        {"x": rng.standard_normal((32, 5)).astype("float32"), "labels": rng.integers(0, 5, (32, 1))},
        rtol=0,
        atol=0,
    )


def test_tensor_dataset_and_batch_sampler_give_paddles_samples_and_batches():
    """In order (no shuffle) both frameworks give the same items and the same index batches."""
    rng = np.random.default_rng(0)
    assert_same_values(
        P
        + "d = paddle.io.TensorDataset([x, labels])\n"
        + "y = [d[3][0], d[3][1], len(d)]\n"
        + "z = [list(b) for b in paddle.io.BatchSampler(d, batch_size=4, drop_last=False)]\n",
        {"x": rng.standard_normal((10, 3)).astype("float32"), "labels": rng.integers(0, 2, (10, 1))},
        names=("y", "z"),
        rtol=0,
        atol=0,
    )
