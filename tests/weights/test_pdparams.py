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
