"""``paddle.nn.functional`` calls whose tensors are laid out differently in torch.

- ``linear``: Paddle stores the weight as [in, out], torch's ``F.linear`` expects [out, in]: ``weight.T``.
- ``scaled_dot_product_attention``: Paddle's q/k/v (and result) are [batch, seq, heads, dim] (or
  [seq, heads, dim]); torch's are [batch, heads, seq, dim]: the seq and heads axes (-3, -2) are swapped on
  the way in and out. The mask is [batch, heads, seq_q, seq_k] in both. Paddle applies ``dropout_p`` only
  while ``training`` (default True); torch always applies it.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite
from porter.convert.transforms.expressions import atom, keyword, literal_or, method_call

_NONE = object()


def linear(site: CallSite) -> cst.BaseExpression:
    weight = calls.value_of(site, "weight")
    replace = {}
    if weight is not None:
        replace["weight"] = cst.Attribute(atom(weight), cst.Name("T"))
    return calls.rewrite(site, replace=replace)


def scaled_dot_product_attention(site: CallSite) -> cst.BaseExpression:
    swap = (cst.parse_expression("-3"), cst.parse_expression("-2"))
    replace: dict[str, cst.BaseExpression] = {}
    for name in ("query", "key", "value"):
        value = calls.value_of(site, name)
        if value is not None:
            replace[name] = method_call(value, "transpose", *swap)
    dropout = calls.value_of(site, "dropout_p")
    training = calls.value_of(site, "training")
    if dropout is not None and training is not None and literal_or(training, _NONE) is not True:
        off = cst.Float("0.0")
        replace["dropout_p"] = (
            off
            if literal_or(training, _NONE) is False
            else cst.IfExp(test=training, body=dropout, orelse=off)
        )
    result = calls.rewrite(site, skip=frozenset({"training", "backend"}), replace=replace)
    return method_call(result, "transpose", *swap)


def keywords_after_input(site: CallSite) -> cst.BaseExpression:
    """torch functions such as ``F.gelu(input, *, approximate)`` take only the tensor positionally."""
    result = calls.rewrite(site)
    names = site.entry.torch_args
    args = [
        keyword(names[index], arg.value).with_changes(comma=arg.comma)
        if 0 < index < len(names) and arg.keyword is None
        else arg
        for index, arg in enumerate(result.args)
    ]
    return result.with_changes(args=args)
