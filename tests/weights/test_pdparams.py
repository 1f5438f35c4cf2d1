"""The .pdparams/.pdopt loader reads what paddle.save writes and runs nothing from a crafted pickle."""

from __future__ import annotations

import builtins
import codecs
import os
import pickle
import subprocess
import sys

import numpy as np
import paddle
import pytest
from paddle import nn as pn

from porter.weights.pdparams import (
    BIG_PARAM_KEY,
    NAME_TABLE_KEY,
    PaddleFileError,
    UnsafePickleError,
    load_paddle_object,
    load_pdparams,
)
from tests.weights.helpers import randomize_paddle


def _model():
    return randomize_paddle(
        pn.Sequential(pn.Conv2D(1, 2, 3), pn.BatchNorm2D(2), pn.Flatten(), pn.Linear(8, 3))
    )


@pytest.mark.parametrize("options", [{}, {"protocol": 2}, {"protocol": 3}, {"safetensors": True}], ids=str)
def test_round_trip_of_a_real_paddle_save(tmp_path, options):
    layer = _model()
    path = tmp_path / "model.pdparams"
    paddle.save(layer.state_dict(), str(path), **options)
    loaded = load_pdparams(path)
    expected = {key: value.numpy() for key, value in layer.state_dict().items()}
    assert set(loaded) == set(expected)
    for key, value in expected.items():
        assert loaded[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded[key], value)


def test_name_table_is_present_in_the_file_and_dropped_from_the_state(tmp_path):
    path = tmp_path / "model.pdparams"
    paddle.save(_model().state_dict(), str(path))
    raw = load_paddle_object(path)
    assert NAME_TABLE_KEY in raw and isinstance(raw[NAME_TABLE_KEY], dict)
    assert NAME_TABLE_KEY not in load_pdparams(path)


def test_optimizer_file_loads_safely(tmp_path):
    layer = pn.Linear(2, 3)
    optimizer = paddle.optimizer.Momentum(
        learning_rate=paddle.optimizer.lr.StepDecay(0.1, step_size=2), parameters=layer.parameters()
    )
    layer(paddle.ones([1, 2])).sum().backward()
    optimizer.step()
    path = tmp_path / "model.pdopt"
    paddle.save(optimizer.state_dict(), str(path))
    loaded = load_paddle_object(path)
    assert loaded["LR_Scheduler"] == {"last_epoch": 0, "last_lr": 0.1}
    velocity = loaded[f"{layer.weight.name}_velocity_0"]
    np.testing.assert_array_equal(velocity, np.ones((2, 3), dtype="float32"))
    with pytest.raises(PaddleFileError, match="entry 'LR_Scheduler' is dict, not a numeric array"):
        load_pdparams(path)


def test_tensors_pickled_outside_a_state_dict_load_as_arrays(tmp_path):
    # paddle.save of a list takes Paddle's generic pickler: Tensors become tuple((name, array)) and raw
    # DenseTensors eval("data", {"data": array}).
    layer = pn.Linear(2, 3)
    path = tmp_path / "mixed.pdparams"
    paddle.save([layer.weight, layer.bias.value().get_tensor()], str(path))
    (name, weight), bias = load_paddle_object(path)
    assert name == layer.weight.name
    np.testing.assert_array_equal(weight, layer.weight.numpy())
    np.testing.assert_array_equal(bias, layer.bias.numpy())


def test_big_parameters_split_by_paddle_are_joined(tmp_path):
    # Paddle splits arrays over 2**30 bytes under protocol 2/3 into "key@@.N" slices; same layout, small.
    whole = np.arange(10, dtype="float32").reshape(2, 5)
    flat = whole.ravel()
    saved = {
        "w@@.0": flat[:6],
        "w@@.1": flat[6:],
        "b": np.ones(2, dtype="float32"),
        BIG_PARAM_KEY: {"w": {"OriginShape": (2, 5), "slices": ["w@@.0", "w@@.1"]}},
    }
    path = tmp_path / "big.pdparams"
    path.write_bytes(pickle.dumps(saved, protocol=2))
    loaded = load_pdparams(path)
    assert sorted(loaded) == ["b", "w"]
    np.testing.assert_array_equal(loaded["w"], whole)


# -- crafted files ----------------------------------------------------------------------------------


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _RunsExec:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (builtins.exec, (f"open({str(self.marker)!r}, 'w').close()",))


