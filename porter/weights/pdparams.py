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
import math
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


# Memory is bounded by the file's size: no allowed callable may build more than its arguments hold.
# numpy writes an array as _reconstruct(ndarray, (0,), b"b") (empty) and then sets its state (shape,
# dtype, raw bytes read from the file); a numeric dtype as dtype("f4", False, True) plus a fixed state.
# Anything else -- an allocating shape, ndarray(...) called directly, an object or structured dtype, a
# container built from an array (one Python object per element) -- is refused.
_NUMERIC_KINDS = frozenset("biufc")
_PLAIN_CONTAINERS = (list, tuple, dict, set, frozenset, OrderedDict)


class _NdarrayName:
    """What a pickle gets for ``numpy.ndarray``: valid only as ``_reconstruct``'s first argument."""

    def __new__(cls, *args: Any, **kwargs: Any):
        raise UnsafePickleError("refused numpy.ndarray(...): it allocates any shape the file names")


def _numeric_dtype(spec: Any, align: bool = False, copy: bool = False) -> np.dtype:
    dtype = np.dtype(spec, align, copy)
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise UnsafePickleError(f"refused dtype {dtype}: Paddle weights are plain numeric arrays")
    return dtype


def _empty_array(multiarray):
    def reconstruct(subtype: Any, shape: Any, typecode: Any) -> np.ndarray:
        if subtype is not _NdarrayName or shape != (0,) or typecode not in (b"b", "b"):
            raise UnsafePickleError(
                f"refused _reconstruct with shape {shape!r:.100} and type {typecode!r:.100}: numpy writes "
                "an empty array and its data afterwards"
            )
        return multiarray._reconstruct(np.ndarray, (0,), b"b")

    return reconstruct


def _numpy_scalar(multiarray):
    def scalar(dtype: Any, data: Any = None) -> Any:
        if not isinstance(dtype, np.dtype) or not isinstance(data, bytes | str):
            raise UnsafePickleError("refused numpy scalar: expected a dtype and its bytes")
        return multiarray.scalar(dtype, data)

    return scalar


def _plain(kind: type):
    def build(items: Any = (), /) -> Any:
        if type(items) not in _PLAIN_CONTAINERS:
            raise UnsafePickleError(
                f"refused {kind.__name__}() of a {type(items).__name__}: only plain containers are rebuilt"
            )
        return kind(items)

    return build


def _allowlist() -> dict[tuple[str, str], Any]:
    multiarray = _numpy_multiarray()
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): _NdarrayName,
        ("numpy", "dtype"): _numeric_dtype,
        ("collections", "OrderedDict"): _plain(OrderedDict),
        ("builtins", "dict"): _plain(dict),
        ("builtins", "list"): _plain(list),
        # Paddle pickles a Tensor outside a state dict as tuple((name, array))
        ("builtins", "tuple"): _plain(tuple),
        ("builtins", "set"): _plain(set),
        ("builtins", "frozenset"): _plain(frozenset),
        ("builtins", "eval"): _paddle_dense_tensor,
        ("_codecs", "encode"): _codecs_encode,
    }
    for module in ("numpy.core.multiarray", "numpy._core.multiarray"):  # numpy 1 and numpy 2 spellings
        allowed[(module, "_reconstruct")] = _empty_array(multiarray)
        allowed[(module, "scalar")] = _numpy_scalar(multiarray)
    return allowed


def _check_dtype_state(state: Any) -> None:
    # dtype("f4", False, True).__setstate__((3, "<", None, None, None, -1, -1, 0)): only the byte order
    # may vary. Other fields could resize the dtype or flag it as holding Python objects.
    if not (
        isinstance(state, tuple)
        and len(state) == 8
        and state[0] == 3
        and state[1] in ("<", ">", "|", "=")
        and state[2:5] == (None, None, None)
        and state[5:] == (-1, -1, 0)
    ):
        raise UnsafePickleError(f"refused dtype state {state!r:.200}")


