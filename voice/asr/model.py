"""The recogniser network: a plain nn.Module, cell type (LSTM or GRU) chosen by the recipe."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from voice.audio import N_MELS


@dataclass
class AsrModelConfig:
    n_mels: int = N_MELS
    channels: int = 32  # convolution channels of the subsampling front-end
    hidden: int = 256  # per direction
    layers: int = 4
    cell: str = "lstm"  # lstm | gru
    dropout: float = 0.15
    vocab: int = 36


class Subsample(nn.Module):
    """Two stride-2 convolutions: 10 ms frames -> 40 ms frames, 80 mel bins -> 20."""

    STRIDE = 4

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


class CtcRecognizer(nn.Module):
    """(features, lengths) -> per-frame log-probabilities over the character vocabulary."""

    def __init__(self, config: AsrModelConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("mean", torch.zeros(config.n_mels))
        self.register_buffer("std", torch.ones(config.n_mels))
        self.frontend = Subsample(config.n_mels, config.channels, config.hidden)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[config.cell]
        self.rnn = rnn(config.hidden, config.hidden, num_layers=config.layers,
                       bidirectional=True, batch_first=True,
                       dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * config.hidden, config.vocab)

    def forward(self, features: torch.Tensor,
                lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (features - self.mean) / self.std
        x, lengths = self.frontend(x, lengths)
        # No packing: on CPU, packed batches of unequal lengths make the backward pass ~5x
        # slower. Batches hold similar lengths, padded with silence (see data.collate), so the
        # backward direction only reads a little extra trailing silence.
        x, _ = self.rnn(self.dropout(x))
        return self.head(self.dropout(x)).log_softmax(-1), lengths.clamp(max=x.shape[1])
