"""Running the converter over a file, a directory tree, or stdin, without losing or damaging anything.

A tree is mirrored into OUT: Python files and notebooks converted, everything else copied, so relative
imports keep working. Every input gets an outcome in the report, including files that cannot be read
(failed) and special files (skipped). Symlinks are followed: what a link points to is converted or
copied like any other file (a regular file in OUT); ``in_place`` writes through a link and keeps it. No
output location may overlap the input, files keep their mode, encoding and line endings, and a file
that fails to convert is never written as if converted (a tree's mirror gets the original bytes).
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from porter.convert import files, helpers, notebook
from porter.convert.engine import convert_source
from porter.convert.report import Diagnostic, FileResult, Report, Severity, Status
from porter.convert.table import MappingTable
from porter.convert.transforms.module_map import ModuleMap
from porter.usage import UsageError

_SKIP_DIRS = {
    "__pycache__", ".git", ".hg", ".svn", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints"
}  # fmt: skip
_FILE_PROBLEMS = ("read-error", "write-error", "copy-error", "encoding")


@dataclass
class ConvertOptions:
    path: str
    output: str | None = None
    in_place: bool = False
    backup: str | None = None  # with in_place: keep the original as PATH + backup
    diff: bool = False
    report_file: str | None = None  # checked here (never an input or an output); written by the caller
    clear_outputs: bool = False  # notebooks porter converts lose their (Paddle) outputs
    table: MappingTable | None = None
    modules: ModuleMap | None = None  # --map-module: the user's packages that have a torch port


@dataclass
class Outcome:
    report: Report

    @property
    def io_errors(self) -> list[str]:
        """Files that could not be read, decoded or written (they are in the report too, as failed)."""
        return [str(d) for f in self.report.files for d in f.diagnostics if d.code in _FILE_PROBLEMS]


def convert_path(options: ConvertOptions, *, stdin: BinaryIO | None, stdout: BinaryIO | None) -> Outcome:
    """Convert ``options.path`` (a file, a tree, or ``-`` for ``stdin``); output to ``stdout`` as asked.

    Raises UsageError, before anything is read or written, for options that would lose data."""
    if options.in_place and options.output:
        raise UsageError("--in-place and -o/--output exclude each other")
    if options.backup is not None and (not options.in_place or not options.backup or "/" in options.backup):
        raise UsageError("--backup SUFFIX goes with --in-place, and SUFFIX is a non-empty file name ending")
    if options.path == "-":
        return _convert_stream(options, stdin, stdout)
    source = Path(options.path)
    if not os.path.lexists(source):
        raise UsageError(f"{options.path}: no such file or directory")
    try:
        mode = source.stat().st_mode
    except OSError as error:
        raise UsageError(f"{options.path}: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        return _convert_tree(options, source, stdout)
    special = files.kind_of(mode)
    if special:
        raise UsageError(f"{options.path} is {special}, not a file; pipe it into `porter convert -` instead")
    return _convert_file(options, source, stdout)


# -- stdin, one file, a tree -------------------------------------------------------------------------


def _convert_stream(options: ConvertOptions, stdin: BinaryIO, stdout: BinaryIO) -> Outcome:
    if options.in_place:
        raise UsageError("--in-place needs a file or directory, not -")
    target = Path(options.output) if options.output else None
    _check_report_file(options, inputs=[], outputs=[target] if target else [])
    converted = _convert_bytes(options, stdin.read(), "<stdin>")
    outcome = Outcome(Report([converted.result]))
    if converted.result.status is Status.FAILED:
        return outcome  # nothing written as if converted
    if options.diff:
        _emit(stdout, _diff(converted))
    elif target is not None:
        _write(target, converted.output_bytes(), None, converted.result)
        _write_helpers(target.parent, outcome.report)
    else:
        _emit(stdout, converted.output_bytes())
    return outcome


def _convert_file(options: ConvertOptions, source: Path, stdout: BinaryIO) -> Outcome:
    target = None
    if options.output:
        target = Path(options.output)
        target = target / source.name if target.is_dir() else target
        if _same_file(target, source):
            raise UsageError(f"the output {target} is the input file; use --in-place to overwrite it")
    _check_report_file(options, inputs=[source], outputs=[target] if target else [])
    converted = _convert_at(options, source, str(source))
    result = converted.result
    outcome = Outcome(Report([result]))
    if result.status is Status.FAILED:
        return outcome  # nothing written as if converted: a failed single file has no output at all
    if options.diff:
        _emit(stdout, _diff(converted))
    elif options.in_place:
        if result.changed:
            _replace_in_place(source, converted, options.backup)
        _write_helpers(source.parent, outcome.report)
    elif target is not None:
        _write(target, converted.output_bytes(), converted.mode, result)
        _write_helpers(target.parent, outcome.report)
    else:
        _emit(stdout, converted.output_bytes())
    return outcome


def _convert_tree(options: ConvertOptions, source: Path, stdout: BinaryIO) -> Outcome:
    if not (options.output or options.in_place or options.diff):
        raise UsageError(f"{source} is a directory: give -o OUT (a new tree), --in-place or --diff")
    target = Path(options.output) if options.output else source
    if options.output:
        _check_output_tree(source, target)
    _check_report_file(options, inputs=[source], outputs=[target] if options.output else [])
    report = Report()
    tree_package = package_of(source)
    written: dict[str, str] = {}  # in place: real path -> how the file was first reached
    exclude = target.resolve() if options.output else None
    for entry in _walk(source, exclude):
        if entry.problem is not None:
            report.add(entry.problem)
            continue
        destination = target / entry.relative
        if not _convertible(entry.path):
            if options.output and not options.diff:
                _copy(entry.path, destination, str(entry.relative), report)
            continue
        shown = str(entry.relative)
        if options.in_place and not options.diff:
            real = os.path.realpath(entry.path)
            if real in written:
                report.add(_problem(shown, Status.SKIPPED, Severity.INFO, "same-file",
                                    f"the same file as {written[real]}, converted once"))  # fmt: skip
                continue
            written[real] = shown
        converted = _convert_at(options, entry.path, shown, tree_package)
        result = converted.result
        if entry.link:
            where = "written to the link's target, the link kept" if options.in_place else "written as a file"
            result.diagnostics.append(
                Diagnostic(shown, 1, 1, Severity.INFO, "symlink", f"reached through {entry.link}; {where}")
            )
        report.add(result)
        if options.diff:
            if result.status is not Status.FAILED:
                _emit(stdout, _diff(converted))
        elif options.output:
            # A failed file is mirrored as it was (its bytes), so the tree stays complete; the report says so.
            data = converted.data if result.status is Status.FAILED else converted.output_bytes()
            if data is not None:
                _write(destination, data, converted.mode, result)
        elif result.changed and result.status is not Status.FAILED:
            _replace_in_place(entry.path, converted, options.backup)
    if not options.diff:
        _write_helpers(target, report)
    return Outcome(report)


def package_of(directory: Path) -> str | None:
    """The dotted package a directory is (``.../paddle/vision/models`` -> ``paddle.vision.models``), if any."""
    parts: list[str] = []
    current = directory.resolve()
    while (current / "__init__.py").is_file():
        parts.append(current.name)
        current = current.parent
    return ".".join(reversed(parts)) or None


# -- refusing what would lose data ------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _check_output_tree(source: Path, target: Path) -> None:
    inside, outside = source.resolve(), target.resolve()
    if outside == inside or inside in outside.parents:
        raise UsageError(f"{target} is inside the input tree {source}; choose another -o or use --in-place")
    if outside in inside.parents:
        raise UsageError(
            f"{target} contains the input tree {source}, so the mirror could overwrite input files; "
            "choose a directory outside it"
        )
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory")


def _check_report_file(options: ConvertOptions, *, inputs: list[Path], outputs: list[Path]) -> None:
    """The report file may be neither an input file nor a file the conversion writes."""
    if not options.report_file:
        return
    report = Path(options.report_file)
    resolved = report.resolve()
    for given in inputs:
        root = given.resolve()
        if _same_file(report, given) or (given.is_dir() and root in resolved.parents and report.exists()):
            raise UsageError(f"--report-file {report} is an input file; choose another path")
    for given in outputs:
        root = given.resolve()
        mirrored = inputs and inputs[0].is_dir() and root in resolved.parents
        if _same_file(report, given) or (mirrored and (inputs[0] / resolved.relative_to(root)).exists()):
            raise UsageError(f"--report-file {report} would be overwritten by the converted output")


# -- walking a tree ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    path: Path  # as reached under the input root (symlinks not resolved)
    relative: Path
    link: str | None = None  # the first symlink on the way, "name -> target", for the report
    problem: FileResult | None = None


def _walk(root: Path, exclude: Path | None) -> Iterator[_Entry]:
    """Every file under ``root`` in sorted order, following symlinks; loops, special files and unlistable
    directories come out as problems. ``exclude`` (the output tree) is never entered."""

    def visit(directory: Path, relative: Path, ancestors: frozenset[str], link: str | None):
        try:
            names = sorted(os.listdir(directory))
        except OSError as error:
            shown = str(relative) if relative.parts else str(root)
            message = f"cannot list the directory: {error.strerror}"
            yield _Entry(directory, relative, problem=_problem(shown, Status.FAILED, Severity.ERROR,
                                                              "read-error", message))  # fmt: skip
            return
        for name in names:
            path, rel = directory / name, relative / name
            via = link or (f"{rel} -> {os.readlink(path)}" if path.is_symlink() else None)
            try:
                mode = path.stat().st_mode
            except OSError as error:
                status, severity, code = (
                    (Status.SKIPPED, Severity.WARNING, "broken-symlink")
                    if path.is_symlink() and not path.exists()
                    else (Status.FAILED, Severity.ERROR, "read-error")
                )
                yield _Entry(path, rel, problem=_problem(str(rel), status, severity, code, error.strerror))
                continue
            if stat.S_ISDIR(mode):
                real = os.path.realpath(path)
                if name in _SKIP_DIRS or (exclude is not None and Path(real) in (exclude, *exclude.parents)):
                    continue
                if real in ancestors:
                    message = f"{via}: a directory that contains the link; not followed again"
                    problem = _problem(str(rel), Status.SKIPPED, Severity.WARNING, "symlink-loop", message)
                    yield _Entry(path, rel, problem=problem)
                    continue
                yield from visit(path, rel, ancestors | {real}, via)
            elif stat.S_ISREG(mode):
                yield _Entry(path, rel, via)
            else:
                message = f"{files.kind_of(mode)}, not a regular file: skipped"
                yield _Entry(path, rel, problem=_problem(str(rel), Status.SKIPPED, Severity.WARNING,
                                                         "special-file", message))  # fmt: skip

    yield from visit(root, Path(), frozenset({os.path.realpath(root)}), None)


def _convertible(path: Path) -> bool:
    return path.suffix in (".py", notebook.SUFFIX)


# -- converting one file ----------------------------------------------------------------------------


@dataclass
class _Converted:
    result: FileResult
    data: bytes | None = None  # the bytes read (None when they could not be read)
    encoding: str = "utf-8"
    mode: int | None = None  # the input's permission bits, kept on what is written from it

    def output_bytes(self) -> bytes:
        return files.encode(self.result.output, self.encoding)  # strict decoding: unchanged text, same bytes


def _convert_at(
    options: ConvertOptions, path: Path, shown: str, tree_package: str | None = None
) -> _Converted:
    try:
        data = files.read_bytes(path)
        mode = files.mode_of(path)
    except OSError as error:
        message = f"cannot read: {error.strerror or error}"
        return _Converted(_problem(shown, Status.FAILED, Severity.ERROR, "read-error", message))
    package = package_of(path.parent)
    # A tree keeps the relative imports that stay inside it; a single file those into its own package.
    converted = _convert_bytes(options, data, shown, package, tree_package or package)
    converted.mode = mode
    return converted


def _convert_bytes(
    options: ConvertOptions,
    data: bytes,
    shown: str,
    package: str | None = None,
    tree_package: str | None = None,
) -> _Converted:
    try:
        source = files.decode(data)
    except files.SourceError as error:
        return _Converted(_problem(shown, Status.FAILED, Severity.ERROR, "encoding", str(error)), data)
    where = {
        "path": shown,
        "table": options.table,
        "package": package,
        "tree_package": tree_package,
        "modules": options.modules,
    }
    if shown.endswith(notebook.SUFFIX):
        result = notebook.convert_notebook(source.text, clear_outputs=options.clear_outputs, **where)
    else:
        result = convert_source(source.text, **where)
    return _Converted(result, data, source.encoding)


def _problem(shown: str, status: Status, severity: Severity, code: str, message: str) -> FileResult:
    return FileResult(shown, status, "", "", [Diagnostic(shown, 1, 1, severity, code, message)])


# -- writing ----------------------------------------------------------------------------------------


def _write(path: Path, data: bytes, mode: int | None, result: FileResult) -> None:
    try:
        files.write_atomic(path, data, mode)
    except OSError as error:
        _failed_write(result, f"cannot write {path}: {error.strerror or error}")


def _replace_in_place(path: Path, converted: _Converted, backup: str | None) -> None:
    """Overwrite an input file (through a symlink, which stays), keeping its mode and owner."""
    result = converted.result
    try:
        if backup:
            copy = path.with_name(path.name + backup)
            if os.path.lexists(copy):
                _failed_write(result, f"the backup {copy} exists already; file left as it was")
                return
            files.write_atomic(copy, converted.data, converted.mode)
        files.write_atomic(path, converted.output_bytes(), converted.mode, owner=path.stat())
    except OSError as error:
        _failed_write(result, f"cannot write {path}: {error.strerror or error}")


def _write_helpers(directory: Path, report: Report) -> None:
    """``porter_helpers.py`` in ``directory`` (the output root) with the helpers the converted files use."""
    names = {name for result in report.files if result.status is not Status.FAILED for name in result.helpers}
    if not names:
        return
    path = directory / helpers.FILENAME
    try:
        existing = files.decode(files.read_bytes(path)).text if path.exists() else None
        text = helpers.merged(existing, names)
        if text != existing:
            files.write_atomic(path, text.encode("utf-8"))
    except (OSError, files.SourceError, helpers.HelperModuleError) as error:
        message = f"cannot write the helpers the converted code imports: {getattr(error, 'strerror', None) or error}"
        report.add(_problem(str(path), Status.FAILED, Severity.ERROR, "write-error", message))


def _copy(source: Path, destination: Path, shown: str, report: Report) -> None:
    """Mirror a file that is not converted: streamed (it may be large), atomically, mode kept."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=destination.parent, prefix=f".{destination.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as out, open(source, "rb") as stream:
                shutil.copyfileobj(stream, out)
                os.fchmod(out.fileno(), files.mode_of(source))
            os.replace(temporary, destination)
        finally:
            if os.path.lexists(temporary):
                os.unlink(temporary)
    except OSError as error:
        message = f"cannot copy to {destination}: {error.strerror or error}"
        report.add(_problem(shown, Status.FAILED, Severity.ERROR, "copy-error", message))


def _failed_write(result: FileResult, message: str) -> None:
    result.status = Status.FAILED
    result.diagnostics.append(Diagnostic(result.path, 1, 1, Severity.ERROR, "write-error", message))


def _emit(stream: BinaryIO, data: bytes) -> None:
    sys.stdout.flush()  # text printed before must come first
    stream.write(data)
    stream.flush()


def _diff(converted: _Converted) -> bytes:
    result = converted.result
    if result.path.endswith(notebook.SUFFIX):
        text = notebook.diff(result) if result.changed else ""
    else:
        text = "".join(
            difflib.unified_diff(
                result.original.splitlines(keepends=True),
                result.output.splitlines(keepends=True),
                fromfile=f"a/{result.path}",
                tofile=f"b/{result.path}",
            )
        )
    return files.encode(text, converted.encoding)
