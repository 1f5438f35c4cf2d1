"""Tensor and layer attributes whose value or name differs between Paddle and torch.

- ``x.shape`` is a list in Paddle, a ``torch.Size`` tuple in torch. Indexing, unpacking, ``len`` and
  passing it to torch agree; where list behaviour shows (stored in a variable, returned, compared, added to,
  ``isinstance``), a tensor's shape becomes ``list(x.shape)``.
- ``x.size`` is the element count in Paddle, a method in torch: ``x.numel()``.
- ``x.stop_gradient`` is the inverse of ``x.requires_grad``, read and written.
- A layer's private attributes (``bn._epsilon``, ``conv._kernel_size``) have torch names, and sometimes
  another form (Paddle's momentum weighs the running statistic: torch's is its complement), given by the
  table's ``attributes`` of the layer's class.

Each rewrite needs the receiver's provenance: a tensor (a layer of a known class) is rewritten; a receiver
porter cannot tell is rewritten with a warning where the attribute is Paddle's own (``stop_gradient``),
reported otherwise; anything known to be something else is left alone.
"""

from __future__ import annotations

import libcst as cst

from porter.convert.context import Context
from porter.convert.table import ATTRIBUTE_FORM
from porter.convert.transforms.base import code
from porter.convert.transforms.provenance import Family, Provenance, Value
from porter.convert.transforms.values import negate, one_minus


# -- reads ----------------------------------------------------------------------------------------
def attribute(
    ctx: Context, provenance: Provenance, original: cst.Attribute, updated: cst.Attribute, *, indexed: bool
) -> cst.BaseExpression:
    """A read of ``original`` (not a call's function, not an assignment target)."""
    name = original.attr.value
    receiver = provenance.of(original.value)
    subject = code(original.value).strip()
    if name == "size":
        if _is_tensor(receiver):
            return cst.Call(cst.Attribute(updated.value, cst.Name("numel")))
        if receiver is None:
            message = f"{subject}.size: if {subject} is a paddle.Tensor, its element count is {subject}.numel() in torch (size is a method there)"
            ctx.warn(original, "tensor-size", message, "review")
        return updated
    if name == "stop_gradient":
        if _is_tensor(receiver) or _unknown(provenance, receiver, name):
            if not _is_tensor(receiver):
                _assumed(ctx, original, subject, f"{subject}.stop_gradient -> not {subject}.requires_grad")
            return _parenthesized(
                cst.UnaryOperation(cst.Not(), cst.Attribute(updated.value, cst.Name("requires_grad")))
            )
        return updated
    spelling = _private(ctx, provenance, original, receiver)
    if spelling is None:
        return updated
    form = ATTRIBUTE_FORM.fullmatch(spelling)
    assert form is not None
    if form["complement"]:
        torch_name = cst.Attribute(updated.value, cst.Name(form["complement"]))
        return _parenthesized(cst.BinaryOperation(cst.Integer("1"), cst.Subtract(), torch_name))
    if form["listed"]:
        torch_name = cst.Attribute(updated.value, cst.Name(form["listed"]))
        return torch_name if indexed else cst.Call(cst.Name("list"), [cst.Arg(torch_name)])
    return cst.Attribute(updated.value, cst.Name(form["name"]))


