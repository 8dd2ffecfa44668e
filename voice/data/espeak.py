"""Synthetic Spanish speech from espeak-ng: many voice variants, speeds and pitches."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

from voice.audio import SAMPLE_RATE
from voice.data.synth import trim_silence
from voice.system import require_program

BASE_VOICES = ("es", "es-419")
# Whole variants kept out of training, so the synthetic dev set measures unseen voices.
DEV_VARIANTS = ("f4", "m6", "klatt3", "edward", "linda", "quincy", "steph2", "iven3", "max",
                "anika")
# Variants that are not speech-like enough to teach anything (robot effects, whisper, test voice).
SKIP_VARIANTS = ("fast", "Demonic", "robosoft", "UniRobot", "anikaRobot", "whisper", "whisperf")


@dataclass(frozen=True)
class EspeakVoice:
    base: str
    variant: str
    speed: int  # words per minute
    pitch: int  # 0-99

    @property
    def name(self) -> str:
        return f"{self.base}+{self.variant}"

    def synthesize(self, text: str) -> np.ndarray:
        return synthesize(text, self)


def variants() -> list[str]:
    """Installed espeak-ng voice variants usable for Spanish, sorted for determinism."""
    espeak = require_program("espeak-ng", "espeak-ng", "Synthetic Spanish speech")
    listing = subprocess.run([espeak, "--voices=variant"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1:]
    names = {line.split()[4].split("/")[-1] for line in listing if len(line.split()) >= 5}
    return sorted(n for n in names if not n.startswith(SKIP_VARIANTS))


def synthesize(text: str, voice: EspeakVoice) -> np.ndarray:
    """Speak text with espeak-ng -> 16 kHz mono float32, leading/trailing silence trimmed."""
    espeak = require_program("espeak-ng", "espeak-ng", "Synthetic Spanish speech")
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(
            [espeak, "-v", voice.name, "-s", str(voice.speed), "-p", str(voice.pitch),
             "-w", tmp.name],
            input=text.encode("utf-8"), check=True, capture_output=True,
        )
        audio, rate = sf.read(tmp.name, dtype="float32")
    audio = soxr.resample(audio, rate, SAMPLE_RATE) if rate != SAMPLE_RATE else audio
    return trim_silence(audio).astype(np.float32)
