"""The named transforms the mapping table may reference (``values = {...}`` and ``transform = "..."``).

``VOCABULARY`` hands their names (and the helpers' targets) to the table's validation; the table itself
imports none of this code.
Value transforms: ``fn(value_expression, ctx) -> expression``.
Call transforms: ``fn(site: CallSite) -> expression`` (raise NotConverted when there is no sound translation).
"""

from __future__ import annotations

from collections.abc import Callable

from porter.convert import helpers
from porter.convert.table import Vocabulary
from porter.convert.transforms import (
    devices,
    io,
    layer_methods,
    layers,
    misc,
    optim,
    param_attr,
    sublayers,
    tensor_ops,
    values,
)

VALUE_TRANSFORMS: dict[str, Callable] = values.BY_NAME

CALL_TRANSFORMS: dict[str, Callable] = {
    "sublayers": layer_methods.sublayers,
    "add_sublayer": sublayers.add_sublayer,
    "create_parameter": sublayers.create_parameter,
    "param_attr": param_attr.standalone_param_attr,
    "initializer": param_attr.standalone_initializer,
    "dropout": layers.dropout,
    "hardsigmoid": layers.hardsigmoid,
    "optimizer": optim.optimizer,
    "lr_scheduler": optim.lr_scheduler,
    "optimizer_get_lr": optim.get_lr,
    "tensor_dataset": io.tensor_dataset,
    "batch_sampler": io.batch_sampler,
    "optimizer_base": optim.base_class,
    "matmul": tensor_ops.matmul,
    "split": tensor_ops.split,
    "to_tensor": tensor_ops.to_tensor,
    "astype": tensor_ops.astype,
    "tensor_transpose": tensor_ops.tensor_transpose,
    "flatten_method": tensor_ops.flatten_method,
    "to_numpy": tensor_ops.to_numpy,
    "set_device": devices.set_device,
    "cuda": devices.cuda,
    "save_load": misc.save_load,
    "no_grad": misc.no_grad,
}

VOCABULARY = Vocabulary(frozenset(CALL_TRANSFORMS), frozenset(VALUE_TRANSFORMS), helpers.TARGETS)
