"""Spanish text -> English text with the shipped translator (numbers kept as placeholders)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from voice.models import find_model, model_config
from voice.mt.apertium import apertium
from voice.mt.consensus import consensus, weights
from voice.mt.decoding import beam_search, greedy, n_best
from voice.mt.network import DECODER, ENCODER, Network, OnnxNetwork, Shortlist
from voice.mt.placeholders import english_values, mask, unmask
from voice.mt.tokenizer import EOS, PAD, PLACEHOLDERS, UNK, Tokenizer
from voice.text import lacks_accents, restore_accents

TOKENIZER = "spm.model"
ACCENTS = "accents.json.gz"  # unaccented word -> its sure accented spelling (voice.data.accents)
SHORTLIST = "shortlist.json"  # target token ids, most frequent in training first
SHORTLIST_SIZE = 0  # frequent target tokens a decoding may write beside the input's own (0: all)
DRAFT_WEIGHT = 0.3  # Apertium's draft's share in choosing among beam outputs (0: beam's best)
# Where the network is unsure (its best hypothesis's normalised log-probability is below
# UNSURE_SCORE: a fifth of the dev sentences with the shipped weights), the draft weighs more.
UNSURE_SCORE, UNSURE_EXTRA = -5.2, 0.1
MAX_SOURCE = 200  # subword tokens per sentence; longer input is cut
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def source_row(source: list[int], draft: list[int] | None = None,
               tag: Sequence[int] = ()) -> list[int]:
    """One input of the model: [tag] source EOS, then (for a post-editing model) draft EOS;
    the source and the draft are each cut to MAX_SOURCE."""
    row = [*tag, *source[: MAX_SOURCE - 1 - len(tag)], EOS]
    return row if draft is None else row + draft[: MAX_SOURCE - 1] + [EOS]


def source_ids(tokenizer: Tokenizer, masked: list[str],
               drafts: list[str] | None = None) -> list[list[int]]:
    """Each source's input row (source_row), with its draft's ids if drafts are given."""
    encoded = tokenizer.encode(drafts) if drafts is not None else [None] * len(masked)
    return [source_row(row, draft)
            for row, draft in zip(tokenizer.encode(masked), encoded, strict=True)]


def source_batch(tokenizer: Tokenizer, masked: list[str],
                 drafts: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded source ids (see source_ids), and their lengths."""
    ids = source_ids(tokenizer, masked, drafts)
    lengths = np.array([len(row) for row in ids], dtype=np.int64)
    src = np.full((len(ids), int(lengths.max())), PAD, dtype=np.int64)
    for i, row in enumerate(ids):
        src[i, : len(row)] = row
    return src, lengths


def draft_share(best_score: float, draft_weight: float) -> float:
    """The draft's weight in the consensus for a sentence whose best hypothesis has this
    normalised log-probability: UNSURE_EXTRA more where the network is unsure."""
    return min(1.0, draft_weight + (UNSURE_EXTRA if best_score < UNSURE_SCORE else 0.0))


def _finish(text: str) -> str:
    return text[:1].upper() + text[1:]


