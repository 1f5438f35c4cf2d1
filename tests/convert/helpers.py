"""One in-process helper for the golden tests: dedent, convert, compare, check the output parses, that a
second pass changes nothing, and that what the output imports and names exists in torch alone."""

from __future__ import annotations

import textwrap

import libcst as cst

from porter.convert.engine import convert_source
from porter.convert.report import FileResult
from tests.convert.executed import assert_imports_run_torch_only


def convert(source: str) -> FileResult:
    return convert_source(textwrap.dedent(source).lstrip("\n"), path="t.py")


def assert_converts(before: str, after: str) -> FileResult:
    result = convert(before)
    expected = textwrap.dedent(after).lstrip("\n")
    assert result.output == expected, f"\n--- got ---\n{result.output}\n--- expected ---\n{expected}"
    cst.parse_module(result.output)
    again = convert_source(result.output, path="t.py")
    assert again.output == result.output, "a second run changed the output"
    assert_imports_run_torch_only(result.output, result.helpers)
    return result


def assert_noop(source: str) -> FileResult:
    text = textwrap.dedent(source).lstrip("\n")
    result = convert_source(text, path="t.py")
    assert result.output == text
    return result


def codes(result: FileResult) -> list[str]:
    return [d.code for d in result.diagnostics if d.needs_attention]
