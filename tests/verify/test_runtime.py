"""Seeds, dtype casting, device choice and the CUDA determinism switches (tested without a GPU)."""

import os

import numpy as np
import paddle
import pytest
import torch

from porter.verify import runtime


def test_seeding_makes_both_frameworks_repeat():
    runtime.seed_everything(7)
    first = (np.random.rand(), paddle.rand([2]).numpy(), torch.rand(2).numpy())
    runtime.seed_everything(7)
    second = (np.random.rand(), paddle.rand([2]).numpy(), torch.rand(2).numpy())
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])
    np.testing.assert_array_equal(first[2], second[2])


def test_place_models_casts_parameters_and_batch_norm_buffers():
    paddle_model = paddle.nn.Sequential(paddle.nn.Linear(3, 4), paddle.nn.BatchNorm1D(4))
    torch_model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    runtime.place_models(paddle_model, torch_model, "float64", runtime.resolve_device("cpu"))
    assert {str(v.dtype) for v in paddle_model.state_dict().values()} == {"paddle.float64"}
    floating = [v for v in torch_model.state_dict().values() if v.is_floating_point()]
    assert {v.dtype for v in floating} == {torch.float64}


class _Indexed(paddle.nn.Layer):
    def __init__(self):
        super().__init__()
        self.table = self.create_parameter([4])
        self.register_buffer("index", paddle.to_tensor([3, 0, 2], dtype="int64"))
        self.register_buffer("mask", paddle.to_tensor([True, False, True]))
        self.register_buffer("scale", paddle.to_tensor([2.0]))

    def forward(self, x):
        return x * paddle.gather(self.table, self.index) * self.mask.astype(x.dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_place_models_keeps_integer_and_boolean_buffers_as_torch_does(dtype):
    paddle_model = _Indexed()
    torch_model = torch.nn.Module()
    torch_model.register_buffer("index", torch.tensor([3, 0, 2]))
    runtime.place_models(paddle_model, torch_model, dtype, runtime.resolve_device("cpu"))
    assert paddle_model.index.dtype == paddle.int64 and paddle_model.mask.dtype == paddle.bool
    assert paddle_model.index.tolist() == [3, 0, 2] and paddle_model.table.dtype == getattr(paddle, dtype)
    assert torch_model.index.dtype == torch.int64
    assert paddle_model(paddle.ones([3], dtype=dtype)).shape == [3]  # the index still indexes
    assert paddle_model.scale.dtype == getattr(paddle, dtype)
    assert list(paddle_model.state_dict()) == ["table", "index", "mask", "scale"]  # the order kept


def test_unknown_dtype_is_refused():
    with pytest.raises(runtime.RuntimeSetupError, match="dtype must be one of both, float64, float32"):
        runtime.check_mode("float16")


def test_cpu_and_auto_without_cuda():
    assert runtime.resolve_device("cpu").kind == "cpu"
    assert runtime.resolve_device("auto", has_cuda=lambda: False) == runtime.Device("cpu", "cpu", "cpu")


def test_auto_and_cuda_with_cuda_name_each_framework_s_device():
    expected = runtime.Device(kind="cuda", torch="cuda:0", paddle="gpu:0")
    assert runtime.resolve_device("auto", has_cuda=lambda: True) == expected
    assert runtime.resolve_device("cuda", has_cuda=lambda: True) == expected


def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(runtime.RuntimeSetupError, match="--device cuda needs a CUDA device"):
        runtime.resolve_device("cuda", has_cuda=lambda: False)


@pytest.mark.parametrize("onednn", [True, False])
def test_the_cpu_keeps_the_user_s_kernels(onednn):
    # The float32 check judges whichever kernels run against their own float64 result, so verifying
    # with oneDNN on or off gives the same verdict (tests/verify/test_battery.py runs both).
    with (
        torch.backends.mkldnn.flags(enabled=onednn),
        runtime.determinism(runtime.resolve_device("cpu")) as report,
    ):
        assert torch.backends.mkldnn.enabled is onednn
        assert report.applied == () and report.unavailable == ()


@pytest.fixture
def fake_cuda_paddle_flags(monkeypatch):
    """A flag store shaped like a CUDA build of Paddle (a CPU wheel lacks the cuDNN flags)."""
    store = {
        "FLAGS_cudnn_deterministic": False,
        "FLAGS_embedding_deterministic": 0,
        "FLAGS_cudnn_exhaustive_search": True,
        "FLAGS_cudnn_batchnorm_spatial_persistent": True,
        "FLAGS_use_autotune": True,
    }

    def get_flags(name):
        if name not in store:
            raise ValueError(f"Flag {name} cannot get its value through this function.")
        return {name: store[name]}

    def set_flags(flags):
        for name, value in flags.items():
            assert name in store, f"setting a flag this build does not have: {name}"
            store[name] = value

    monkeypatch.setattr(paddle, "get_flags", get_flags)
    monkeypatch.setattr(paddle, "set_flags", set_flags)
    return store


def _torch_state():
    backends = torch.backends
    return (
        backends.cuda.matmul.fp32_precision,
        backends.cudnn.conv.fp32_precision,
        backends.cudnn.rnn.fp32_precision,
        backends.cudnn.deterministic,
        backends.cudnn.benchmark,
        torch.are_deterministic_algorithms_enabled(),
    )


def test_cuda_switches_are_applied_then_restored(fake_cuda_paddle_flags, monkeypatch):
    from paddle.base import core

    monkeypatch.setenv("NVIDIA_TF32_OVERRIDE", "1")
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    flags_before = dict(fake_cuda_paddle_flags)
    torch_before = _torch_state()
    paddle_tf32_before = (core.get_cublas_switch(), core.get_cudnn_switch())

    with runtime.determinism(runtime.Device("cuda", "cuda:0", "gpu:0")) as report:
        assert fake_cuda_paddle_flags == {
            "FLAGS_cudnn_deterministic": True,
            "FLAGS_embedding_deterministic": 1,
            "FLAGS_cudnn_exhaustive_search": False,
            "FLAGS_cudnn_batchnorm_spatial_persistent": False,
            "FLAGS_use_autotune": False,
        }
        assert _torch_state() == ("ieee", "ieee", "ieee", True, False, True)
        assert (core.get_cublas_switch(), core.get_cudnn_switch()) == (False, False)
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
        assert os.environ["NVIDIA_TF32_OVERRIDE"] == "0"
        applied = {s.name for s in report.applied}
        assert {"FLAGS_cudnn_deterministic", "cudnn.deterministic", "use_deterministic_algorithms"} <= applied
        assert report.unavailable == ()

    assert fake_cuda_paddle_flags == flags_before
    assert _torch_state() == torch_before
    assert (core.get_cublas_switch(), core.get_cudnn_switch()) == paddle_tf32_before
    assert "CUBLAS_WORKSPACE_CONFIG" not in os.environ
    assert os.environ["NVIDIA_TF32_OVERRIDE"] == "1"


def test_switches_are_restored_when_the_run_fails(fake_cuda_paddle_flags):
    before = _torch_state()
    with (
        pytest.raises(RuntimeError, match="boom"),
        runtime.determinism(runtime.Device("cuda", "cuda:0", "gpu:0")),
    ):
        raise RuntimeError("boom")
    assert _torch_state() == before
    assert fake_cuda_paddle_flags["FLAGS_cudnn_deterministic"] is False


def test_flags_missing_from_this_paddle_build_are_reported_not_set():
    # The real CPU wheel: no cuDNN flags exist, and set_flags would reject them.
    switches, missing = runtime.paddle_switches()
    names = {s.name for s in switches}
    for name in missing:
        with pytest.raises(ValueError):
            paddle.get_flags(name)
    assert not names & set(missing)
    assert "FLAGS_cudnn_deterministic" in missing or "FLAGS_cudnn_deterministic" in names


@pytest.mark.gpu
def test_lenet_parity_on_cuda():
    from porter import models
    from porter.verify.parity import verify_pair

    pair = models.get("lenet")
    result = verify_pair(
        pair.build_paddle(), pair.build_torch(), pair.input_shape, device="cuda", backward=True
    )
    assert result.settings.device == "cuda"
    assert result.passed, result.render()
    assert any("cudnn.deterministic" in line for line in result.determinism)
