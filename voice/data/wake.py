"""`voice data build wake`: the wake phrase in every voice we have, sound-alike phrases, and
other speech, split so that dev and eval voices are never trained on.

- train: espeak-ng's training variants (both accents, speed and pitch varied), Kokoro blends
  of its seen styles and AhoTTS's native voice (vocal tract shifted); other speech from the
  recogniser's real training manifests (Asterisk, Drascula, other languages) and Spanish
  lines said by espeak's training voices.
- dev (model selection): espeak's first five dev variants; a slice of the training manifests'
  clips kept out of training.
- eval (reported): Piper's voice, Kokoro's held-out style, espeak's other dev variants; false
  accepts on the recogniser's dev manifests (about 1.6 hours: other voices, other languages).
"""

from __future__ import annotations

import os
import random
import shutil
import zlib
from pathlib import Path

from voice.data import espeak, kokoro
from voice.data.ahotts import AhoVoice
from voice.data.espeak import EspeakVoice
from voice.data.kokoro import KokoroVoice
from voice.data.piper import PiperVoice
from voice.data.synth import Voice, write_utterance
from voice.errors import VoiceError
from voice.manifest import read_jsonl, write_jsonl
from voice.parallel import parallel_map

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
            "fr-asterisk-train", "it-asterisk-train", "ru-asterisk-train")
ASR_EVAL = ("espeak-dev", "piper-dev", "drascula-dev", "asterisk-dev", "en-asterisk-dev",
            "fr-asterisk-dev", "it-asterisk-dev", "ru-asterisk-dev")
SENTENCES = 1500  # Spanish training lines said by espeak's training voices: synthetic speech
SPLITS = ("train", "dev", "eval")
DEV_EVERY = 7  # one clip in seven of the training manifests is dev, not training


def _source(voice: Voice) -> str:
    return "espeak" if isinstance(voice, EspeakVoice) else voice.name.split(":")[0]


def _espeak(rng: random.Random, variants: list[str]) -> EspeakVoice:
    return EspeakVoice(rng.choice(espeak.BASE_VOICES), rng.choice(variants),
                       rng.randint(120, 220), rng.randint(10, 90))


def plan(seed: int, espeak_count: int, kokoro_count: int, ahotts_count: int,
         lines: list[str]) -> dict[str, list[tuple[str, Voice]]]:
    """(text, voice) per set: {train,dev,eval}-{wake,confusers} and train-sentences (lines
    said by espeak's training voices). Each set draws from its own seed, so resizing one
    leaves the others' audio as it is."""
    variants = espeak.variants()
    train_variants = [v for v in variants if v not in espeak.DEV_VARIANTS]
    dev_variants = [v for v in espeak.DEV_VARIANTS[:5] if v in variants]
    eval_variants = [v for v in espeak.DEV_VARIANTS[5:] if v in variants]
    seen = tuple(s for s in kokoro.STYLES if s != kokoro.DEV_STYLE)
    sets: dict[str, list[tuple[str, Voice]]] = {}
    for kind, texts, share in (("wake", SAYINGS, 1.0), ("confusers", CONFUSERS, 1 / 3)):
        rngs = {split: random.Random(f"{seed}-{split}-{kind}") for split in SPLITS}

        def say(split: str, count: int, voice, rngs=rngs, texts=texts
                ) -> list[tuple[str, Voice]]:
            rng = rngs[split]
            return [(rng.choice(texts), voice(rng)) for _ in range(count)]

        sets[f"train-{kind}"] = (
            say("train", espeak_count, lambda r: _espeak(r, train_variants))
            + say("train", round(kokoro_count * share), lambda r: kokoro.random_voice(r, seen))
            + say("train", round(ahotts_count * share),
                  lambda r: AhoVoice(round(r.uniform(0.84, 1.16), 2))))
        sets[f"dev-{kind}"] = say("dev", 120, lambda r: _espeak(r, dev_variants))
        sets[f"eval-{kind}"] = (
            say("eval", 120, lambda r: _espeak(r, eval_variants))
            + say("eval", 80, lambda r: PiperVoice(round(r.uniform(0.8, 1.25), 2),
                                                   round(r.uniform(0.4, 0.9), 2),
                                                   round(r.uniform(0.5, 1.0), 2)))
            + say("eval", round(kokoro_count * share),
                  lambda r: kokoro.random_voice(r, (kokoro.DEV_STYLE,))))
    rng = random.Random(f"{seed}-sentences")
    sets["train-sentences"] = [(rng.choice(lines), _espeak(rng, train_variants))
                               for _ in range(SENTENCES if lines else 0)]
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
             "source": _source(voice)}
            for (path, text, voice), (_, duration) in zip(work, results, strict=True)]
    return write_jsonl(wake / f"{name}.jsonl", rows)


def _keep(source: Path, target: Path) -> None:
    """A hard link to source (a copy across file systems): the recogniser's corpus may be
    rebuilt, with other files, while this one is in use."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)


def other_speech(asr: Path, wake: Path) -> tuple[dict[str, int], list[str]]:
    """Manifests of the recogniser's speech, its audio linked into wake/speech/: train and dev
    from its training manifests (one clip in DEV_EVERY for dev), eval from its dev manifests;
    and the Spanish lines of the training clips."""
    missing = [n for n in (*ASR_TRAIN, *ASR_EVAL) if not (asr / f"{n}.jsonl").exists()]
    if missing:
        raise VoiceError(f"{asr}/{missing[0]}.jsonl: no such manifest (run `voice data build "
                         "asr` first: the wake word's negatives are its speech)")
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "eval": []}
    lines = []
    for name in (*ASR_TRAIN, *ASR_EVAL):
        for row in read_jsonl(asr / f"{name}.jsonl"):
            source = asr / row["audio"]
            if "zafir" in row["text"].lower() or not source.exists():
                continue
            target = Path("speech") / name / source.name
            _keep(source, wake / target)
            row = {**row, "audio": str(target), "set": name}
            if name in ASR_EVAL:
                splits["eval"].append(row)
            elif zlib.crc32(row["audio"].encode()) % DEV_EVERY == 0:
                splits["dev"].append(row)
            else:
                splits["train"].append(row)
                if name in ("asterisk-train", "drascula-train"):
                    lines.append(row["text"])
    counts = {}
    for split, rows in splits.items():
        counts[f"speech-{split}"] = write_jsonl(wake / f"speech-{split}.jsonl", rows)
        counts[f"speech-{split}-hours"] = round(sum(r["duration"] for r in rows) / 3600, 2)
    return counts, lines


def build(out: Path, seed: int = 0, espeak_count: int = 1000, kokoro_count: int = 30,
          ahotts_count: int = 150, jobs: int | None = 1) -> dict:
    """Write out/wake/: {train,dev,eval}-{wake,confusers}.jsonl and train-sentences.jsonl with
    their WAVs, and speech-{train,dev,eval}.jsonl over out/asr/'s audio."""
    wake = out / "wake"
    counts, lines = other_speech(out / "asr", wake)
    for name, items in plan(seed, espeak_count, kokoro_count, ahotts_count, lines).items():
        counts[name] = synthesize(wake, name, items, jobs)
    return counts
