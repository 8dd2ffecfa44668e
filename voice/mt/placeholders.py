"""Numbers survive translation as placeholders: `<n0>`, `<n1>`... in, the same values out.

The source may hold digits ("5", "7:30", "2,5") or, from the recogniser, Spanish number words
("veinticinco"); both become placeholders, so the model never has to spell a number. The values
come back as the source wrote them: digits as digits, and a small count that was spoken or
spelled ("tres años", "a las nueve") as an English word, as English prose writes it
(`english_values`).
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
# English writes a spoken count up to ten in words ("three years ago", "at nine"), but digits
# for what is keyed, read off a label or measured: "press 1", "day 3", "5 minutes", "20 %".
MAX_IN_WORDS = 10
_KEYED = {"marque", "marca", "pulse", "pulsa", "presione", "presiona", "oprima", "oprime",
          "teclee", "tecla", "opcion", "extension", "numero", "canal", "dia", "version",
          "pagina", "paso", "nivel", "capitulo", "fase", "puerta", "piso", "linea", "zona"}
_MEASURED = {"por", "grados", "grado", "kelvin", "euros", "euro", "dolares", "dolar", "metros",
             "metro", "kilometros", "kilos", "gramos", "litros", "centimetros", "millas",
             "minutos", "minuto", "segundos", "segundo", "horas", "hora", "porciento"}


@cache
def _longest_phrase() -> int:
    """Words in the longest Spanish number phrase (computed once: it is read per sentence)."""
    return max(len(k) for k in spoken_numbers())


def _spoken_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of the longest Spanish number phrases in text."""
    return [(s, e, value) for s, e, value, _ in _spoken_phrases(text)]


def _spoken_phrases(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, digits, context) of the longest Spanish number phrases in text; context is
    "keyed" after a word such as "marque" or "día", "words" where English would write the
    number in words, else "digits"."""
    table = spoken_numbers()
    longest = _longest_phrase()
    words = list(_WORD.finditer(text))
    folded = [fold_accents(w.group().lower()) for w in words]
    spans, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            key = tuple(folded[i:i + n])
            if key in table and key not in _ARTICLES:
                value = table[key]
                before = folded[i - 1] if i else ""
                after = folded[i + n] if i + n < len(words) else ""
                in_words = (value <= MAX_IN_WORDS and after not in _MEASURED and
                            tuple(folded[i + n:i + n + 1]) not in table and  # "uno dos cuatro"
                            not (spans and spans[-1][1] == words[i - 1].end()))
                context = "keyed" if before in _KEYED else "words" if in_words else "digits"
                spans.append((words[i].start(), words[i + n - 1].end(), str(value), context))
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


def english_values(text: str, values: list[str]) -> list[str]:
    """The values of mask(text) as an English text writes them: a count every mention of which
    was spelled in a context English writes in words becomes that word ("tres" -> "three");
    digits, menus and everything else stay as they are."""
    said: dict[str, bool] = {}
    phrases = _spoken_phrases(text)
    if any(context == "keyed" for *_, context in phrases):
        return values  # a menu: "marque uno ... o dos" is "press 1 ... or 2"
    for _, _, value, context in phrases:
        said[value] = said.get(value, True) and context == "words"
    written = {written_value(m.group()) for m in _DIGITS.finditer(text)}
    return [num2words(int(v), lang="en") if said.get(v) and v not in written else v
            for v in values]


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
