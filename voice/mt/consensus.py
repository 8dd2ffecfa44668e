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


def _f_score(precision: float, recall: float, orders: int) -> float:
    if not orders or not precision + recall:
        return 0.0
    precision, recall = precision / orders, recall / orders
    factor = BETA ** 2
    return 100 * (1 + factor) * precision * recall / (factor * precision + recall)


def chrf_both(a: list[Counter], b: list[Counter]) -> tuple[float, float]:
    """Sentence chrF (0-100) of a against b and of b against a, from char_ngrams of both, as
    sacreBLEU's sentence_chrf computes it: precision and recall averaged over the orders both
    sides have, then F-beta. The matches are the same both ways, so they are counted once."""
    precision = recall = 0.0  # of a against b; the other way round they swap
    orders = 0
    for grams_a, grams_b in zip(a, b, strict=True):
        n_a, n_b = grams_a.total(), grams_b.total()
        if n_a and n_b:
            match = sum((grams_a & grams_b).values())
            precision += match / n_a
            recall += match / n_b
            orders += 1
    return _f_score(precision, recall, orders), _f_score(recall, precision, orders)


def weights(scores: Sequence[float], draft_weight: float) -> list[float]:
    """Each beam hypothesis's share of 1 - draft_weight, by the softmax of its normalised
    log-probability, then the draft's share."""
    best = max(scores)
    mass = [math.exp(s - best) for s in scores]
    total = sum(mass)
    return [(1 - draft_weight) * m / total for m in mass] + [draft_weight]


def consensus(candidates: Sequence[str], weights: Sequence[float]) -> int:
    """Index of the candidate with the highest expected chrF against every candidate, each
    weighted (a candidate agrees with itself fully: 100). Equal candidates (a beam often
    holds one text in several subword spellings) are scored once, with their weights added."""
    share: dict[str, float] = {}
    for candidate, weight in zip(candidates, weights, strict=True):
        share[candidate] = share.get(candidate, 0.0) + weight
    texts = list(share)  # in order of first appearance: ties go to the earliest, as before
    grams = [char_ngrams(t) for t in texts]
    expected = [100.0 * share[t] for t in texts]
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            i_to_j, j_to_i = chrf_both(grams[i], grams[j])
            expected[i] += share[texts[j]] * i_to_j
            expected[j] += share[texts[i]] * j_to_i
    return candidates.index(texts[max(range(len(texts)), key=expected.__getitem__)])
