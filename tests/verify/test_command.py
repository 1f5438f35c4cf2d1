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
    assert out.startswith("PaddleMLP: PASS  (float64 + float32, cpu, seed 0, input 2x4")
    assert "verdict   PASS, held by the float64 proof and float32 rounding check" in out


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
    assert result["decided_by"] == "held by the float64 proof"
    backward = result["sections"]["backward"]
    assert list(backward["checks"]) == ["float64"]  # --dtype float64: one pass, the proof alone
    grads = {t["name"]: t["shape"] for t in backward["checks"]["float64"]["tensors"]}
    assert grads["fc1.weight"] == [5, 4]  # torch layout: Paddle's [4, 5] gradient transposed back
    assert len(result["train"]["losses"]["float64"]) == 2


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
    assert data["results"][0]["failed_checks"] == ["forward float64", "forward float32"]


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
    rows = [line.split()[:2] for line in out.splitlines()[1:3]]
    assert rows == [["lenet", "PASS"], ["LeNet", "PASS"]]  # the factory, then the class


def test_a_file_without_models_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "helpers.py"
    path.write_text("import paddle\n\ndef scale(x):\n    return paddle.scale(x, 2.0)\n")
    assert _run([str(path), "--input-shape", "1"]) == 2
    assert "defines no paddle.nn.Layer subclass to verify" in capsys.readouterr().err


# -- a model that cannot be imported, built or run: exit 2, one paragraph naming the side -------------

FAILING_MODELS = textwrap.dedent(
    """
    import paddle
    import torch


    class PaddleNet(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.fc = paddle.nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x)


    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 3)

        def forward(self, x):
            return self.fc(x)


    class PaddleRaises(PaddleNet):
        def __init__(self):
            raise RuntimeError("no weights for this config")


    class TorchRaises(TorchNet):
        def __init__(self):
            raise RuntimeError("no weights for this config")
    """
)


@pytest.fixture
def failing_file(tmp_path):
    path = tmp_path / "failing.py"
    path.write_text(FAILING_MODELS)
    return path


@pytest.mark.parametrize(
    ("paddle", "torch", "shape", "message"),
    [
        pytest.param(
            "PaddleRaises", "TorchNet", "2,4",
            "building the Paddle model PaddleRaises failed: RuntimeError: no weights for this config",
            id="paddle-init-raises",
        ),
        pytest.param(
            "PaddleNet", "TorchRaises", "2,4",
            "building the torch model PaddleNet failed: RuntimeError: no weights for this config",
            id="torch-init-raises",
        ),
        pytest.param(
            "PaddleNet", "TorchNet", "2,5",
            "running the Paddle model PaddleNet on input [2, 5] failed: ValueError: (InvalidArgument)",
            id="input-does-not-fit",
        ),
    ],
)  # fmt: skip
def test_a_model_that_cannot_be_built_or_run_exits_2_naming_the_side(
    failing_file, capsys, paddle, torch, shape, message
):
    argv = [
        "--paddle",
        f"{failing_file}:{paddle}",
        "--torch",
        f"{failing_file}:{torch}",
        "--input-shape",
        shape,
    ]
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"porter verify: error: {message}"), err
    assert "Traceback" not in err and err.rstrip().endswith("(--debug shows the traceback)")
    assert err.count("\n") == 1  # one paragraph

    assert _run([*argv, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and str(failing_file) in err
    assert err.splitlines()[-1].startswith(f"porter verify: error: {message}")


def test_a_model_file_that_fails_to_import_names_the_option(tmp_path, failing_file, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import paddle\nraise ImportError('needs a GPU build')\n")
    argv = ["--paddle", f"{broken}:Net", "--torch", f"{failing_file}:TorchNet", "--input-shape", "2,4"]
    assert _run(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"porter verify: error: --paddle {broken}:Net: importing {broken} failed: ImportError"
    )


def test_a_script_that_exits_at_import_is_reported_not_obeyed(tmp_path, failing_file, capsys):
    script = tmp_path / "script.py"
    script.write_text("import sys\nsys.exit(3)\n")
    argv = ["--paddle", f"{failing_file}:PaddleNet", "--torch", f"{script}:Net", "--input-shape", "2,4"]
    assert _run(argv) == 2
    assert "--torch " in capsys.readouterr().err


def test_verifying_a_file_says_it_runs_it_and_leaves_no_temporary_files(tmp_path, monkeypatch, capsys):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    model = tmp_path / "net.py"
    model.write_text(FAILING_MODELS.split("class TorchNet")[0].replace("import torch\n", ""))
    assert _run([str(model), "--input-shape", "2,4"]) == 0
    err = capsys.readouterr().err
    assert f"importing {model} and its conversion runs their top-level code" in err
    assert list(scratch.iterdir()) == []
    assert _run([str(model), "--input-shape", "2,5"]) == 2  # and after a failure too
    assert list(scratch.iterdir()) == []


def test_a_file_whose_conversion_needs_porter_helpers_is_verified(tmp_path, capsys):
    model = tmp_path / "legacy.py"
    model.write_text(
        textwrap.dedent(
            """
            import paddle.nn as nn

            class Net(nn.Layer):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 8)
                    self.bn = nn.BatchNorm(8, act="relu")  # no torch layer fuses the activation: a helper

                def forward(self, x):
                    return self.bn(self.fc(x))
            """
        )
    )
    assert _run([str(model), "--input-shape", "3,4"]) == 0, capsys.readouterr()
    assert capsys.readouterr().out.startswith("Net: PASS")
