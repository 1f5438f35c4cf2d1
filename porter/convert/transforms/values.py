"""Value transforms named from the table (``values = {momentum = "one_minus"}``).

Each takes the (converted) argument expression and returns the torch-side expression, or raises
NotConverted when the value cannot be translated soundly.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import switches
from porter.convert.transforms.base import code, literal, parenthesized

if TYPE_CHECKING:
    from porter.convert.context import Context

DTYPES = {
    "float16": "float16",
    "float32": "float32",
    "float64": "float64",
    "bfloat16": "bfloat16",
    "int8": "int8",
    "int16": "int16",
    "int32": "int32",
    "int64": "int64",
    "uint8": "uint8",
    "bool": "bool",
    "complex64": "complex64",
    "complex128": "complex128",
    "float": "float32",  # numpy-style aliases Paddle accepts as strings
    "double": "float64",
    "half": "float16",
    "int": "int32",
    "long": "int64",
}


def one_minus(value: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    """Paddle's momentum weighs the running statistic, torch's weighs the new batch: m -> 1 - m."""
    number = _number(value)
    if number is not None:
        result = Decimal(1) - number  # a literal is never negative: -2.0 is a minus applied to 2.0
        magnitude = cst.Float(_format(abs(result)))
        return cst.UnaryOperation(cst.Minus(), magnitude) if result < 0 else magnitude
    return cst.BinaryOperation(cst.Integer("1"), cst.Subtract(), parenthesized(value))


def negate(value: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    """A boolean flag whose meaning is inverted on the torch side (``exclusive`` -> ``count_include_pad``)."""
    if isinstance(value, cst.Name) and value.value in ("True", "False"):
        return cst.Name("False" if value.value == "True" else "True")
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Not):
        return value.expression
    return cst.UnaryOperation(cst.Not(), parenthesized(value))


def dtype(value: cst.BaseExpression, ctx: Context) -> cst.BaseExpression:
    """'float32' / "int64" / paddle.float32 (already converted to torch.float32) -> torch dtype."""
    if isinstance(value, cst.SimpleString):
        name = literal(value)
        if name not in DTYPES:
            raise NotConverted("unsupported-value", f"dtype {name!r} has no torch equivalent")
        return ctx.torch_ref(f"torch.{DTYPES[name]}")
    if isinstance(value, cst.Attribute | cst.Name):
        return value  # a dtype object: paddle.float32 references are converted as names
    raise NotConverted("unsupported-value", f"dtype given as {code(value)!r} cannot be translated statically")


def _number(value: cst.BaseExpression) -> Decimal | None:
    if isinstance(value, cst.Float | cst.Integer):
        try:
            return Decimal(value.value.replace("_", ""))
        except InvalidOperation:
            return None
    return None


def _format(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text if "." in text else text + ".0"


# The names the table's ``values = {...}`` may use (named.py passes them to the table's validation).
BY_NAME = {
    "one_minus": one_minus,
    "negate": negate,
    "dtype": dtype,
    "place": switches.place,
    "gelu_approximate": switches.gelu_approximate,
    "rnn_direction": switches.rnn_direction,
}
