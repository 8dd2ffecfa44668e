"""Training batches for the recogniser: length-bucketed, augmented, sharded across ranks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from voice.asr.frontend import FRONTENDS, Subsample
from voice.text import CharVocab
from voice.training.asr.augment import AugmentConfig, augment, mask
from voice.training.asr.features import FeatureSet
from voice.training.asr.teacher import TeacherFrames, resample
from voice.training.trainer import cut_batches


@dataclass
class AsrDataConfig:
    train: list[str] = field(default_factory=list)  # manifests
    repeat: list[int] = field(default_factory=list)  # passes per epoch, one per manifest
    dev: list[str] = field(default_factory=list)
    max_frames: int = 20_000  # 10 ms feature frames per batch
    max_seconds: float = 20.0  # longer utterances are skipped in training
    pad_silence: float = 0.0  # encoder frames: up to this many seconds of silence before and
    # after each training clip (fixed per clip), as an endpointer leaves around speech


@dataclass
class Batch:
    features: torch.Tensor  # (B, T, n_mels)
    lengths: torch.Tensor  # (B,)
    targets: torch.Tensor  # (sum of target lengths,)
    target_lengths: torch.Tensor  # (B,); 0 = no character target (another language)
    phones: torch.Tensor | None = None  # phone ids as targets, when the model has a phone head
    phone_lengths: torch.Tensor | None = None
    teacher: torch.Tensor | None = None  # (B, output frames, dim): distillation targets
    teacher_lengths: torch.Tensor | None = None  # (B,); 0 = no teacher frames
    speakers: torch.Tensor | None = None  # (B,) speaker ids, for the adversarial head

    @property
    def frames(self) -> int:
        return int(self.lengths.sum())


def _flat(targets: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.tensor([t for ts in targets for t in ts], dtype=torch.long),
            torch.tensor([len(t) for t in targets]))


def _pad_teacher(teacher: list[torch.Tensor | None],
                 frames: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Teacher frames padded to the batch's output frames (zeros; length 0 = none)."""
    dim = next(t.shape[1] for t in teacher if t is not None)
    padded = torch.zeros(len(teacher), max(frames), dim)
    lengths = torch.zeros(len(teacher), dtype=torch.long)
    for i, (t, n) in enumerate(zip(teacher, frames, strict=True)):
        if t is not None:
            padded[i, :n], lengths[i] = t, n
    return padded, lengths


def collate(feats: list[torch.Tensor], targets: list[list[int]],
            phones: list[list[int]] | None = None,
            teacher: list[np.ndarray | None] | None = None,
            speakers: list[int] | None = None, frontend: type = Subsample) -> Batch:
    """Pad with silence: the model runs unpacked, so padding must look like trailing quiet.
    Teacher frames are stretched to each utterance's output frames (tempo augmentation)."""
    lengths = torch.tensor([len(f) for f in feats])
    padded = torch.full((len(feats), int(lengths.max()), feats[0].shape[1]), frontend.PAD)
    for i, f in enumerate(feats):
        padded[i, : len(f)] = f
    batch = Batch(padded, lengths, *_flat(targets), *(_flat(phones) if phones else (None, None)))
    if teacher is not None and any(t is not None for t in teacher):
        frames = [Subsample.out_frames(len(f)) for f in feats]
        batch.teacher, batch.teacher_lengths = _pad_teacher(
            [None if t is None else resample(t, n) for t, n in zip(teacher, frames, strict=True)],
            frames)
    if speakers is not None:
        batch.speakers = torch.tensor(speakers)
    return batch


