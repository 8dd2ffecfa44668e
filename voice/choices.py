"""The choices a user makes (command-line options, config fields), in a module that imports
nothing heavy, so the command line can offer them without loading torch."""

from __future__ import annotations

from enum import StrEnum

DEFAULT_PROFILE = "default"  # the enrolment used whenever it exists (voice.asr.profiles)


class Decoder(StrEnum):
    """The recogniser's decoding: beam search with the word LM (more accurate), or greedy."""

    greedy = "greedy"
    beam = "beam"


class Vad(StrEnum):
    """The voice-activity detector. Silero is the live default (it keeps working when other
    people talk); WebRTC the batch default (`BatchConfig`), where its 15x speed matters more."""

    silero = "silero"
    webrtc = "webrtc"


class Mode(StrEnum):
    """What the live pipeline does with each utterance."""

    translate = "translate"  # English text and speech
    assistant = "assistant"  # an action and its spoken Spanish reply
    transcribe = "transcribe"  # Spanish text only


class SpeechEngine(StrEnum):
    """Speech out: the espeak-ng program (the Linux default: renders to a buffer, a process
    per utterance, so it is thread-safe) or pyttsx3 (the platform's own: SAPI5 on Windows,
    NSSpeechSynthesizer on macOS, libespeak-ng on Linux), used where espeak-ng is missing."""

    espeak_ng = "espeak-ng"
    pyttsx3 = "pyttsx3"


class RecognizerKind(StrEnum):
    """Which recogniser writes the text: the BiLSTM-CTC over Whisper base's frozen encoder
    (reads unseen voices far better; needs the Whisper base wheels) or the small log-mel
    BiLSTM-CTC (no encoder; also the live pipeline's streaming first pass)."""

    encoder = "encoder"
    small = "small"

    @property
    def folder(self) -> str:
        """Its model folder under models/."""
        return {"encoder": "asr-es-encoder", "small": "asr-es"}[self.value]