def _check_array_state(state: Any) -> None:
    # ndarray.__setstate__((version, shape, dtype, is_fortran, raw bytes)): the bytes must be all the data.
    if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[1], tuple)):
        raise UnsafePickleError(f"refused array state of type {type(state).__name__}")
    _, shape, dtype, _, data = state
    if not isinstance(dtype, np.dtype) or not isinstance(data, bytes | bytearray | str):
        raise UnsafePickleError("refused array state: expected a dtype and raw bytes")
    if not all(isinstance(size, int) and size >= 0 for size in shape):
        raise UnsafePickleError(f"refused array shape {shape!r:.200}")
    if math.prod(shape) * dtype.itemsize != len(data):
        raise PaddleFileError(f"array data of {len(data)} bytes does not fill shape {shape} of {dtype}")


class _RestrictedUnpickler(pickle._Unpickler):
    """Python's own unpickler with globals looked up in the allowlist and every BUILD (``__setstate__``)
    checked: the C unpickler cannot be kept from calling a dtype's ``__setstate__`` with any state."""

    _allowed = _allowlist()
    dispatch = dict(pickle._Unpickler.dispatch)

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refused to load global {module}.{name}: a Paddle weights file only needs numpy arrays and "
                "plain containers, so this file may be crafted to run code"
            ) from None

    def load_build(self) -> None:
        state, target = self.stack[-1], self.stack[-2]
        if isinstance(target, np.dtype):
            _check_dtype_state(state)
        elif type(target) is np.ndarray:
            _check_array_state(state)
        else:
            raise UnsafePickleError(f"refused to set the state of a {type(target).__name__}")
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build


def safe_unpickle(data: bytes) -> Any:
    """Unpickle ``data`` allowing only numeric numpy arrays/scalars/dtypes and plain containers, with
    memory bounded by the size of ``data``."""
    try:
        return _RestrictedUnpickler(io.BytesIO(data), encoding="latin1").load()
    except PaddleFileError:
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
    return _join_big_params(loaded, path) if isinstance(loaded, dict) else loaded


def _join_big_params(state: dict, path: str | Path) -> dict:
    """Join the ``key@@.N`` slices Paddle splits big arrays into, checking the layout a file claims."""
    info = state.pop(BIG_PARAM_KEY, None)
    if not info:
        return state
    if not isinstance(info, dict):
        raise PaddleFileError(f"{path}: {BIG_PARAM_KEY} is a {type(info).__name__}, not a dict")
    for key, layout in info.items():
        state[key] = _joined(state, key, layout, f"{path}: split parameter {key!r}")
    return state


def _joined(state: dict, key: Any, layout: Any, where: str) -> np.ndarray:
    if not isinstance(layout, dict) or not isinstance(layout.get("slices"), list | tuple):
        raise PaddleFileError(f"{where}: expected {{'OriginShape': shape, 'slices': [names]}}")
    shape = layout.get("OriginShape")
    if not isinstance(shape, list | tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise PaddleFileError(f"{where}: OriginShape {shape!r:.100} is not a shape")
    names = layout["slices"]
    if key in state:
        raise PaddleFileError(f"{where}: the file holds it whole as well as in slices")
    if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        raise PaddleFileError(f"{where}: slice names must be distinct strings")
    missing = [name for name in names if name not in state]
    if missing:
        raise PaddleFileError(f"{where}: slices {missing!r:.200} are not in the file")
    parts = [state.pop(name) for name in names]
    if not parts or not all(isinstance(part, np.ndarray) for part in parts):
        raise PaddleFileError(f"{where}: its slices are not arrays")
    if len({part.dtype for part in parts}) > 1:
        raise PaddleFileError(f"{where}: its slices have different dtypes")
    size = sum(part.size for part in parts)
    if size != math.prod(shape):
        raise PaddleFileError(
            f"{where}: {size} elements in its slices do not fill OriginShape {tuple(shape)}"
        )
    return np.concatenate([part.ravel() for part in parts]).reshape(shape)


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
