"""Functional and tensor ops through the table, including the seed's keyword traps."""

import pytest

from tests.convert.helpers import assert_converts, codes, convert

P = "import paddle\nimport paddle.nn.functional as F\n"
T = "import torch\nimport torch.nn.functional as F\n"

CASES = {
    "relu-keyword-trap": (P + "y = F.relu(x=y)\n", T + "y = F.relu(y)\n"),
    "add-keywords": (P + "y = paddle.add(x=a, y=b)\n", T + "y = torch.add(a, other=b)\n"),
    "concat-axis": (P + "y = paddle.concat([a, b], axis=1)\n", T + "y = torch.cat([a, b], dim=1)\n"),
    "flatten-positional": (P + "y = paddle.flatten(x, 1, -1)\n", T + "y = torch.flatten(x, 1, -1)\n"),
    "flatten-keywords": (
        P + "y = paddle.flatten(x, start_axis=1, stop_axis=-1)\n",
        T + "y = torch.flatten(x, start_dim=1, end_dim=-1)\n",
    ),
    "reshape-shape-keyword": (
        P + "y = paddle.reshape(x, shape=[2, -1])\n",
        T + "y = torch.reshape(x, shape=[2, -1])\n",
    ),
    "transpose-perm": (
        P + "y = paddle.transpose(x, perm=[0, 2, 1])\n",
        T + "y = torch.permute(x, dims=[0, 2, 1])\n",
    ),
    "split-count-becomes-chunk": (
        P + "a, b = paddle.split(x, 2, axis=1)\n",
        T + "a, b = torch.chunk(x, 2, 1)\n",
    ),
    "split-sizes": (
        P + "a, b = paddle.split(x, num_or_sections=[1, 3], axis=1)\n",
        T + "a, b = torch.split(x, split_size_or_sections=[1, 3], dim=1)\n",
    ),
    "matmul-transpose-y": (
        P + "y = paddle.matmul(a, b, transpose_y=True)\n",
        T + "y = torch.matmul(a, b.mT)\n",
    ),
    "to-tensor-stop-gradient": (
        P + "t = paddle.to_tensor([1.0], stop_gradient=False)\n",
        T + "t = torch.tensor([1.0], requires_grad=True)\n",
    ),
    "dtype-string-and-object": (
        P + "t = paddle.to_tensor([1], dtype='int64')\nd = paddle.float32\n",
        T + "t = torch.tensor([1], dtype=torch.int64)\nd = torch.float32\n",
    ),
    "no-grad-context": (
        P + "with paddle.no_grad():\n    y = F.relu(x)\n",
        T + "with torch.no_grad():\n    y = F.relu(x)\n",
    ),
    "losses": (  # cross_entropy goes through a helper: tests/convert/test_losses.py
        P + "m = F.binary_cross_entropy_with_logits(logit, label)\n",
        T + "m = F.binary_cross_entropy_with_logits(logit, label)\n",
    ),
}


def _imports(source: str, framework: str, functional: str) -> str:
    """Only the imports a case's body uses: unused Paddle imports are dropped by the converter."""
    head, body = source.split("\n", 2)[:2], source.split("\n", 2)[2]
    header = "".join(
        line + "\n"
        for line in head
        if ("F." in body) == ("functional" in line) or (framework + "." in body and "functional" not in line)
    )
    return header + body


@pytest.mark.parametrize(("before", "after"), CASES.values(), ids=CASES.keys())
def test_converts(before, after):
    assert_converts(_imports(before, "paddle", "F"), _imports(after, "torch", "F"))


@pytest.mark.parametrize(
    ("source", "code"),
    [
        (P + "a, b = paddle.split(x, [2, -1])\n", "split"),
        (P + "a, b = paddle.split(x, n)\n", "split"),
        (P + "y = paddle.matmul(a, b, transpose_x=flag)\n", "unsupported-value"),
        (P + "y = paddle.not_an_api(x)\n", "unknown-api"),
    ],
    ids=["split-minus-one", "split-unknown-count", "matmul-non-literal", "unknown-api"],
)
def test_left_with_todo(source, code):
    assert code in codes(convert(source))


def test_split_count_semantics_match():
    """paddle.split(x, 2) makes 2 equal parts; the converted torch.chunk(x, 2, 1) does the same."""
    import numpy as np
    import paddle
    import torch

    data = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    expected = [t.numpy() for t in paddle.split(paddle.to_tensor(data), 2, axis=1)]
    namespace = {"x": torch.from_numpy(data)}
    exec(convert(P + "parts = paddle.split(x, 2, axis=1)\n").output, namespace)  # noqa: S102
    assert [p.numpy().tolist() for p in namespace["parts"]] == [e.tolist() for e in expected]


@pytest.mark.parametrize(
    "source",
    [
        "import paddle\nv = paddle.nn.GELU([1, 2])\n",
        "import paddle\nv = paddle.nn.functional.gelu(x, approximate={})\n",
        "import paddle\nv = paddle.nn.LSTM(2, 3, direction=[1])\n",
    ],
)
def test_a_literal_that_is_no_switch_value_is_reported_not_a_crash(source):
    result = convert(source)
    assert result.status.value == "needs_attention"
    assert "unsupported-value" in [d.code for d in result.diagnostics]


def test_full_without_its_fill_value_is_reported_not_a_crash():
    result = convert("import paddle\nv = paddle.full([2])\n")
    assert "unsupported-arg" in [d.code for d in result.diagnostics]
