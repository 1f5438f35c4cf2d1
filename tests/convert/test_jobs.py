"""Trees converted by several processes, in shards, and their reports merged: the same output, byte for byte,
and the same report, in the same order, as one process converting the whole tree."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys

import nbformat
import pytest

from porter.convert import helpers, parallel, tree
from porter.convert.command import ProgressBar
from tests.convert.test_command import PADDLE, run

# One of each outcome a tree can hold: converted, TODO, helper, unchanged, failed (syntax, encoding),
# a notebook, a copied data file, a symlinked file, a relative import inside a package.
NOTEBOOK = nbformat.writes(
    nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import paddle\nx = paddle.ones([2])")])
)
TREE: dict[str, str | bytes] = {
    "a_first.py": PADDLE,
    "b_todo.py": "import paddle\ny = paddle.not_an_api(x)\n",
    "c_plain.py": "import os\nprint(os.sep)\n",
    "d_broken.py": "import paddle\ndef (:\n",
    "e_latin1.py": b"import paddle\nname = '\xe9'\n",
    "notes.ipynb": NOTEBOOK,
    "data/config.json": '{"lr": 0.1}\n',
    "__pycache__/a_first.cpython-311.pyc": b"\x00",  # never converted nor copied, listed or not
    "pkg/__init__.py": "from .layers import Block\n",
    "pkg/layers.py": (
        "import paddle.nn as nn\n\nclass Block(nn.Layer):\n    def __init__(self):\n        super().__init__()\n"
        "        self.bn = nn.BatchNorm(4, act='relu')\n        self.fc = nn.Linear(4, 2)\n"
    ),
    "pkg/sub/deep.py": "from .. import layers\nimport paddle\nz = paddle.concat([a, b], axis=0)\n",
    "z_last.py": "import paddle.nn.functional as F\ny = F.relu(x)\n",
}


def _make(root, files=TREE):
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    os.symlink("a_first.py", root / "y_link.py")
    (root / "z_last.py").chmod(0o755)
    return root


def _snapshot(root):
    """Every file under ``root``: relative path -> (bytes, mode)."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _convert(tmp_path, name, *argv):
    out = tmp_path / name
    code, stdout, err = run(str(tmp_path / "src"), *argv)
    return code, stdout, err, out


@pytest.mark.parametrize("jobs", ["2", "3", "16"])
def test_jobs_give_the_output_and_the_report_of_one_job(tmp_path, jobs):
    _make(tmp_path / "src")
    one = _convert(tmp_path, "one", "-o", str(tmp_path / "one"), "--jobs", "1", "--report", "json")
    many = _convert(tmp_path, "many", "-o", str(tmp_path / "many"), "--jobs", jobs, "--report", "json")
    assert one[0] == many[0] == 2  # two files fail to convert
    assert many[2] == one[2]  # the report, in the same order
    files = [item["path"] for item in json.loads(one[2])["files"]]
    assert files == sorted(files) and len(files) == 11
    assert _snapshot(tmp_path / "many") == _snapshot(tmp_path / "one")
    assert helpers.FILENAME in _snapshot(tmp_path / "one")
    text_one = run(str(tmp_path / "src"), "--diff", "--jobs", "1")
    assert run(str(tmp_path / "src"), "--diff", "--jobs", jobs) == text_one  # diffs and text report
    assert "+import torch" in text_one[1]


def test_in_place_with_jobs_writes_what_one_job_writes(tmp_path):
    for name in ("one", "many"):
        _make(tmp_path / name)
    one, many = (
        run(str(tmp_path / name), "--in-place", "--jobs", jobs)
        for name, jobs in (("one", "1"), ("many", "2"))
    )
    assert many == one
    assert _snapshot(tmp_path / "many") == _snapshot(tmp_path / "one")