# -- writes ---------------------------------------------------------------------------------------
def assignment(ctx: Context, provenance: Provenance, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
    """``p.stop_gradient = True`` -> ``p.requires_grad = False``; ``bn._momentum = m`` ->
    ``bn.momentum = 1 - m``; ``s = x.shape`` -> ``s = list(x.shape)``."""
    if len(original.targets) != 1:
        return updated
    target = original.targets[0].target
    value = updated.value
    if isinstance(target, cst.Name | cst.Attribute) and _shape_to_list(provenance, original.value):
        value = _listed(updated.value)  # s = x.shape: s is a list from here on
    if not isinstance(target, cst.Attribute):
        return updated.with_changes(value=value)
    new_target = updated.targets[0].target
    assert isinstance(new_target, cst.Attribute)
    receiver = provenance.of(target.value)
    subject = code(target.value).strip()
    name = target.attr.value
    if name == "stop_gradient":
        if _is_tensor(receiver) or _unknown(provenance, receiver, name):
            if not _is_tensor(receiver):
                _assumed(
                    ctx, original, subject, f"{subject}.stop_gradient = v -> {subject}.requires_grad = not v"
                )
            return _set(updated, new_target, "requires_grad", negate(value, ctx))
        return updated
    spelling = _private(ctx, provenance, target, receiver)
    if spelling is None:
        return updated.with_changes(value=value)
    form = ATTRIBUTE_FORM.fullmatch(spelling)
    assert form is not None
    if form["complement"]:
        return _set(updated, new_target, form["complement"], one_minus(value, ctx))
    if form["listed"]:
        message = f"{subject}.{name} is a tuple in torch ({form['listed']}), set when the layer is built: set it there"
        ctx.todo(original, name, "private-attribute", message)
        return updated
    return _set(updated, new_target, form["name"], value)


def augmented(
    ctx: Context, provenance: Provenance, original: cst.AugAssign, updated: cst.AugAssign
) -> cst.AugAssign:
    """``bn._epsilon *= 10``: renamed where the attribute is the same value in torch; ``bn._momentum += d``
    (its complement in torch) or ``p.stop_gradient |= f`` have no one-line form: TODO."""
    target = original.target
    if not isinstance(target, cst.Attribute) or target.attr.value not in names_of_interest(ctx):
        return updated
    receiver = provenance.of(target.value)
    name = target.attr.value
    if name == "stop_gradient":
        if _is_tensor(receiver) or _unknown(provenance, receiver, name):
            message = f"{code(target).strip()}: write {code(target.value).strip()}.requires_grad = not (...) in full"
            ctx.todo(original, name, "stop-gradient", message)
        return updated
    spelling = _private(ctx, provenance, target, receiver)
    form = ATTRIBUTE_FORM.fullmatch(spelling) if spelling is not None else None
    if form is None:
        return updated
    if form["name"]:
        new_target = updated.target
        assert isinstance(new_target, cst.Attribute)
        return updated.with_changes(target=new_target.with_changes(attr=cst.Name(form["name"])))
    message = f"{code(target).strip()} is {spelling} in torch: write the assignment in full"
    ctx.todo(original, name, "private-attribute", message)
    return updated


# -- shapes used as lists -------------------------------------------------------------------------
# Paddle's x.shape is a paddle.Size: a list (append, + [1], isinstance list) that also equals tuples. A
# variable, return value or sum holding it becomes list(...) in torch; a comparison is made between two
# lists, or two tuples when the other side is written as a tuple.
def comparison(
    ctx: Context, provenance: Provenance, original: cst.Comparison, updated: cst.Comparison
) -> cst.Comparison:
    operands = [original.left, *(t.comparator for t in original.comparisons)]
    news = [updated.left, *(t.comparator for t in updated.comparisons)]
    for index, target in enumerate(original.comparisons):
        if not isinstance(target.operator, cst.Equal | cst.NotEqual):
            continue
        left, right = operands[index], operands[index + 1]
        news[index] = _compared(ctx, provenance, left, news[index], right)
        news[index + 1] = _compared(ctx, provenance, right, news[index + 1], left)
    targets = [t.with_changes(comparator=new) for t, new in zip(updated.comparisons, news[1:], strict=True)]
    return updated.with_changes(left=news[0], comparisons=targets)


def binary(
    ctx: Context, provenance: Provenance, original: cst.BinaryOperation, updated: cst.BinaryOperation
) -> cst.BinaryOperation:
    """``x.shape + [1]``: list concatenation (a tuple would refuse the list)."""
    if not isinstance(original.operator, cst.Add):
        return updated
    literal_list = isinstance(original.left, cst.List) or isinstance(original.right, cst.List)
    return updated.with_changes(
        left=_as_list(ctx, provenance, original.left, updated.left, literal_list),
        right=_as_list(ctx, provenance, original.right, updated.right, literal_list),
    )


def listed_value(provenance: Provenance, original: cst.BaseExpression, updated: cst.BaseExpression):
    """A tensor's shape stored, returned or tested with ``isinstance``: ``list(x.shape)``."""
    return _listed(updated) if _shape_to_list(provenance, original) else updated


def _compared(
    ctx: Context,
    provenance: Provenance,
    original: cst.BaseExpression,
    updated: cst.BaseExpression,
    other: cst.BaseExpression,
) -> cst.BaseExpression:
    """One side of ``==``/``!=``, made the same kind of sequence as the other side where it is a shape."""
    if not _is_shape(provenance, original):
        return _as_list(ctx, provenance, original, updated, isinstance(other, cst.List))
    if isinstance(other, cst.Tuple):
        return cst.Call(cst.Name("tuple"), args=[cst.Arg(updated)])
    if not (isinstance(other, cst.List) or _is_shape(provenance, other)):
        subject, against = code(original).strip(), code(other).strip()
        message = (
            f"{subject} == {against}: Paddle's shape equals a list or a tuple; porter compared it as a list "
            f"(if {against} is a tuple, compare tuple({subject}))"
        )
        ctx.warn(original, "shape-list", message, "review")
    return updated if isinstance(original, cst.Name) else _listed(updated)


def _as_list(
    ctx: Context,
    provenance: Provenance,
    original: cst.BaseExpression,
    updated: cst.BaseExpression,
    literal_list: bool,
) -> cst.BaseExpression:
    if _shape_to_list(provenance, original):
        return _listed(updated)
    if not (isinstance(original, cst.Attribute) and original.attr.value == "shape" and not original.lpar):
        return updated
    if provenance.of(original.value) is None and literal_list and ctx.names.ref(original) is None:
        subject = code(original.value).strip()
        _assumed(ctx, original, subject, f"{subject}.shape used as a list -> list({subject}.shape)")
        return _listed(updated)
    return updated


def _is_shape(provenance: Provenance, node: cst.BaseExpression) -> bool:
    value = provenance.of(node)
    return value is not None and value.family is Family.SHAPE


def _shape_to_list(provenance: Provenance, node: cst.BaseExpression) -> bool:
    """A tensor's shape written as an expression (a variable holding one, or a sum, is already a list)."""
    already = isinstance(node, cst.Name) or (
        isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)
    )
    return _is_shape(provenance, node) and not already


