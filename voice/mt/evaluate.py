"""`voice eval mt`: one table of BLEU/chrF per dev source and input style, ours beside Apertium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.audio import load_audio
from voice.data import asterisk
from voice.data.homeassistant import Entities
from voice.data.manifest import read_jsonl
from voice.mt.placeholders import recogniser_style
from voice.mt.scoring import apertium, bleu_chrf, names_kept, numbers_kept
from voice.mt.translator import Translator


def home_names() -> list[str]:
    """English names of every area, floor and device the command pairs can mention."""
    entities = Entities.load()
    return [e.en for e in (*entities.areas, *entities.floors, *entities.devices)]


def evaluate(translator: Translator, manifest: Path, beam: int = 5,
             baseline: bool = False) -> Iterator[dict]:
    """Rows: per dev set (the `source` of the rows: asterisk, bible, commands, conversation,
    software), clean then recogniser-style input (lowercase, no punctuation or accents,
    numbers as words), ours then Apertium."""
    by_source: dict[str, list[dict]] = {}
    for row in read_jsonl(manifest):
        by_source.setdefault(row.get("source", manifest.stem), []).append(row)
    names = home_names()
    for source, pairs in sorted(by_source.items()):
        references = [p["en"] for p in pairs]
        for style in ("clean", "recogniser"):
            texts = [p["es"] for p in pairs]
            if style == "recogniser":
                texts = [recogniser_style(t) for t in texts]
            systems = {"voice": lambda t: translator.translate(t, beam)}
            if baseline:
                systems["apertium"] = apertium
            for system, translate in systems.items():
                hypotheses = translate(texts)
                yield {"set": source, "input": style, "system": system, "sentences": len(pairs),
                       **bleu_chrf(hypotheses, references),
                       "numbers_kept": numbers_kept(hypotheses, references),
                       "names_kept": names_kept(hypotheses, references, names)}


class SpeechTranslator(Protocol):
    """Speech straight to English in one model (Whisper's translate task)."""

    def translate(self, audio: np.ndarray) -> str: ...


def speech_translation(baseline: SpeechTranslator, manifest: Path,
                       name: str = "whisper translate") -> dict:
    """One `voice eval e2e` row for a system that goes from speech to English by itself
    (Whisper's translate task), on the recordings evaluate_e2e scores: those with an English
    Asterisk prompt."""
    english = asterisk.transcripts("en")
    rows = [r for r in read_jsonl(manifest) if r.get("id") in english]
    hypotheses = [baseline.translate(load_audio(manifest.parent / r["audio"])) for r in rows]
    return {"set": manifest.stem, "system": name, "recordings": len(rows),
            **bleu_chrf(hypotheses, [english[r["id"]] for r in rows])}
