"""Convert throughput (lines/s) next to a bare libcst parse + codegen of the same files, same run.

Inputs: reference_models/paddle and the installed paddle/vision/models (real Paddle model code).
Usage: python bench/convert_bench.py [--repeat N]
This is a benchmark, not a test: it prints numbers and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import libcst as cst

from porter.convert.engine import convert_source, default_table


def _inputs() -> list[tuple[str, str]]:
    import importlib.util

    roots = [Path(__file__).resolve().parents[1] / "reference_models" / "paddle"]
    spec = importlib.util.find_spec("paddle")
    if spec is not None and spec.origin is not None:  # located without importing paddle
        roots.append(Path(spec.origin).parent / "vision" / "models")
    return [
        (str(path), path.read_text(encoding="utf-8")) for root in roots for path in sorted(root.glob("*.py"))
    ]


def _timed(function, files: list[tuple[str, str]], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for path, text in files:
            function(path, text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the best is reported")
    repeat = parser.parse_args().repeat
    files = _inputs()
    lines = sum(text.count("\n") for _, text in files)
    table = default_table()  # loaded once, as a directory run does

    baseline = _timed(lambda path, text: cst.parse_module(text).code, files, repeat)
    converted = _timed(lambda path, text: convert_source(text, path=path, table=table), files, repeat)
    statuses: dict[str, int] = {}
    for path, text in files:
        status = convert_source(text, path=path, table=table).status.value
        statuses[status] = statuses.get(status, 0) + 1

    print(f"{len(files)} files, {lines} lines ({', '.join(f'{n} {s}' for s, n in sorted(statuses.items()))})")
    print(f"libcst parse + codegen : {lines / baseline:10,.0f} lines/s  ({baseline:.3f} s)")
    print(f"porter convert         : {lines / converted:10,.0f} lines/s  ({converted:.3f} s)")
    print(f"convert / parse+codegen: {converted / baseline:.2f}x the time")


if __name__ == "__main__":
    main()
