"""sacreBLEU scores and kept numbers and names, shared by training and `voice eval mt`."""

from __future__ import annotations

import re

import sacrebleu
from num2words import num2words

_NUMBER = re.compile(r"\d+(?:[:.]\d+)?")


def bleu_chrf(hypotheses: list[str], references: list[str]) -> dict[str, float]:
    return {"bleu": round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(hypotheses, [references]).score, 2)}


def numbers_kept(hypotheses: list[str], references: list[str]) -> float:
    """Percent of the reference's digit numbers that appear in the hypothesis, in digits or,
    up to a hundred, in English words ("3" is kept by "three")."""
    total = kept = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        found = _NUMBER.findall(hyp)
        for number in _NUMBER.findall(ref):
            total += 1
            if number in found:
                found.remove(number)
                kept += 1
            elif number.isdigit() and int(number) <= 100:
                words = re.compile(rf"\b{num2words(int(number), lang='en')}\b", re.IGNORECASE)
                hyp, spelled = words.subn(" ", hyp, count=1)
                kept += spelled
    return round(100 * kept / max(1, total), 2)


def names_kept(hypotheses: list[str], references: list[str], names: list[str]) -> float:
    """Percent of the known names (areas, devices...) in each reference found in its
    hypothesis; longer names first, so "ceiling light" is not also counted as "light"."""
    patterns = [re.compile(rf"\b{re.escape(n.lower())}\b")
                for n in sorted(set(names), key=len, reverse=True)]
    total = kept = 0
    for hyp, ref in zip(hypotheses, references, strict=True):
        ref, hyp = ref.lower(), hyp.lower()
        for pattern in patterns:
            if pattern.search(ref):
                total += 1
                kept += bool(pattern.search(hyp))
                ref = pattern.sub(" ", ref)
                hyp = pattern.sub(" ", hyp, count=1)
    return round(100 * kept / max(1, total), 2)
