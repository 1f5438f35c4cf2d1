"""``porter convert`` and ``porter report merge``: argument parsing, the progress bar and exit codes only;
the work is in tree.py, engine.py and report.py.

Exit codes (docs/bad-input.md): 0 done; 1 with --strict when an item needs attention; 2 when the command
refused its arguments or any file failed (not parsed, not readable, not written).

Nothing here imports the converter at module level: ``porter --help`` imports this module.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="rewrite Paddle model/training code as PyTorch code",
        description="Rewrite Paddle source as PyTorch source and report what needs attention.",
    )
    parser.add_argument(
        "path",
        metavar="PATH",
        help="a .py file, a .ipynb notebook, a directory tree, or - for stdin -> stdout",
    )
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="output file or directory (default: stdout for a file)"
    )
    parser.add_argument("--in-place", action="store_true", help="overwrite the input file(s)")
    parser.add_argument(
        "--backup", metavar="SUFFIX", help="with --in-place: keep each changed file's original as FILE+SUFFIX"
    )
    parser.add_argument("--diff", action="store_true", help="print a unified diff instead of writing files")
    parser.add_argument(
        "--clear-outputs",
        action="store_true",
        help="remove the cell outputs of the notebooks porter converts",
    )
    parser.add_argument(
        "--report", choices=("text", "json"), default="text", help="report format (default: text)"
    )
    parser.add_argument("--report-file", metavar="F", help="write the report to F instead of stderr")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any item needs attention")
    parser.add_argument(
        "--map-module",
        metavar="OLD=NEW",
        action="append",
        default=[],
        help="a package of yours that already has a torch port: its imports become NEW's (repeatable)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        metavar="N",
        help="worker processes for a tree (default: this machine's cores); output and report are the same",
    )
    parser.add_argument(
        "--files-from",
        metavar="FILE",
        help="with a tree: convert only the paths listed in FILE (one a line, relative to the tree; - for "
        "stdin), e.g. one CI worker's shard; merge the shards' reports with `porter report merge`",
    )
    parser.set_defaults(func=run)


def register_report(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report",
        help="merge the JSON reports of sharded `porter convert --files-from` runs",
        description="Work with the JSON reports `porter convert --report json` writes.",
    )
    actions = report.add_subparsers(dest="action", required=True, metavar="ACTION")
    merge = actions.add_parser(
        "merge",
        help="one report from the reports of shards of one tree",
        description=(
            "Merge the JSON reports of `porter convert TREE --files-from SHARD` runs into the report one run "
            "over the whole tree gives: files in tree order, one summary. A file in two reports is an error."
        ),
    )
    merge.add_argument("reports", nargs="+", metavar="REPORT.json")
    merge.add_argument(
        "--report", choices=("text", "json"), default="text", help="merged report format (default: text)"
    )
    merge.add_argument("--report-file", metavar="F", help="write the merged report to F instead of stdout")
    merge.add_argument(
        "--helpers-into",
        metavar="OUT",
        help="write OUT/porter_helpers.py with every helper the shards' converted files use",
    )
    merge.add_argument("--strict", action="store_true", help="exit 1 when any item needs attention")
    merge.set_defaults(func=run_merge)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, at least 1, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from porter.convert import parallel
    from porter.convert.transforms.module_map import ModuleMap
    from porter.convert.tree import ConvertOptions, convert_path
    from porter.usage import UsageError

    try:
        modules = ModuleMap.parse(args.map_module)
    except ValueError as error:
        print(f"porter convert: error: {error}", file=sys.stderr)
        return 2
    # On a terminal only, and not over a diff printed to the same terminal.
    shown = sys.stderr.isatty() and not (args.diff and sys.stdout.isatty())
    progress = ProgressBar(sys.stderr) if shown else None
    try:
        options = ConvertOptions(
            path=args.path,
            output=args.output,
            in_place=args.in_place,
            backup=args.backup,
            diff=args.diff,
            report_file=args.report_file,
            clear_outputs=args.clear_outputs,
            modules=modules,
            jobs=args.jobs or parallel.available_cores(),
            files_from=_lines(args.files_from, args.path) if args.files_from else None,
            progress=progress,
        )
        outcome = convert_path(options, stdin=sys.stdin.buffer, stdout=sys.stdout.buffer)
    except UsageError as error:
        print(f"porter convert: error: {error}", file=sys.stderr)
        return 2
    finally:
        if progress is not None:
            progress.close()
    return _finish("convert", outcome.report, args, sys.stderr)


def run_merge(args: argparse.Namespace) -> int:
    import json

    from porter.convert import tree
    from porter.convert.report import Report, ReportError

    reports = []
    try:
        for path in args.reports:
            try:
                with open(path, encoding="utf-8") as handle:
                    reports.append(Report.from_dict(json.load(handle)))
            except (OSError, ValueError) as error:
                raise ReportError(f"{path}: {getattr(error, 'strerror', None) or error}") from None
        merged = Report.merge(reports)
    except ReportError as error:
        print(f"porter report merge: error: {error}", file=sys.stderr)
        return 2
    if args.helpers_into:
        tree.write_helpers(Path(args.helpers_into), merged)
    return _finish("report merge", merged, args, sys.stdout)


def _finish(command: str, report, args: argparse.Namespace, stream: TextIO) -> int:
    """Render the report to ``--report-file`` or ``stream``; the exit code."""
    from porter.convert import files

    rendered = report.render_json() if args.report == "json" else report.render_text()
    if args.report_file:
        try:
            files.write_atomic(Path(args.report_file), rendered.encode("utf-8"))
        except OSError as error:
            print(f"porter {command}: error: cannot write the report: {error}", file=sys.stderr)
            return 2
    else:
        stream.write(rendered)
    if report.failed:
        return 2
    if args.strict and report.attention_count:
        return 1
    return 0


def _lines(source: str, path: str) -> list[str]:
    """The lines of ``--files-from`` FILE (``-``: stdin)."""
    from porter.usage import UsageError

    if source == "-":
        if path == "-":
            raise UsageError("--files-from - and PATH - cannot both read stdin")
        return sys.stdin.read().splitlines()
    try:
        with open(source, encoding="utf-8") as handle:
            return handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"--files-from {source}: {getattr(error, 'strerror', None) or error}") from None


class ProgressBar:
    """``converting [#####     ]  37/104 models/resnet.py`` on one terminal line, redrawn in place."""

    WIDTH = 24

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.drawn = 0  # characters on the line now

    def __call__(self, done: int, total: int, path: str) -> None:
        filled = self.WIDTH * done // total
        line = f"converting [{'#' * filled}{' ' * (self.WIDTH - filled)}] {done:>{len(str(total))}}/{total} {path}"
        line = line[: _columns(self.stream) - 1]
        self.stream.write("\r" + line.ljust(self.drawn))
        self.stream.flush()
        self.drawn = len(line)

    def close(self) -> None:
        """Clear the line, so the report starts on a clean one."""
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0


def _columns(stream: TextIO) -> int:
    import os

    try:
        return os.get_terminal_size(stream.fileno()).columns or 80  # a new pseudo-terminal says 0
    except (OSError, ValueError, AttributeError):
        return 80
