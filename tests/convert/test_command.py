"""`porter convert` CLI: files, trees, stdin, --diff, --in-place, reports and exit codes."""

import argparse
import io
import json
import sys

import pytest

from porter.convert import command

PADDLE = "import paddle\ny = paddle.concat([a, b], axis=1)\n"
TORCH = "import torch\ny = torch.cat([a, b], dim=1)\n"
TODO = "import paddle\ny = paddle.not_an_api(x)\n"


def run(*argv, stdin: str | bytes = ""):
    """Run ``porter convert ARGV``: (exit code, stdout text, stderr text); stdin/stdout are byte streams."""
    code, out, err = run_bytes(*argv, stdin=stdin.encode() if isinstance(stdin, str) else stdin)
    return code, out.decode("utf-8", "replace"), err


def run_bytes(*argv, stdin: bytes = b""):
    parser = argparse.ArgumentParser(prog="porter")
    command.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["convert", *argv])
    out, err = io.BytesIO(), io.StringIO()
    streams = io.TextIOWrapper(io.BytesIO(stdin)), io.TextIOWrapper(out)
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = *streams, err
    try:
        code = args.func(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
        for stream in streams:
            stream.detach()  # leave the byte buffers open
    return code, out.getvalue(), err.getvalue()


def test_stdin_to_stdout():
    code, out, err = run("-", stdin=PADDLE)
    assert (code, out) == (0, TORCH)
    assert err.startswith("Converted 1 files, 0 items need attention")


def test_file_to_output_file(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(PADDLE)
    code, _, _ = run(str(source), "-o", str(tmp_path / "out.py"))
    assert code == 0 and (tmp_path / "out.py").read_text() == TORCH and source.read_text() == PADDLE


def test_tree_is_mirrored(tmp_path):
    tree = tmp_path / "src"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "__init__.py").write_text("from .model import y\n")
    (tree / "pkg" / "model.py").write_text(PADDLE)
    (tree / "pkg" / "data.json").write_text("{}")
    code, _, err = run(str(tree), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert (tmp_path / "out" / "pkg" / "model.py").read_text() == TORCH
    assert (tmp_path / "out" / "pkg" / "__init__.py").read_text() == "from .model import y\n"
    assert (tmp_path / "out" / "pkg" / "data.json").read_text() == "{}"


def test_refuses_to_write_into_the_input_tree(tmp_path):
    (tmp_path / "m.py").write_text(PADDLE)
    code, _, err = run(str(tmp_path), "-o", str(tmp_path / "out"))
    assert code == 2 and "inside the input tree" in err
    assert not (tmp_path / "out").exists()


def test_in_place_and_diff(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(PADDLE)
    code, out, _ = run(str(source), "--diff")
    assert (
        code == 0 and "-y = paddle.concat([a, b], axis=1)" in out and "+y = torch.cat([a, b], dim=1)" in out
    )
    assert source.read_text() == PADDLE
    assert run(str(source), "--in-place")[0] == 0
    assert source.read_text() == TORCH


def test_strict_exit_code_and_json_report_file(tmp_path):
    assert run("-", stdin=TODO)[0] == 0
    report = tmp_path / "r.json"
    code, out, _ = run("-", "--strict", "--report", "json", "--report-file", str(report), stdin=TODO)
    assert code == 1 and "porter: TODO(unknown-api)" in out
    assert json.loads(report.read_text())["summary"]["attention"] == 2  # the TODO, the stand-in helper


@pytest.mark.parametrize("argv", [["missing.py"], ["-", "--in-place"]])
def test_bad_input_is_exit_2(argv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(*argv)
    assert code == 2 and err.startswith("porter convert: error:")


def test_unparsable_file_is_kept_nothing_is_written_and_exit_2(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text("def (:\n")
    code, out, err = run(str(source))
    assert code == 2 and out == "" and "parse-error" in err
    assert run(str(source), "-o", str(tmp_path / "out.py"))[0] == 2
    assert not (tmp_path / "out.py").exists() and source.read_text() == "def (:\n"
