"""Random stacks of Linear / BatchNorm1D / LayerNorm / PReLU: after the copy, forwards agree in float64."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paddle import nn as pn
from torch import nn as tn

from porter.weights.transfer import copy_paddle_to_torch
from tests.weights.helpers import build_paddle_float64, paddle_forward, randomize_paddle, torch_forward

# Paddle keeps a norm layer's epsilon as a float32 attribute, so even in float64 it adds
# float32(1e-5) = 9.99999974737875e-06; torch adds 1e-5 exactly. Where a variance is small next to eps
# (a LayerNorm over two nearly equal features) that alone moves outputs by ~1e-8 relative. The torch side
# here uses the value Paddle really adds, so the comparison stays exact to float64 noise.
PADDLE_EPS = float(np.float32(1e-5))

# kind -> (Paddle layer, torch module) for a feature width; "linear" changes the width.
_LAYERS = {
    "linear": (lambda i, o: pn.Linear(i, o), lambda i, o: tn.Linear(i, o)),
    "batchnorm": (lambda i, o: pn.BatchNorm1D(i), lambda i, o: tn.BatchNorm1d(i, eps=PADDLE_EPS)),
    "layernorm": (lambda i, o: pn.LayerNorm(i), lambda i, o: tn.LayerNorm(i, eps=PADDLE_EPS)),
    "prelu": (lambda i, o: pn.PReLU(i), lambda i, o: tn.PReLU(i)),
}

stacks = st.lists(
    st.tuples(st.sampled_from(sorted(_LAYERS)), st.integers(1, 6), st.booleans()), min_size=1, max_size=6
)


def _build(stack, width, side):
    layers, sequential = [], (pn.Sequential if side == 0 else tn.Sequential)
    for kind, out_width, nest in stack:
        out_width = out_width if kind == "linear" else width
        layer = _LAYERS[kind][side](width, out_width)
        layers.append(sequential(layer) if nest else layer)
        width = out_width
    return sequential(*layers)


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(stack=stacks, width=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_random_stacks_agree_after_the_copy(stack, width, seed):
    paddle_model = randomize_paddle(build_paddle_float64(lambda: _build(stack, width, 0)), seed)
    torch_model = _build(stack, width, 1).double()
    plan = copy_paddle_to_torch(paddle_model, torch_model)
    assert len(plan.links) == len(paddle_model.state_dict())
    x = np.random.default_rng(seed).standard_normal((3, width))
    np.testing.assert_allclose(
        torch_forward(torch_model, x), paddle_forward(paddle_model, x), rtol=1e-10, atol=1e-12
    )
