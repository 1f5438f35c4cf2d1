"""Start-up: a command imports what it needs and no more. `porter --help` and `porter convert` never import
torch or paddle (seconds of start-up), and convert not numpy either. Which modules load is checked, not how
long they take: the timings are in bench/performance.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

FRAMEWORKS = ("torch", "paddle")
_PROBE = """
import json, sys
from porter.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps([code, sorted({name.split(".")[0] for name in sys.modules})]), file=sys.__stderr__)
"""


def loaded_by(*argv: str, cwd=None) -> tuple[int, set[str]]:
    """Exit code and top-level packages imported by ``porter ARGV``, in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, cwd=cwd, check=False
    )
    code, modules = json.loads(completed.stderr.strip().splitlines()[-1])
    return code, set(modules)


@pytest.mark.parametrize(
    "argv", [["--help"], ["--version"], ["convert", "--help"], ["report", "merge", "--help"]]
)
def test_help_imports_no_framework(argv):
    code, modules = loaded_by(*argv)
    assert code == 0
    assert modules.isdisjoint(FRAMEWORKS), sorted(modules & set(FRAMEWORKS))


def test_converting_a_file_or_a_tree_imports_neither_framework_nor_numpy(tmp_path):
    (tmp_path / "src").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "src" / name).write_text("import paddle\ny = paddle.concat([a, b], axis=1)\n")
    for argv in (["convert", "src/a.py"], ["convert", "src", "-o", "out", "--jobs", "2"]):
        code, modules = loaded_by(*argv, cwd=tmp_path)
        assert code == 0
        assert "libcst" in modules  # the probe sees what the conversion loaded
        assert modules.isdisjoint((*FRAMEWORKS, "numpy")), (argv, sorted(modules & {*FRAMEWORKS, "numpy"}))
    assert (tmp_path / "out" / "b.py").read_text() == "import torch\ny = torch.cat([a, b], dim=1)\n"


def test_the_weights_package_loads_its_transfer_code_on_first_use():
    """`from porter.weights import plan_transfer` keeps working (docs/weights.md), at the cost of torch only
    then."""
    probe = (
        "import sys, porter.weights as w; before = 'torch' in sys.modules; w.plan_transfer; "
        "print(before, 'torch' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.split() == ["False", "True"]
