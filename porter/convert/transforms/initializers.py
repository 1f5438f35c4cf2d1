"""``paddle.nn.initializer.*`` -> ``torch.nn.init``: as a statement on a new parameter, or as a value.

- On a parameter (``weight_attr=``/``ParamAttr(initializer=)``/``default_initializer=``):
  ``torch.nn.init.<x>_(tensor, ...)`` right after the statement that builds it. An explicit
  ``fan_in``/``fan_out`` (which torch.nn.init cannot take) is spelled as the normal/uniform draw Paddle
  computes from it; ``Assign(value)`` copies the value in (transposed into a Linear weight). An
  initializer held in a variable (``zeros_ = Constant(0.)`` ... ``default_initializer=zeros_``) is
  called on the tensor.
- As a value (``zeros_ = Constant(value=0.)``, a default argument): a function that fills a tensor,
  ``functools.partial(torch.nn.init.constant_, val=0.0)``, so ``zeros_(self.pos_embed)`` keeps working;
  ``Assign(value)`` is the helper ``porter_helpers.Assign`` (the table's target).
- Paddle's default for a parameter it creates itself (``create_parameter``): Xavier-uniform from Paddle's
  own fans (a 1-D weight of n counts n in and n out, where torch's ``xavier_uniform_`` refuses 1-D), zeros
  for a bias.

Fan-based initializers need no layout correction: Paddle computes a Linear weight's fans from its
[in, out] shape as (in, out), torch from [out, in] as (in, out) too, and conv weights share one layout.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.names import walk
from porter.convert.transforms.base import CallSite, code
from porter.convert.transforms.expressions import atom, converted, literal_or, source

# paddle initializer -> (its parameters with defaults, torch init function, its arguments after the tensor
# as (torch keyword, paddle parameter, given positionally in a direct call))
_INITIALIZERS: dict[str, tuple[dict[str, str], str, tuple[tuple[str, str, bool], ...]]] = {
    "Uniform": ({"low": "-1.0", "high": "1.0"}, "uniform_", (("a", "low", True), ("b", "high", True))),
    "Normal": ({"mean": "0.0", "std": "1.0"}, "normal_", (("mean", "mean", True), ("std", "std", True))),
    "TruncatedNormal": (
        {"mean": "0.0", "std": "1.0", "a": "-2.0", "b": "2.0"},
        "trunc_normal_",
        (("mean", "mean", True), ("std", "std", True), ("a", "a", True), ("b", "b", True)),
    ),
    "Constant": ({"value": "0.0"}, "constant_", (("val", "value", True),)),
    "XavierUniform": (
        {"fan_in": "None", "fan_out": "None", "gain": "1.0"},
        "xavier_uniform_",
        (("gain", "gain", False),),
    ),
    "XavierNormal": (
        {"fan_in": "None", "fan_out": "None", "gain": "1.0"},
        "xavier_normal_",
        (("gain", "gain", False),),
    ),
    "KaimingNormal": (
        {"fan_in": "None", "negative_slope": "0.0", "nonlinearity": "'relu'", "mode": "'fan_in'"},
        "kaiming_normal_",
        (("a", "negative_slope", False), ("mode", "mode", False), ("nonlinearity", "nonlinearity", False)),
    ),
    "KaimingUniform": (
        {"fan_in": "None", "negative_slope": "0.0", "nonlinearity": "'relu'", "mode": "'fan_in'"},
        "kaiming_uniform_",
        (("a", "negative_slope", False), ("mode", "mode", False), ("nonlinearity", "nonlinearity", False)),
    ),
    "Orthogonal": ({"gain": "1.0"}, "orthogonal_", (("gain", "gain", False),)),
    "Dirac": ({"groups": "1"}, "dirac_", (("groups", "groups", False),)),
    "Assign": ({"value": "None"}, "", ()),
}
_ALIASES = {"uniform": "Uniform", "normal": "Normal", "constant": "Constant", "xavier": "XavierUniform"}
Arguments = list[tuple[str, str, bool]]  # (torch keyword, value source, positional in a direct call)


def init_statement(
    site: CallSite, initializer: cst.BaseExpression, tensor: str, *, transposed: bool = False
) -> str:
    """The statement that initializes ``tensor`` (source text) as ``initializer`` would. ``transposed``:
    the torch tensor is the transpose of Paddle's (a Linear weight: [out, in] against [in, out]), which
    matters for the values Assign copies in (random draws are the same either way, fans included)."""
    name, values = _read(site, initializer)
    if name is None:
        return _runtime(site, initializer, tensor, transposed=transposed)
    if name == "Assign":
        value = f"torch.as_tensor({values['value']})" + (".T" if transposed else "")
        return f"with torch.no_grad():\n    {tensor}.copy_({value})"
    function, arguments = _call_parts(name, values)
    spelled = ", ".join(value if positional else f"{key}={value}" for key, value, positional in arguments)
    return f"torch.nn.init.{function}({tensor}, {spelled})"


def as_function(site: CallSite) -> cst.BaseExpression:
    """An initializer object used as a value: ``functools.partial(torch.nn.init.<x>_, ...)``, a callable
    that fills the tensor it is given, as Paddle's initializer objects do."""
    name, values = _read(site, site.original, count=False)  # the call itself is counted as converted
    assert name is not None and name != "Assign"  # the table maps only torch.nn.init counterparts here
    function, arguments = _call_parts(name, values)
    spelled = ", ".join(f"{key}={value}" for key, value, _ in arguments)
    return cst.parse_expression(f"functools.partial(torch.nn.init.{function}, {spelled})")


