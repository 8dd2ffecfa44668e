"""Spanish numbers as typed or recognised: "5", "2,5", "cinco", "veinticinco por ciento".

Slot values reach the actions as the words the user said (or the recogniser wrote), so every
number a command carries has to be read back from either digits or Spanish number words.
"""

from __future__ import annotations

import re
from functools import cache

from num2words import num2words

from voice.text import fold_accents

MAX_SPOKEN = 2100
# "1.000", "1,000", "1.000,5", "12,345.67" (three-digit groups, one separator) or "2,5", "2.5"
WRITTEN = r"\d{1,3}([.,])\d{3}(?:\1\d{3})*(?:(?!\1)[.,]\d+)?(?!\d)|\d+(?:[.,]\d+)?"
_GROUPED = re.compile(r"\d{1,3}([.,])\d{3}(?:\1\d{3})*((?!\1)[.,]\d+)?")
_DIGITS = re.compile(rf"-?(?:{WRITTEN})")
_WORD = re.compile(r"[^\W\d_]+")
_HALF = {"medio", "media"}


def written_value(number: str) -> str:
    """A written number with a decimal point and no grouping: "1.000" (Spanish thousands) and
    "1,000" -> "1000", "1.000,5" -> "1000.5", "2,5" -> "2.5". A separator followed by exactly
    three digits groups thousands, as in both Spanish and Mexican usage."""
    grouped = _GROUPED.fullmatch(number.lstrip("-"))
    if not grouped:
        return number.replace(",", ".")
    decimals = grouped.group(2) or ""
    whole = number[:len(number) - len(decimals)].replace(grouped.group(1), "")
    return f"{whole}.{decimals[1:]}" if decimals else whole


@cache
def spoken_numbers() -> dict[tuple[str, ...], int]:
    """Accent-folded Spanish number phrases -> value, e.g. ("treinta", "y", "dos") -> 32.

    Phrases ending in "uno" also get their "un"/"una" forms ("veintiún minutos", "una hora").
    """
    table: dict[tuple[str, ...], int] = {}
    for value in range(MAX_SPOKEN + 1):
        words = tuple(fold_accents(num2words(value, lang="es")).replace("-", " ").split())
        table.setdefault(words, value)
        if words[-1].endswith("uno"):
            for ending in ("un", "una"):
                table.setdefault((*words[:-1], words[-1][:-3] + ending), value)
    return table


@cache
def _longest() -> int:
    return max(map(len, spoken_numbers()))


def _phrase(words: list[str], start: int) -> tuple[int, int] | None:
    """(value, words used) of the longest number phrase at words[start]."""
    table = spoken_numbers()
    for n in range(min(_longest(), len(words) - start), 0, -1):
        value = table.get(tuple(words[start:start + n]))
        if value is not None:
            return value, n
    return None


def spoken_number(text: str) -> float | None:
    """The first number in text, as digits or Spanish words; None when there is none.

    "25" -> 25, "2,5" -> 2.5, "veinticinco por ciento" -> 25, "dos y medio" -> 2.5,
    "dos coma cinco" -> 2.5, "media" -> 0.5.
    """
    digits = _DIGITS.search(text)
    if digits:
        return float(written_value(digits.group()))
    words = [fold_accents(w.lower()) for w in _WORD.findall(text)]
    for i, word in enumerate(words):
        found = _phrase(words, i)
        if found is None:
            if word in _HALF:
                return 0.5
            continue
        value, n = found
        rest = words[i + n:i + n + 2]
        if rest[:1] == ["coma"] and (decimals := _phrase(words, i + n + 1)):
            return float(f"{value}.{decimals[0]}")
        if len(rest) == 2 and rest[0] == "y" and rest[1] in _HALF:
            return value + 0.5
        return float(value)
    return None
