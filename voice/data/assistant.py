"""`voice data build assistant`: spoken commands to score the assistant from audio (`voice eval
assistant`). They come from the intent parser's held-out templates, filled with the example
home's names (free-text slots, such as shopping items, from the name pools), and are spoken
three times, by voices the recogniser never trains on: Piper (a synthesizer it hardly reads),
Kokoro's style kept out of training, and the espeak-ng variants kept out of training (a
synthesizer family it reads well).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from pathlib import Path

from voice.data import espeak, kokoro
from voice.data.espeak import EspeakVoice
from voice.data.homeassistant import CommandSampler, Entities
from voice.data.piper import PiperVoice
from voice.data.synth import Voice, write_utterance
from voice.manifest import write_jsonl
from voice.parallel import parallel_map

COMMANDS = 150
VOICES: dict[str, Callable[[random.Random], Voice]] = {
    "piper": lambda rng: PiperVoice(length_scale=round(rng.uniform(0.95, 1.15), 2)),
    "kokoro": lambda rng: kokoro.random_voice(rng, (kokoro.DEV_STYLE,)),
    "espeak": lambda rng: EspeakVoice(rng.choice(espeak.BASE_VOICES),
                                      rng.choice(espeak.DEV_VARIANTS), rng.randint(130, 200),
                                      rng.randint(20, 80)),
}


def commands(sampler: CommandSampler, count: int, seed: int) -> list[dict]:
    """count distinct commands, one held-out template after another in a shuffled order."""
    rng = random.Random(seed)
    dev = sampler.dev_templates()
    templates = [t for t in sampler.templates if t.id in dev]
    rows: dict[str, dict] = {}
    for _ in range(10):  # a template that cannot be filled gives nothing: go round again
        for template in rng.sample(templates, len(templates)):
            command = sampler.sample(template, rng)
            if command is not None and command.text not in rows:
                rows[command.text] = command.to_row()
            if len(rows) == count:
                return list(rows.values())
    return list(rows.values())


def build(out: Path, seed: int = 0, count: int = COMMANDS, jobs: int | None = None) -> dict:
    """Write out/assistant/{piper,kokoro,espeak}.jsonl (the same labelled commands, with their
    audio) and the WAVs."""
    home, pools = Entities.load(values=None), Entities.load()
    pools.areas, pools.floors, pools.devices = home.areas, home.floors, home.devices
    rows = commands(CommandSampler("es", pools), count, seed)
    return {f"assistant-{name}": speak(out / "assistant", name, rows, voice, seed, jobs)
            for name, voice in VOICES.items()}


def speak(folder: Path, name: str, rows: list[dict], voice: Callable[[random.Random], Voice],
          seed: int, jobs: int | None, source: str = "homeassistant") -> int:
    """Say each row's text in a voice of its own into folder/name/; write folder/name.jsonl."""
    rng = random.Random(seed)
    (folder / name).mkdir(parents=True, exist_ok=True)
    work = []
    for index, row in enumerate(rows):
        said = voice(rng)
        tag = zlib.crc32(f"{row['text']}|{said}".encode()) & 0xFFFFFFFF
        work.append((str(folder / name / f"{index:04d}-{tag:08x}.wav"), row["text"], said))
    durations = parallel_map(write_utterance, work, f"{folder.name}-{name}", jobs)
    manifest = [{**row, "audio": str(Path(path).relative_to(folder)),
                 "duration": round(duration, 3), "speaker": said.name, "source": source}
                for row, (path, _, said), (_, duration) in zip(rows, work, durations, strict=True)]
    return write_jsonl(folder / f"{name}.jsonl", manifest)
