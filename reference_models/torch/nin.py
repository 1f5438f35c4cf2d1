"""Network in Network in PyTorch, the D2L version from seed 000: four NiN blocks (96/256/384/classes).

1x224x224 input; global average pooling replaces the fully connected head.
The Paddle twin is reference_models/paddle/nin.py.
"""

from torch import nn


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    # One spatial conv, then two 1x1 convs acting as a per-pixel MLP across channels.
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1),
        nn.ReLU(),
    )


class NiN(nn.Module):
    def __init__(self, num_classes=10):
        super(NiN, self).__init__()
        self.net = nn.Sequential(
            nin_block(1, 96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(96, 256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, 384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            # The last block has one channel per class; global pooling turns each into a logit.
            nin_block(384, num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
        )

    def forward(self, x):
        return self.net(x)


def nin(num_classes=10):
    return NiN(num_classes=num_classes)
