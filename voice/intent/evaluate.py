"""Scoring any intent labeller (ours, hassil) the same way: one row per set, style, parser."""

from __future__ import annotations

import statistics
import time
from typing import Protocol

from voice.intent.calibrate import calibration_error
from voice.intent.task import Example, scores


class Labeller(Protocol):
    def label(self, words: list[str]) -> tuple[str, float, list[str]]: ...


def score_labeller(labeller: Labeller, examples: list[Example], name: str, parser: str) -> dict:
    """Intent accuracy, slot F1, calibration error and median parse time (ms)."""
    predicted, times, confidence = [], [], []
    for words, _, _ in examples:
        start = time.perf_counter()
        intent, score, tags = labeller.label(words)
        times.append(1000 * (time.perf_counter() - start))
        predicted.append((intent, tags))
        confidence.append(score)
    correct = [g[2] == p[0] for g, p in zip(examples, predicted, strict=True)]
    return {"set": name, "parser": parser, "commands": len(examples),
            **{k: round(v, 2) for k, v in scores(examples, predicted).items()},
            "calibration_error": calibration_error(confidence, correct),
            "ms_median": round(statistics.median(times), 2)}
