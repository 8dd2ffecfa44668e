"""The wake phrase as a trainer task, and its evaluation (training code: `voice train wake`,
`voice eval wake`).

Each training example is a window of log-mel frames: background (quiet, noise or other speech)
with, maybe, a clip of the phrase or of a sound-alike cut in. The steps shortly after the
phrase ends must score high (max-pooled: one confident step is enough); every step of a window
without it must score low, its highest step most of all, since false accepts are peaks. Clips
are altered in the feature domain (voice.training.asr.augment): new timbres, tempos, channels,
noise; background speech is used as it is, and each window gets its own level and slope (per-clip
augmentation is what costs: 3 ms a clip).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from voice.audio import SAMPLE_RATE, load_audio
from voice.checkpoint import save_model
from voice.manifest import read_jsonl
from voice.training.asr.augment import SILENCE, AugmentConfig, augment
from voice.training.export import export_model
from voice.training.trainer import TrainConfig
from voice.wake.detector import PHRASE, WakeFeatures, WakeModelConfig, peaks
from voice.wake.model import WakeNet

GAP = 0.3  # seconds of quiet between the clips of a false-accept stream
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(4, 20))  # calibration grid


@dataclass
class WakeDataConfig:
    dir: str = "data/wake"  # `voice data build wake`
    batch_size: int = 64
    window: tuple[int, int] = (150, 320)  # frames (10 ms) per training window
    wake: float = 0.35  # shares of the batch: the phrase, sound-alikes (the rest: background)
    confusers: float = 0.25
    max_clip_seconds: float = 6.0  # other speech is cut to this (memory)
    examples_per_epoch: int = 20_000
    dev_speech_hours: float = 0.4  # of speech-dev, for calibration and selection


@dataclass
class WakeRecipe:
    data: WakeDataConfig = field(default_factory=WakeDataConfig)
    model: WakeModelConfig = field(default_factory=WakeModelConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def manifests(self) -> list[str]:
        folder = Path(self.data.dir)
        return [str(folder / f"{split}-{kind}.jsonl") for split in ("train", "dev")
                for kind in ("wake", "confusers")] + \
            [str(folder / f"speech-{split}.jsonl") for split in ("train", "dev")] + \
            [str(folder / "train-sentences.jsonl")]


@dataclass
class WakeBatch:
    features: torch.Tensor  # (B, T, n_mels)
    positive: torch.Tensor  # (B, T) frames in which the phrase has just ended
    negative: torch.Tensor  # (B, T) frames that must not score
    is_wake: torch.Tensor  # (B,)


def clips(manifest: str | Path, max_seconds: float = 0.0) -> list[np.ndarray]:
    """The audio of a manifest's rows (paths relative to it), cut to max_seconds if given."""
    folder = Path(manifest).parent
    out = []
    for row in read_jsonl(manifest):
        audio = load_audio(folder / row["audio"])
        out.append(audio[: int(max_seconds * SAMPLE_RATE)] if max_seconds else audio)
    return out


def noises(seed: int, count: int = 48, seconds: float = 3.0) -> list[np.ndarray]:
    """Quiet rooms, hiss, rumble and hum at many levels, and digital silence (what the live
    pipeline feeds while the assistant speaks)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    out = [np.zeros(n, np.float32)]
    for k in range(count - 1):
        colour = k % 4
        spectrum = np.fft.rfft(rng.standard_normal(n))
        if colour:  # pink, brown, or hum over pink
            spectrum /= np.maximum(freqs, 20.0) ** (0.5 if colour != 2 else 1.0)
        noise = np.fft.irfft(spectrum, n)
        if colour == 3:
            t = np.arange(n) / SAMPLE_RATE
            base = rng.choice([50.0, 60.0])
            noise = noise / np.abs(noise).max() * 0.2 + sum(
                np.sin(2 * np.pi * base * h * t) / h for h in (1, 2, 3))
        level = 10 ** rng.uniform(-4.0, -1.0)
        out.append((noise / (np.abs(noise).max() + 1e-9) * level).astype(np.float32))
    return out


def features(audios: list[np.ndarray], n_mels: int) -> list[torch.Tensor]:
    extract = WakeFeatures(n_mels)
    return [torch.from_numpy(extract(a)) for a in audios]


def quiet(seconds: float, seed: int = 0) -> np.ndarray:
    """A quiet room (-60 dBFS hiss): the padding of positives and the gaps between clips."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * SAMPLE_RATE)) * 1e-3).astype(np.float32)


