"""Re-voiced copies of the real male recordings: the same words at a woman's pitch and formants.

The real Spanish we train on is one woman heard through a telephone (Asterisk, 8 kHz) and four
men of one game (Drascula); no wideband female voice is real. Vocal-tract warping of the log-
mels (voice.training.asr.augment) scales pitch and formants together, as speaking faster would.
The WORLD vocoder (Morise et al., 2016; PyPI `pyworld`) takes a clip apart into its pitch
contour, spectral envelope and aperiodicity, so the pitch can rise by a woman's ratio
(x1.6-2.0) while the envelope's formants rise by hers (x1.10-1.20), and the clip is
resynthesised with its own timing, prosody and words: a row of `<set>-revoiced.jsonl` beside
the original's. Each clip's two ratios come from its id, so a rebuild is the same."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import soundfile as sf

from voice.audio import SAMPLE_RATE, load_audio, save_wav
from voice.data.copies import build_copies

PITCH = (1.6, 2.0)  # F0 ratio, an adult man's ~110 Hz to a woman's ~180-220 Hz
FORMANTS = (1.10, 1.20)  # spectral-envelope ratio, a man's vocal tract to a woman's


def ratios(clip: str) -> tuple[float, float]:
    """(pitch, formant) ratios of a clip, fixed by its id."""
    rng = np.random.default_rng(zlib.crc32(clip.encode()))
    return round(rng.uniform(*PITCH), 3), round(rng.uniform(*FORMANTS), 3)


def revoice(audio: np.ndarray, pitch: float, formants: float) -> np.ndarray:
    """16 kHz mono float audio -> the same utterance with its F0 times pitch and its spectral
    envelope stretched up the frequency axis by formants (WORLD analysis and synthesis)."""
    import pyworld

    x = np.asarray(audio, dtype=np.float64)
    f0, times = pyworld.dio(x, SAMPLE_RATE)
    f0 = pyworld.stonemask(x, f0, times, SAMPLE_RATE)
    envelope = pyworld.cheaptrick(x, f0, times, SAMPLE_RATE)
    aperiodicity = pyworld.d4c(x, f0, times, SAMPLE_RATE)
    bins = np.arange(envelope.shape[1], dtype=np.float64)
    # a formant at bin k moves to bin k * formants: the new bin j reads the old bin j / formants
    source = bins / formants
    low = np.floor(source).astype(int)
    frac = source - low
    high = np.minimum(low + 1, len(bins) - 1)
    warped = envelope[:, low] * (1 - frac) + envelope[:, high] * frac
    out = pyworld.synthesize(f0 * pitch, np.ascontiguousarray(warped), aperiodicity,
                             SAMPLE_RATE)
    peak = max(float(np.abs(out).max()), 1e-9)
    return (out * min(1.0, 0.9 / peak)).astype(np.float32)


def revoiced_copy(job: tuple[Path, Path, tuple[float, float]]) -> float:
    """source WAV -> its re-voiced copy at target, by (pitch, formants) ratios, once (a
    finished copy is kept); its duration."""
    source, target, (pitch, formants) = job
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        save_wav(target, revoice(load_audio(source), pitch, formants))
    return sf.info(str(target)).duration


def build(asr: Path, names: list[str], jobs: int | None = None) -> dict[str, int]:
    """asr/<name>-revoiced.jsonl for each manifest asr/<name>.jsonl, WAVs under
    asr/revoiced/<name>/; the speaker of a copy is its original's with `-revoiced`."""
    counts = {}
    for name in names:
        counts.update(build_copies(
            asr, name, "revoiced", revoiced_copy, lambda r: ratios(r["audio"]),
            lambda r, s: {"speaker": f"{r['speaker']}-revoiced", "pitch": s[0],
                          "formants": s[1]}, jobs))
    return counts
