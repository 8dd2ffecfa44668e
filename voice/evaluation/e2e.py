"""`voice eval e2e`: real Spanish recordings -> English text, scored against the English
prompts (sacreBLEU), our translator beside Apertium on the same recogniser output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.asr.recognizer import Recognizer
from voice.audio import load_audio
from voice.data import asterisk
from voice.manifest import read_jsonl
from voice.mt.apertium import apertium
from voice.mt.scoring import bleu_chrf
from voice.mt.translator import Translator


def recordings(manifest: Path) -> tuple[list[dict], list[str]]:
    """The manifest's recordings that have an English reference, and those references: the
    row's own `en` (`voice data build everyday`), else the English Asterisk prompt of its id."""
    rows = list(read_jsonl(manifest))
    english = {} if all("en" in r for r in rows) else asterisk.transcripts("en")
    rows = [r for r in rows if "en" in r or r.get("id") in english]
    return rows, [r["en"] if "en" in r else english[r["id"]] for r in rows]


def evaluate_e2e(recognizer: Recognizer, translator: Translator, manifest: Path,
                 beam: int = 5, baseline: bool = True) -> Iterator[dict]:
    """Rows: recogniser + ours, recogniser + Apertium, and ours on the true Spanish text (the
    translation ceiling with a perfect recogniser)."""
    rows, references = recordings(manifest)
    heard = [recognizer.recognize(load_audio(manifest.parent / r["audio"])).text for r in rows]
    systems = [("recogniser + voice", lambda: translator.translate(heard, beam))]
    if baseline:
        systems.append(("recogniser + apertium", lambda: apertium(heard)))
    systems.append(("true text + voice", lambda: translator.translate([r["text"] for r in rows],
                                                                      beam)))
    for name, translate in systems:
        yield {"set": manifest.stem, "system": name, "recordings": len(rows),
               **bleu_chrf(translate(), references)}


class SpeechTranslator(Protocol):
    """Speech straight to English in one model (Whisper's translate task)."""

    def translate(self, audio: np.ndarray) -> str: ...


def speech_translation(baseline: SpeechTranslator, manifest: Path,
                       name: str = "whisper translate") -> dict:
    """One `voice eval e2e` row for a system that goes from speech to English by itself
    (Whisper's translate task), on the recordings evaluate_e2e scores: those with an English
    Asterisk prompt."""
    rows, references = recordings(manifest)
    hypotheses = [baseline.translate(load_audio(manifest.parent / r["audio"])) for r in rows]
    return {"set": manifest.stem, "system": name, "recordings": len(rows),
            **bleu_chrf(hypotheses, references)}
