"""Paddle's Embedding outputs zeros for padding_idx whatever that weight row holds; torch's returns the row.
A Paddle checkpoint whose padding row is not zero (set by hand, or trained elsewhere) must still give the
torch layer Paddle's outputs: the transfer writes that row as zeros."""

import numpy as np
import paddle
import pytest
import torch

from porter.weights.transfer import transfer_state_dict


@pytest.mark.parametrize("padding_idx", [0, 3, -1, None])
def test_embedding_outputs_agree_after_transfer_whatever_the_padding_row_holds(padding_idx):
    rows = np.arange(20, dtype="float32").reshape(5, 4) + 1  # no zero row anywhere
    source = paddle.nn.Embedding(5, 4, padding_idx=padding_idx)
    source.weight.set_value(rows)
    target = torch.nn.Embedding(5, 4, padding_idx=padding_idx)
    target.load_state_dict(transfer_state_dict(source.state_dict(), target))
    ids = np.array([[0, 1, 2], [3, 4, 0]])
    expected = source(paddle.to_tensor(ids)).numpy()
    actual = target(torch.from_numpy(ids)).detach().numpy()
    np.testing.assert_array_equal(actual, expected)
    if padding_idx is not None:
        assert not expected[ids == padding_idx % 5].any()  # Paddle's zeros, the row notwithstanding
