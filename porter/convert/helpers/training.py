"""What Paddle's training APIs do for the user that torch leaves to the loop: an optimizer that owns its
learning-rate scheduler, and ``paddle.Model`` (prepare / fit / evaluate / predict / save / load)."""

from __future__ import annotations

import inspect
import os
import random
import weakref

import torch

# optimizer -> the scheduler whose rate it uses (attach_lr_scheduler)
_LR_SCHEDULERS = weakref.WeakKeyDictionary()


def attach_lr_scheduler(optimizer, scheduler):
    """Tie ``scheduler`` to ``optimizer`` the way Paddle does when a scheduler is passed as the learning rate.

    In Paddle the optimizer owns the scheduler: ``optimizer.state_dict()`` holds the scheduler's state under
    ``"LR_Scheduler"`` and ``set_state_dict`` restores it (so a resumed run continues the schedule), and
    ``paddle.Model`` steps it after every batch. torch keeps the two apart; this adds the same behaviour to
    the optimizer's ``state_dict()`` / ``load_state_dict()`` and lets ``Model`` find the scheduler.
    """
    if optimizer not in _LR_SCHEDULERS:
        optimizer.register_state_dict_post_hook(_with_lr_scheduler_state)
        optimizer.register_load_state_dict_pre_hook(_load_lr_scheduler_state)
    _LR_SCHEDULERS[optimizer] = scheduler


def _with_lr_scheduler_state(optimizer, state):
    state["LR_Scheduler"] = _LR_SCHEDULERS[optimizer].state_dict()
    return state


def _load_lr_scheduler_state(optimizer, state):
    state = dict(state)
    saved = state.pop("LR_Scheduler", None)
    if saved is not None:
        _LR_SCHEDULERS[optimizer].load_state_dict(saved)
    return state


def _to_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _flatten(value):
    """Nested lists/tuples of a batch as one flat list (``paddle.utils.flatten``)."""
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def _numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value


def _vstack(arrays):
    """``numpy.vstack`` of arrays (outputs per batch), through torch."""
    tensors = [torch.as_tensor(array) for array in arrays]
    return torch.cat([t.reshape(1, -1) if t.dim() < 2 else t for t in tensors]).numpy()


def _legacy_numpy_shuffle(items, seed):
    """``numpy.random.RandomState(seed).shuffle(items)``, without numpy: the same Mersenne Twister seeded
    the same way (Python's ``random`` runs it), and the same draw of each swap index."""
    state = [seed & 0xFFFFFFFF]
    for index in range(1, 624):
        state.append((1812433253 * (state[-1] ^ (state[-1] >> 30)) + index) & 0xFFFFFFFF)
    generator = random.Random()
    generator.setstate((3, (*state, 624), None))
    for i in reversed(range(1, len(items))):
        mask = (1 << i.bit_length()) - 1
        j = generator.getrandbits(32) & mask
        while j > i:
            j = generator.getrandbits(32) & mask
        items[i], items[j] = items[j], items[i]


class _BatchSampler(torch.utils.data.Sampler):
    """The batches ``paddle.Model`` makes from a dataset: in order, or shuffled as Paddle shuffles them
    (``numpy.random.RandomState(epoch)``, epoch counting this sampler's passes), so that both frameworks
    see the same batches."""

    def __init__(self, size, batch_size, shuffle=False, drop_last=False):
        self.size, self.batch_size, self.shuffle, self.drop_last = size, batch_size, shuffle, drop_last
        self.epoch = 0

    def __iter__(self):
        indices = list(range(self.size))
        if self.shuffle:
            _legacy_numpy_shuffle(indices, self.epoch)
            self.epoch += 1
        stop = len(self) * self.batch_size if self.drop_last else self.size
        for start in range(0, stop, self.batch_size):
            yield indices[start : start + self.batch_size]

    def __len__(self):
        return self.size // self.batch_size if self.drop_last else -(-self.size // self.batch_size)


