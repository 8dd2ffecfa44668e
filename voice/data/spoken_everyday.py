"""`voice data build everyday`: the translator's everyday dev sentences (voice/data/everyday.tsv)
spoken by the voices `voice eval assistant` uses, none of which the recogniser trains on, so that
`voice eval e2e --manifest data/everyday/VOICE.jsonl` scores speech in, English out, on what
people say to each other.
"""

from __future__ import annotations

from pathlib import Path

from voice.data.assistant import VOICES, speak
from voice.data.mt import everyday_pairs


def build(out: Path, seed: int = 0, jobs: int | None = None) -> dict:
    """Write out/everyday/{piper,kokoro,espeak}.jsonl (text, en, audio) and the WAVs."""
    rows = [{"text": es, "en": en} for _, es, en, _ in everyday_pairs()]
    return {f"everyday-{name}": speak(out / "everyday", name, rows, voice, seed, jobs,
                                      source="everyday")
            for name, voice in VOICES.items()}
