"""Text -> speech: render to samples, write a WAV, or play through sounddevice.

Two engines (`SpeechEngine`). On Linux the espeak-ng program is the default: one process per
utterance renders straight to a buffer and is thread-safe, so speech never holds up the
recogniser. pyttsx3 drives the platform's own speech (SAPI5, NSSpeechSynthesizer, or
libespeak-ng); it renders through a temporary WAV file, one utterance at a time, and is chosen
automatically where the espeak-ng program is missing.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soundfile as sf

from voice.choices import SpeechEngine
from voice.errors import VoiceError
from voice.system import require_program

VOICES = {"en": "en-us", "es": "es"}


@dataclass
class Speech:
    samples: np.ndarray  # float32 mono
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def default_engine() -> SpeechEngine:
    return SpeechEngine.espeak_ng if shutil.which("espeak-ng") else SpeechEngine.pyttsx3


@cache
def _espeak_voices() -> set[str]:
    espeak = require_program("espeak-ng", "espeak-ng", "Text-to-speech")
    listing = subprocess.run([espeak, "--voices"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[1:]
    return {name for line in listing if len(line.split()) >= 5
            for name in (line.split()[1], line.split()[4].split("/")[-1])}


class _EspeakNg:
    def __init__(self, voice: str, rate: int) -> None:
        self.espeak = require_program("espeak-ng", "espeak-ng", "Text-to-speech")
        if voice.split("+")[0] not in _espeak_voices():
            raise VoiceError(f"no espeak-ng voice {voice!r} (list them: espeak-ng --voices)")
        self.voice, self.rate = voice, rate

    def render(self, text: str) -> Speech:
        done = subprocess.run([self.espeak, "-v", self.voice, "-s", str(self.rate), "--stdout"],
                              input=text.encode("utf-8"), capture_output=True, check=False)
        if done.returncode != 0 or not done.stdout:
            raise VoiceError(f"espeak-ng failed: {done.stderr.decode(errors='replace')[:200]}")
        samples, rate = sf.read(io.BytesIO(done.stdout), dtype="float32")
        return Speech(samples, rate)


class _Pyttsx3:
    lock = threading.Lock()  # one engine per process, and it is not thread-safe

    def __init__(self, voice: str, rate: int) -> None:
        try:
            import pyttsx3

            self.engine = pyttsx3.init()
        except (ImportError, RuntimeError, OSError) as error:
            raise VoiceError(f"pyttsx3 cannot start a speech engine here ({error})") from None
        self.voice_id = self._find(voice)
        self.rate = rate

    def _find(self, voice: str) -> str:
        """The engine's voice for an espeak-style name ("en-us", "es"): by id or language."""
        wanted = voice.split("+")[0].lower()
        for option in self.engine.getProperty("voices"):
            names = [option.id.lower().rsplit("/", 1)[-1],
                     *(str(lang).lower() for lang in option.languages or [])]
            if wanted in names:
                return option.id
        raise VoiceError(f"pyttsx3 has no voice {voice!r}")

    def render(self, text: str) -> Speech:
        with self.lock, tempfile.TemporaryDirectory(prefix="voice-tts-") as folder:
            target = Path(folder) / "speech.wav"
            self.engine.setProperty("voice", self.voice_id)
            self.engine.setProperty("rate", self.rate)
            # its espeak driver prints a line per file: stdout carries our JSON
            with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):
                self.engine.save_to_file(text, str(target))
                self.engine.runAndWait()
            if not target.is_file() or target.stat().st_size == 0:
                raise VoiceError("pyttsx3 wrote no speech")
            samples, rate = sf.read(target, dtype="float32", always_2d=True)
            return Speech(samples.mean(axis=1), rate)


class Speaker:
    """render(text) -> Speech. `voice` is an espeak-ng voice name, with an optional variant
    (en-us+f3; espeak-ng only); by default the language's standard voice. `engine`: by
    default espeak-ng where it is installed, else pyttsx3."""

    def __init__(self, lang: str = "en", rate: int = 170, voice: str | None = None,
                 engine: SpeechEngine | None = None) -> None:
        if not 80 <= rate <= 450:
            raise VoiceError(f"speech rate {rate} words/minute is outside 80-450")
        self.engine = SpeechEngine(engine or default_engine())
        self.voice = voice or VOICES.get(lang, lang)
        self.rate = rate
        kind = _EspeakNg if self.engine is SpeechEngine.espeak_ng else _Pyttsx3
        self.backend = kind(self.voice, rate)

    def render(self, text: str) -> Speech:
        if not text.strip():
            return Speech(np.zeros(0, np.float32), 22_050)
        return self.backend.render(text)


def play(speech: Speech, device: object = None) -> None:
    """Play through the default output device (or `device`); returns after playback."""
    from voice.devices import output_stream

    with output_stream(speech.rate, device) as stream:
        stream.write(speech.samples[:, None])
