"""Text normalisation shared by training and scoring, and the Spanish CTC character vocabulary.

Recogniser output looks like `normalize_es(text)`: lowercase, no punctuation, numbers as words.
Training targets and scoring references go through the same function, so they always agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from num2words import num2words

SPANISH_LETTERS = "abcdefghijklmnopqrstuvwxyzñáéíóúü"
_KEEP_ES = set(SPANISH_LETTERS)  # composed letters that survive accent stripping of other marks

_THOUSANDS = re.compile(r"\b\d{1,3}(?:[.,]\d{3})+\b")
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_DECIMAL_ES = re.compile(r"\b(\d+),(\d+)\b")
_DECIMAL_EN = re.compile(r"\b(\d+)\.(\d+)\b")
_ORDINAL_ES = re.compile(r"\b(\d+)\s*[ºª°]")
_ORDINAL_EN = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def fold_accents(text: str, keep_enye: bool = False) -> str:
    """Remove diacritics (á -> a, ü -> u); ñ -> n unless keep_enye."""
    if keep_enye:
        return "ñ".join(fold_accents(part) for part in text.split("ñ"))
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


_WORD = re.compile(r"\w+")
_ACCENTED = re.compile(r"[áéíóúÁÉÍÓÚ]")


def restore_accents(text: str, lexicon: Mapping[str, str]) -> str:
    """Words the lexicon knows ("despues") in their accented spelling ("después"), keeping
    an initial capital or all capitals; everything else as written."""
    def restore(match: re.Match) -> str:
        word = match.group()
        accented = lexicon.get(word.lower())
        if accented is None:
            return word
        if word.isupper() and len(word) > 1:
            return accented.upper()
        return accented[:1].upper() + accented[1:] if word[:1].isupper() else accented

    return _WORD.sub(restore, text)


def lacks_accents(text: str) -> bool:
    """True for text without a single accented vowel: typed without them, or recogniser-style
    (a writer who uses accents anywhere is trusted to use them everywhere)."""
    return _ACCENTED.search(text) is None


def _strip_foreign_marks(text: str) -> str:
    """Fold diacritics that Spanish does not use (à, ç, ö...) while keeping á é í ó ú ü ñ."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in _KEEP_ES or not unicodedata.combining(unicodedata.normalize("NFD", char)[-1]):
            out.append(char)
        else:
            out.append(fold_accents(char))
    return "".join(out)


# per language: ordinal and decimal patterns, what joins hours and minutes, the decimal point,
# the percent sign
_SPELLING = {"es": (_ORDINAL_ES, _DECIMAL_ES, " y ", "coma", " por ciento"),
             "en": (_ORDINAL_EN, _DECIMAL_EN, " ", "point", " percent")}


def spell_numbers(text: str, lang: str) -> str:
    """Write digits, times, decimals and ordinals out as words in Spanish or English."""
    ordinal, decimal, minutes, point, percent = _SPELLING[lang if lang == "es" else "en"]
    words = {"lang": "es" if lang == "es" else "en"}
    text = _THOUSANDS.sub(lambda m: re.sub(r"[.,]", "", m.group()), text)
    text = ordinal.sub(lambda m: num2words(int(m.group(1)), **words, to="ordinal"), text)
    text = _TIME.sub(
        lambda m: num2words(int(m.group(1)), **words)
        + ("" if int(m.group(2)) == 0 else minutes + num2words(int(m.group(2)), **words)),
        text,
    )
    text = decimal.sub(lambda m: f"{m.group(1)} {point} {m.group(2)}", text)
    text = text.replace("%", percent)
    return _NUMBER.sub(lambda m: f" {_cardinal(m.group(), lang)} ", text)


def _cardinal(digits: str, lang: str) -> str:
    """A number in words; past what num2words spells (10^27), digit by digit, as people read
    out long codes."""
    if len(digits) > 27:
        return " ".join(num2words(int(d), lang=lang) for d in digits)
    return num2words(int(digits), lang=lang)


def normalize_es(text: str, fold: bool = False) -> str:
    """Spanish text as the recogniser writes it: lowercase, numbers as words, no punctuation.

    fold=True also removes accents and ñ (scoring is accent-insensitive by the design).
    """
    text = spell_numbers(text.lower(), "es")
    text = _strip_foreign_marks(text)
    text = "".join(c if c in _KEEP_ES or c == "'" else " " for c in text)
    if fold:
        text = fold_accents(text)
    return _SPACES.sub(" ", text).strip()


class CharVocab:
    """CTC vocabulary: blank, space, apostrophe and the Spanish letters."""

    BLANK = 0

    def __init__(self, symbols: Sequence[str] = (" ", "'", *SPANISH_LETTERS)) -> None:
        self.symbols = ["<blank>", *symbols]
        self.index = {s: i for i, s in enumerate(self.symbols)}

    def __len__(self) -> int:
        return len(self.symbols)

    def encode(self, text: str) -> list[int]:
        """Normalised text -> ids; characters outside the vocabulary are dropped."""
        return [self.index[c] for c in normalize_es(text) if c in self.index]

    def decode(self, ids: Iterable[int]) -> str:
        """Ids (blanks and repeats already collapsed) -> text."""
        return "".join(self.symbols[i] for i in ids if i != self.BLANK)
