"""Subword tokenisation: one sentencepiece model over both languages (shared, tied embeddings)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import sentencepiece as spm

from voice.mt.placeholders import MAX_PLACEHOLDERS

PAD, BOS, EOS, UNK = 0, 1, 2, 3
BT = "<bt>"  # leads a back-translated (synthetic) source in training; never given when translating
PLACEHOLDERS = [f"<n{i}>" for i in range(MAX_PLACEHOLDERS)]  # voice.mt.placeholders
SYMBOLS = [*PLACEHOLDERS, BT]  # never split


class Tokenizer:
    def __init__(self, model: bytes) -> None:
        self.model = model
        self.sp = spm.SentencePieceProcessor(model_proto=model)

    @classmethod
    def train(cls, lines: Iterable[str], vocab_size: int) -> Tokenizer:
        """Unigram model trained in memory on the given sentences."""
        out = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=out, vocab_size=vocab_size,
            model_type="unigram", character_coverage=1.0, pad_id=PAD, bos_id=BOS, eos_id=EOS,
            unk_id=UNK, user_defined_symbols=SYMBOLS, input_sentence_size=400_000,
            hard_vocab_limit=False,  # a small corpus gets a smaller vocabulary, not an error
            shuffle_input_sentence=True, minloglevel=2, num_threads=2)
        return cls(out.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> Tokenizer:
        return cls(Path(path).read_bytes())

    def save(self, path: str | Path) -> None:
        Path(path).write_bytes(self.model)

    def piece_id(self, piece: str) -> int:
        """Id of a user-defined symbol such as BT; an older model without it has UNK there."""
        return self.sp.piece_to_id(piece)

    def __len__(self) -> int:
        return self.sp.get_piece_size()

    # One thread: sentencepiece starts a pool of threads for every batch call, which cost up
    # to 1.5 ms a call here with another job running, while a short sentence encodes in 5 us.
    def encode(self, texts: list[str]) -> list[list[int]]:
        return self.sp.encode(texts, num_threads=1)

    def decode(self, ids: list[list[int]]) -> list[str]:
        return self.sp.decode(ids, num_threads=1)
