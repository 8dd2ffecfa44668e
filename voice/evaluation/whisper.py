"""Whisper base (faster-whisper, int8) as an evaluation baseline only (DESIGN section 6): what a
user would install instead, scored on our files. Never shipped: the runtime must not import it.

Its answers never change for the same audio and settings, and it runs about real time on one
core, so each answer is kept in the user cache with the seconds it took: scoring a new model
of ours beside it again costs nothing, and its real-time factor stays the measured one."""

from __future__ import annotations

import hashlib
import json
import os
import time
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
        self.beam_size, self.threads = beam_size, cpu_threads
        self.model = faster_whisper.WhisperModel(
            str(folder or model_folder()), device="cpu", compute_type="int8",
            cpu_threads=cpu_threads, local_files_only=True)
        self.last_seconds = 0.0  # what the last answer took to compute (cached or not)
        self.cache = _answers_file(folder)
        self.known = _read_answers(self.cache)

    def _run(self, audio: np.ndarray, task: str) -> str:
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        key = f"{task}:{self.beam_size}:{self.threads}:{hashlib.sha1(audio.tobytes()).hexdigest()}"
        if key in self.known:
            text, self.last_seconds = self.known[key]
            return text
        start = time.perf_counter()
        segments, _ = self.model.transcribe(
            audio, language="es", task=task, beam_size=self.beam_size,
            without_timestamps=True, vad_filter=False)
        text = " ".join(s.text.strip() for s in segments).strip()
        self.last_seconds = time.perf_counter() - start
        self.known[key] = (text, self.last_seconds)
        with self.cache.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"key": key, "text": text, "seconds": self.last_seconds},
                                 ensure_ascii=False) + "\n")
        return text

    def transcribe(self, audio: np.ndarray) -> str:
        """16 kHz float32 Spanish speech -> Spanish text."""
        return self._run(audio, "transcribe")

    def translate(self, audio: np.ndarray) -> str:
        """16 kHz float32 Spanish speech -> English text (Whisper's translate task)."""
        return self._run(audio, "translate")


def _answers_file(folder: Path | None) -> Path:
    """Where the answers are kept: beside the assembled model (the user cache)."""
    where = Path(folder or model_folder())
    return where / "answers.jsonl"


def _read_answers(path: Path) -> dict[str, tuple[str, float]]:
    known: dict[str, tuple[str, float]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                known[row["key"]] = (row["text"], float(row["seconds"]))
            except (ValueError, KeyError):
                continue  # a line cut short by a kill
    return known
