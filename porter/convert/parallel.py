"""Worker processes for a tree: tasks in, results out in the order the tasks went in.

The caller keeps every read and write, so what it produces does not depend on how many workers ran.
At most a few tasks per worker are in flight, so a large tree is never held in memory at once. A worker
that dies (killed for memory, a crash in native code) does not lose its task: that task and every
later one run in this process instead, as with one job.

Start method: ``fork`` when this process runs no other thread, because a forked worker starts in
milliseconds with the converter and its table already loaded; otherwise ``forkserver`` (a fork taken
while another thread holds a lock can deadlock the child), else ``spawn``. Both of those import the
converter once per worker and load the table there, through ``initializer``.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:  # imported where a pool starts: a single file's conversion does without (start-up time)
    from concurrent.futures import Future
    from multiprocessing.context import BaseContext

T = TypeVar("T")
R = TypeVar("R")

_IN_FLIGHT_PER_WORKER = 4  # enough to keep a worker busy between two results, few enough to bound memory


def available_cores() -> int:
    """The cores this process may run on (an affinity mask or a container's cpuset counts)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_map(
    function: Callable[[T], R],
    tasks: Iterable[T],
    workers: int,
    context: BaseContext,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
) -> Iterator[R]:
    """``function(task)`` for every task, computed by ``workers`` processes, yielded in task order.

    ``function`` and ``initializer`` are module-level functions; ``initializer(*initargs)`` runs once in
    each worker before its first task (``initargs`` are pickled unless ``context`` forks)."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pending: deque[tuple[T, Future[R]]] = deque()
    queue = iter(tasks)

    def oldest() -> R:
        result = pending[0][1].result()  # raises BrokenProcessPool with the task still pending
        pending.popleft()
        return result

    with ProcessPoolExecutor(workers, context, initializer=initializer, initargs=initargs) as pool:
        try:
            for task in queue:
                pending.append((task, pool.submit(function, task)))
                if len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                    yield oldest()
            while pending:
                yield oldest()
            return
        except BrokenProcessPool:
            pass  # a worker died: its task and those after it run here, in order
        finally:
            for _, future in pending:
                future.cancel()
    if initializer is not None:
        initializer(*initargs)
    for task, _ in pending:
        yield function(task)
    for task in queue:
        yield function(task)


def context() -> BaseContext:
    """How workers start, decided now (see the module docstring)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
