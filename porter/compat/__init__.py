"""porter.compat: the few Paddle constructs that have no PyTorch equivalent, written in pure torch.

Code produced by ``porter convert`` imports from here only when the Paddle source used one of them, so
such converted code needs porter installed at runtime (torch is the only other dependency). Each class
keeps Paddle's arguments (names and conventions) and the submodule / state-dict layout of its Paddle
original, so ``porter weights`` lines the two models up by name; tests/compat checks every one for
numerical parity against the real Paddle class with copied weights.
"""

from porter.compat.activations import Hardsigmoid, hardsigmoid
from porter.compat.download import get_weights_path_from_url
from porter.compat.layers import BatchNorm, DownscaleInInferDropout
from porter.compat.param_attr import Initializer, ParamAttr, apply_param_attr
from porter.compat.vision_ops import ConvNormActivation

__all__ = [
    "BatchNorm",
    "ConvNormActivation",
    "DownscaleInInferDropout",
    "Hardsigmoid",
    "Initializer",
    "ParamAttr",
    "apply_param_attr",
    "get_weights_path_from_url",
    "hardsigmoid",
]
