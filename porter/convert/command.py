"""``porter convert``: argument parsing and exit codes only; the work is in tree.py and engine.py."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="rewrite Paddle model/training code as PyTorch code",
        description="Rewrite Paddle source as PyTorch source and report what needs attention.",
    )
    parser.add_argument("path", metavar="PATH", help="a .py file, a directory tree, or - for stdin -> stdout")
    parser.add_argument(
        "-o", "--output", metavar="OUT", help="output file or directory (default: stdout for a file)"
    )
    parser.add_argument("--in-place", action="store_true", help="overwrite the input file(s)")
    parser.add_argument("--diff", action="store_true", help="print a unified diff instead of writing files")
    parser.add_argument(
        "--report", choices=("text", "json"), default="text", help="report format (default: text)"
    )
    parser.add_argument("--report-file", metavar="F", help="write the report to F instead of stderr")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any item needs attention")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from porter.convert.tree import ConvertOptions, convert_path
    from porter.usage import UsageError

    options = ConvertOptions(
        path=args.path,
        output=args.output,
        in_place=args.in_place,
        diff=args.diff,
    )
    try:
        outcome = convert_path(options, stdin=sys.stdin, stdout=sys.stdout)
    except UsageError as error:
        print(f"porter convert: error: {error}", file=sys.stderr)
        return 2
    report = outcome.report
    rendered = report.render_json() if args.report == "json" else report.render_text()
    if args.report_file:
        try:
            with open(args.report_file, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as error:
            print(f"porter convert: error: cannot write report: {error}", file=sys.stderr)
            return 2
    else:
        sys.stderr.write(rendered)
    for message in outcome.io_errors:
        print(f"porter convert: error: {message}", file=sys.stderr)
    if outcome.io_errors or report.failed:
        return 2
    if args.strict and report.attention_count:
        return 1
    return 0
