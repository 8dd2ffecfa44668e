"""Tux Paint's spoken Spanish stamp descriptions (voice.data.tuxpaint) on stamps made here."""

from __future__ import annotations

import shutil

import numpy as np
import soundfile as sf

from voice.audio import SAMPLE_RATE
from voice.data import tuxpaint


def _stamp(folder, name, texts: dict[str, str], audio: np.ndarray | None, suffix="_desc_es"):
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{name} description", *(f"{lang}.utf8={t}" for lang, t in texts.items())]
    (folder / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if audio is not None:
        sf.write(folder / f"{name}{suffix}.ogg", audio, SAMPLE_RATE, format="OGG")


def test_clips_pair_each_spanish_recording_with_its_text_once(tmp_path):
    rng = np.random.default_rng(0)
    voice, other, digit = (0.1 * rng.standard_normal(SAMPLE_RATE).astype(np.float32)
                           for _ in range(3))
    _stamp(tmp_path / "animals", "badger", {"en": "A badger.", "es": "Un tejón."}, voice)
    _stamp(tmp_path / "money", "dime", {"es": "Diez centavos ($0,10), el «dime»."}, other)
    _stamp(tmp_path / "letters" / "filled", "a", {"es": "La letra A."}, other)  # same bytes
    _stamp(tmp_path / "letters" / "outline", "a", {"es": "La letra A."}, None)
    shutil.copy(tmp_path / "letters" / "filled" / "a_desc_es.ogg", tmp_path / "letters" / "outline")
    _stamp(tmp_path / "plants", "rose", {"en": "A rose."}, voice)  # no Spanish text
    _stamp(tmp_path / "symbols" / "math", "7", {"es": "7"}, digit, suffix="_es")
    clips = tuxpaint.clips(tmp_path)
    by_id = {c.clip_id: c for c in clips}
    assert by_id["animals/badger"].text == "Un tejón."
    assert by_id["money/dime"].text == "Diez centavos, el dime."  # the unread figures dropped
    assert by_id["symbols/math/7"].text == "siete"
    assert by_id["symbols/math/7"].speaker == "tuxpaint-child"
    assert by_id["animals/badger"].speaker == "tuxpaint-woman"
    assert "plants/rose" not in by_id
    letters = [c for c in clips if c.clip_id.startswith("letters/")]
    assert len(letters) == 1  # two stamps, one recording: heard once
    assert len(clips) == 4


def test_spoken_text_spells_numbers_and_keeps_quoted_words():
    assert tuxpaint.spoken_text("Una moneda de 25 centavos ($0,25), conocida como «cuarto».") \
        == "Una moneda de veinticinco centavos, conocida como cuarto."
