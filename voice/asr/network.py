"""The recogniser's network as recognition and streaming see it, on numpy arrays: frames()
turns input frames (log-mels or Whisper base's) into the RNN's, window() runs the RNN over a
window as the latency-controlled BLSTM streams it (voice.asr.model.WindowGraph). At run time
that is two ONNX graphs on onnxruntime, written by training (voice.training.export); training
and enrolment wrap the PyTorch model in the same interface (voice.asr.model.TorchAcoustic).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from voice.engine import session

FRAMES = "frames.onnx"
WINDOW = "window.onnx"
States = list[np.ndarray]  # per layer, the forward direction's h (and c for an LSTM): (1, 1, H)


class Acoustic(Protocol):
    config: dict  # the model's [model] settings (features, hidden, layers, cell, ...)

    def frames(self, features: np.ndarray) -> np.ndarray:
        """Input frames (T, F) -> the RNN's frames (T', D)."""

    def window(self, x: np.ndarray, commit: int,
               states: States | None) -> tuple[np.ndarray, States]:
        """Log-probs (T', V) of a window of the RNN's frames, from the carried states (None:
        zero), and the states after its first `commit` frames."""


def zero_states(config: dict) -> States:
    count = config["layers"] * (2 if config["cell"] == "lstm" else 1)
    return [np.zeros((1, 1, config["hidden"]), np.float32) for _ in range(count)]


def log_probs(network: Acoustic, features: np.ndarray) -> np.ndarray:
    """(T', V) log-probabilities of a whole utterance's input frames."""
    x = network.frames(features)
    return network.window(x, len(x), None)[0]


class OnnxAcoustic:
    """frames.onnx and window.onnx of a model folder (or of a speaker's profile) on
    onnxruntime."""

    def __init__(self, path: Path, config: dict, threads: int = 1) -> None:
        """threads: onnxruntime's; one, because a recurrent network over one utterance runs
        step by step: a second thread made it a third slower (voice bench asr)."""
        self.config = config
        self._frames, self._window = (session(path / name, threads) for name in (FRAMES, WINDOW))
        self.state_names = [i.name for i in self._window.get_inputs()][2:]

    def frames(self, features: np.ndarray) -> np.ndarray:
        return self._frames.run(None, {"features": np.asarray(features, np.float32)[None]})[0][0]

    def window(self, x: np.ndarray, commit: int,
               states: States | None) -> tuple[np.ndarray, States]:
        states = states if states is not None else zero_states(self.config)
        out, *states = self._window.run(None, {
            "x": np.ascontiguousarray(x, np.float32)[None], "commit": np.array(commit, np.int64),
            **dict(zip(self.state_names, states, strict=True))})
        return out[0], states
