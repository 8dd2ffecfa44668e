"""Phone targets shared by every language: espeak-ng IPA mapped onto one fixed inventory.

The auxiliary phone head lets recordings in other languages train the acoustic layers. Its
size is the inventory file `assets/phones.txt` (one phone a line, id = line number; 0 is the
CTC blank), committed so that a model's head never changes size with the data: extend it only
by appending. Stress marks, length marks, liaison hyphens and espeak's own markers are dropped:
they are prosody, not phone identity, and would split one sound into several targets.
espeak's multi-letter phones (tʃ, eɪ, pʲ, ɑ̃) stay single units. Spanish uses espeak's
Latin-American rules (seseo, yeísmo): the Asterisk speaker and many synthetic voices do not make
the θ/s and ʎ/ʝ distinctions.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

from voice.errors import VoiceError
from voice.files import write_atomically
from voice.manifest import read_jsonl
from voice.system import require_program

INVENTORY = Path(__file__).resolve().parents[3] / "assets" / "phones.txt"
VOICES = {"es": "es-419", "en": "en-us", "fr": "fr", "it": "it", "ru": "ru"}
CHUNK_WORDS = 24  # espeak splits long lines by itself; shorter pieces keep one line each
BATCH = 512  # pieces per espeak-ng process
_PUNCTUATION = re.compile(r"[^\w' -]|_")  # clause punctuation also makes espeak split lines
_SWITCH = re.compile(r"\([a-z-]+\)")  # espeak's language-switch flags, e.g. (en)
_MARKS = str.maketrans("", "", "ˈˌːˑ-\"^")  # stress, length, liaison, espeak markers
# espeak units that are two phones of the inventory, or a long one written twice
ALIASES = {"ja": ("j", "a"), "ju": ("j", "u"), "ss": ("s",)}


def voice(lang: str) -> str:
    if lang not in VOICES:
        raise VoiceError(f"no phone rules for language {lang!r} (known: {', '.join(VOICES)})")
    return VOICES[lang]


def _espeak(pieces: Sequence[str], lang: str) -> list[str]:
    """One output line per piece, or more lines when espeak split one in two."""
    espeak = require_program("espeak-ng", "espeak-ng", "Phone targets")
    out = subprocess.run([espeak, "-q", "-b", "1", "-v", voice(lang), "--ipa", "--sep=_"],
                         input="\n".join(pieces).encode("utf-8"), capture_output=True,
                         check=True).stdout.decode("utf-8")
    return out.splitlines()


def _aligned(pieces: Sequence[str], lang: str) -> list[str]:
    """IPA of each piece: a batch whose line count is off is halved until each piece is alone."""
    lines = _espeak(pieces, lang)
    if len(lines) == len(pieces):
        return lines
    if len(pieces) == 1:
        return [" ".join(lines)]
    half = len(pieces) // 2
    return _aligned(pieces[:half], lang) + _aligned(pieces[half:], lang)


def _tokens(ipa: str) -> list[str]:
    marked = (t.translate(_MARKS) for t in re.split(r"[_\s]+", _SWITCH.sub(" ", ipa)))
    return [p for t in marked if t for p in ALIASES.get(t, (t,))]


def raw_phones(texts: Sequence[str], lang: str) -> list[list[str]]:
    """espeak-ng's phones of each text, marks dropped, not yet limited to the inventory."""
    pieces: list[str] = []
    owners: list[int] = []
    for i, text in enumerate(texts):
        words = _PUNCTUATION.sub(" ", text).split()
        for start in range(0, len(words), CHUNK_WORDS):
            pieces.append(" ".join(words[start:start + CHUNK_WORDS]))
            owners.append(i)
    out: list[list[str]] = [[] for _ in texts]
    for start in range(0, len(pieces), BATCH):
        batch = pieces[start:start + BATCH]
        for owner, ipa in zip(owners[start:start + BATCH], _aligned(batch, lang), strict=True):
            out[owner] += _tokens(ipa)
    return out


@cache
def inventory(path: Path = INVENTORY) -> tuple[str, ...]:
    """The shared phones in id order (id = position + 1)."""
    if not path.exists():
        raise VoiceError(f"{path}: no phone inventory (run `python -m voice.data.languages`)")
    return tuple(line for line in path.read_text(encoding="utf-8").splitlines() if line)


def vocab_size() -> int:
    """Outputs of the phone head: the inventory plus the CTC blank."""
    return len(inventory()) + 1


def phones_batch(texts: Sequence[str], lang: str) -> list[list[str]]:
    """Inventory phones of many texts with a few espeak-ng processes; phones outside the
    inventory (rare foreign sounds) are left out."""
    known = set(inventory())
    return [[p for p in ps if p in known] for ps in raw_phones(texts, lang)]


def phones(text: str, lang: str) -> list[str]:
    return phones_batch([text], lang)[0]


@cache
def _ids() -> dict[str, int]:
    return {p: i + 1 for i, p in enumerate(inventory())}


def encode(phone_list: Iterable[str]) -> list[int]:
    return [_ids()[p] for p in phone_list if p in _ids()]


def build_inventory(corpora: dict[str, Sequence[str]], min_count: int = 3) -> list[str]:
    """Phones seen at least min_count times in texts by language, most frequent first."""
    counts: Counter[str] = Counter()
    for lang, texts in corpora.items():
        for ps in raw_phones(texts, lang):
            counts.update(ps)
    return [p for p, n in counts.most_common() if n >= min_count]


def manifest_phones(manifest: str | Path) -> list[tuple[str, list[str]]]:
    """(language, phones) of every row: the row's own "phones", else espeak-ng's of its text
    in its "lang" (Spanish when absent). Cached beside the manifest, rebuilt when the manifest
    or the inventory changes."""
    manifest = Path(manifest)
    cache_file = manifest.with_suffix(".phones.json")
    known = " ".join(inventory())
    if cache_file.exists() and cache_file.stat().st_mtime >= manifest.stat().st_mtime:
        cached = json.loads(cache_file.read_text(encoding="utf-8"))
        if cached["inventory"] == known:
            return [(lang, ps.split()) for lang, ps in cached["rows"]]
    rows = list(read_jsonl(manifest))
    langs = [row.get("lang", "es") for row in rows]
    out: list[list[str] | None] = [row["phones"].split() if "phones" in row else None
                                   for row in rows]
    for lang in sorted(set(langs)):
        missing = [i for i, ps in enumerate(out) if ps is None and langs[i] == lang]
        for i, ps in zip(missing, phones_batch([rows[i]["text"] for i in missing], lang),
                         strict=True):
            out[i] = ps
    result = list(zip(langs, out, strict=True))
    write_atomically(cache_file, json.dumps(  # torchrun ranks may write it at once
        {"inventory": known, "rows": [[lang, " ".join(ps)] for lang, ps in result]},
        ensure_ascii=False))
    return result