class _RunsEval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):  # the one eval form Paddle writes is allowed; any other expression is not
        return (builtins.eval, (f"open({str(self.marker)!r}, 'w')", {"data": 0}))


class _EncodesOddly:
    def __reduce__(self):
        return (codecs.encode, ("abc", "rot13"))


def _crafted(kind, marker):
    payload = {"os.system": _RunsShell, "builtins.exec": _RunsExec, "builtins.eval": _RunsEval}[kind](marker)
    # Hidden among real weights, as an attacker would ship it.
    return {"0.weight": np.zeros((2, 2), dtype="float32"), "0.bias": payload}


@pytest.mark.parametrize(
    ("kind", "refused"),
    [("os.system", "posix.system"), ("builtins.exec", "builtins.exec"), ("builtins.eval", "builtins.eval")],
)
def test_crafted_pdparams_is_refused_and_runs_nothing(tmp_path, kind, refused):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pdparams"
    path.write_bytes(pickle.dumps(_crafted(kind, marker), protocol=4))

    # The file is live: a plain pickle.load in a child process does run the payload.
    loader = "import pickle,sys; pickle.load(open(sys.argv[1], 'rb'))"
    subprocess.run([sys.executable, "-c", loader, str(path)], check=False, capture_output=True)
    assert marker.exists()
    marker.unlink()

    with pytest.raises(UnsafePickleError, match=f"refused .*{refused}"):
        load_pdparams(path)
    assert not marker.exists()


