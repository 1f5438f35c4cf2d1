"""``paddle.nn.functional.temporal_shift``: the temporal shift module of TSM video networks."""

from __future__ import annotations

import torch


def temporal_shift(
    x: torch.Tensor, seg_num: int, shift_ratio: float = 0.25, data_format: str = "NCHW"
) -> torch.Tensor:
    """Frames are batched as [N * seg_num, C, H, W]. The first ``C * shift_ratio`` channels of each frame
    take the previous frame's values, the next as many the following frame's (zeros at the ends), the rest
    stay, as Paddle's kernel does."""
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError(f"data_format must be 'NCHW' or 'NHWC', got {data_format!r}")
    if data_format == "NHWC":
        x = x.permute(0, 3, 1, 2)
    frames, channels, height, width = x.shape
    clips = x.reshape(-1, seg_num, channels, height, width)
    back, forward = int(channels * shift_ratio), int(channels * 2 * shift_ratio)
    out = torch.zeros_like(clips)
    out[:, 1:, :back] = clips[:, :-1, :back]
    out[:, :-1, back:forward] = clips[:, 1:, back:forward]
    out[:, :, forward:] = clips[:, :, forward:]
    out = out.reshape(frames, channels, height, width)
    return out.permute(0, 2, 3, 1) if data_format == "NHWC" else out
