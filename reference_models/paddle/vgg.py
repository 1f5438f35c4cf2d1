"""VGG-16 in PaddlePaddle, as written in seed 004 (kept in its style: the code users bring).

13 3x3 convs in five blocks, fc 4096/4096 with dropout; diff against reference_models/torch/vgg.py.
"""

import paddle
from paddle.nn import Conv2D, MaxPool2D


class VGG(paddle.nn.Layer):
    def __init__(self, num_classes=1):
        super(VGG, self).__init__()

        in_channels = [3, 64, 128, 256, 512, 512]
        # Block 1: two convs.
        self.conv1_1 = Conv2D(
            in_channels=in_channels[0], out_channels=in_channels[1], kernel_size=3, padding=1, stride=1
        )
        self.conv1_2 = Conv2D(
            in_channels=in_channels[1], out_channels=in_channels[1], kernel_size=3, padding=1, stride=1
        )
        # Block 2: two convs.
        self.conv2_1 = Conv2D(
            in_channels=in_channels[1], out_channels=in_channels[2], kernel_size=3, padding=1, stride=1
        )
        self.conv2_2 = Conv2D(
            in_channels=in_channels[2], out_channels=in_channels[2], kernel_size=3, padding=1, stride=1
        )
        # Block 3: three convs.
        self.conv3_1 = Conv2D(
            in_channels=in_channels[2], out_channels=in_channels[3], kernel_size=3, padding=1, stride=1
        )
        self.conv3_2 = Conv2D(
            in_channels=in_channels[3], out_channels=in_channels[3], kernel_size=3, padding=1, stride=1
        )
        self.conv3_3 = Conv2D(
            in_channels=in_channels[3], out_channels=in_channels[3], kernel_size=3, padding=1, stride=1
        )
        # Block 4: three convs.
        self.conv4_1 = Conv2D(
            in_channels=in_channels[3], out_channels=in_channels[4], kernel_size=3, padding=1, stride=1
        )
        self.conv4_2 = Conv2D(
            in_channels=in_channels[4], out_channels=in_channels[4], kernel_size=3, padding=1, stride=1
        )
        self.conv4_3 = Conv2D(
            in_channels=in_channels[4], out_channels=in_channels[4], kernel_size=3, padding=1, stride=1
        )
        # Block 5: three convs.
        self.conv5_1 = Conv2D(
            in_channels=in_channels[4], out_channels=in_channels[5], kernel_size=3, padding=1, stride=1
        )
        self.conv5_2 = Conv2D(
            in_channels=in_channels[5], out_channels=in_channels[5], kernel_size=3, padding=1, stride=1
        )
        self.conv5_3 = Conv2D(
            in_channels=in_channels[5], out_channels=in_channels[5], kernel_size=3, padding=1, stride=1
        )

        # A 224x224 input leaves [512, 7, 7] after the five blocks.
        self.fc1 = paddle.nn.Sequential(paddle.nn.Linear(512 * 7 * 7, 4096), paddle.nn.ReLU())
        self.drop1_ratio = 0.5
        # upscale_in_train scales kept activations by 1/(1-p) while training, as torch's Dropout does.
        self.dropout1 = paddle.nn.Dropout(self.drop1_ratio, mode="upscale_in_train")
        self.fc2 = paddle.nn.Sequential(paddle.nn.Linear(4096, 4096), paddle.nn.ReLU())

        self.drop2_ratio = 0.5
        self.dropout2 = paddle.nn.Dropout(self.drop2_ratio, mode="upscale_in_train")
        self.fc3 = paddle.nn.Linear(4096, num_classes)

        self.relu = paddle.nn.ReLU()
        self.pool = MaxPool2D(stride=2, kernel_size=2)

    def forward(self, x):
        x = self.relu(self.conv1_1(x))
        x = self.relu(self.conv1_2(x))
        x = self.pool(x)

        x = self.relu(self.conv2_1(x))
        x = self.relu(self.conv2_2(x))
        x = self.pool(x)

        x = self.relu(self.conv3_1(x))
        x = self.relu(self.conv3_2(x))
        x = self.relu(self.conv3_3(x))
        x = self.pool(x)

        x = self.relu(self.conv4_1(x))
        x = self.relu(self.conv4_2(x))
        x = self.relu(self.conv4_3(x))
        x = self.pool(x)

        x = self.relu(self.conv5_1(x))
        x = self.relu(self.conv5_2(x))
        x = self.relu(self.conv5_3(x))
        x = self.pool(x)

        x = paddle.flatten(x, 1, -1)
        # fc1/fc2 already end in ReLU; the seed's second ReLU is a no-op, kept as written.
        x = self.dropout1(self.relu(self.fc1(x)))
        x = self.dropout2(self.relu(self.fc2(x)))
        x = self.fc3(x)
        return x


def vgg(num_classes=1):
    return VGG(num_classes=num_classes)
