"""Issue 5: every factory in paddle.vision.models converts untouched and verifies.

One conversion of the installed package is shared by the whole module (session fixture); each factory
is built and checked once, on first use, so running a single test id stays cheap. Factories that do not
pass yet are marked xfail(strict=True) with the exact gap, so a fix shows up as an XPASS failure.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

import paddle.vision.models
import pytest

from porter import coverage

FACTORIES = list(paddle.vision.models.__all__)
BACKWARD = [case.factory for case in coverage.cases() if case.backward]

# factory -> the precise reason it does not pass yet (kept in step with docs/coverage.md).
KNOWN_GAPS: dict[str, str] = {}

# (factory, check) -> why its backward check cannot pass. Empty since the float32 check judges float32
# gradients by each side's own rounding and verify gives torch average pools Paddle's float32(1/N)
# backward scale in float64 (docs/verify.md).
BACKWARD_LIMITS: dict[tuple[str, str], str] = {}
CHECKS = ("float64", "float32")


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
    for check in CHECKS:
        found = result.check("forward", check)
        assert found is not None and found.passed, (check, result.problem)


@pytest.mark.parametrize(
    ("factory", "check"), _params([(n, c) for n in BACKWARD for c in CHECKS], BACKWARD_LIMITS)
)
def test_factory_gradients_match_paddle(session, factory, check):
    result = session.result(factory)
    found = result.check("backward", check)
    assert found is not None and found.passed, (check, result.problem)


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


def test_the_page_shows_verdicts_and_the_terminal_figures():
    case = coverage.Case("net", "net(pretrained=False)", (2, 3, 64, 64), True)
    checks = (
        coverage.Check("forward", "float64", False, 2.5e-8),
        coverage.Check("forward", "float32", True, 3.2e-7),
        coverage.Check("backward", "float64", True, 7.45e-15),
        coverage.Check("backward", "float32", True, 2.0e-2),
    )
    fallback = (coverage.Check("forward", "float32 fixed", True, 4.0e-6),)
    report = coverage.CoverageReport(
        "3.3.1",
        "2.13.0",
        (coverage.FileConversion("net.py", "needs_attention", 1, 0, ("12: split num_or_sections ...",)),),
        "",
        (
            coverage.FactoryResult(case, "net.py", 1, checks, problem="forward float64 fails"),
            coverage.FactoryResult(coverage.Case("rnn", "rnn()", (2, 5, 4), False), "rnn.py", 0, fallback),
        ),
    )
    markdown = coverage.render_markdown(report)
    assert (
        "| net | `net(pretrained=False)` | 2x3x64x64 | net.py | 1 | FAIL | ok | ok | ok | FAIL |" in markdown
    )
    assert "| rnn | `rnn()` | 2x5x4 | rnn.py | 0 | not run | ok (fixed bound) | - | - | PASS |" in markdown
    assert not re.search(r"\de-\d", markdown.split("| factory |")[1])  # no machine figure on the page
    assert "- net: 1 TODOs in net.py; forward float64 fails" in markdown
    assert "**1 of 2 factories pass.**" in markdown
    text = coverage.render_text(report)
    assert "FAIL 2.5e-08" in text and "ok 3.2e-07" in text and "ok (fixed bound) 4.0e-06" in text
    assert "measured on this machine" in text
    assert "TODO net.py: split num_or_sections ... (line 12)" in text
