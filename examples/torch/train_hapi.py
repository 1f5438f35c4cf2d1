"""Train a classifier with Paddle's high-level API: paddle.Model, prepare, fit, evaluate, predict, save, load.

python examples/paddle/train_hapi.py --epochs 2 --output-dir output
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import porter_helpers
import torch
from torch.utils.data import Dataset

from reference_models.torch import alexnet, googlenet, lenet, nin, resnet, vgg

# name -> (factory, input channels)
MODELS = {
    "lenet": (lenet.lenet, 1),
    "alexnet": (alexnet.alexnet, 1),
    "nin": (nin.nin, 1),
    "googlenet": (googlenet.googlenet, 3),
    "resnet50": (resnet.resnet50, 3),
    "vgg": (vgg.vgg, 3),
}


class SyntheticShapes(Dataset):
    """Seeded noisy images of ``num_classes`` classes: class k has a bright square in the k-th cell of a grid."""

    def __init__(self, num_samples, image_size=28, channels=1, num_classes=10, seed=0, with_labels=True):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.labels = rng.integers(0, num_classes, size=num_samples).astype("int64")
        self.images = rng.normal(0.0, 0.5, size=(num_samples, channels, image_size, image_size)).astype(
            "float32"
        )
        grid = int(np.ceil(np.sqrt(num_classes)))
        cell = image_size // grid
        for image, label in zip(self.images, self.labels, strict=True):
            row, col = divmod(int(label), grid)
            image[:, row * cell : (row + 1) * cell, col * cell : (col + 1) * cell] += 2.0
        self.with_labels = with_labels

    def __getitem__(self, index):
        if self.with_labels:
            return self.images[index], self.labels[index]
        return self.images[index]

    def __len__(self):
        return len(self.labels)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="lenet", choices=sorted(MODELS))
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--train-samples", type=int, default=512)
    parser.add_argument("--eval-samples", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--decay-every", type=int, default=80, help="halve the learning rate every N batches")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="output")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    factory, channels = MODELS[args.model]
    shape = (args.image_size, channels, args.num_classes)
    train_data = SyntheticShapes(args.train_samples, *shape, seed=args.seed)
    eval_data = SyntheticShapes(args.eval_samples, *shape, seed=args.seed + 1)
    test_data = SyntheticShapes(args.eval_samples, *shape, seed=args.seed + 1, with_labels=False)

    model = porter_helpers.Model(factory(num_classes=args.num_classes))
    optimizer = torch.optim.Adam(
        lr=args.lr,
        params=model.parameters(),
        weight_decay=args.weight_decay,
    )
    # paddle.Model steps a learning-rate scheduler after every batch.
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.decay_every, gamma=0.5)
    porter_helpers.attach_lr_scheduler(optimizer, scheduler)
    model.prepare(optimizer, porter_helpers.CrossEntropyLoss(), porter_helpers.Accuracy())
    model.fit(train_data, eval_data, epochs=args.epochs, batch_size=args.batch_size, verbose=2)

    result = model.evaluate(eval_data, batch_size=args.batch_size, verbose=0)
    print(f"evaluate: loss {result['loss'][0]:.6f}  acc {result['acc']:.4f}")
    (logits,) = model.predict(test_data, batch_size=args.batch_size, stack_outputs=True)
    predicted = np.argmax(logits, axis=1)
    print(f"predict: {len(predicted)} images, accuracy {np.mean(predicted == eval_data.labels):.4f}")

    prefix = os.path.join(args.output_dir, "hapi")
    model.save(prefix)
    restored = porter_helpers.Model(factory(num_classes=args.num_classes))
    restored.prepare(loss=porter_helpers.CrossEntropyLoss(), metrics=porter_helpers.Accuracy())
    restored.load(prefix)
    again = restored.evaluate(eval_data, batch_size=args.batch_size, verbose=0)
    print(f"reloaded from {prefix}.pdparams: acc {again['acc']:.4f}")


if __name__ == "__main__":
    main()
