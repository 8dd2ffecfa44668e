"""Greedy (best-path) CTC decoding: partial results and the fast default; see beam.py."""

from __future__ import annotations

import torch

from voice.text import CharVocab


def collapse(ids: list[int], blank: int = CharVocab.BLANK) -> list[int]:
    """Best-path CTC: merge repeats, then drop blanks."""
    out, previous = [], None
    for i in ids:
        if i != previous and i != blank:
            out.append(i)
        previous = i
    return out


def greedy(log_probs: torch.Tensor, lengths: torch.Tensor, vocab: CharVocab) -> list[str]:
    """(B, T, V) log-probabilities -> one text per utterance."""
    best = log_probs.argmax(-1)
    return [" ".join(vocab.decode(collapse(best[b, : int(lengths[b])].tolist())).split())
            for b in range(best.shape[0])]