def stream(audios: list[np.ndarray]) -> np.ndarray:
    """Clips one after the other with a short quiet gap: speech as a live stream."""
    gap = quiet(GAP)
    return np.concatenate([piece for a in audios for piece in (a, gap)])


def padded(audio: np.ndarray) -> np.ndarray:
    """A positive as the detector hears it: quiet before, room after for the decision."""
    return np.concatenate([quiet(0.5, 1), audio, quiet(1.0, 2)])


class WakeTask:
    def __init__(self, recipe: WakeRecipe, resume: bool = False) -> None:
        """resume changes nothing: the data are read again, the same."""
        self.recipe = recipe
        d, m = recipe.data, recipe.model
        folder = Path(d.dir)
        self.wake = features(clips(folder / "train-wake.jsonl"), m.n_mels)
        self.confusers = features(clips(folder / "train-confusers.jsonl"), m.n_mels)
        self.speech = features(clips(folder / "speech-train.jsonl", d.max_clip_seconds)
                               + clips(folder / "train-sentences.jsonl", d.max_clip_seconds),
                               m.n_mels)
        self.noise = features(noises(recipe.train.seed), m.n_mels)
        self.dev_wake = [padded(a) for a in clips(folder / "dev-wake.jsonl")]
        self.dev_confusers = [padded(a) for a in clips(folder / "dev-confusers.jsonl")]
        dev_speech, total = [], 0.0
        for audio in clips(folder / "speech-dev.jsonl"):
            if total >= d.dev_speech_hours * 3600:
                break
            dev_speech.append(audio)
            total += len(audio) / SAMPLE_RATE
        self.dev_stream = stream(dev_speech)
        self.model = WakeNet(m)
        every = torch.cat(self.wake + self.confusers + self.speech)
        self.model.mean.copy_(every.mean(0))
        self.model.std.copy_(every.std(0).clamp(min=1e-2))
        self.threshold = m.threshold

    # -- training ---------------------------------------------------------------------------
    def steps_per_epoch(self, world: int) -> int:
        return self.recipe.data.examples_per_epoch // self.recipe.data.batch_size // world

    def batches(self, epoch: int, rank: int, world: int) -> Iterator[WakeBatch]:
        rng = random.Random(self.recipe.train.seed * 1000 + epoch * 10 + rank)
        torch.manual_seed(self.recipe.train.seed * 1000 + epoch * 10 + rank)
        for _ in range(self.steps_per_epoch(world)):
            yield self.batch(rng)

    def _background(self, frames: int, rng: random.Random) -> torch.Tensor:
        """Quiet, noise or other speech (clips joined), `frames` long."""
        pool = self.speech if rng.random() < 0.6 else self.noise
        parts, have = [], 0
        while have < frames:
            clip = pool[rng.randrange(len(pool))]
            start = rng.randrange(max(1, len(clip) - (frames - have)))
            piece = clip[start:start + frames - have]
            parts.append(piece)
            have += len(piece)
        return torch.cat(parts)[:frames]

    def batch(self, rng: random.Random) -> WakeBatch:
        d = self.recipe.data
        length = rng.randint(*d.window)
        feats, pos, neg, is_wake = [], [], [], []
        for _ in range(d.batch_size):
            x = self._background(length, rng)
            p = torch.zeros(length, dtype=torch.bool)
            n = torch.ones(length, dtype=torch.bool)
            draw = rng.random()
            kind = "wake" if draw < d.wake else "confusers" if draw < d.wake + d.confusers \
                else "none"
            if kind != "none":
                pool = self.wake if kind == "wake" else self.confusers
                other = self.speech[rng.randrange(len(self.speech))]
                clip = augment(pool[rng.randrange(len(pool))], self.recipe.augment, other)
                clip = clip[-(length - 20):]
                tail = rng.randint(10, min(60, length - len(clip)))
                start = length - tail - len(clip)
                if rng.random() < 0.5:  # the phrase in the room's sound, not cut into it
                    x[start:start + len(clip)] = torch.logaddexp(
                        clip, x[start:start + len(clip)] - rng.uniform(2.0, 6.0))
                else:
                    x[start:start + len(clip)] = clip
                end = start + len(clip)
                if kind == "wake":
                    p[max(start, end - 25):end + 40] = True
                    n[start:] = False
            feats.append(x)
            pos.append(p)
            neg.append(n)
            is_wake.append(kind == "wake")
        return WakeBatch(self._colour(torch.stack(feats)), torch.stack(pos), torch.stack(neg),
                         torch.tensor(is_wake))

    def _colour(self, x: torch.Tensor) -> torch.Tensor:
        """Each window through its own microphone: a level and a spectral slope (the clips
        were augmented alone; this is the cheap, whole-batch part)."""
        a = self.recipe.augment
        axis = torch.linspace(-0.5, 0.5, x.shape[2])
        gain = (torch.rand(x.shape[0], 1, 1) * 2 - 1) * a.gain
        tilt = (torch.rand(x.shape[0], 1, 1) * 2 - 1) * a.tilt
        return x + gain + tilt * axis

    def _steps(self, mask: torch.Tensor) -> torch.Tensor:
        """Frame mask -> step mask: a step counts when any of its frames does."""
        s = self.recipe.model.stride
        steps = mask.shape[1] // s
        return mask[:, :steps * s].reshape(mask.shape[0], steps, s).any(2)

    def loss(self, model: nn.Module, batch: WakeBatch) -> tuple[torch.Tensor, int]:
        logits, _ = model(batch.features)
        pos, neg = self._steps(batch.positive), self._steps(batch.negative)
        zero = logits.new_zeros(())
        frames = F.binary_cross_entropy_with_logits(logits[neg], torch.zeros_like(logits[neg])) \
            if neg.any() else zero
        worst = logits.masked_fill(~neg, -1e4).max(1).values
        has_neg = neg.any(1)
        peak = F.binary_cross_entropy_with_logits(worst[has_neg], torch.zeros_like(
            worst[has_neg])) if has_neg.any() else zero
        best = logits.masked_fill(~pos, -1e4).max(1).values[batch.is_wake]
        hit = F.binary_cross_entropy_with_logits(best, torch.ones_like(best)) \
            if len(best) else zero
        return hit + frames + peak, len(batch.is_wake)

    # -- evaluation -------------------------------------------------------------------------
    def evaluate(self, model: nn.Module) -> dict[str, float]:
        """Calibrate the threshold on dev (the lowest on the grid with no false accept in the
        dev speech and at most 5 % of sound-alikes accepted, never under the recipe's), then
        score misses there."""
        m = self.recipe.model
        refractory = round(m.refractory / (m.stride * 0.01))
        wake = clip_peaks(model, self.dev_wake)
        confusers = clip_peaks(model, self.dev_confusers)
        speech = probabilities(model, self.dev_stream)
        hours = len(self.dev_stream) / SAMPLE_RATE / 3600
        threshold = THRESHOLDS[-1]
        for t in THRESHOLDS:
            if t >= m.threshold and not peaks(speech, t, refractory) and \
                    (confusers >= t).mean() <= 0.05:
                threshold = t
                break
        self.threshold = threshold
        misses = 100 * float((wake < threshold).mean())
        accepted = 100 * float((confusers >= threshold).mean())
        fa = len(peaks(speech, threshold, refractory)) / hours
        return {"threshold": threshold, "miss_pct": round(misses, 2),
                "confusers_accepted_pct": round(accepted, 2), "fa_per_hour": round(fa, 2),
                "dev_speech_hours": round(hours, 2),
                "score": -(misses + accepted / 4 + 5 * fa)}

    def export(self, model: nn.Module, out: Path, metrics: dict[str, float]) -> None:
        config = dataclasses.asdict(self.recipe.model)
        config["threshold"] = self.threshold
        save_model(out, model, {"kind": "wake", "phrase": PHRASE, "model": config,
                                "dev": metrics, "recipe": dataclasses.asdict(self.recipe)})
        export_model(out)  # the graph the runtime runs, from the saved (fp16) weights


@torch.no_grad()
def probabilities(model: nn.Module, audio: np.ndarray) -> np.ndarray:
    """Every step's probability over a whole recording."""
    frames = features([audio], model.config.n_mels)[0]
    return torch.sigmoid(model(frames[None])[0][0]).numpy()


@torch.no_grad()
def clip_peaks(model: nn.Module, audios: list[np.ndarray]) -> np.ndarray:
    """The highest step probability of each recording (batched, padded with silence after)."""
    out = []
    extract = WakeFeatures(model.config.n_mels)
    for start in range(0, len(audios), 64):
        chunk = [torch.from_numpy(extract(a)) for a in audios[start:start + 64]]
        longest = max(len(c) for c in chunk)
        batch = torch.full((len(chunk), longest, model.config.n_mels), SILENCE)
        for i, c in enumerate(chunk):
            batch[i, :len(c)] = c
        out.append(torch.sigmoid(model(batch)[0]).max(1).values.numpy())
    return np.concatenate(out) if out else np.zeros(0)
