"""Load user models for ``porter verify`` and ``porter weights``: ``module:callable`` specs (module may be a
file path) and Paddle files converted with ``porter convert``. Importing a model file executes it.

Both commands sit above this module; it imports neither of them.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from porter.usage import UsageError


class LoadError(UsageError):
    """A model could not be found or imported; the message says which and why."""


def import_file(path: Path, module_name: str):
    """Import a .py file under ``module_name`` (never ``__main__``, so its script part does not run)."""
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.parent))  # the file's own sibling imports
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(module_name, None)
        raise LoadError(f"importing {path} failed: {type(error).__name__}: {error}") from error
    finally:
        sys.path.remove(str(path.parent))
    return module


def load_callable(spec: str) -> Callable[..., Any]:
    """``package.module:Name`` or ``path/to/file.py:Name``."""
    from porter import models

    module_part, _, attribute = spec.rpartition(":")
    if not module_part or not attribute:
        raise LoadError(f"expected MODULE:CALLABLE or path/file.py:CALLABLE, got {spec!r}")
    if module_part.endswith(".py"):
        path = Path(module_part)
        if not path.is_file():
            raise LoadError(f"no such file: {path}")
        module = import_file(path.resolve(), f"porter_user_{abs(hash(str(path.resolve())))}")
        if not hasattr(module, attribute):
            raise LoadError(f"{path} has no {attribute!r}")
        return getattr(module, attribute)
    try:
        return models.resolve(spec)
    except (ImportError, AttributeError) as error:
        raise LoadError(f"cannot load {spec}: {error}") from error


# --- porter verify FILE.py ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvertedPair:
    name: str
    build_paddle: Callable[[], Any]
    build_torch: Callable[[], Any]


def _layer_classes(tree: ast.Module) -> set[str]:
    """Top-level classes deriving (directly or through each other) from a ``...Layer`` base."""
    bases = {
        node.name: {ast.unparse(base) for base in node.bases}
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    layers: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, names in bases.items():
            if name not in layers and any(b.endswith("Layer") or b in layers for b in names):
                layers.add(name)
                changed = True
    return layers


def _factories(tree: ast.Module, layers: set[str]) -> list[str]:
    """Top-level functions whose every ``return`` builds one of the file's Layer classes."""
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        returns = [n.value for n in ast.walk(node) if isinstance(n, ast.Return)]
        if returns and all(
            isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id in layers for v in returns
        ):
            found.append(node.name)
    return found


def model_names(paddle_source: str) -> tuple[list[str], list[str]]:
    """(Layer classes, factories) defined in a Paddle file, in source order."""
    tree = ast.parse(paddle_source)
    layers = _layer_classes(tree)
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and n.name in layers]
    return classes, _factories(tree, layers)


def _constructible(factory: Callable[..., Any], kwargs: dict[str, Any]) -> bool:
    import inspect

    try:
        inspect.signature(factory).bind(**kwargs)
    except TypeError:
        return False
    return True


def converted_pairs(path: str, kwargs: dict[str, Any]) -> list[ConvertedPair]:
    """Convert a Paddle file with porter, import both versions, pair each model class/factory."""
    from porter.convert.engine import convert_source
    from porter.convert.report import Status

    source_path = Path(path)
    if not source_path.is_file():
        raise LoadError(f"no such file: {path}")
    text = source_path.read_text(encoding="utf-8")
    result = convert_source(text, path=str(source_path))
    if result.status == Status.FAILED:
        raise LoadError(
            f"porter convert could not convert {path}: " + "; ".join(map(str, result.diagnostics))
        )
    classes, factories = model_names(text)
    if not classes:
        raise LoadError(f"{path} defines no paddle.nn.Layer subclass to verify")
    converted_dir = Path(tempfile.mkdtemp(prefix="porter_verify_"))
    converted_path = converted_dir / source_path.name
    converted_path.write_text(result.output, encoding="utf-8")
    stem = f"{source_path.stem}_{abs(hash(str(source_path.resolve())))}"
    paddle_module = import_file(source_path.resolve(), f"porter_paddle_{stem}")
    torch_module = import_file(converted_path, f"porter_torch_{stem}")
    pairs = []
    for name in factories + classes:
        paddle_factory, torch_factory = getattr(paddle_module, name), getattr(torch_module, name, None)
        if torch_factory is None:
            raise LoadError(f"the converted file lost {name!r}; see `porter convert {path}`")
        if not _constructible(paddle_factory, kwargs):
            continue  # building blocks that need constructor arguments are covered by the models using them
        pairs.append(
            ConvertedPair(
                name,
                lambda f=paddle_factory: f(**kwargs),
                lambda f=torch_factory: f(**kwargs),
            )
        )
    if not pairs:
        raise LoadError(f"every model in {path} needs constructor arguments; pass them with --kwargs JSON")
    return pairs
