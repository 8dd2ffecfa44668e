"""Drascula's dialogue table as en/es sentence pairs (`voice.data.drascula` parses it).

The game's lines are mostly UPPERCASE without accents. They are given sentence case here, the
casing every other source (and the translator's output) has: uppercase would be a casing domain
of its own, and the recogniser-style lowercase variants are made by the trainer anyway. Proper
names are those the few mixed-case Spanish lines capitalise mid-sentence, plus the characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from voice.data import drascula

_ANNOTATION = re.compile(r"\([^)]*\)")
_MID_CAPITAL = re.compile(r"(?<=[^\W\d_] |, )([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+)")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([¡¿\"'.]*)([^\W\d_])")
_WORD = re.compile(r"[^\W\d_]+")


def proper_names(spanish: dict[str, str]) -> set[str]:
    """Lowercase words the mixed-case lines capitalise mid-sentence, plus the characters."""
    names = {m.group(1).lower() for text in spanish.values() if not text.isupper()
             for m in _MID_CAPITAL.finditer(text)}
    return names | {"drascula", "igor", "transilvania", "transylvania", "braun"}


def sentence_case(text: str, names: set[str], english: bool) -> str:
    """Lowercase, then capitals at sentence starts, on proper names and on English 'I'."""
    def word(match: re.Match) -> str:
        w = match.group()
        return w.capitalize() if w in names or (english and w == "i") else w

    text = _WORD.sub(word, " ".join(text.lower().split()))
    text = re.sub(r"\bi'", "I'", text) if english else text
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2) + m.group(3).upper(), text)


def _english(raw: str) -> str:
    return " ".join(_ANNOTATION.sub(" ", raw.replace("º", " ")).split())


def reserved_lines() -> list[str]:
    """Spanish and English text of the reserved clips: kept out of every source, not only
    Drascula's (the same line can come back from another clip or another corpus)."""
    es, en, reserved = drascula.lines("es"), drascula.lines("en"), drascula.heldout_ids()
    return ([drascula.spanish_text(es[i]) for i in sorted(reserved) if i in es]
            + [_english(en[i]) for i in sorted(reserved) if i in en])


def pairs() -> Iterator[tuple[str, str, str]]:
    """(speaker, Spanish, English) for every line in both languages; the reserved clips of
    `drascula.heldout_ids()` are never read."""
    es, en, reserved = drascula.lines("es"), drascula.lines("en"), drascula.heldout_ids()
    names = proper_names(es)
    for clip_id in sorted(es.keys() & en.keys()):
        if clip_id in reserved:
            continue
        spanish = sentence_case(drascula.spanish_text(es[clip_id]), names, english=False)
        english = sentence_case(_english(en[clip_id]), names, english=True)
        if _WORD.search(spanish) and _WORD.search(english):
            yield drascula.speaker(clip_id), spanish, english
