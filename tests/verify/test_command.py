"""`porter verify` CLI: targets, user pairs from modules or files, exit codes and JSON."""

import json
import textwrap

import pytest

from porter.loading import model_names
from porter.verify import command

PAIR_FILE = textwrap.dedent(
    """
    import paddle
    import torch


    class PaddleMLP(paddle.nn.Layer):
        def __init__(self, width=8):
            super().__init__()
            self.fc1 = paddle.nn.Linear(4, width)
            self.act = paddle.nn.ReLU()
            self.fc2 = paddle.nn.Linear(width, 3)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))


    class TorchMLP(torch.nn.Module):
        def __init__(self, width=8):
            super().__init__()
            self.fc1 = torch.nn.Linear(4, width)
            self.act = torch.nn.ReLU()
            self.fc2 = torch.nn.Linear(width, 3)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))


    class BrokenTorchMLP(TorchMLP):
        def __init__(self, width=8):
            super().__init__(width)
            self.act = torch.nn.Tanh()
    """
)


@pytest.fixture
def pair_file(tmp_path):
    path = tmp_path / "my_port.py"
    path.write_text(PAIR_FILE)
    return path


def _run(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="porter")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["verify", *argv])
    return args.func(args)


def test_user_pair_from_a_file_passes(pair_file, capsys):
    code = _run(
        ["--paddle", f"{pair_file}:PaddleMLP", "--torch", f"{pair_file}:TorchMLP", "--input-shape", "2,4"]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.startswith("PaddleMLP: PASS  (float32, cpu, seed 0, input 2x4")


def test_kwargs_reach_both_factories_and_json_is_strict(pair_file, tmp_path):
    report = tmp_path / "report.json"
    code = _run(
        [
            "--paddle", f"{pair_file}:PaddleMLP", "--torch", f"{pair_file}:TorchMLP", "--input-shape", "3,4",
            "--kwargs", '{"width": 5}', "--dtype", "float64", "--backward", "--train-steps", "2",
            "--json", str(report),
        ]
    )  # fmt: skip
    assert code == 0
    data = json.loads(report.read_text(), parse_constant=pytest.fail)  # no NaN/Infinity literals
    (result,) = data["results"]
    assert data["passed"] and result["verdict"] == "PASS"
    assert result["settings"]["dtype"] == "float64"
    grads = {t["name"]: t["shape"] for t in result["gradients"]["tensors"]}
    assert grads["fc1.weight"] == [5, 4]  # torch layout: Paddle's [4, 5] gradient transposed back
    assert len(result["train"]["losses"]) == 2


def test_broken_pair_exits_1_and_names_the_layer(pair_file, tmp_path, capsys):
    report = tmp_path / "report.json"
    code = _run(
        [
            "--paddle", f"{pair_file}:PaddleMLP", "--torch", f"{pair_file}:BrokenTorchMLP", "--input-shape", "2,4",
            "--json", str(report),
        ]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1
    assert "first divergent layer: act (paddle ReLU, torch Tanh)" in out
    data = json.loads(report.read_text(), parse_constant=pytest.fail)
    assert data["results"][0]["divergence"]["first_divergent_layer"]["key"] == "act"


def test_dotted_module_specs_work(capsys):
    code = _run(
        [
            "--paddle", "reference_models.paddle.lenet:lenet", "--torch", "reference_models.torch.lenet:lenet",
            "--input-shape", "1,1,28,28",
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param([], "nothing to verify", id="no-target"),
        pytest.param(["vgg17"], "unknown model 'vgg17'", id="unknown-model"),
        pytest.param(["--paddle", "a:b"], "give both --paddle and --torch", id="one-side"),
        pytest.param(["--paddle", "a:b", "--torch", "c:d"], "need --input-shape", id="no-shape"),
        pytest.param(
            ["lenet", "--input-shape", "1,x"], "--input-shape must be comma-separated", id="bad-shape"
        ),
        pytest.param(["lenet", "--kwargs", "[1]"], "--kwargs must be a JSON object", id="kwargs-not-object"),
        pytest.param(["lenet", "--kwargs", "{"], "--kwargs is not valid JSON", id="kwargs-not-json"),
        pytest.param(
            ["all", "--input-shape", "1,3,8,8"], "--input-shape applies to one model", id="shape-with-all"
        ),
        pytest.param(
            ["--paddle", "nowhere.py:A", "--torch", "nowhere.py:B", "--input-shape", "1"],
            "no such file",
            id="missing-file",
        ),
        pytest.param(["lenet", "--device", "cuda"], "--device cuda needs a CUDA device", id="no-cuda"),
        pytest.param(["lenet", "--train-steps", "-1"], "--train-steps must be >= 0", id="negative-steps"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv, message, capsys):
    import torch

    if "cuda" in argv and torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert _run(argv) == 2
    assert message in capsys.readouterr().err


def test_model_discovery_in_a_paddle_file():
    source = textwrap.dedent(
        """
        import paddle
        from paddle import nn

        class Block(nn.Layer):
            def __init__(self, c): super().__init__()

        class Net(Block):
            def __init__(self, num_classes=10): super().__init__(3)

        class Helper:
            pass

        def net50(num_classes=10):
            return Net(num_classes)

        def train():
            return 3
        """
    )
    assert model_names(source) == (["Block", "Net"], ["net50"])


def test_a_paddle_file_is_converted_then_each_model_verified(capsys):
    from pathlib import Path

    lenet_file = Path(__file__).parents[2] / "reference_models" / "paddle" / "lenet.py"
    code = _run([str(lenet_file), "--input-shape", "1,1,28,28"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = [line.split()[:2] for line in out.splitlines()[1:]]
    assert rows == [["lenet", "PASS"], ["LeNet", "PASS"]]  # the factory, then the class


def test_a_file_without_models_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "helpers.py"
    path.write_text("import paddle\n\ndef scale(x):\n    return paddle.scale(x, 2.0)\n")
    assert _run([str(path), "--input-shape", "1"]) == 2
    assert "defines no paddle.nn.Layer subclass to verify" in capsys.readouterr().err
