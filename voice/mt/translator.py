"""Spanish text -> English text with the shipped translator (numbers kept as placeholders)."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from voice.checkpoint import load_model
from voice.models import find_model
from voice.mt.decoding import beam_search, greedy
from voice.mt.model import MtModelConfig, Seq2Seq
from voice.mt.placeholders import mask, unmask
from voice.mt.tokenizer import EOS, PAD, Tokenizer

TOKENIZER = "spm.model"
MAX_SOURCE = 200  # subword tokens per sentence; longer input is cut
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")


def source_batch(tokenizer: Tokenizer, masked: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded source ids ending in EOS, and their lengths."""
    ids = [row[: MAX_SOURCE - 1] + [EOS] for row in tokenizer.encode(masked)]
    lengths = torch.tensor([len(row) for row in ids])
    src = torch.full((len(ids), int(lengths.max())), PAD, dtype=torch.long)
    for i, row in enumerate(ids):
        src[i, : len(row)] = torch.tensor(row)
    return src, lengths


def _finish(text: str) -> str:
    return text[:1].upper() + text[1:]


class Translator:
    def __init__(self, model: Seq2Seq, tokenizer: Tokenizer) -> None:
        self.model = model
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, path: str | Path | None = None) -> Translator:
        path = Path(path or find_model("mt-es-en"))
        state, config = load_model(path)
        model = Seq2Seq(MtModelConfig(**config["model"]))
        model.load_state_dict(state)
        return cls(model.eval(), Tokenizer.load(path / TOKENIZER))

    def translate(self, texts: list[str], beam: int = 5, batch_size: int = 64) -> list[str]:
        """English for each Spanish text, in order; beam 1 is greedy search. Texts of several
        sentences are translated sentence by sentence (the model learned sentences)."""
        pieces = [_SENTENCE_END.split(text.strip()) for text in texts]
        english = iter(self._translate([p for ps in pieces for p in ps], beam, batch_size))
        return [" ".join(next(english) for _ in ps).strip() for ps in pieces]

    @torch.no_grad()
    def _translate(self, texts: list[str], beam: int, batch_size: int) -> list[str]:
        self.model.eval()
        masked = [mask(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda i: len(masked[i][0]))
        out = [""] * len(texts)
        todo = [i for i in order if masked[i][0].strip()]
        device = next(self.model.parameters()).device
        for start in range(0, len(todo), batch_size):
            chunk = todo[start:start + batch_size]
            src, lengths = source_batch(self.tokenizer, [masked[i][0] for i in chunk])
            src, lengths = src.to(device), lengths.to(device)
            ids = greedy(self.model, src, lengths) if beam <= 1 else \
                beam_search(self.model, src, lengths, beam)
            for i, text in zip(chunk, self.tokenizer.decode(ids), strict=True):
                out[i] = _finish(unmask(text, masked[i][1]))
        return out
