"""Method rewrites decided from what the receiver is (transforms/provenance.py), never from the name alone.

Known Paddle tensors (layers, optimizers) are rewritten; receivers known to be something else (strings,
numpy arrays, the user's own objects and methods) are left untouched; receivers porter cannot tell are
rewritten only with a warning. No argument is ever dropped from a call that is not Paddle's.
"""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values
from tests.convert.helpers import assert_converts, assert_noop, convert

# -- calls that are not Paddle's stay exactly as written, however often porter runs ----------------------
NOT_PADDLE = {
    "user-method-on-self": (
        """
        import paddle.nn as nn
        class Block(nn.Layer):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
            def add(self, a, b):
                return a + b
            def forward(self, x, skip):
                return self.add(self.fc(x), skip)
        """,
        ["self.add(self.fc(x), skip)"],
    ),
    "own-method-of-a-class-from-elsewhere": (
        """
        import paddle
        from .base import Head
        class Classifier(Head):
            def transpose(self, perm):
                return perm
            def run(self):
                return self.transpose([1, 0])
        """,
        ["self.transpose([1, 0])"],
    ),
    "user-object-method": (
        """
        import paddle
        class Metric:
            def add(self, a, b, c):
                return a + b + c
        metric = Metric()
        total = metric.add(1.0, 2.0, 3.0)
        """,
        ["metric.add(1.0, 2.0, 3.0)"],
    ),
    "positional-argument-paddle-would-drop": (
        "import paddle\ndef scaled(s):\n    return s.multiply(2, 3)\n",
        ["s.multiply(2, 3)"],
    ),
    "string-split": (
        'import paddle\nparts = "a,b".split(",")\nnames = ("x" + "y").split("y")\n',
        ['"a,b".split(",")', '("x" + "y").split("y")'],
    ),
    "numpy-array-astype": (
        "import numpy as np\nimport paddle\nimg = np.zeros([2, 2])\nimg = img.astype('float32').transpose([1, 0])\n",
        ["img.astype('float32').transpose([1, 0])"],
    ),
    "numpy-dtype-argument": (
        """
        import numpy as np
        import paddle
        def adjacency(A):
            return paddle.to_tensor(A.astype(np.float32))
        """,
        ["A.astype(np.float32)"],
    ),
    "other-library-result": (
        """
        import cv2
        import paddle
        def load(path):
            img = cv2.imread(path)
            return img.astype('float32').transpose([2, 0, 1])
        """,
        ["img.astype('float32').transpose([2, 0, 1])"],
    ),
    "tensor-converted-to-numpy": (
        """
        import paddle
        def to_image(x: paddle.Tensor):
            return x.numpy().astype('uint8').transpose([1, 2, 0])
        """,
        [".astype('uint8').transpose([1, 2, 0])"],
    ),
    "numpy-arrays-in-a-list": (
        """
        import numpy as np
        import paddle
        masks = [np.ones(3), np.zeros(3)]
        first = masks[0].astype('float32')
        for mask in list(masks):
            total = mask.sum(axis=0)
        """,
        ["masks[0].astype('float32')", "mask.sum(axis=0)"],
    ),
    "copy-of-an-array": (
        """
        import copy
        from copy import deepcopy
        import numpy as np
        import paddle
        a = np.zeros([2, 3])
        b = copy.copy(a).astype('float32')
        c = deepcopy(a).transpose([1, 0])
        """,
        ["copy.copy(a).astype('float32')", "deepcopy(a).transpose([1, 0])"],
    ),
    "static-and-class-method-returning-an-array": (
        """
        import numpy as np
        import paddle
        class Graph:
            @staticmethod
            def adjacency(n):
                return np.eye(n)
            @classmethod
            def normalized(cls, n):
                return cls.adjacency(n) / 2
        a = Graph.adjacency(3).astype('float32')
        b = Graph.normalized(3).transpose([1, 0])
        """,
        ["Graph.adjacency(3).astype('float32')", "Graph.normalized(3).transpose([1, 0])"],
    ),
    "comparison-of-an-array": (
        """
        import numpy as np
        import paddle
        a = np.arange(4)
        positive = (a > 0).astype('float32')
        same = (a == None).sum(axis=0)
        """,
        ["(a > 0).astype('float32')", "(a == None).sum(axis=0)"],
    ),
    "user-class-attribute": (
        """
        import paddle
        class Cache:
            def __init__(self):
                self.items = []
            def add(self, item):
                self.items.append(item)
                self.items.sort(key=len)
        """,
        ["self.items.sort(key=len)"],
    ),
}


