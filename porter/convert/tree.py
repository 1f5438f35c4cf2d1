"""Running the converter over a file, a directory tree, or stdin; writing results safely.

A tree is mirrored into OUT: Python files converted, everything else copied unchanged, so relative
imports keep working. Writes are atomic (temp file + rename); nothing is written into the input tree
unless ``in_place`` is asked for, and a file that fails to convert is written out unchanged.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from porter.convert import helpers
from porter.convert.engine import convert_source
from porter.convert.report import FileResult, Report
from porter.convert.table import MappingTable
from porter.usage import UsageError

_SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


@dataclass
class ConvertOptions:
    path: str
    output: str | None = None
    in_place: bool = False
    diff: bool = False
    table: MappingTable | None = None


@dataclass
class Outcome:
    report: Report
    io_errors: list[str] = field(default_factory=list)


def convert_path(options: ConvertOptions, *, stdin: TextIO, stdout: TextIO) -> Outcome:
    if options.in_place and options.output:
        raise UsageError("--in-place and -o/--output exclude each other")
    if options.path == "-":
        return _convert_stream(options, stdin, stdout)
    source = Path(options.path)
    if not source.exists():
        raise UsageError(f"{options.path}: no such file or directory")
    if source.is_dir():
        return _convert_tree(options, source, stdout)
    return _convert_file(options, source, stdout)


def _convert_stream(options: ConvertOptions, stdin: TextIO, stdout: TextIO) -> Outcome:
    if options.in_place:
        raise UsageError("--in-place needs a file or directory, not -")
    result = convert_source(stdin.read(), path="<stdin>", table=options.table)
    outcome = Outcome(Report([result]))
    if options.diff:
        stdout.write(_diff(result))
    elif options.output:
        _write(Path(options.output), result.output, outcome)
        _write_helpers(Path(options.output).parent, [result], outcome)
    else:
        stdout.write(result.output)
    return outcome


def _convert_file(options: ConvertOptions, source: Path, stdout: TextIO) -> Outcome:
    outcome = Outcome(Report())
    result = _convert_one(options, source, str(source), outcome)
    if result is None:
        return outcome
    if options.diff:
        stdout.write(_diff(result))
    elif options.in_place:
        if result.changed:
            _write(source, result.output, outcome)
        _write_helpers(source.parent, [result], outcome)
    elif options.output:
        target = Path(options.output)
        target = target / source.name if target.is_dir() else target
        if target.resolve() == source.resolve():
            raise UsageError("the output is the input file; use --in-place to overwrite it")
        _write(target, result.output, outcome)
        _write_helpers(target.parent, [result], outcome)
    else:
        stdout.write(result.output)
    return outcome


def _convert_tree(options: ConvertOptions, source: Path, stdout: TextIO) -> Outcome:
    if not (options.output or options.in_place or options.diff):
        raise UsageError(f"{source} is a directory: give -o OUT (a new tree), --in-place or --diff")
    target = Path(options.output) if options.output else source
    if options.output:
        resolved_source, resolved_target = source.resolve(), target.resolve()
        if resolved_target == resolved_source or resolved_source in resolved_target.parents:
            raise UsageError(
                f"{target} is inside the input tree {source}; choose another -o or use --in-place"
            )
        if target.exists() and not target.is_dir():
            raise UsageError(f"{target} exists and is not a directory")
    outcome = Outcome(Report())
    tree_package = package_of(source)
    for directory, subdirs, files in os.walk(source):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS)
        for name in sorted(files):
            path = Path(directory) / name
            relative = path.relative_to(source)
            destination = target / relative
            if path.suffix != ".py":
                if options.output and not options.diff:
                    _copy(path, destination, outcome)
                continue
            result = _convert_one(options, path, str(relative), outcome, tree_package)
            if result is None:
                continue
            if options.diff:
                stdout.write(_diff(result))
            elif options.output or result.changed:
                _write(destination, result.output, outcome)
    if not options.diff:
        _write_helpers(target, outcome.report.files, outcome)
    return outcome


def package_of(directory: Path) -> str | None:
    """The dotted package a directory is (``.../paddle/vision/models`` -> ``paddle.vision.models``), if any."""
    parts: list[str] = []
    current = directory.resolve()
    while (current / "__init__.py").is_file():
        parts.append(current.name)
        current = current.parent
    return ".".join(reversed(parts)) or None


def _convert_one(
    options: ConvertOptions, path: Path, shown: str, outcome: Outcome, tree_package: str | None = None
) -> FileResult | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        outcome.io_errors.append(f"{path}: cannot read: {error}")
        return None
    package = package_of(path.parent)
    # A tree keeps the relative imports that stay inside it; a single file those into its own package.
    result = convert_source(
        text, path=shown, table=options.table, package=package, tree_package=tree_package or package
    )
    outcome.report.add(result)
    return result


def _write(path: Path, text: str, outcome: Outcome) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        outcome.io_errors.append(f"{path}: cannot write: {error}")


def _write_helpers(directory: Path, results: list[FileResult], outcome: Outcome) -> None:
    """``porter_helpers.py`` in ``directory`` (the output root) with the helpers the files use."""
    names = {name for result in results for name in result.helpers}
    if not names:
        return
    path = directory / helpers.FILENAME
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else None
        text = helpers.merged(existing, names)
    except (OSError, UnicodeDecodeError, helpers.HelperModuleError) as error:
        outcome.io_errors.append(f"{path}: cannot write the helpers the converted code imports: {error}")
        return
    if text != existing:
        _write(path, text, outcome)


def _copy(source: Path, destination: Path, outcome: Outcome) -> None:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    except OSError as error:
        outcome.io_errors.append(f"{destination}: cannot copy: {error}")


def _diff(result: FileResult) -> str:
    lines = difflib.unified_diff(
        result.original.splitlines(keepends=True),
        result.output.splitlines(keepends=True),
        fromfile=f"a/{result.path}",
        tofile=f"b/{result.path}",
    )
    return "".join(lines)
