"""`voice data build wake`: the wake phrase in every voice we have, sound-alike phrases, and
other speech, split so that dev and eval voices are never trained on.

- train: espeak-ng's training variants (both accents, speed and pitch varied) and Kokoro blends
  of its seen styles; other speech from the recogniser's training manifests.
- dev (model selection): espeak's first five dev variants, Kokoro's held-out style; a slice of
  the training manifests' clips kept out of training.
- eval (reported): Piper's voice, AhoTTS's native voice, espeak's other dev variants; false
  accepts on the recogniser's dev manifests (about 1.6 hours: other voices, other languages).
"""

from __future__ import annotations

import random
import zlib
from pathlib import Path

from voice.data import espeak, kokoro
from voice.data.ahotts import AhoVoice
from voice.data.espeak import EspeakVoice
from voice.data.kokoro import KokoroVoice
from voice.data.manifest import read_jsonl, write_jsonl
from voice.data.parallel import parallel_map
from voice.data.piper import PiperVoice
from voice.data.synth import Voice, write_utterance
from voice.errors import VoiceError

# the same words with other punctuation: other prosody from each synthesizer
SAYINGS = ("Oye, Zafira.", "oye Zafira", "¡Oye, Zafira!", "Oye Zafira,", "oye, zafira...",
           "¿Oye, Zafira?")
# sound-alikes and the word "oye" in other company: what must not wake the assistant
CONFUSERS = (
    "oye", "oye, Sara", "oye Samira", "oye Zaira", "oye Sofía", "oye Elvira", "oye Zamora",
    "oye Safo", "oye mira", "oye Fina", "oye zafiro", "oye, ¿qué hora es?", "oye, tú",
    "zafiro", "safari", "jirafa", "la cifra", "Zafra", "la zafra", "esa fila", "Sáhara",
    "hoy es viernes", "oiga, señora", "oye, la sirena", "hola Sara", "oye Lucía", "oye papá",
    "oye Ramira", "oye, sí, fíjate", "o ya se fue", "ese zafiro", "oye, Tamara", "oye, Ofelia",
    "Zaragoza", "oye, ¿ya cenaste?", "a fin de cuentas", "sofá", "enciende la luz", "oye, apaga",
    "¿qué hora es?", "pon una alarma", "oye, para", "zafarrancho", "Sara y Fina", "oye Zeta",
    "la safira", "oye, fíjate", "joya fina", "hoy, Safi",
)
ASR_TRAIN = ("asterisk-train", "drascula-train", "en-drascula-train", "en-asterisk-train",
             "fr-asterisk-train", "it-asterisk-train", "ru-asterisk-train", "espeak-train")
ASR_EVAL = ("espeak-dev", "piper-dev", "drascula-dev", "asterisk-dev", "en-asterisk-dev",
            "fr-asterisk-dev", "it-asterisk-dev", "ru-asterisk-dev")
ESPEAK_TRAIN_CLIPS = 700  # of espeak-train's thousands: the other sources are real voices
DEV_EVERY = 7  # one clip in seven of the training manifests is dev, not training


def _espeak(rng: random.Random, variants: list[str]) -> EspeakVoice:
    return EspeakVoice(rng.choice(espeak.BASE_VOICES), rng.choice(variants),
                       rng.randint(120, 220), rng.randint(10, 90))


def _kokoro(rng: random.Random, styles: tuple[str, ...]) -> KokoroVoice:
    chosen = set(rng.sample(styles, rng.randint(1, min(3, len(styles)))))
    weights = tuple(round(rng.uniform(0.2, 1.0), 2) if s in chosen else 0.0
                    for s in kokoro.STYLES)
    return KokoroVoice(weights, rng.randrange(1 << 16), round(rng.uniform(0.0, 0.05), 3),
                       round(rng.uniform(0.85, 1.2), 2))


