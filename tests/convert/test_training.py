"""Training code: optimizers, weight decay, sublayer registration, parameters, save/load, devices."""

import sys

import pytest

from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\n"
T = "import torch\n"

CASES = {
    "seed-momentum-weight-decay": (
        P
        + "opt = paddle.optimizer.Momentum(learning_rate=0.001, momentum=0.9, parameters=model.parameters(), weight_decay=0.001)\n",
        T + "opt = torch.optim.SGD(lr=0.001, momentum=0.9, params=model.parameters(), weight_decay=0.001)\n",
    ),
    "momentum-default-spelled-out": (
        P + "opt = paddle.optimizer.Momentum(learning_rate=0.1, parameters=ps)\n",
        T + "opt = torch.optim.SGD(lr=0.1, params=ps, momentum=0.9)\n",
    ),
    "l2decay-coefficient": (
        P
        + "opt = paddle.optimizer.SGD(learning_rate=0.1, parameters=ps, weight_decay=paddle.regularizer.L2Decay(1e-4))\n",
        T + "opt = torch.optim.SGD(lr=0.1, params=ps, weight_decay=1e-4)\n",
    ),
    "adam-betas": (
        P + "opt = paddle.optimizer.Adam(learning_rate=1e-3, beta1=0.8, parameters=ps, epsilon=1e-6)\n",
        T + "opt = torch.optim.Adam(lr=1e-3, params=ps, eps=1e-6, betas=(0.8, 0.999))\n",
    ),
    "add-sublayer-assigned": (
        P + "class M(paddle.nn.Layer):\n    def __init__(self):\n        super().__init__()\n"
        "        b = self.add_sublayer('b_%d' % 1, paddle.nn.ReLU())\n        self.blocks.append(b)\n",
        T + "class M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        b = torch.nn.ReLU()\n        self.add_module('b_%d' % 1, b)\n        self.blocks.append(b)\n",
    ),
    "add-sublayer-in-expression": (
        P
        + "for i in range(2):\n    # register\n    self.blocks.append(self.add_sublayer(f'b{i}', paddle.nn.ReLU()))\n",
        T + "for i in range(2):\n    # register\n    self.add_module(f'b{i}', torch.nn.ReLU())\n"
        "    self.blocks.append(self.get_submodule(f'b{i}'))\n",
    ),
    "add-sublayer-statement": (
        P + "self.add_sublayer('relu', paddle.nn.ReLU())\n",
        T + "self.add_module('relu', torch.nn.ReLU())\n",
    ),
    "create-parameter": (
        P
        + "self.w = self.create_parameter([3, 4], default_initializer=paddle.nn.initializer.Constant(1.0))\n",
        T + "self.w = torch.nn.Parameter(torch.empty([3, 4]))\ntorch.nn.init.constant_(self.w, 1.0)\n",
    ),
    "save-load": (
        P + "paddle.save(model.state_dict(), 'm.pdparams')\nsd = paddle.load('m.pdparams')\n",
        T + "torch.save(model.state_dict(), 'm.pdparams')\nsd = torch.load('m.pdparams')\n",
    ),
    "set-device": (P + "paddle.set_device('gpu:0')\n", T + "torch.set_default_device('cuda:0')\n"),
    "dataset-dataloader": (
        "from paddle.io import Dataset, DataLoader\nclass D(Dataset):\n    pass\nl = DataLoader(D(), batch_size=4, shuffle=True)\n",
        "from torch.utils.data import Dataset, DataLoader\nclass D(Dataset):\n    pass\nl = DataLoader(D(), batch_size=4, shuffle=True)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    assert_converts(before, after)


def test_add_sublayer_keeps_names_and_returned_object():
    import torch

    source = (
        P
        + "class M(paddle.nn.Layer):\n    def __init__(self):\n        super().__init__()\n        self.blocks = []\n"
        "        for i in range(2):\n            b = self.add_sublayer('bb_%d' % i, paddle.nn.Linear(2, 2))\n"
        "            self.blocks.append(b)\n"
    )
    namespace: dict = {}
    exec(convert(source).output, namespace)  # noqa: S102
    model = namespace["M"]()
    assert [n for n, _ in model.named_children()] == ["bb_0", "bb_1"]
    assert model.blocks[0] is model.bb_0 and isinstance(model.bb_1, torch.nn.Linear)


@pytest.mark.parametrize(
    ("source", "code"),
    [
        (
            P
            + "opt = paddle.optimizer.SGD(learning_rate=paddle.optimizer.lr.StepDecay(0.1, 10), parameters=ps)\n",
            "lr-scheduler",
        ),
        (
            P
            + "opt = paddle.optimizer.SGD(learning_rate=0.1, parameters=ps, weight_decay=paddle.regularizer.L1Decay(1e-4))\n",
            "optimizer",
        ),
        (P + "x = [self.add_sublayer(name(), l)]\n", "add-sublayer"),
    ],
    ids=["scheduler-as-learning-rate", "l1-decay", "add-sublayer-calling-name-in-expression"],
)
def test_left_with_todo(source, code):
    assert code in codes(convert(source))


def test_paddle_l2_decay_and_torch_weight_decay_take_the_same_step():
    """Momentum + weight_decay=c in Paddle and SGD(momentum, weight_decay=c) in torch update alike."""
    import numpy as np
    import paddle
    import torch

    w0 = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
    p_lin = paddle.nn.Linear(2, 2, bias_attr=False)
    p_lin.weight.set_value(w0)
    p_opt = paddle.optimizer.Momentum(
        learning_rate=0.1, momentum=0.9, parameters=p_lin.parameters(), weight_decay=0.01
    )
    t_lin = torch.nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        t_lin.weight.copy_(torch.from_numpy(w0.T))
    t_opt = torch.optim.SGD(lr=0.1, momentum=0.9, params=t_lin.parameters(), weight_decay=0.01)
    x = np.array([[1.0, 2.0]], dtype=np.float32)
    for _ in range(3):
        p_loss = p_lin(paddle.to_tensor(x)).sum()
        p_loss.backward()
        p_opt.step()
        p_opt.clear_grad()
        t_opt.zero_grad()
        t_lin(torch.from_numpy(x)).sum().backward()
        t_opt.step()
    np.testing.assert_allclose(t_lin.weight.detach().numpy().T, p_lin.weight.numpy(), rtol=1e-6, atol=1e-7)


def test_scheduler_moves_after_its_optimizer():
    before = (
        "import paddle\n"
        "# schedule\n"
        "sched = paddle.optimizer.lr.StepDecay(learning_rate=0.1, step_size=10, gamma=0.5)\n"
        "opt = paddle.optimizer.SGD(learning_rate=sched, parameters=ps)\n"
        "sched.step()\n"
    )
    after = (
        "import porter_helpers\n"
        "import torch\n"
        "opt = torch.optim.SGD(lr=0.1, params=ps)\n"
        "# schedule\n"
        "sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)\n"
        "porter_helpers.attach_lr_scheduler(opt, sched)\n"
        "sched.step()\n"
    )
    assert_converts(before, after)


def test_scheduler_used_before_its_optimizer_is_left_with_todo():
    result = convert(
        "import paddle\nsched = paddle.optimizer.lr.StepDecay(0.1, 10)\nprint(sched.last_lr)\n"
        "opt = paddle.optimizer.SGD(learning_rate=sched, parameters=ps)\n"
    )
    assert codes(result).count("lr-scheduler") == 2
    assert "sched = paddle.optimizer.lr.StepDecay(0.1, 10)" in result.output


def test_scheduler_whose_optimizer_fails_stays_in_place_with_todo():
    result = convert(
        "import paddle\nsched = paddle.optimizer.lr.StepDecay(0.1, 10)\n"
        "opt = paddle.optimizer.SGD(learning_rate=sched, parameters=ps, weight_decay=paddle.regularizer.L1Decay(0.1))\n"
    )
    lines = result.output.splitlines()
    assert lines.index("sched = paddle.optimizer.lr.StepDecay(0.1, 10)") < lines.index(
        "opt = paddle.optimizer.SGD(learning_rate=sched, parameters=ps, weight_decay=paddle.regularizer.L1Decay(0.1))"
    )
    assert "lr-scheduler" in codes(result) and "optimizer" in codes(result)


def test_converted_scheduler_steps_like_paddle(tmp_path, monkeypatch):
    import paddle

    from tests.convert.test_helpers import load_rendered

    monkeypatch.setitem(sys.modules, "porter_helpers", load_rendered(tmp_path, ["attach_lr_scheduler"]))

    paddle_sched = paddle.optimizer.lr.StepDecay(learning_rate=0.1, step_size=2, gamma=0.5)
    paddle_rates = []
    for _ in range(5):
        paddle_rates.append(paddle_sched.get_lr())
        paddle_sched.step()
    source = (
        "import paddle\nimport torch\nps = [torch.nn.Parameter(torch.zeros(1))]\n"
        "sched = paddle.optimizer.lr.StepDecay(learning_rate=0.1, step_size=2, gamma=0.5)\n"
        "opt = paddle.optimizer.SGD(learning_rate=sched, parameters=ps)\n"
    )
    namespace: dict = {}
    exec(convert(source).output, namespace)  # noqa: S102
    torch_rates = []
    for _ in range(5):
        torch_rates.append(namespace["opt"].param_groups[0]["lr"])
        namespace["opt"].step()
        namespace["sched"].step()
    assert torch_rates == pytest.approx(paddle_rates)


def test_add_sublayer_inside_an_expression_returns_the_registered_object():
    source = (
        P
        + "class M(paddle.nn.Layer):\n    def __init__(self):\n        super().__init__()\n        self.blocks = []\n"
        "        for i in range(2):\n            self.blocks.append(self.add_sublayer(f'bb_{i}', paddle.nn.Linear(2, 2)))\n"
    )
    namespace: dict = {}
    exec(convert(source).output, namespace)  # noqa: S102
    model = namespace["M"]()
    assert [n for n, _ in model.named_children()] == ["bb_0", "bb_1"]
    assert model.blocks[1] is model.bb_1