# -- helpers --------------------------------------------------------------------------------------
def _private(ctx: Context, provenance: Provenance, node: cst.Attribute, receiver: Value | None) -> str | None:
    """The torch spelling of a Paddle layer's private attribute read or written through ``node``;
    None when the attribute is not one porter knows, or is the user's own. Reports the rest."""
    name = node.attr.value
    spellings = _attribute_names(ctx).get(name)
    if not spellings:
        return None
    subject = code(node.value).strip()
    if receiver is not None and receiver.local is not None and provenance.assigns_attribute(receiver, name):
        return None  # the user's class sets it itself
    if receiver is not None and receiver.family is Family.LAYER:
        paddle_class = provenance.paddle_class(receiver)
        known = paddle_class is not None and paddle_class != "paddle.nn.Layer"  # the base says nothing
        entry = ctx.table.lookup(paddle_class) if known else None
        if entry is not None and name in entry.attributes:
            spelling = entry.attributes[name]
            if spelling == "":
                message = f"{subject}.{name}: torch's {entry.torch} keeps no such value (Paddle's is the argument as given)"
                ctx.todo(node, f"{entry.paddle}.{name}", "private-attribute", message)
                return None
            return spelling
        if entry is not None:
            return None  # a known Paddle layer without this attribute: someone else's
    if receiver is not None and receiver.family not in (Family.LAYER, Family.INSTANCE):
        return None
    choices = ", ".join(f"{spelling or 'none'} ({owner})" for owner, spelling in sorted(spellings.items()))
    message = f"{subject}.{name}: porter cannot tell which layer {subject} is; torch names it {choices}"
    ctx.warn(node, "private-attribute", message, "review")
    return None


def _attribute_names(ctx: Context) -> dict[str, dict[str, str]]:
    """Private attribute -> {Paddle class name: torch spelling}, from the table (read once per table)."""
    table, names = _ATTRIBUTE_NAMES.get(id(ctx.table), (None, None))
    if table is not ctx.table or names is None:
        names = {}
        for entry in ctx.table:
            for attribute, spelling in entry.attributes.items():
                names.setdefault(attribute, {})[entry.name] = spelling
        _ATTRIBUTE_NAMES[id(ctx.table)] = (ctx.table, names)
    return names


def names_of_interest(ctx: Context) -> frozenset[str]:
    """Attribute names this module may rewrite (the dispatcher skips every other attribute at once)."""
    return frozenset({"size", "stop_gradient", *_attribute_names(ctx)})


_ATTRIBUTE_NAMES: dict[int, tuple[object, dict[str, dict[str, str]]]] = {}


def _is_tensor(value: Value | None) -> bool:
    return value is not None and value.family is Family.TENSOR


def _unknown(provenance: Provenance, value: Value | None, attribute: str) -> bool:
    """Nothing is known of the receiver (or it is an object of a class from elsewhere that does not set
    the attribute itself)."""
    if value is None:
        return True
    return value.family is Family.INSTANCE and not provenance.assigns_attribute(value, attribute)


def _assumed(ctx: Context, node: cst.CSTNode, subject: str, rewrite: str) -> None:
    message = (
        f"{rewrite}: porter cannot tell that {subject} is a paddle.Tensor; if it is not, keep the original"
    )
    ctx.warn(node, "assumed-tensor", message, "review")


def _set(updated: cst.Assign, target: cst.Attribute, name: str, value: cst.BaseExpression) -> cst.Assign:
    new_target = updated.targets[0].with_changes(target=target.with_changes(attr=cst.Name(name)))
    return updated.with_changes(targets=[new_target], value=value)


def _listed(node: cst.BaseExpression) -> cst.BaseExpression:
    return cst.Call(cst.Name("list"), args=[cst.Arg(node)])


def _parenthesized(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