class Translator:
    def __init__(self, network: Network, tokenizer: Tokenizer,
                 frequent: list[int] | None = None, draft_weight: float = DRAFT_WEIGHT,
                 accents: Mapping[str, str] | None = None) -> None:
        """frequent: the target tokens that decoding may write beside the input's own (an
        output shortlist); None scores the whole vocabulary at every step. draft_weight: with
        beam search and a post-editing model, the output is the consensus (voice.mt.consensus)
        of the beam's hypotheses and Apertium's draft, the draft weighing this much; 0 keeps
        the beam's most probable hypothesis. accents: restored in a sentence written without
        any (recogniser output, hurried typing) before the draft and the model read it."""
        self.network = network
        self.tokenizer = tokenizer
        self.frequent = None if frequent is None else np.array(frequent, dtype=np.int64)
        self.draft_weight = draft_weight if network.draft else 0.0
        self.accents = accents
        # decoding writes each number placeholder at most as often as the source holds it
        ids = [tokenizer.piece_id(piece) for piece in PLACEHOLDERS]
        self.placeholders = np.array([i for i in ids if i != UNK], dtype=np.int64)

    @classmethod
    def load(cls, path: str | Path | None = None, shortlist: int | None = None,
             draft_weight: float | None = None, threads: int | None = None) -> Translator:
        """The model in path (default: the shipped one); shortlist: how many of the most
        frequent target tokens to allow (None: SHORTLIST_SIZE; 0, or a model without
        shortlist.json: the whole vocabulary); draft_weight: None is DRAFT_WEIGHT; threads:
        the network's (None: this process's, voice.cores.threads)."""
        shortlist = SHORTLIST_SIZE if shortlist is None else shortlist
        draft_weight = DRAFT_WEIGHT if draft_weight is None else draft_weight
        path = Path(path or find_model("mt-es-en"))
        config = model_config(path, ENCODER, DECODER)["model"]
        network = OnnxNetwork(path, config, threads)
        frequent = None
        if shortlist and (path / SHORTLIST).is_file():
            frequent = json.loads((path / SHORTLIST).read_text())[:shortlist]
        accents = None
        if (path / ACCENTS).is_file():
            accents = json.loads(gzip.decompress((path / ACCENTS).read_bytes()))
        return cls(network, Tokenizer.load(path / TOKENIZER), frequent, draft_weight, accents)

    def translate(self, texts: list[str], beam: int = 5, batch_size: int = 64) -> list[str]:
        """English for each Spanish text, in order; beam 1 is greedy search. Texts of several
        sentences are translated sentence by sentence (the model learned sentences)."""
        pieces = [_SENTENCE_END.split(text.strip()) for text in texts]
        english = iter(self._translate([p for ps in pieces for p in ps], beam, batch_size))
        return [" ".join(next(english) for _ in ps).strip() for ps in pieces]

    def _translate(self, texts: list[str], beam: int, batch_size: int) -> list[str]:
        texts = [self._with_accents(text) for text in texts]
        masked = [mask(text) for text in texts]
        said = [english_values(text, values)
                for text, (_, values) in zip(texts, masked, strict=True)]
        order = sorted(range(len(texts)), key=lambda i: len(masked[i][0]))
        out = [""] * len(texts)
        todo = [i for i in order if masked[i][0].strip()]
        chunks = [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]
        search = {"placeholders": self.placeholders}
        for chunk, drafts in zip(chunks, self._drafts([[masked[i][0] for i in c] for c in chunks]),
                                 strict=True):
            src, lengths = source_batch(self.tokenizer, [masked[i][0] for i in chunk], drafts)
            search["shortlist"] = None if self.frequent is None else \
                Shortlist.of(self.frequent, src, self.network.vocab)
            if beam > 1 and self.draft_weight > 0:
                ranked = n_best(self.network, src, lengths, beam, **search)
                english = [self._consensus(hypotheses, draft, said[i])
                           for i, hypotheses, draft in zip(chunk, ranked, drafts, strict=True)]
            else:
                ids = greedy(self.network, src, lengths, **search) if beam <= 1 else \
                    beam_search(self.network, src, lengths, beam, **search)
                english = [_finish(unmask(text, said[i]))
                           for i, text in zip(chunk, self.tokenizer.decode(ids), strict=True)]
            for i, text in zip(chunk, english, strict=True):
                out[i] = text
        return out

    def _drafts(self, chunks: list[list[str]]) -> Iterator[list[str] | None]:
        """Apertium's English of each chunk of masked sources (None without a post-editing
        model), each asked for ahead: Apertium runs in processes of its own, so it drafts the
        next chunks while the model decodes this one."""
        if not self.network.draft:
            yield from (None for _ in chunks)
            return
        pool = ThreadPoolExecutor(1)
        try:
            futures = [pool.submit(apertium, chunk) for chunk in chunks]
            for future in futures:
                yield future.result()
        finally:
            pool.shutdown(cancel_futures=True)

    def _with_accents(self, text: str) -> str:
        if self.accents is None or not lacks_accents(text):
            return text
        return restore_accents(text, self.accents)

    def _consensus(self, hypotheses: list[tuple[list[int], float]], draft: str,
                   values: list[str]) -> str:
        """The beam hypothesis or the draft that agrees most with all of them (consensus)."""
        texts = self.tokenizer.decode([ids for ids, _ in hypotheses])
        candidates = [_finish(unmask(t, values)) for t in [*texts, draft]]
        scores = [score for _, score in hypotheses]
        shares = weights(scores, draft_share(scores[0], self.draft_weight))
        return candidates[consensus(candidates, shares)]
