"""Issue 5: every factory in paddle.vision.models converts untouched and verifies.

One conversion of the installed package is shared by the whole module (session fixture); each factory
is built and checked once, on first use, so running a single test id stays cheap. Factories that do not
pass yet are marked xfail(strict=True) with the exact gap, so a fix shows up as an XPASS failure.
"""

from __future__ import annotations

import ast
import io
import tokenize

import numpy as np
import paddle
import paddle.vision.models
import pytest

from porter import coverage

FACTORIES = list(paddle.vision.models.__all__)
BACKWARD = [case.factory for case in coverage.cases() if case.backward]

# factory -> the precise reason it does not pass yet (kept in step with docs/coverage.md).
KNOWN_GAPS: dict[str, str] = {}

# (factory, dtype) -> why its backward check cannot pass. Empty since verify reruns a float32 gap in
# float64 and gives torch average pools Paddle's float32(1/N) backward scale (docs/verify.md).
BACKWARD_LIMITS: dict[tuple[str, str], str] = {}


def _params(names, gaps):
    return [
        pytest.param(*name, id="-".join(name), marks=pytest.mark.xfail(strict=True, reason=gaps[name]))
        if name in gaps
        else pytest.param(*name, id="-".join(name))
        for name in names
    ]


@pytest.fixture(scope="module")
def session():
    return coverage.Session(locate=False)


def test_every_factory_has_a_case():
    assert [case.factory for case in coverage.cases()] == FACTORIES


def test_converted_package_imports_and_builds_without_paddle(session):
    errors = {name: error for name, error in session.torch_only_errors().items() if error}
    assert errors == {}


@pytest.mark.parametrize(
    "factory", _params([(n,) for n in FACTORIES], {(k,): v for k, v in KNOWN_GAPS.items()})
)
def test_factory_converts_without_todos_and_matches_paddle_forward(session, factory):
    result = session.result(factory)
    assert result.error == ""
    assert result.todos == 0, session.file(result.file).todo_lines
    for dtype in coverage.DTYPES:
        parity = result.in_dtype(dtype)
        assert parity is not None and parity.forward_passed, (dtype, parity)


@pytest.mark.parametrize(
    ("factory", "dtype"), _params([(n, d) for n in BACKWARD for d in coverage.DTYPES], BACKWARD_LIMITS)
)
def test_factory_gradients_match_paddle(session, factory, dtype):
    parity = session.result(factory).in_dtype(dtype)
    assert parity is not None and parity.backward_passed, parity


def _paddle_gradients(factory: str, shape: tuple[int, ...], dtype: str) -> dict[str, np.ndarray]:
    paddle.seed(0)
    model = getattr(paddle.vision.models, factory)()
    model.eval()
    model.to(dtype=dtype)
    x = paddle.to_tensor(np.random.default_rng(0).standard_normal(shape).astype(dtype))
    outputs = model(x)
    rng = np.random.default_rng(1)
    weights = [paddle.to_tensor(rng.standard_normal(o.shape).astype(dtype)) for o in outputs]
    sum((o * w).sum() for o, w in zip(outputs, weights, strict=True)).backward()
    return {name: p.grad.numpy().astype(np.float64) for name, p in model.named_parameters()}


@pytest.mark.slow
def test_googlenet_float32_gradients_are_ill_conditioned_in_paddle_itself():
    """Why GoogLeNet's float32 backward is "(rounding)": Paddle against Paddle, a 1e-5 bound is unreachable."""
    shape = coverage.cases(["googlenet"])[0].input_shape
    single, double = (_paddle_gradients("googlenet", shape, dtype) for dtype in coverage.DTYPES)
    worst = max(np.abs(single[k] - double[k]).max() / np.abs(double[k]).max() for k in double)
    assert worst > 1e-3


def _comments(text: str) -> list[str]:
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [t.string for t in tokens if t.type == tokenize.COMMENT and not t.string.startswith("# porter:")]


def _docstrings(text: str) -> list[str]:
    nodes = [
        n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
    ]
    return [ast.get_docstring(n, clean=False) for n in nodes if ast.get_docstring(n) is not None]


@pytest.mark.parametrize("name", sorted(p.name for p in coverage.models_source().glob("*.py")))
def test_converted_file_keeps_comments_and_docstrings(session, name):
    original = (coverage.models_source() / name).read_text(encoding="utf-8")
    converted = (session.root / coverage.PACKAGE / name).read_text(encoding="utf-8")
    assert _comments(converted) == _comments(original)
    assert _docstrings(converted) == _docstrings(original)


def test_docs_coverage_page_is_current(session):
    assert coverage.DOCS.read_text(encoding="utf-8") == coverage.render_markdown(session.report()), (
        "docs/coverage.md is stale: run python -m porter.coverage --write-docs"
    )


def test_one_factory_per_file_covers_every_file():
    files = {coverage.defining_file(name) for name in FACTORIES}
    assert {coverage.defining_file(name) for name in coverage.ONE_PER_FILE} == files


def test_rendering_states_failures_and_rounds_metrics_to_decades():
    case = coverage.Case("net", "net(pretrained=False)", (2, 3, 64, 64), True)
    # float32 gradients 2e-2 apart, float64 rerun agreeing: rounding, not a failure
    good = coverage.Parity("float32", True, 3.2e-7, True, 2.0e-2, backward_rounding=True)
    bad = coverage.Parity("float64", False, 2.5e-8, False, 7.45e-9, "forward out of tolerance")
    report = coverage.CoverageReport(
        "3.3.1",
        "2.13.0",
        (coverage.FileConversion("net.py", "needs_attention", 1, 0, ("12: split num_or_sections ...",)),),
        "",
        (coverage.FactoryResult(case, "net.py", 1, (good, bad)),),
    )
    markdown = coverage.render_markdown(report)
    assert (
        "| net | `net(pretrained=False)` | 2x3x64x64 | net.py | 1 | <1e-6 | <1e-7 | <1e-1 (rounding) | <1e-8 (fail) | FAIL |"
        in markdown
    )
    assert "- net: 1 TODOs in net.py; float64 forward fails" in markdown
    assert "**0 of 1 factories pass.**" in markdown
    text = coverage.render_text(report)
    assert "3.2e-07" in text and "2.5e-08" in text and "FAIL" in text
    assert "TODO net.py: split num_or_sections ... (line 12)" in text
