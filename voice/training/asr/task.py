"""The recogniser as a trainer task: data, CTC loss, dev WER, export."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import jiwer
import numpy as np
import torch
from torch import nn

from voice.asr import encoder, whisper_encoder
from voice.asr.beam import BeamConfig
from voice.asr.decode import collapse, greedy
from voice.asr.frontend import FRONTENDS
from voice.asr.lm import LmConfig
from voice.asr.model import AsrModelConfig, CtcRecognizer, without_aux_heads
from voice.checkpoint import save_model
from voice.errors import VoiceError
from voice.manifest import read_jsonl
from voice.metrics import error_rates
from voice.text import CharVocab
from voice.training.asr import phones, teacher
from voice.training.asr.augment import AugmentConfig
from voice.training.asr.batches import AsrBatches, AsrDataConfig, Batch, SetTargets, collate
from voice.training.asr.features import FeatureSet
from voice.training.asr.teacher import TeacherFrames
from voice.training.export import export_model
from voice.training.trainer import TrainConfig, to_device


@dataclass
class PhoneConfig:
    weight: float = 0.0  # loss weight of the auxiliary phone CTC head; 0 = no phone head


@dataclass
class TeacherConfig:
    """Distillation of Whisper base's encoder frames (voice.training.asr.teacher) into one layer."""

    weight: float = 0.0  # loss weight of the distillation head; 0 = no teacher
    sets: list[str] = field(default_factory=list)  # train manifests that get teacher frames


@dataclass
class SpeakerConfig:
    """Speaker-adversarial training: a head guesses each training utterance's speaker (its
    language and manifest `speaker`) through gradient reversal, so the layer it reads learns
    to carry no speaker."""

    weight: float = 0.0  # loss weight of the adversarial head; 0 = none