def fits(frames: int, target: int, frontend: type = Subsample) -> bool:
    """CTC needs at least one output frame per symbol (plus slack for repeats)."""
    return 0 < target and frontend.out_frames(frames * 85 // 100) > target * 1.1


@dataclass
class SetTargets:
    """One training set's targets besides its transcripts."""

    langs: list[str]  # each utterance's language: only Spanish trains the character head
    phones: list[list[int]] | None = None  # phone ids, when the model has a phone head
    teacher: TeacherFrames | None = None  # Whisper's encoder frames, when distilled on this set
    speakers: list[int] | None = None  # speaker ids, when the model has an adversarial head


class AsrBatches:
    """Epochs of batches over several feature sets, each repeated its own number of times.

    extra (one per set) gives languages, phone ids and teacher frames: utterances in other
    languages then train the auxiliary heads alone, with no character target."""

    def __init__(self, sets: list[FeatureSet], repeat: list[int], config: AsrDataConfig,
                 augment_config: AugmentConfig | None, vocab: CharVocab, seed: int = 0,
                 extra: list[SetTargets] | None = None, features: str = "logmel") -> None:
        self.sets, self.config, self.augment = sets, config, augment_config
        self.frontend = FRONTENDS[features]
        self.seed = seed
        self.extra = extra or [SetTargets(["es"] * len(s)) for s in sets]
        self.targets = [[vocab.encode(t) if lang == "es" else [] for t, lang in
                         zip(s.texts, e.langs, strict=True)]
                        for s, e in zip(sets, self.extra, strict=True)]
        self.has_phones = any(e.phones is not None for e in self.extra)
        self.items: list[tuple[int, int, int]] = []  # (set, index, frames)
        for k, (s, times) in enumerate(zip(sets, repeat, strict=True)):
            e = self.extra[k]
            for i, frames in enumerate(s.lengths()):
                ok = fits(int(frames), len(self.targets[k][i]), self.frontend) or (
                    not self.targets[k][i] and (
                        (e.phones is not None and fits(int(frames), len(e.phones[i])))
                        or e.teacher is not None))
                if ok and frames <= config.max_seconds * self.frontend.RATE:
                    self.items += [(k, i, int(frames))] * times

    def plan(self, epoch: int) -> list[list[tuple[int, int, int]]]:
        """The epoch's batches as item lists: shuffled, then similar lengths grouped."""
        rng = random.Random(self.seed * 1000 + epoch)
        items = list(self.items)
        rng.shuffle(items)
        batches: list[list[tuple[int, int, int]]] = []
        chunk = 2000  # sort within chunks: similar lengths per batch, still random overall
        for start in range(0, len(items), chunk):
            block = sorted(items[start:start + chunk], key=lambda it: it[2])
            batches += cut_batches(block, lambda it: it[2], self.config.max_frames)
        rng.shuffle(batches)
        return batches

    def epoch(self, epoch: int, rank: int = 0, world: int = 1) -> Iterator[Batch]:
        batches = self.plan(epoch)
        batches = batches[: len(batches) // world * world]
        torch.manual_seed(self.seed * 1000 + epoch * 10 + rank)
        for batch in batches[rank::world]:
            yield self._collate(batch)

    def steps_per_epoch(self, world: int = 1) -> int:
        return len(self.plan(0)) // world

    def _collate(self, batch: list[tuple[int, int, int]]) -> Batch:
        feats = [torch.from_numpy(self.sets[k][i].astype("float32")) for k, i, _ in batch]
        if self.augment is not None and self.frontend is not Subsample:
            feats = [mask(f, self.augment) for f in feats]  # the audio was augmented before
        elif self.augment is not None:
            others = feats[1:] + feats[:1]
            feats = [augment(f, self.augment, o) for f, o in zip(feats, others, strict=True)]
        phones = [self.extra[k].phones[i] if self.extra[k].phones is not None else []
                  for k, i, _ in batch] if self.has_phones else None
        teacher = [None if self.extra[k].teacher is None else self.extra[k].teacher[i]
                   for k, i, _ in batch]
        speakers = [self.extra[k].speakers[i] for k, i, _ in batch] \
            if self.extra[0].speakers is not None else None
        return collate(feats, [self.targets[k][i] for k, i, _ in batch], phones, teacher,
                       speakers, self.frontend)
