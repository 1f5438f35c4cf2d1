"""Room for deeply nested code: libcst's visitors recurse once per level of the syntax tree.

A valid 500-term ``"s" + "s" + ...`` expression nests 500 levels deep and exhausts Python's default
recursion limit. A function that hits it is run again in a thread with a large stack and a high limit,
so such files convert; only beyond that does the RecursionError reach the caller.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

_STACK_BYTES = 512 * 2**20  # virtual memory, committed only as deep as the recursion goes
_RECURSION_LIMIT = 200_000


def call_with_headroom(function: Callable[..., T], *args, **kwargs) -> T:
    try:
        return function(*args, **kwargs)
    except RecursionError:
        pass
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - handed back to the calling thread
            outcome["error"] = error

    previous_stack = threading.stack_size(_STACK_BYTES)
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, _RECURSION_LIMIT))
    try:
        worker = threading.Thread(target=run, name="porter-deep")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous_stack)
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
