"""--map-module OLD=NEW: the imports of a user's own package that already has a torch port become the port's."""

from __future__ import annotations

import pytest

from porter.convert.engine import convert_source
from porter.convert.transforms.module_map import ModuleMap
from tests.convert.helpers import assert_noop, codes

P = "import paddle\n"

MAP = ModuleMap.parse(["mymodels.paddle=mymodels.torch", "zoo=zoo_torch"])

MAPPED = {
    "from-import": (
        "from mymodels.paddle.resnet import resnet50\n",
        "from mymodels.torch.resnet import resnet50\n",
    ),
    "from-package-import": (
        "from mymodels.paddle import resnet, vgg\n",
        "from mymodels.torch import resnet, vgg\n",
    ),
    "import-as": ("import mymodels.paddle.resnet as R\n", "import mymodels.torch.resnet as R\n"),
    "import-single-name": ("import zoo\nnet = zoo.build()\n", "import zoo_torch as zoo\nnet = zoo.build()\n"),
    "inside-a-function": (
        "def build():\n    from zoo.nets import Net\n    return Net()\n",
        "def build():\n    from zoo_torch.nets import Net\n    return Net()\n",
    ),
    "next-to-paddle": (
        P + "from zoo import Net\nx = paddle.flatten(y, 1)\n",
        "import torch\nfrom zoo_torch import Net\nx = torch.flatten(y, 1)\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), MAPPED.values(), ids=MAPPED.keys())
def test_map_module_renames_imports_of_a_ported_package(before, after):
    result = convert_source(before, path="t.py", modules=MAP)
    assert result.output == after
    assert [d.code for d in result.diagnostics if d.code == "mapped-module"]
    assert convert_source(result.output, path="t.py", modules=MAP).output == after


@pytest.mark.parametrize(
    "source",
    [
        "from mymodels.paddlex import resnet\n",  # a prefix of a name is not the package
        "from .paddle import resnet\n",  # relative imports stay inside the converted tree
        "import mymodels\n",
        "print('mymodels.paddle')\n",
    ],
)
def test_map_module_leaves_other_imports_alone(source):
    result = convert_source(source, path="t.py", modules=MAP)
    assert result.output == source and result.status.value == "unchanged"


def test_map_module_marks_a_dotted_import_whose_uses_it_cannot_rename():
    source = "import mymodels.paddle.resnet\nnet = mymodels.paddle.resnet.resnet50()\n"
    result = convert_source(source, path="t.py", modules=MAP)
    assert result.output.startswith("# porter: TODO(mapped-module) import mymodels.paddle.resnet binds")
    assert result.output.endswith(source)
    assert codes(result) == ["mapped-module"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("models", "expected OLD=NEW"),
        ("a.b=", "expected OLD=NEW"),
        ("a-b=c", "expected OLD=NEW"),
        ("paddle.vision=tv", "Paddle's own modules"),
        ("a=a", "the same"),
    ],
)
def test_map_module_refuses_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        ModuleMap.parse([spec])


def test_map_module_refuses_one_package_mapped_twice():
    with pytest.raises(ValueError, match="given twice"):
        ModuleMap.parse(["a=b", "a=c"])


def test_without_a_map_such_imports_are_not_touched():
    assert_noop("from mymodels.paddle.resnet import resnet50\nnet = resnet50()\n")


def test_map_module_from_the_command_line(tmp_path):
    from porter.cli import main

    source = tmp_path / "train.py"
    source.write_text(P + "from zoo.nets import Net\nx = paddle.ones([1])\n", encoding="utf-8")
    out = tmp_path / "out.py"
    assert main(["convert", str(source), "-o", str(out), "--map-module", "zoo=zoo_torch"]) == 0
    assert "from zoo_torch.nets import Net" in out.read_text(encoding="utf-8")
    assert main(["convert", str(source), "--map-module", "zoo"]) == 2


def test_map_module_in_a_notebook():
    import nbformat

    from porter.convert.notebook import convert_notebook

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("from zoo.nets import Net\nnet = Net()")]
    result = convert_notebook(nbformat.writes(notebook), path="train.ipynb", modules=MAP)
    assert (
        nbformat.reads(result.output, as_version=4).cells[0].source
        == "from zoo_torch.nets import Net\nnet = Net()"
    )
