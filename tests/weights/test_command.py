"""`porter weights` end to end, in-process through porter.cli.main."""

from __future__ import annotations

import os
import pickle
import textwrap

import numpy as np
import paddle
import pytest
import torch

from porter import models
from porter.cli import main
from porter.weights.io import load_state
from tests.weights.helpers import randomize_paddle

PADDLE_SOURCE = textwrap.dedent(
    """
    import paddle
    import paddle.nn as nn


    class Net(nn.Layer):
        def __init__(self, classes=3):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2D(1, 4, 3, padding=1), nn.BatchNorm2D(4), nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2D(1)
            self.fc = nn.Linear(4, classes)

        def forward(self, x):
            x = self.pool(self.features(x))
            return self.fc(paddle.flatten(x, 1))
    """
)

# A hand port that renamed two modules: needs --rename.
TORCH_SOURCE = textwrap.dedent(
    """
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self, classes=3):
            super().__init__()
            self.backbone = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Linear(4, classes)

        def forward(self, x):
            return self.head(torch.flatten(self.pool(self.backbone(x)), 1))
    """
)
RENAME = '{"backbone": "features", "head": "fc"}'


@pytest.fixture
def project(tmp_path):
    """Model files and a real paddle.save checkpoint of the Paddle model with random weights."""
    (tmp_path / "paddle_net.py").write_text(PADDLE_SOURCE)
    (tmp_path / "torch_net.py").write_text(TORCH_SOURCE)
    namespace: dict = {}
    exec(compile(PADDLE_SOURCE, "paddle_net.py", "exec"), namespace)
    layer = randomize_paddle(namespace["Net"](classes=5))
    paddle.save(layer.state_dict(), str(tmp_path / "net.pdparams"))
    return tmp_path, layer


def _expected_forward(layer, x):
    layer.eval()
    return layer(paddle.to_tensor(x)).numpy()


def _torch_forward(path, state, x):
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    model = namespace["Net"](classes=5)
    model.load_state_dict(state, strict=True)
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def test_hand_port_with_rename_writes_safetensors_next_to_the_input(project, capsys):
    root, layer = project
    code = main(
        [
            "weights",
            str(root / "net.pdparams"),
            "--paddle-model",
            f"{root / 'paddle_net.py'}:Net",
            "--torch-model",
            f"{root / 'torch_net.py'}:Net",
            "--rename",
            RENAME,
            "--kwargs",
            '{"classes": 5}',
        ]
    )
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.startswith(f"wrote {root / 'net.safetensors'}: 9 torch tensors from 8 Paddle tensors")
    assert "(1 transposed, 0 joined, 1 torch-only filled, 0 RNN aliases checked)" in out
    state = load_state(root / "net.safetensors")
    source = layer.state_dict()
    np.testing.assert_array_equal(state["head.weight"].numpy(), source["fc.weight"].numpy().T)
    np.testing.assert_array_equal(
        state["backbone.1.running_var"].numpy(), source["features.1._variance"].numpy()
    )
    x = np.random.default_rng(0).standard_normal((2, 1, 6, 6)).astype("float32")
    np.testing.assert_allclose(
        _torch_forward(root / "torch_net.py", state, x), _expected_forward(layer, x), rtol=1e-5, atol=1e-6
    )


def test_rename_from_a_json_file_and_pt_output(project):
    root, _ = project
    (root / "rename.json").write_text(RENAME)
    out = root / "out" / "net.pt"
    out.parent.mkdir()
    argv = ["weights", str(root / "net.pdparams"), "--paddle-model", f"{root / 'paddle_net.py'}:Net"]
    argv += ["--torch-model", f"{root / 'torch_net.py'}:Net", "--rename", str(root / "rename.json")]
    assert main([*argv, "--kwargs", '{"classes": 5}', "-o", str(out)]) == 0
    loaded = torch.load(out, weights_only=True)
    assert type(loaded) is dict and loaded["backbone.1.num_batches_tracked"].item() == 0


