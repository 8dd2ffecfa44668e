"""`voice eval e2e`: real Spanish recordings -> English text, scored against the English
prompts (sacreBLEU), our translator beside Apertium on the same recogniser output."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from voice.asr.recognizer import Recognizer
from voice.audio import load_audio
from voice.data import asterisk
from voice.data.manifest import read_jsonl
from voice.mt.scoring import apertium, bleu_chrf
from voice.mt.translator import Translator


def evaluate_e2e(recognizer: Recognizer, translator: Translator, manifest: Path,
                 beam: int = 5, baseline: bool = True) -> Iterator[dict]:
    """Rows: recogniser + ours, recogniser + Apertium, and ours on the true Spanish text (the
    translation ceiling with a perfect recogniser)."""
    english = asterisk.transcripts("en")
    rows = [r for r in read_jsonl(manifest) if r.get("id") in english]
    references = [english[r["id"]] for r in rows]
    heard = [recognizer.recognize(load_audio(manifest.parent / r["audio"])).text for r in rows]
    systems = [("recogniser + voice", lambda: translator.translate(heard, beam))]
    if baseline:
        systems.append(("recogniser + apertium", lambda: apertium(heard)))
    systems.append(("true text + voice", lambda: translator.translate([r["text"] for r in rows],
                                                                      beam)))
    for name, translate in systems:
        yield {"set": manifest.stem, "system": name, "recordings": len(rows),
               **bleu_chrf(translate(), references)}
