"""Exact, safe Paddle -> torch weight transfer (see docs/weights.md).

The names below come from transfer.py, which imports torch and paddle; they are loaded on first use
(PEP 562) so that ``porter --help`` and ``porter convert``, which import this package's command module,
do not pay for either framework.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "TensorJoin",
    "TensorLink",
    "TransferError",
    "TransferPlan",
    "check_layer_types",
    "check_paddle_state",
    "copy_paddle_to_torch",
    "paddle_state_to_numpy",
    "plan_transfer",
    "transfer_state_dict",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("porter.weights.transfer"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
