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
    containers,
    creation,
    devices,
    framework,
    in_place,
    initializers,
    io,
    layer_args,
    layer_methods,
    layers,
    misc,
    nn_functional,
    optim,
    param_attr,
    shapes,
    sublayers,
    tensor_ops,
    values,
)

VALUE_TRANSFORMS: dict[str, Callable] = values.BY_NAME

CALL_TRANSFORMS: dict[str, Callable] = {
    "sublayers": layer_methods.sublayers,
    "add_sublayer": sublayers.add_sublayer,
    "add_parameter": sublayers.add_sublayer,
    "create_parameter": sublayers.create_parameter,
    "param_attr": param_attr.standalone_param_attr,
    "initializer": initializers.as_function,
    "dropout": layers.dropout,
    "hardsigmoid": layers.hardsigmoid,
    "conv_norm_activation": layers.conv_norm_activation,
    "weight_norm": layers.weight_norm,
    "pad_layer": layer_args.pad_layer,
    "batch_norm": layer_args.batch_norm,
    "instance_norm": layer_args.instance_norm,
    "embedding": layer_args.embedding,
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
    "to_numpy": tensor_ops.to_numpy,
    "set_value": tensor_ops.set_value,
    "assign": tensor_ops.assign,
    "full": tensor_ops.full,
    "one_hot": tensor_ops.one_hot,
    "pad": tensor_ops.pad,
    "set_device": devices.set_device,
    "cuda": devices.cuda,
    "save_load": misc.save_load,
    "no_grad": misc.no_grad,
    # creation, shapes, layouts, execution mode (issue 11)
    "uniform": creation.uniform,
    "tensor_shape": shapes.shape,
    "cast": shapes.cast,
    "expand": shapes.expand,
    "reshape": shapes.reshape,
    "reshape_in_place": in_place.reshape,
    "unsqueeze": shapes.unsqueeze,
    "split_parts": shapes.split,
    "cumsum": shapes.cumsum,
    "add_n": shapes.add_n,
    "scale": shapes.scale,
    "linear_weight": nn_functional.linear,
    "sdpa": nn_functional.scaled_dot_product_attention,
    "keywords_after_input": nn_functional.keywords_after_input,
    "in_dynamic_mode": framework.in_dynamic_mode,
    "no_custom_device": framework.no_custom_device,
    framework.DROP_DECORATOR: framework.drop_decorator,
    "sequential": containers.sequential,
    "named_sublayers": containers.named_sublayers,
}

VOCABULARY = Vocabulary(frozenset(CALL_TRANSFORMS), frozenset(VALUE_TRANSFORMS), helpers.TARGETS)
