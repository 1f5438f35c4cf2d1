"""Output files: safetensors by default, .pt readable with weights_only=True, atomic, never over the input."""

from __future__ import annotations

import json
import os
import struct

import pytest
import torch

from porter.weights.io import OutputError, load_state, save_state


def _state():
    weight = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    return {"fc.weight": weight.t(), "fc.bias": torch.ones(3), "bn.num_batches_tracked": torch.tensor(0)}


@pytest.mark.parametrize("name", ["out.safetensors", "out.pt", "out.pth"])
def test_written_state_reads_back_equal(tmp_path, name):
    state = _state()
    path = save_state(state, tmp_path / name, source="model.pdparams")
    loaded = load_state(path)
    assert set(loaded) == set(state)
    for key, tensor in state.items():
        assert loaded[key].dtype == tensor.dtype
        assert torch.equal(loaded[key], tensor)


def test_pt_file_is_a_plain_dict_for_weights_only_load(tmp_path):
    path = save_state(_state(), tmp_path / "out.pt")
    loaded = torch.load(path, weights_only=True)
    assert type(loaded) is dict
    assert loaded["fc.weight"].is_contiguous()


def test_safetensors_metadata_names_porter_and_the_source(tmp_path):
    path = save_state(_state(), tmp_path / "out.safetensors", source="model.pdparams")
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    metadata = json.loads(data[8 : 8 + size])["__metadata__"]
    assert metadata["format"] == "pt"
    assert metadata["producer"].startswith("porter ")
    assert metadata["source"] == "model.pdparams"


def test_tensors_sharing_storage_are_written_separately(tmp_path):
    shared = torch.randn(4, 4)
    path = save_state({"embed.weight": shared, "head.weight": shared}, tmp_path / "tied.safetensors")
    loaded = load_state(path)
    assert torch.equal(loaded["embed.weight"], shared) and torch.equal(loaded["head.weight"], shared)


def test_refuses_to_overwrite_the_input(tmp_path):
    source = tmp_path / "weights.pt"
    source.write_bytes(b"original")
    with pytest.raises(OutputError, match="refusing to overwrite the input file"):
        save_state(_state(), source, protect=(source,))
    assert source.read_bytes() == b"original"


def test_unknown_suffix_and_missing_directory_are_clear_errors(tmp_path):
    with pytest.raises(OutputError, match=r"unknown output format '\.bin'"):
        save_state(_state(), tmp_path / "out.bin")
    with pytest.raises(OutputError, match="does not exist"):
        save_state(_state(), tmp_path / "missing" / "out.pt")


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.safetensors"
    target.write_bytes(b"previous")

    def broken_save(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("safetensors.torch.save_file", broken_save)
    with pytest.raises(RuntimeError, match="disk full"):
        save_state(_state(), target)
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["out.safetensors"]
