"""Recognition scores shared by `voice eval` and training: WER and CER with jiwer."""

from __future__ import annotations

import jiwer

from voice.text import normalize_es


def error_rates(references: list[str], hypotheses: list[str]) -> dict[str, float]:
    """WER and CER in percent after the design's normalisation (accents folded)."""
    refs = [normalize_es(r, fold=True) or "<empty>" for r in references]
    hyps = [normalize_es(h, fold=True) for h in hypotheses]
    return {"wer": 100 * jiwer.wer(refs, hyps), "cer": 100 * jiwer.cer(refs, hyps)}
