"""Run the converter on a Paddle snippet, execute the original and the output, compare what they compute.

The PaConvert pattern: a golden test pins the text; these pin the meaning. The Paddle snippet runs with
paddle; the converted snippet runs with ``import paddle`` and ``import porter`` refused, so a test also
proves the output stands on torch alone. ``import porter_helpers`` gives the helper module porter would
write beside the output (porter/convert/helpers), itself run with the same imports refused.

Layers built by the snippet can start from the same weights: ``shared=("layer",)`` copies the Paddle
layer's weights into the torch one (porter's weight transfer) where the snippet has the line
``# shared weights``, then both runs go on.
"""

from __future__ import annotations

import ast
import builtins
import sys
import textwrap
import types
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from porter.convert import helpers
from porter.convert.engine import convert_source
from porter.convert.report import FileResult

REFUSED = ("paddle", "porter")
SHARED_WEIGHTS = "# shared weights"


def torch_only_builtins(helper_names: Sequence[str] = ()) -> dict[str, Any]:
    """Builtins whose ``__import__`` refuses paddle and porter and serves ``porter_helpers``."""
    guarded = dict(vars(builtins))
    helper_module = _helper_module(helper_names, guarded) if helper_names else None

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name == helpers.MODULE and helper_module is not None:
            return helper_module
        if level == 0 and name.split(".")[0] in REFUSED:
            raise ImportError(f"converted code imported {name!r}; it must need torch only")
        return builtins.__import__(name, globals, locals, fromlist, level)

    guarded["__import__"] = guarded_import
    return guarded


def _helper_module(names: Sequence[str], guarded: dict[str, Any]) -> types.ModuleType:
    """porter_helpers.py as porter writes it, executed with paddle and porter refused."""
    module = types.ModuleType(helpers.MODULE)
    module.__dict__["__builtins__"] = guarded
    previous = sys.modules.get(helpers.MODULE)
    sys.modules[helpers.MODULE] = module  # as an import would (dataclasses look their module up)
    try:
        exec(compile(helpers.render(names), helpers.FILENAME, "exec"), module.__dict__)  # noqa: S102
    finally:
        if previous is None:
            del sys.modules[helpers.MODULE]
        else:
            sys.modules[helpers.MODULE] = previous
    return module


def _as_numpy(value: Any) -> Any:
    """Tensors -> numpy arrays, containers walked, shapes (torch.Size, Paddle's list) -> lists."""
    if hasattr(value, "detach"):
        return np.array(value.detach().cpu().numpy(), copy=True)
    if hasattr(value, "numpy") and hasattr(value, "place"):  # a paddle Tensor
        return np.array(value.numpy(), copy=True)
    if isinstance(value, Mapping):
        return {key: _as_numpy(item) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return [_as_numpy(item) for item in value]
    return value


def execute(
    source: str, namespace: dict[str, Any], *, torch_only: bool, helper_names: Sequence[str] = ()
) -> dict[str, Any]:
    """Execute ``source`` in ``namespace``; with ``torch_only`` the code cannot import paddle or porter
    (``porter_helpers`` holds ``helper_names``)."""
    if torch_only:
        namespace["__builtins__"] = torch_only_builtins(helper_names)
    exec(compile(source, "<snippet>", "exec"), namespace)  # noqa: S102 - the test's own snippet
    return namespace


def assert_imports_run_torch_only(output: str, helper_names: Sequence[str] = ()) -> None:
    """The converted code's imports run with paddle and porter refused, and every dotted name it reads
    through them exists (``torch.nn.Conv2d``, ``nn.functional.relu``, ``porter_helpers.BatchNorm``).

    For golden snippets that cannot run as a whole (their inputs are free names): what they import and
    name must be there in torch alone.
    """
    tree = ast.parse(output)
    statements = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and not node.level)
    ]
    namespace: dict[str, Any] = {}
    execute(ast.unparse(ast.Module(statements, [])), namespace, torch_only=True, helper_names=helper_names)
    rebound = {
        node.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)
    }
    rebound |= {node.arg for node in ast.walk(tree) if isinstance(node, ast.arg)}
    for node in ast.walk(tree):
        chain = _dotted(node)
        if chain and chain.split(".")[0] in namespace.keys() - rebound:
            value = namespace[chain.split(".")[0]]
            for part in chain.split(".")[1:]:
                assert hasattr(value, part), f"{chain}: {part!r} does not exist\n--- converted ---\n{output}"
                value = getattr(value, part)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) and parts else None


