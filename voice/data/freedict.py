"""FreeDict Spanish-English glossary (dictd format) as short word/phrase pairs."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from voice.system import require_file

DICT = Path("/usr/share/dictd/freedict-spa-eng.dict.dz")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_NOTE = re.compile(r"\([^)]*\)|<[^>]*>|\[[^\]]*\]|\{[^}]*\}|^\d+\.\s*")
# The source lost the spaces of multi-word senses ("NorthAmerica", "attheinstanceof"):
# keep single-word headwords whose sense cannot be such a glued phrase.
_PLAUSIBLE_WORD = re.compile(r"^[A-Za-z][a-z'-]{0,11}$")


def _b64(value: str) -> int:
    number = 0
    for char in value:
        number = number * 64 + _B64.index(char)
    return number


def glossary() -> list[tuple[str, str]]:
    """(Spanish headword, first English sense) pairs; grammar notes and pronunciations dropped."""
    path = require_file(DICT, "dict-freedict-spa-eng", "The FreeDict glossary")
    data = gzip.open(path).read()
    pairs = []
    for line in path.with_suffix("").with_suffix(".index").read_text(encoding="utf-8").splitlines():
        head, offset, length = line.split("\t")
        if head.startswith("00database"):
            continue
        entry = data[_b64(offset):_b64(offset) + _b64(length)].decode("utf-8", "replace")
        lines = [ln.strip() for ln in entry.splitlines()[1:] if ln.strip()]
        senses = [_NOTE.sub("", ln).strip(" ;,.") for ln in lines]
        senses = [s for s in senses if s and not s.startswith(("Synonym", "See", "Note"))]
        if senses:
            first = re.split(r"[;,]", senses[0])[0].strip()
            if " " not in head.strip() and _PLAUSIBLE_WORD.match(first):
                pairs.append((head.strip(), first))
    return pairs
