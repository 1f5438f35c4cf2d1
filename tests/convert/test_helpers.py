"""The helpers porter writes into converted code, as the user gets them: rendered into porter_helpers.py,
loaded from that file, and checked against the real Paddle constructs (same state-dict layout, same
numbers); and the mechanism that writes them (only what a tree uses, the same text every time).

Each Paddle layer gets random weights *and* random BatchNorm statistics (fresh statistics are 0/1 and
would hide a mix-up), then porter.verify copies them into the helper layer and compares elementwise.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import sys
import textwrap

import numpy as np
import paddle
import pytest
import torch

from porter import __version__
from porter.convert import helpers
from porter.convert.tree import ConvertOptions, convert_path
from porter.verify.parity import verify_pair


def load_rendered(directory, names=tuple(helpers.HELPERS)):
    """``porter_helpers.py`` holding ``names``, written into ``directory`` and imported from there."""
    path = directory / helpers.FILENAME
    path.write_text(helpers.render(names), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"rendered_{directory.name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would (dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return load_rendered(tmp_path_factory.mktemp("helpers"))


def _randomize_statistics(layer: paddle.nn.Layer, seed: int = 1) -> None:
    """Random BatchNorm scale, shift, mean and variance (variance kept positive)."""
    rng = np.random.default_rng(seed)
    for sub in layer.sublayers(include_self=True):
        if not isinstance(sub, paddle.nn.layer.norm._BatchNormBase):
            continue
        for name in ("weight", "bias", "_mean", "_variance"):
            tensor = getattr(sub, name)
            low = 0.5 if name == "_variance" else -1.0
            tensor.set_value(rng.uniform(low, 1.5, tensor.shape).astype("float32"))


def _check(paddle_layer, torch_layer, shape, dtype) -> None:
    _randomize_statistics(paddle_layer)
    result = verify_pair(paddle_layer, torch_layer, shape, dtype=dtype, backward=True, name="helper")
    assert result.passed, result.render()


# -- the helpers against Paddle ----------------------------------------------------------------------

# (id, ConvNormActivation keyword arguments; "norm"/"act" name a layer on both sides)
CONV_NORM_ACT = [
    ("defaults", dict(in_channels=3, out_channels=8)),
    ("no-norm-gets-bias", dict(in_channels=3, out_channels=8, norm="none")),
    ("no-activation", dict(in_channels=4, out_channels=6, kernel_size=1, act="none")),
    ("depthwise-stride", dict(in_channels=8, out_channels=8, stride=2, groups=8, act="relu6")),
    ("dilation-padding", dict(in_channels=3, out_channels=4, kernel_size=3, dilation=2)),
    ("tuple-kernel", dict(in_channels=3, out_channels=5, kernel_size=(1, 7), padding=(0, 3))),
    ("explicit-bias", dict(in_channels=3, out_channels=4, bias=True, act="hardswish")),
]
_NORMS = {"none": (None, None)}
_ACTS = {
    "none": (None, None),
    "relu6": (paddle.nn.ReLU6, torch.nn.ReLU6),
    "hardswish": (paddle.nn.Hardswish, torch.nn.Hardswish),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("kwargs"), [c[1] for c in CONV_NORM_ACT], ids=[c[0] for c in CONV_NORM_ACT])
def test_conv_norm_activation_matches_paddle(rendered, kwargs, dtype):
    from paddle.vision.ops import ConvNormActivation

    kwargs = dict(kwargs)
    paddle_kwargs, torch_kwargs = dict(kwargs), dict(kwargs)
    for key, table, arg in (("norm", _NORMS, "norm_layer"), ("act", _ACTS, "activation_layer")):
        if key in kwargs:
            paddle_kwargs.pop(key), torch_kwargs.pop(key)
            paddle_kwargs[arg], torch_kwargs[arg] = table[kwargs[key]]
    paddle.seed(0)
    paddle_layer = ConvNormActivation(**paddle_kwargs)
    torch_layer = rendered.ConvNormActivation(**torch_kwargs)
    assert [type(m).__name__.lower()[:4] for m in paddle_layer] == [
        type(m).__name__.lower()[:4] for m in torch_layer
    ]
    _check(paddle_layer, torch_layer, (2, kwargs["in_channels"], 9, 9), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("act", "shape"), [(None, (2, 4, 5, 5)), ("relu", (3, 4, 5, 5)), ("sigmoid", (3, 4)), ("tanh", (2, 4, 3))]
)
def test_legacy_batch_norm_matches_paddle_in_eval(rendered, act, shape, dtype):
    paddle_layer = paddle.nn.BatchNorm(4, act=act, epsilon=1e-3)
    torch_layer = rendered.BatchNorm(4, act=act, epsilon=1e-3)
    _check(paddle_layer, torch_layer, shape, dtype)


def test_legacy_batch_norm_matches_paddle_in_training_forward(rendered):
    """Training mode normalizes with batch statistics; the running mean moves with Paddle's momentum
    (Paddle rounds it to float32, 1 - 0.8 = 0.19999999: the difference porter verify aligns)."""
    paddle_layer = paddle.nn.BatchNorm(3, act="relu", momentum=0.8)
    torch_layer = rendered.BatchNorm(3, act="relu", momentum=0.8)
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype("float64")
    paddle_layer.to(dtype="float64"), torch_layer.double()
    paddle_out = paddle_layer(paddle.to_tensor(x)).numpy()
    torch_out = torch_layer(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(torch_out, paddle_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(torch_layer.running_mean.numpy(), paddle_layer._mean.numpy(), rtol=1e-7)


@pytest.mark.parametrize("bad", [dict(act="gelu"), dict(data_layout="NHWC"), dict(use_global_stats=True)])
def test_legacy_batch_norm_refuses_what_it_does_not_implement(rendered, bad):
    with pytest.raises(ValueError, match="BatchNorm"):
        rendered.BatchNorm(4, **bad)


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 1.0])
def test_downscale_in_infer_dropout_scales_in_eval_like_paddle(rendered, p):
    x = np.random.default_rng(0).standard_normal((3, 7)).astype("float32")
    paddle_layer = paddle.nn.Dropout(p=p, mode="downscale_in_infer")
    paddle_layer.eval()
    expected = paddle_layer(paddle.to_tensor(x)).numpy()
    torch_layer = rendered.DownscaleInInferDropout(p).eval()
    np.testing.assert_array_equal(torch_layer(torch.from_numpy(x)).numpy(), expected)


def test_downscale_in_infer_dropout_in_float64_differs_by_paddles_float32_constant(rendered):
    """Paddle computes 1 - p from the float32 attribute p also for float64 tensors; the helper computes
    exactly, as user code would. porter verify, not the helper, accounts for this constant."""
    x = np.random.default_rng(0).standard_normal((3, 7))
    paddle_layer = paddle.nn.Dropout(p=0.2, mode="downscale_in_infer")
    paddle_layer.eval()
    expected = paddle_layer(paddle.to_tensor(x)).numpy()
    got = rendered.DownscaleInInferDropout(0.2).eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(expected, x * float(np.float32(1) - np.float32(0.2)))
    assert 1e-9 < np.abs(got / expected - 1).max() < 1e-7


def test_downscale_in_infer_dropout_keeps_units_unscaled_in_training(rendered):
    x = torch.arange(1.0, 10001.0, dtype=torch.float64)
    out = rendered.DownscaleInInferDropout(0.3).train()(x)
    kept = out != 0
    assert torch.equal(out[kept], x[kept])  # no 1 / (1 - p) rescaling, unlike torch.nn.Dropout
    assert abs(kept.double().mean().item() - 0.7) < 0.03


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_hardsigmoid_is_paddles_up_to_the_float32_slope(dtype):
    """nn.Hardsigmoid converts to torch.nn.Hardsigmoid: Paddle's slope is the float32 0.1666667, torch's
    exactly 1/6, a difference far below float32 rounding and visible only in float64."""
    x = np.linspace(-4.0, 4.0, 20001).astype(dtype)
    expected = paddle.nn.Hardsigmoid()(paddle.to_tensor(x)).numpy()
    got = torch.nn.Hardsigmoid()(torch.from_numpy(x)).numpy()
    difference = np.abs(got - expected).max()
    if dtype == "float32":
        assert difference <= 2 * np.finfo(np.float32).eps  # two units in the last place of 1.0
    else:
        assert 1e-8 < difference < 2e-7  # porter verify has to account for it


@pytest.fixture
def weights_home(rendered, tmp_path, monkeypatch):
    monkeypatch.setattr(rendered, "WEIGHTS_HOME", tmp_path / "cache")
    return tmp_path / "cache"


def test_get_weights_path_from_url_downloads_once_and_checks_md5(rendered, tmp_path, weights_home):
    source = tmp_path / "served" / "net.pdparams"
    source.parent.mkdir()
    source.write_bytes(b"weights")
    digest = hashlib.md5(b"weights").hexdigest()  # noqa: S324
    path = rendered.get_weights_path_from_url(source.as_uri(), digest)
    assert path == str(weights_home / "net.pdparams")
    assert (weights_home / "net.pdparams").read_bytes() == b"weights"
    source.unlink()  # a cached copy with the right MD5 is used without downloading again
    assert rendered.get_weights_path_from_url(source.as_uri(), digest) == path


def test_get_weights_path_from_url_refuses_a_wrong_md5_and_keeps_nothing(rendered, tmp_path, weights_home):
    source = tmp_path / "net.pdparams"
    source.write_bytes(b"weights")
    with pytest.raises(OSError, match="MD5 mismatch"):
        rendered.get_weights_path_from_url(source.as_uri(), "0" * 32)
    assert list(weights_home.iterdir()) == []


def test_get_weights_path_from_url_refuses_archives(rendered, weights_home):
    with pytest.raises(ValueError, match="archives"):
        rendered.get_weights_path_from_url("https://example.invalid/model.tar.gz")


def test_param_attr_value_initializes_like_paddle_weight_attr(rendered):
    """A ParamAttr built apart from its layer fills the weight in the same range and keeps trainable;
    its initializer is the functools.partial of torch.nn.init that porter writes for an initializer value."""
    initializer = functools.partial(torch.nn.init.uniform_, a=-0.01, b=0.01)
    attr = rendered.ParamAttr(initializer=initializer, trainable=False)
    layer = torch.nn.Linear(50, 40)
    rendered.apply_param_attr(layer.weight, attr)
    assert layer.weight.abs().max() <= 0.01 and layer.weight.std() < 0.01
    assert not layer.weight.requires_grad
    paddle_layer = paddle.nn.Linear(
        50,
        40,
        weight_attr=paddle.ParamAttr(initializer=paddle.nn.initializer.Uniform(-0.01, 0.01), trainable=False),
    )
    assert paddle_layer.weight.abs().max().item() <= 0.01 and paddle_layer.weight.stop_gradient


def test_assign_copies_like_paddle_and_refuses_another_shape(rendered):
    """An array is read when the parameter is filled (Paddle keeps the array), a tensor when Assign is
    built; a value of another shape is refused, where Paddle would give the parameter that shape."""
    values = np.arange(6, dtype="float64").reshape(2, 3)
    paddle_init, torch_init = paddle.nn.initializer.Assign(values), rendered.Assign(values)
    values[0, 0] = 7.0
    paddle_layer = paddle.nn.Linear(2, 3, weight_attr=paddle_init)
    torch_weight = torch.nn.Linear(2, 3).weight
    rendered.apply_param_attr(torch_weight, torch_init, transposed=True)
    np.testing.assert_array_equal(torch_weight.detach().numpy().T, paddle_layer.weight.numpy())
    tensor = torch.ones(2)
    from_tensor = rendered.Assign(tensor)
    tensor[0] = 5.0
    assert from_tensor(torch.zeros(2)).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match=r"shape \[3\] for a parameter of shape \[2, 3\]"):
        rendered.Assign([1.0, 2.0, 3.0])(torch.zeros(2, 3))
    assert paddle.nn.Linear(3, 2, weight_attr=paddle.nn.initializer.Assign([1.0, 2.0, 3.0])).weight.shape == [
        3
    ]


def test_with_param_attrs_returns_the_layer_it_applied_them_to(rendered):
    conv = torch.nn.Conv1d(2, 3, 1, bias=False)
    attr = rendered.ParamAttr(
        initializer=functools.partial(torch.nn.init.constant_, val=0.5), trainable=False
    )
    assert rendered.with_param_attrs(conv, weight=attr, bias=False) is conv
    assert conv.bias is None and torch.equal(conv.weight, torch.full((3, 2, 1), 0.5))
    assert not conv.weight.requires_grad
    with pytest.raises(ValueError, match="cannot be applied after construction"):
        rendered.with_param_attrs(torch.nn.Conv1d(2, 3, 1), bias=False)  # built with a bias


@pytest.mark.parametrize("attr", [None, True, "fc.w_0"])
def test_param_attr_values_that_change_nothing(rendered, attr):
    layer = torch.nn.Linear(3, 2)
    before = layer.weight.detach().clone()
    rendered.apply_param_attr(layer.weight, attr)
    assert torch.equal(layer.weight, before) and layer.weight.requires_grad


def test_unconverted_stand_in_raises_where_it_is_used(rendered):
    paddle_stand_in = rendered.Unconverted("paddle")
    zeros = paddle_stand_in.zeros  # reading an attribute is fine: a module mentioning it still imports
    with pytest.raises(NotImplementedError, match=r"paddle\.zeros was not converted .* porter: TODO"):
        zeros([2, 3])

    class Net(paddle_stand_in.nn.Foo):  # defined, so the module holding it imports
        def __init__(self):
            super().__init__()

    with pytest.raises(NotImplementedError, match=r"paddle\.nn\.Foo was not converted"):
        Net()

    class Function(paddle_stand_in.autograd.PyLayer):
        @staticmethod
        def forward(ctx, x):
            return x

    with pytest.raises(NotImplementedError, match=r"paddle\.autograd\.PyLayer\.apply was not converted"):
        Function.apply(1)
    assert Function.forward(None, 1) == 1  # what the class defines itself still works
    paddle_stand_in.float = "float32"  # a patch of Paddle stays on the stand-in
    assert paddle_stand_in.float == "float32"
    del paddle_stand_in.float
    del paddle_stand_in.never_set
    for use in (lambda: paddle_stand_in.x + 1, lambda: bool(paddle_stand_in.y), lambda: paddle_stand_in.z[0]):
        with pytest.raises(NotImplementedError):
            use()
    with pytest.raises(AttributeError, match=r"paddle\.__version__ was not converted"):
        _ = paddle_stand_in.__version__
    assert getattr(paddle_stand_in, "__wrapped__", None) is None  # probes by inspect and test collectors


# -- the mechanism ---------------------------------------------------------------------------------


def _top_level_names(text: str) -> list[str]:
    names = []
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
    return names


def test_rendered_module_holds_only_what_was_asked_for_and_what_it_needs():
    dropout = helpers.render(["DownscaleInInferDropout"])
    assert _top_level_names(dropout) == ["DownscaleInInferDropout"]
    assert "BatchNorm" not in dropout and "import warnings" not in dropout
    apply = helpers.render(["apply_param_attr"])
    assert _top_level_names(apply) == [
        "ParamAttr",
        "apply_param_attr",
        "Assign",
    ]  # its dependencies come along
    assert helpers.written_names(apply) == ["apply_param_attr"]


def test_rendered_module_says_what_it_is_and_is_the_same_every_time():
    text = helpers.render(["BatchNorm", "Unconverted"])
    assert text == helpers.render(["Unconverted", "BatchNorm", "BatchNorm"])
    docstring = ast.get_docstring(ast.parse(text))
    assert docstring.startswith(f"Helpers for code converted from PaddlePaddle by porter {__version__}")
    assert helpers.written_names(text) == ["BatchNorm", "Unconverted"]


def test_helper_sources_define_each_name_once_and_import_only_torch_and_the_standard_library():
    text = helpers.render(helpers.HELPERS)
    names = _top_level_names(text)
    assert len(names) == len(set(names)) and set(helpers.HELPERS) <= set(names)
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "torch" in imported and not imported & {"porter", "paddle", "numpy"}


def test_merging_into_an_existing_module():
    assert helpers.written_names(helpers.merged(helpers.render(["BatchNorm"]), ["Unconverted"])) == [
        "BatchNorm",
        "Unconverted",
    ]
    with pytest.raises(helpers.HelperModuleError, match="not written by porter"):
        helpers.merged("def mine():\n    pass\n", ["BatchNorm"])


@pytest.mark.parametrize(
    ("package", "tree_package", "statement"),
    [
        (None, None, "import porter_helpers"),
        ("models", "models", "from . import porter_helpers"),
        ("models.blocks.deep", "models", "from ... import porter_helpers"),
        ("other", "models", "import porter_helpers"),
    ],
)
def test_how_a_converted_file_imports_the_helpers(package, tree_package, statement):
    assert helpers.import_statement(package, tree_package) == statement


TREE = {
    "__init__.py": "",
    "blocks.py": "import paddle.nn as nn\ndef block(c):\n    return nn.BatchNorm(c, act='relu')\n",
    "heads/__init__.py": "",
    "heads/classifier.py": (
        "import paddle.nn as nn\nclass Head(nn.Layer):\n    def __init__(self):\n        super().__init__()\n"
        "        self.drop = nn.Dropout(0.5, mode='downscale_in_infer')\n"
    ),
    "plain.py": "import os\n",
}


def _tree(root, files):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")


def test_a_tree_gets_one_helper_module_with_what_its_files_use(tmp_path):
    source = tmp_path / "models"
    _tree(source, TREE)
    first, second = tmp_path / "a" / "converted_helper_tree", tmp_path / "b" / "converted_helper_tree"
    for out in (first, second):
        outcome = convert_path(ConvertOptions(str(source), output=str(out)), stdin=None, stdout=None)
        assert outcome.io_errors == []
    module = (first / helpers.FILENAME).read_text(encoding="utf-8")
    assert helpers.written_names(module) == ["BatchNorm", "DownscaleInInferDropout"]
    assert module == (second / helpers.FILENAME).read_text(encoding="utf-8")  # regenerated identically
    assert (first / "heads" / "classifier.py").read_text().startswith("from .. import porter_helpers\n")
    assert (first / "blocks.py").read_text().startswith("from . import porter_helpers\n")
    assert _import(first, "blocks").block(3).act == "relu"
    assert _import(first, "heads.classifier").Head().drop.p == 0.5


def _import(root, module):
    sys.path.insert(0, str(root.parent))
    try:
        return importlib.import_module(f"{root.name}.{module}")
    finally:
        sys.path.remove(str(root.parent))


def test_converting_the_output_again_changes_nothing(tmp_path):
    source = tmp_path / "models"
    _tree(source, TREE)
    once, twice = tmp_path / "once", tmp_path / "twice"
    convert_path(ConvertOptions(str(source), output=str(once)), stdin=None, stdout=None)
    convert_path(ConvertOptions(str(once), output=str(twice)), stdin=None, stdout=None)
    for path in once.rglob("*.py"):
        assert (twice / path.relative_to(once)).read_bytes() == path.read_bytes(), path
    in_place = ConvertOptions(str(once), in_place=True)
    before = {path: path.read_bytes() for path in once.rglob("*.py")}
    convert_path(in_place, stdin=None, stdout=None)
    assert {path: path.read_bytes() for path in once.rglob("*.py")} == before


def test_a_single_output_file_gets_the_helpers_beside_it(tmp_path):
    source = tmp_path / "net.py"
    source.write_text("import paddle.nn as nn\nb = nn.BatchNorm(4)\n")
    out = tmp_path / "out" / "net_torch.py"
    out.parent.mkdir()
    convert_path(ConvertOptions(str(source), output=str(out)), stdin=None, stdout=None)
    assert helpers.written_names((out.parent / helpers.FILENAME).read_text()) == ["BatchNorm"]


def test_a_file_named_like_the_helpers_that_porter_did_not_write_is_kept(tmp_path):
    source = tmp_path / "models"
    _tree(source, {"net.py": "import paddle.nn as nn\nb = nn.BatchNorm(4)\n"})
    out = tmp_path / "out"
    out.mkdir()
    (out / helpers.FILENAME).write_text("MINE = 1\n")
    outcome = convert_path(ConvertOptions(str(source), output=str(out)), stdin=None, stdout=None)
    assert any("not written by porter" in error for error in outcome.io_errors)
    assert (out / helpers.FILENAME).read_text() == "MINE = 1\n"


def test_the_porting_guide_lists_every_helper():
    import re
    from pathlib import Path

    from porter.convert import helpers

    guide = (Path(__file__).resolve().parents[2] / "docs" / "porting-guide.md").read_text(encoding="utf-8")
    table = guide[guide.index("| helper | for |") : guide.index("Where the module goes:")]
    listed = set(re.findall(r"`(\w+)`", table))
    ranked = re.findall(r"`(\w+?)1d/2d/3d`", table)  # GlobalStatsBatchNorm1d/2d/3d
    listed |= {f"{stem}{rank}d" for stem in ranked for rank in (1, 2, 3)}
    missing = [name for name in helpers.HELPERS if name not in listed]
    assert missing == [], f"docs/porting-guide.md's helper table misses {missing}"
