"""The translator as a trainer task: tokenizer, length-bucketed batches, smoothed loss, dev BLEU."""

from __future__ import annotations

import dataclasses
import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from voice.checkpoint import save_model
from voice.data.accents import accent_lexicon
from voice.files import write_atomically
from voice.manifest import read_jsonl
from voice.mt.apertium import apertium
from voice.mt.model import MtModelConfig, Seq2Seq, TorchNetwork
from voice.mt.placeholders import mask, mask_target, recogniser_style
from voice.mt.scoring import bleu_chrf
from voice.mt.tokenizer import BOS, BT, EOS, PAD, Tokenizer
from voice.mt.translator import ACCENTS, SHORTLIST, TOKENIZER, Translator, source_row
from voice.training.export import export_model
from voice.training.mt.teacher import teacher_english
from voice.training.trainer import TrainConfig, cut_batches


@dataclass
class MtDataConfig:
    train: str = "data/mt/train.jsonl"
    dev: str = "data/mt/dev.jsonl"
    vocab_size: int = 8000
    repeat: dict[str, float] = field(default_factory=dict)  # source -> copies (0.5: half)
    max_tokens: int = 2500  # source + target tokens per batch
    max_length: int = 80  # longer training pairs (in tokens) are left out
    noisy: float = 0.5  # share of sources rewritten in recogniser style
    dev_per_source: int = 400  # dev sentences per source scored during training
    # A trained translator whose English (beam 5 with its consensus) replaces the targets of
    # the human-translated pairs: sequence-level distillation (voice.training.mt.teacher). The
    # back-translated pairs keep theirs, which are the human side. "" = the references.
    teacher: str = ""


@dataclass
class MtRecipe:
    data: MtDataConfig = field(default_factory=MtDataConfig)
    model: MtModelConfig = field(default_factory=MtModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    label_smoothing: float = 0.1

    def manifests(self) -> list[str]:
        """What the task reads (they must exist before it starts)."""
        return [self.data.train, self.data.dev]


@dataclass
class MtBatch:
    src: torch.Tensor
    lengths: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor


def drafts(texts: list[str], corpus: Path) -> list[str]:
    """Apertium's English of each text, cached beside the corpus (`X.drafts.json`): the whole
    corpus takes Apertium several minutes."""
    cache = corpus.with_suffix(".drafts.json")
    known = json.loads(cache.read_text()) if cache.exists() else {}
    if missing := sorted(set(texts) - known.keys()):
        known.update(zip(missing, apertium(missing), strict=True))
        write_atomically(cache, json.dumps(known, ensure_ascii=False))
    return [known[t] for t in texts]


def frequent_targets(targets: list[list[int]]) -> list[int]:
    """The token ids of the training targets, the most frequent first: the output shortlist
    (translator.SHORTLIST) that decoding may write beside each input's own tokens."""
    counts = Counter(token for target in targets for token in target)
    return [token for token, _ in counts.most_common()]


def _pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row)
    return out


