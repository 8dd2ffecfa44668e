"""`voice eval mt`: one table of BLEU/chrF per dev source and input style, ours beside Apertium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from voice.data.homeassistant import Entities
from voice.manifest import read_jsonl
from voice.mt.apertium import apertium
from voice.mt.placeholders import recogniser_style
from voice.mt.scoring import bleu_chrf, names_kept, numbers_kept
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