def test_codecs_encode_is_limited_to_latin1(tmp_path):
    path = tmp_path / "odd.pdparams"
    path.write_bytes(pickle.dumps({"x": _EncodesOddly()}, protocol=2))
    with pytest.raises(UnsafePickleError, match="encoding 'rot13'"):
        load_pdparams(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "not a readable pickle", id="empty"),
        pytest.param(b"\x80\x04\x95 garbage", "not a readable pickle", id="truncated"),
        pytest.param(pickle.dumps([1, 2]), "expected a dict of arrays, found list", id="not-a-dict"),
        pytest.param(pickle.dumps({"w": "text"}), "entry 'w' is str, not a numeric array", id="not-an-array"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.pdparams"
    path.write_bytes(content)
    with pytest.raises(PaddleFileError, match=message):
        load_pdparams(path)


# -- memory bounded by the file's size --------------------------------------------------------------

_multiarray = np._core.multiarray


class _Reduces:
    """Pickles as ``function(*args)`` (then ``__setstate__(state)`` when a state is given)."""

    def __init__(self, function, *args, state=None):
        self.reduced = (function, args) if state is None else (function, args, state)

    def __reduce__(self):
        return self.reduced


def _allocating_array(size):
    return _Reduces(_multiarray._reconstruct, np.ndarray, (size,), b"b")


def _pickled(obj, tmp_path):
    path = tmp_path / "crafted.pdparams"
    path.write_bytes(pickle.dumps(obj, protocol=4))
    return path


@pytest.mark.parametrize(
    ("crafted", "refused"),
    [
        pytest.param(_allocating_array(10**6), r"refused _reconstruct with shape \(1000000,\)", id="reconstruct-shape"),
        pytest.param(_Reduces(np.ndarray, (10**6,)), r"refused numpy.ndarray\(...\)", id="ndarray-called"),
        pytest.param(_Reduces(list, _Reduces(np.ndarray, (10,))), "refused numpy.ndarray", id="list-of-array"),
        pytest.param(_Reduces(tuple, "x" * 10), r"refused tuple\(\) of a str", id="tuple-of-str"),
        pytest.param(_Reduces(set, b"xyz"), r"refused set\(\) of a bytes", id="set-of-bytes"),
        pytest.param(_Reduces(np.dtype, "O", False, True), "refused dtype object", id="object-dtype"),
        pytest.param(_Reduces(np.dtype, "V8", False, True), "refused dtype", id="void-dtype"),
        pytest.param(_Reduces(np.dtype, [("a", "f4")], False, True), "refused dtype", id="structured-dtype"),
        pytest.param(
            _Reduces(np.dtype, "f4", False, True, state=(3, "<", None, None, None, 1 << 20, 1, 63)),
            "refused dtype state",
            id="dtype-state-flags",
        ),
        pytest.param(_Reduces(dict, state={"__class__": 1}), "refused to set the state of a dict", id="dict-build"),
    ],
)  # fmt: skip
def test_allow_listed_constructors_cannot_amplify_or_corrupt(tmp_path, crafted, refused):
    with pytest.raises(UnsafePickleError, match=refused):
        load_paddle_object(_pickled({"w": crafted}, tmp_path))


def test_array_data_must_fill_its_shape(tmp_path):
    array = np.zeros(4, dtype="float32")
    function, args, (version, _, dtype, fortran, data) = array.__reduce__()
    lying = _Reduces(function, *args, state=(version, (10**9,), dtype, fortran, data))
    with pytest.raises(PaddleFileError, match=r"16 bytes does not fill shape \(1000000000,\)"):
        load_paddle_object(_pickled({"w": lying}, tmp_path))


_CONTAINER_OF_HUGE_ARRAY = """
import pickle, resource, sys
from porter.weights.pdparams import UnsafePickleError, load_pdparams

# Without a bound, list(array of 10**9 int8) makes 10**9 Python objects (~40 GB) from a ~90-byte file.
# Cap the address space 1 GiB above what the imports took, so an unbounded loader fails with MemoryError.
with open("/proc/self/status") as status:
    used = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (used + 2**30, resource.RLIM_INFINITY))
try:
    load_pdparams(sys.argv[1])
except UnsafePickleError as error:
    print("refused:", error)
"""


def test_a_tiny_crafted_file_cannot_make_the_loader_allocate(tmp_path):
    path = _pickled({"w": _Reduces(list, _allocating_array(10**9))}, tmp_path)
    assert path.stat().st_size <= 128
    completed = subprocess.run(
        [sys.executable, "-c", _CONTAINER_OF_HUGE_ARRAY, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.startswith("refused: "), completed.stdout


# -- crafted big-parameter entries: clear errors ----------------------------------------------------


def _split(info, **extra):
    return {
        "w@@.0": np.arange(6, dtype="float32"),
        "w@@.1": np.arange(4, dtype="float32"),
        BIG_PARAM_KEY: info,
        **extra,
    }


@pytest.mark.parametrize(
    ("saved", "message"),
    [
        pytest.param(_split(["w"]), f"{BIG_PARAM_KEY} is a list, not a dict", id="info-not-dict"),
        pytest.param(_split({"w": 3}), "expected {'OriginShape': shape, 'slices': \\[names\\]}", id="layout-not-dict"),
        pytest.param(_split({"w": {"slices": ["w@@.0"]}}), "OriginShape None is not a shape", id="no-shape"),
        pytest.param(
            _split({"w": {"OriginShape": (2, 5), "slices": ["w@@.0", "w@@.9"]}}),
            r"slices \['w@@.9'\] are not in the file", id="missing-slice",
        ),
        pytest.param(
            _split({"w": {"OriginShape": (2, 3), "slices": ["w@@.0", "w@@.0"]}}),
            "slice names must be distinct strings", id="slice-twice",
        ),
        pytest.param(
            _split({"w": {"OriginShape": (2, 3), "slices": [["w@@.0"]]}}),
            "slice names must be distinct strings", id="slice-name-unhashable",
        ),
        pytest.param(
            _split({"w": {"OriginShape": (3, 5), "slices": ["w@@.0", "w@@.1"]}}),
            r"10 elements in its slices do not fill OriginShape \(3, 5\)", id="wrong-shape",
        ),
        pytest.param(
            _split({"w": {"OriginShape": (2, 5), "slices": ["w@@.0", "w@@.1"]}}, w=np.zeros(1)),
            "holds it whole as well as in slices", id="whole-and-split",
        ),
        pytest.param(
            {**_split({"w": {"OriginShape": (2, 5), "slices": ["w@@.0", "w@@.1"]}}), "w@@.1": np.arange(4)},
            "slices have different dtypes", id="mixed-dtypes",
        ),
        pytest.param(
            {**_split({"w": {"OriginShape": (1,), "slices": ["w@@.0"]}}), "w@@.0": "text"},
            "slices are not arrays", id="slice-not-array",
        ),
    ],
)  # fmt: skip
def test_crafted_big_parameter_entries_are_clear_errors(tmp_path, saved, message):
    path = tmp_path / "big.pdparams"
    path.write_bytes(pickle.dumps(saved, protocol=2))
    with pytest.raises(PaddleFileError, match=f"{path}: .*{message}"):
        load_pdparams(path)
