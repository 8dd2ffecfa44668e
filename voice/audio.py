"""Audio in: any file libsndfile or ffmpeg reads -> 16 kHz mono float32 (the features the
models read are voice.asr.frontend's)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from voice.errors import VoiceInputError
from voice.files import atomic_path

SAMPLE_RATE = 16_000
MAX_SECONDS = 4 * 3600.0  # longer inputs are almost surely a mistake (or need splitting first)


def _read(path: Path) -> tuple[np.ndarray, int]:
    """Decode with libsndfile; anything it cannot read (AAC, Opus in WebM, ...) goes to ffmpeg."""
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        return data, rate
    except (sf.LibsndfileError, RuntimeError, TypeError) as sf_error:
        reason = f"not a readable audio file ({sf_error})"
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise VoiceInputError(path, f"{reason}; installing ffmpeg adds more formats")
    result = subprocess.run(
        [ffmpeg, "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "f32le", "-ac", "1",
         "-ar", str(SAMPLE_RATE), "-"],
        capture_output=True, check=False,
    )
    if result.returncode != 0:
        raise VoiceInputError(path, reason)
    return np.frombuffer(result.stdout, dtype=np.float32)[:, None], SAMPLE_RATE


def _frames(path: Path) -> tuple[int, int] | None:
    """(frames, rate) without decoding, when libsndfile reads the container."""
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return None
    return (info.frames, info.samplerate) if info.samplerate else None


def load_audio(path: str | Path, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Read an audio file as 16 kHz mono float32 in [-1, 1]; VoiceInputError if unusable."""
    path = Path(path)
    if not path.exists():
        raise VoiceInputError(path, "no such file")
    if path.is_dir():
        raise VoiceInputError(path, "is a directory, not an audio file")
    if path.stat().st_size == 0:
        raise VoiceInputError(path, "empty file (0 bytes)")
    known = _frames(path)
    if known is not None and known[0] / known[1] > max_seconds:
        raise VoiceInputError(
            path, f"{known[0] / known[1]:.0f} s long; the limit is {max_seconds:.0f} s")
    data, rate = _read(path)
    if data.size == 0 or data.shape[0] == 0:
        raise VoiceInputError(path, "contains no audio samples")
    if data.shape[0] / rate > max_seconds:
        raise VoiceInputError(
            path, f"{data.shape[0] / rate:.0f} s long; the limit is {max_seconds:.0f} s"
        )
    if not np.isfinite(data).all():
        raise VoiceInputError(path, "contains NaN or infinite samples")
    mono = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def save_wav(path: str | Path, audio: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit PCM WAV atomically (temp file + rename), so a kill never leaves half a file."""
    with atomic_path(path) as tmp:
        sf.write(str(tmp), np.clip(audio, -1.0, 1.0), rate, subtype="PCM_16", format="WAV")
