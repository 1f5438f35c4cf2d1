"""Exact, safe Paddle -> torch weight transfer (see docs/weights.md)."""

from porter.weights.transfer import (
    TensorJoin,
    TensorLink,
    TransferError,
    TransferPlan,
    check_layer_types,
    check_paddle_state,
    copy_paddle_to_torch,
    paddle_state_to_numpy,
    plan_transfer,
    transfer_state_dict,
)

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
