"""Notebooks: code cells converted as one module, everything else kept, diagnostics named by cell."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pytest

from porter.convert.notebook import convert_notebook
from tests.convert.test_command import run

CELLS = [
    ("markdown", "# A Paddle tutorial\nWe build a tensor."),
    ("code", "%matplotlib inline\nimport numpy as np\nimport paddle"),
    ("code", "!pip install paddlepaddle\nx = paddle.to_tensor(np.arange(6, dtype='float32').reshape(2, 3))"),
    ("code", "y = paddle.concat([x, x], axis=1)\nz = paddle.not_an_api(y)"),
    ("code", "%%bash\necho paddle"),
    ("code", "total = float(y.sum())"),
]


def _notebook(cells=CELLS, *, outputs=True) -> str:
    notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )
    for kind, source in cells:
        if kind == "markdown":
            notebook.cells.append(nbformat.v4.new_markdown_cell(source))
            continue
        cell = nbformat.v4.new_code_cell(source, execution_count=1)
        if outputs:
            cell.outputs = [nbformat.v4.new_output("stream", text="paddle output\n")]
        notebook.cells.append(cell)
    return nbformat.writes(notebook) + "\n"


def _sources(text: str) -> list[str]:
    return [cell.source for cell in nbformat.reads(text, as_version=4).cells]


def test_code_cells_convert_as_one_module_and_the_rest_is_kept():
    result = convert_notebook(_notebook(), path="t.ipynb")
    assert result.status.value == "needs_attention"
    sources = _sources(result.output)
    assert sources[0] == CELLS[0][1]  # markdown
    # magic restored; a use stays Paddle (the TODO), so `paddle` becomes the helpers' stand-in
    assert sources[1] == (
        "%matplotlib inline\nimport numpy as np\nimport torch\nimport porter_helpers\n"
        'paddle = porter_helpers.Unconverted("paddle")'
    )
    assert sources[2] == (
        "!pip install paddlepaddle\nx = torch.tensor(np.arange(6, dtype='float32').reshape(2, 3))"
    )  # the import in cell 2 resolves paddle in cell 3, as the kernel would
    assert sources[3].startswith("y = torch.cat([x, x], dim=1)\n# porter: TODO(unknown-api)")
    assert sources[4] == "%%bash\necho paddle"  # a cell magic is not Python: kept
    after = nbformat.reads(result.output, as_version=4)
    assert after.metadata.kernelspec.name == "python3"
    assert [len(cell.get("outputs", [])) for cell in after.cells] == [0, 1, 1, 1, 1, 1]  # outputs kept
    assert result.output.endswith("}\n")
    shown = [str(d) for d in result.diagnostics if d.needs_attention]
    assert shown == [
        "t.ipynb:cell 2:3:8: warning helper uses porter_helpers.Unconverted, written into porter_helpers.py "
        "beside the converted code: Paddle names left unconverted are bound to stand-ins that raise when used",
        "t.ipynb:cell 4:2:5: error unknown-api paddle.not_an_api is not in the mapping table",
        "t.ipynb:cell 5:1:1: warning not-python cell is not Python (a cell magic or other IPython syntax): "
        "left unchanged",
    ]


def test_converted_cells_compute_what_the_paddle_cells_computed():
    cells = [(kind, source.replace("\nz = paddle.not_an_api(y)", "")) for kind, source in CELLS]
    result = convert_notebook(_notebook(cells), path="t.ipynb")
    runnable = [s for s in _sources(result.output)[1:] if not s.startswith("%%")]
    original = [s for s in _sources(_notebook(cells))[1:] if not s.startswith("%%")]

    def execute(sources):
        namespace: dict = {}
        for source in sources:
            code = "\n".join(line for line in source.splitlines() if not line.startswith(("%", "!")))
            exec(compile(code, "cell", "exec"), namespace)
        return namespace["total"]

    assert "paddle" not in "".join(runnable).replace("!pip install paddlepaddle", "")
    np.testing.assert_allclose(execute(runnable), execute(original))


def test_clear_outputs_clears_the_converted_notebooks_outputs(tmp_path):
    path = tmp_path / "t.ipynb"
    path.write_text(_notebook())
    code, out, err = run(str(path), "--clear-outputs")
    assert code == 0, err
    cells = nbformat.reads(out, as_version=4).cells
    assert all(
        cell.outputs == [] and cell.execution_count is None for cell in cells if cell.cell_type == "code"
    )


def test_a_notebook_without_paddle_is_byte_identical_and_a_second_pass_changes_nothing(tmp_path):
    plain = _notebook([("markdown", "x"), ("code", "import numpy as np\n%time np.ones(3)")]).replace(
        "\n", "\r\n"
    )
    assert convert_notebook(plain, path="p.ipynb").output == plain
    once = convert_notebook(_notebook(), path="t.ipynb").output
    assert convert_notebook(once, path="t.ipynb").output == once


def test_a_notebook_given_as_the_path_or_in_a_tree_is_converted(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/t.ipynb").write_text(_notebook())
    code, out, err = run(str(tmp_path / "src/t.ipynb"))
    assert code == 0 and "torch.cat" in out, err
    assert f"{tmp_path / 'src/t.ipynb'}:cell 4:2:5: error unknown-api" in err
    code, _, err = run(str(tmp_path / "src"), "-o", str(tmp_path / "out"), "--report", "json")
    assert code == 0
    assert "torch.cat" in (tmp_path / "out/t.ipynb").read_text()
    assert (tmp_path / "out/porter_helpers.py").exists()  # the stand-in for the TODO's paddle
    (entry,) = json.loads(err)["files"]
    assert entry["path"] == "t.ipynb" and entry["status"] == "needs_attention"
    errors = [d for d in entry["diagnostics"] if d["severity"] == "error"]
    assert [(d["path"], d["line"], d["col"]) for d in errors] == [("t.ipynb:cell 4", 2, 5)]


def test_diff_names_the_cells(tmp_path):
    (tmp_path / "t.ipynb").write_text(_notebook())
    code, out, _ = run(str(tmp_path / "t.ipynb"), "--diff")
    assert code == 0
    assert f"--- a/{tmp_path / 't.ipynb'}:cell 2\n" in out and "+import torch\n" in out
    assert "cell 1" not in out and "cell 5" not in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("{not json", "not a Jupyter notebook: NotJSONError", id="not-json"),
        pytest.param('{"cells": 3}', "not a Jupyter notebook", id="not-a-notebook"),
    ],
)
def test_a_broken_notebook_fails_clearly_and_is_not_written(tmp_path, text, message):
    path = tmp_path / "bad.ipynb"
    path.write_text(text)
    code, out, err = run(str(path), "-o", str(tmp_path / "out.ipynb"))
    assert code == 2 and out == "" and message in err and "Traceback" not in err
    assert not (tmp_path / "out.ipynb").exists() and path.read_text() == text
