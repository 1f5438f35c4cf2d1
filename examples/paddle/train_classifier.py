"""Train an image classifier the way the Paddle tutorial's ``train_pm`` does, on seeded synthetic data.

A registry model (ResNet-50 by default), Momentum with weight decay, a cosine learning-rate schedule
stepped after every batch, sigmoid or softmax cross-entropy, an evaluation pass with accuracy after each
epoch, and checkpoints of the model and the optimizer that training can resume from.

    python examples/paddle/train_classifier.py --epochs 2 --output-dir output
    python examples/paddle/train_classifier.py --eval-only --checkpoint output/model.pdparams
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import paddle
import paddle.nn.functional as F
from paddle.io import DataLoader, Dataset

from reference_models.paddle import alexnet, googlenet, lenet, nin, resnet, vgg

# name -> (factory, input channels); VGG-16's classifier expects 224x224 images, AlexNet at least 63x63.
MODELS = {
    "resnet50": (resnet.resnet50, 3),
    "resnet101": (resnet.resnet101, 3),
    "resnet152": (resnet.resnet152, 3),
    "googlenet": (googlenet.googlenet, 3),
    "vgg": (vgg.vgg, 3),
    "lenet": (lenet.lenet, 1),
    "alexnet": (alexnet.alexnet, 1),
    "nin": (nin.nin, 1),
}


class SyntheticImages(Dataset):
    """Seeded random 8-bit images in two classes (class 1 has a brighter first channel), scaled to [-1, 1]."""

    def __init__(self, num_samples, image_size, channels=3, seed=0, dtype="float32"):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, 2, size=num_samples).astype("int64")
        images = rng.integers(0, 216, size=(num_samples, channels, image_size, image_size))
        images[:, 0] += 40 * self.labels[:, None, None]
        self.images = images.astype(dtype) / 127.5 - 1.0

    def __getitem__(self, index):
        return self.images[index], self.labels[index]

    def __len__(self):
        return len(self.labels)


def build_model(name: str, loss: str) -> paddle.nn.Layer:
    factory, _ = MODELS[name]
    # Sigmoid cross-entropy scores one logit per image (as in the tutorial); softmax scores both classes.
    return factory(num_classes=1 if loss == "bce" else 2)


def compute_loss(logits, labels, loss: str):
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, labels.astype(logits.dtype).reshape([-1, 1]))
    return F.cross_entropy(logits, labels)


def class_probabilities(logits, loss: str):
    if loss == "bce":
        positive = F.sigmoid(logits)
        return paddle.concat([1.0 - positive, positive], axis=1)
    return F.softmax(logits, axis=1)


def build_optimizer(
    model: paddle.nn.Layer, lr: float, momentum: float, weight_decay: float, total_steps: int
) -> tuple[paddle.optimizer.Optimizer, paddle.optimizer.lr.LRScheduler]:
    """Momentum SGD with L2 weight decay, its rate annealed along a cosine over ``total_steps`` batches."""
    scheduler = paddle.optimizer.lr.CosineAnnealingDecay(learning_rate=lr, T_max=total_steps)
    optimizer = paddle.optimizer.Momentum(
        learning_rate=scheduler,
        momentum=momentum,
        parameters=model.parameters(),
        weight_decay=weight_decay,
    )
    return optimizer, scheduler


def train_one_epoch(
    model: paddle.nn.Layer,
    optimizer: paddle.optimizer.Optimizer,
    scheduler: paddle.optimizer.lr.LRScheduler,
    loader: DataLoader,
    loss: str,
    max_steps: int | None = None,
    log_every: int = 10,
) -> list[float]:
    """One pass over ``loader`` (or its first ``max_steps`` batches); the loss of every step."""
    model.train()
    losses = []
    for batch_id, (images, labels) in enumerate(loader):
        if max_steps is not None and batch_id >= max_steps:
            break
        logits = model(images)
        step_loss = compute_loss(logits, labels, loss)
        step_loss.backward()
        optimizer.step()
        optimizer.clear_grad()
        scheduler.step()  # the schedule is counted in batches
        losses.append(float(step_loss))
        if batch_id % log_every == 0:
            print(f"  batch {batch_id:4d}  loss {losses[-1]:.6f}  lr {optimizer.get_lr():.6f}")
    return losses


def evaluate(model: paddle.nn.Layer, loader: DataLoader, loss: str) -> tuple[float, float]:
    """Mean loss and accuracy over ``loader``."""
    model.eval()
    total_loss, total_correct, total = 0.0, 0.0, 0
    with paddle.no_grad():
        for images, labels in loader:
            logits = model(images)
            batch = labels.shape[0]
            total_loss += float(compute_loss(logits, labels, loss)) * batch
            probabilities = class_probabilities(logits, loss)
            accuracy = paddle.metric.accuracy(input=probabilities, label=labels.reshape([-1, 1]))
            total_correct += float(accuracy) * batch
            total += batch
    return total_loss / total, total_correct / total


def save_checkpoint(model: paddle.nn.Layer, optimizer: paddle.optimizer.Optimizer, prefix: str) -> None:
    paddle.save(model.state_dict(), prefix + ".pdparams")
    paddle.save(optimizer.state_dict(), prefix + ".pdopt")


def load_checkpoint(model: paddle.nn.Layer, optimizer: paddle.optimizer.Optimizer, prefix: str) -> None:
    model.set_state_dict(paddle.load(prefix + ".pdparams"))
    optimizer.set_state_dict(paddle.load(prefix + ".pdopt"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet50", choices=sorted(MODELS))
    parser.add_argument(
        "--loss", default="bce", choices=("bce", "ce"), help="sigmoid or softmax cross-entropy"
    )
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--train-samples", type=int, default=256)
    parser.add_argument("--eval-samples", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=None, help="stop each epoch after this many batches")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=0.001)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="output")
    parser.add_argument("--resume", default=None, help="checkpoint prefix to continue training from")
    parser.add_argument("--eval-only", action="store_true")
    parser.add_argument("--checkpoint", default=None, help="model weights to evaluate with --eval-only")
    parser.add_argument("--log-every", type=int, default=10)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    paddle.seed(args.seed)
    if args.dtype == "float64":
        paddle.set_default_dtype("float64")
    channels = MODELS[args.model][1]
    train_data = SyntheticImages(args.train_samples, args.image_size, channels, args.seed, args.dtype)
    eval_data = SyntheticImages(args.eval_samples, args.image_size, channels, args.seed + 1, args.dtype)
    train_loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    eval_loader = DataLoader(eval_data, batch_size=args.batch_size)
    model = build_model(args.model, args.loss)

    if args.eval_only:
        model.set_state_dict(paddle.load(args.checkpoint))
        eval_loss, eval_accuracy = evaluate(model, eval_loader, args.loss)
        print(f"eval loss {eval_loss:.6f}  accuracy {eval_accuracy:.4f}")
        return

    steps_per_epoch = len(train_loader) if args.max_steps is None else min(args.max_steps, len(train_loader))
    optimizer, scheduler = build_optimizer(
        model, args.lr, args.momentum, args.weight_decay, args.epochs * steps_per_epoch
    )
    if args.resume:
        load_checkpoint(model, optimizer, args.resume)

    os.makedirs(args.output_dir, exist_ok=True)
    prefix = os.path.join(args.output_dir, "model")
    for epoch in range(args.epochs):
        print(f"epoch {epoch}")
        train_one_epoch(model, optimizer, scheduler, train_loader, args.loss, args.max_steps, args.log_every)
        eval_loss, eval_accuracy = evaluate(model, eval_loader, args.loss)
        print(f"epoch {epoch}  eval loss {eval_loss:.6f}  accuracy {eval_accuracy:.4f}")
        save_checkpoint(model, optimizer, prefix)
    print(f"saved {prefix}.pdparams and {prefix}.pdopt")


if __name__ == "__main__":
    main()
