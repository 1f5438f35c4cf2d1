"""``porter convert``: argument parsing and exit codes only; the work is in tree.py and engine.py.

Exit codes (docs/bad-input.md): 0 done; 1 with --strict when an item needs attention; 2 when the command
refused its arguments or any file failed (not parsed, not readable, not written).
"""

from __future__ import annotations

import argparse
import sys


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from porter.convert import files
    from porter.convert.transforms.module_map import ModuleMap
    from porter.convert.tree import ConvertOptions, convert_path
    from porter.usage import UsageError

    try:
        modules = ModuleMap.parse(args.map_module)
    except ValueError as error:
        print(f"porter convert: error: {error}", file=sys.stderr)
        return 2
    options = ConvertOptions(
        path=args.path,
        output=args.output,
        in_place=args.in_place,
        backup=args.backup,
        diff=args.diff,
        report_file=args.report_file,
        clear_outputs=args.clear_outputs,
        modules=modules,
    )
    try:
        outcome = convert_path(options, stdin=sys.stdin.buffer, stdout=sys.stdout.buffer)
    except UsageError as error:
        print(f"porter convert: error: {error}", file=sys.stderr)
        return 2
    report = outcome.report
    rendered = report.render_json() if args.report == "json" else report.render_text()
    if args.report_file:
        try:
            files.write_atomic(Path(args.report_file), rendered.encode("utf-8"))
        except OSError as error:
            print(f"porter convert: error: cannot write the report: {error}", file=sys.stderr)
            return 2
    else:
        sys.stderr.write(rendered)
    if report.failed:
        return 2
    if args.strict and report.attention_count:
        return 1
    return 0
