"""Forward time of the torch models porter converted from reference_models/paddle against the hand-written
references in reference_models/torch: same weights, same input, alternating runs (bench/performance.py).

    python bench/forward_times.py ROOT PACKAGE RUNS    # ROOT/PACKAGE: the converted reference_models/paddle

One thread, so that the thread's CPU time is the forward pass's cost whatever else the machine runs.
Prints one JSON object: model -> best CPU and wall seconds of each side, their ratio, and the largest
difference of the outputs (0 when both compute the same thing).
"""

import importlib
import json
import sys
import time

import torch

from porter import models


def timed(model, inputs) -> dict[str, float]:
    cpu, wall = time.thread_time(), time.perf_counter()
    model(inputs)
    return {"cpu": time.thread_time() - cpu, "wall": time.perf_counter() - wall}


def main(root: str, package: str, runs: int) -> None:
    sys.path.insert(0, root)
    torch.set_num_threads(1)
    results = {}
    for pair in models.all_pairs():
        module, _, factory = pair.torch_factory.partition(":")
        reference = models.resolve(pair.torch_factory)(**pair.kwargs)
        converted_module = importlib.import_module(f"{package}.{module.rsplit('.', 1)[1]}")
        converted = getattr(converted_module, factory)(**pair.kwargs)
        converted.load_state_dict(reference.state_dict())
        sides = {"reference": reference.eval(), "converted": converted.eval()}
        inputs = torch.randn(pair.input_shape, generator=torch.Generator().manual_seed(0))
        best = {name: {"cpu": float("inf"), "wall": float("inf")} for name in sides}
        with torch.no_grad():
            difference = (reference(inputs) - converted(inputs)).abs().max().item()
            for _ in range(runs):
                for name, model in sides.items():
                    measured = timed(model, inputs)
                    best[name] = {key: min(best[name][key], measured[key]) for key in measured}
        ratio = best["converted"]["cpu"] / best["reference"]["cpu"]
        results[pair.name] = {**best, "ratio": ratio, "max_abs_difference": difference}
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
