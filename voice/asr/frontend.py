"""The recognisers' front ends, in one place: the two that turn input frames into the RNN's
40 ms frames (Subsample over log-mels, voice.asr.mel; Stack over Whisper base's encoder
frames), and the delay arithmetic streaming needs.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from voice.asr.mel import FLOOR, HOP_LENGTH, WIN_LENGTH, LogMel
from voice.audio import SAMPLE_RATE

# Mel frames needed after an output frame before it no longer changes: the STFT half window
# (rounded up) and the two stride-2, kernel-3 convolutions.
STREAM_DELAY = -(-(WIN_LENGTH // 2) // HOP_LENGTH) + 3
# Output frames at the start of an audio slice that differ from the whole utterance's: the
# STFT's reflect padding touches two mel frames, which reach two output frames (+1 to spare).
SLICE_MARGIN = 3
PADDED_MELS = 2  # mel frames at each end of a slice that the reflect padding touches


class Subsample(nn.Module):
    """Two stride-2 convolutions: 10 ms frames -> 40 ms frames, 80 mel bins -> 20."""

    STRIDE = 4
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
        if x.shape[1] % self.STRIDE:
            x = nn.functional.pad(x, (0, 0, 0, self.STRIDE - x.shape[1] % self.STRIDE))
        x = x.reshape(x.shape[0], x.shape[1] // self.STRIDE, -1)
        return self.proj(x), (lengths + self.STRIDE - 1) // self.STRIDE

    @classmethod
    def out_frames(cls, frames: int) -> int:
        return (frames + cls.STRIDE - 1) // cls.STRIDE


FRONTENDS = {"logmel": Subsample, "whisper": Stack}


def stable_frames(samples: int) -> int:
    """Output frames of the log-mel recogniser that no later audio can change."""
    return max(0, Subsample.out_frames(LogMel.num_frames(samples) - STREAM_DELAY))


def output_seconds() -> float:
    """Seconds per output frame: 40 ms for both front ends."""
    return Subsample.STRIDE * HOP_LENGTH / SAMPLE_RATE
