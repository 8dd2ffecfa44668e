"""Pool worker shared by the synthesizers: text -> WAV file, skipped when already written."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf

from voice.audio import SAMPLE_RATE, save_wav


class Voice(Protocol):
    name: str

    def synthesize(self, text: str) -> np.ndarray: ...


def write_utterance(job: tuple[str, str, Voice]) -> tuple[str, float]:
    """Synthesize to path unless it is already there (resumable builds); returns duration."""
    path, text, voice = job
    if Path(path).exists():
        return path, sf.info(path).duration
    audio = voice.synthesize(text)
    save_wav(path, audio)
    return path, len(audio) / SAMPLE_RATE