def test_without_torch_model_the_paddle_source_is_converted(project, capsys):
    root, layer = project
    out = root / "converted.safetensors"
    argv = ["weights", str(root / "net.pdparams"), "--paddle-model", f"{root / 'paddle_net.py'}:Net"]
    assert main([*argv, "--kwargs", '{"classes": 5}', "-o", str(out)]) == 0, capsys.readouterr().err
    state = load_state(out)
    np.testing.assert_array_equal(state["fc.weight"].numpy(), layer.state_dict()["fc.weight"].numpy().T)


def test_registry_models_by_dotted_module(tmp_path):
    paddle.seed(3)
    from reference_models.paddle.lenet import lenet

    layer = lenet()
    paddle.save(layer.state_dict(), str(tmp_path / "lenet.pdparams"))
    argv = [
        "weights",
        str(tmp_path / "lenet.pdparams"),
        "--paddle-model",
        "reference_models.paddle.lenet:lenet",
    ]
    assert main([*argv, "--torch-model", "reference_models.torch.lenet:lenet"]) == 0
    state = load_state(tmp_path / "lenet.safetensors")
    for key, value in layer.state_dict().items():
        torch_key = key.replace("._mean", ".running_mean").replace("._variance", ".running_var")
        expected = value.numpy().T if value.ndim == 2 else value.numpy()
        np.testing.assert_array_equal(state[torch_key].numpy(), expected)


# -- errors: exit 2, a clear message, nothing written ---------------------------------------------


def _run(project_root, *extra, pdparams="net.pdparams"):
    argv = [
        "weights",
        str(project_root / pdparams),
        "--paddle-model",
        f"{project_root / 'paddle_net.py'}:Net",
    ]
    argv += ["--torch-model", f"{project_root / 'torch_net.py'}:Net", "--kwargs", '{"classes": 5}', *extra]
    return main(argv)


def test_unmatched_keys_are_listed_with_shapes(project, capsys):
    root, _ = project
    assert _run(root) == 2
    err = capsys.readouterr().err
    assert err.startswith("porter weights: error: Paddle and torch state dicts do not match")
    assert "backbone.0.weight [4, 1, 3, 3] (expected Paddle key 'backbone.0.weight')" in err
    assert "features.0.weight [4, 1, 3, 3]" in err and "fc.weight [4, 5]" in err
    assert not (root / "net.safetensors").exists()


def test_checkpoint_for_another_model_is_refused(project, capsys):
    root, _ = project
    assert (
        main(["weights", str(root / "net.pdparams"), "--paddle-model", f"{root / 'paddle_net.py'}:Net"]) == 2
    )
    err = capsys.readouterr().err
    assert "the checkpoint does not fit the Paddle model" in err and "fc.weight [4, 5] -> [4, 3]" in err


def test_crafted_checkpoint_is_refused_and_runs_nothing(project, capsys):
    root, _ = project
    marker = root / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (root / "evil.pdparams").write_bytes(pickle.dumps({"fc.weight": Payload()}))
    assert _run(root, "--rename", RENAME, pdparams="evil.pdparams") == 2
    assert "refused to load global posix.system" in capsys.readouterr().err
    assert not marker.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param(["--kwargs", "{classes: 5}"], "--kwargs is not valid JSON", id="bad-kwargs"),
        pytest.param(
            ["--rename", "rename.json"], "--rename: cannot read rename.json", id="rename-file-missing"
        ),
        pytest.param(
            ["--rename", '{"a": ' + '"x" ' * 200 + "}"], "--rename is not valid JSON", id="long-bad-json"
        ),
        pytest.param(["--rename", '{"head": 1}'], "--rename values must be strings", id="rename-not-strings"),
        pytest.param(["--rename", RENAME, "-o", "x.bin"], "unknown output format '.bin'", id="bad-suffix"),
    ],
)
def test_bad_arguments(project, capsys, extra, message):
    root, _ = project
    assert _run(root, *extra) == 2
    assert message in capsys.readouterr().err


def test_missing_input_and_missing_model(project, capsys):
    root, _ = project
    assert _run(root, pdparams="absent.pdparams") == 2
    assert "absent.pdparams" in capsys.readouterr().err
    argv = ["weights", str(root / "net.pdparams"), "--paddle-model", f"{root / 'nowhere.py'}:Net"]
    assert main(argv) == 2
    assert "no such file" in capsys.readouterr().err


