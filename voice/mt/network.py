"""The translator's network as decoding sees it: encode a batch once, then one decoder step at
a time, on numpy arrays. At run time that is two ONNX graphs on onnxruntime (written by
training, voice.training.export); training and export checks wrap the PyTorch model in the
same interface (voice.mt.model.TorchNetwork).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from voice import cores
from voice.engine import session
from voice.mt.tokenizer import UNK

ENCODER = "encoder.onnx"
DECODER = "decoder.onnx"
State = tuple[np.ndarray, ...]  # a GRU's hidden state (layers, B, H); an LSTM's (h, c)


@dataclass
class Shortlist:
    """The output tokens one decoding may choose from: a batch's input tokens (all of them, so
    that copying reaches every one), the frequent target tokens and the four specials, which
    come first so that their columns are their ids. Scoring K columns instead of the whole
    vocabulary saves a part of each decoding step (docs/experiments/mt.md, "Speed")."""

    ids: np.ndarray  # (K,) token ids, ascending
    column: np.ndarray  # (V,) token id -> its column (-1: not in the shortlist)

    @classmethod
    def of(cls, frequent: np.ndarray, src: np.ndarray, vocab: int) -> Shortlist:
        """The shortlist of a source batch (B, T) and the target tokens to allow beside it."""
        ids = np.unique(np.concatenate([np.arange(UNK + 1), frequent, src.ravel()]))
        column = np.full(vocab, -1, dtype=np.int64)
        column[ids] = np.arange(len(ids))
        return cls(ids.astype(np.int64), column)


@dataclass
class Encoded:
    """What every decoder step reads: the encoder's memory (B, T, 2H), its attention keys,
    the source ids, each source token's output column (copying), and the output layer's
    weights for the columns (dim, K)."""

    memory: np.ndarray
    key: np.ndarray
    src: np.ndarray
    columns: np.ndarray
    weight: np.ndarray

    def repeat(self, n: int) -> Encoded:
        """Each sentence's rows n times (a beam of n per sentence)."""
        rows = [np.repeat(a, n, 0) for a in (self.memory, self.key, self.src, self.columns)]
        return Encoded(*rows, self.weight)


class Network(Protocol):
    vocab: int
    draft: bool  # reads Apertium's English after the source (a post-editor)

    def encode(self, src: np.ndarray, lengths: np.ndarray,
               shortlist: Shortlist | None) -> tuple[Encoded, State]:
        """A right-padded source batch (B, T) of ids -> Encoded and the decoder's first state."""

    def decode(self, tokens: np.ndarray, encoded: Encoded,
               state: State) -> tuple[np.ndarray, State]:
        """Scores (B, K) for the next token after tokens (B,), whose log-softmax is its
        log-probability, and the new state."""


class OnnxNetwork:
    """The exported encoder and decoder step on onnxruntime."""

    def __init__(self, path: Path, config: dict, threads: int | None = None) -> None:
        """threads: None is this process's setting (voice.cores.threads)."""
        threads = cores.threads() if threads is None else threads
        self.encoder, self.decoder = (session(path / name, threads) for name in (ENCODER, DECODER))
        self.vocab = config["vocab"]
        self.draft = config["draft"]
        # a graph keeps the inputs it reads: a model without copying never reads `columns`
        self.inputs = {i.name for i in self.decoder.get_inputs()}
        self.state_names = sorted(name for name in self.inputs if name.startswith("state"))

    def encode(self, src: np.ndarray, lengths: np.ndarray,
               shortlist: Shortlist | None) -> tuple[Encoded, State]:
        ids = np.arange(self.vocab) if shortlist is None else shortlist.ids
        memory, key, weight, *state = self.encoder.run(None, {
            "src": src, "lengths": lengths, "ids": ids})
        columns = src if shortlist is None else shortlist.column[src]
        return Encoded(memory, key, src, columns, weight), tuple(state)

    def decode(self, tokens: np.ndarray, encoded: Encoded,
               state: State) -> tuple[np.ndarray, State]:
        feeds = {"tokens": tokens[:, None], "memory": encoded.memory, "key": encoded.key,
                 "src": encoded.src, "columns": encoded.columns, "weight": encoded.weight,
                 **dict(zip(self.state_names, state, strict=True))}
        scores, *state = self.decoder.run(None, {k: v for k, v in feeds.items()
                                                 if k in self.inputs})
        return scores[:, 0], tuple(state)
