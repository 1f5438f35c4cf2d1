"""Read ``.pdparams``/``.pdopt`` files without running code from them.

``paddle.save(layer.state_dict(), path)`` writes a pickle (protocol 4 by default) of a dict of numpy
arrays plus a ``StructuredToParameterName@@`` name table; very large arrays saved with protocol 2/3 are
split into ``key@@.N`` slices described by ``UnpackBigParamInfor@@``; ``paddle.save(..., safetensors=True)``
writes a safetensors file instead. A pickle can name any importable callable, so unpickling an untrusted
file with ``pickle.load`` (which is what ``paddle.load`` does) can run arbitrary code. Here every global a
pickle asks for is looked up in a short allowlist of array-building and container constructors.
"""

from __future__ import annotations

import importlib
import io
import pickle
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

NAME_TABLE_KEY = "StructuredToParameterName@@"
BIG_PARAM_KEY = "UnpackBigParamInfor@@"  # Paddle's spelling  # typos: disable-line


class PaddleFileError(ValueError):
    """The file is not a readable Paddle state dict."""


class UnsafePickleError(PaddleFileError, pickle.UnpicklingError):
    """The pickle asked for a global outside the allowlist; nothing it names was called."""


def _numpy_multiarray():
    for name in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("numpy multiarray module not found")


def _codecs_encode(text: str, encoding: str = "utf-8") -> bytes:
    # Python 3 writes bytes as _codecs.encode(str, "latin1") under pickle protocol 2 (numpy array data).
    if not isinstance(text, str) or encoding.lower().replace("-", "") != "latin1":
        raise UnsafePickleError(f"refused _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


def _paddle_dense_tensor(expression: str, namespace: dict) -> Any:
    # Paddle pickles a raw DenseTensor as eval("data", {"data": array}); accept exactly that shape.
    if expression != "data" or not isinstance(namespace, dict) or set(namespace) != {"data"}:
        raise UnsafePickleError(f"refused builtins.eval of {expression!r}")
    return namespace["data"]


def _allowlist() -> dict[tuple[str, str], Any]:
    multiarray = _numpy_multiarray()
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("collections", "OrderedDict"): OrderedDict,
        ("builtins", "dict"): dict,
        ("builtins", "list"): list,
        ("builtins", "tuple"): tuple,  # Paddle pickles a Tensor outside a state dict as tuple((name, array))
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "eval"): _paddle_dense_tensor,
        ("_codecs", "encode"): _codecs_encode,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):  # numpy 1 and numpy 2 spellings
        allowed[(module, "_reconstruct")] = multiarray._reconstruct
        allowed[(module, "scalar")] = multiarray.scalar
    return allowed


class _RestrictedUnpickler(pickle.Unpickler):
    _allowed = _allowlist()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refused to load global {module}.{name}: a Paddle weights file only needs numpy arrays and "
                "plain containers, so this file may be crafted to run code"
            ) from None


def safe_unpickle(data: bytes) -> Any:
    """Unpickle ``data`` allowing only numpy arrays/scalars/dtypes and plain containers."""
    try:
        return _RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except UnsafePickleError:
        raise
    except Exception as error:  # a truncated or foreign file fails in many ways
        raise PaddleFileError(f"not a readable pickle: {type(error).__name__}: {error}") from error


def _is_safetensors(data: bytes) -> bool:
    if len(data) < 10:
        return False
    (header_size,) = struct.unpack("<Q", data[:8])
    return 0 < header_size <= len(data) - 8 and data[8:9] == b"{"


def load_paddle_object(path: str | Path) -> Any:
    """The object stored in a ``.pdparams``/``.pdopt`` file (pickle or safetensors), loaded safely."""
    data = Path(path).read_bytes()
    if _is_safetensors(data):
        from safetensors.numpy import load

        try:
            return load(data)
        except Exception as error:
            raise PaddleFileError(f"{path}: not a readable safetensors file: {error}") from error
    try:
        loaded = safe_unpickle(data)
    except PaddleFileError as error:
        raise type(error)(f"{path}: {error}") from error
    return _join_big_params(loaded) if isinstance(loaded, dict) else loaded


def _join_big_params(state: dict) -> dict:
    info = state.pop(BIG_PARAM_KEY, None)
    if not info:
        return state
    for key, layout in info.items():
        parts = [state.pop(part) for part in layout["slices"]]
        state[key] = np.concatenate(parts).reshape(layout["OriginShape"])
    return state


def load_pdparams(path: str | Path) -> dict[str, np.ndarray]:
    """A Paddle model state dict as ``{structured name: array}``; the name table is dropped."""
    loaded = load_paddle_object(path)
    if not isinstance(loaded, dict):
        raise PaddleFileError(f"{path}: expected a dict of arrays, found {type(loaded).__name__}")
    state: dict[str, np.ndarray] = {}
    for key, value in loaded.items():
        if key == NAME_TABLE_KEY:
            continue
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], np.ndarray):
            value = value[1]  # (tensor name, array): a Tensor pickled outside paddle's state-dict path
        if not isinstance(value, np.ndarray | np.generic) or np.asarray(value).dtype.kind == "O":
            raise PaddleFileError(
                f"{path}: entry {key!r} is {type(value).__name__}, not a numeric array; "
                "is this an optimizer (.pdopt) file or a nested checkpoint?"
            )
        state[str(key)] = np.asarray(value)
    return state
