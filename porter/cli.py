"""Command line: a thin ``main(argv) -> int`` over the library.

Each subcommand lives next to the code it drives and exposes a ``register(subparsers)`` function;
the parser it adds sets ``func`` to a ``run(args) -> int``. A command line that names a subcommand
imports that subcommand's module only, so ``porter convert`` never loads the frameworks or numpy that
``verify`` and ``weights`` need; ``porter --help`` imports every command module, and none of them
imports torch or paddle before its command runs.
"""

from __future__ import annotations

import argparse
import importlib
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


# subcommand -> (module, its register function), in the order `porter --help` lists them
COMMANDS = {
    "convert": ("porter.convert.command", "register"),
    "report": ("porter.convert.command", "register_report"),
    "weights": ("porter.weights.command", "register"),
    "verify": ("porter.verify.command", "register"),
    "coverage": ("porter.coverage", "register"),
    "list": (__name__, "_register_list"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with ``command`` only when it is one."""
    parser = argparse.ArgumentParser(prog="porter", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"porter {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module, register) in COMMANDS.items():
        if command not in COMMANDS or command == name:
            getattr(importlib.import_module(module), register)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((arg for arg in argv if not arg.startswith("-")), None)  # top-level options take no value
    args = build_parser(command).parse_args(argv)
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
