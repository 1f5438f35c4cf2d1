"""The Paddle -> PyTorch mapping table: schema, loader and validation.

The table itself is data (``mappings.toml``); this module turns it into frozen objects and refuses anything
malformed at load time, naming the entry and the field, so a typo never becomes a silent wrong conversion.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any


class Kind(StrEnum):
    CLASS = "class"
    FUNCTION = "function"
    METHOD = "method"


class Category(StrEnum):
    SAME = "same"
    RENAME = "rename"
    ARGS_RENAMED = "args_renamed"
    DEFAULTS_DIFFER = "defaults_differ"
    COMPOSITE = "composite"
    NO_EQUIVALENT = "no_equivalent"


class Returns(StrEnum):
    """What a call of the API gives back, as far as transforms/provenance.py needs to know: a Paddle tensor,
    a layer, an optimizer ..., a sequence of them, a numpy array, or something else (numbers, strings, None)."""

    TENSOR = "tensor"
    TENSORS = "tensors"  # a list or tuple of tensors
    NAMED_TENSORS = "named_tensors"  # (name, tensor) pairs
    LAYER = "layer"
    LAYERS = "layers"
    NAMED_LAYERS = "named_layers"
    OPTIMIZER = "optimizer"
    LR_SCHEDULER = "lr_scheduler"
    DATALOADER = "dataloader"
    NUMPY = "numpy"  # a numpy array (its methods share names with tensor methods: astype, transpose ...)
    OTHER = "other"


class Safety(StrEnum):
    """How sound a conversion is (entries that convert carry one; no_equivalent entries none)."""

    SAFE = "safe"  # same semantics
    REVIEW = "review"  # same for common use; the assumption is reported each time


class TableError(ValueError):
    """A malformed mapping table; the message names the entry and the field."""


@dataclass(frozen=True)
class Vocabulary:
    """The names entries may refer to, passed in by whoever loads the table (it imports none of their code)."""

    call_transforms: frozenset[str]  # transform = "..."
    value_transforms: frozenset[str]  # values = { arg = "..." }
    helpers: frozenset[str] = frozenset()  # torch = "porter_helpers.X": helpers written into the output


@dataclass(frozen=True)
class ApiMapping:
    paddle: str
    torch: str | None
    kind: Kind
    category: Category
    safety: Safety | None  # None exactly for no_equivalent: nothing is converted
    doc: str
    args: tuple[str, ...]
    torch_args: tuple[str, ...] = ()
    rename: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    drop: frozenset[str] = frozenset()
    accept: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    defaults: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    values: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    transform: str | None = None
    note: str | None = None
    aliases: tuple[str, ...] = ()
    returns: Returns | None = None  # None: not stated (provenance then knows nothing of the result)
    # a layer's private attribute -> its torch spelling: "eps", "1 - momentum", "list(kernel_size)", "" (none)
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def name(self) -> str:
        return self.paddle.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class MappingTable:
    entries: tuple[ApiMapping, ...]
    _by_path: Mapping[str, ApiMapping] = field(init=False, repr=False, compare=False)
    _methods: Mapping[str, tuple[ApiMapping, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_path: dict[str, ApiMapping] = {}
        methods: dict[str, list[ApiMapping]] = {}
        for entry in self.entries:
            for path in (entry.paddle, *entry.aliases):
                by_path[path] = entry
            if entry.kind is Kind.METHOD:
                methods.setdefault(entry.name, []).append(entry)
        object.__setattr__(self, "_by_path", MappingProxyType(by_path))
        object.__setattr__(self, "_methods", MappingProxyType({k: tuple(v) for k, v in methods.items()}))

    def lookup(self, paddle_path: str) -> ApiMapping | None:
        """The entry for a canonical Paddle path or one of its aliases."""
        return self._by_path.get(paddle_path)

    def methods_named(self, name: str) -> tuple[ApiMapping, ...]:
        """All method entries (tensor, Layer, optimizer …) whose last path component is ``name``."""
        return self._methods.get(name, ())

    def __iter__(self) -> Iterator[ApiMapping]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


# key -> (required, expected python type, item type for containers)
_SCHEMA: dict[str, tuple[bool, type, type | None]] = {
    "paddle": (True, str, None),
    "aliases": (False, list, str),
    "torch": (False, str, None),
    "kind": (True, str, None),
    "category": (True, str, None),
    "safety": (False, str, None),
    "doc": (True, str, None),
    "args": (True, list, str),
    "torch_args": (False, list, str),
    "rename": (False, dict, str),
    "drop": (False, list, str),
    "accept": (False, dict, list),
    "defaults": (False, dict, str),
    "values": (False, dict, str),
    "transform": (False, str, None),
    "note": (False, str, None),
    "returns": (False, str, None),
    "attributes": (False, dict, str),
}
# How a Paddle layer's attribute is read from the torch layer: the same value under another name, the
# complement of a momentum, a list where torch keeps a tuple; "" when torch keeps no such value.
ATTRIBUTE_FORM = re.compile(r"(?P<name>[a-z_]+)|1 - (?P<complement>[a-z_]+)|list\((?P<listed>[a-z_]+)\)|")

_PACKAGED = "mappings.toml"


def load_table(path: str | os.PathLike[str] | None = None, *, vocabulary: Vocabulary) -> MappingTable:
    """Load and validate a mapping table; ``None`` loads the packaged one (cached per vocabulary)."""
    if path is None:
        return _packaged_table(vocabulary)
    return parse_table(Path(path).read_text(encoding="utf-8"), source=str(path), vocabulary=vocabulary)


@cache
def _packaged_table(vocabulary: Vocabulary) -> MappingTable:
    text = resources.files("porter.convert").joinpath(_PACKAGED).read_text(encoding="utf-8")
    return parse_table(text, source=_PACKAGED, vocabulary=vocabulary)


def parse_table(text: str, source: str = "<string>", *, vocabulary: Vocabulary) -> MappingTable:
    """Parse TOML text into a table validated against ``vocabulary``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(f"{source}: not valid TOML: {exc}") from exc
    unknown_top = set(data) - {"api"}
    if unknown_top:
        raise TableError(f"{source}: unknown top-level key(s) {sorted(unknown_top)}; expected only [[api]]")
    raw_entries = data.get("api", [])
    if not isinstance(raw_entries, list):
        raise TableError(f"{source}: 'api' must be an array of tables ([[api]])")
    entries = tuple(_build_entry(raw, index, vocabulary) for index, raw in enumerate(raw_entries))
    _check_unique(entries)
    return MappingTable(entries)