def test_workers_convert_the_files_and_get_the_table_loaded(tmp_path, monkeypatch):
    if parallel.context().get_start_method() != "fork":
        pytest.skip("the probe is injected into forked workers")
    _make(tmp_path / "src")
    real = tree._convert

    def convert(options, task):
        (tmp_path / f"pid{os.getpid()}").touch()
        return real(options, task)

    monkeypatch.setattr(tree, "_convert", convert)
    started = []
    real_map = parallel.ordered_map

    def ordered_map(function, tasks, workers, context, initializer, initargs):
        started.append((workers, initargs[0].table))
        return real_map(function, tasks, workers, context, initializer, initargs)

    monkeypatch.setattr(parallel, "ordered_map", ordered_map)
    options = tree.ConvertOptions(str(tmp_path / "src"), output=str(tmp_path / "out"), jobs=2)
    assert len(tree.convert_path(options, stdin=None, stdout=None).report.files) == 11
    assert [(workers, table is not None) for workers, table in started] == [
        (2, True)
    ]  # loaded before the fork
    workers = {path.name for path in tmp_path.glob("pid*")}
    assert workers and f"pid{os.getpid()}" not in workers


def test_a_worker_that_dies_loses_nothing(tmp_path, monkeypatch):
    """A worker killed mid-file (memory, a native crash): its file and the rest are converted here."""
    if parallel.context().get_start_method() != "fork":
        pytest.skip("the crash is injected into forked workers")
    _make(tmp_path / "src")
    parent = os.getpid()
    real = tree._convert

    def crash_in_a_worker(options, task):
        if os.getpid() != parent and task.shown == "b_todo.py":
            os._exit(9)
        return real(options, task)

    one = run(str(tmp_path / "src"), "-o", str(tmp_path / "one"), "--jobs", "1", "--report", "json")
    monkeypatch.setattr(tree, "_convert", crash_in_a_worker)
    many = run(str(tmp_path / "src"), "-o", str(tmp_path / "many"), "--jobs", "2", "--report", "json")
    assert many == one
    assert _snapshot(tmp_path / "many") == _snapshot(tmp_path / "one")


def test_jobs_must_be_a_positive_number(capsys):
    for value in ("0", "-1", "two"):
        with pytest.raises(SystemExit) as exit_info:
            run("-", "--jobs", value)
        assert exit_info.value.code == 2
        assert "expected a whole number of processes, at least 1" in capsys.readouterr().err


# -- shards: --files-from, then porter report merge -------------------------------------------------


def _shards(root, count):
    """What a CI matrix would do: every file of the tree, dealt round-robin into ``count`` lists."""
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())
    return ["\n".join(paths[i::count]) + "\n" for i in range(count)]


def test_shards_merged_give_the_tree_and_the_report_of_one_run(tmp_path):
    source = _make(tmp_path / "src")
    whole = run(str(source), "-o", str(tmp_path / "whole"), "--report", "json")
    combined = tmp_path / "combined"
    reports = []
    for index, listing in enumerate(_shards(source, 3)):
        (tmp_path / f"shard{index}.txt").write_text(listing)
        out, report = tmp_path / f"out{index}", tmp_path / f"report{index}.json"
        argv = ["-o", str(out), "--files-from", str(tmp_path / f"shard{index}.txt"), "--report", "json"]
        code, _, err = run(str(source), *argv, "--report-file", str(report))
        assert code in (0, 2) and err == ""  # 2: the shard holds a file that fails
        reports.append(str(report))
        for name, (data, mode) in _snapshot(out).items():  # the CI job's artifacts, gathered in one tree
            if name != helpers.FILENAME:
                (combined / name).parent.mkdir(parents=True, exist_ok=True)
                (combined / name).write_bytes(data)
                (combined / name).chmod(stat.S_IMODE(mode))
    code, merged, err = _merge(*reports, "--report", "json", "--helpers-into", str(combined))
    assert (code, err) == (2, "")
    assert merged == whole[2]
    assert _snapshot(combined) == _snapshot(tmp_path / "whole")
    code, text, _ = _merge(*reports)
    assert text == run(str(source), "-o", str(tmp_path / "again"))[2]  # the text report too


