"""GoogLeNet in PaddlePaddle, as written in seed 004 (kept in its style: the code users bring).

Five blocks, nine Inception blocks with the seed's channel table, no auxiliary classifiers.
"""

import paddle
import paddle.nn.functional as F
from paddle.nn import AdaptiveAvgPool2D, Conv2D, Linear, MaxPool2D


class Inception(paddle.nn.Layer):
    def __init__(self, c0, c1, c2, c3, c4):
        """Four parallel branches concatenated along channels.

        c0: input channels; c1: 1x1 branch; c2 = (1x1, 3x3) branch; c3 = (1x1, 5x5) branch;
        c4: 1x1 conv after the 3x3 max pool.
        """
        super(Inception, self).__init__()
        self.p1_1 = Conv2D(in_channels=c0, out_channels=c1, kernel_size=1, stride=1)
        self.p2_1 = Conv2D(in_channels=c0, out_channels=c2[0], kernel_size=1, stride=1)
        self.p2_2 = Conv2D(in_channels=c2[0], out_channels=c2[1], kernel_size=3, padding=1, stride=1)
        self.p3_1 = Conv2D(in_channels=c0, out_channels=c3[0], kernel_size=1, stride=1)
        self.p3_2 = Conv2D(in_channels=c3[0], out_channels=c3[1], kernel_size=5, padding=2, stride=1)
        self.p4_1 = MaxPool2D(kernel_size=3, stride=1, padding=1)
        self.p4_2 = Conv2D(in_channels=c0, out_channels=c4, kernel_size=1, stride=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        # Every branch keeps the spatial size, so the outputs stack along channels.
        return paddle.concat([p1, p2, p3, p4], axis=1)


class GoogLeNet(paddle.nn.Layer):
    def __init__(self, num_classes=1):
        super(GoogLeNet, self).__init__()
        # Block 1: one 7x7 conv (stride 1, as in the seed), then a stride-2 max pool.
        self.conv1 = Conv2D(in_channels=3, out_channels=64, kernel_size=7, padding=3, stride=1)
        self.pool1 = MaxPool2D(kernel_size=3, stride=2, padding=1)
        # Block 2: 1x1 conv, then a 3x3 conv tripling the channels.
        self.conv2_1 = Conv2D(in_channels=64, out_channels=64, kernel_size=1, stride=1)
        self.conv2_2 = Conv2D(in_channels=64, out_channels=192, kernel_size=3, padding=1, stride=1)
        self.pool2 = MaxPool2D(kernel_size=3, stride=2, padding=1)
        # Block 3: two Inception blocks.
        self.block3_1 = Inception(192, 64, (96, 128), (16, 32), 32)
        self.block3_2 = Inception(256, 128, (128, 192), (32, 96), 64)
        self.pool3 = MaxPool2D(kernel_size=3, stride=2, padding=1)
        # Block 4: five Inception blocks.
        self.block4_1 = Inception(480, 192, (96, 208), (16, 48), 64)
        self.block4_2 = Inception(512, 160, (112, 224), (24, 64), 64)
        self.block4_3 = Inception(512, 128, (128, 256), (24, 64), 64)
        self.block4_4 = Inception(512, 112, (144, 288), (32, 64), 64)
        self.block4_5 = Inception(528, 256, (160, 320), (32, 128), 128)
        self.pool4 = MaxPool2D(kernel_size=3, stride=2, padding=1)
        # Block 5: two Inception blocks, then global average pooling.
        self.block5_1 = Inception(832, 256, (160, 320), (32, 128), 128)
        self.block5_2 = Inception(832, 384, (192, 384), (48, 128), 128)
        self.pool5 = AdaptiveAvgPool2D(output_size=1)
        self.fc = Linear(in_features=1024, out_features=num_classes)

    def forward(self, x):
        x = self.pool1(F.relu(self.conv1(x)))
        x = self.pool2(F.relu(self.conv2_2(F.relu(self.conv2_1(x)))))
        x = self.pool3(self.block3_2(self.block3_1(x)))
        x = self.block4_3(self.block4_2(self.block4_1(x)))
        x = self.pool4(self.block4_5(self.block4_4(x)))
        x = self.pool5(self.block5_2(self.block5_1(x)))
        x = paddle.reshape(x, [x.shape[0], -1])
        x = self.fc(x)
        return x


def googlenet(num_classes=1):
    return GoogLeNet(num_classes=num_classes)
