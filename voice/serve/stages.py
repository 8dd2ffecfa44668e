"""The models `voice serve web` shares between its connections, loaded once at start.

Every live connection runs its own `LivePipeline` (the one `voice listen` runs) over these
stages. The passes that are not safe to run from two threads at once (the beam decoder, the
translator's search, the assistant's parser and state) take turns under one lock; the
streaming recogniser's partials run side by side.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice.app import Voice, assisting, translating
from voice.asr.recognizer import Recognizer, Transcript
from voice.batch import BatchConfig, FileTranslator
from voice.choices import Mode
from voice.errors import VoiceError
from voice.intent.assistant import Assistant
from voice.mt.translator import Translator
from voice.pipeline import LiveConfig, Utterance
from voice.tts import VOICES, Speaker

log = logging.getLogger(__name__)
FILE_FORMATS = ("txt", "srt", "vtt")  # what the file drop offers to download
SPEECH_LANGUAGE = {Mode.translate: "en", Mode.assistant: "es"}


class TakingTurns:
    """A recogniser shared by every connection: whole-utterance passes and beam decoding go
    one at a time under the lock; the rest (network, features, greedy) is the recogniser's."""

    def __init__(self, recognizer: Recognizer, lock: threading.Lock) -> None:
        self._recognizer = recognizer
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._recognizer, name)

    def recognize(self, audio: np.ndarray) -> Transcript:
        with self._lock:
            return self._recognizer.recognize(audio)

    def decode(self, log_probs: np.ndarray) -> str:
        with self._lock:
            return self._recognizer.decode(log_probs)


def web_config() -> LiveConfig:
    """`voice listen`'s, in blocks of the page's 32 ms frames rather than 100 ms: audio goes
    on to the endpointer as soon as it arrives."""
    return LiveConfig(block=0.032)


@dataclass
class Stages:
    recognizer: Recognizer  # open decoding: translate, transcribe
    commands: Recognizer  # decoding against the home's command grammar: the assistant
    translator: Translator
    assistant: Assistant
    speakers: dict[str, Speaker]  # language -> voice; empty without a speech engine
    config: LiveConfig = field(default_factory=web_config)
    voice: Voice = field(default_factory=Voice)  # uploads get a recogniser of these options
    lock: threading.Lock = field(default_factory=threading.Lock)
    _files: FileTranslator | None = field(default=None, init=False, repr=False)
    _files_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def recognizer_for(self, mode: Mode) -> TakingTurns:
        return TakingTurns(self.commands if mode is Mode.assistant else self.recognizer,
                           self.lock)

    def respond_for(self, mode: Mode) -> Callable[[Utterance], str] | None:
        """The mode's response (the one `voice listen` gives), taking its turn."""
        if mode is Mode.transcribe:
            return None
        respond = (assisting(self.assistant) if mode is Mode.assistant
                   else translating(self.translator, self.config.beam))

        def in_turn(utterance: Utterance) -> str:
            with self.lock:
                return respond(utterance)

        return in_turn

    def speaker_for(self, mode: Mode) -> Speaker | None:
        return self.speakers.get(SPEECH_LANGUAGE.get(mode, ""))

    def handle(self, text: str) -> dict:
        """A typed command: the line `voice assistant` prints for it."""
        with self.lock:
            return self.assistant.handle(text).to_dict()

    def translate_file(self, path: Path) -> tuple[dict, dict[str, bytes]]:
        """`voice translate`'s result and its subtitle files, one upload at a time. The file
        translator (its own recogniser: uploads never hold up live connections) loads at the
        first upload."""
        with self._files_lock:
            if self._files is None:
                log.info("voice: loading the file translator (first upload)")
                self._files = FileTranslator(Voice(self.voice.options),
                                             BatchConfig(formats=FILE_FORMATS))
            return self._files.translate(path)


def load(voice: Voice, config: LiveConfig | None = None) -> Stages:
    """The stages of `voice listen`'s translate, assistant and transcribe modes, once, from
    the Voice (its options: recogniser, decoder, enrolment, home, state)."""
    speakers: dict[str, Speaker] = {}
    try:
        speakers = {language: voice.speaker(language) for language in VOICES}
    except VoiceError as error:
        log.warning("voice: note: no speech out (%s)", error)
    return Stages(voice.recognizer, voice.commands, voice.translator, voice.assistant(),
                  speakers, config or web_config(), voice)
