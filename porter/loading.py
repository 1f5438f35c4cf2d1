"""Load user models for ``porter verify`` and ``porter weights``: ``module:callable`` specs (module may be a
file path) and Paddle files converted with ``porter convert``.

Importing a model file executes its top-level code (a converted copy runs it once more, in torch).
Both commands sit above this module; it imports neither of them.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from porter.usage import UsageError


class LoadError(UsageError):
    """A model could not be found, imported, built or run; the message says which side and why."""


def user_code_failed(what: str, error: BaseException, advice: str = "") -> LoadError:
    """``what`` (e.g. "building the Paddle model Net") failed in the user's code: one paragraph saying so,
    then ``advice``. The error is chained, so ``--debug`` shows the user's traceback."""
    message = str(error).strip().split("\n\n")[0]  # Paddle appends hints and C++ stacks after a blank line
    message = " ".join(line.strip() for line in message.splitlines() if line.strip())
    if len(message) > 400:
        message = message[:400] + " ..."
    failure = LoadError(
        f"{what} failed: {type(error).__name__}"
        + (f": {message}" if message else "")
        + (advice and f"; {advice}")
    )
    failure.__cause__ = error
    return failure


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
    except (Exception, SystemExit) as error:  # a script's top-level sys.exit() or argparse too
        sys.modules.pop(module_name, None)
        raise user_code_failed(f"importing {path}", error) from error
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
    except (Exception, SystemExit) as error:
        raise user_code_failed(f"importing {module_part}", error) from error


def import_converted(path: Path, directory: Path, module_name: str):
    """Convert the Paddle file ``path`` with ``porter convert`` into ``directory`` and import the result.

    Returns ``(module, FileResult)``. The caller owns ``directory`` and removes it when done."""
    from porter.convert import files, helpers
    from porter.convert.engine import convert_source
    from porter.convert.report import Status

    source = read_model_source(path)
    result = convert_source(source.text, path=str(path))
    if result.status == Status.FAILED:
        raise LoadError(
            f"porter convert could not convert {path}: " + "; ".join(map(str, result.diagnostics))
        )
    converted = directory / path.name
    converted.write_bytes(files.encode(result.output, source.encoding))
    if result.helpers:  # written beside it, as porter convert does beside a single output file
        (directory / helpers.FILENAME).write_text(helpers.merged(None, result.helpers), encoding="utf-8")
    sys.modules.pop(helpers.MODULE, None)  # another conversion's helpers may be loaded under that name
    try:
        return import_file(converted, module_name), result
    finally:
        sys.modules.pop(helpers.MODULE, None)  # the converted module keeps its own reference


def read_model_source(path: Path):
    """The model file's text and encoding, decoded as Python decodes it."""
    from porter.convert import files

    if not path.is_file():
        raise LoadError(f"no such file: {path}")
    try:
        return files.decode(files.read_bytes(path))
    except (OSError, files.SourceError) as error:
        raise LoadError(f"cannot read {path}: {error}") from error


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
    try:
        tree = ast.parse(paddle_source)
    except SyntaxError as error:
        raise LoadError(f"not valid Python (line {error.lineno}): {error.msg}") from error
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


def converted_pairs(path: str, kwargs: dict[str, Any], directory: Path) -> list[ConvertedPair]:
    """Convert a Paddle file with porter (into ``directory``), import both versions, pair each model
    class/factory."""
    source_path = Path(path)
    classes, factories = model_names(read_model_source(source_path).text)
    if not classes:
        raise LoadError(f"{path} defines no paddle.nn.Layer subclass to verify")
    stem = f"{source_path.stem}_{abs(hash(str(source_path.resolve())))}"
    paddle_module = import_file(source_path.resolve(), f"porter_paddle_{stem}")
    torch_module, _ = import_converted(source_path, directory, f"porter_torch_{stem}")
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
