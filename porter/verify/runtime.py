"""Run both frameworks under the same conditions: seeds, dtype, device, CUDA determinism.

Everything here acts on process-wide state, so every switch is applied through
`applied(...)`, which records the previous value and puts it back afterwards.
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

# What `--dtype` chooses: which checks decide the verdict (porter.verify.parity). "float32" still runs
# each side in float64 too: that is how its rounding is measured.
MODES = ("both", "float64", "float32")
DEVICES = ("cpu", "cuda", "auto")


class RuntimeSetupError(RuntimeError):
    """The requested dtype/device cannot be provided on this machine."""


def seed_everything(seed: int) -> None:
    import paddle
    import torch

    random.seed(seed)
    np.random.seed(seed)
    paddle.seed(seed)
    torch.manual_seed(seed)


def check_mode(dtype: str) -> str:
    if dtype not in MODES:
        raise RuntimeSetupError(f"dtype must be one of {', '.join(MODES)}, got {dtype!r}")
    return dtype


@dataclass(frozen=True)
class Device:
    """One device, named the way each framework spells it."""

    kind: str  # "cpu" | "cuda"
    torch: str
    paddle: str


def cuda_available() -> bool:
    """CUDA must work for both frameworks: a CPU-only Paddle wheel cannot follow torch onto the GPU."""
    import paddle
    import torch

    return (
        torch.cuda.is_available() and paddle.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0
    )


def resolve_device(name: str, *, has_cuda: Callable[[], bool] = cuda_available) -> Device:
    if name not in DEVICES:
        raise RuntimeSetupError(f"device must be one of {', '.join(DEVICES)}, got {name!r}")
    use_cuda = name == "cuda" or (name == "auto" and has_cuda())
    if name == "cuda" and not has_cuda():
        raise RuntimeSetupError(
            "--device cuda needs a CUDA device visible to both torch and a CUDA build of Paddle; "
            "none is available here (use --device cpu or auto)"
        )
    if use_cuda:
        return Device(kind="cuda", torch="cuda:0", paddle="gpu:0")
    return Device(kind="cpu", torch="cpu", paddle="cpu")


def place_models(paddle_model, torch_model, dtype: str, device: Device) -> None:
    """Cast the floating-point parameters *and* buffers (BatchNorm statistics) of both models, in place;
    integer and boolean buffers (index tables, masks) keep their dtype on both sides, as torch's ``to`` does."""
    import torch

    with _cast_floats_only(paddle_model, device):
        paddle_model.to(device=device.paddle, dtype=dtype)
    torch_model.to(device=device.torch, dtype=getattr(torch, dtype))


@contextlib.contextmanager
def _cast_floats_only(paddle_model, device: Device) -> Iterator[None]:
    """Paddle's ``Layer.to(dtype=...)`` casts every buffer, integer ones too (a relative-position index
    becomes float and no longer indexes), and fails on a buffer that holds no memory (Paddle 3.3.1's
    LSTM/GRU keep an uninitialised ``_dropout_state``, used only by cuDNN). Such buffers are taken out while
    casting and put back: integer and boolean ones moved to the device, empty ones unchanged."""
    import paddle

    removed = []
    orders = {}  # per layer touched: its buffer names in their order, which the state dict keeps
    for layer in paddle_model.sublayers(include_self=True):
        orders[id(layer)] = list(layer._buffers)
        for name, buffer in list(layer._buffers.items()):
            if buffer is None:
                continue
            if not buffer._is_initialized():
                removed.append((layer, name, buffer))
            elif not paddle.is_floating_point(buffer):
                removed.append((layer, name, buffer.to(device.paddle)))
            else:
                continue
            del layer._buffers[name]
    try:
        yield
    finally:
        for layer, name, buffer in removed:
            layer._buffers[name] = buffer
        for layer in {id(layer): layer for layer, _, _ in removed}.values():
            buffers = {name: layer._buffers.pop(name) for name in orders[id(layer)]}
            layer._buffers.update(buffers)


def to_paddle(array: np.ndarray, device: Device):
    import paddle

    return paddle.to_tensor(array, place=device.paddle)


def to_torch(array: np.ndarray, device: Device):
    import torch

    return torch.from_numpy(np.ascontiguousarray(array)).to(device.torch)


# --- CUDA determinism ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Switch:
    """One process-wide switch: how to read and write it, and the value parity needs."""

    framework: str  # "torch" | "paddle" | "env"
    name: str
    wanted: Any
    why: str
    get: Callable[[], Any]
    set: Callable[[Any], None]


@dataclass(frozen=True)
class AppliedSwitch:
    framework: str
    name: str
    before: Any
    value: Any
    why: str


@dataclass(frozen=True)
class DeterminismReport:
    applied: tuple[AppliedSwitch, ...]
    unavailable: tuple[str, ...]  # switches this build does not have (e.g. CUDA flags in a CPU wheel)

    def lines(self) -> list[str]:
        out = [f"{s.framework:<6} {s.name} = {s.value!r} (was {s.before!r}): {s.why}" for s in self.applied]
        out += [f"skip   {name}: not present in this build" for name in self.unavailable]
        return out


def _env_switch(name: str, wanted: str, why: str) -> Switch:
    def set_env(value):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    return Switch("env", name, wanted, why, lambda: os.environ.get(name), set_env)


def _attribute_switch(owner: Any, attribute: str, label: str, wanted: Any, why: str) -> Switch:
    return Switch(
        "torch",
        label,
        wanted,
        why,
        lambda: getattr(owner, attribute),
        lambda value: setattr(owner, attribute, value),
    )


