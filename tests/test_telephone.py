"""Telephone copies of real recordings (voice.data.telephone) on a clip made here."""

from __future__ import annotations

import numpy as np

from tests.conftest import needs
from voice.audio import SAMPLE_RATE, load_audio, save_wav
from voice.data import telephone
from voice.manifest import read_jsonl, write_jsonl


def _band_power(audio: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(len(audio), 1 / SAMPLE_RATE)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum())


@needs("sox", "sox")
def test_every_codec_keeps_the_speech_band_and_drops_the_rest(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    clip = (0.2 * np.sin(2 * np.pi * 1000 * t) + 0.05 * rng.standard_normal(SAMPLE_RATE))
    save_wav(tmp_path / "clip.wav", clip.astype(np.float32))
    for codec in telephone.CODECS:
        target = tmp_path / f"{codec}.wav"
        duration = telephone.through_codec((tmp_path / "clip.wav", target, codec))
        assert abs(duration - 1.0) < 0.05, codec
        heard = load_audio(target)
        speech, above = _band_power(heard, 900, 1100), _band_power(heard, 4500, 8000)
        assert above < 1e-3 * speech, codec  # nothing above the 8 kHz line's band
        original = _band_power(clip, 900, 1100)
        assert 0.1 * original < speech < 2 * original, codec  # the tone comes through


@needs("sox", "sox")
def test_a_set_gets_a_phone_copy_with_the_same_texts_and_a_fixed_codec(tmp_path):
    tone = (0.3 * np.sin(2 * np.pi * 500 * np.arange(8000) / SAMPLE_RATE)).astype(np.float32)
    rows = []
    for i in range(6):
        (tmp_path / "set").mkdir(exist_ok=True)
        save_wav(tmp_path / "set" / f"{i}.wav", tone)
        rows.append({"audio": f"set/{i}.wav", "text": f"frase {i}", "speaker": "s", "id": str(i)})
    write_jsonl(tmp_path / "x-train.jsonl", rows)
    assert telephone.build(tmp_path, ["x-train"], jobs=1) == {"x-train-phone": 6}
    copies = list(read_jsonl(tmp_path / "x-train-phone.jsonl"))
    assert [c["text"] for c in copies] == [r["text"] for r in rows]
    assert all((tmp_path / c["audio"]).exists() and c["audio"].startswith("phone/x-train/")
               for c in copies)
    assert [c["channel"] for c in copies] == [telephone.codec_for(r["audio"]) for r in rows]
    assert len({c["channel"] for c in copies}) > 1  # clips go through different codecs
