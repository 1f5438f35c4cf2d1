"""What subcommands share about errors: one error type (exit 2), --debug, and option parsing."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from typing import Any


class UsageError(ValueError):
    """Bad arguments or unloadable models: the command exits 2 with the message."""


def json_object(text: str, option: str) -> dict[str, Any]:
    """Parse an option's inline JSON object, naming the option when it is not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{option} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise UsageError(
            f"{option} must be a JSON object, e.g. '{{\"num_classes\": 10}}', got {type(value).__name__}"
        )
    return value


def add_debug_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an error, also print the Python traceback (yours and porter's)",
    )


def fail(command: str, error: BaseException, args: argparse.Namespace) -> int:
    """Report an error the command could not get past: one message, the traceback with --debug; exit 2."""
    if args.debug:
        traceback.print_exception(error, file=sys.stderr)
    hint = "" if args.debug or error.__cause__ is None else " (--debug shows the traceback)"
    print(f"porter {command}: error: {error}{hint}", file=sys.stderr)
    return 2
