"""Issue 3 "Done when": the seed 004 Paddle code (VGG, GoogLeNet, ResNet and the Momentum/weight_decay
optimizer lines) converts with no TODOs, and the result compiles and no longer imports paddle."""

import re
from pathlib import Path

import pytest

from porter.convert.engine import convert_source
from porter.convert.report import Status

DATA = Path(__file__).parent / "data"
SEEDS = sorted(DATA.glob("seed004_*.py"))


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_converts_without_todo(path):
    result = convert_source(path.read_text(encoding="utf-8"), path=path.name)
    assert result.status is Status.CONVERTED, [str(d) for d in result.attention]
    assert "porter: TODO" not in result.output
    compile(result.output, path.name, "exec")
    assert not re.search(r"^\s*(import|from)\s+paddle\b", result.output, re.MULTILINE)
    assert result.unconverted == {}


def test_seed_traps_come_out_right():
    resnet = convert_source((DATA / "seed004_resnet.py").read_text(encoding="utf-8")).output
    assert "y = F.relu(y)" in resnet  # the F.relu(x=y) keyword trap
    assert "y = torch.add(short, other=conv2)" in resnet
    assert "bias=False" in resnet and "bias_attr" not in resnet
    assert "self.add_module('bb_%d_%d' % (block, i), bottleneck_block)" in resnet
    assert "torch.nn.init.uniform_(self.out.weight, -stdv, stdv)" in resnet
    expected_optimizer = (
        "torch.optim.SGD(lr=0.001, momentum=0.9, params=model.parameters(), weight_decay=0.001)"
    )
    assert expected_optimizer in resnet
    vgg = convert_source((DATA / "seed004_vgg.py").read_text(encoding="utf-8")).output
    assert "torch.nn.Dropout(self.drop1_ratio)" in vgg  # mode='upscale_in_train' is torch's only mode
    assert "torch.flatten(x, 1, -1)" in vgg


def test_converted_seed_resnet_builds_and_registers_blocks_by_name():
    import torch

    source = convert_source((DATA / "seed004_resnet.py").read_text(encoding="utf-8")).output
    source = source.replace("model = ResNet()", "model = ResNet(layers=50)")
    namespace: dict = {}
    exec(compile(source, "seed004_resnet_converted.py", "exec"), namespace)  # noqa: S102 - our own output
    model = namespace["model"]
    names = [name for name, _ in model.named_children()]
    assert "bb_0_0" in names and "bb_3_2" in names
    assert isinstance(namespace["opt"], torch.optim.SGD)
    assert namespace["opt"].defaults["weight_decay"] == 0.001
    assert model(torch.zeros(1, 3, 64, 64)).shape == (1, 1)
