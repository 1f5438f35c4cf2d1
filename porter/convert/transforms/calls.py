"""The generic, table-driven call rewrite: bind arguments to Paddle names, check accepted values, apply
value transforms, rename, drop, spell out differing defaults, and keep positions only while they agree."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from porter.convert.context import NotConverted
from porter.convert.table import ApiMapping, Kind
from porter.convert.transforms import values
from porter.convert.transforms.base import CallSite, code, literal

_NO_SPACE = cst.AssignEqual(
    whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
)


@dataclass
class Bound:
    name: str  # Paddle parameter name
    arg: cst.Arg  # the updated argument
    original: cst.Arg
    positional: bool


def bind(entry: ApiMapping, original: cst.Call, updated: cst.Call | None = None) -> list[Bound]:
    """Map each argument to its Paddle parameter name (raises NotConverted when that is impossible)."""
    updated = updated or original
    varargs = next(
        (i for i, a in enumerate(entry.args) if a.startswith("*") and not a.startswith("**")), None
    )
    any_keyword = any(a.startswith("**") for a in entry.args)
    bound: list[Bound] = []
    for index, (before, after) in enumerate(zip(original.args, updated.args, strict=True)):
        if before.star == "*" and varargs is not None and index >= varargs:
            bound.append(Bound(entry.args[varargs], after, before, True))  # *layers -> *args
            continue
        if before.star == "**" and keywords_pass_through(entry):
            bound.append(Bound(KEYWORDS, after, before, False))
            continue
        if before.star:
            raise NotConverted("unsupported-arg", f"{entry.paddle}: *args/**kwargs cannot be mapped to torch")
        if before.keyword is None:
            if varargs is not None and index >= varargs:
                bound.append(Bound(entry.args[varargs], after, before, True))
                continue
            if index >= len(entry.args) or entry.args[index].startswith("**"):
                raise NotConverted("unsupported-arg", f"{entry.paddle}: too many positional arguments")
            bound.append(Bound(entry.args[index], after, before, True))
        else:
            name = before.keyword.value
            if name not in entry.args and not any_keyword:
                raise NotConverted("unsupported-arg", f"{entry.paddle} has no argument {name!r}")
            bound.append(Bound(name, after, before, False))
    return bound


KEYWORDS = "**"  # the Bound name of a ``**mapping`` argument passed through unchanged


def keywords_pass_through(entry: ApiMapping) -> bool:
    """Whether ``**mapping`` can go to torch as it is: every key torch would accept means the same there.

    A key Paddle renames (``bias_attr``, ``epsilon``) or drops (``data_format``) is unknown to torch and
    fails loudly; what must not happen is a key torch accepts with another meaning: a Paddle argument
    whose value is transformed under the same name (BatchNorm's ``momentum``), or a renamed Paddle name
    that torch uses for something else.
    """
    torch_names = {name.lstrip("*") for name in entry.torch_args}
    if not entry.torch_args or any(name.startswith("**") for name in entry.torch_args):
        return False
    same_name_transformed = any(arg not in entry.rename and arg in torch_names for arg in entry.values)
    renamed_collides = any(source in torch_names for source in entry.rename)
    return not same_name_transformed and not renamed_collides


def value_of(site: CallSite, name: str) -> cst.BaseExpression | None:
    """The (converted) value given for Paddle argument ``name``, if any."""
    for item in bind(site.entry, site.original, site.updated):
        if item.name == name:
            return item.arg.value
    return None


def original_value_of(site: CallSite, name: str) -> cst.BaseExpression | None:
    for item in bind(site.entry, site.original):
        if item.name == name:
            return item.original.value
    return None


def rewrite(
    site: CallSite,
    *,
    target: str | None = None,
    func: cst.BaseExpression | None = None,
    skip: frozenset[str] = frozenset(),
    extra: list[cst.Arg] | None = None,
    replace: dict[str, cst.BaseExpression] | None = None,
) -> cst.Call:
    """The table rewrite of ``site``; ``skip`` names Paddle args a transform has handled itself,
    ``extra`` are torch keyword arguments it adds, ``replace`` gives new values for Paddle args."""
    entry, ctx = site.entry, site.ctx
    items = bind(entry, site.original, site.updated)
    torch_args = entry.torch_args
    renamed: list[tuple[Bound, str, cst.BaseExpression]] = []
    for item in items:
        if item.name in skip:
            continue
        if item.name == KEYWORDS:
            message = (
                f"{entry.paddle}: the keys of **{code(item.original.value).strip()} are passed to {entry.torch} as they "
                "are; a Paddle-only key (weight_attr, bias_attr, data_format, ...) fails there"
            )
            ctx.warn(item.original, "assumed-value", message, "review")
            renamed.append((item, KEYWORDS, item.arg.value))
            continue
        value = (replace or {}).get(item.name, item.arg.value)
        accepted = entry.accept.get(item.name)
        if accepted is not None:
            _check_accepted(site, item, accepted)
        if item.name in entry.drop:
            continue
        transform = entry.values.get(item.name)
        if transform is not None:
            value = values.BY_NAME[transform](value, ctx)
        new_name = entry.rename.get(item.name, item.name)
        open_keywords = any(a.startswith("**") for a in torch_args) or new_name.startswith("*")
        # torch's ``zeros(*size)`` also binds ``size=``; a positional reaching ``einsum(*args)`` is fine
        keywords = {a.lstrip("*") for a in torch_args}
        varargs = item.positional and _varargs_by(torch_args, len(renamed))
        if torch_args and new_name not in keywords and not open_keywords and not varargs:
            raise NotConverted(
                "unsupported-arg", f"{entry.paddle}: argument {item.name!r} has no torch counterpart"
            )
        renamed.append((item, new_name, value))

    args: list[cst.Arg] = []
    positional_ok = True
    for position, (item, new_name, value) in enumerate(renamed):
        if new_name == KEYWORDS:
            args.append(item.arg)
            continue
        same_slot = position < len(torch_args) and torch_args[position] in (new_name, f"*{new_name}")
        varargs = new_name.startswith("*") or (
            position < len(torch_args) and torch_args[position].startswith("*")
        )
        keep = item.positional and positional_ok and (same_slot or varargs or not torch_args)
        positional_ok = positional_ok and keep
        if keep:
            args.append(item.arg.with_changes(value=value))
        elif item.positional:
            args.append(item.arg.with_changes(keyword=cst.Name(new_name), value=value, equal=_NO_SPACE))
        else:
            args.append(item.arg.with_changes(keyword=cst.Name(new_name), value=value))
    given = {new_name for _, new_name, _ in renamed}
    for keyword, source in entry.defaults.items():
        if keyword not in given:
            args.append(cst.Arg(cst.parse_expression(source), keyword=cst.Name(keyword), equal=_NO_SPACE))
    args.extend(extra or [])
    args = _first_as_positional(entry, args, torch_args)
    args = _fix_commas(args, site.original.args)
    if func is None and entry.kind is Kind.METHOD:
        func = method(site, (target or entry.torch or "").rsplit(".", 1)[-1])
    name = func if func is not None else site.torch_name(target)
    return site.updated.with_changes(func=name, args=args)


def _varargs_by(torch_args: tuple[str, ...], position: int) -> bool:
    """A torch ``*args`` parameter at or before ``position`` takes a positional argument there."""
    return any(a.startswith("*") and not a.startswith("**") for a in torch_args[: position + 1])


def method(site: CallSite, name: str) -> cst.BaseExpression:
    """``receiver.name`` keeping the receiver as converted."""
    func = site.updated.func
    assert isinstance(func, cst.Attribute)
    return func.with_changes(attr=cst.Name(name))


def _check_accepted(site: CallSite, item: Bound, accepted: tuple[str, ...]) -> None:
    try:
        given = literal(item.original.value)
    except (ValueError, SyntaxError):
        message = f"{site.entry.paddle}: {item.name}={code(item.original.value)} is assumed to be one of {', '.join(accepted)}"
        site.ctx.warn(item.original, "assumed-value", message, "review")
        return
    if given not in [literal(cst.parse_expression(a)) for a in accepted]:
        message = (
            f"{site.entry.paddle}: {item.name}={code(item.original.value).strip()} has no torch equivalent"
        )
        raise NotConverted("unsupported-value", message)


def _first_as_positional(
    entry: ApiMapping, args: list[cst.Arg], torch_args: tuple[str, ...]
) -> list[cst.Arg]:
    """``F.relu(x=y)`` -> ``F.relu(y)``: a keyword naming a function's first torch parameter, when no
    argument is positional, becomes positional (torch's ``input`` keyword reads badly and not every
    torch function accepts it)."""
    if entry.kind is not Kind.FUNCTION or not torch_args or any(a.keyword is None for a in args):
        return args
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == torch_args[0]:
            first = arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT)
            return [first, *args[:index], *args[index + 1 :]]
    return args


def _fix_commas(args: list[cst.Arg], original: tuple[cst.Arg, ...] | list[cst.Arg]) -> list[cst.Arg]:
    """Every argument but the last needs a comma; the last keeps whatever the original last one had."""
    if not args:
        return args
    last_comma = original[-1].comma if original else cst.MaybeSentinel.DEFAULT
    fixed = []
    for index, arg in enumerate(args):
        if index == len(args) - 1:
            fixed.append(arg.with_changes(comma=last_comma))
        elif arg.comma is cst.MaybeSentinel.DEFAULT:
            fixed.append(arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
        else:
            fixed.append(arg)
    return fixed
