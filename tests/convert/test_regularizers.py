"""Regularizers: ``L2Decay`` as an optimizer's weight decay, as a value, and inside a ``ParamAttr`` (no
effect in torch: reported, and reproduced with the optimizer parameter groups the porting guide shows)."""

import numpy as np
import paddle
import pytest
import torch

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, convert

P = "import paddle\n"

GOLDEN = {
    "legacy-batch-norm-attrs": (
        P + "from paddle import ParamAttr\nfrom paddle.regularizer import L2Decay\n"
        "bn = paddle.nn.BatchNorm(8, param_attr=ParamAttr(regularizer=L2Decay(0.0)), "
        "bias_attr=ParamAttr(regularizer=L2Decay(0.0)))\n",
        "import porter_helpers\nbn = porter_helpers.BatchNorm(8)\n",
    ),
    "l2decay-value": (
        P + "reg = paddle.regularizer.L2Decay(5e-4)\n",
        "import porter_helpers\nreg = porter_helpers.L2Decay(5e-4)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), GOLDEN.values(), ids=GOLDEN.keys())
def test_golden(before, after):
    assert_converts(before, after)


def test_a_parameter_regularizer_is_reported_not_dropped_silently():
    result = convert(
        P
        + "fc = paddle.nn.Linear(4, 4, weight_attr=paddle.ParamAttr(regularizer=paddle.regularizer.L2Decay(0.0)))\n"
    )
    warnings = [d for d in result.diagnostics if d.code == "param-attr"]
    assert len(warnings) == 1 and "parameter group" in warnings[0].message
    assert "paddle" not in result.output


X = np.random.default_rng(0).standard_normal((5, 3))
# float64 throughout; rates exact in float32 too (Paddle keeps its learning rate as a float32 tensor)
TRAIN = (
    "paddle.set_default_dtype('float64')\n"
    "fc = paddle.nn.Linear(3, 2, weight_attr=paddle.nn.initializer.Constant(0.5), "
    "bias_attr=paddle.nn.initializer.Constant(0.125))\n"
    "{regularizer}\n"
    "opt = paddle.optimizer.Momentum(learning_rate=0.25, momentum=0.5, parameters=fc.parameters(), "
    "weight_decay={decay})\n"
    "for _ in range(3):\n"
    "    loss = (fc(x) ** 2).mean()\n"
    "    loss.backward()\n"
    "    opt.step()\n"
    "    opt.clear_grad()\n"
    "y = fc(x)\n"
    "paddle.set_default_dtype('float32')\n"
)


@pytest.mark.parametrize(
    ("regularizer", "decay"),
    [
        ("reg = paddle.regularizer.L2Decay(0.0625)", "reg"),
        ("", "paddle.regularizer.L2Decay(0.0625)"),
        ("", "0.0625"),
    ],
    ids=["l2decay-in-a-variable", "l2decay-inline", "float"],
)
def test_weight_decay_takes_the_same_steps(regularizer, decay):
    assert_same_values(
        P + TRAIN.format(regularizer=regularizer, decay=decay), {"x": X}, rtol=1e-12, atol=1e-12
    )


def test_legacy_batch_norm_with_regularized_attrs_computes_the_same():
    source = (
        P + "from paddle import ParamAttr\nfrom paddle.regularizer import L2Decay\n"
        "bn = paddle.nn.BatchNorm(3, act='relu', param_attr=ParamAttr(regularizer=L2Decay(0.0)), "
        "bias_attr=ParamAttr(regularizer=L2Decay(0.0)))\n"
        "y = bn(x)\n"
    )
    assert_same_values(source, {"x": X.astype("float32")}, rtol=1e-6, atol=1e-6)


def test_the_porting_guide_parameter_group_recipe_reproduces_a_paddle_parameter_regularizer():
    """Paddle: the optimizer decays every parameter by 0.0625 except those whose ParamAttr carries its own
    regularizer (L2Decay(0.0) here: no decay). torch: the same with two parameter groups. Rates exact in
    float32 too: Paddle keeps its learning rate as a float32 tensor."""
    paddle.set_default_dtype("float64")
    try:
        no_decay = paddle.ParamAttr(regularizer=paddle.regularizer.L2Decay(0.0))
        first = paddle.nn.Linear(3, 4, weight_attr=no_decay, bias_attr=no_decay)
        second = paddle.nn.Linear(4, 2)
        model = paddle.nn.Sequential(first, paddle.nn.Tanh(), second)
    finally:
        paddle.set_default_dtype("float32")
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for paddle_layer, torch_layer in ((first, torch_model[0]), (second, torch_model[2])):
            torch_layer.weight.copy_(torch.from_numpy(paddle_layer.weight.numpy().T))
            torch_layer.bias.copy_(torch.from_numpy(paddle_layer.bias.numpy()))
    paddle_opt = paddle.optimizer.Momentum(
        0.25, momentum=0.5, parameters=model.parameters(), weight_decay=0.0625
    )
    groups = [
        {"params": list(torch_model[0].parameters()), "weight_decay": 0.0},
        {"params": list(torch_model[2].parameters())},
    ]
    torch_opt = torch.optim.SGD(groups, lr=0.25, momentum=0.5, weight_decay=0.0625)
    for _ in range(3):
        (model(paddle.to_tensor(X)) ** 2).mean().backward()
        paddle_opt.step()
        paddle_opt.clear_grad()
        (torch_model(torch.from_numpy(X)) ** 2).mean().backward()
        torch_opt.step()
        torch_opt.zero_grad()
    for paddle_layer, torch_layer in ((first, torch_model[0]), (second, torch_model[2])):
        np.testing.assert_allclose(
            torch_layer.weight.detach().numpy().T, paddle_layer.weight.numpy(), rtol=1e-12
        )
        np.testing.assert_allclose(torch_layer.bias.detach().numpy(), paddle_layer.bias.numpy(), rtol=1e-12)
