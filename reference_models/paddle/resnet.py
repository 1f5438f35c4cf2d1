"""ResNet-50/101/152 in PaddlePaddle, as written in seed 004 (ConvBNLayer + BottleneckBlock).

Kept in the seed's style on purpose: this is the kind of code users bring to porter.
Diff against reference_models/torch/resnet.py to see only framework differences.
"""

import math

import paddle
import paddle.nn as nn
import paddle.nn.functional as F


# Convolution followed by batch normalisation (and an optional activation).
class ConvBNLayer(paddle.nn.Layer):
    def __init__(self, num_channels, num_filters, filter_size, stride=1, groups=1, act=None):
        super(ConvBNLayer, self).__init__()
        # No conv bias: the BatchNorm shift that follows makes it redundant.
        self._conv = nn.Conv2D(
            in_channels=num_channels,
            out_channels=num_filters,
            kernel_size=filter_size,
            stride=stride,
            padding=(filter_size - 1) // 2,
            groups=groups,
            bias_attr=False,
        )
        # Defaults: momentum=0.9, epsilon=1e-5.
        self._batch_norm = paddle.nn.BatchNorm2D(num_filters)
        self.act = act

    def forward(self, inputs):
        y = self._conv(inputs)
        y = self._batch_norm(y)
        if self.act == "leaky":
            # The seed passed an undefined `out` here; the branch is unused but must still be right.
            y = F.leaky_relu(x=y, negative_slope=0.1)
        elif self.act == "relu":
            y = F.relu(x=y)
        return y


# Three convolutions (1x1 reduce, 3x3, 1x1 expand x4) plus a shortcut; a 1x1 ConvBN projects the
# input when its shape differs from the block output.
class BottleneckBlock(paddle.nn.Layer):
    def __init__(self, num_channels, num_filters, stride, shortcut=True):
        super(BottleneckBlock, self).__init__()
        self.conv0 = ConvBNLayer(
            num_channels=num_channels, num_filters=num_filters, filter_size=1, act="relu"
        )
        self.conv1 = ConvBNLayer(
            num_channels=num_filters, num_filters=num_filters, filter_size=3, stride=stride, act="relu"
        )
        self.conv2 = ConvBNLayer(
            num_channels=num_filters, num_filters=num_filters * 4, filter_size=1, act=None
        )

        if not shortcut:
            self.short = ConvBNLayer(
                num_channels=num_channels, num_filters=num_filters * 4, filter_size=1, stride=stride
            )

        self.shortcut = shortcut

        self._num_channels_out = num_filters * 4

    def forward(self, inputs):
        y = self.conv0(inputs)
        conv1 = self.conv1(y)
        conv2 = self.conv2(conv1)

        # Identity shortcut when shapes agree, otherwise the 1x1 projection.
        short = inputs if self.shortcut else self.short(inputs)

        y = paddle.add(x=short, y=conv2)
        y = F.relu(y)
        return y


DEPTHS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}


class ResNet(paddle.nn.Layer):
    def __init__(self, layers=50, class_dim=1):
        super(ResNet, self).__init__()
        self.layers = layers
        assert layers in DEPTHS, f"supported layers are {list(DEPTHS)} but input layer is {layers}"
        depth = DEPTHS[layers]

        num_filters = [64, 128, 256, 512]

        # Stem: 7x7 stride-2 ConvBN, then 3x3 stride-2 max pool.
        self.conv = ConvBNLayer(num_channels=3, num_filters=64, filter_size=7, stride=2, act="relu")
        self.pool2d_max = nn.MaxPool2D(kernel_size=3, stride=2, padding=1)

        # Stages c2..c5. add_sublayer registers each block under 'bb_<stage>_<index>'; the list
        # only records the call order for forward().
        self.bottleneck_block_list = []
        num_channels = 64
        for block in range(len(depth)):
            shortcut = False
            for i in range(depth[block]):
                bottleneck_block = self.add_sublayer(
                    "bb_%d_%d" % (block, i),  # noqa: UP031 (the seed's spelling)
                    BottleneckBlock(
                        num_channels=num_channels,
                        num_filters=num_filters[block],
                        # c3, c4 and c5 halve the resolution in their first block.
                        stride=2 if i == 0 and block != 0 else 1,
                        shortcut=shortcut,
                    ),
                )
                num_channels = bottleneck_block._num_channels_out
                self.bottleneck_block_list.append(bottleneck_block)
                shortcut = True

        self.pool2d_avg = paddle.nn.AdaptiveAvgPool2D(output_size=1)

        # After global pooling the features are [B, 2048]; fc weights start in U(-stdv, stdv).
        stdv = 1.0 / math.sqrt(2048 * 1.0)
        self.out = nn.Linear(
            in_features=2048,
            out_features=class_dim,
            weight_attr=paddle.ParamAttr(initializer=paddle.nn.initializer.Uniform(-stdv, stdv)),
        )

    def forward(self, inputs):
        y = self.conv(inputs)
        y = self.pool2d_max(y)
        for bottleneck_block in self.bottleneck_block_list:
            y = bottleneck_block(y)
        y = self.pool2d_avg(y)
        y = paddle.reshape(y, [y.shape[0], -1])
        y = self.out(y)
        return y


def resnet50(num_classes=1):
    return ResNet(layers=50, class_dim=num_classes)


def resnet101(num_classes=1):
    return ResNet(layers=101, class_dim=num_classes)


def resnet152(num_classes=1):
    return ResNet(layers=152, class_dim=num_classes)
