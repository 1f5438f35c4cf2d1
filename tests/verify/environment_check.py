"""Run in a fresh process by test_environments.py, under environment variables that change the CPU's
float32 rounding (they are read when the BLAS and OpenMP libraries load): `porter verify vgg` at its
registry input and the battery's forward bugs and controls, one JSON line of verdicts on stdout."""

import json

from porter import models
from porter.verify.parity import verify_pair
from porter.verify.runtime import seed_everything
from tests.verify.battery import BUGS, correct_pairs


def main() -> None:
    verdicts = {}
    seed_everything(0)
    vgg = models.get("vgg")
    result = verify_pair(vgg.build_paddle(), vgg.build_torch(), vgg.input_shape, name="vgg")
    verdicts["vgg"] = {"passed": result.passed, "decided_by": result.decided_by()}
    for case in correct_pairs() + [bug for bug in BUGS if "train_steps" not in bug.options]:
        result = verify_pair(*case.build(), case.input_shape, name=case.id, **case.options)
        first = result.divergence.first.key if result.divergence and result.divergence.first else ""
        verdicts[case.id] = {"passed": result.passed, "first": first, "failed": result.failed_checks()}
    print(json.dumps(verdicts))


if __name__ == "__main__":
    main()
