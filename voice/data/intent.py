"""`voice data build intent`: labelled Spanish commands with slot spans, dev on held-out
templates."""

from __future__ import annotations

import random
from pathlib import Path

from voice.data.homeassistant import CommandSampler, Entities
from voice.manifest import write_jsonl


def commands(sampler: CommandSampler, per_template: int, seed: int) -> dict[str, list[dict]]:
    """Rows for 'train' and 'dev'; duplicates removed, order deterministic for a seed."""
    rng = random.Random(seed)
    dev = sampler.dev_templates()
    rows: dict[str, list[dict]] = {"train": [], "dev": []}
    seen: set[str] = set()
    for template in sampler.templates:
        split = "dev" if template.id in dev else "train"
        for _ in range(per_template):
            command = sampler.sample(template, rng)
            if command is None or command.text in seen:
                continue
            seen.add(command.text)
            rows[split].append(command.to_row())
    return rows


def build(out: Path, seed: int = 0, per_template: int = 40, home: Path | None = None) -> dict:
    """Write out/intent/{train,dev}.jsonl; returns counts."""
    entities = Entities.load(home) if home else Entities.load()
    rows = commands(CommandSampler("es", entities), per_template, seed)
    return {f"intent-{split}": write_jsonl(out / "intent" / f"{split}.jsonl", split_rows)
            for split, split_rows in rows.items()}
