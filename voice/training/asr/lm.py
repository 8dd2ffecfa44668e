"""Training the recogniser's word LM (`voice train lm`): counts over our text corpora.

Counts seen once are pruned above unigrams, so the model ships small next to the recogniser.
Our corpora (Bible, commands, telephone prompts) lack everyday words (days, months,
"problema", "internet"), which a lexicon-bound beam can never write: a general Spanish word
list (wordfreq) adds them as unigrams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from voice.asr.lm import BOS, EOS, LmConfig, WordLM
from voice.manifest import SENTENCE_HOLDOUT, held_out, read_jsonl
from voice.text import fold_accents, normalize_es


def count_lm(sentences: Iterable[str], min_count: int = 2,
             general: dict[str, float] | None = None, general_weight: float = 0.0) -> WordLM:
    """sentences: normalised text (lowercase words separated by spaces). general: word ->
    relative frequency, given general_weight times the corpora's word count as unigrams."""
    uni: Counter[str] = Counter()
    bi: Counter[str] = Counter()
    tri: Counter[str] = Counter()
    for sentence in sentences:
        words = [BOS, BOS, *sentence.split(), EOS]
        uni.update(words[2:])
        bi.update(" ".join(words[i:i + 2]) for i in range(1, len(words) - 1))
        tri.update(" ".join(words[i:i + 3]) for i in range(len(words) - 2))
    keep = lambda c: {k: v for k, v in c.items() if v >= min_count}  # noqa: E731
    unigrams: dict[str, float] = dict(uni)
    scale = general_weight * sum(uni.values())
    for word, freq in (general or {}).items():  # 4 digits keep the saved file small
        unigrams[word] = unigrams.get(word, 0) + float(f"{scale * freq:.4g}")
    return WordLM({"1": unigrams, "2": keep(bi), "3": keep(tri)})


def general_vocabulary(size: int) -> dict[str, float]:
    """The `size` most frequent Spanish words (wordfreq) the recogniser can spell, with their
    relative frequencies. Words only, no sentences: the dev sets stay unseen."""
    import wordfreq

    out: dict[str, float] = {}
    for word, freq in sorted(wordfreq.get_frequency_dict("es", "large").items(),
                             key=lambda item: -item[1]):
        if len(out) == size:
            break
        if word.isalpha() and normalize_es(word) == word:  # no digits, "don't", foreign marks
            out[word] = freq
    total = sum(out.values())
    return {word: freq / total for word, freq in out.items()}


def dev_transcripts(manifests: list[str]) -> dict[str, list[str]]:
    """Each existing dev manifest's transcripts, normalised, by path."""
    return {str(m): [normalize_es(r["text"]) for r in read_jsonl(m)]
            for m in manifests if Path(m).is_file()}


def train_lm(config: LmConfig, dev: dict[str, list[str]]) -> WordLM:
    """Trigram LM over the corpora, minus every sentence the recogniser is evaluated on:
    the dev transcripts and the 1-in-20 sentences held out for synthetic dev."""
    excluded = {fold_accents(text) for texts in dev.values() for text in texts}
    sentences = []
    for corpus in config.corpora:
        for row in read_jsonl(corpus):
            text = normalize_es(row.get("es") or row.get("text") or "")
            folded = fold_accents(text)
            if text and folded not in excluded and not held_out(folded, SENTENCE_HOLDOUT):
                sentences.append(text)
    general = general_vocabulary(config.general_words) if config.general_words else None
    return count_lm(sentences, config.min_count, general, config.general_weight)


def train_and_save(config) -> dict:
    """`voice train lm`: the recogniser's word LM from the recipe's [lm] corpora minus every
    evaluated sentence, saved beside the recipe's model with its [decode] settings (tuned with
    this LM); returns what to report of it."""
    import dataclasses
    import time

    from voice.asr.beam import DECODE_FILE
    from voice.asr.lm import LM_FILE
    from voice.checkpoint import write_config
    from voice.evaluation.devsets import DEV_MANIFESTS

    start = time.perf_counter()
    dev = dev_transcripts(list(dict.fromkeys([*config.data.dev, *DEV_MANIFESTS])))
    lm = train_lm(config.lm, dev)
    out = Path(config.train.export_dir)
    out.mkdir(parents=True, exist_ok=True)
    lm.save(out / LM_FILE)
    write_config(out, {"decode": dataclasses.asdict(config.decode),
                       "lm": dataclasses.asdict(config.lm)}, DECODE_FILE)
    return {"model": "lm", "export": str(out / LM_FILE), **lm.report(dev),
            "seconds": round(time.perf_counter() - start, 1)}
