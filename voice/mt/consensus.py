"""Choosing among candidate translations by consensus: minimum Bayes risk under chrF.

Beam search returns the single most probable output. The post-editor's beam also holds
near-equal alternatives, and Apertium's draft is a second opinion that is better in
characters (chrF) where the network is better in word order (BLEU). MBR decoding (Kumar &
Byrne, 2004; Freitag et al., 2022) picks the candidate that agrees most, by chrF, with all
of them, each weighted by how likely it is: measured in docs/experiments/mt.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from sacrebleu.metrics.helpers import extract_all_char_ngrams

ORDER, BETA = 6, 2.0  # sacreBLEU's chrF: character 1- to 6-grams, recall twice precision


def char_ngrams(text: str) -> list[Counter]:
    """The character n-gram counts of text without its spaces, per order (as chrF counts)."""
    return extract_all_char_ngrams(text, ORDER)


def chrf(hypothesis: list[Counter], reference: list[Counter]) -> float:
    """Sentence chrF (0-100) from char_ngrams of both, as sacreBLEU's sentence_chrf computes
    it: precision and recall averaged over the orders both sides have, then F-beta."""
    precision = recall = 0.0
    orders = 0
    for hyp, ref in zip(hypothesis, reference, strict=True):
        n_hyp, n_ref = hyp.total(), ref.total()
        if n_hyp and n_ref:
            match = sum((hyp & ref).values())
            precision += match / n_hyp
            recall += match / n_ref
            orders += 1
    if not orders or not precision + recall:
        return 0.0
    precision, recall = precision / orders, recall / orders
    factor = BETA ** 2
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


def weights(scores: Sequence[float], draft_weight: float) -> list[float]:
    """Each beam hypothesis's share of 1 - draft_weight, by the softmax of its normalised
    log-probability, then the draft's share."""
    best = max(scores)
    mass = [math.exp(s - best) for s in scores]
    total = sum(mass)
    return [(1 - draft_weight) * m / total for m in mass] + [draft_weight]


def consensus(candidates: Sequence[str], weights: Sequence[float]) -> int:
    """Index of the candidate with the highest expected chrF against every candidate, each
    weighted (a candidate agrees with itself fully: 100)."""
    grams = [char_ngrams(c) for c in candidates]
    expected = [sum(w * (100.0 if i == j else chrf(grams[i], grams[j]))
                    for j, w in enumerate(weights))
                for i in range(len(candidates))]
    return max(range(len(candidates)), key=expected.__getitem__)
