"""The recogniser network: a plain nn.Module, cell type (LSTM or GRU) chosen by the recipe."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from voice.audio import N_MELS
from voice.errors import VoiceError


@dataclass
class AsrModelConfig:
    n_mels: int = N_MELS
    channels: int = 32  # convolution channels of the subsampling front-end
    hidden: int = 256  # per direction
    layers: int = 4
    cell: str = "lstm"  # lstm | gru
    dropout: float = 0.15
    vocab: int = 36
    phone_vocab: int = 0  # outputs of the auxiliary phone CTC head (voice.asr.phones); 0 = none
    phone_layer: int = 0  # the recurrent layer (1 = lowest) feeding that head; 0 = the top one


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


def _layers_view(rnn: nn.RNNBase, first: int, last: int) -> nn.RNNBase:
    """Layers first..last-1 of a bidirectional rnn as an RNN of their own that shares rnn's
    parameters: taps an intermediate layer while the model keeps one RNN (its state dict, and
    the per-layer split that streaming makes)."""
    layers = last - first
    view = type(rnn)(rnn.input_size if first == 0 else 2 * rnn.hidden_size, rnn.hidden_size,
                     num_layers=layers, bidirectional=True, batch_first=True,
                     dropout=rnn.dropout if layers > 1 else 0.0)
    for k in range(first, last):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            for suffix in ("", "_reverse"):
                setattr(view, f"{name}_l{k - first}{suffix}",
                        getattr(rnn, f"{name}_l{k}{suffix}"))
    return view.train(rnn.training)


class CtcRecognizer(nn.Module):
    """(features, lengths) -> per-frame log-probabilities over the character vocabulary; with
    a phone head, training also asks for the phone log-probabilities (phones=True)."""

    def __init__(self, config: AsrModelConfig) -> None:
        super().__init__()
        if not 0 <= config.phone_layer <= config.layers:
            raise VoiceError(f"recipe [model]: phone_layer must be 0 (the top) to layers "
                             f"({config.layers}), not {config.phone_layer}")
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
        self.phone_head = nn.Linear(2 * config.hidden, config.phone_vocab) \
            if config.phone_vocab else None
        self.register_load_state_dict_pre_hook(_fresh_phone_head)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor,
                phones: bool = False) -> tuple[torch.Tensor, ...]:
        """(log-probs, lengths), and the phone head's log-probs when phones is set."""
        x, lengths = self.frames(features, lengths)
        if phones:
            return self._with_phones(self.dropout(x), lengths)
        # No packing: on CPU, packed batches of unequal lengths make the backward pass ~5x
        # slower. Batches hold similar lengths, padded with silence (see data.collate), so the
        # backward direction only reads a little extra trailing silence.
        x, _ = self.rnn(self.dropout(x))
        return self.head(self.dropout(x)).log_softmax(-1), lengths.clamp(max=x.shape[1])

    def frames(self, features: torch.Tensor,
               lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised, subsampled frames: what the RNN reads (streaming starts here too)."""
        return self.frontend((features - self.mean) / self.std, lengths)

    def _with_phones(self, x: torch.Tensor,
                     lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.phone_head is None:
            raise VoiceError("this recogniser has no phone head (recipe [phones] weight = 0)")
        tap = self.config.phone_layer or self.config.layers
        if tap == self.config.layers:
            top, _ = self.rnn(x)
            below = top
        else:
            below, _ = _layers_view(self.rnn, 0, tap)(x)
            top, _ = _layers_view(self.rnn, tap, self.config.layers)(
                nn.functional.dropout(below, self.rnn.dropout, self.training))
        return (self.head(self.dropout(top)).log_softmax(-1), lengths.clamp(max=x.shape[1]),
                self.phone_head(self.dropout(below)).log_softmax(-1))


def _fresh_phone_head(model: CtcRecognizer, state: dict, prefix: str, *_) -> None:
    """Fine-tuning a model trained without a phone head: the head starts as initialised."""
    if model.phone_head is not None:
        for name, value in model.phone_head.state_dict().items():
            state.setdefault(f"{prefix}phone_head.{name}", value)
