"""Drascula: real acted speech (about ten voices) with its text in six languages.

Debian `drascula-spanish` holds the Spanish clips (`es/*.ALS`: raw unsigned 8-bit mono at
11,025 Hz), Debian `drascula` the English ones and `drascula.dat`, ScummVM's table file with
every line in en, es, de, fr, it, ru. Table *t* belongs to one character; its entry *i* is the
clip `<prefix><i>.ALS` (the protagonist's table has no prefix). The texts are uppercase with
accents missing: `spanish_text` normalises them and restores accents the lexicon is sure of.

Whole characters are held out: those of `assets/splits/drascula-heldout.ids` for final
evaluation (never read for training or tuning), and `DEV_SPEAKERS` for our own dev set.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soxr

from voice.audio import SAMPLE_RATE
from voice.data.accents import accent_lexicon
from voice.errors import VoiceInputError
from voice.system import require_file
from voice.text import restore_accents

ROOT = Path("/usr/share/scummvm/drascula")
TABLES = ROOT / "en" / "drascula.dat"
PACKAGES = {"es": "drascula-spanish", "en": "drascula"}
LANGUAGES = ("en", "es", "de", "fr", "it", "ru")
RATE = 11025
FIRST_TABLE = 501
HELDOUT = Path(__file__).resolve().parents[2] / "assets" / "splits" / "drascula-heldout.ids"
# Character tables in file order: clip prefix -> speaker name. Tables after these (menus,
# intro captions) have no speech.
CHARACTERS = {"": "hacker", "D": "drascula", "B": "drunk", "BJ": "bj", "E": "e", "I": "igor",
              "L": "l", "P": "pianist", "T": "barman", "VB": "vonbraun"}
DEV_SPEAKERS = ("igor", "e", "pianist")  # our dev set: voices training never hears
_CLIP = re.compile(r"^([A-Z]*)(\d+)$")
_ANNOTATION = re.compile(r"\([^)]*\)")
_LETTERS = re.compile(r"[a-zñáéíóúü]")


def parse_tables(data: bytes) -> list[dict[str, list[str]]]:
    """Every text table of a drascula.dat: [{lang: entries}], entries in clip-number order.

    A table is a big-endian count, then per language a 4-byte block size and `count` entries,
    each a big-endian uint32 length (counting itself) and a CP850 NUL-padded string.
    """
    # the first table (the protagonist's 501 lines) starts with its count and an empty entry 0
    first = re.search(re.escape(struct.pack(">H", FIRST_TABLE)) + b"..\x00\x00\x00\x04", data,
                      re.DOTALL)
    if first is None:
        raise ValueError("no text tables found")
    offset = first.start()
    tables = []
    while offset + 4 <= len(data):
        count = struct.unpack(">H", data[offset:offset + 2])[0]
        offset += 4
        table: dict[str, list[str]] = {}
        try:
            for index, lang in enumerate(LANGUAGES):
                entries = []
                for _ in range(count):
                    (size,) = struct.unpack(">I", data[offset:offset + 4])
                    if size < 4 or offset + size > len(data):
                        raise ValueError("bad entry")
                    entries.append(data[offset + 4:offset + size].split(b"\0")[0]
                                   .decode("cp850"))
                    offset += size
                table[lang] = entries
                if index < len(LANGUAGES) - 1:
                    offset += 4
        except (ValueError, struct.error):
            break
        tables.append(table)
        if data[offset:offset + 2] == b"\x00\x00":
            offset += 2
    return tables


@cache
def lines(lang: str) -> dict[str, str]:
    """clip id ('12', 'D3', ...) -> raw text of that line in `lang`, for every character."""
    path = require_file(TABLES, "drascula", "Drascula's text tables")
    try:
        tables = parse_tables(path.read_bytes())
    except ValueError as error:
        raise VoiceInputError(path, f"not a drascula.dat this reader knows ({error})") from None
    out = {}
    for prefix, table in zip(CHARACTERS, tables, strict=False):
        for number, text in enumerate(table[lang]):
            if number and text.strip():
                out[f"{prefix}{number}"] = text
    return out


def speaker(clip_id: str) -> str:
    match = _CLIP.match(clip_id)
    if match is None or match.group(1) not in CHARACTERS:
        raise ValueError(f"not a Drascula clip id: {clip_id}")
    return CHARACTERS[match.group(1)]


def heldout_ids(path: Path | None = None) -> set[str]:
    """Clip ids reserved for final evaluation (in every language's release)."""
    path = path or HELDOUT
    return {Path(line.strip()).stem for line in path.read_text().splitlines() if line.strip()}


def clip(lang: str, clip_id: str) -> Path:
    folder = require_file(ROOT / lang, PACKAGES[lang], f"Drascula's {lang} speech")
    return folder / f"{clip_id}.ALS"


def read_clip(path: Path) -> np.ndarray:
    """Raw unsigned 8-bit 11,025 Hz -> 16 kHz float32."""
    raw = np.frombuffer(path.read_bytes(), dtype=np.uint8).astype(np.float32)
    audio = (raw - 128.0) / 128.0
    return soxr.resample(audio, RATE, SAMPLE_RATE, quality="HQ").astype(np.float32)


def spanish_text(raw: str) -> str:
    """Game text -> a transcript: lowercase, annotations like (PITIDO) dropped, the 'º' the game
    uses for a space made one, accents restored where the lexicon is sure."""
    text = _ANNOTATION.sub(" ", raw.replace("º", " ")).lower()
    return " ".join(restore_accents(text, accent_lexicon()).split())


@dataclass(frozen=True)
class Line:
    clip_id: str
    speaker: str
    text: str


def spoken_lines(lang: str = "es", heldout: set[str] | None = None) -> list[Line]:
    """Lines with a clip in `lang`'s release, the reserved clips left out."""
    heldout = heldout_ids() if heldout is None else heldout
    texts = lines(lang)
    out = []
    for clip_id, raw in texts.items():
        if clip_id in heldout or not clip(lang, clip_id).exists():
            continue
        text = spanish_text(raw) if lang == "es" else " ".join(raw.lower().split())
        if _LETTERS.search(text):
            out.append(Line(clip_id, speaker(clip_id), text))
    return out
