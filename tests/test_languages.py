"""The other-language importer on fixtures built here: fake Asterisk and Drascula releases."""

import gzip
import json

import numpy as np
import soundfile as sf

from voice.data import asterisk, drascula, languages

from .conftest import needs

TRAIN_ID, DEV_ID = asterisk.split_ids("train")[0], asterisk.split_ids("dev")[0]
RESERVED_ID = "reserved-prompt"  # in neither split: kept for final evaluation
assert RESERVED_ID not in {*asterisk.split_ids("train"), *asterisk.split_ids("dev")}


def _speech_like(seconds: float, rate: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (0.1 * rng.standard_normal(int(seconds * rate))).astype(np.float32)


def _fake_asterisk(tmp_path, monkeypatch):
    sounds = tmp_path / "sounds" / languages.ASTERISK_VOICES["en"]
    sounds.mkdir(parents=True)
    for prompt in (TRAIN_ID, DEV_ID, RESERVED_ID, "beep"):
        sf.write(sounds / f"{prompt}.wav", _speech_like(1.5, 8000), 8000, subtype="PCM_16")
    transcript = tmp_path / "core-sounds-en.txt.gz"
    with gzip.open(transcript, "wt", encoding="utf-8") as f:
        f.write("; Core Asterisk Sounds in English\n\n"
                f"{TRAIN_ID}: That agent is already [pause] logged on.\n"
                f"{DEV_ID}: Login incorrect.\n"
                f"{RESERVED_ID}: Please hold while I try that extension.\n"
                "beep: [this is a simple beep tone]\n")
    monkeypatch.setitem(asterisk.TRANSCRIPTS, "en", transcript)
    monkeypatch.setattr(languages, "SOUNDS", tmp_path / "sounds")


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@needs("espeak-ng", "espeak-ng")
def test_asterisk_importer_keeps_reserved_prompts_out(tmp_path, monkeypatch):
    _fake_asterisk(tmp_path, monkeypatch)
    asr = tmp_path / "asr"
    counts = languages.build_asterisk(asr, "en", jobs=1)
    assert counts == {"en-asterisk-train": 1, "en-asterisk-dev": 1}
    train, dev = _rows(asr / "en-asterisk-train.jsonl"), _rows(asr / "en-asterisk-dev.jsonl")
    assert [r["id"] for r in train] == [TRAIN_ID] and [r["id"] for r in dev] == [DEV_ID]
    row = train[0]
    assert row["text"] == "That agent is already logged on."  # annotation dropped
    assert row["lang"] == "en" and row["source"] == "asterisk"
    assert row["speaker"] == "asterisk-en_US-f-allison"
    assert row["phones"].split()[:3] == ["ð", "æ", "t"]
    audio, rate = sf.read(asr / row["audio"])
    assert rate == 16000 and audio.ndim == 1 and abs(row["duration"] - 1.5) < 0.01
    assert not list(asr.rglob(f"{RESERVED_ID}*"))

    wav = asr / row["audio"]
    stamp = wav.stat().st_mtime_ns
    languages.build_asterisk(asr, "en", jobs=1)  # resumable: finished WAVs are kept
    assert wav.stat().st_mtime_ns == stamp


@needs("espeak-ng", "espeak-ng")
def test_drascula_english_leaves_dev_characters_and_sound_effects_out(tmp_path, monkeypatch):
    lines = [drascula.Line("1", "hacker", "that's the second biggest door i've seen"),
             drascula.Line("2", "hacker", "i hope someone f...(whistle) you"),
             drascula.Line("I3", drascula.DEV_SPEAKERS[0], "yes master")]
    for line in lines:  # raw unsigned 8-bit at 11,025 Hz, as the game ships them
        raw = (128 + 100 * _speech_like(2.0, drascula.RATE)).clip(0, 255).astype(np.uint8)
        (tmp_path / f"{line.clip_id}.ALS").write_bytes(raw.tobytes())
    monkeypatch.setattr(drascula, "spoken_lines", lambda lang: lines)
    monkeypatch.setattr(drascula, "clip", lambda lang, clip_id: tmp_path / f"{clip_id}.ALS")
    asr = tmp_path / "asr"
    assert languages.build_drascula(asr, "en", jobs=1) == {"en-drascula-train": 1}
    (row,) = _rows(asr / "en-drascula-train.jsonl")
    assert row["id"] == "1" and row["speaker"] == "drascula-hacker" and row["lang"] == "en"
    assert sf.info(str(asr / row["audio"])).samplerate == 16000
