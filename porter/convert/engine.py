"""``convert_source``: parse once, resolve Paddle names once, run the transforms, check the output parses.

The transforms run in one traversal (transforms/dispatch.py) so every decision reads the original
nodes and the one name resolution; imports are rewritten afterwards in one place (transforms/imports.py).
"""

from __future__ import annotations

import ast

import libcst as cst

from porter.convert import helpers, positions
from porter.convert import names as names_mod
from porter.convert.context import Context
from porter.convert.depth import call_with_headroom
from porter.convert.report import Diagnostic, FileResult, Severity, Status
from porter.convert.table import MappingTable, load_table
from porter.convert.transforms import dispatch, imports, named
from porter.convert.transforms.module_map import ModuleMap


def convert_source(
    text: str,
    *,
    path: str = "<string>",
    table: MappingTable | None = None,
    package: str | None = None,
    tree_package: str | None = None,
    modules: ModuleMap | None = None,
) -> FileResult:
    """Convert one file's text; never raises for bad input (the result says ``failed`` and keeps the text).

    ``package``/``tree_package``: where the file lives, for relative imports (see ``names.build``).
    ``modules``: the user's own packages that have a torch port (``--map-module``).
    """
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return _syntax_error(text, path, error)
    try:
        return call_with_headroom(_convert_module, module, text, path, table, package, tree_package, modules)
    except RecursionError:
        message = "conversion failed (RecursionError: the code is nested too deeply to follow)"
        return _failed(text, path, 1, 0, "internal-error", message)


def _convert_module(
    module: cst.Module,
    text: str,
    path: str,
    table: MappingTable | None,
    package: str | None,
    tree_package: str | None,
    modules: ModuleMap | None = None,
) -> FileResult:
    table = table or default_table()
    try:
        resolution = names_mod.build(module, _module_paths(table), package=package, tree_package=tree_package)
        if not resolution.has_paddle and not (modules and modules.mentioned_in(text)):
            return FileResult(path, Status.UNCHANGED, text, text)
        ctx, converted = dispatch.run(module, table, resolution)
        partly = imports.partly_converted_groups(ctx)
        if partly:  # those imports become stand-ins: spell their converted uses as torch.<...> instead
            ctx, converted = dispatch.run(module, table, resolution, qualified=partly)
        helper_import = helpers.import_statement(package, tree_package)
        converted, used_helpers = imports.rewrite(converted, ctx, helper_import, modules)
        output = converted.code
        ast.parse(output)  # the output must always parse (Python's own parser, cheaper than libcst's)
        if text.startswith("\ufeff") and not output.startswith("\ufeff"):
            output = "\ufeff" + output  # libcst drops a byte-order mark; keep the file's encoding as it was
    except RecursionError:
        raise  # convert_source retries with more room
    except Exception as error:  # noqa: BLE001 - a broken transform must not lose the user's file or stop a tree
        return _failed(
            text, path, 1, 0, "internal-error", f"conversion failed ({type(error).__name__}: {error})"
        )
    diagnostics = _positioned(module, ctx, path)
    status = Status.NEEDS_ATTENTION if any(d.needs_attention for d in diagnostics) else Status.CONVERTED
    if output == text and not diagnostics:
        status = Status.UNCHANGED
    return FileResult(path, status, text, output, diagnostics, ctx.api_counts, ctx.unconverted, used_helpers)


def default_table() -> MappingTable:
    """The packaged mapping table, validated against the transforms and helpers that exist."""
    return load_table(vocabulary=named.VOCABULARY)


def _module_paths(table: MappingTable) -> frozenset[str]:
    paths = set()
    for entry in table:
        parts = entry.paddle.split(".")
        paths.update(".".join(parts[:i]) for i in range(1, len(parts)))
    paths.discard("paddle.Tensor")
    return frozenset(p for p in paths if p[:1].islower() and p.rsplit(".", 1)[-1][:1].islower())


def _positioned(module: cst.Module, ctx: Context, path: str) -> list[Diagnostic]:
    if not ctx.pending:
        return []
    where = positions.starts(module, (item.node for item in ctx.pending))
    diagnostics = []
    for item in ctx.pending:
        line, col = where.get(id(item.node), (1, 1))  # a node a transform built has none: the file's start
        diagnostics.append(Diagnostic(path, line, col, item.severity, item.code, item.message, item.safety))
    diagnostics.sort(key=lambda d: (d.line, d.col))
    return diagnostics


def _syntax_error(text: str, path: str, error: cst.ParserSyntaxError) -> FileResult:
    """Where and why Python itself rejects the text (libcst reports an unclosed bracket at the end of
    the file, a line late); libcst's own account if Python accepts it."""
    try:
        ast.parse(text)
    except RecursionError:
        pass  # too deep for Python's own parser: libcst's account below
    except SyntaxError as python_error:
        line, col = python_error.lineno or 1, python_error.offset or 1
        return _failed(text, path, line, col, "parse-error", f"not valid Python: {python_error.msg}")
    except ValueError as python_error:  # e.g. a null byte
        return _failed(text, path, 1, 1, "parse-error", f"not valid Python: {python_error}")
    message = f"not valid Python: {error.message}"
    return _failed(text, path, error.raw_line, error.raw_column + 1, "parse-error", message)


def _failed(text: str, path: str, line: int, col: int, code: str, message: str) -> FileResult:
    diagnostic = Diagnostic(path, line, col, Severity.ERROR, code, message)
    return FileResult(path, Status.FAILED, text, text, [diagnostic])
