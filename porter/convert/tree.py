"""Running the converter over a file, a directory tree, or stdin, without losing or damaging anything.

A tree is mirrored into OUT: Python files and notebooks converted, everything else copied, so relative
imports keep working. Every input gets an outcome in the report, including files that cannot be read
(failed) and special files (skipped). Symlinks are followed: what a link points to is converted or
copied like any other file (a regular file in OUT); ``in_place`` writes through a link and keeps it. No
output location may overlap the input, files keep their mode, encoding and line endings, and a file
that fails to convert is never written as if converted (a tree's mirror gets the original bytes).

A tree's files can be converted by several worker processes (``jobs``; parallel.py): this module reads
and writes every file itself, in the walk's order, so the output and the report are those of one job.
``files_from`` restricts a tree to listed files and directories (a shard of a bigger run; reports merge
with ``porter report merge``).
"""

from __future__ import annotations

import difflib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from porter.convert import files, helpers, notebook, parallel
from porter.convert.engine import convert_source, default_table
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
    jobs: int = 1  # worker processes for a tree's files (1: all in this process)
    files_from: Sequence[str] | None = None  # with a tree: only these paths (relative to it), as a shard
    progress: Callable[[int, int, str], None] | None = field(default=None, repr=False)  # (done, total, path)


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
    if options.files_from is not None and (options.path == "-" or not Path(options.path).is_dir()):
        raise UsageError("--files-from goes with a directory PATH (the tree the listed paths are in)")
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
        write_helpers(target.parent, outcome.report)
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
    converted = _convert(options, _read(source, str(source)))
    result = converted.result
    outcome = Outcome(Report([result]))
    if result.status is Status.FAILED:
        return outcome  # nothing written as if converted: a failed single file has no output at all
    if options.diff:
        _emit(stdout, _diff(converted))
    elif options.in_place:
        if result.changed:
            _replace_in_place(source, converted, options.backup)
        write_helpers(source.parent, outcome.report)
    elif target is not None:
        _write(target, converted.output_bytes(), converted.mode, result)
        write_helpers(target.parent, outcome.report)
    else:
        _emit(stdout, converted.output_bytes())
    return outcome


