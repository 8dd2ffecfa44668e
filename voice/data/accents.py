"""Which unaccented Spanish words have one sure accented spelling (wordfreq's frequencies).

Game texts, recogniser output and hurried typing write "despues", "telefono", "habia": the
Drascula importer restores them in its transcripts, and the translator before it reads a
sentence (its table, built from this at training time, ships beside the model).
"""

from __future__ import annotations

import re
from functools import cache

from voice.text import SPANISH_LETTERS, fold_accents

_LETTERS = re.compile(f"[{SPANISH_LETTERS}]")


@cache
def accent_lexicon(threshold: float = 0.8) -> dict[str, str]:
    """Unaccented form -> accented spelling, where that spelling has >= threshold of the
    frequency of every spelling with the same letters (más over mas; esta/está stay)."""
    import wordfreq

    spellings: dict[str, dict[str, float]] = {}
    for word, frequency in wordfreq.get_frequency_dict("es").items():
        if frequency >= 1e-8 and word.isalpha() and _LETTERS.search(word):
            spellings.setdefault(fold_accents(word, keep_enye=True), {})[word] = frequency
    lexicon = {}
    for plain, forms in spellings.items():
        best = max(forms, key=forms.get)
        if best != plain and forms[best] >= threshold * sum(forms.values()):
            lexicon[plain] = best
    return dict(sorted(lexicon.items()))
