"""The training helpers porter writes into converted code (porter/convert/helpers/metrics.py, training.py),
rendered into porter_helpers.py as the user gets them and held against Paddle: the accuracy function and
metric, an optimizer that owns its scheduler, and paddle.Model trained side by side with the helper Model."""

from __future__ import annotations

import numpy as np
import paddle
import pytest
import torch

from porter.weights import copy_paddle_to_torch
from reference_models.paddle.lenet import lenet as paddle_lenet
from reference_models.torch.lenet import lenet as torch_lenet
from tests.convert.test_helpers import load_rendered


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return load_rendered(tmp_path_factory.mktemp("training_helpers"))


def _scores(rows: int, classes: int, seed: int, dtype: str = "float32") -> np.ndarray:
    """Scores with ties: values drawn from a few levels, so rows often hold equal top scores."""
    return np.random.default_rng(seed).integers(0, 4, size=(rows, classes)).astype(dtype) / 4


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_accuracy_matches_paddle_ties_included(rendered, k, dtype):
    scores = _scores(64, 5, seed=k, dtype=dtype)
    labels = np.random.default_rng(10 + k).integers(0, 5, size=(64, 1))
    expected = paddle.metric.accuracy(paddle.to_tensor(scores), paddle.to_tensor(labels), k=k)
    result = rendered.accuracy(torch.from_numpy(scores), torch.from_numpy(labels), k=k)
    assert result.dtype == torch.float32 and result.shape == ()
    assert float(result) == float(expected)


def test_accuracy_wants_labels_as_a_column_like_paddle(rendered):
    with pytest.raises(ValueError, match=r"\[N, 1\]"):
        rendered.accuracy(torch.zeros(3, 2), torch.zeros(3, dtype=torch.int64))


@pytest.mark.parametrize("topk", [(1,), (1, 3)])
@pytest.mark.parametrize("labels", ["column", "flat", "one-hot"])
def test_accuracy_metric_matches_paddle_over_batches(rendered, topk, labels):
    paddle_metric = paddle.metric.Accuracy(topk=topk, name="top")
    torch_metric = rendered.Accuracy(topk=topk, name="top")
    assert torch_metric.name() == paddle_metric.name()
    for batch in range(3):
        scores = _scores(16, 4, seed=batch)
        label = np.random.default_rng(20 + batch).integers(0, 4, size=(16, 1))
        if labels == "flat":
            label = label[:, 0]
        elif labels == "one-hot":
            label = np.eye(4, dtype="int64")[label[:, 0]]
        paddle_mask = paddle_metric.compute(paddle.to_tensor(scores), paddle.to_tensor(label))
        torch_mask = torch_metric.compute(torch.from_numpy(scores), torch.from_numpy(label))
        np.testing.assert_array_equal(torch_mask.numpy(), paddle_mask.numpy())
        assert torch_metric.update(torch_mask) == pytest.approx(paddle_metric.update(paddle_mask), abs=0)
    assert torch_metric.accumulate() == pytest.approx(paddle_metric.accumulate(), abs=0)
    paddle_metric.reset(), torch_metric.reset()
    assert torch_metric.accumulate() == paddle_metric.accumulate()


def test_metric_base_is_an_interface_with_paddles_default_compute(rendered):
    with pytest.raises(TypeError):
        rendered.Metric()

    class Count(rendered.Metric):
        def reset(self):
            self.seen = 0

        def update(self, *values):
            self.seen += len(values)

        def accumulate(self):
            return self.seen

        def name(self):
            return "count"

    assert Count().compute(1, 2) == (1, 2)


@pytest.mark.parametrize("seed", [0, 1, 7, 2**31 + 5])
@pytest.mark.parametrize("size", [1, 2, 10, 257])
def test_paddles_shuffled_order_is_reproduced_without_numpy(rendered, seed, size):
    expected = list(range(size))
    np.random.RandomState(seed).shuffle(expected)
    items = list(range(size))
    rendered._legacy_numpy_shuffle(items, seed)
    assert items == expected


