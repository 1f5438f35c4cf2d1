"""Run the converter on a Paddle snippet, execute the original and the output, compare what they compute.

The PaConvert pattern: a golden test pins the text; these pin the meaning. The Paddle snippet runs with
paddle; the converted snippet runs with ``import paddle`` and ``import porter`` refused, so a test also
proves the output stands on torch alone.
"""

from __future__ import annotations

import builtins
import contextlib
import sys
import textwrap
import types
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from porter.convert.engine import convert_source
from porter.convert.report import FileResult

REFUSED = ("paddle", "porter")


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name.split(".")[0] in REFUSED:
        raise ImportError(f"converted code imported {name!r}; it must need torch only")
    return builtins.__import__(name, globals, locals, fromlist, level)


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


def execute(source: str, namespace: dict[str, Any], *, torch_only: bool) -> dict[str, Any]:
    """Execute ``source`` in ``namespace``; with ``torch_only`` the code cannot import paddle or porter."""
    if torch_only:
        guarded = dict(vars(builtins))
        guarded["__import__"] = _guarded_import
        namespace["__builtins__"] = guarded
    exec(compile(source, "<snippet>", "exec"), namespace)
    return namespace


@contextlib.contextmanager
def _helper_module(names: Sequence[str]):
    """``porter_helpers`` as porter writes it beside converted code, importable while the output runs."""
    if not names:
        yield
        return
    from porter.convert import helpers

    module = types.ModuleType(helpers.MODULE)
    saved = sys.modules.get(helpers.MODULE)
    sys.modules[helpers.MODULE] = module  # before running it: dataclasses look their module up
    try:
        exec(compile(helpers.render(names), helpers.FILENAME, "exec"), module.__dict__)
        yield
    finally:
        if saved is None:
            sys.modules.pop(helpers.MODULE, None)
        else:
            sys.modules[helpers.MODULE] = saved


def convert_and_run(
    paddle_source: str,
    inputs: Mapping[str, np.ndarray] | None = None,
    names: Sequence[str] = ("y",),
) -> tuple[dict[str, Any], dict[str, Any], FileResult]:
    """Convert ``paddle_source``, run both versions with ``inputs`` bound as tensors of each framework.

    Returns the values of ``names`` from each run as numpy (paddle, torch) and the conversion result.
    The conversion must be idempotent: a second pass over the output changes nothing.
    """
    import paddle
    import torch

    source = textwrap.dedent(paddle_source).lstrip("\n")
    result = convert_source(source, path="snippet.py")
    assert result.status.value != "failed", result.diagnostics
    again = convert_source(result.output, path="snippet.py")
    assert again.output == result.output, f"a second pass changed the output:\n{again.output}"
    inputs = dict(inputs or {})
    paddle.seed(0)
    paddle_ns = execute(source, {k: paddle.to_tensor(v) for k, v in inputs.items()}, torch_only=False)
    torch.manual_seed(0)
    torch_inputs = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in inputs.items()}
    with _helper_module(result.helpers):
        torch_ns = execute(result.output, torch_inputs, torch_only=True)
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
    rtol: float = 1e-6,
    atol: float = 1e-6,
) -> FileResult:
    """Both runs give the same values, dtypes and shapes for every name in ``names``."""
    paddle_values, torch_values, result = convert_and_run(paddle_source, inputs, names)
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
