"""Jupyter notebooks: the code cells are converted together, as the one module a kernel runs them as.

Cells are joined with a boundary statement between them (so an import in one cell and its use in
another resolve as in the kernel, and code inserted before a cell's first statement stays in that cell),
converted with ``convert_source`` and split back. IPython line magics (``%matplotlib``, ``!pip``) are
masked for the conversion of a cell that does not parse without masking, and restored; a cell that still is not Python (a ``%%`` cell magic, other
IPython syntax) is left as it is and reported. Markdown, metadata and (unless asked) outputs are kept.
Diagnostics name ``file.ipynb:cell N`` (N counts every cell from 1, as the notebook shows them).
"""

from __future__ import annotations

import ast
import difflib
import re
import secrets
import warnings
from dataclasses import dataclass

from porter.convert.engine import convert_source
from porter.convert.report import Diagnostic, FileResult, Severity, Status
from porter.convert.table import MappingTable
from porter.convert.transforms.module_map import ModuleMap

SUFFIX = ".ipynb"
_MAGIC = re.compile(r"^(\s*)([%!].*)$")  # a line magic or shell escape (a line starting with != is no code)


@dataclass
class _Cell:
    number: int  # 1-based position among all cells
    source: str
    masked: str  # the source with line magics replaced by placeholders
    magics: dict[str, str]  # placeholder line -> original line
    first_line: int = 0  # line of the joined module where the cell starts


def convert_notebook(
    text: str,
    *,
    path: str,
    table: MappingTable | None = None,
    clear_outputs: bool = False,
    package: str | None = None,
    tree_package: str | None = None,
    modules: ModuleMap | None = None,
) -> FileResult:
    """Convert a notebook's JSON text; like ``convert_source``, never raises for bad input."""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns about missing cell ids and normalizes them
            notebook = nbformat.reads(text.removeprefix("\ufeff"), as_version=4)
        cells = [(index, cell) for index, cell in enumerate(notebook.cells, 1) if cell.cell_type == "code"]
    except Exception as error:  # noqa: BLE001 - nbformat fails in many ways on a file that is not a notebook
        return _failed(text, path, f"not a Jupyter notebook: {type(error).__name__}: {error}")
    token = _unused_token(text)
    convertible: list[_Cell] = []
    diagnostics: list[Diagnostic] = []
    for number, cell in cells:
        entry = _Cell(number, cell.source, cell.source, {})
        if not _parses(entry.source):
            entry = _mask(number, cell.source, token)
        if entry.source.lstrip().startswith("%%") or not _parses(entry.masked):
            diagnostics.append(
                Diagnostic(f"{path}:cell {number}", 1, 1, Severity.WARNING, "not-python",
                           "cell is not Python (a cell magic or other IPython syntax): left unchanged")
            )  # fmt: skip
        else:
            convertible.append(entry)
    boundary = f"{token} = None"
    module = _join(convertible, boundary)
    result = convert_source(
        module, path=path, table=table, package=package, tree_package=tree_package, modules=modules
    )
    diagnostics += [_in_cell(d, convertible, path) for d in result.diagnostics]
    diagnostics.sort(key=lambda d: (_cell_number(d.path), d.line, d.col))
    if result.status is Status.FAILED:
        return FileResult(path, Status.FAILED, text, text, diagnostics)
    sources = _split(result.output, boundary, len(convertible))
    if sources is None:
        message = "the converted cells could not be told apart; notebook kept as it was"
        return _failed(text, path, message)
    changed = False
    for entry, converted in zip(convertible, sources, strict=True):
        if not entry.masked.endswith("\n"):
            converted = converted.removesuffix("\n")  # the newline _join added
        converted = _unmask(converted, entry)
        if converted != entry.source:
            notebook.cells[entry.number - 1].source = converted
            changed = True
    if changed and clear_outputs:
        for _, cell in cells:
            cell.outputs, cell.execution_count = [], None
    output = _write(notebook, text) if changed else text
    status = Status.NEEDS_ATTENTION if any(d.needs_attention for d in diagnostics) else Status.CONVERTED
    if not changed and not diagnostics:
        status = Status.UNCHANGED
    return FileResult(
        path, status, text, output, diagnostics, result.api_counts, result.unconverted, result.helpers
    )