def _rates_after_resume(make_pair, steps_before: int, steps_after: int):
    """Train-free schedule: step ``steps_before`` times, save the optimizer state, build a fresh pair, load
    it, and read the rate ``steps_after`` more times."""
    optimizer, scheduler, rate, state_of, load = make_pair()
    for _ in range(steps_before):
        scheduler.step()
    saved = state_of(optimizer)
    optimizer, scheduler, rate, _, load = make_pair()
    load(optimizer, saved)
    rates = []
    for _ in range(steps_after):
        rates.append(rate(optimizer))
        scheduler.step()
    return rates


def test_optimizer_state_carries_its_scheduler_as_paddles_does(rendered):
    """Paddle's optimizer.state_dict() holds its scheduler's state and set_state_dict() restores it: a run
    resumed from the optimizer's checkpoint continues the schedule. attach_lr_scheduler gives torch the same."""

    def paddle_pair():
        layer = paddle.nn.Linear(2, 2)
        scheduler = paddle.optimizer.lr.CosineAnnealingDecay(learning_rate=0.1, T_max=10)
        optimizer = paddle.optimizer.Momentum(learning_rate=scheduler, parameters=layer.parameters())
        return (
            optimizer,
            scheduler,
            lambda o: o.get_lr(),
            lambda o: o.state_dict(),
            lambda o, s: o.set_state_dict(s),
        )

    def torch_pair():
        layer = torch.nn.Linear(2, 2)
        optimizer = torch.optim.SGD(layer.parameters(), lr=0.1, momentum=0.9)
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
        rendered.attach_lr_scheduler(optimizer, scheduler)
        load = lambda o, s: o.load_state_dict(s)  # noqa: E731
        return optimizer, scheduler, lambda o: o.param_groups[0]["lr"], lambda o: o.state_dict(), load

    paddle_rates = _rates_after_resume(paddle_pair, 4, 5)
    torch_rates = _rates_after_resume(torch_pair, 4, 5)
    assert torch_rates == pytest.approx(paddle_rates, rel=1e-12)
    assert paddle_rates[0] < 0.1  # the schedule resumed where it was, not at the start


class _Digits(paddle.io.Dataset):
    """A small seeded dataset for both frameworks (numpy samples, as user datasets give them)."""

    def __init__(self, size: int, seed: int, labels: bool = True):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.images = rng.standard_normal((size, 1, 28, 28))
        self.labels = rng.integers(0, 10, size=size)
        self.images[np.arange(size), 0, self.labels, :] += 2.0  # learnable: the class lights a row
        self.with_labels = labels

    def __getitem__(self, index):
        image = self.images[index].astype(paddle.get_default_dtype())
        return (image, self.labels[index]) if self.with_labels else image

    def __len__(self):
        return len(self.labels)


class _TorchDigits(torch.utils.data.Dataset):
    def __init__(self, paddle_data: _Digits):
        self.data = paddle_data

    def __getitem__(self, index):
        return self.data[index]

    def __len__(self):
        return len(self.data)


