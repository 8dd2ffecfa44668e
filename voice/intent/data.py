"""Commands as words, characters and BIO tags; noise that makes text look like recogniser output."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from voice.text import normalize_es

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*%?|[^\W\d_]+(?:'[^\W\d_]+)?")
FILLERS = ("eh", "oye", "por favor", "a ver", "este", "mmm")
PAD, UNK = "<pad>", "<unk>"


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Lowercase words with their character spans; punctuation is dropped."""
    return [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """(start, end, slot) word spans of a BIO sequence."""
    out, start, name = set(), None, None
    for i, tag in enumerate([*tags, "O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == name):
            out.add((start, i, name))
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, name = i, tag[2:]
    return out


def bio_tags(row: dict) -> tuple[list[str], list[str]]:
    """Words of a labelled command and one BIO tag per word, from the slot character spans."""
    words, tags = [], []
    for word, start, end in tokenize(row["text"]):
        tag = "O"
        for slot in row["slots"]:
            if start < slot["end"] and end > slot["start"]:
                inside = any(t != "O" and t[2:] == slot["slot"] for t in tags[-1:]) and \
                    start > slot["start"]
                tag = f"{'I' if inside else 'B'}-{slot['slot']}"
        words.append(word)
        tags.append(tag)
    return words, tags


def recogniser_style(words: list[str], tags: list[str], rng: random.Random | None = None,
                     fold: bool = True) -> tuple[list[str], list[str]]:
    """As the recogniser writes it: numbers as words, accents dropped (fold). With rng, also
    random fillers and character slips, for training."""
    out_w, out_t = [], []
    for word, tag in zip(words, tags, strict=True):
        if rng and not tag.startswith("I-") and rng.random() < 0.04:
            for filler in rng.choice(FILLERS).split():
                out_w.append(filler)
                out_t.append("O")
        pieces = normalize_es(word, fold=fold).split()
        for i, piece in enumerate(pieces):
            if rng and rng.random() < 0.03 and len(piece) > 3:
                k = rng.randrange(len(piece))
                piece = piece[:k] + piece[k + 1:] if rng.random() < 0.5 else \
                    piece[:k] + rng.choice("aeiosnrl") + piece[k + 1:]
            out_w.append(piece)
            out_t.append(tag if i == 0 or tag == "O" else f"I-{tag[2:]}")
    return out_w, out_t


class Vocab:
    def __init__(self, items: Iterable[str], specials: Sequence[str] = (PAD, UNK)) -> None:
        self.items = [*specials, *[i for i in items if i not in specials]]
        self.index = {s: i for i, s in enumerate(self.items)}

    def __len__(self) -> int:
        return len(self.items)

    def __call__(self, item: str) -> int:
        return self.index.get(item, self.index.get(UNK, 0))

    @classmethod
    def counted(cls, items: Iterable[str], min_count: int) -> Vocab:
        counts = Counter(items)
        return cls(sorted(k for k, v in counts.items() if v >= min_count))


@dataclass
class IntentBatch:
    """Numpy arrays (the runtime's onnxruntime reads them; training makes tensors of them)."""

    words: np.ndarray  # (B, T)
    chars: np.ndarray  # (B, T, C)
    lengths: np.ndarray  # (B,)
    intents: np.ndarray  # (B,)
    tags: np.ndarray  # (B, T), -100 on padding


@dataclass
class Vocabs:
    words: Vocab
    chars: Vocab
    tags: Vocab
    intents: Vocab

    def encode(self, examples: list[tuple[list[str], list[str], str]]) -> IntentBatch:
        steps = max(1, max(len(w) for w, _, _ in examples))
        width = max(1, max((len(x) for w, _, _ in examples for x in w), default=1))
        words = np.zeros((len(examples), steps), dtype=np.int64)
        chars = np.zeros((len(examples), steps, min(width, 24)), dtype=np.int64)
        tags = np.full((len(examples), steps), -100, dtype=np.int64)
        for b, (ws, ts, _) in enumerate(examples):
            for t, word in enumerate(ws):
                words[b, t] = self.words(word)
                for c, char in enumerate(word[:24]):
                    chars[b, t, c] = self.chars(char)
                if ts:
                    tags[b, t] = self.tags(ts[t])
        lengths = np.array([max(1, len(w)) for w, _, _ in examples], dtype=np.int64)
        intents = np.array([self.intents(i) if i else 0 for _, _, i in examples], dtype=np.int64)
        return IntentBatch(words, chars, lengths, intents, tags)
