"""Word trigram language model for beam search: the scores the decoder asks for.

Interpolated absolute discounting (D = 0.75), natural-log probabilities. Building one from
the corpora is training code, in `voice.training.asr.lm`.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from voice.text import fold_accents

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

    def save(self, path: str | Path) -> None:
        data = json.dumps({"1": self.uni, "2": self.bi, "3": self.tri}, ensure_ascii=False,
                          separators=(",", ":"), sort_keys=True)
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(data.encode("utf-8"))  # mtime=0: the same LM gives the same bytes

    @classmethod
    def counted(cls, sentences: Iterable[str]) -> WordLM:
        """Every n-gram of the normalised sentences, unpruned: a small LM, such as the command
        grammar, built at run time (the shipped LM is trained: `voice.training.asr.lm`)."""
        counts: dict[str, Counter[str]] = {"1": Counter(), "2": Counter(), "3": Counter()}
        for sentence in sentences:
            words = [BOS, BOS, *sentence.split(), EOS]
            counts["1"].update(words[2:])
            counts["2"].update(" ".join(words[i:i + 2]) for i in range(1, len(words) - 1))
            counts["3"].update(" ".join(words[i:i + 3]) for i in range(len(words) - 2))
        return cls({n: dict(c) for n, c in counts.items()})

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
    """The recipe's [lm] section (read by `voice.training.asr.lm`; recorded in decode.json)."""

    corpora: list[str] = field(default_factory=list)  # JSONL files; Spanish in "es" or "text"
    min_count: int = 2
    general_words: int = 0  # the most frequent words of wordfreq's Spanish list; 0 = none
    general_weight: float = 0.5  # their unigram mass, relative to the corpora's
