"""The wake phrase's network (PyTorch): what training fits, evaluation scores in batches and the
export writes as model.onnx for voice.wake.detector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from voice.checkpoint import load_model
from voice.config import from_dict
from voice.wake.detector import State, WakeModelConfig


class WakeNet(nn.Module):
    """Log-mel frames -> one wake logit per `stride` frames. The feature mean and spread of
    the training data are kept as buffers, so the export is the whole model."""

    def __init__(self, config: WakeModelConfig) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("mean", torch.zeros(config.n_mels))
        self.register_buffer("std", torch.ones(config.n_mels))
        self.gru = nn.GRU(config.n_mels, config.hidden, config.layers, batch_first=True,
                          dropout=config.dropout if config.layers > 1 else 0.0)
        self.head = nn.Linear(config.hidden, 1)

    def forward(self, frames: torch.Tensor, state: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, n_mels) -> (logits (B, T // stride), state); trailing frames that do not
        fill a step are ignored (the detector keeps them for the next block)."""
        s = self.config.stride
        steps = frames.shape[1] // s
        x = (frames[:, :steps * s] - self.mean) / self.std
        x = x.reshape(x.shape[0], steps, s, -1).mean(2)
        out, state = self.gru(x, state)
        return self.head(out)[..., 0], state


def load_wake_net(folder: Path) -> WakeNet:
    """The PyTorch weights of a wake model folder."""
    state, config = load_model(folder)
    model = WakeNet(from_dict(WakeModelConfig, config["model"], str(folder)))
    model.load_state_dict(state)
    return model.eval()


def torch_wake(model: WakeNet):
    """The PyTorch model as voice.wake.detector's network (training, the export's check)."""
    @torch.no_grad()
    def network(frames: np.ndarray, state: State) -> tuple[np.ndarray, np.ndarray]:
        logits, state = model.eval()(torch.from_numpy(np.asarray(frames, np.float32)),
                                     None if state is None else torch.from_numpy(state))
        return logits.numpy(), state.numpy()

    return network
