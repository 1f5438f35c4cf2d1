"""Layer methods whose torch counterpart walks the tree differently."""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.transforms import calls
from porter.convert.transforms.base import CallSite, code, literal


def sublayers(site: CallSite) -> cst.BaseExpression:
    """``m.sublayers(include_self=False)``: every sublayer once, depth first, as a list. torch's
    ``m.modules()`` is the same pre-order walk (duplicates skipped too) that starts with ``m`` itself."""
    include = calls.original_value_of(site, "include_self")
    try:
        include_self = False if include is None else literal(include)
    except (ValueError, SyntaxError) as error:
        raise NotConverted(
            "sublayers", f"include_self={code(include)} must be a literal True/False"
        ) from error
    if not isinstance(include_self, bool):
        raise NotConverted("sublayers", f"include_self={code(include)} must be a literal True/False")
    walk = f"list({code(site.receiver).strip()}.modules())"
    return cst.parse_expression(walk if include_self else f"{walk}[1:]")
