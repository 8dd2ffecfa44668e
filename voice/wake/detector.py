"""The wake phrase ("oye Zafira"): a small unidirectional GRU over log-mels, run on the live
audio all the time, whose state is carried from block to block.

Features are log-mels without centring, so a stream cut into any blocks gives exactly the frames
of the whole recording; the network reads them `stride` frames at a time (averaged) and scores
each step. A detection is a score at or over the threshold, then nothing for `refractory`
seconds. Runtime module: no training or corpus code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice.asr.mel import HOP_LENGTH, WIN_LENGTH, LogMel
from voice.audio import SAMPLE_RATE
from voice.config import from_dict
from voice.engine import session
from voice.errors import VoiceError
from voice.models import model_config, models_dir

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


GRAPH = "model.onnx"  # frames (1, T, n_mels), state (layers, 1, hidden) -> logits, state
State = np.ndarray | None
# the network: (frames (1, T, n_mels), carried state or None) -> (logits (1, T // stride), state)
WakeNetwork = Callable[[np.ndarray, State], tuple[np.ndarray, np.ndarray]]


class OnnxWake:
    """The exported WakeNet (voice.wake.model) on onnxruntime, one thread."""

    def __init__(self, path: Path, config: WakeModelConfig) -> None:
        self.session = session(path)
        self.zero = np.zeros((config.layers, 1, config.hidden), np.float32)

    def __call__(self, frames: np.ndarray, state: State) -> tuple[np.ndarray, np.ndarray]:
        logits, state = self.session.run(None, {
            "frames": np.asarray(frames, np.float32),
            "state": self.zero if state is None else state})
        return logits, state


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class WakeDetector:
    """feed(block) -> True when the wake phrase ended in this block. `heard_at` is then the
    stream time (seconds) of the detecting step: what follows it is the command."""

    def __init__(self, network: WakeNetwork, config: WakeModelConfig,
                 threshold: float | None = None, refractory: float | None = None) -> None:
        self.network = network
        self.config = config
        self.features = WakeFeatures(config.n_mels)
        self.threshold = config.threshold if threshold is None else threshold
        self.refractory = config.refractory if refractory is None else refractory
        self.step_seconds = config.stride * HOP_LENGTH / SAMPLE_RATE
        self.reset()

    @classmethod
    def load(cls, path: str | Path | None = None, threshold: float | None = None) -> WakeDetector:
        """The shipped model (models/wake-es) unless a folder is given."""
        folder = Path(path) if path is not None else models_dir() / MODEL_NAME
        if not (folder / "model.safetensors").is_file():
            raise VoiceError(f"no wake model at {folder}: run `voice data build wake` then "
                             "`voice train wake --recipe recipes/wake-es.toml`")
        config = model_config(folder, GRAPH)
        if config.get("kind") != "wake":
            raise VoiceError(f"{folder}: not a wake model")
        settings = from_dict(WakeModelConfig, config["model"], str(folder))
        return cls(OnnxWake(folder / GRAPH, settings), settings, threshold)

    @staticmethod
    def available(path: str | Path | None = None) -> bool:
        try:
            folder = Path(path) if path is not None else models_dir() / MODEL_NAME
        except VoiceError:
            return False
        return (folder / "model.safetensors").is_file()

    def reset(self) -> None:
        self.samples = np.zeros(0, np.float32)  # not yet in a frame
        self.frames = np.zeros((0, self.config.n_mels), np.float32)  # not yet in a step
        self.state: State = None
        self.steps = 0  # network steps so far
        self.quiet_until = -1  # no detection before this step
        self.heard_at: float | None = None

    def scores(self, block: np.ndarray) -> np.ndarray:
        """Probabilities of the steps this block completes (the state carries on)."""
        self.samples = np.concatenate([self.samples, np.asarray(block, np.float32)])
        count = WakeFeatures.num_frames(len(self.samples))
        if count:
            used = (count - 1) * HOP_LENGTH + WIN_LENGTH
            frames = self.features(self.samples[:used])
            self.samples = self.samples[count * HOP_LENGTH:]
            self.frames = np.concatenate([self.frames, frames])
        steps = len(self.frames) // self.config.stride
        if not steps:
            return np.zeros(0, np.float32)
        logits, self.state = self.network(self.frames[None, :steps * self.config.stride],
                                          self.state)
        self.frames = self.frames[steps * self.config.stride:]
        return _sigmoid(logits[0])

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

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Every step's probability for a whole recording at once (what feeding it gives)."""
        frames = self.features(audio)
        frames = frames[:len(frames) // self.config.stride * self.config.stride]
        return _sigmoid(self.network(frames[None], None)[0][0])

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