def test_files_from_takes_directories_absolute_paths_and_stdin(tmp_path):
    source = _make(tmp_path / "src")
    listing = f"pkg\n\n./a_first.py\n{source / 'pkg/layers.py'}\n"
    argv = ["-o", str(tmp_path / "out"), "--files-from", "-", "--report", "json"]
    code, _, report = run(str(source), *argv, stdin=listing)
    assert code == 0
    converted = ["a_first.py", "pkg/__init__.py", "pkg/layers.py", "pkg/sub/deep.py"]
    assert [item["path"] for item in json.loads(report)["files"]] == converted
    assert sorted(_snapshot(tmp_path / "out")) == [*converted, helpers.FILENAME]


def test_files_from_refuses_paths_outside_the_tree_and_reports_missing_ones(tmp_path):
    source = _make(tmp_path / "src")
    (tmp_path / "outside.txt").write_text("../secret.py\n")
    code, _, err = run(
        str(source), "-o", str(tmp_path / "out"), "--files-from", str(tmp_path / "outside.txt")
    )
    assert code == 2 and "--files-from: ../secret.py is outside the tree" in err
    assert not (tmp_path / "out").exists()  # refused before anything was written
    (tmp_path / "missing.txt").write_text("a_first.py\ngone.py\n")
    code, _, err = run(
        str(source), "-o", str(tmp_path / "out"), "--files-from", str(tmp_path / "missing.txt")
    )
    assert code == 2 and "gone.py:1:1: error read-error No such file or directory" in err
    assert sorted(_snapshot(tmp_path / "out")) == ["a_first.py"]
    code, _, err = run(str(source / "a_first.py"), "--files-from", str(tmp_path / "missing.txt"))
    assert code == 2 and "--files-from goes with a directory" in err
    code, _, err = run(str(source), "--diff", "--files-from", str(tmp_path / "nowhere.txt"))
    assert code == 2 and "--files-from" in err and "No such file or directory" in err


def test_merge_refuses_overlapping_shards_and_what_is_not_a_report(tmp_path):
    source = _make(tmp_path / "src")
    report = tmp_path / "r.json"
    run(str(source), "--diff", "--report", "json", "--report-file", str(report))
    code, _, err = _merge(str(report), str(report))
    assert code == 2 and "a_first.py is in two reports: the shards overlap" in err
    (tmp_path / "bad.json").write_text('{"files": [{"path": 1}]}')
    code, _, err = _merge(str(tmp_path / "bad.json"))
    assert code == 2 and "bad.json: not a porter convert JSON report" in err
    code, _, err = _merge(str(tmp_path / "none.json"))
    assert code == 2 and "none.json: No such file or directory" in err


def _merge(*argv):
    from porter.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(["report", "merge", *argv])
    finally:
        sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


# -- the progress bar ------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_redraws_one_line_and_clears_it():
    terminal = _Terminal()
    bar = ProgressBar(terminal)
    bar(1, 4, "a.py")
    bar(4, 4, "b.py")
    bar.close()
    frames = terminal.getvalue().split("\r")
    assert frames[1].startswith("converting [######                  ] 1/4 a.py")
    assert frames[2].startswith("converting [########################] 4/4 b.py")
    assert frames[-2].strip() == "" and frames[-1] == ""  # the line is blank again, the cursor at its start


def test_a_terminal_shows_the_progress_bar_then_the_report(tmp_path):
    pty = pytest.importorskip("pty")
    _make(tmp_path / "src")
    main, terminal = pty.openpty()
    argv = [sys.executable, "-m", "porter", "convert", str(tmp_path / "src"), "-o", str(tmp_path / "out")]
    with subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=terminal
    ) as process:
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
    os.close(main)
    text = shown.decode()
    assert process.returncode == 2
    assert "converting [" in text and "12/12 z_last.py" in text
    cleared = text.rindex("\r", 0, text.index("Converted "))
    assert text[text.rindex("\r", 0, cleared) + 1 : cleared].strip() == ""  # the bar's line blanked first


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    _make(tmp_path / "src")
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"))
    assert "\r" not in err and "converting [" not in err