def test_swapped_model_options_are_a_clear_error(project, capsys):
    root, _ = project
    argv = ["weights", str(root / "net.pdparams"), "--paddle-model", f"{root / 'torch_net.py'}:Net"]
    assert main([*argv, "--kwargs", '{"classes": 5}']) == 2
    err = capsys.readouterr().err
    assert "--paddle-model built a " in err and err.rstrip().endswith("Net, not a paddle.nn.Layer")


def test_output_over_the_input_is_refused(project, capsys):
    root, _ = project
    before = (root / "net.pdparams").read_bytes()
    target = root / "net.pt"
    (root / "net.pdparams").rename(target)
    assert _run(root, "--rename", RENAME, "-o", str(target), pdparams="net.pt") == 2
    assert "refusing to overwrite the input file" in capsys.readouterr().err
    assert target.read_bytes() == before


@pytest.mark.parametrize("name", ["lenet", "resnet50"])
def test_converted_registry_model_gets_the_same_weights_as_the_hand_port(tmp_path, name):
    pair = models.get(name)
    paddle.seed(5)
    paddle.save(pair.build_paddle().state_dict(), str(tmp_path / "m.pdparams"))
    base = ["weights", str(tmp_path / "m.pdparams"), "--paddle-model", pair.paddle_factory]
    assert main([*base, "-o", str(tmp_path / "converted.safetensors")]) == 0
    assert main([*base, "--torch-model", pair.torch_factory, "-o", str(tmp_path / "hand.safetensors")]) == 0
    converted, hand = (
        load_state(tmp_path / "converted.safetensors"),
        load_state(tmp_path / "hand.safetensors"),
    )
    assert converted.keys() == hand.keys()
    for key in hand:
        assert torch.equal(converted[key], hand[key]), key


def test_a_model_that_cannot_be_imported_or_built_exits_2_naming_the_side(project, capsys):
    root, _ = project
    (root / "raising.py").write_text(
        PADDLE_SOURCE
        + "\n\nclass Raises(Net):\n    def __init__(self, classes=3):\n        raise RuntimeError('config missing')\n"
    )
    (root / "broken.py").write_text("import torch\nraise ImportError('needs a GPU build')\n")
    base = ["weights", str(root / "net.pdparams"), "--kwargs", '{"classes": 5}']
    assert main([*base, "--paddle-model", f"{root / 'raising.py'}:Raises"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "porter weights: error: building the Paddle model failed: RuntimeError: config missing"
    )
    assert "Traceback" not in err and err.count("\n") == 1
    argv = [
        *base,
        "--paddle-model",
        f"{root / 'paddle_net.py'}:Net",
        "--torch-model",
        f"{root / 'broken.py'}:Net",
    ]
    assert main([*argv, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ImportError: needs a GPU build" in err
    assert err.splitlines()[-1].startswith(
        f"porter weights: error: --torch-model {root / 'broken.py'}:Net: importing"
    )
    assert not (root / "net.safetensors").exists()


def test_the_converted_model_file_is_removed_afterwards(project, monkeypatch):
    import tempfile

    root, _ = project
    scratch = root / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    argv = ["weights", str(root / "net.pdparams"), "--paddle-model", f"{root / 'paddle_net.py'}:Net"]
    assert main([*argv, "--kwargs", '{"classes": 5}', "-o", str(root / "out.pt")]) == 0
    assert list(scratch.iterdir()) == []


def test_a_crafted_big_parameter_entry_is_exit_2_without_a_traceback(project, capsys):
    root, _ = project
    crafted = {
        "w@@.0": np.zeros(3, dtype="float32"),
        "UnpackBigParamInfor@@": {"w": {"slices": 7}},
    }  # typos: disable-line
    (root / "crafted.pdparams").write_bytes(pickle.dumps(crafted, protocol=2))
    assert _run(root, "--rename", RENAME, pdparams="crafted.pdparams") == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("porter weights: error: ") and "split parameter 'w'" in err and "Traceback" not in err
    )