def test_model_trains_evaluates_and_predicts_as_paddle_model_does(rendered, tmp_path):
    """fit (shuffled batches, a scheduler stepped after every batch, gradient accumulation), evaluate,
    predict, train_batch and save/load, side by side in float64 from the same weights: every weight and
    every reported number agrees to float64 rounding. Paddle's Momentum kernel takes momentum and the
    weight-decay coefficient as float32 attributes; torch gets the same float32 values."""
    paddle.set_default_dtype("float64")
    try:
        paddle.seed(0)
        paddle_net = paddle_lenet()
        torch_net = torch_lenet().double()
        copy_paddle_to_torch(paddle_net, torch_net)
        train, valid = _Digits(40, seed=1), _Digits(20, seed=2)
        test = _Digits(20, seed=2, labels=False)

        scheduler = paddle.optimizer.lr.StepDecay(learning_rate=0.05, step_size=3, gamma=0.5)
        optimizer = paddle.optimizer.Momentum(
            learning_rate=scheduler,
            momentum=0.9,
            parameters=paddle_net.parameters(),
            weight_decay=paddle.regularizer.L2Decay(1e-3),
        )
        paddle_model = paddle.Model(paddle_net)
        paddle_model.prepare(optimizer, paddle.nn.CrossEntropyLoss(), paddle.metric.Accuracy(topk=(1, 2)))
        paddle_model.fit(train, valid, batch_size=8, epochs=2, accumulate_grad_batches=2, verbose=0)

        torch_optimizer = torch.optim.SGD(
            torch_net.parameters(),
            lr=0.05,
            momentum=float(np.float32(0.9)),
            weight_decay=float(np.float32(1e-3)),
        )
        torch_scheduler = torch.optim.lr_scheduler.StepLR(torch_optimizer, step_size=3, gamma=0.5)
        rendered.attach_lr_scheduler(torch_optimizer, torch_scheduler)
        torch_model = rendered.Model(torch_net)
        torch_model.prepare(torch_optimizer, torch.nn.CrossEntropyLoss(), rendered.Accuracy(topk=(1, 2)))
        torch_model.fit(
            _TorchDigits(train),
            _TorchDigits(valid),
            batch_size=8,
            epochs=2,
            accumulate_grad_batches=2,
            verbose=0,
        )

        assert torch_scheduler.last_epoch == scheduler.last_epoch == 10  # 5 batches x 2 epochs
        for key, value in torch_net.state_dict().items():
            expected = paddle_net.state_dict()[key].numpy()
            expected = expected.T if value.dim() == 2 else expected
            np.testing.assert_allclose(value.numpy(), expected, rtol=0, atol=1e-12 * np.abs(expected).max())

        paddle_result = paddle_model.evaluate(valid, batch_size=6, verbose=0)
        torch_result = torch_model.evaluate(_TorchDigits(valid), batch_size=6, verbose=0)
        assert list(torch_result) == list(paddle_result) == ["loss", "acc_top1", "acc_top2"]
        assert torch_result["loss"] == pytest.approx(paddle_result["loss"], rel=1e-12)  # the last batch's
        assert (torch_result["acc_top1"], torch_result["acc_top2"]) == (
            paddle_result["acc_top1"],
            paddle_result["acc_top2"],
        )

        (paddle_out,) = paddle_model.predict(test, batch_size=6, stack_outputs=True, verbose=0)
        (torch_out,) = torch_model.predict(_TorchDigits(test), batch_size=6, stack_outputs=True, verbose=0)
        assert isinstance(torch_out, np.ndarray) and torch_out.shape == paddle_out.shape == (20, 10)
        np.testing.assert_allclose(torch_out, paddle_out, rtol=1e-12)
        batches = torch_model.predict(_TorchDigits(test), batch_size=6)
        assert [len(output) for output in batches] == [4] and batches[0][-1].shape == (2, 10)

        images, labels = valid.images[:4], valid.labels[:4]
        paddle_losses, paddle_metrics = paddle_model.train_batch([images], [labels])
        torch_losses, torch_metrics = torch_model.train_batch([images], [labels])
        np.testing.assert_allclose(torch_losses[0], paddle_losses[0], rtol=1e-12)
        assert torch_metrics == paddle_metrics

        torch_model.save(str(tmp_path / "ckpt" / "final"))
        restored = rendered.Model(torch_lenet().double())
        restored.prepare(
            torch.optim.SGD(restored.parameters(), lr=0.1), torch.nn.CrossEntropyLoss(), rendered.Accuracy()
        )
        restored.load(str(tmp_path / "ckpt" / "final.pdparams"))
        for key, value in restored.network.state_dict().items():
            assert torch.equal(value, torch_net.state_dict()[key])
    finally:
        paddle.set_default_dtype("float32")


def test_model_refuses_what_it_does_not_port(rendered):
    model = rendered.Model(torch.nn.Linear(2, 2))
    with pytest.raises(NotImplementedError, match="amp_configs"):
        model.prepare(amp_configs="O1")
    with pytest.raises(NotImplementedError, match="callbacks"):
        model.fit([], callbacks=[object()])
    with pytest.raises(NotImplementedError, match="inference"):
        model.save("x", training=False)
    with pytest.raises(RuntimeError, match="prepare"):
        model.train_batch([torch.zeros(1, 2)])
