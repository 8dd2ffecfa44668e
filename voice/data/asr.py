"""`voice data build asr`: real Asterisk recordings plus synthetic speech (espeak-ng, and
optionally Kokoro, AhoTTS and Pico).

Synthetic dev data uses voices and sentences that training never sees, so it measures
generalisation. Everything is deterministic for a seed and resumable: finished WAVs are kept.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from pathlib import Path

import soundfile as sf

from voice.audio import load_audio
from voice.data import (
    asterisk,
    bible,
    drascula,
    espeak,
    kokoro,
    languages,
    revoice,
    telephone,
    tuxpaint,
)
from voice.data.ahotts import AhoVoice
from voice.data.espeak import EspeakVoice
from voice.data.homeassistant import CommandSampler, Entities
from voice.data.kokoro import KokoroVoice
from voice.data.pico import PicoVoice
from voice.data.piper import PiperVoice
from voice.data.synth import Voice, write_utterance
from voice.manifest import SENTENCE_HOLDOUT, held_out, write_jsonl
from voice.parallel import parallel_map
from voice.text import normalize_es, spell_numbers

SPEAKER_ASTERISK = "asterisk-es_MX-f-allison"
# Share of synthetic training time per text source.
MIX = {"bible": 0.55, "homeassistant": 0.30, "asterisk": 0.15}
# real Spanish sets also heard through a phone codec (voice.data.telephone): *-phone.jsonl
TELEPHONE_SETS = ["asterisk-train", "drascula-train", "drascula-dev"]
REVOICED_SETS = ["drascula-train"]  # the real men, re-voiced at a woman's pitch and formants
UNSEEN_UTTERANCES = 200  # dev sentences spoken by a synthesizer training never uses


def _decode(job: tuple[Path, Path]) -> float:
    source, target = job
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        asterisk.decode(source, target)
    return sf.info(str(target)).duration


def build_asterisk(asr: Path, jobs: int | None = None) -> dict:
    """Decode the train and dev prompts; the other ids stay untouched for final evaluation."""
    texts = asterisk.transcripts("es")
    counts = {}
    for split in ("train", "dev"):
        ids = [i for i in asterisk.split_ids(split)
               if i in texts and asterisk.recording(i).exists()]
        targets = [asr / "asterisk" / f"{i}.wav" for i in ids]
        durations = parallel_map(_decode, [(asterisk.recording(i), t) for i, t in
                                           zip(ids, targets, strict=True)],
                                 f"asterisk {split}", jobs)
        rows = [{"audio": str(t.relative_to(asr)), "text": texts[i], "duration": round(d, 3),
                 "speaker": SPEAKER_ASTERISK, "source": "asterisk", "id": i}
                for i, t, d in zip(ids, targets, durations, strict=True)]
        counts[f"asterisk-{split}"] = write_jsonl(asr / f"asterisk-{split}.jsonl", rows)
    return counts


def _says(text: str, duration: float) -> bool:
    """Whether a clip of this length can be saying the text: 4-25 letters a second (outside,
    a caption shortened or edited after the recording, or a sound effect)."""
    letters = len(normalize_es(text).replace(" ", ""))
    return letters > 0 and 4.0 <= letters / max(duration, 1e-3) <= 25.0


def build_tuxpaint(asr: Path, jobs: int | None = None) -> dict:
    """Tux Paint's spoken Spanish stamp descriptions (a woman, and a child saying the digits),
    all for training: tuxpaint-train.jsonl."""
    clips = tuxpaint.clips()
    targets = [asr / "tuxpaint" / f"{c.clip_id.replace('/', '-')}.wav" for c in clips]
    durations = parallel_map(languages.convert, [(load_audio, c.audio, t) for c, t
                                                  in zip(clips, targets, strict=True)],
                             "tuxpaint es", jobs)
    rows = [{"audio": str(t.relative_to(asr)), "text": c.text, "duration": round(d, 3),
             "speaker": c.speaker, "source": "tuxpaint", "id": c.clip_id}
            for c, t, d in zip(clips, targets, durations, strict=True) if _says(c.text, d)]
    return {"tuxpaint-train": write_jsonl(asr / "tuxpaint-train.jsonl", rows)}


def build_drascula(asr: Path, jobs: int | None = None) -> dict:
    """Drascula's Spanish lines by character: the dev characters in drascula-dev, the rest in
    drascula-train; the reserved characters are never read. Lines whose speaking rate says the
    text is not what the clip says (a shortened caption, a sound effect) are left out."""
    lines = drascula.spoken_lines("es")
    targets = [asr / "drascula" / "es" / f"{line.clip_id}.wav" for line in lines]
    durations = parallel_map(languages.convert,
                             [(drascula.read_clip, drascula.clip("es", line.clip_id), t)
                              for line, t in zip(lines, targets, strict=True)],
                             "drascula es", jobs)
    splits: dict[str, list[dict]] = {"train": [], "dev": []}
    for line, target, duration in zip(lines, targets, durations, strict=True):
        if not _says(line.text, duration):
            continue
        split = "dev" if line.speaker in drascula.DEV_SPEAKERS else "train"
        splits[split].append({"audio": str(target.relative_to(asr)), "text": line.text,
                              "duration": round(duration, 3),
                              "speaker": f"drascula-{line.speaker}", "source": "drascula",
                              "id": line.clip_id})
    return {f"drascula-{split}": write_jsonl(asr / f"drascula-{split}.jsonl", rows)
            for split, rows in splits.items()}


def text_corpus(seed: int, commands: int = 8000) -> dict[str, list[str]]:
    """Spanish sentences to synthesise, by source, never containing a non-train Asterisk prompt."""
    rng = random.Random(seed)
    prompts = asterisk.transcripts("es")
    train_ids = set(asterisk.split_ids("train"))
    reserved = {normalize_es(t, fold=True) for i, t in prompts.items() if i not in train_ids}
    verses = [v for v in bible.verses("es").values() if 4 <= len(v.split()) <= 30]
    sampler = CommandSampler("es", Entities.load())
    commands_text = []
    for _ in range(commands):
        command = sampler.sample(rng.choice(sampler.templates), rng)
        if command is not None:
            commands_text.append(command.text)
    corpus = {
        "bible": verses,
        "homeassistant": sorted(set(commands_text)),
        "asterisk": [prompts[i] for i in sorted(train_ids) if i in prompts],
    }
    return {source: [s for s in sentences if normalize_es(s, fold=True) not in reserved]
            for source, sentences in corpus.items()}


def _estimate_seconds(text: str, speed: int) -> float:
    return len(text) / 15.8 * (175.0 / speed)  # espeak: ~15.8 characters/s at 175 wpm (measured)


def plan_synthetic(corpus: dict[str, list[str]], seed: int, hours: float,
                   dev_utterances: int) -> dict[str, list[tuple[str, EspeakVoice, str]]]:
    """(text, voice, source) per split: train on seen voices/sentences, dev on held-out ones."""
    rng = random.Random(seed)
    all_variants = espeak.variants()
    train_variants = [v for v in all_variants if v not in espeak.DEV_VARIANTS]
    dev_variants = [v for v in all_variants if v in espeak.DEV_VARIANTS]

    def voice(variants: list[str]) -> EspeakVoice:
        return EspeakVoice(rng.choice(espeak.BASE_VOICES), rng.choice(variants),
                           rng.randint(130, 200), rng.randint(20, 80))

    pools: dict[str, list[str]] = {}
    dev_sentences: list[tuple[str, str]] = []
    for source, sentences in corpus.items():
        train = []
        for s in sentences:
            if source != "asterisk" and held_out(normalize_es(s, fold=True), SENTENCE_HOLDOUT):
                dev_sentences.append((s, source))
            else:
                train.append(s)
        rng.shuffle(train)
        pools[source] = train
    plan: dict[str, list[tuple[str, EspeakVoice, str]]] = {"train": [], "dev": []}
    for source, share in MIX.items():
        budget, pool, i = hours * 3600 * share, pools[source], 0
        while budget > 0 and pool:
            v = voice(train_variants)
            text = pool[i % len(pool)]
            plan["train"].append((text, v, source))
            budget -= _estimate_seconds(text, v.speed)
            i += 1
    rng.shuffle(dev_sentences)
    plan["dev"] = [(s, voice(dev_variants), src) for s, src in dev_sentences[:dev_utterances]]
    return plan


def synthesize_set(asr: Path, name: str, items: list[tuple[str, Voice, str]],
                   jobs: int | None = None) -> dict:
    """Speak (text, voice, source) items into asr/<name>/ and write asr/<name>.jsonl."""
    folder = asr / name.replace("-", "/", 1)
    folder.mkdir(parents=True, exist_ok=True)
    work = []
    for index, (text, voice, _source) in enumerate(items):
        spoken = spell_numbers(text, "es")
        tag = zlib.crc32(f"{spoken}|{voice}".encode()) & 0xFFFFFFFF
        work.append((str(folder / f"{index:06d}-{tag:08x}.wav"), spoken, voice))
    planned = {Path(path).name for path, _, _ in work}
    for stale in folder.glob("*.wav"):  # left by a build with another seed or size
        if stale.name not in planned:
            stale.unlink()
    results = parallel_map(write_utterance, work, name, jobs)
    rows = [{"audio": str(Path(path).relative_to(asr)), "text": spoken,
             "duration": round(duration, 3), "speaker": voice.name, "source": source}
            for (path, spoken, voice), (_, duration), (_, _, source)
            in zip(work, results, items, strict=True)]
    hours = round(sum(r["duration"] for r in rows) / 3600, 2)
    return {name: write_jsonl(asr / f"{name}.jsonl", rows), f"{name}-hours": hours}


def _speak_for(items: list[tuple[str, EspeakVoice, str]], hours: float,
               voice: Callable[[], KokoroVoice | AhoVoice | PicoVoice],
               ) -> list[tuple[str, Voice, str]]:
    """The first training sentences of items, each in a new voice, until about `hours`."""
    out, budget = [], hours * 3600
    for text, _, source in items:
        if budget <= 0:
            break
        out.append((text, voice(), source))
        budget -= _estimate_seconds(text, 175) / out[-1][1].speed
    return out


def plan_kokoro(plan: dict[str, list[tuple[str, EspeakVoice, str]]], seed: int,
                hours: float) -> dict[str, list[tuple[str, KokoroVoice, str]]]:
    """Kokoro speaks training sentences in blends of all styles but the held-out one, and dev
    sentences in the held-out style."""
    rng = random.Random(seed + 1)
    seen = tuple(s for s in kokoro.STYLES if s != kokoro.DEV_STYLE)
    train = _speak_for(plan["train"], hours, lambda: kokoro.random_voice(rng, seen))
    dev = [(text, kokoro.random_voice(rng, (kokoro.DEV_STYLE,)), source)
           for text, _, source in plan["dev"][-UNSEEN_UTTERANCES:]]
    return {"train": train, "dev": dev} if hours > 0 else {}


def plan_ahotts(plan: dict[str, list[tuple[str, EspeakVoice, str]]], seed: int,
                hours: float) -> list[tuple[str, AhoVoice, str]]:
    """AhoTTS's one voice, shifted ±18 %, on the training sentences Kokoro reaches last."""
    rng = random.Random(seed + 2)
    return _speak_for(plan["train"][::-1], hours,
                      lambda: AhoVoice(round(rng.uniform(0.82, 1.18), 2)))


