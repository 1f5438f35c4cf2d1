"""AlexNet in PaddlePaddle, the D2L version from seed 000: 1-channel 224x224 input, dropout 0.5, 10 classes.

The PyTorch twin is reference_models/torch/alexnet.py.
"""

from paddle import nn


class AlexNet(nn.Layer):
    def __init__(self, num_classes=10):
        super(AlexNet, self).__init__()
        self.conv1 = nn.Sequential(
            nn.Conv2D(1, 96, kernel_size=11, stride=4, padding=1),
            nn.ReLU(),
            nn.MaxPool2D(kernel_size=3, stride=2),
        )
        self.conv2 = nn.Sequential(
            nn.Conv2D(96, 256, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2D(kernel_size=3, stride=2),
        )
        self.conv3 = nn.Sequential(
            nn.Conv2D(256, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2D(384, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2D(384, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2D(kernel_size=3, stride=2),
        )
        # A 224x224 input leaves [256, 5, 5] = 6400 features.
        self.mlp = nn.Sequential(
            nn.Flatten(),
            nn.Linear(6400, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        x = self.conv3(x)
        x = self.mlp(x)
        return x


def alexnet(num_classes=10):
    return AlexNet(num_classes=num_classes)