@pytest.mark.parametrize(("source", "kept"), NOT_PADDLE.values(), ids=NOT_PADDLE.keys())
def test_calls_that_are_not_paddles_stay_as_written(source, kept):
    result = convert(source)
    for call in kept:
        assert call in result.output, result.output
    assert not [d for d in result.diagnostics if d.code in ("assumed-tensor", "no-equivalent")]
    assert convert(result.output).output == result.output


def test_a_file_whose_only_paddle_is_the_import_keeps_its_methods():
    assert_noop("import numpy as np\nx = np.ones(3).astype('int64')\n")


# -- receivers known to be Paddle's are rewritten without a warning -------------------------------------
KNOWN = {
    "forward-input": ("x", "def forward(self, x):\n        return x.astype('float64')"),
    "layer-output": ("self.fc(x)", "def forward(self, x):\n        return self.fc(x).transpose([1, 0])"),
    "paddle-call-result": (
        "paddle.concat",
        "def forward(self, x):\n        y = paddle.concat([x, x])\n        return y.sum(axis=0)",
    ),
    "parameter": ("self.fc.weight", "def forward(self, x):\n        return self.fc.weight.transpose([1, 0])"),
    "loop-over-parameters": (
        "p",
        "def forward(self, x):\n        for p in self.parameters():\n            x = x + p.sum(axis=0).mean()\n        return x",
    ),
    "helper-called-with-tensors": (
        "t",
        "def forward(self, x):\n        return self._swap(x)\n    def _swap(self, t):\n        return t.transpose([1, 0])",
    ),
}


@pytest.mark.parametrize(("receiver", "method"), KNOWN.values(), ids=KNOWN.keys())
def test_known_receivers_are_rewritten_without_a_warning(receiver, method):
    source = (
        "import paddle\nimport paddle.nn as nn\n"
        "class Net(nn.Layer):\n"
        "    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(3, 3)\n"
        f"    {method}\n"
    )
    result = convert(source)
    assert "import paddle" not in result.output, result.output
    assert not [d for d in result.diagnostics if d.needs_attention], result.diagnostics


# -- what a value is follows it through copies, static methods and lists: rewritten without a warning -----
PROVEN = {
    "copy-of-a-tensor": (
        """
        import copy
        import paddle
        def detached(x: paddle.Tensor):
            return copy.deepcopy(x).astype('float32')
        """,
        """
        import copy
        import torch
        def detached(x: torch.Tensor):
            return copy.deepcopy(x).to(torch.float32)
        """,
    ),
    "static-method-returning-a-tensor": (
        """
        import paddle
        class Grid:
            @staticmethod
            def ones(n):
                return paddle.ones([n, n])
        g = Grid.ones(3).astype('float64')
        """,
        """
        import torch
        class Grid:
            @staticmethod
            def ones(n):
                return torch.ones([n, n])
        g = Grid.ones(3).to(torch.float64)
        """,
    ),
    "tensors-in-a-list": (
        """
        import paddle
        parts = [paddle.ones([2]), paddle.zeros([2])]
        first = parts[0].astype('int64')
        """,
        """
        import torch
        parts = [torch.ones([2]), torch.zeros([2])]
        first = parts[0].to(torch.int64)
        """,
    ),
}


@pytest.mark.parametrize(("before", "after"), PROVEN.values(), ids=PROVEN.keys())
def test_values_followed_through_copies_static_methods_and_lists(before, after):
    result = assert_converts(before, after)
    assert not [d for d in result.diagnostics if d.needs_attention], result.diagnostics


def test_unknown_receiver_is_rewritten_with_a_warning_naming_it():
    result = convert("import paddle\ndef f(v):\n    return v.astype('float32')\n")
    assert result.output.endswith("return v.to(torch.float32)\n")
    (warning,) = [d for d in result.diagnostics if d.code == "assumed-tensor"]
    assert warning.severity.value == "warning" and "v" in warning.message and warning.line == 3