@dataclass
class AsrRecipe:
    data: AsrDataConfig = field(default_factory=AsrDataConfig)
    model: AsrModelConfig = field(default_factory=AsrModelConfig)
    phones: PhoneConfig = field(default_factory=PhoneConfig)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    speakers: SpeakerConfig = field(default_factory=SpeakerConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    lm: LmConfig = field(default_factory=LmConfig)
    decode: BeamConfig = field(default_factory=BeamConfig)

    def manifests(self) -> list[str]:
        """What the task reads (they must exist before it starts); a VoiceError when [data]
        cannot be trained from."""
        if not self.data.dev or len(self.data.repeat) not in (0, len(self.data.train)):
            raise VoiceError("[data] needs dev manifests and one repeat per train manifest")
        if unknown := set(self.teacher.sets) - set(self.data.train):
            raise VoiceError(f"[teacher] sets must be train manifests: {', '.join(unknown)}")
        return [*self.data.train, *self.data.dev]


def distillation_loss(predicted: torch.Tensor, target: torch.Tensor,
                      lengths: torch.Tensor) -> torch.Tensor:
    """L1 plus cosine distance per frame (as DistilHuBERT), over the frames that have a
    target; the student's frames may run a little past the teacher's (padding)."""
    frames = min(predicted.shape[1], target.shape[1])
    predicted, target = predicted[:, :frames], target[:, :frames]
    mask = (torch.arange(frames)[None] < lengths[:, None]).to(predicted.dtype)
    per_frame = (predicted - target).abs().mean(-1) + 1 - nn.functional.cosine_similarity(
        predicted, target, dim=-1)
    return (per_frame * mask).sum() / mask.sum().clamp(min=1)


class AsrTask:
    def __init__(self, recipe: AsrRecipe, resume: bool = False) -> None:
        """resume changes nothing here: the alphabet is fixed."""
        self.recipe = recipe
        self.vocab = CharVocab()
        recipe.model.vocab = len(self.vocab)
        recipe.model.phone_vocab = phones.vocab_size() if recipe.phones.weight else 0
        recipe.model.teacher_dim = teacher.DIM if recipe.teacher.weight else 0
        kind = recipe.model.features
        if kind == "whisper":
            recipe.model.n_mels = encoder.DIM
        self.speakers = self._speakers(recipe.data.train) if recipe.speakers.weight else None
        recipe.model.speakers = len({s for ids in self.speakers or [] for s in ids})
        self.model = CtcRecognizer(recipe.model)
        if self.model.encoder_top is not None:  # Whisper's own weights, before any [train] init
            self.model.encoder_top.load(whisper_encoder.read_ctranslate2(
                encoder.model_folder() / "model.bin"))
        blocks = encoder.BLOCKS - recipe.model.tune_blocks
        pad = recipe.data.pad_silence
        if pad and kind != "whisper":
            raise VoiceError("[data] pad_silence is for features = \"whisper\" (log-mel "
                             "training augments its audio itself)")
        train_sets = [FeatureSet.load(m, kind=kind, blocks=blocks, pad=pad)
                      for m in recipe.data.train]
        self.dev_sets = [FeatureSet.load(m, kind=kind, blocks=blocks) for m in recipe.data.dev]
        self._normalisation(train_sets)
        repeat = recipe.data.repeat or [1] * len(train_sets)
        self.data = AsrBatches(train_sets, repeat, recipe.data, recipe.augment, self.vocab,
                               recipe.train.seed, self._extra(recipe.data.train), kind)
        self.dev_phones = self._phones(recipe.data.dev)
        self.ctc = nn.CTCLoss(blank=CharVocab.BLANK, zero_infinity=True)
        self.ctc_each = nn.CTCLoss(blank=0, reduction="none", zero_infinity=True)

    def _phones(self, manifests: list[str]) -> list[list[tuple[str, list[int]]]] | None:
        """Language and phone ids of every utterance, when the model has a phone head."""
        if not self.recipe.phones.weight:
            return None
        return [[(lang, phones.encode(ps)) for lang, ps in phones.manifest_phones(m)]
                for m in manifests]

    @staticmethod
    def _speakers(manifests: list[str]) -> list[list[int]]:
        """Each training utterance's speaker id, per set: one per language and `speaker` (the
        same character name is another actor in another language)."""
        table: dict[str, int] = {}
        return [[table.setdefault(f"{row.get('lang', 'es')}:{row.get('speaker', m)}", len(table))
                 for row in read_jsonl(m)] for m in manifests]

    def _extra(self, manifests: list[str]) -> list[SetTargets]:
        """Languages, phone ids, teacher frames and speaker ids of the training sets."""
        phone_sets = self._phones(manifests)
        return [SetTargets([row.get("lang", "es") for row in read_jsonl(m)],
                           None if phone_sets is None else [ids for _, ids in phone_sets[n]],
                           TeacherFrames.load(m) if self.recipe.teacher.weight
                           and m in self.recipe.teacher.sets else None,
                           None if self.speakers is None else self.speakers[n])
                for n, m in enumerate(manifests)]

    def _normalisation(self, sets: list[FeatureSet]) -> None:
        """Global per-bin mean/std from a sample of training frames (streaming-friendly); with
        tuned encoder blocks, of their output on a sample of utterances."""
        rng = np.random.default_rng(0)
        top = self.model.encoder_top
        if top is not None:
            with torch.no_grad():
                frames = np.concatenate([
                    top(torch.from_numpy(s[i].astype(np.float32))[None],
                        torch.tensor([len(s[i])]))[0].numpy()
                    for s in sets for i in rng.choice(len(s), min(len(s), 100), replace=False)])
        else:
            frames = np.concatenate([s.features[np.sort(rng.choice(
                len(s.features), min(len(s.features), 200_000), replace=False))]
                for s in sets]).astype(np.float32)
        self.model.mean.copy_(torch.from_numpy(frames.mean(0)))
        self.model.std.copy_(torch.from_numpy(frames.std(0) + 1e-5))

    def batches(self, epoch: int, rank: int, world: int):
        return self.data.epoch(epoch, rank, world)

    def steps_per_epoch(self, world: int) -> int:
        return self.data.steps_per_epoch(world)

    def loss(self, model: nn.Module, batch: Batch) -> tuple[torch.Tensor, int]:
        if batch.phones is None and batch.teacher is None and batch.speakers is None:
            log_probs, lengths = model(batch.features, batch.lengths)
            loss = self.ctc(log_probs.transpose(0, 1), batch.targets, lengths,
                            batch.target_lengths)
            return loss, batch.frames
        out = model(batch.features, batch.lengths, aux=True)
        loss = self._mean_ctc(out.log_probs, batch.targets, out.lengths, batch.target_lengths)
        if batch.phones is not None:
            loss = loss + self.recipe.phones.weight * self._mean_ctc(
                out.phones, batch.phones, out.lengths, batch.phone_lengths)
        if batch.teacher is not None:
            loss = loss + self.recipe.teacher.weight * distillation_loss(
                out.teacher, batch.teacher, batch.teacher_lengths)
        if batch.speakers is not None:
            loss = loss + self.recipe.speakers.weight * nn.functional.cross_entropy(
                out.speakers, batch.speakers)
        return loss, batch.frames

    def _mean_ctc(self, log_probs: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor,
                  target_lengths: torch.Tensor) -> torch.Tensor:
        """CTCLoss's 'mean' over the utterances that have a target (length > 0) only."""
        losses = self.ctc_each(log_probs.transpose(0, 1), targets, lengths, target_lengths)
        has = (target_lengths > 0).to(losses.dtype)
        return (losses / target_lengths.clamp(min=1) * has).sum() / has.sum().clamp(min=1)

    def _outputs(self, model: nn.Module, features: FeatureSet,
                 phone_head: bool = False) -> Iterator[tuple[int, torch.Tensor, int]]:
        """(utterance, log-probs, frames) of every utterance of a set, from the character
        head or the phone head, in batches of similar lengths."""
        order = np.argsort(features.lengths())
        for start in range(0, len(order), 32):
            chunk = order[start:start + 32]
            batch = to_device(collate([torch.from_numpy(features[i].astype(np.float32))
                                       for i in chunk], [[] for _ in chunk],
                                      frontend=FRONTENDS[self.recipe.model.features]),
                              next(model.parameters()).device)
            if phone_head:
                out = model(batch.features, batch.lengths, aux=True)
                log_probs, lengths = out.phones, out.lengths
            else:
                log_probs, lengths = model(batch.features, batch.lengths)
            for b, i in enumerate(chunk):
                yield int(i), log_probs[b].cpu(), int(lengths[b])

    def transcribe_set(self, model: nn.Module, features: FeatureSet) -> list[str]:
        texts: list[str] = [""] * len(features)
        for i, log_probs, frames in self._outputs(model, features):
            texts[i] = greedy(log_probs[None], torch.tensor([frames]), self.vocab)[0]
        return texts

    def phone_error_rate(self, model: nn.Module, features: FeatureSet,
                         targets: list[tuple[str, list[int]]]) -> float:
        """Percent phone errors of the phone head's best path (utterances with phones)."""
        refs, hyps = [], []
        for i, log_probs, frames in self._outputs(model, features, phone_head=True):
            if targets[i][1]:
                refs.append(" ".join(map(str, targets[i][1])))
                hyps.append(" ".join(map(str, collapse(log_probs[:frames].argmax(-1).tolist()))))
        return 100 * jiwer.wer(refs, hyps) if refs else 0.0

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        """WER and CER of the Spanish dev sets (their mean WER is the score); with a phone
        head also every set's phone error rate, and sets in other languages only that."""
        metrics: dict[str, float] = {}
        for n, dev in enumerate(self.dev_sets):
            targets = self.dev_phones[n] if self.dev_phones is not None else None
            if targets is None or any(lang == "es" for lang, _ in targets):
                rates = error_rates(dev.texts, self.transcribe_set(model, dev))
                metrics.update({f"{dev.name}_{k}": round(v, 2) for k, v in rates.items()})
            if targets is not None:
                metrics[f"{dev.name}_per"] = round(self.phone_error_rate(model, dev, targets), 2)
        wers = [v for k, v in metrics.items() if k.endswith("_wer")]
        metrics["score"] = -float(np.mean(wers))
        return metrics

    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None:
        """The weights inference reads and the recipe that trained them ([lm] and [decode] are
        recorded by `voice train lm`, beside its LM)."""
        recipe = dataclasses.asdict(self.recipe)
        bare = without_aux_heads(model)
        save_model(out, bare, {"kind": "asr", "model": dataclasses.asdict(bare.config),
                                "vocab": self.vocab.symbols[1:], "dev": metrics,
                                "recipe": {k: v for k, v in recipe.items()
                                           if k not in ("lm", "decode")}})
        if bare.config.norm == "global" and not bare.config.tune_blocks:
            export_model(out)  # the graphs the runtime runs, from the saved (fp16) weights
