"""Converted code needs torch and nothing of porter or paddle (issue 12, item 2; issue 11, item 1).

One process is started where neither can be imported (tests/torch_only_runner.py, ``python -I``, both
refused by an import hook), and in it:
- the converted reference models and the converted paddle.vision.models tree (one factory per source
  file, as `porter convert` writes them, porter_helpers.py included) import, build and run forward;
- every golden test's output runs its imports and finds every dotted name it reads through them;
- a converted package using every helper imports and runs, and in a module with a TODO only the call
  that reaches the unconverted statement fails, naming the API.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from porter import coverage, models
from porter.convert import helpers
from porter.convert.engine import convert_source
from porter.convert.tree import ConvertOptions, convert_path

REPO = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).with_name("torch_only_runner.py")

DEMO = {
    "__init__.py": "",
    "blocks.py": """
        import paddle
        import paddle.nn as nn
        import paddle.nn.functional as F
        from paddle.utils.download import get_weights_path_from_url
        from paddle.vision.ops import ConvNormActivation


        def uniform(scale):
            return paddle.ParamAttr(initializer=nn.initializer.Uniform(-scale, scale))


        class Net(nn.Layer):
            def __init__(self):
                super().__init__()
                self.stem = ConvNormActivation(3, 8, activation_layer=nn.Hardswish)
                self.norm = nn.BatchNorm(8, act="relu")
                self.gate = nn.Hardsigmoid()
                self.drop = nn.Dropout(0.5, mode="downscale_in_infer")
                self.head = nn.Linear(8, 4, weight_attr=uniform(0.1))

            def forward(self, x):
                x = self.gate(self.norm(self.stem(x)))
                x = F.hardsigmoid(x, slope=0.2, offset=0.5)
                return self.head(self.drop(x.mean(axis=[2, 3])))


        def run(x):
            net = Net()
            net.eval()
            return net(x)


        def stem(norm):
            return ConvNormActivation(3, 4, norm_layer=norm)


        def weights(url):
            return get_weights_path_from_url(url)
        """,
    "todo.py": """
        import paddle

        SCALE = 2.0


        def double(x):
            return x * SCALE


        def unported(x):
            return paddle.not_an_api(x)
        """,
}


def _convert(source: Path, output: Path) -> None:
    outcome = convert_path(
        ConvertOptions(str(source), output=str(output)), stdin=io.StringIO(), stdout=io.StringIO()
    )
    assert outcome.io_errors == [] and outcome.report.failed == 0


def _golden_outputs(directory: Path) -> list[str]:
    """The outputs of every golden table in tests/convert (``{id: (paddle source, ...)}``), as files.

    Golden tests compare these texts; here they meet a process without paddle and porter."""
    directory.mkdir()
    sources = []
    for path in sorted((REPO / "tests" / "convert").glob("test_*.py")):
        module = importlib.import_module(f"tests.convert.{path.stem}")
        for table in vars(module).values():
            if isinstance(table, dict):
                sources += [
                    value[0]
                    for value in table.values()
                    if isinstance(value, tuple)
                    and value
                    and isinstance(value[0], str)
                    and "paddle" in value[0]
                ]
    files, used = [], set()
    for index, source in enumerate(sources):
        result = convert_source(textwrap.dedent(source).lstrip("\n"))
        if result.status.value == "failed":  # not Python (the table tests' TOML)
            continue
        used.update(result.helpers)
        files.append(directory / f"golden_{index}.py")
        files[-1].write_text(result.output, encoding="utf-8")
    (directory / helpers.FILENAME).write_text(helpers.render(used), encoding="utf-8")
    assert len(files) > 150 and "Unconverted" in used
    return [str(path) for path in files]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("torch_only")
    demo = root / "paddle_src" / "helper_demo"
    for name, text in DEMO.items():
        (demo / name).parent.mkdir(parents=True, exist_ok=True)
        (demo / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    _convert(demo, root / "torch_only_demo")
    _convert(REPO / "reference_models" / "paddle", root / "torch_only_reference_models")
    _convert(coverage.models_source(), root / "torch_only_vision_models")
    reference = [
        [
            pair.paddle_factory.split(":")[0].rsplit(".", 1)[1],
            f"{pair.paddle_factory.split(':')[1]}(**{pair.kwargs!r})",
            pair.input_shape,
        ]
        for pair in models.all_pairs()
    ]
    vision = [
        ["", case.call, case.input_shape]
        for case in coverage.cases()
        if case.factory in coverage.ONE_PER_FILE
    ]
    jobs = [
        {"kind": "models", "root": str(root), "package": "torch_only_reference_models", "builds": reference},
        {"kind": "models", "root": str(root), "package": "torch_only_vision_models", "builds": vision},
        {"kind": "imports", "root": str(root / "golden"), "files": _golden_outputs(root / "golden")},
        {
            "kind": "calls",
            "root": str(root),
            "package": "torch_only_demo",
            "calls": [
                ["blocks", "list(run(__import__('torch').ones(2, 3, 8, 8)).shape) == [2, 4] or 1 / 0", ""],
                [
                    "blocks",
                    "list(stem(None)(__import__('torch').ones(1, 3, 5, 5)).shape) == [1, 4, 5, 5] or 1 / 0",
                    "",
                ],
                ["todo", "double(3) == 6.0 or 1 / 0", ""],
                ["todo", "unported(1)", "NotImplementedError: paddle.not_an_api was not converted"],
            ],
        },
    ]
    (root / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    completed = subprocess.run(
        [sys.executable, "-I", str(RUNNER), str(root / "jobs.json")],
        capture_output=True,
        text=True,
        check=False,
        env={**env, "OMP_NUM_THREADS": "1"},
        cwd=root,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _failures(results: dict[str, str], part: str) -> dict[str, str]:
    chosen = {key: value for key, value in results.items() if part in key}
    assert chosen, f"nothing ran for {part}"
    return {key: value for key, value in chosen.items() if value}


def test_paddle_and_porter_cannot_be_imported_there(results):
    assert _failures(results, "<") == {}


def test_converted_reference_models_build_and_run(results):
    assert _failures(results, "torch_only_reference_models") == {}


def test_converted_vision_models_build_and_run(results):
    assert _failures(results, "torch_only_vision_models") == {}


def test_golden_outputs_import_what_they_name(results):
    assert _failures(results, f"{os.sep}golden_") == {}


def test_every_helper_runs_and_a_todo_fails_only_where_it_is_reached(results):
    assert _failures(results, "torch_only_demo") == {}
