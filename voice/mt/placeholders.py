"""Numbers survive translation as placeholders: `<n0>`, `<n1>`... in, the same values out.

The source may hold digits ("5", "7:30", "2,5") or, from the recogniser, Spanish number words
("veinticinco"); both become placeholders, so the model never has to spell a number.
"""

from __future__ import annotations

import re
from functools import cache

from num2words import num2words

from voice.numbers import MAX_SPOKEN, WRITTEN, spoken_numbers, written_value
from voice.text import fold_accents, normalize_es

PLACEHOLDER = re.compile(r"<n(\d+)>")
MAX_PLACEHOLDERS = 10  # <n0>..<n9>, never split by the tokenizer
_DIGITS = re.compile(rf"\d+:\d\d|{WRITTEN}")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ARTICLES = {("un",), ("una",)}  # "un minuto" is "a minute" as often as "1 minute"


@cache
def _longest_phrase() -> int:
    """Words in the longest Spanish number phrase (computed once: it is read per sentence)."""
    return max(len(k) for k in spoken_numbers())


def _spoken_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of the longest Spanish number phrases in text."""
    table = spoken_numbers()
    longest = _longest_phrase()
    words = list(_WORD.finditer(text))
    folded = [fold_accents(w.group().lower()) for w in words]
    spans, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            key = tuple(folded[i:i + n])
            if key in table and key not in _ARTICLES:
                spans.append((words[i].start(), words[i + n - 1].end(), str(table[key])))
                i += n
                break
        else:
            i += 1
    return spans


def mask(text: str) -> tuple[str, list[str]]:
    """Replace every number in a Spanish text by a placeholder; returns (text, values)."""
    spans = [(m.start(), m.end(), written_value(m.group())) for m in _DIGITS.finditer(text)]
    spans += [s for s in _spoken_spans(text)
              if not any(a < s[1] and s[0] < b for a, b, _ in spans)]
    values: list[str] = []
    out, last = [], 0
    for start, end, value in sorted(spans):
        if value not in values:
            if len(values) == MAX_PLACEHOLDERS:
                continue  # the vocabulary has ten placeholders: later numbers stay as written
            values.append(value)
        out += [text[last:start], f"<n{values.index(value)}>"]
        last = end
    return "".join(out + [text[last:]]), values


def mask_target(text: str, values: list[str]) -> str:
    """Replace the numbers of an English reference that the source also has, in digits or in
    words ("two" for a source "dos"), so the model never has to guess a number."""
    def sub(match: re.Match) -> str:
        value = written_value(match.group())
        return f"<n{values.index(value)}>" if value in values else match.group()

    text = _DIGITS.sub(sub, text)
    for index, value in enumerate(values):
        if value.isdigit() and int(value) <= MAX_SPOKEN:
            words = num2words(int(value), lang="en").replace(",", "")
            text = re.sub(rf"\b{re.escape(words)}\b", f"<n{index}>", text, flags=re.IGNORECASE)
    return text


def unmask(text: str, values: list[str]) -> str:
    """Put the values back; a placeholder the source never had is dropped."""
    def sub(match: re.Match) -> str:
        index = int(match.group(1))
        return values[index] if index < len(values) else ""

    return re.sub(r"\s+", " ", PLACEHOLDER.sub(sub, text)).strip()


def recogniser_style(masked: str, fold: bool = True) -> str:
    """A masked source as the recogniser would write it (lowercase, no punctuation, maybe no
    accents); placeholders are kept."""
    parts = PLACEHOLDER.split(masked)
    out = []
    for i, part in enumerate(parts):
        out.append(f"<n{part}>" if i % 2 else normalize_es(part, fold=fold))
    return " ".join(p for p in out if p)
