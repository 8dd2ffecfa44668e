"""The recognisers' two front ends, which turn input frames into the RNN's 40 ms frames:
Subsample over log-mels (voice.asr.mel), Stack over Whisper base's encoder frames.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from voice.asr.mel import FLOOR, SUBSAMPLING


class Subsample(nn.Module):
    """Two stride-2 convolutions: 10 ms frames -> 40 ms frames, 80 mel bins -> 20."""

    STRIDE = SUBSAMPLING
    RATE = 100  # input frames per second
    PAD = math.log(FLOOR)  # the log-mel of digital silence (voice.asr.mel)

    def __init__(self, n_mels: int, channels: int, out: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, channels, 3, stride=2, padding=1), nn.GELU(),
            nn.Conv2d(channels, channels, 3, stride=2, padding=1), nn.GELU(),
        )
        self.proj = nn.Linear(channels * ((n_mels + 3) // 4), out)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.conv(x.unsqueeze(1))  # (B, C, T/4, F/4)
        x = x.permute(0, 2, 1, 3).flatten(2)
        return self.proj(x), (lengths + self.STRIDE - 1) // self.STRIDE

    @classmethod
    def out_frames(cls, frames: int) -> int:
        return (frames + cls.STRIDE - 1) // cls.STRIDE


class Stack(nn.Module):
    """Pairs of 20 ms encoder frames side by side -> one 40 ms frame, projected to the RNN's
    width: the same output rate as Subsample, so alignment and streaming read both alike."""

    STRIDE = 2
    RATE = 50
    PAD = 0.0

    def __init__(self, dim: int, out: int) -> None:
        super().__init__()
        self.proj = nn.Linear(self.STRIDE * dim, out)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # an odd last frame gets a zero partner: pad by one, keep an even count (no branch on
        # the length, so the ONNX export reads any length)
        pairs = (x.shape[1] + 1) // self.STRIDE
        x = nn.functional.pad(x, (0, 0, 0, 1))[:, : pairs * self.STRIDE]
        x = x.reshape(x.shape[0], -1, self.STRIDE * x.shape[2])
        return self.proj(x), (lengths + self.STRIDE - 1) // self.STRIDE

    @classmethod
    def out_frames(cls, frames: int) -> int:
        return (frames + cls.STRIDE - 1) // cls.STRIDE


FRONTENDS = {"logmel": Subsample, "whisper": Stack}

