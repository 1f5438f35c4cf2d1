"""``paddle.io``: the data pipeline calls a table row cannot express.

- ``TensorDataset([a, b])``: Paddle takes one list of tensors, torch takes them as separate arguments.
- ``BatchSampler(dataset=d, shuffle=s, ...)``: Paddle builds the index sampler itself; torch's BatchSampler
  wraps one, so it is spelled out (``RandomSampler(d)`` when shuffling, ``SequentialSampler(d)`` otherwise).
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, literal


def tensor_dataset(site: CallSite) -> cst.BaseExpression:
    tensors = calls.value_of(site, "tensors")
    if tensors is None:
        raise NotConverted("unsupported-arg", "paddle.io.TensorDataset needs its list of tensors")
    elements = tensors.elements if isinstance(tensors, cst.List | cst.Tuple) else None
    if elements is not None and not any(isinstance(e, cst.StarredElement) for e in elements):
        args = [cst.Arg(element.value) for element in elements]
    else:
        args = [cst.Arg(tensors, star="*")]
    return cst.Call(site.torch_name(), args)


def batch_sampler(site: CallSite) -> cst.BaseExpression:
    dataset = calls.value_of(site, "dataset")
    if dataset is None or _is_none(dataset):
        if not _false_or_absent(calls.original_value_of(site, "shuffle")):
            raise NotConverted("unsupported-value", "BatchSampler(sampler=..., shuffle=...) shuffles nothing")
        return calls.rewrite(site, skip=frozenset({"dataset", "shuffle"}))
    sampler = calls.value_of(site, "sampler")
    if sampler is not None and not _is_none(sampler):
        raise NotConverted("unsupported-arg", "BatchSampler takes a dataset or a sampler, not both")
    shuffle = calls.value_of(site, "shuffle")
    ctx = site.ctx
    in_order = cst.Call(ctx.torch_ref("torch.utils.data.SequentialSampler"), [cst.Arg(dataset)])
    shuffled = cst.Call(ctx.torch_ref("torch.utils.data.RandomSampler"), [cst.Arg(dataset)])
    if shuffle is None or _false_or_absent(shuffle):
        indices: cst.BaseExpression = in_order
    elif _is_literal_true(shuffle):
        indices = shuffled
    else:
        indices = cst.IfExp(test=shuffle, body=shuffled, orelse=in_order)
    args = [cst.Arg(indices)]
    for name, default in (("batch_size", "1"), ("drop_last", "False")):
        value = calls.value_of(site, name) or cst.parse_expression(default)
        args.append(cst.Arg(value, keyword=cst.Name(name), equal=calls._NO_SPACE))
    return cst.Call(site.torch_name(), args)


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_literal_true(node: cst.BaseExpression) -> bool:
    try:
        return literal(node) is True
    except (ValueError, SyntaxError):
        return False


def _false_or_absent(node: cst.BaseExpression | None) -> bool:
    if node is None:
        return True
    try:
        return literal(node) is False
    except (ValueError, SyntaxError):
        return False
