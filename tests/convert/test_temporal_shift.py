"""``F.temporal_shift`` (TSM video networks) through porter_helpers.temporal_shift, executed against Paddle."""

import numpy as np
import pytest

from tests.convert.executed import assert_same_values

P = "import paddle\nimport paddle.nn.functional as F\n"
RNG = np.random.default_rng(0)

CASES = {
    "quarter": ("y = F.temporal_shift(x, 3, 0.25)", (6, 8, 2, 3)),
    "default-ratio": ("y = F.temporal_shift(x, seg_num=2)", (4, 8, 2, 2)),
    "channels-not-divisible": ("y = F.temporal_shift(x, 3, 1.0 / 3)", (6, 10, 1, 2)),
    "eighth": ("y = F.temporal_shift(x, 2, shift_ratio=1.0 / 8)", (4, 16, 2, 2)),
    "nhwc": ("y = F.temporal_shift(x, 3, 0.25, data_format='NHWC')", (6, 2, 3, 8)),
    "in-a-network": ("y = F.relu(F.temporal_shift(x * 2.0, 3, 0.125)).sum(axis=1)", (6, 8, 2, 3)),
}


@pytest.mark.parametrize(("snippet", "shape"), CASES.values(), ids=CASES.keys())
def test_temporal_shift_computes_the_same(snippet, shape):
    assert_same_values(P + snippet + "\n", {"x": RNG.standard_normal(shape)}, rtol=1e-14, atol=1e-14)
