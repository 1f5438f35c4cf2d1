"""The work `porter verify all` cannot avoid, as a process of its own: build the Paddle and the torch model
of every registry pair and run one forward pass of each on the registry input (bench/performance.py).

    python bench/baseline_models.py
"""

import numpy as np
import paddle
import torch

from porter import models
from porter.verify.runtime import seed_everything


def main() -> None:
    for pair in models.all_pairs():
        seed_everything(0)
        inputs = np.random.default_rng(0).standard_normal(pair.input_shape).astype("float32")
        paddle_model, torch_model = pair.build_paddle(), pair.build_torch()
        paddle_model.eval()
        torch_model.eval()
        with paddle.no_grad():
            paddle_model(paddle.to_tensor(inputs))
        with torch.no_grad():
            torch_model(torch.from_numpy(inputs))


if __name__ == "__main__":
    main()
