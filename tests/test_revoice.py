"""Re-voiced copies (voice.data.revoice): the pitch and the formants move, the timing stays."""

import numpy as np
import pytest

from voice.audio import SAMPLE_RATE, load_audio, save_wav
from voice.data import revoice
from voice.manifest import read_jsonl, write_jsonl

pyworld = pytest.importorskip("pyworld")


def _vowel(f0: float, formant: float, seconds: float = 1.0) -> np.ndarray:
    """A voiced vowel-like tone: harmonics of f0 shaped by one formant peak."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    harmonics = np.arange(1, int(7000 / f0))
    gains = np.exp(-(((harmonics * f0) - formant) / 300.0) ** 2) + 0.02
    wave = (gains[:, None] * np.sin(2 * np.pi * f0 * harmonics[:, None] * t)).sum(0)
    return (0.5 * wave / np.abs(wave).max()).astype(np.float32)


def _f0(audio: np.ndarray) -> float:
    f0, _ = pyworld.dio(audio.astype(np.float64), SAMPLE_RATE)
    return float(np.median(f0[f0 > 0]))


def _peak(audio: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.fft.rfftfreq(len(audio), 1 / SAMPLE_RATE)[spectrum.argmax()])


def test_revoicing_raises_the_pitch_and_the_formant_and_keeps_the_length():
    man = _vowel(110.0, 800.0)
    woman = revoice.revoice(man, pitch=1.8, formants=1.15)
    assert len(woman) == pytest.approx(len(man), abs=SAMPLE_RATE * 0.01)
    assert _f0(woman) == pytest.approx(1.8 * _f0(man), rel=0.05)
    assert _peak(woman) == pytest.approx(1.15 * 800.0, rel=0.12)  # the formant moved up
    assert np.abs(woman).max() <= 0.9 + 1e-6


def test_a_set_gets_a_revoiced_copy_with_the_same_texts_and_fixed_ratios(tmp_path):
    (tmp_path / "set").mkdir()
    rows = []
    for i in range(3):
        save_wav(tmp_path / "set" / f"{i}.wav", _vowel(100.0 + 10 * i, 700.0, 0.5))
        rows.append({"audio": f"set/{i}.wav", "text": f"frase {i}", "speaker": "hombre",
                     "id": str(i)})
    write_jsonl(tmp_path / "x-train.jsonl", rows)
    assert revoice.build(tmp_path, ["x-train"], jobs=1) == {"x-train-revoiced": 3}
    copies = list(read_jsonl(tmp_path / "x-train-revoiced.jsonl"))
    assert [c["text"] for c in copies] == [r["text"] for r in rows]
    assert {c["speaker"] for c in copies} == {"hombre-revoiced"}
    for row, copy in zip(rows, copies, strict=True):
        assert (copy["pitch"], copy["formants"]) == revoice.ratios(row["audio"])
        assert revoice.PITCH[0] <= copy["pitch"] <= revoice.PITCH[1]
        assert revoice.FORMANTS[0] <= copy["formants"] <= revoice.FORMANTS[1]
        heard = load_audio(tmp_path / copy["audio"])
        assert _f0(heard) == pytest.approx(copy["pitch"] * (100.0 + 10 * int(row["id"])),
                                           rel=0.06)
