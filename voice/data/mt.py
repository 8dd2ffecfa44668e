"""`voice data build mt`: Spanish/English pairs from Asterisk, Home Assistant, Bible, FreeDict."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

from voice.data import asterisk, bible, freedict
from voice.data.homeassistant import CommandSampler, Entities
from voice.data.manifest import held_out, write_jsonl

Pair = tuple[str, str, str, str]  # split, es, en, source


def asterisk_pairs() -> Iterator[Pair]:
    """Prompt pairs of the train and dev ids only; the other ids are reserved for evaluation."""
    es, en = asterisk.transcripts("es"), asterisk.transcripts("en")
    for split in ("train", "dev"):
        for prompt in asterisk.split_ids(split):
            if prompt in es and prompt in en:
                yield split, es[prompt], en[prompt], "asterisk"


def command_pairs(per_template: int, seed: int) -> Iterator[Pair]:
    """A Spanish command and an English one of the same intent with the same slot values."""
    rng = random.Random(seed)
    entities = Entities.load()
    # Digits on both sides: the translator copies numbers rather than translating them.
    es, en = CommandSampler("es", entities, 0.0), CommandSampler("en", entities, 0.0)
    dev = es.dev_templates()
    for template in es.templates:
        targets = [t for t in en.templates
                   if t.intent == template.intent and t.fixed_slots == template.fixed_slots]
        for _ in range(per_template if targets else 0):
            source = es.sample(template, rng)
            if source is None:
                continue
            names = sorted(s.name for s in source.slots)
            forced = {s.name: s.key for s in source.slots}
            for target_template in rng.sample(targets, min(12, len(targets))):
                target = en.sample(target_template, rng, forced)
                if target is not None and sorted(s.name for s in target.slots) == names:
                    split = "dev" if template.id in dev else "train"
                    yield split, source.text, target.text, "homeassistant"
                    break


def bible_pairs() -> Iterator[Pair]:
    for ref, es, en in bible.verse_pairs():
        yield ("dev" if held_out(ref, 100) else "train"), es, en, "bible"


def glossary_pairs() -> Iterator[Pair]:
    for es, en in freedict.glossary():
        yield "train", es, en, "freedict"


def build(out: Path, seed: int = 0, per_template: int = 20) -> dict:
    """Write out/mt/{train,dev}.jsonl (deduplicated; a pair seen in dev never enters train)."""
    rows: dict[str, list[dict]] = {"train": [], "dev": []}
    seen: set[tuple[str, str]] = set()
    sources = (asterisk_pairs(), command_pairs(per_template, seed), bible_pairs(), glossary_pairs())
    pairs = sorted((p for source in sources for p in source), key=lambda p: p[0] != "dev")
    for split, es, en, source in pairs:
        key = (es.lower(), en.lower())
        if key not in seen:
            seen.add(key)
            rows[split].append({"es": es, "en": en, "source": source})
    return {f"mt-{split}": write_jsonl(out / "mt" / f"{split}.jsonl", split_rows)
            for split, split_rows in rows.items()}