def test_unknown_receiver_that_fits_two_paddle_classes_is_left_with_a_warning():
    source = "import paddle\ndef step(opts):\n    opts['g'].clear_grad()\n"
    result = convert(source)
    assert "opts['g'].clear_grad()" in result.output
    assert [d.code for d in result.diagnostics] == ["ambiguous-method"]


def test_unknown_receiver_without_a_translation_is_a_warning_not_a_todo():
    result = convert("import paddle\ndef f(line):\n    return line.split(',')\n")
    assert "TODO" not in result.output
    assert [d.severity.value for d in result.diagnostics] == ["warning"]


def test_isinstance_tells_the_layer_in_its_branch():
    source = """
        import paddle
        import paddle.nn as nn
        def count(model):
            n = 0
            for m in model.sublayers():
                if isinstance(m, nn.Conv2D):
                    n += m.weight.flatten().shape[0]
            return n
        """
    result = convert(source)
    assert "m.weight.flatten()" in result.output
    assert not [d for d in result.diagnostics if d.code == "assumed-tensor" and d.line == 7]


# -- executed: the Paddle original and the converted code compute the same thing ------------------------
def test_user_add_method_keeps_both_arguments_and_matches_paddle():
    source = """
        import paddle
        import paddle.nn as nn
        class Block(nn.Layer):
            def __init__(self):
                super().__init__()
                self.act = nn.Tanh()
            def add(self, a, b):
                return a + b
            def forward(self, x):
                h = self.add(self.act(x), x)
                return h.transpose([1, 0]).astype('float64')
        y = Block()(x)
        """
    x = np.random.default_rng(0).standard_normal((2, 4)).astype("float32")
    result = assert_same_values(source, {"x": x})
    assert "self.add(self.act(x), x)" in result.output
    assert not [d for d in result.diagnostics if d.needs_attention]


def test_numpy_methods_next_to_tensor_methods_match_paddle():
    source = """
        import numpy as np
        import paddle
        img = np.arange(6).reshape([2, 3]).astype('float32')
        img = img.transpose([1, 0])
        t = paddle.to_tensor(img)
        y = t.transpose([1, 0]).astype('float64')
        parts = "a,b".split(",")
        """
    assert_same_values(source, names=("y", "img", "parts"))


def test_metric_with_three_positional_arguments_matches_paddle():
    source = """
        import paddle
        class Metric:
            def __init__(self):
                self.total = 0.0
            def add(self, a, b, c):
                self.total += a + b + c
                return self.total
        metric = Metric()
        y = metric.add(1.0, 2.0, 3.0)
        z = paddle.to_tensor([1.0, 2.0]).add(paddle.to_tensor([3.0, 4.0]))
        """
    assert_same_values(source, names=("y", "z"))


def test_a_function_declared_to_return_a_paddle_layer_gives_a_layer():
    source = (
        "import paddle\n"
        "FACTORIES = {}\n"
        "def build(name) -> paddle.nn.Layer:\n"
        "    return FACTORIES[name]()\n"
        "model = build('net')\n"
        "model.set_state_dict(state)\n"
    )
    assert "model.load_state_dict(state)" in convert(source).output


def test_an_unknown_receiver_given_a_numpy_dtype_runs_as_numpy():
    source = (
        "import numpy as np\n"
        "import paddle\n"
        "def adjacency(A):\n"
        "    return paddle.to_tensor(A.astype(np.float32))\n"
        "y = adjacency(np.eye(3, dtype='float64'))\n"
    )
    assert_same_values(source)


def test_numpy_values_from_lists_copies_comparisons_and_static_methods_run_as_numpy():
    source = """
        import copy
        import numpy as np
        import paddle
        class Graph:
            @staticmethod
            def adjacency(n):
                return np.eye(n) + np.eye(n, k=1)
            @classmethod
            def masks(cls, n):
                return [np.arange(n) - 1, np.ones(n)]
        masks = Graph.masks(3)
        first = masks[0].astype('float32')
        positive = [(mask > 0).astype('float32') for mask in masks]
        a = copy.deepcopy(Graph.adjacency(3)).astype('float32').transpose([1, 0])
        y = paddle.to_tensor(a).transpose([1, 0]).astype('float64')
        """
    result = assert_same_values(source, names=("y", "first", "positive", "a"))
    assert not [d for d in result.diagnostics if d.code == "assumed-tensor"], result.diagnostics
