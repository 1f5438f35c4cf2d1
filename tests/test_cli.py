"""The CLI frame: subcommands are wired and `porter list` shows every registry pair."""

import subprocess
import sys

import pytest

from porter import models
from porter.cli import main


def test_list_shows_all_eight_pairs(capsys):
    assert main(["list"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["vgg", "googlenet", "resnet50", "resnet101", "resnet152", "lenet", "alexnet", "nin"]
    assert listed == models.names()


def test_unknown_model_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown model 'vgg17'; known: vgg, googlenet"):
        models.get("vgg17")


@pytest.mark.parametrize("subcommand", ["convert", "weights", "verify", "coverage", "list"])
def test_every_subcommand_has_help(subcommand, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([subcommand, "--help"])
    assert exit_info.value.code == 0
    assert f"porter {subcommand}" in capsys.readouterr().out


def test_python_dash_m_porter_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "porter", "--version"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert completed.stdout.startswith("porter ")


def test_an_internal_error_exits_2_with_the_traceback(monkeypatch, capsys):
    from porter import models

    def broken():
        raise AttributeError("porter bug")

    monkeypatch.setattr(models, "all_pairs", broken)
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "AttributeError: porter bug" in err
    assert err.rstrip().endswith(
        "porter list: internal error (a bug in porter; please report it with the traceback above)"
    )
