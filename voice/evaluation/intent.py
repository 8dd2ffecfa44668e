"""Scoring any intent labeller (ours, hassil) the same way: one row per set, style, parser; and
the parses of spoken commands as the recogniser heard them."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Protocol

from voice.intent.assistant import Parser, numeric
from voice.text import normalize_es
from voice.training.intent.calibrate import calibration_error
from voice.training.intent.task import Example, scores


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


def said_slots(slots: dict[str, str]) -> set[tuple[str, str | float]]:
    """Slots comparable across readings: numbers as numbers ("una" = "1"), other values as the
    recogniser writes them (lowercase, accents folded)."""
    return {(name, value if isinstance(value, float) else normalize_es(value, fold=True))
            for name, value in numeric(slots).items()}


def score_readings(parser: Parser, gold: list[dict], readings: list[str]) -> dict[str, float]:
    """Intent accuracy and slot F1 (slot name and value), in percent, of the parses of
    readings (one text per labelled command in gold: typed, or what a decoder heard)."""
    correct = tp = fp = fn = 0
    for row, text in zip(gold, readings, strict=True):
        parse = parser.parse(text)
        correct += parse.intent == row["intent"]
        want = said_slots({s["slot"]: row["text"][s["start"]:s["end"]] for s in row["slots"]})
        got = said_slots(parse.slots)
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    return {"intent_acc": round(100 * correct / max(1, len(gold)), 2),
            "slot_f1": round(200 * tp / max(1, 2 * tp + fp + fn), 2)}


def score_spoken(recognizer, decoder, parser: Parser, manifest: Path) -> list[dict]:
    """`voice eval assistant` on one manifest of spoken commands: each command heard open, with
    the command grammar (open as the fallback) and with the grammar only, beside the typed
    text; intent accuracy, slot F1 and WER of each reading."""
    from voice.audio import load_audio
    from voice.manifest import read_jsonl
    from voice.metrics import error_rates

    rows = list(read_jsonl(manifest))
    heard = [decoder.hypotheses(recognizer.log_probs(load_audio(manifest.parent / r["audio"])))
             for r in rows]
    kept = round(100 * sum(h.in_grammar for h in heard) / max(1, len(heard)), 1)
    readings = {"typed": [r["text"] for r in rows], "open": [h.open for h in heard],
                "grammar": [h.chosen for h in heard],
                "grammar only": [h.grammar for h in heard]}
    return [{"set": manifest.stem, "decoding": name, "commands": len(rows),
             **score_readings(parser, rows, texts),
             "wer": round(error_rates([r["text"] for r in rows], texts)["wer"], 1),
             "grammar_kept_percent": kept if name == "grammar" else "-"}
            for name, texts in readings.items()]
