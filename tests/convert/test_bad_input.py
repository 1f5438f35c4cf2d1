"""docs/bad-input.md as tests: nothing of the user's is lost or changed unless asked, and every input gets a
defined outcome, a clear message and the documented exit code."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from porter.convert import files
from tests.convert.test_command import PADDLE, TORCH, run, run_bytes

PADDLE_CRLF = PADDLE.replace("\n", "\r\n").encode()
PLAIN_CRLF = b"import numpy as np\r\nx = np.ones(3)  # keep\r\n\r\ny = 2\n"  # mixed endings


def _tree(root, files_: dict[str, str | bytes]):
    for name, content in files_.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


# -- nothing of the user's is lost -----------------------------------------------------------------


def test_an_output_tree_containing_the_input_is_refused_and_nothing_is_written(tmp_path):
    # tree a/ holds a/m.py and a/a/m.py: mirrored into a's parent, a/a/m.py would land on a/m.py.
    _tree(tmp_path, {"a/m.py": PADDLE, "a/a/m.py": "import paddle\nz = paddle.ones([2])\n"})
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    code, _, err = run(str(tmp_path / "a"), "-o", str(tmp_path))
    assert code == 2 and f"{tmp_path} contains the input tree" in err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == before


@pytest.mark.parametrize("layout", ["file", "tree", "tree-other-file"])
def test_a_report_file_that_is_an_input_is_refused(tmp_path, layout):
    _tree(tmp_path, {"src/m.py": PADDLE, "src/notes.txt": "mine"})
    target = {"file": "src/m.py", "tree": "src/m.py", "tree-other-file": "src/notes.txt"}[layout]
    path = tmp_path / ("src/m.py" if layout == "file" else "src")
    code, _, err = run(str(path), "-o", str(tmp_path / "out"), "--report-file", str(tmp_path / target))
    assert code == 2 and "is an input file" in err
    assert (tmp_path / "src/m.py").read_text() == PADDLE and (
        tmp_path / "src/notes.txt"
    ).read_text() == "mine"
    assert not (tmp_path / "out").exists()


def test_a_report_file_the_output_would_overwrite_is_refused_and_one_beside_it_is_fine(tmp_path):
    _tree(tmp_path, {"src/m.py": PADDLE})
    code, _, err = run(
        str(tmp_path / "src"), "-o", str(tmp_path / "out"), "--report-file", str(tmp_path / "out/m.py")
    )
    assert code == 2 and "would be overwritten by the converted output" in err
    code, _, _ = run(
        str(tmp_path / "src"), "-o", str(tmp_path / "out"), "--report-file", str(tmp_path / "out/r.txt")
    )
    assert code == 0 and (tmp_path / "out/m.py").read_text() == TORCH
    assert (tmp_path / "out/r.txt").read_text().startswith("Converted 1 files")


def test_modes_are_kept_on_every_write(tmp_path):
    _tree(tmp_path, {"src/run.py": PADDLE, "src/data.sh": "echo\n", "src/plain.py": "x = 1\n"})
    for name, mode in (("run.py", 0o755), ("data.sh", 0o750), ("plain.py", 0o640)):
        (tmp_path / "src" / name).chmod(mode)
    assert run(str(tmp_path / "src"), "-o", str(tmp_path / "out"))[0] == 0
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "out").iterdir()}
    assert modes == {"run.py": 0o755, "data.sh": 0o750, "plain.py": 0o640}
    assert run(str(tmp_path / "src/run.py"), "-o", str(tmp_path / "single.py"))[0] == 0
    assert stat.S_IMODE((tmp_path / "single.py").stat().st_mode) == 0o755
    assert run(str(tmp_path / "src/run.py"), "--in-place")[0] == 0
    assert (tmp_path / "src/run.py").read_text() == TORCH
    assert stat.S_IMODE((tmp_path / "src/run.py").stat().st_mode) == 0o755
    assert run("-", "-o", str(tmp_path / "new.py"), stdin=PADDLE)[0] == 0  # a new file: the umask decides
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == files.new_file_mode()


def test_line_endings_survive_byte_for_byte(tmp_path):
    _tree(tmp_path, {"src/m.py": PADDLE_CRLF, "src/plain.py": PLAIN_CRLF})
    assert run(str(tmp_path / "src"), "-o", str(tmp_path / "out"))[0] == 0
    assert (tmp_path / "out/plain.py").read_bytes() == PLAIN_CRLF  # reported unchanged: byte-identical
    assert (tmp_path / "out/m.py").read_bytes() == TORCH.replace("\n", "\r\n").encode()
    code, out, _ = run_bytes("-", stdin=PLAIN_CRLF)
    assert (code, out) == (0, PLAIN_CRLF)


def test_encodings_survive_a_pep263_cookie_and_a_byte_order_mark(tmp_path):
    latin = "# -*- coding: latin-1 -*-\n# café\nimport paddle\ny = paddle.concat([a, b], axis=1)\n"
    bom = "\ufeffimport numpy as np\r\n# café\r\n"
    _tree(tmp_path, {"src/latin.py": latin.encode("latin-1"), "src/bom.py": bom.encode("utf-8")})
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"))
    assert code == 0, err
    expected = "# -*- coding: latin-1 -*-\n# café\nimport torch\ny = torch.cat([a, b], dim=1)\n"
    assert (tmp_path / "out/latin.py").read_bytes() == expected.encode("latin-1")
    assert (tmp_path / "out/bom.py").read_bytes() == bom.encode("utf-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"import paddle\nname = 'caf\xe9'\n", "line 2: byte b'\\xe9' is not valid utf-8", id="latin1-no-cookie"),
        pytest.param(b"# coding: klingon\nx = 1\n", "unknown encoding", id="unknown-cookie"),
    ],
)  # fmt: skip
def test_undecodable_input_is_a_clear_error_on_stdin_and_in_a_tree(tmp_path, data, message):
    code, out, err = run_bytes("-", stdin=data)
    assert code == 2 and out == b"" and "Traceback" not in err
    assert "<stdin>:1:1: error encoding" in err and message in err
    _tree(tmp_path, {"src/odd.py": data, "src/m.py": PADDLE})
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"))
    assert code == 2 and "odd.py:1:1: error encoding" in err
    assert (tmp_path / "out/odd.py").read_bytes() == data and (tmp_path / "out/m.py").read_text() == TORCH


# -- symlinks: followed, and said so ---------------------------------------------------------------


def test_symlinked_directories_and_files_are_followed_and_loops_reported(tmp_path):
    _tree(tmp_path, {"shared/blocks.py": PADDLE, "src/m.py": PADDLE})
    (tmp_path / "src/blocks").symlink_to(tmp_path / "shared", target_is_directory=True)
    (tmp_path / "src/alias.py").symlink_to("m.py")
    (tmp_path / "src/pkg").mkdir()
    (tmp_path / "src/pkg/up").symlink_to("..", target_is_directory=True)
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"), "--report", "json")
    assert code == 0, err
    out = tmp_path / "out"
    for name in ("m.py", "alias.py", "blocks/blocks.py"):
        assert (out / name).read_text() == TORCH and not (out / name).is_symlink(), name
    report = {f["path"]: f for f in json.loads(err)["files"]}
    assert report["pkg/up"]["status"] == "skipped"
    assert report["pkg/up"]["diagnostics"][0]["code"] == "symlink-loop"
    notes = {
        path: [d["message"] for d in f["diagnostics"] if d["code"] == "symlink"] for path, f in report.items()
    }
    assert notes["alias.py"] == ["reached through alias.py -> m.py; written as a file"]
    assert notes["blocks/blocks.py"][0].startswith("reached through blocks -> ")


def test_in_place_keeps_symlinks_modes_and_a_backup(tmp_path):
    _tree(tmp_path, {"real/m.py": PADDLE, "src/own.py": PADDLE})
    (tmp_path / "real/m.py").chmod(0o751)
    (tmp_path / "src/link.py").symlink_to(tmp_path / "real/m.py")
    code, _, err = run(str(tmp_path / "src"), "--in-place", "--backup", ".orig")
    assert code == 0, err
    assert (tmp_path / "src/link.py").is_symlink() and (tmp_path / "real/m.py").read_text() == TORCH
    assert stat.S_IMODE((tmp_path / "real/m.py").stat().st_mode) == 0o751
    assert (tmp_path / "src/link.py.orig").read_text() == PADDLE
    assert (tmp_path / "src/own.py.orig").read_text() == PADDLE and (
        tmp_path / "src/own.py"
    ).read_text() == TORCH
    # A second run changes nothing, so it writes no backup over the first one's.
    assert run(str(tmp_path / "src"), "--in-place", "--backup", ".orig")[0] == 0
    assert (tmp_path / "src/own.py.orig").read_text() == PADDLE


def test_an_existing_backup_is_never_overwritten(tmp_path):
    _tree(tmp_path, {"m.py": PADDLE, "m.py.bak": "older backup\n"})
    code, _, err = run(str(tmp_path / "m.py"), "--in-place", "--backup", ".bak")
    assert code == 2 and "the backup" in err and "exists already" in err
    assert (tmp_path / "m.py").read_text() == PADDLE and (
        tmp_path / "m.py.bak"
    ).read_text() == "older backup\n"


@pytest.mark.parametrize(
    "argv",
    [["--backup", ".bak"], ["--in-place", "--backup", ""], ["--in-place", "--backup", "x/y"]],
    ids=["without-in-place", "empty", "slash"],
)
def test_bad_backup_suffixes_are_usage_errors(tmp_path, argv):
    (tmp_path / "m.py").write_text(PADDLE)
    code, _, err = run(str(tmp_path / "m.py"), *argv)
    assert code == 2 and "--backup SUFFIX" in err


# -- every input gets an outcome; the run always finishes with a complete report -------------------


def test_special_files_are_skipped_and_reported_without_hanging(tmp_path):
    _tree(tmp_path, {"src/m.py": PADDLE})
    os.mkfifo(tmp_path / "src/pipe.py")
    completed = subprocess.run(
        [sys.executable, "-m", "porter", "convert", str(tmp_path / "src"), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "pipe.py:1:1: warning special-file a named pipe, not a regular file: skipped" in completed.stderr
    assert "(1 skipped)" in completed.stderr and (tmp_path / "out/m.py").read_text() == TORCH
    code, _, err = run(str(tmp_path / "src/pipe.py"))
    assert code == 2 and "is a named pipe, not a file" in err


def test_an_unreadable_file_is_in_the_report_and_the_rest_is_converted(tmp_path, monkeypatch):
    _tree(tmp_path, {"src/a.py": PADDLE, "src/secret.py": PADDLE, "src/z.py": PADDLE})
    real_read = files.read_bytes

    def read_bytes(path):
        if path.name == "secret.py":  # tests run as root, which chmod 000 does not stop
            raise PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(files, "read_bytes", read_bytes)
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"), "--report", "json")
    assert code == 2
    report = {f["path"]: f for f in json.loads(err)["files"]}
    assert report["secret.py"]["status"] == "failed"
    assert report["secret.py"]["diagnostics"][0]["message"] == "cannot read: Permission denied"
    assert (tmp_path / "out/a.py").read_text() == TORCH and (tmp_path / "out/z.py").read_text() == TORCH


@pytest.mark.parametrize("layout", ["file", "tree"])
def test_a_failed_write_is_reported_and_leaves_no_temporary_file(tmp_path, monkeypatch, layout):
    _tree(tmp_path, {"src/m.py": PADDLE, "src/data.txt": "x"})
    (tmp_path / "out").mkdir()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    source = tmp_path / ("src/m.py" if layout == "file" else "src")
    code, _, err = run(str(source), "-o", str(tmp_path / "out" / ("m.py" if layout == "file" else "")))
    assert code == 2 and "cannot write" in err and "No space left on device" in err
    assert list((tmp_path / "out").rglob("*")) == []


def test_exit_codes(tmp_path):
    todo = "import paddle\ny = paddle.not_an_api(x)\n"
    assert run("-", stdin=PADDLE)[0] == 0
    assert run("-", stdin=todo)[0] == 0
    assert run("-", "--strict", stdin=todo)[0] == 1
    assert run("-", stdin="def (:\n")[0] == 2
    assert run(str(tmp_path / "missing.py"))[0] == 2


# -- the converter core: every valid input converts, every invalid one is placed right ---------------


@pytest.mark.parametrize(
    ("source", "line", "col", "message"),
    [
        pytest.param("x = 1\ny = (\n", 2, 5, "'(' was never closed", id="unclosed-paren"),
        pytest.param("a = 1\nb = [1, 2\nc = 3\n", 2, 5, "'[' was never closed", id="unclosed-bracket"),
        pytest.param("import paddle\nprint 'hi'\n", 2, 1, "Missing parentheses in call to 'print'", id="python2-print"),
        pytest.param("x = 1\n  y = 2\n", 2, 2, "unexpected indent", id="indent"),
        pytest.param("x = 1\ny = 2 +\nz = 3\n", 2, 8, "invalid syntax", id="dangling-operator"),
    ],
)  # fmt: skip
def test_syntax_errors_are_reported_where_python_reports_them(source, line, col, message):
    code, out, err = run("-", stdin=source)
    assert code == 2 and out == ""
    assert f"<stdin>:{line}:{col}: error parse-error not valid Python: {message}" in err


def test_a_500_term_expression_converts_and_the_tree_run_finishes(tmp_path):
    long = "import paddle\nt = " + " + ".join(["'s'"] * 500) + "\ny = paddle.concat([a, b], axis=1)\n"
    _tree(tmp_path, {"src/long.py": long, "src/m.py": PADDLE})
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"))
    assert code == 0, err[-2000:]
    assert (tmp_path / "out/long.py").read_text() == long.replace("import paddle", "import torch").replace(
        "paddle.concat([a, b], axis=1)", "torch.cat([a, b], dim=1)"
    )
    assert (tmp_path / "out/m.py").read_text() == TORCH


@pytest.mark.parametrize("alias", ["P", "pd", "paddle_"])
def test_every_alias_of_the_root_module_converts_and_runs(alias):
    source = f"import paddle as {alias}\nx = {alias}.to_tensor([[1.0, -2.0]])\ny = {alias}.abs({alias}.concat([x, x], axis=0))\n"
    code, out, err = run("-", stdin=source)
    assert code == 0, err
    assert out.startswith(f"import torch as {alias}\n")
    namespace: dict = {}
    exec(compile(out, "converted", "exec"), namespace)
    assert namespace["y"].tolist() == [[1.0, 2.0], [1.0, 2.0]]
