"""What the synthesizers share: espeak-ng IPA, ONNX sessions, silence trimming, and the pool
worker that writes each utterance once (resumable builds)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Protocol

import numpy as np
import soundfile as sf

from voice.audio import SAMPLE_RATE, save_wav
from voice.system import require_program


def espeak_ipa(text: str, tie: bool = False) -> str:
    """Spanish IPA from espeak-ng, one clause per line joined back with commas."""
    espeak = require_program("espeak-ng", "espeak-ng", "Spanish phonemes")
    args = [espeak, "-q", "-v", "es", "--ipa", *(["--tie=^"] if tie else [])]
    out = subprocess.run(args, input=text.encode("utf-8"), capture_output=True,
                         check=True).stdout.decode("utf-8")
    return ", ".join(line.strip() for line in out.splitlines() if line.strip()) + "."


def trim_silence(audio: np.ndarray, before: float = 0.1, after: float = 0.1) -> np.ndarray:
    """Cut leading/trailing silence, keeping a little (seconds) on each side."""
    loud = np.flatnonzero(np.abs(audio) > 0.01)
    if not loud.size:
        return audio
    return audio[max(0, loud[0] - int(before * SAMPLE_RATE)): loud[-1] + int(after * SAMPLE_RATE)]


def peak_normalise(audio: np.ndarray, peak: float = 0.8) -> np.ndarray:
    return (peak * audio / max(1e-3, float(np.abs(audio).max()))).astype(np.float32)


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
