"""The intent parser as a trainer task: data, joint intent + slot loss, dev scores, export."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from voice.checkpoint import save_model
from voice.intent.data import IntentBatch, Vocab, Vocabs, bio_tags, recogniser_style, spans
from voice.intent.model import IntentModelConfig, IntentNet
from voice.manifest import read_jsonl
from voice.training.export import export_model
from voice.training.trainer import TrainConfig, to_device

Example = tuple[list[str], list[str], str]


@dataclass
class IntentDataConfig:
    train: str = "data/intent/train.jsonl"
    dev: str = "data/intent/dev.jsonl"
    batch_size: int = 64
    noisy: float = 0.5  # share of training examples rewritten in recogniser style
    min_word_count: int = 2


@dataclass
class IntentRecipe:
    data: IntentDataConfig = field(default_factory=IntentDataConfig)
    model: IntentModelConfig = field(default_factory=IntentModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def manifests(self) -> list[str]:
        """What the task reads (they must exist before it starts)."""
        return [self.data.train, self.data.dev]


def scores(gold: list[Example], predicted: list[tuple[str, list[str]]]) -> dict[str, float]:
    """Intent accuracy and slot span F1, in percent."""
    correct = sum(g[2] == p[0] for g, p in zip(gold, predicted, strict=True))
    tp = fp = fn = 0
    for (_, tags, _), (_, guess) in zip(gold, predicted, strict=True):
        g, p = spans(tags), spans(guess)
        tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    return {"intent_acc": 100 * correct / max(1, len(gold)), "slot_f1": 100 * f1}


class IntentTask:
    def __init__(self, recipe: IntentRecipe, resume: bool = False) -> None:
        """resume changes nothing here: the vocabularies come from the data, the same again."""
        self.recipe = recipe
        train_rows = list(read_jsonl(recipe.data.train))
        self.train = [(*bio_tags(r), r["intent"]) for r in train_rows]
        dev = [(*bio_tags(r), r["intent"]) for r in read_jsonl(recipe.data.dev)]
        self.dev = {"clean": dev, "asr": [(*recogniser_style(w, t), i) for w, t, i in dev]}
        words = [w for ws, _, _ in self.train for w in ws]
        words += [w for ws, ts, _ in self.train for w in recogniser_style(ws, ts)[0]]
        self.vocabs = Vocabs(
            Vocab.counted(words, recipe.data.min_word_count),
            Vocab.counted((c for w in words for c in w), 1),
            Vocab(sorted({t for _, ts, _ in self.train for t in ts}), specials=("O",)),
            Vocab(sorted({i for _, _, i in self.train}), specials=()),
        )
        m = recipe.model
        m.words, m.chars = len(self.vocabs.words), len(self.vocabs.chars)
        m.tags, m.intents = len(self.vocabs.tags), len(self.vocabs.intents)
        self.model = IntentNet(m)
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=-100)

    def batches(self, epoch: int, rank: int, world: int):
        rng = random.Random(self.recipe.train.seed * 1000 + epoch)
        order = list(range(len(self.train)))
        rng.shuffle(order)
        size = self.recipe.data.batch_size
        starts = list(range(0, len(order) - size + 1, size))
        for start in starts[rank::world][: len(starts) // world]:
            examples = []
            for i in order[start:start + size]:
                words, tags, intent = self.train[i]
                if rng.random() < self.recipe.data.noisy:
                    words, tags = recogniser_style(words, tags, rng, fold=rng.random() < 0.7)
                examples.append((words, tags, intent))
            yield self.vocabs.encode(examples)

    def steps_per_epoch(self, world: int) -> int:
        return len(self.train) // self.recipe.data.batch_size // world

    def loss(self, model: nn.Module, batch: IntentBatch) -> tuple[torch.Tensor, int]:
        intents, tags = model(batch.words, batch.chars, batch.lengths)
        loss = self.loss_fn(intents, batch.intents) + \
            self.loss_fn(tags.flatten(0, 1), batch.tags.flatten())
        return loss, len(batch.lengths)

    def predict(self, model: nn.Module, examples: list[Example]) -> list[tuple[str, list[str]]]:
        out = []
        for start in range(0, len(examples), 256):
            chunk = examples[start:start + 256]
            batch = to_device(self.vocabs.encode(chunk), next(model.parameters()).device)
            intents, tags = model(batch.words, batch.chars, batch.lengths)
            for b, (words, _, _) in enumerate(chunk):
                out.append((self.vocabs.intents.items[int(intents[b].argmax())],
                            [self.vocabs.tags.items[int(k)] for k in
                             tags[b, : len(words)].argmax(-1)]))
        return out

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        metrics = {}
        for name, examples in self.dev.items():
            for key, value in scores(examples, self.predict(model, examples)).items():
                metrics[f"{name}_{key}"] = round(value, 2)
        metrics["score"] = sum(metrics.values()) / len(metrics)
        return metrics

    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None:
        save_model(out, model, {
            "kind": "intent", "model": dataclasses.asdict(self.recipe.model),
            "words": self.vocabs.words.items, "chars": self.vocabs.chars.items,
            "tags": self.vocabs.tags.items, "intents": self.vocabs.intents.items,
            "dev": metrics, "recipe": dataclasses.asdict(self.recipe)})
        export_model(out)  # the graph the runtime runs, from the saved (fp16) weights
