"""The wake phrase ("oye Zafira"): a small unidirectional GRU over log-mels, run on the live
audio all the time, whose state is carried from block to block.

Features are log-mels without centring, so a stream cut into any blocks gives exactly the frames
of the whole recording; the network reads them `stride` frames at a time (averaged) and scores
each step. A detection is a score at or over the threshold, then nothing for `refractory`
seconds. Runtime module: no training or corpus code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from voice.asr.mel import HOP_LENGTH, WIN_LENGTH, LogMel
from voice.audio import SAMPLE_RATE
from voice.checkpoint import load_model
from voice.config import from_dict
from voice.errors import VoiceError
from voice.models import models_dir

PHRASE = "oye Zafira"
MODEL_NAME = "wake-es"


@dataclass
class WakeModelConfig:
    n_mels: int = 80
    stride: int = 2  # 10 ms frames averaged per network step
    hidden: int = 64
    layers: int = 2
    dropout: float = 0.1
    threshold: float = 0.5  # detection: a step's probability at or over this
    refractory: float = 2.0  # seconds without a second detection


class WakeFeatures(LogMel):
    """The wake detector's log-mels: not centred, so blocks and whole recordings give the
    same frames (frame k covers samples [160 k, 160 k + 400))."""

    def __init__(self, n_mels: int = 80) -> None:
        super().__init__(n_mels, center=False)

    @staticmethod
    def num_frames(samples: int) -> int:
        return 0 if samples < WIN_LENGTH else (samples - WIN_LENGTH) // HOP_LENGTH + 1


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


class WakeDetector:
    """feed(block) -> True when the wake phrase ended in this block. `heard_at` is then the
    stream time (seconds) of the detecting step: what follows it is the command."""

    def __init__(self, model: WakeNet, threshold: float | None = None,
                 refractory: float | None = None) -> None:
        self.model = model.eval()
        self.features = WakeFeatures(model.config.n_mels)
        self.threshold = model.config.threshold if threshold is None else threshold
        self.refractory = model.config.refractory if refractory is None else refractory
        self.step_seconds = model.config.stride * HOP_LENGTH / SAMPLE_RATE
        self.reset()

    @classmethod
    def load(cls, path: str | Path | None = None, threshold: float | None = None) -> WakeDetector:
        """The shipped model (models/wake-es) unless a folder is given."""
        folder = Path(path) if path is not None else models_dir() / MODEL_NAME
        if not (folder / "model.safetensors").is_file():
            raise VoiceError(f"no wake model at {folder}: run `voice data build wake` then "
                             "`voice train wake --recipe recipes/wake-es.toml`")
        state, config = load_model(folder)
        if config.get("kind") != "wake":
            raise VoiceError(f"{folder}: not a wake model")
        model = WakeNet(from_dict(WakeModelConfig, config["model"], str(folder)))
        model.load_state_dict(state)
        return cls(model, threshold)

    @staticmethod
    def available(path: str | Path | None = None) -> bool:
        try:
            folder = Path(path) if path is not None else models_dir() / MODEL_NAME
        except VoiceError:
            return False
        return (folder / "model.safetensors").is_file()

    def reset(self) -> None:
        self.samples = np.zeros(0, np.float32)  # not yet in a frame
        self.frames = torch.zeros(0, self.model.config.n_mels)  # not yet in a step
        self.state: torch.Tensor | None = None
        self.steps = 0  # network steps so far
        self.quiet_until = -1  # no detection before this step
        self.heard_at: float | None = None

    @torch.no_grad()
    def scores(self, block: np.ndarray) -> np.ndarray:
        """Probabilities of the steps this block completes (the state carries on)."""
        self.samples = np.concatenate([self.samples, np.asarray(block, np.float32)])
        count = WakeFeatures.num_frames(len(self.samples))
        if count:
            used = (count - 1) * HOP_LENGTH + WIN_LENGTH
            frames = torch.from_numpy(self.features(self.samples[:used]))
            self.samples = self.samples[count * HOP_LENGTH:]
            self.frames = torch.cat([self.frames, frames])
        steps = len(self.frames) // self.model.config.stride
        if not steps:
            return np.zeros(0, np.float32)
        logits, self.state = self.model(self.frames[None], self.state)
        self.frames = self.frames[steps * self.model.config.stride:]
        return torch.sigmoid(logits[0]).numpy()

    def feed(self, block: np.ndarray) -> bool:
        """Score the block; True on a detection (then none for `refractory` seconds)."""
        fired = False
        for prob in self.scores(block):
            if prob >= self.threshold and self.steps >= self.quiet_until:
                fired = True
                self.heard_at = (self.steps + 1) * self.step_seconds
                self.quiet_until = self.steps + round(self.refractory / self.step_seconds)
            self.steps += 1
        return fired

    @torch.no_grad()
    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Every step's probability for a whole recording at once (what feeding it gives)."""
        frames = torch.from_numpy(self.features(audio))[None]
        return torch.sigmoid(self.model(frames)[0][0]).numpy()

    def detections(self, audio: np.ndarray, block: float = 0.1) -> list[float]:
        """Times (s) of the detections in a recording, fed as the live audio would be."""
        self.reset()
        size = round(block * SAMPLE_RATE)
        times = []
        for start in range(0, len(audio), size):
            if self.feed(audio[start:start + size]):
                times.append(self.heard_at)
        return times


def peaks(probs: np.ndarray, threshold: float, refractory_steps: int) -> list[int]:
    """Steps that detect, as WakeDetector.feed decides: at or over threshold, then a pause."""
    out: list[int] = []
    for step in np.flatnonzero(probs >= threshold):
        if not out or step >= out[-1] + refractory_steps:
            out.append(int(step))
    return out
