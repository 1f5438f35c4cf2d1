"""Tiny Paddle/torch pairs with identical module paths, and ways to break the torch side."""

import paddle
import torch
import torch.nn.functional as F


class PaddleNet(paddle.nn.Layer):
    """conv -> shared relu -> block(conv, bn) -> shared relu -> linear -> square linear."""

    def __init__(self):
        super().__init__()
        self.stem = paddle.nn.Conv2D(3, 4, 3, padding=1)
        self.relu = paddle.nn.ReLU()
        self.block = PaddleBlock()
        self.head = paddle.nn.Linear(4 * 6 * 6, 16)
        self.fc = paddle.nn.Linear(16, 16)  # square: loads even when not transposed

    def forward(self, x):
        x = self.relu(self.stem(x))
        x = self.relu(self.block(x))
        return self.fc(self.head(paddle.flatten(x, 1)))


class PaddleBlock(paddle.nn.Layer):
    def __init__(self):
        super().__init__()
        self.conv = paddle.nn.Conv2D(4, 4, 3, padding=1)
        self.bn = paddle.nn.BatchNorm2D(4)

    def forward(self, x):
        return self.bn(self.conv(x)) + x


class TorchNet(torch.nn.Module):
    def __init__(self, block_act=None):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.relu = torch.nn.ReLU()
        self.block = TorchBlock(block_act)
        self.head = torch.nn.Linear(4 * 6 * 6, 16)
        self.fc = torch.nn.Linear(16, 16)

    def forward(self, x):
        x = self.relu(self.stem(x))
        x = self.relu(self.block(x))
        return self.fc(self.head(torch.flatten(x, 1)))


class TorchBlock(torch.nn.Module):
    def __init__(self, act=None):
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 4, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(4)
        self.act = act  # a functional bug inside forward, e.g. F.sigmoid

    def forward(self, x):
        y = self.bn(self.conv(x))
        return (self.act(y) if self.act else y) + x


class UntransposedLinear(torch.nn.Linear):
    """A port that kept Paddle's [in, out] reading of the weight: same as loading it untransposed."""

    def forward(self, x):
        return F.linear(x, self.weight.t(), self.bias)


INPUT_SHAPE = (2, 3, 6, 6)


def good_pair():
    paddle.seed(1)
    return PaddleNet(), TorchNet()


def relu_swapped_pair():
    paddle_model, torch_model = good_pair()
    torch_model.relu = torch.nn.Sigmoid()
    return paddle_model, torch_model


def padding_changed_pair():
    paddle_model, torch_model = good_pair()
    torch_model.block.conv.padding = (2, 2)
    return paddle_model, torch_model


def functional_bug_pair():
    paddle_model, _ = good_pair()
    return paddle_model, TorchNet(block_act=torch.sigmoid)


def untransposed_linear_pair():
    paddle_model, torch_model = good_pair()
    torch_model.fc = UntransposedLinear(16, 16)
    return paddle_model, torch_model
