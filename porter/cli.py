"""Command line: a thin ``main(argv) -> int`` over the library.

Each subcommand lives next to the code it drives and exposes ``register(subparsers)``;
the parser it adds sets ``func`` to a ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from porter import __version__


def _run_list(args: argparse.Namespace) -> int:
    from porter import models

    pairs = models.all_pairs()
    if not args.params:
        for pair in pairs:
            print(f"{pair.name:<10} input {'x'.join(map(str, pair.input_shape)):<14} {pair.summary}")
        return 0
    print(f"{'model':<10} {'input':<14} {'paddle params':>14} {'torch params':>14}  equal")
    for pair in pairs:
        p_count, t_count = models.parameter_counts(pair)
        shape = "x".join(map(str, pair.input_shape))
        print(
            f"{pair.name:<10} {shape:<14} {p_count:>14,} {t_count:>14,}  {'yes' if p_count == t_count else 'NO'}"
        )
    return 0


def _register_list(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("list", help="list the paired reference models")
    parser.add_argument("--params", action="store_true", help="build every pair and count parameters")
    parser.set_defaults(func=_run_list)


def build_parser() -> argparse.ArgumentParser:
    from porter import coverage
    from porter.convert import command as convert_command
    from porter.verify import command as verify_command
    from porter.weights import command as weights_command

    parser = argparse.ArgumentParser(prog="porter", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"porter {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    convert_command.register(subparsers)
    weights_command.register(subparsers)
    verify_command.register(subparsers)
    coverage.register(subparsers)
    _register_list(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - porter's own bug: keep exit 1 for verdicts, show where it broke
        traceback.print_exc()
        print(
            f"porter {args.command}: internal error (a bug in porter; please report it with the traceback above)",
            file=sys.stderr,
        )
        return 2