def _phases(source: str, shared: Sequence[str]) -> list[str]:
    """The source before and after the ``# shared weights`` line (one phase without ``shared``)."""
    if not shared:
        return [source]
    lines = source.splitlines(keepends=True)
    marks = [i for i, line in enumerate(lines) if line.strip() == SHARED_WEIGHTS]
    assert len(marks) == 1, f"shared={shared!r} needs exactly one {SHARED_WEIGHTS!r} line"
    return ["".join(lines[: marks[0]]), "\n" * marks[0] + "".join(lines[marks[0] :])]


def convert_and_run(
    paddle_source: str,
    inputs: Mapping[str, np.ndarray] | None = None,
    names: Sequence[str] = ("y",),
    *,
    shared: Sequence[str] = (),
) -> tuple[dict[str, Any], dict[str, Any], FileResult]:
    """Convert ``paddle_source``, run both versions with ``inputs`` bound as tensors of each framework.

    Returns the values of ``names`` from each run as numpy (paddle, torch) and the conversion result.
    The conversion must be idempotent: a second pass over the output changes nothing. ``shared`` names
    layers whose Paddle weights are copied into the torch run at the ``# shared weights`` line.
    """
    import paddle
    import torch

    from porter.weights.transfer import copy_paddle_to_torch

    source = textwrap.dedent(paddle_source).lstrip("\n")
    result = convert_source(source, path="snippet.py")
    assert result.status.value != "failed", result.diagnostics
    again = convert_source(result.output, path="snippet.py")
    assert again.output == result.output, f"a second pass changed the output:\n{again.output}"
    inputs = dict(inputs or {})
    paddle.seed(0)
    torch.manual_seed(0)
    paddle_ns: dict[str, Any] = {k: paddle.to_tensor(v) for k, v in inputs.items()}
    torch_ns: dict[str, Any] = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in inputs.items()}
    for phase, (paddle_part, torch_part) in enumerate(
        zip(_phases(source, shared), _phases(result.output, shared), strict=True)
    ):
        if phase:
            for layer in shared:
                copy_paddle_to_torch(paddle_ns[layer], torch_ns[layer])
        execute(paddle_part, paddle_ns, torch_only=False)
        execute(torch_part, torch_ns, torch_only=True, helper_names=result.helpers)
    return (
        {name: _as_numpy(paddle_ns[name]) for name in names},
        {name: _as_numpy(torch_ns[name]) for name in names},
        result,
    )


def assert_same_values(
    paddle_source: str,
    inputs: Mapping[str, np.ndarray] | None = None,
    names: Sequence[str] = ("y",),
    *,
    shared: Sequence[str] = (),
    rtol: float = 1e-6,
    atol: float = 1e-6,
) -> FileResult:
    """Both runs give the same values, dtypes and shapes for every name in ``names``."""
    paddle_values, torch_values, result = convert_and_run(paddle_source, inputs, names, shared=shared)
    for name in names:
        _assert_close(name, paddle_values[name], torch_values[name], rtol, atol, result.output)
    return result


def _assert_close(path: str, expected: Any, actual: Any, rtol: float, atol: float, output: str) -> None:
    context = f"{path}\n--- converted ---\n{output}"
    if isinstance(expected, np.ndarray) or isinstance(actual, np.ndarray):
        assert isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray), (
            f"{context}: {type(expected)} vs {type(actual)}"
        )
        assert expected.dtype == actual.dtype, f"{context}: dtype {expected.dtype} vs {actual.dtype}"
        assert expected.shape == actual.shape, f"{context}: shape {expected.shape} vs {actual.shape}"
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=context)
    elif isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), (
            f"{context}: {expected!r} vs {actual!r}"
        )
        for index, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _assert_close(f"{path}[{index}]", e, a, rtol, atol, output)
    else:
        assert expected == actual, f"{context}: {expected!r} vs {actual!r}"