def plan(seed: int, espeak_count: int, kokoro_count: int) -> dict[str, list[tuple[str, Voice]]]:
    """(text, voice) per set: {train,dev,eval}-{wake,confusers}."""
    rng = random.Random(seed)
    variants = espeak.variants()
    train_variants = [v for v in variants if v not in espeak.DEV_VARIANTS]
    dev_variants = [v for v in espeak.DEV_VARIANTS[:5] if v in variants]
    eval_variants = [v for v in espeak.DEV_VARIANTS[5:] if v in variants]
    seen = tuple(s for s in kokoro.STYLES if s != kokoro.DEV_STYLE)

    def say(texts: tuple[str, ...], count: int, voice) -> list[tuple[str, Voice]]:
        return [(rng.choice(texts), voice()) for _ in range(count)]

    sets: dict[str, list[tuple[str, Voice]]] = {}
    for kind, texts, share in (("wake", SAYINGS, 1.0), ("confusers", CONFUSERS, 1.0)):
        sets[f"train-{kind}"] = (
            say(texts, round(espeak_count * share), lambda: _espeak(rng, train_variants))
            + say(texts, kokoro_count if kind == "wake" else kokoro_count // 3,
                  lambda: _kokoro(rng, seen)))
        sets[f"dev-{kind}"] = (
            say(texts, 120, lambda: _espeak(rng, dev_variants))
            + say(texts, max(4, kokoro_count // 3) if kind == "wake" else 0,
                  lambda: _kokoro(rng, (kokoro.DEV_STYLE,))))
        sets[f"eval-{kind}"] = (
            say(texts, 120, lambda: _espeak(rng, eval_variants))
            + say(texts, 80, lambda: PiperVoice(round(rng.uniform(0.8, 1.25), 2),
                                                round(rng.uniform(0.4, 0.9), 2),
                                                round(rng.uniform(0.5, 1.0), 2)))
            + say(texts, 80, lambda: AhoVoice(round(rng.uniform(0.84, 1.16), 2))))
    return sets


def synthesize(wake: Path, name: str, items: list[tuple[str, Voice]], jobs: int | None) -> int:
    """Speak items into wake/<name>/ and write wake/<name>.jsonl (finished audio is kept)."""
    folder = wake / name
    folder.mkdir(parents=True, exist_ok=True)
    work = [(str(folder / f"{i:05d}-{zlib.crc32(f'{text}|{voice}'.encode()):08x}.wav"), text,
             voice) for i, (text, voice) in enumerate(items)]
    planned = {Path(path).name for path, _, _ in work}
    for stale in folder.glob("*.wav"):
        if stale.name not in planned:
            stale.unlink()
    if any(isinstance(v, KokoroVoice) for _, _, v in work):
        kokoro.model_file()  # assembled once, before the workers start
    results = parallel_map(write_utterance, work, f"wake {name}", jobs)
    rows = [{"audio": str(Path(path).relative_to(wake)), "text": text,
             "duration": round(duration, 3), "speaker": voice.name,
             "source": voice.name.split(":")[0].split("+")[0]}
            for (path, text, voice), (_, duration) in zip(work, results, strict=True)]
    return write_jsonl(wake / f"{name}.jsonl", rows)


def other_speech(asr: Path, wake: Path) -> dict[str, int]:
    """Manifests of the recogniser's speech (paths relative to wake/): train and dev from its
    training manifests (one clip in DEV_EVERY for dev), eval from its dev manifests."""
    missing = [n for n in (*ASR_TRAIN, *ASR_EVAL) if not (asr / f"{n}.jsonl").exists()]
    if missing:
        raise VoiceError(f"{asr}/{missing[0]}.jsonl: no such manifest (run `voice data build "
                         "asr` first: the wake word's negatives are its speech)")
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "eval": []}
    for name in (*ASR_TRAIN, *ASR_EVAL):
        rows = list(read_jsonl(asr / f"{name}.jsonl"))
        if name == "espeak-train":
            rows = rows[:ESPEAK_TRAIN_CLIPS * DEV_EVERY // (DEV_EVERY - 1)]
        for row in rows:
            if "zafir" in row["text"].lower():
                continue
            row = {**row, "audio": str(Path("..") / asr.name / row["audio"]), "set": name}
            if name in ASR_EVAL:
                splits["eval"].append(row)
            else:
                dev = zlib.crc32(row["audio"].encode()) % DEV_EVERY == 0
                splits["dev" if dev else "train"].append(row)
    counts = {}
    for split, rows in splits.items():
        counts[f"speech-{split}"] = write_jsonl(wake / f"speech-{split}.jsonl", rows)
        counts[f"speech-{split}-hours"] = round(sum(r["duration"] for r in rows) / 3600, 2)
    return counts


def build(out: Path, seed: int = 0, espeak_count: int = 1200, kokoro_count: int = 40,
          jobs: int | None = 1) -> dict:
    """Write out/wake/: {train,dev,eval}-{wake,confusers}.jsonl with their WAVs, and
    speech-{train,dev,eval}.jsonl pointing at out/asr/'s audio."""
    wake = out / "wake"
    counts = other_speech(out / "asr", wake)
    for name, items in plan(seed, espeak_count, kokoro_count).items():
        counts[name] = synthesize(wake, name, items, jobs)
    return counts