def _fail(entry: str, key: str, message: str) -> TableError:
    return TableError(f"entry {entry!r}, field {key!r}: {message}")


def _check_types(raw: dict[str, Any], label: str) -> None:
    for key in raw:
        if key not in _SCHEMA:
            raise _fail(label, key, f"unknown field (known: {', '.join(_SCHEMA)})")
    for key, (required, typ, item_type) in _SCHEMA.items():
        if key not in raw:
            if required:
                raise _fail(label, key, "required field is missing")
            continue
        value = raw[key]
        if not isinstance(value, typ):
            raise _fail(label, key, f"expected {typ.__name__}, got {type(value).__name__}")
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        if item_type is not None and not all(isinstance(item, item_type) for item in items):
            raise _fail(label, key, f"every item must be a {item_type.__name__}")
    for attribute, spelling in raw.get("attributes", {}).items():
        if not ATTRIBUTE_FORM.fullmatch(spelling):
            raise _fail(
                label, "attributes", f"{attribute}: {spelling!r} is not NAME, '1 - NAME', 'list(NAME)' or ''"
            )
    for arg, accepted in raw.get("accept", {}).items():
        if not accepted or not all(isinstance(v, str) for v in accepted):
            raise _fail(label, "accept", f"{arg!r} needs a non-empty list of Python source strings")
    # The engine compares and inserts these as code: they must be Python expressions.
    sources = [("accept", v) for values in raw.get("accept", {}).values() for v in values]
    sources += [("defaults", v) for v in raw.get("defaults", {}).values()]
    for key, source in sources:
        try:
            ast.parse(source, mode="eval")
        except SyntaxError:
            raise _fail(label, key, f"{source!r} is not a Python expression") from None


def _enum(enum: type[Enum], raw: dict[str, Any], key: str, label: str) -> Any:
    try:
        return enum(raw[key])
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise _fail(label, key, f"{raw[key]!r} is not one of: {allowed}") from None


def _safety(raw: dict[str, Any], category: Category, label: str) -> Safety | None:
    if category is Category.NO_EQUIVALENT:
        if "safety" in raw:
            raise _fail(label, "safety", "must be absent for category 'no_equivalent' (nothing is converted)")
        return None
    if "safety" not in raw:
        raise _fail(label, "safety", f"required for category {category.value!r}")
    return _enum(Safety, raw, "safety", label)


