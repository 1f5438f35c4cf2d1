"""What subcommands share about bad arguments: one error type (exit 2) and option parsing."""

from __future__ import annotations

import json
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
