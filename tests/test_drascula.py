import struct

import numpy as np
import pytest

from voice.data import drascula
from voice.data.asr import build_drascula
from voice.manifest import read_jsonl


def _entry(text: str) -> bytes:
    data = text.encode("cp850")
    if data:  # NUL-terminated, padded to 4 bytes
        data += b"\0" * (4 - len(data) % 4)
    return struct.pack(">I", 4 + len(data)) + data


def _dat(tables: list[dict[str, list[str]]]) -> bytes:
    """A drascula.dat laid out as ScummVM's: static data, then each table's count and its
    entries in every language, a 4-byte block header between languages."""
    out = b"DRASCULA\x06\x00" + bytes(range(64))
    for t, table in enumerate(tables):
        count = len(table["en"])
        out += (b"\0\0" if t else b"") + struct.pack(">H", count) + b"NB"
        for k, lang in enumerate(drascula.LANGUAGES):
            out += (b"\0\0\0\0" if k else b"") + b"".join(_entry(x) for x in table[lang])
    return out


def _table(texts: dict[int, str], count: int) -> dict[str, list[str]]:
    entries = [texts.get(i, "") for i in range(count)]
    return {lang: entries for lang in drascula.LANGUAGES}


@pytest.fixture
def game(tmp_path, monkeypatch):
    """A tiny game: the protagonist's table and Drascula's, Spanish clips for some lines."""
    main = _table({1: "ES LA PUERTA MAS GRANDE", 2: "¡QUE ME MUERO! (PITIDO)",
                   3: "OºMEºPONES", 4: "ADIOS"}, drascula.FIRST_TABLE)
    tables = [main, _table({1: "SOY DRASCULA"}, 3), _table({}, 15), _table({}, 29),
              _table({}, 24), _table({1: "MAESTRO, ESTO NO RULA"}, 33)]
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "drascula.dat").write_bytes(_dat(tables))
    (tmp_path / "es").mkdir()
    rng = np.random.default_rng(0)
    for clip_id, seconds in {"1": 1.5, "2": 1.0, "3": 0.8, "4": 0.6, "D1": 0.9, "I1": 1.4}.items():
        samples = (128 + 40 * rng.standard_normal(int(drascula.RATE * seconds))).clip(0, 255)
        (tmp_path / "es" / f"{clip_id}.ALS").write_bytes(samples.astype(np.uint8).tobytes())
    heldout = tmp_path / "heldout.ids"
    heldout.write_text("4.ALS\n")
    monkeypatch.setattr(drascula, "ROOT", tmp_path)
    monkeypatch.setattr(drascula, "TABLES", tmp_path / "en" / "drascula.dat")
    monkeypatch.setattr(drascula, "HELDOUT", heldout)
    drascula.lines.cache_clear()
    yield tmp_path
    drascula.lines.cache_clear()


def test_tables_parse_in_clip_order(game):
    tables = drascula.parse_tables((game / "en" / "drascula.dat").read_bytes())
    assert [len(t["es"]) for t in tables] == [drascula.FIRST_TABLE, 3, 15, 29, 24, 33]
    assert tables[0]["es"][1] == "ES LA PUERTA MAS GRANDE" and tables[1]["fr"][1] == "SOY DRASCULA"
    assert drascula.lines("es")["I1"] == "MAESTRO, ESTO NO RULA"


def test_spanish_text_is_normalised_and_accents_restored_only_where_sure():
    assert drascula.spanish_text("ES LA PUERTA MAS GRANDE") == "es la puerta más grande"
    assert drascula.spanish_text("¡QUE ME MUERO! (PITIDO)") == "¡que me muero!"
    assert drascula.spanish_text("OºMEºPONES") == "o me pones"
    assert drascula.spanish_text("ESTA AQUI") == "esta aquí"  # esta / está: left as written


def test_reserved_clips_never_read_and_dev_holds_whole_characters(game, tmp_path):
    spoken = drascula.spoken_lines("es")
    assert "4" not in {line.clip_id for line in spoken}
    assert {line.speaker for line in spoken} == {"hacker", "drascula", "igor"}
    counts = build_drascula(tmp_path / "asr", jobs=1)
    assert counts == {"drascula-train": 4, "drascula-dev": 1}
    dev = list(read_jsonl(tmp_path / "asr" / "drascula-dev.jsonl"))
    train = list(read_jsonl(tmp_path / "asr" / "drascula-train.jsonl"))
    assert [r["speaker"] for r in dev] == ["drascula-igor"]
    assert {r["speaker"] for r in train} == {"drascula-hacker", "drascula-drascula"}
    assert abs(train[0]["duration"] - 1.5) < 0.01 and train[0]["text"] == "es la puerta más grande"


def test_clip_is_unsigned_8_bit_at_11025_hz(tmp_path):
    path = tmp_path / "x.ALS"
    path.write_bytes(bytes([128] * 11025 + [255] * 11025))
    audio = drascula.read_clip(path)
    assert audio.dtype == np.float32 and abs(len(audio) - 32000) <= 2
    assert abs(audio[4000]) < 1e-3 and abs(audio[28000] - 127 / 128) < 1e-2


def test_an_unknown_table_file_is_one_clear_error(game):
    from voice.errors import VoiceInputError

    (game / "en" / "drascula.dat").write_bytes(b"DRASCULA\x06\x00" + bytes(200))
    drascula.lines.cache_clear()
    with pytest.raises(VoiceInputError, match="drascula.dat"):
        drascula.lines("es")