def _build_entry(raw: Any, index: int, vocabulary: Vocabulary) -> ApiMapping:
    if not isinstance(raw, dict):
        raise TableError(f"api entry #{index}: must be a table")
    label = raw.get("paddle") if isinstance(raw.get("paddle"), str) else f"#{index}"
    _check_types(raw, label)
    if not raw["paddle"].startswith("paddle."):
        raise _fail(label, "paddle", "must be a full path starting with 'paddle.'")
    for alias in raw.get("aliases", []):
        if not alias.startswith("paddle."):
            raise _fail(label, "aliases", f"{alias!r} must start with 'paddle.'")
    kind = _enum(Kind, raw, "kind", label)
    category = _enum(Category, raw, "category", label)
    safety = _safety(raw, category, label)
    if not raw["doc"].strip() or "\n" in raw["doc"]:
        raise _fail(label, "doc", "must be one non-empty line")
    _check_target(raw, category, label, vocabulary)
    _check_args(raw, label)
    _check_category_rules(raw, category, label)
    _check_names(raw, label, vocabulary)
    return ApiMapping(
        paddle=raw["paddle"],
        torch=raw.get("torch"),
        kind=kind,
        category=category,
        safety=safety,
        doc=raw["doc"],
        args=tuple(raw["args"]),
        torch_args=tuple(raw.get("torch_args", ())),
        rename=MappingProxyType(dict(raw.get("rename", {}))),
        drop=frozenset(raw.get("drop", ())),
        accept=MappingProxyType({k: tuple(v) for k, v in raw.get("accept", {}).items()}),
        defaults=MappingProxyType(dict(raw.get("defaults", {}))),
        values=MappingProxyType(dict(raw.get("values", {}))),
        transform=raw.get("transform"),
        note=raw.get("note"),
        aliases=tuple(raw.get("aliases", ())),
        returns=_enum(Returns, raw, "returns", label) if "returns" in raw else None,
        attributes=MappingProxyType(dict(raw.get("attributes", {}))),
    )


def _check_target(raw: dict[str, Any], category: Category, label: str, vocabulary: Vocabulary) -> None:
    target = raw.get("torch")
    if category is Category.NO_EQUIVALENT:
        if target is not None:
            raise _fail(label, "torch", "must be absent for category 'no_equivalent'")
        return
    if target is None:
        raise _fail(label, "torch", f"required for category {category.value!r}")
    if not target.startswith("torch.") and target not in vocabulary.helpers:
        helpers = ", ".join(sorted(vocabulary.helpers)) or "none"
        raise _fail(
            label, "torch", f"{target!r} must be a full path starting with 'torch.' or a helper ({helpers})"
        )
    if "torch_args" not in raw:
        raise _fail(label, "torch_args", f"required for category {category.value!r}")


def _check_args(raw: dict[str, Any], label: str) -> None:
    args = raw["args"]
    torch_args = raw.get("torch_args", [])
    for key, names in (("args", args), ("torch_args", torch_args)):
        if len(set(names)) != len(names):
            raise _fail(label, key, "contains a duplicate name")
    for key in ("rename", "values", "accept"):
        for arg in raw.get(key, {}):
            if arg not in args:
                raise _fail(label, key, f"{arg!r} is not a Paddle parameter listed in args")
    for arg in raw.get("drop", []):
        if arg not in args:
            raise _fail(label, "drop", f"{arg!r} is not a Paddle parameter listed in args")
    # torch builtins documented as ``zeros(*size)`` / ``permute(*dims)`` also take that name as a keyword.
    keywords = {name.lstrip("*") for name in torch_args if not name.startswith("**")}
    accepts_kwargs = any(name.startswith("**") for name in torch_args)
    for source, target in raw.get("rename", {}).items():
        if target not in keywords and not accepts_kwargs:
            raise _fail(label, "rename", f"{source!r} -> {target!r}: {target!r} is not in torch_args")
        if source in raw.get("drop", []):
            raise _fail(label, "rename", f"{source!r} is both renamed and dropped")
    for target in raw.get("defaults", {}):
        if target not in keywords and not accepts_kwargs:
            raise _fail(label, "defaults", f"{target!r} is not in torch_args")


def _check_category_rules(raw: dict[str, Any], category: Category, label: str) -> None:
    if category is Category.COMPOSITE and "transform" not in raw:
        raise _fail(label, "transform", "category 'composite' requires a named transform")
    if category is Category.SAME:
        for key in ("rename", "values", "defaults"):
            if raw.get(key):
                raise _fail(label, key, "category 'same' must not rename, transform values or add defaults")


def _check_unique(entries: tuple[ApiMapping, ...]) -> None:
    seen: dict[str, str] = {}
    for entry in entries:
        for key, path in [("paddle", entry.paddle)] + [("aliases", alias) for alias in entry.aliases]:
            if path in seen:
                raise _fail(entry.paddle, key, f"{path!r} is already mapped by entry {seen[path]!r}")
            seen[path] = entry.paddle


def _check_names(raw: dict[str, Any], label: str, vocabulary: Vocabulary) -> None:
    transform = raw.get("transform")
    if transform is not None and transform not in vocabulary.call_transforms:
        raise _fail(label, "transform", f"unknown call transform {transform!r}")
    for arg, name in raw.get("values", {}).items():
        if name not in vocabulary.value_transforms:
            raise _fail(label, "values", f"{arg!r}: unknown value transform {name!r}")