class MtTask:
    def __init__(self, recipe: MtRecipe, resume: bool = False) -> None:
        """resume: reuse the run's tokenizer, which the checkpoint's embeddings index."""
        self.recipe = recipe
        d = recipe.data
        rows = list(read_jsonl(d.train))
        copies = []  # per pair this epoch; a fraction is a fixed subset of a source's pairs
        for i, row in enumerate(rows):
            repeat = d.repeat.get(row.get("source", ""), 1.0)
            copies.append(int(repeat) + ((i * 0.6180339887) % 1 < repeat % 1))
        english = [row["en"] for row in rows]  # the target of each source
        if d.teacher:
            taught = [i for i, row in enumerate(rows) if copies[i] and not row.get("bt")]
            for i, text in zip(taught, teacher_english([rows[i]["es"] for i in taught],
                                                       Path(d.train), Path(d.teacher)),
                               strict=True):
                english[i] = text
        sources = []  # (clean, recogniser style, recogniser style with accents) per pair
        targets = []  # each row's masked target
        for row, en in zip(rows, english, strict=True):
            masked, values = mask(row["es"])
            sources.append((masked, recogniser_style(masked), recogniser_style(masked, False)))
            targets.append(mask_target(en, values))
        saved = Path(recipe.train.run_dir) / TOKENIZER
        if resume and saved.exists():
            self.tokenizer = Tokenizer.load(saved)
        elif recipe.train.init:  # fine-tuning: the starting model's embeddings index its pieces
            self.tokenizer = Tokenizer.load(Path(recipe.train.init) / TOKENIZER)
            saved.parent.mkdir(parents=True, exist_ok=True)
            self.tokenizer.save(saved)
        else:
            # every source the recipe reads (a fraction too), none it leaves out (weight 0)
            used = [d.repeat.get(row.get("source", ""), 1.0) > 0 for row in rows]
            lines = [s for triple, keep in zip(sources, used, strict=True) if keep
                     for s in triple[:2]] + [t for t, keep in zip(targets, used, strict=True)
                                             if keep]
            self.tokenizer = Tokenizer.train(lines, d.vocab_size)
            saved.parent.mkdir(parents=True, exist_ok=True)
            self.tokenizer.save(saved)
        columns = [list(column) for column in zip(*sources, strict=True)]
        encoded = [self.tokenizer.encode(column) for column in columns]
        drafted = [None] * len(columns)
        if recipe.model.draft:  # one Apertium call (and cache write) for every column
            every = self.tokenizer.encode(drafts([s for c in columns for s in c], Path(d.train)))
            drafted = [every[k * len(rows):(k + 1) * len(rows)] for k in range(len(columns))]
        encoded_targets = self.tokenizer.encode(targets)
        self.frequent = frequent_targets(encoded_targets)
        self.train: list[tuple[list[list[int]], list[int]]] = []
        bt = [self.tokenizer.piece_id(BT)]  # marks synthetic sources: the model can weigh them
        for i, target in enumerate(encoded_targets):
            tag = bt if rows[i].get("bt") else []
            if len(source_row(encoded[0][i], tag=tag)) + len(target) > d.max_length or not target:
                continue  # the same pairs with or without drafts, which do not count
            variants = [source_row(column[i], None if draft is None else draft[i], tag)
                        for column, draft in zip(encoded, drafted, strict=True)]
            self.train += [(variants, target)] * copies[i]
        dev: dict[str, list[dict]] = {}
        for row in read_jsonl(d.dev):
            dev.setdefault(row.get("source", "dev"), []).append(row)
        self.dev = {name: pairs[: d.dev_per_source] for name, pairs in sorted(dev.items())}
        recipe.model.vocab = len(self.tokenizer)
        self.model = Seq2Seq(recipe.model)

    def _plan(self, epoch: int) -> list[list[int]]:
        """Batches of similar source length under the token budget, in random order."""
        rng = random.Random(self.recipe.train.seed * 1000 + epoch)
        order = sorted(range(len(self.train)),
                       key=lambda i: (len(self.train[i][0][0]), rng.random()))
        batches = cut_batches(order, lambda i: len(self.train[i][0][0]) + len(self.train[i][1]),
                              self.recipe.data.max_tokens)
        rng.shuffle(batches)
        return batches

    def batches(self, epoch: int, rank: int, world: int):
        rng = random.Random(self.recipe.train.seed * 7919 + epoch)
        plan = self._plan(epoch)
        for indices in plan[rank::world][: len(plan) // world]:
            sources, targets = [], []
            for i in indices:
                variants, target = self.train[i]
                style = 0
                if rng.random() < self.recipe.data.noisy:
                    style = 1 if rng.random() < 0.7 else 2
                sources.append(variants[style])
                targets.append(target)
            yield MtBatch(_pad(sources), torch.tensor([len(s) for s in sources]),
                          _pad([[BOS, *t] for t in targets]), _pad([[*t, EOS] for t in targets]))

    def steps_per_epoch(self, world: int) -> int:
        return len(self._plan(0)) // world

    def loss(self, model: nn.Module, batch: MtBatch) -> tuple[torch.Tensor, int]:
        logits = model(batch.src, batch.lengths, batch.tgt_in)
        loss = F.cross_entropy(logits.flatten(0, 1), batch.tgt_out.flatten(), ignore_index=PAD,
                               label_smoothing=self.recipe.label_smoothing)
        return loss, int((batch.tgt_out != PAD).sum())

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        """Greedy BLEU per dev source, on clean and recogniser-style input; score = their mean."""
        translator = Translator(TorchNetwork(model), self.tokenizer)
        metrics = {}
        for name, pairs in self.dev.items():
            references = [p["en"] for p in pairs]
            for style in ("clean", "asr"):
                texts = [p["es"] for p in pairs]
                if style == "asr":
                    texts = [recogniser_style(t) for t in texts]
                hypotheses = translator.translate(texts, beam=1)
                metrics[f"{name}_{style}_bleu"] = bleu_chrf(hypotheses, references)["bleu"]
        metrics["score"] = round(sum(metrics.values()) / len(metrics), 2)
        return metrics

    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None:
        save_model(out, model, {"kind": "mt", "model": dataclasses.asdict(self.recipe.model),
                                "dev": metrics, "recipe": dataclasses.asdict(self.recipe)})
        self.tokenizer.save(out / TOKENIZER)
        write_atomically(out / SHORTLIST, json.dumps(self.frequent))
        write_atomically(out / ACCENTS, gzip.compress(json.dumps(
            accent_lexicon(), ensure_ascii=False).encode(), mtime=0))
        export_model(out)  # the graphs the runtime runs, from the saved (fp16) weights