def default_statement(site: CallSite, shape: cst.BaseExpression, tensor: str, *, is_bias: bool) -> str:
    """Paddle's own initializer for a parameter it creates: zeros for a bias, else Xavier-uniform."""
    if is_bias:
        return f"torch.nn.init.zeros_({tensor})"
    dims = _literal_dims(shape)
    if dims is not None and len(dims) >= 2:
        return f"torch.nn.init.xavier_uniform_({tensor})"
    if dims is not None:  # Paddle counts the n values of a 1-D weight as n in and n out
        bound = f"(3.0 / {_paren(dims[0])}) ** 0.5"
        return f"torch.nn.init.uniform_({tensor}, -{bound}, {bound})"
    bound = f"(3.0 / {tensor}.numel()) ** 0.5"
    one_d = f"torch.nn.init.uniform_({tensor}, -{bound}, {bound})"
    return f"torch.nn.init.xavier_uniform_({tensor}) if {tensor}.dim() > 1 else {one_d}"


PLACEHOLDER = "__porter_parameter__"


def nested(statements: list[str], parameter: cst.BaseExpression) -> cst.BaseExpression:
    """The init statements of a parameter built inside an expression, as one expression: each must be a
    call taking the placeholder once and returning the tensor it filled (torch.nn.init.*, requires_grad_)."""
    result = parameter
    for statement in statements:
        expression = None if "\n" in statement else cst.parse_expression(statement)
        uses = (
            [n for n in walk(expression) if isinstance(n, cst.Name) and n.value == PLACEHOLDER]
            if expression
            else []
        )
        returns_tensor = isinstance(expression, cst.Call) and code(expression.func).strip().startswith(
            ("torch.nn.init.", f"{PLACEHOLDER}.requires_grad_")
        )
        if expression is None or len(uses) != 1 or not returns_tensor:
            raise NotConverted(
                "create-parameter",
                "create_parameter inside an expression with this initializer: assign it to a name first "
                "(x = self.create_parameter(...))",
            )
        result = expression.deep_replace(uses[0], result)
    return result


def _literal_dims(shape: cst.BaseExpression) -> list[str] | None:
    """The dimensions of a shape written as a list/tuple display (or an int), as source."""
    if isinstance(shape, cst.List | cst.Tuple):
        if any(isinstance(e, cst.StarredElement) for e in shape.elements):
            return None
        return [code(e.value).strip() for e in shape.elements]
    value = literal_or(shape, None)
    return [str(value)] if isinstance(value, int) and not isinstance(value, bool) else None


