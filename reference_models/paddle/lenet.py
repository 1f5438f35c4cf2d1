"""LeNet-5 in PaddlePaddle, the classic D2L version from seeds 000/003: sigmoid activations, average pooling.

1x28x28 input (padding=2 on the first conv keeps 28x28); the PyTorch twin is reference_models/torch/lenet.py.
"""

from paddle import nn


class LeNet(nn.Layer):
    def __init__(self, num_classes=10):
        super(LeNet, self).__init__()
        # No padding in the average pools, so Paddle's exclusive=True and torch's count_include_pad=True
        # (which differ only on padded windows) give the same result.
        self.net = nn.Sequential(
            nn.Conv2D(1, 6, kernel_size=5, padding=2),
            nn.Sigmoid(),
            nn.AvgPool2D(kernel_size=2, stride=2),
            nn.Conv2D(6, 16, kernel_size=5),
            nn.Sigmoid(),
            nn.AvgPool2D(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Sigmoid(),
            nn.Linear(120, 84),
            nn.Sigmoid(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.net(x)


def lenet(num_classes=10):
    return LeNet(num_classes=num_classes)
