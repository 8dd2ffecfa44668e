"""Whisper base (faster-whisper, int8) as an evaluation baseline only (DESIGN section 6): what a
user would install instead, scored on our files. Never shipped: the runtime must not import it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from voice.asr.encoder import INSTALL, model_folder, require

__all__ = ["INSTALL", "WhisperBaseline", "model_folder"]


class WhisperBaseline:
    """Spanish transcripts and Whisper's own speech -> English translation, fully offline."""

    name = "whisper"

    def __init__(self, cpu_threads: int = 2, beam_size: int = 5,
                 folder: Path | None = None) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder needs no hub; never reach for one
        faster_whisper = require("faster-whisper", "--baseline whisper")
        self.beam_size = beam_size
        self.model = faster_whisper.WhisperModel(
            str(folder or model_folder()), device="cpu", compute_type="int8",
            cpu_threads=cpu_threads, local_files_only=True)

    def _run(self, audio: np.ndarray, task: str) -> str:
        segments, _ = self.model.transcribe(
            audio.astype(np.float32, copy=False), language="es", task=task,
            beam_size=self.beam_size, without_timestamps=True, vad_filter=False)
        return " ".join(s.text.strip() for s in segments).strip()

    def transcribe(self, audio: np.ndarray) -> str:
        """16 kHz float32 Spanish speech -> Spanish text."""
        return self._run(audio, "transcribe")

    def translate(self, audio: np.ndarray) -> str:
        """16 kHz float32 Spanish speech -> English text (Whisper's translate task)."""
        return self._run(audio, "translate")