def torch_switches() -> list[Switch]:
    import torch

    backends = torch.backends
    switches = []
    # torch >= 2.9 has per-operator fp32_precision; mixing it with the legacy allow_tf32 flags is an
    # error there, so use the new API when it exists and the legacy one otherwise.
    conv = getattr(backends.cudnn, "conv", None)
    if hasattr(backends.cuda.matmul, "fp32_precision") and hasattr(conv, "fp32_precision"):
        ieee = "ieee"
        switches += [
            _attribute_switch(backends.cuda.matmul, "fp32_precision", "cuda.matmul.fp32_precision", ieee,
                              "no TF32 in cuBLAS matmuls"),
            _attribute_switch(conv, "fp32_precision", "cudnn.conv.fp32_precision", ieee,
                              "no TF32 in cuDNN convolutions"),
            _attribute_switch(backends.cudnn.rnn, "fp32_precision", "cudnn.rnn.fp32_precision", ieee,
                              "no TF32 in cuDNN RNNs"),
        ]  # fmt: skip
    else:
        switches += [
            _attribute_switch(backends.cuda.matmul, "allow_tf32", "cuda.matmul.allow_tf32", False,
                              "no TF32 in cuBLAS matmuls"),
            _attribute_switch(backends.cudnn, "allow_tf32", "cudnn.allow_tf32", False,
                              "no TF32 in cuDNN convolutions"),
        ]  # fmt: skip
    switches += [
        _attribute_switch(backends.cudnn, "deterministic", "cudnn.deterministic", True,
                          "deterministic cuDNN algorithms"),
        _attribute_switch(backends.cudnn, "benchmark", "cudnn.benchmark", False,
                          "no autotuning: the algorithm must not change between runs"),
        Switch("torch", "use_deterministic_algorithms", True,
               "error out instead of running a nondeterministic kernel",
               torch.are_deterministic_algorithms_enabled, torch.use_deterministic_algorithms),
    ]  # fmt: skip
    return switches


# Flags defined only in CUDA builds of Paddle (paddle/common/flags.cc); a CPU wheel has none of them,
# so each is looked up first and skipped when absent.
PADDLE_FLAGS = (
    ("FLAGS_cudnn_deterministic", True, "deterministic cuDNN algorithms"),
    ("FLAGS_embedding_deterministic", 1, "deterministic embedding gradient kernel"),
    ("FLAGS_cudnn_exhaustive_search", False, "no autotuning of convolution algorithms"),
    ("FLAGS_cudnn_batchnorm_spatial_persistent", False, "no atomics-based BatchNorm reduction"),
    ("FLAGS_use_autotune", False, "no kernel autotuning"),
)


def _paddle_flag_switch(name: str, wanted: Any, why: str) -> Switch:
    import paddle

    return Switch(
        "paddle",
        name,
        wanted,
        why,
        lambda: paddle.get_flags(name)[name],
        lambda value: paddle.set_flags({name: value}),
    )


def _paddle_flag_exists(name: str) -> bool:
    import paddle

    try:
        paddle.get_flags(name)
    except ValueError:
        return False
    return True


def paddle_switches() -> tuple[list[Switch], list[str]]:
    from paddle.base import core

    present, missing = [], []
    for name, wanted, why in PADDLE_FLAGS:
        if _paddle_flag_exists(name):
            present.append(_paddle_flag_switch(name, wanted, why))
        else:
            missing.append(name)
    # core.set_cublas_switch / set_cudnn_switch are Paddle's TF32 switches (SetAllowTF32Cublas/Cudnn).
    for label, getter, setter, why in (
        ("tf32 cublas switch", "get_cublas_switch", "set_cublas_switch", "no TF32 in cuBLAS matmuls"),
        ("tf32 cudnn switch", "get_cudnn_switch", "set_cudnn_switch", "no TF32 in cuDNN convolutions"),
    ):
        if hasattr(core, getter) and hasattr(core, setter):
            present.append(Switch("paddle", label, False, why, getattr(core, getter), getattr(core, setter)))
        else:
            missing.append(label)
    return present, missing


def env_switches() -> list[Switch]:
    return [
        # Read when cuBLAS initialises: effective only if set before the first CUDA call.
        _env_switch("CUBLAS_WORKSPACE_CONFIG", ":4096:8", "deterministic cuBLAS workspaces"),
        _env_switch("NVIDIA_TF32_OVERRIDE", "0", "driver-level TF32 off for every library"),
    ]


def cuda_switches() -> tuple[list[Switch], list[str]]:
    paddle_present, missing = paddle_switches()
    return env_switches() + torch_switches() + paddle_present, missing


@contextlib.contextmanager
def applied(switches: list[Switch], unavailable: list[str] = ()) -> Iterator[DeterminismReport]:
    """Set every switch to its wanted value; restore all previous values on exit (also on error)."""
    done: list[tuple[Switch, Any]] = []
    try:
        for switch in switches:
            before = switch.get()
            switch.set(switch.wanted)
            done.append((switch, before))
        yield DeterminismReport(
            applied=tuple(AppliedSwitch(s.framework, s.name, b, s.wanted, s.why) for s, b in done),
            unavailable=tuple(unavailable),
        )
    finally:
        for switch, before in reversed(done):
            switch.set(before)


@contextlib.contextmanager
def determinism(device: Device) -> Iterator[DeterminismReport]:
    """CUDA: TF32 off and deterministic kernels on both sides.

    The CPU needs no switch: its kernels are deterministic, and whichever torch runs (oneDNN or its
    native kernels; docs/verify.md measures both) the float32 check judges that kernel's own
    rounding. Verifying with the user's setting judges what the user runs.
    """
    if device.kind != "cuda":
        with applied([]) as report:
            yield report
        return
    switches, missing = cuda_switches()
    with applied(switches, missing) as report:
        yield report