def _convert_tree(options: ConvertOptions, source: Path, stdout: BinaryIO) -> Outcome:
    if not (options.output or options.in_place or options.diff):
        raise UsageError(f"{source} is a directory: give -o OUT (a new tree), --in-place or --diff")
    target = Path(options.output) if options.output else source
    if options.output:
        _check_output_tree(source, target)
    listed = _listed(source, options.files_from) if options.files_from is not None else None
    _check_report_file(options, inputs=[source], outputs=[target] if options.output else [])
    report = Report()
    tree_package = package_of(source)
    exclude = target.resolve() if options.output else None
    entries = _planned(options, _walk(source, exclude, listed))
    to_convert = [entry for entry in entries if entry.convert]
    tasks = (_read(entry.path, str(entry.relative), tree_package) for entry in to_convert)
    converted_files = _convert_all(options, tasks, len(to_convert))
    for done, entry in enumerate(entries, 1):
        if options.progress is not None:
            options.progress(done, len(entries), str(entry.relative))
        if entry.problem is not None:
            report.add(entry.problem)
            continue
        destination = target / entry.relative
        if not entry.convert:
            if options.output and not options.diff:
                _copy(entry.path, destination, str(entry.relative), report)
            continue
        converted = next(converted_files)
        result = converted.result
        if entry.link:
            where = "written to the link's target, the link kept" if options.in_place else "written as a file"
            result.diagnostics.append(
                Diagnostic(
                    result.path, 1, 1, Severity.INFO, "symlink", f"reached through {entry.link}; {where}"
                )
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
        write_helpers(target, report)
    return Outcome(report)


def _planned(options: ConvertOptions, walked: Iterator[_Entry]) -> list[_Entry]:
    """The walk with what happens to each file decided: converted, copied, or a problem already."""
    entries = []
    first_reached: dict[str, str] = {}  # in place: real path -> how the file was first reached
    for entry in walked:
        if entry.problem is None and _convertible(entry.path):
            shown = str(entry.relative)
            real = os.path.realpath(entry.path)
            if options.in_place and not options.diff and real in first_reached:
                message = f"the same file as {first_reached[real]}, converted once"
                entry = replace(
                    entry, problem=_problem(shown, Status.SKIPPED, Severity.INFO, "same-file", message)
                )
            else:
                first_reached.setdefault(real, shown)
                entry = replace(entry, convert=True)
        entries.append(entry)
    return entries


def _convert_all(options: ConvertOptions, tasks: Iterator[_Task], count: int) -> Iterator[_Converted]:
    """Each task converted, in order: here, or by up to ``options.jobs`` worker processes."""
    workers = min(options.jobs, count)
    context = parallel.context() if workers > 1 else None
    forked = context is not None and context.get_start_method() == "fork"
    # A table reaches a started (not forked) worker only by name: the packaged one; it does not pickle.
    if context is None or not (forked or options.table is None):
        return (_convert(options, task) for task in tasks)
    table = (options.table or default_table()) if forked else None  # forked workers inherit it loaded
    worker_options = replace(options, table=table, progress=None)
    return parallel.ordered_map(_convert_task, tasks, workers, context, _start_worker, (worker_options,))


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
    convert: bool = False  # decided by _planned: a .py or .ipynb file read and converted


def _walk(root: Path, exclude: Path | None, listed: list[Path] | None = None) -> Iterator[_Entry]:
    """Every file under ``root`` (or under the ``listed`` paths in it) in sorted order, following symlinks;
    loops, special files, missing and unlistable paths come out as problems. ``exclude`` (the output
    tree) is never entered."""

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
            yield from reach(directory / name, relative / name, ancestors, link)

    def reach(path: Path, rel: Path, ancestors: frozenset[str], link: str | None):
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
            return
        if stat.S_ISDIR(mode):
            real = os.path.realpath(path)
            if path.name in _SKIP_DIRS or (exclude is not None and Path(real) in (exclude, *exclude.parents)):
                return
            if real in ancestors:
                message = f"{via}: a directory that contains the link; not followed again"
                yield _Entry(path, rel, problem=_problem(str(rel), Status.SKIPPED, Severity.WARNING,
                                                         "symlink-loop", message))  # fmt: skip
                return
            yield from visit(path, rel, ancestors | {real}, via)
        elif stat.S_ISREG(mode):
            yield _Entry(path, rel, via)
        else:
            message = f"{files.kind_of(mode)}, not a regular file: skipped"
            yield _Entry(path, rel, problem=_problem(str(rel), Status.SKIPPED, Severity.WARNING,
                                                     "special-file", message))  # fmt: skip

    top = frozenset({os.path.realpath(root)})
    if listed is None:
        yield from visit(root, Path(), top, None)
        return
    found: dict[Path, _Entry] = {}
    for rel in listed:
        if not _SKIP_DIRS.isdisjoint(rel.parent.parts):
            continue  # as a full walk does: never inside __pycache__, .git, ...
        above = [rel.parents[i] for i in range(len(rel.parts) - 2, -1, -1)]  # root's children first
        link = next((f"{p} -> {os.readlink(root / p)}" for p in above if (root / p).is_symlink()), None)
        ancestors = top | {os.path.realpath(root / p) for p in above}
        walked = visit(root, Path(), top, None) if not rel.parts else reach(root / rel, rel, ancestors, link)
        for entry in walked:
            found.setdefault(entry.relative, entry)  # a file listed twice, or inside a listed directory
    yield from sorted(found.values(), key=lambda entry: entry.relative.parts)  # the order of a full walk


def _listed(root: Path, lines: Sequence[str]) -> list[Path]:
    """``--files-from`` lines as paths relative to the tree ``root``: one path a line, relative to the
    tree or absolute inside it; blank lines are ignored. A path outside the tree is a usage error."""
    listed = []
    for line in lines:
        if not line.strip():
            continue
        given = Path(line)
        inside = (
            os.path.relpath(os.path.abspath(given), os.path.abspath(root)) if given.is_absolute() else line
        )
        normal = os.path.normpath(inside)
        if normal == ".." or normal.startswith(".." + os.sep):
            raise UsageError(f"--files-from: {line} is outside the tree {root}")
        listed.append(Path(normal) if normal != "." else Path())
    return listed


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


@dataclass(frozen=True)
class _Task:
    """One file to convert, as read: what a worker process needs, and nothing it would have to read."""

    shown: str
    data: bytes | None
    mode: int | None = None
    package: str | None = None
    tree_package: str | None = None
    unreadable: str | None = None  # why the file could not be read


def _read(path: Path, shown: str, tree_package: str | None = None) -> _Task:
    try:
        data = files.read_bytes(path)
        mode = files.mode_of(path)
    except OSError as error:
        return _Task(shown, None, unreadable=f"cannot read: {error.strerror or error}")
    package = package_of(path.parent)
    # A tree keeps the relative imports that stay inside it; a single file those into its own package.
    return _Task(shown, data, mode, package, tree_package or package)


def _convert(options: ConvertOptions, task: _Task) -> _Converted:
    if task.unreadable is not None:
        return _Converted(_problem(task.shown, Status.FAILED, Severity.ERROR, "read-error", task.unreadable))
    converted = _convert_bytes(options, task.data, task.shown, task.package, task.tree_package)
    converted.mode = task.mode
    return converted


_worker_options: ConvertOptions | None = None  # in a worker process: the options of the run it serves


def _start_worker(options: ConvertOptions) -> None:
    global _worker_options
    _worker_options = replace(options, table=options.table or default_table())  # loaded once per worker


def _convert_task(task: _Task) -> _Converted:
    assert _worker_options is not None, "_start_worker runs first in every worker"
    return _convert(_worker_options, task)


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


def write_helpers(directory: Path, report: Report) -> None:
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