def plan_pico(plan: dict[str, list[tuple[str, EspeakVoice, str]]], seed: int,
              hours: float) -> list[tuple[str, PicoVoice, str]]:
    """Pico's one voice at random pitch, rate and vocal-tract length, on the training sentences
    from the middle of the plan on (Kokoro starts at the front, AhoTTS at the back)."""
    rng = random.Random(seed + 3)
    middle = len(plan["train"]) // 2
    return _speak_for(plan["train"][middle:] + plan["train"][:middle], hours,
                      lambda: PicoVoice(rng.randint(80, 150), rng.randint(80, 120),
                                        round(rng.uniform(0.88, 1.12), 2)))


def build_synthetic(asr: Path, seed: int, hours: float, dev_utterances: int,
                    jobs: int | None = None, kokoro_hours: float = 0.0,
                    ahotts_hours: float = 0.0, pico_hours: float = 0.0) -> dict:
    """espeak-ng train/dev; optional Kokoro train/dev (held-out style), AhoTTS and Pico train;
    and the Piper voice on dev sentences, which no training set ever uses."""
    plan = plan_synthetic(text_corpus(seed), seed, hours, dev_utterances)
    counts = {}
    for split, items in plan.items():
        counts.update(synthesize_set(asr, f"espeak-{split}", items, jobs))
    kokoro_sets = plan_kokoro(plan, seed, kokoro_hours)
    if kokoro_sets:
        kokoro.model_file()
    for split, items in kokoro_sets.items():
        counts.update(synthesize_set(asr, f"kokoro-{split}", items, jobs))
    if ahotts_hours > 0:
        counts.update(synthesize_set(asr, "ahotts-train", plan_ahotts(plan, seed, ahotts_hours),
                                     jobs))
    if pico_hours > 0:
        counts.update(synthesize_set(asr, "pico-train", plan_pico(plan, seed, pico_hours), jobs))
    rng = random.Random(seed)
    unseen = [(text, PiperVoice(length_scale=rng.uniform(0.85, 1.15)), source)
              for text, _, source in plan["dev"][:UNSEEN_UTTERANCES]]
    counts.update(synthesize_set(asr, "piper-dev", unseen, jobs))
    return counts


def build(out: Path, seed: int = 0, hours: float = 9.0, dev_utterances: int = 600,
          jobs: int | None = None, kokoro_hours: float = 0.0, ahotts_hours: float = 0.0,
          pico_hours: float = 0.0) -> dict:
    """Write out/asr/{asterisk,drascula,espeak,kokoro}-{train,dev}.jsonl, ahotts-train.jsonl,
    pico-train.jsonl, tuxpaint-train.jsonl, piper-dev.jsonl, the telephone copies
    (*-phone.jsonl), the re-voiced copies (*-revoiced.jsonl) and the other languages' sets, and
    the WAVs they point to (Kokoro, AhoTTS and Pico only when asked for)."""
    asr = out / "asr"
    return {**build_asterisk(asr, jobs), **build_drascula(asr, jobs), **build_tuxpaint(asr, jobs),
            **telephone.build(asr, TELEPHONE_SETS, jobs), **revoice.build(asr, REVOICED_SETS, jobs),
            **languages.build(asr, jobs),
            **build_synthetic(asr, seed, hours, dev_utterances, jobs, kokoro_hours,
                              ahotts_hours, pico_hours)}
