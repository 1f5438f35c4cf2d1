"""Relative imports: those that stay inside the converted tree are kept, those that reach into Paddle
(``from ..ops import X`` in paddle/vision/models) are read as the absolute Paddle import they mean."""

import textwrap

import pytest

from porter.convert.engine import convert_source
from porter.convert.tree import ConvertOptions, convert_path, package_of

PACKAGE = {"package": "paddle.vision.models", "tree_package": "paddle.vision.models"}

CASES = {
    "parent-package-object": (
        "from ..ops import ConvNormActivation\nc = ConvNormActivation(3, 8, norm_layer=norm)\n",
        "from . import porter_helpers\nc = porter_helpers.ConvNormActivation(3, 8, norm_layer=norm)\n",
    ),
    "sibling-stays-relative": (
        "from ._utils import _make_divisible\nfrom ..ops import ConvNormActivation\n",
        "from ._utils import _make_divisible\n",
    ),
    "grandparent-module": (
        "from ... import nn\nr = nn.ReLU()\n",
        "from torch import nn\nr = nn.ReLU()\n",
    ),
}


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_relative_imports_into_paddle(before, after):
    result = convert_source(before, path="t.py", **PACKAGE)
    assert result.output == after


def test_without_a_package_relative_imports_are_left_alone():
    source = "from ..ops import ConvNormActivation\nc = ConvNormActivation(3, 8)\n"
    assert convert_source(source, path="t.py").output == source


def test_package_of_walks_up_init_files(tmp_path):
    inner = tmp_path / "paddle" / "vision" / "models"
    inner.mkdir(parents=True)
    for directory in (inner, inner.parent, inner.parent.parent):
        (directory / "__init__.py").write_text("")
    assert package_of(inner) == "paddle.vision.models"
    assert package_of(tmp_path) is None


def test_tree_conversion_resolves_against_the_input_package(tmp_path):
    models = tmp_path / "paddle" / "vision" / "models"
    models.mkdir(parents=True)
    for directory in (models, models.parent, models.parent.parent):
        (directory / "__init__.py").write_text("")
    (models / "net.py").write_text(
        textwrap.dedent(
            """\
            from ..ops import ConvNormActivation
            from ._utils import helper
            block = ConvNormActivation(3, 8, norm_layer=helper)
            """
        )
    )
    out = tmp_path / "out"
    convert_path(ConvertOptions(path=str(models), output=str(out)), stdin=None, stdout=None)
    assert (out / "net.py").read_text() == (
        "from . import porter_helpers\nfrom ._utils import helper\n"
        "block = porter_helpers.ConvNormActivation(3, 8, norm_layer=helper)\n"
    )