class Model:
    """``paddle.Model``: trains, evaluates and runs ``network`` from datasets or loaders.

    Each batch is split into the network's inputs (as many as ``inputs`` lists, or as ``forward`` takes)
    and labels (the rest). A training step calls ``network(*inputs)``, ``loss(*outputs, *labels)`` (summed
    when it returns several), ``backward``, ``optimizer.step()`` and zeroes the gradients (keeping them as
    zeros, as Paddle does); it then steps a scheduler tied to the optimizer (``attach_lr_scheduler``) and
    updates each metric with ``metric.compute(*outputs, *labels)``. ``evaluate`` reports the last batch's
    loss and the metrics accumulated over the data, as Paddle does. Datasets are batched as Paddle batches
    them, including its shuffled order. Callbacks, mixed precision and inference export are not ported.
    """

    def __init__(self, network, inputs=None, labels=None):
        self.network = network
        if inputs is not None:
            self._input_count = len(_to_list(inputs))
        else:
            kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
            parameters = inspect.signature(network.forward).parameters.values()
            self._input_count = sum(1 for p in parameters if p.kind in kinds)
        self._optimizer = self._loss = None
        self._metrics = []
        self.stop_training = False

    def prepare(self, optimizer=None, loss=None, metrics=None, amp_configs=None):
        if amp_configs is not None:
            raise NotImplementedError("Model.prepare: amp_configs (mixed precision) is not ported to torch")
        self._optimizer, self._loss, self._metrics = optimizer, loss, _to_list(metrics)

    def parameters(self, *args, **kwargs):
        return list(self.network.parameters(*args, **kwargs))

    # -- one batch ----------------------------------------------------------------------------------
    def _tensors(self, values):
        parameter = next(self.network.parameters(), None)
        device = parameter.device if parameter is not None else None
        return [torch.as_tensor(value, device=device) for value in _to_list(values)]

    def _losses(self, outputs, labels):
        return _to_list(self._loss(*(_to_list(outputs) + labels)))

    def _update_metrics(self, outputs, labels):
        results = []
        for metric in self._metrics:
            computed = metric.compute(*(_to_list(outputs) + labels))
            results.append(metric.update(*[_numpy(value) for value in _to_list(computed)]))
        return results

    def train_batch(self, inputs, labels=None, update=True):
        if self._optimizer is None:
            raise RuntimeError("model not ready, call model.prepare() first")
        self.network.train()
        labels = self._tensors(labels)
        outputs = self.network(*self._tensors(inputs))
        losses = self._losses(outputs, labels)
        sum(losses).backward()
        if update:
            self._optimizer.step()
            self.network.zero_grad(set_to_none=False)
        metrics = self._update_metrics(outputs, labels)
        losses = [_numpy(loss) for loss in losses]
        return (losses, metrics) if metrics else losses

    @torch.no_grad()
    def eval_batch(self, inputs, labels=None):
        self.network.eval()
        labels = self._tensors(labels)
        outputs = self.network(*self._tensors(inputs))
        losses = [_numpy(loss) for loss in self._losses(outputs, labels)] if self._loss else []
        metrics = self._update_metrics(outputs, labels)
        if self._loss:
            return (losses, metrics) if metrics else losses
        return metrics

    @torch.no_grad()
    def predict_batch(self, inputs):
        self.network.eval()
        return [_numpy(output) for output in _to_list(self.network(*self._tensors(inputs)))]

    # -- whole datasets -----------------------------------------------------------------------------
    def _loader(self, data, batch_size, shuffle=False, drop_last=False, num_workers=0):
        if not isinstance(data, torch.utils.data.Dataset):
            return data  # already a loader
        sampler = _BatchSampler(len(data), batch_size, shuffle, drop_last)
        return torch.utils.data.DataLoader(data, batch_sampler=sampler, num_workers=num_workers)

    def _metric_names(self):
        names = ["loss"] if self._loss else []
        for metric in self._metrics:
            names.extend(_to_list(metric.name()))
        return names

    def _run(self, loader, mode, log_freq, verbose, num_iters=None):
        """One pass over ``loader``; the logs (train/eval) or the outputs per batch (predict)."""
        logs, outputs, steps = {}, [], len(loader)
        for step, batch in enumerate(loader):
            data = _flatten(batch)
            if mode == "predict":
                outputs.append(self.predict_batch(data[: self._input_count]))
            else:
                inputs, labels = data[: self._input_count], data[self._input_count :]
                if mode == "train":
                    update = (step + 1) % self._accumulate == 0 or step + 1 == steps
                    result = self.train_batch(inputs, labels, update)
                    scheduler = _LR_SCHEDULERS.get(self._optimizer)
                    if scheduler is not None:  # Paddle steps the scheduler after every batch
                        scheduler.step()
                else:
                    result = self.eval_batch(inputs, labels)
                values = []
                if self._loss:
                    values.append([float(loss) for loss in (result[0] if self._metrics else result)])
                for metric in self._metrics:
                    values.extend(_to_list(metric.accumulate()))
                logs.update(zip(self._metric_names(), values, strict=True))
                if verbose and ((step + 1) % log_freq == 0 or step + 1 == steps):
                    print(f"step {step + 1}/{steps}" + "".join(_format(k, v) for k, v in logs.items()))
            if num_iters is not None and step + 1 >= num_iters:
                self.stop_training = True
                break
        for metric in self._metrics:
            metric.reset()
        return outputs if mode == "predict" else logs

    def fit(
        self,
        train_data=None,
        eval_data=None,
        batch_size=1,
        epochs=1,
        eval_freq=1,
        log_freq=10,
        save_dir=None,
        save_freq=1,
        verbose=2,
        drop_last=False,
        shuffle=True,
        num_workers=0,
        callbacks=None,
        accumulate_grad_batches=1,
        num_iters=None,
    ):
        if callbacks is not None:
            raise NotImplementedError("Model.fit: Paddle callbacks are not ported to torch")
        train_size, eval_size = batch_size if isinstance(batch_size, list | tuple) else (batch_size,) * 2
        train_loader = self._loader(train_data, train_size, shuffle, drop_last, num_workers)
        eval_loader = (
            None if eval_data is None else self._loader(eval_data, eval_size, False, False, num_workers)
        )
        self._accumulate = accumulate_grad_batches
        if num_iters is not None:
            epochs = num_iters // len(train_loader) + 1
        self.stop_training = False
        for epoch in range(epochs):
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            self._run(train_loader, "train", log_freq, verbose, num_iters)
            if num_iters is not None:
                num_iters -= len(train_loader)
            if eval_loader is not None and epoch % eval_freq == 0:
                if verbose:
                    print("Eval begin...")
                self._run(eval_loader, "eval", log_freq, verbose)
            if save_dir and epoch % save_freq == 0:
                self.save(os.path.join(save_dir, str(epoch)))
            if self.stop_training:
                break
        if save_dir:
            self.save(os.path.join(save_dir, "final"))

    def evaluate(
        self, eval_data, batch_size=1, log_freq=10, verbose=2, num_workers=0, callbacks=None, num_iters=None
    ):
        """The metrics over ``eval_data``; ``loss`` is the last batch's (as Paddle reports it)."""
        if callbacks is not None:
            raise NotImplementedError("Model.evaluate: Paddle callbacks are not ported to torch")
        loader = self._loader(eval_data, batch_size, num_workers=num_workers)
        logs = self._run(loader, "eval", log_freq, verbose, num_iters)
        return {name: logs[name] for name in self._metric_names()}

    def predict(self, test_data, batch_size=1, num_workers=0, stack_outputs=False, verbose=1, callbacks=None):
        """The network's outputs over ``test_data`` as numpy: per output, a tuple of arrays (one per batch),
        or with ``stack_outputs`` one array."""
        if callbacks is not None:
            raise NotImplementedError("Model.predict: Paddle callbacks are not ported to torch")
        loader = self._loader(test_data, batch_size, num_workers=num_workers)
        outputs = list(zip(*self._run(loader, "predict", log_freq=10, verbose=0), strict=True))
        return [_vstack(output) for output in outputs] if stack_outputs else outputs

    # -- checkpoints ----------------------------------------------------------------------------------
    def save(self, path, training=True):
        """``path.pdparams`` (the network's state dict) and ``path.pdopt`` (the optimizer's), in torch's
        format under Paddle's names."""
        if not training:
            raise NotImplementedError("Model.save(training=False) exports a Paddle inference model")
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        torch.save(self.network.state_dict(), path + ".pdparams")
        if self._optimizer is not None:
            torch.save(self._optimizer.state_dict(), path + ".pdopt")

    def load(self, path, skip_mismatch=False, reset_optimizer=False):
        path, suffix = os.path.splitext(path)
        if suffix not in ("", ".pdparams", ".pdopt"):
            path += suffix
        state = torch.load(path + ".pdparams")
        own = self.network.state_dict()
        mismatched = [key for key in own if key not in state or state[key].shape != own[key].shape]
        if mismatched and not skip_mismatch:
            raise ValueError(f"{path}.pdparams does not match the network: {', '.join(mismatched)}")
        self.network.load_state_dict({k: v for k, v in state.items() if k not in mismatched}, strict=False)
        keep_optimizer = self._optimizer is not None and not (reset_optimizer or mismatched)
        if keep_optimizer and os.path.exists(path + ".pdopt"):
            self._optimizer.load_state_dict(torch.load(path + ".pdopt"))


def _format(name, value):
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return f" - {name}: {value:.4f}" if isinstance(value, float) else f" - {name}: {value}"