def _runtime(
    site: CallSite, initializer: cst.BaseExpression, tensor: str, *, transposed: bool = False
) -> str:
    """An initializer value built elsewhere (converted there to a function filling a tensor). On a
    transposed tensor the helper applies it, so that an Assign (the helper) copies its values transposed."""
    if any(id(node) in site.ctx.names.refs for node in walk(initializer)):
        raise NotConverted("initializer", f"initializer {code(initializer)} has no torch.nn.init equivalent")
    message = f"{source(initializer)} is applied to {tensor} at run time (a function filling a tensor)"
    site.ctx.info(initializer, "initializer", message, "review")
    if transposed:
        apply = code(site.ctx.helper("apply_param_attr", initializer))
        return f"{apply}({tensor}, {code(initializer).strip()}, transposed=True)"
    return f"{code(atom(initializer)).strip()}({tensor})"


def _read(
    site: CallSite, initializer: cst.BaseExpression, *, count: bool = True
) -> tuple[str | None, dict[str, str]]:
    """(Paddle initializer name, its argument values as source) for a Paddle initializer call; (None, {})
    for anything that is not a Paddle reference at all (a runtime value)."""
    path = None
    if isinstance(initializer, cst.Call):
        ref = site.ctx.names.ref(initializer.func)
        path = ref.path if ref is not None else None
    if path is None:
        return None, {}
    name = _ALIASES.get(path.rsplit(".", 1)[-1], path.rsplit(".", 1)[-1])
    if name not in _INITIALIZERS or not path.startswith("paddle.nn.initializer"):
        raise NotConverted("initializer", f"initializer {code(initializer)} has no torch.nn.init equivalent")
    assert isinstance(initializer, cst.Call)
    params = _INITIALIZERS[name][0]
    keys = list(params)
    values = dict(params)
    for index, arg in enumerate(initializer.args):
        if (
            arg.star
            or (arg.keyword is None and index >= len(keys))
            or (arg.keyword and arg.keyword.value not in params)
        ):
            raise NotConverted("initializer", f"arguments of {code(initializer)} cannot be read")
        if any(id(node) in site.ctx.names.refs for node in walk(arg.value)):
            raise NotConverted("initializer", "initializer arguments use Paddle code")
        values[arg.keyword.value if arg.keyword else keys[index]] = code(converted(site, arg.value)).strip()
    if count:
        site.ctx.api_counts[path] += 1
    return name, values


def _call_parts(name: str, values: dict[str, str]) -> tuple[str, Arguments]:
    """The torch.nn.init function and its arguments after the tensor. An explicit fan_in/fan_out, which
    torch.nn.init cannot take, becomes the normal/uniform draw Paddle computes from it."""
    _, function, spelling = _INITIALIZERS[name]
    fan_in, fan_out = values.get("fan_in", "None"), values.get("fan_out", "None")
    explicit_kaiming = (
        fan_in != "None" and literal_or(cst.parse_expression(values.get("mode", "0"))) == "fan_in"
    )
    if name.startswith("Kaiming") and explicit_kaiming:
        gain = f"torch.nn.init.calculate_gain({values['nonlinearity']}, {values['negative_slope']})"
        if name == "KaimingNormal":
            return "normal_", [("mean", "0.0", True), ("std", f"{gain} / {_root(fan_in)}", True)]
        return "uniform_", _bounds(f"{gain} * (3.0 / {_paren(fan_in)}) ** 0.5")
    if name.startswith("Xavier") and (fan_in != "None" or fan_out != "None"):
        if fan_in == "None" or fan_out == "None":
            raise NotConverted(
                "initializer", "Xavier with only one of fan_in/fan_out given is not translated"
            )
        total = f"({fan_in} + {fan_out})"
        if name == "XavierNormal":
            return "normal_", [
                ("mean", "0.0", True),
                ("std", f"{values['gain']} * (2.0 / {total}) ** 0.5", True),
            ]
        return "uniform_", _bounds(f"{values['gain']} * (6.0 / {total}) ** 0.5")
    return function, [(key, values[param], positional) for key, param, positional in spelling]


def _bounds(bound: str) -> Arguments:
    return [("a", f"-{bound}", True), ("b", bound, True)]


def _root(expression: str) -> str:
    return f"{_paren(expression)} ** 0.5"


def _paren(expression: str) -> str:
    return code(atom(cst.parse_expression(expression))).strip()
