"""Real voices in other languages, for the recogniser's acoustic layers.

They train only the phone head (voice.training.asr.phones), never the Spanish character head:
Asterisk's core prompts in en, fr, it and ru (one speaker each, 8 kHz telephone recordings) and
Drascula's English release (acted, several characters). Reserved data stays out in every
language: the Asterisk prompt ids outside the Spanish train/dev splits, Drascula's held-out
clips, and the characters of our Spanish Drascula dev set, whose voices must stay unheard. Two
installed prompt packages ship no transcripts and are not used: asterisk-prompt-fr-armelle and
asterisk-prompt-it-menardi-wav."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from voice.audio import load_audio, save_wav
from voice.data import asterisk, drascula
from voice.manifest import write_jsonl
from voice.parallel import parallel_map
from voice.system import require_file
from voice.training.asr import phones

SOUNDS = Path("/usr/share/asterisk/sounds")
# language -> the speaker folder of its asterisk-core-sounds-<lang>-wav package
ASTERISK_VOICES = {"en": "en_US_f_Allison", "fr": "fr_CA_f_June", "it": "it_IT_m_Carlo",
                   "ru": "ru_RU_f_IvrvoiceRU"}
# Phones per second outside this: the text is not what the clip says (Drascula's shortened
# captions). Single-word prompts padded with silence go down to ~1.5; real speech peaks ~17.
PHONE_RATE = (1.0, 18.0)

Job = tuple[Callable[[Path], np.ndarray], Path, Path]


def convert(job: Job) -> float:
    """Source clip -> 16 kHz mono WAV once (a finished WAV is kept); its duration."""
    read, source, target = job
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        save_wav(target, read(source))
    return sf.info(str(target)).duration


def _rows(asr: Path, clips: list[tuple[str, str, Path]], read: Callable[[Path], np.ndarray],
          folder: Path, lang: str, source: str, speaker: Callable[[str], str],
          jobs: int | None) -> list[dict]:
    """clips: (id, text, source file). WAVs under folder; rows with phone targets, those whose
    phone rate says the text does not match the audio left out."""
    targets = [folder / f"{clip_id}.wav" for clip_id, _, _ in clips]
    durations = parallel_map(convert, [(read, path, t) for (_, _, path), t in
                                        zip(clips, targets, strict=True)],
                             f"{source} {lang}", jobs)
    targets_phones = phones.phones_batch([text for _, text, _ in clips], lang)
    rows = []
    for (clip_id, text, _), target, duration, ps in zip(clips, targets, durations,
                                                         targets_phones, strict=True):
        if ps and PHONE_RATE[0] <= len(ps) / max(duration, 1e-3) <= PHONE_RATE[1]:
            rows.append({"audio": str(target.relative_to(asr)), "text": text,
                         "duration": round(duration, 3), "speaker": speaker(clip_id),
                         "source": source, "lang": lang, "phones": " ".join(ps), "id": clip_id})
    return rows


def asterisk_speaker(lang: str) -> str:
    """'en_US_f_Allison' -> 'asterisk-en_US-f-allison', as the Spanish speaker is named."""
    locale, region, gender, name = ASTERISK_VOICES[lang].split("_")
    return f"asterisk-{locale}_{region}-{gender}-{name.lower()}"


def build_asterisk(asr: Path, lang: str, jobs: int | None = None) -> dict[str, int]:
    """<lang>-asterisk-{train,dev}.jsonl from the prompts of the Spanish train and dev ids;
    '<beep ascending>' is a sound, not a transcript."""
    sounds = require_file(SOUNDS / ASTERISK_VOICES[lang], f"asterisk-core-sounds-{lang}-wav",
                          f"Asterisk {lang} recordings")
    texts = asterisk.transcripts(lang)
    counts = {}
    for split in ("train", "dev"):
        clips = [(i, texts[i], sounds / f"{i}.wav") for i in asterisk.split_ids(split)
                 if i in texts and "<" not in texts[i] and (sounds / f"{i}.wav").exists()]
        rows = _rows(asr, clips, load_audio, asr / "asterisk" / lang, lang, "asterisk",
                     lambda _: asterisk_speaker(lang), jobs)
        name = f"{lang}-asterisk-{split}"
        counts[name] = write_jsonl(asr / f"{name}.jsonl", rows)
    return counts


def drascula_lines(lang: str = "en") -> list[drascula.Line]:
    """Drascula's lines in lang that training may hear: no reserved clip, no dev character, no
    line annotated with a sound effect ('(whistle)'), which the clip does not say."""
    return [line for line in drascula.spoken_lines(lang)
            if line.speaker not in drascula.DEV_SPEAKERS and "(" not in line.text]


def build_drascula(asr: Path, lang: str = "en", jobs: int | None = None) -> dict[str, int]:
    lines = drascula_lines(lang)
    clips = [(line.clip_id, line.text, drascula.clip(lang, line.clip_id)) for line in lines]
    speakers = {line.clip_id: f"drascula-{line.speaker}" for line in lines}
    rows = _rows(asr, clips, drascula.read_clip, asr / "drascula" / lang, lang, "drascula",
                 speakers.__getitem__, jobs)
    name = f"{lang}-drascula-train"
    return {name: write_jsonl(asr / f"{name}.jsonl", rows)}


def build(asr: Path, jobs: int | None = None) -> dict[str, int]:
    """Every other-language manifest under asr (the folder of `voice data build asr`)."""
    counts = {}
    for lang in ASTERISK_VOICES:
        counts.update(build_asterisk(asr, lang, jobs))
    return {**counts, **build_drascula(asr, "en", jobs)}


def inventory_corpora() -> dict[str, list[str]]:
    """The texts the committed phone inventory was counted on: every language's training and
    dev prompts (never the reserved ones) and Drascula's lines."""
    ids = [*asterisk.split_ids("train"), *asterisk.split_ids("dev")]
    corpora = {}
    for lang in ("es", *ASTERISK_VOICES):
        texts = asterisk.transcripts(lang)
        corpora[lang] = [texts[i] for i in ids if i in texts]
    corpora["es"] += [line.text for line in drascula.spoken_lines("es")]
    corpora["en"] += [line.text for line in drascula_lines("en")]
    return corpora


if __name__ == "__main__":
    inventory = phones.build_inventory(inventory_corpora())
    phones.INVENTORY.write_text("".join(f"{p}\n" for p in inventory), encoding="utf-8")
    print(f"{phones.INVENTORY}: {len(inventory)} phones")
