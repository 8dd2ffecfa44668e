"""Text -> speech with espeak-ng: render to samples, write a WAV, or play through sounddevice.

We drive the espeak-ng program directly (the engine pyttsx3 wraps on Linux): pyttsx3 2.99's
espeak driver writes files after `runAndWait()` returns and plays through `aplay`, so it can
neither render to a buffer reliably nor share the pipeline's output stream. A process per
utterance is also thread-safe, so speech never holds up the recogniser.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from functools import cache

import numpy as np
import soundfile as sf

from voice.data.system import require_program
from voice.errors import VoiceError

VOICES = {"en": "en-us", "es": "es"}


@dataclass
class Speech:
    samples: np.ndarray  # float32 mono
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


@cache
def _voices() -> set[str]:
    espeak = require_program("espeak-ng", "espeak-ng", "Text-to-speech")
    listing = subprocess.run([espeak, "--voices"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1:]
    return {name for line in listing if len(line.split()) >= 5
            for name in (line.split()[1], line.split()[4].split("/")[-1])}


class Speaker:
    """render(text) -> Speech; speak(text) plays it. `voice` is any espeak-ng voice, with an
    optional variant (en-us+f3); by default the language's standard voice."""

    def __init__(self, lang: str = "en", rate: int = 170, voice: str | None = None) -> None:
        self.espeak = require_program("espeak-ng", "espeak-ng", "Text-to-speech")
        self.voice = voice or VOICES.get(lang, lang)
        if self.voice.split("+")[0] not in _voices():
            raise VoiceError(f"no espeak-ng voice {self.voice!r} (list them: espeak-ng --voices)")
        if not 80 <= rate <= 450:
            raise VoiceError(f"speech rate {rate} words/minute is outside 80-450")
        self.rate = rate

    def render(self, text: str) -> Speech:
        if not text.strip():
            return Speech(np.zeros(0, np.float32), 22_050)
        done = subprocess.run([self.espeak, "-v", self.voice, "-s", str(self.rate), "--stdout"],
                              input=text.encode("utf-8"), capture_output=True, check=False)
        if done.returncode != 0 or not done.stdout:
            raise VoiceError(f"espeak-ng failed: {done.stderr.decode(errors='replace')[:200]}")
        samples, rate = sf.read(io.BytesIO(done.stdout), dtype="float32")
        return Speech(samples, rate)

    def speak(self, text: str) -> Speech:
        """Render and play through the default output device; returns after playback."""
        speech = self.render(text)
        if len(speech.samples):
            play(speech)
        return speech


def play(speech: Speech, device: object = None) -> None:
    from voice.devices import output_stream

    with output_stream(speech.rate, device) as stream:
        stream.write(speech.samples[:, None])
