"""Word trigram language model for beam search, trained by our recipe on our own text corpora.

Interpolated absolute discounting (D = 0.75), natural-log probabilities. Counts seen once are
pruned above unigrams, so the model ships small next to the recogniser. Our corpora (Bible,
commands, telephone prompts) lack everyday words (days, months, "problema", "internet"), which a
lexicon-bound beam can never write: a general Spanish word list (wordfreq) adds them as unigrams.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from voice.data.manifest import SENTENCE_HOLDOUT, held_out, read_jsonl
from voice.text import fold_accents, normalize_es

BOS, EOS = "<s>", "</s>"
LM_FILE = "lm.json.gz"  # in the recogniser's model folder
DISCOUNT = 0.75


class WordLM:
    def __init__(self, counts: dict[str, dict[str, float]]) -> None:
        self.uni = counts["1"]
        self.bi = counts["2"]
        self.tri = counts["3"]
        self.total = sum(self.uni.values())
        self.vocab_size = len(self.uni) + 1
        # context -> (total count, number of distinct followers)
        self.ctx2 = _contexts(self.bi)
        self.ctx3 = _contexts(self.tri)

    @classmethod
    def train(cls, sentences: Iterable[str], min_count: int = 2,
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
        return cls({"1": unigrams, "2": keep(bi), "3": keep(tri)})

    def save(self, path: str | Path) -> None:
        data = json.dumps({"1": self.uni, "2": self.bi, "3": self.tri}, ensure_ascii=False,
                          separators=(",", ":"), sort_keys=True)
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(data.encode("utf-8"))  # mtime=0: the same LM gives the same bytes

    @classmethod
    def load(cls, path: str | Path) -> WordLM:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls(json.load(f))

    def words(self) -> list[str]:
        return sorted(w for w in self.uni if w != EOS)

    def _p1(self, word: str) -> float:
        return (self.uni.get(word, 0) + 0.1) / (self.total + 0.1 * self.vocab_size)

    def _p2(self, prev: str, word: str) -> float:
        total, followers = self.ctx2.get(prev, (0, 0))
        if not total:
            return self._p1(word)
        seen = max(self.bi.get(f"{prev} {word}", 0) - DISCOUNT, 0.0)
        return (seen + DISCOUNT * followers * self._p1(word)) / total

    def logprob(self, word: str, context: tuple[str, str]) -> float:
        """ln P(word | two previous words)."""
        key = " ".join(context)
        total, followers = self.ctx3.get(key, (0, 0))
        lower = self._p2(context[1], word)
        if not total:
            return math.log(lower)
        seen = max(self.tri.get(f"{key} {word}", 0) - DISCOUNT, 0.0)
        return math.log((seen + DISCOUNT * followers * lower) / total)

    def perplexity(self, sentences: Iterable[str]) -> float:
        total, count = 0.0, 0
        for sentence in sentences:
            context = (BOS, BOS)
            for word in [*sentence.split(), EOS]:
                total += self.logprob(word, context)
                context = (context[1], word)
                count += 1
        return math.exp(-total / max(count, 1))

    def report(self, dev: dict[str, list[str]]) -> dict:
        """Size, and per dev set the OOV rate (%) and perplexity: what `voice train lm` prints."""
        return {"words": len(self.uni), "bigrams": len(self.bi), "trigrams": len(self.tri),
                "dev_oov_percent": {k: round(100 * self.out_of_vocabulary(v), 1)
                                    for k, v in dev.items()},
                "dev_perplexity": {k: round(self.perplexity(v)) for k, v in dev.items()}}

    def out_of_vocabulary(self, sentences: Iterable[str]) -> float:
        """Share of running words (accents folded, as scored) that the lexicon cannot spell:
        each one is an error that beam search cannot avoid."""
        known = {fold_accents(w) for w in self.uni}
        words = [w for sentence in sentences for w in fold_accents(sentence).split()]
        return sum(w not in known for w in words) / max(len(words), 1)


def _contexts(ngrams: dict[str, int]) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = {}
    for key, count in ngrams.items():
        context = key.rsplit(" ", 1)[0]
        entry = out.setdefault(context, [0, 0])
        entry[0] += count
        entry[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


@dataclass
class LmConfig:
    corpora: list[str] = field(default_factory=list)  # JSONL files; Spanish in "es" or "text"
    min_count: int = 2
    general_words: int = 0  # the most frequent words of wordfreq's Spanish list; 0 = none
    general_weight: float = 0.5  # their unigram mass, relative to the corpora's


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
    return WordLM.train(sentences, config.min_count, general, config.general_weight)
