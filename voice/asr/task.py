"""The recogniser as a trainer task: data, CTC loss, dev WER, export."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from voice.asr.augment import AugmentConfig
from voice.asr.beam import BeamConfig
from voice.asr.data import AsrBatches, AsrDataConfig, Batch, collate
from voice.asr.decode import greedy
from voice.asr.features import FeatureSet
from voice.asr.lm import LmConfig
from voice.asr.model import AsrModelConfig, CtcRecognizer
from voice.checkpoint import save_model
from voice.metrics import error_rates
from voice.text import CharVocab
from voice.train import TrainConfig, to_device


@dataclass
class AsrRecipe:
    data: AsrDataConfig = field(default_factory=AsrDataConfig)
    model: AsrModelConfig = field(default_factory=AsrModelConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    lm: LmConfig = field(default_factory=LmConfig)
    decode: BeamConfig = field(default_factory=BeamConfig)


class AsrTask:
    def __init__(self, recipe: AsrRecipe) -> None:
        self.recipe = recipe
        self.vocab = CharVocab()
        recipe.model.vocab = len(self.vocab)
        self.model = CtcRecognizer(recipe.model)
        train_sets = [FeatureSet.load(m) for m in recipe.data.train]
        self.dev_sets = [FeatureSet.load(m) for m in recipe.data.dev]
        self._normalisation(train_sets)
        repeat = recipe.data.repeat or [1] * len(train_sets)
        self.data = AsrBatches(train_sets, repeat, recipe.data, recipe.augment, self.vocab,
                               recipe.train.seed)
        self.ctc = nn.CTCLoss(blank=CharVocab.BLANK, zero_infinity=True)

    def _normalisation(self, sets: list[FeatureSet]) -> None:
        """Global per-bin mean/std from a sample of training frames (streaming-friendly)."""
        rng = np.random.default_rng(0)
        frames = np.concatenate([s.features[np.sort(rng.choice(len(s.features),
                                                               min(len(s.features), 200_000),
                                                               replace=False))]
                                 for s in sets]).astype(np.float32)
        self.model.mean.copy_(torch.from_numpy(frames.mean(0)))
        self.model.std.copy_(torch.from_numpy(frames.std(0) + 1e-5))

    def batches(self, epoch: int, rank: int, world: int):
        return self.data.epoch(epoch, rank, world)

    def steps_per_epoch(self, world: int) -> int:
        return self.data.steps_per_epoch(world)

    def loss(self, model: nn.Module, batch: Batch) -> tuple[torch.Tensor, int]:
        log_probs, lengths = model(batch.features, batch.lengths)
        loss = self.ctc(log_probs.transpose(0, 1), batch.targets, lengths, batch.target_lengths)
        return loss, batch.frames

    def transcribe_set(self, model: nn.Module, features: FeatureSet) -> list[str]:
        order = np.argsort(features.lengths())
        texts: list[str] = [""] * len(features)
        for start in range(0, len(order), 32):
            chunk = order[start:start + 32]
            batch = to_device(collate([torch.from_numpy(features[i].astype(np.float32))
                                       for i in chunk], [[] for _ in chunk]),
                              next(model.parameters()).device)
            log_probs, lengths = model(batch.features, batch.lengths)
            for i, text in zip(chunk, greedy(log_probs.cpu(), lengths, self.vocab), strict=True):
                texts[i] = text
        return texts

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for dev in self.dev_sets:
            rates = error_rates(dev.texts, self.transcribe_set(model, dev))
            metrics.update({f"{dev.name}_{k}": round(v, 2) for k, v in rates.items()})
        wers = [v for k, v in metrics.items() if k.endswith("_wer")]
        metrics["score"] = -float(np.mean(wers))
        return metrics

    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None:
        """Weights and the recipe that trained them ([lm] and [decode] are recorded by
        `voice train lm`, beside its LM)."""
        recipe = dataclasses.asdict(self.recipe)
        save_model(out, model, {"kind": "asr", "model": recipe["model"],
                                "vocab": self.vocab.symbols[1:], "dev": metrics,
                                "recipe": {k: v for k, v in recipe.items()
                                           if k not in ("lm", "decode")}})
