"""The wake phrase's second stage, as phone assistants check theirs: when the small detector
fires, the encoder recogniser reads the last seconds and must find "oye Zafira" in them before
the assistant wakes. The detector is cheap and always on; the recogniser runs only when it
fires, and its encoder has heard enough voices to tell the phrase from a sound-alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from voice.audio import SAMPLE_RATE
from voice.text import normalize_es
from voice.wake.detector import PHRASE

if TYPE_CHECKING:
    from voice.asr.recognizer import Recognizer


def letters(text: str) -> str:
    """Lowercase letters only, accents folded, z and c-before-e/i read as s (seseo): how the
    phrase may be spelt by a recogniser that hears it right."""
    folded = normalize_es(text, fold=True).replace(" ", "").replace("'", "")
    return folded.replace("ce", "se").replace("ci", "si").replace("z", "s")


def edits_within(pattern: str, text: str) -> int:
    """The fewest letter edits that turn some stretch of text into pattern (approximate
    substring matching, Sellers 1980)."""
    previous = [0] * (len(text) + 1)  # a match may start anywhere in text
    for i, p in enumerate(pattern, 1):
        current = [i] + [0] * len(text)
        for j, t in enumerate(text, 1):
            current[j] = min(previous[j - 1] + (p != t), previous[j] + 1, current[j - 1] + 1)
        previous = current
    return min(previous)


class RecentAudio:
    """The last seconds of a stream, kept for the check to read when the detector fires."""

    def __init__(self, seconds: float = 3.0) -> None:
        self.limit = round(seconds * SAMPLE_RATE)
        self.blocks: list[np.ndarray] = []

    def add(self, block: np.ndarray) -> None:
        self.blocks.append(block)
        while sum(len(b) for b in self.blocks) - len(self.blocks[0]) > self.limit:
            self.blocks.pop(0)

    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)


class WakeCheck:
    """check(audio) -> whether the phrase is in the last `window` seconds of audio."""

    def __init__(self, recognizer: Recognizer, window: float = 2.0, edits: int = 3) -> None:
        self.recognizer, self.window, self.edits = recognizer, window, edits
        self.phrase = letters(PHRASE)

    def heard(self, audio: np.ndarray) -> str:
        """What the recogniser reads in the window (best path: the phrase's name is in no
        word list, so the LM's lexicon could not spell it)."""
        tail = np.asarray(audio, np.float32)[-round(self.window * SAMPLE_RATE):]
        return self.recognizer.greedy(self.recognizer.log_probs(tail))

    def __call__(self, audio: np.ndarray) -> bool:
        return edits_within(self.phrase, letters(self.heard(audio))) <= self.edits