def diff(result: FileResult) -> str:
    """A unified diff of the code cells that changed, each named ``file.ipynb:cell N``."""
    import nbformat

    before, after = (
        nbformat.reads(t.removeprefix("\ufeff"), as_version=4) for t in (result.original, result.output)
    )
    chunks = []
    for number, (old, new) in enumerate(zip(before.cells, after.cells, strict=True), 1):
        if old.source != new.source:
            name = f"{result.path}:cell {number}"
            chunks += difflib.unified_diff(
                _lines(old.source), _lines(new.source), fromfile=f"a/{name}", tofile=f"b/{name}"
            )
    return "".join(chunks)


def _lines(source: str) -> list[str]:
    return [line if line.endswith("\n") else line + "\n" for line in source.splitlines(keepends=True)]


def _unused_token(text: str) -> str:
    while True:
        token = f"_porter_cell_{secrets.token_hex(6)}"
        if token not in text:
            return token


def _mask(number: int, source: str, token: str) -> _Cell:
    lines, magics = [], {}
    for index, line in enumerate(source.split("\n")):
        match = _MAGIC.match(line)
        if match and not match.group(2).startswith("!="):
            placeholder = f"{match.group(1)}pass  # {token} magic {index}"
            magics[placeholder] = line
            line = placeholder
        lines.append(line)
    return _Cell(number, source, "\n".join(lines), magics)


def _unmask(converted: str, cell: _Cell) -> str:
    if not cell.magics:
        return converted
    return "\n".join(cell.magics.get(line, line) for line in converted.split("\n"))


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _join(cells: list[_Cell], boundary: str) -> str:
    """One module: a boundary line before every cell, each cell ending in a newline."""
    parts, line = [], 1
    for cell in cells:
        cell.first_line = line + 1
        parts += [boundary, "\n", cell.masked, "" if cell.masked.endswith("\n") else "\n"]
        line += 1 + cell.masked.count("\n") + (0 if cell.masked.endswith("\n") else 1)
    return "".join(parts)


def _split(output: str, boundary: str, count: int) -> list[str] | None:
    """The cells back out of the converted module; anything put before the first boundary (an added
    ``import torch``) belongs to the first cell. None if the boundaries did not survive."""
    pieces = re.split(rf"^{re.escape(boundary)}\n", output, flags=re.MULTILINE)
    if len(pieces) != count + 1:
        return None
    head, *cells = pieces
    if cells:
        cells[0] = head + cells[0]
    return cells


def _in_cell(diagnostic: Diagnostic, cells: list[_Cell], path: str) -> Diagnostic:
    """A diagnostic of the joined module, placed in its cell."""
    cell = next((c for c in reversed(cells) if c.first_line <= diagnostic.line), None)
    if cell is None:
        return diagnostic
    return Diagnostic(
        f"{path}:cell {cell.number}",
        diagnostic.line - cell.first_line + 1,
        diagnostic.col,
        diagnostic.severity,
        diagnostic.code,
        diagnostic.message,
        diagnostic.safety,
    )


def _cell_number(path: str) -> int:
    return int(path.rpartition(":cell ")[2]) if ":cell " in path else 0


def _write(notebook, original: str) -> str:
    import nbformat

    text = nbformat.writes(notebook)
    if original.rstrip(" \t").endswith("\n") and not text.endswith("\n"):
        text += "\n"
    if "\r\n" in original:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if original.startswith("\ufeff") else "") + text


def _failed(text: str, path: str, message: str) -> FileResult:
    diagnostic = Diagnostic(path, 1, 1, Severity.ERROR, "not-a-notebook", message)
    return FileResult(path, Status.FAILED, text, text, [diagnostic])
