"""SVOX Pico (Debian non-free `libttspico-utils`, Apache-2.0 lingware): its es-ES voice.

A fourth synthesizer, native Spanish like AhoTTS but another engine and another woman, and a
wideband one: the real voices we train on are men and one telephone woman. Pico's own pitch
and rate markup and a vocal-tract shift (resampling, as for AhoTTS) vary its one timbre. It
speaks about a hundred times faster than real time, so hours of it cost minutes.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from voice.audio import SAMPLE_RATE
from voice.data.synth import peak_normalise, trim_silence
from voice.errors import VoiceError
from voice.system import require_program

# Pico reads its markup's characters aloud when escaped ("&amp;" as a word the transcript lacks)
_MARKUP = re.compile(r"[<>&]")


@dataclass(frozen=True)
class PicoVoice:
    """Pico's es-ES voice: `pitch` and `rate` in percent of its own (Pico's markup), `shift`
    > 1 a shorter vocal tract, as resampling makes it."""

    pitch: int = 100
    rate: int = 100
    shift: float = 1.0

    @property
    def name(self) -> str:
        return f"pico:es-ES@{self.pitch}/{self.rate}/{self.shift:.2f}"

    @property
    def speed(self) -> float:
        return self.rate / 100 * self.shift

    def synthesize(self, text: str) -> np.ndarray:
        program = require_program("pico2wave", "libttspico-utils", "the Pico voice")
        markup = (f'<pitch level="{self.pitch}"><speed level="{self.rate}">{_MARKUP.sub(" ", text)}'
                  "</speed></pitch>")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "pico.wav"  # pico2wave wants the .wav name
            done = subprocess.run([program, "-l", "es-ES", "-w", str(path), markup],
                                  capture_output=True)
            if done.returncode or not path.exists():
                raise VoiceError(f"pico2wave could not say {text!r}: "
                                 f"{done.stderr.decode(errors='replace').strip()}")
            audio, rate = sf.read(path, dtype="float32")
        if not audio.size:
            raise VoiceError(f"pico2wave said nothing for {text!r}")
        audio = soxr.resample(audio, rate * self.shift, SAMPLE_RATE)
        return peak_normalise(trim_silence(audio, before=0.05, after=0.1))
