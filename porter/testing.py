"""Parity assertions for your own pytest suite.

In a test: ``assert_parity(PaddleNet(), TorchNet(), (2, 3, 32, 32))`` checks a seeded input of that
shape with porter's default verdict (the float64 proof and the float32 rounding check);
``assert_parity(PaddleNet(), TorchNet(), [batch], backward=True)`` your own input, gradients included.
"""

from __future__ import annotations

from typing import Any


def assert_parity(paddle_model, torch_model, inputs, **options: Any):
    """Raise AssertionError with the rendered report (divergence table included) unless parity holds.

    ``inputs`` is an input shape or the input array(s)/tensor(s). ``options`` are those of
    ``porter.verify.parity.verify_pair``: dtype ("both", "float64" or "float32": the checks that
    decide), device, seed, atol, rtol (the float64 bound), backward, train_steps, optimizer, rename.
    Both models are modified in place (dtype, Paddle weights copied into torch).
    Returns the ParityResult for further checks.
    """
    from porter.verify.parity import verify_pair

    result = verify_pair(paddle_model, torch_model, inputs, **options)
    if not result.passed:
        raise AssertionError("Paddle and torch models disagree\n" + result.render())
    return result
