"""Speaker enrolment: a few minutes of one person's speech adapt the recogniser to them.

Dictation software did this for decades. Here the convolutional front end stays as trained
on every voice, while the recurrent layers (all three by default: adapting only the upper two
gained less) and the output layer are fine-tuned on the speaker's clips with the training
augmentation, for a fixed number of passes: minutes on a CPU, and a profile of about 8.5 MB
(voice.asr.profiles). Training code: only `voice enroll` and `voice eval enroll` import it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from voice.asr.frontend import FRONTENDS, Subsample
from voice.asr.mel import LogMel
from voice.asr.model import TorchAcoustic, load_recognizer
from voice.asr.recognizer import Recognizer
from voice.audio import load_audio
from voice.errors import VoiceError, VoiceInputError
from voice.text import CharVocab, normalize_es
from voice.training.asr.augment import AugmentConfig
from voice.training.asr.batches import AsrBatches, AsrDataConfig, fits
from voice.training.asr.features import FeatureSet

_RNN_LAYER = re.compile(r"rnn\.\w+_l(\d+)(_reverse)?")


@dataclass
class EnrollConfig:
    layers: int = 3  # upper recurrent layers adapted, with the output (Piper, 5 min, on the
    # weights shipped before the teacher: WER 87.4 -> 77.5 with the top 2 of 3, -> 74.9 with all)
    epochs: int = 12
    lr: float = 5e-4
    max_frames: int = 20_000  # 10 ms frames per batch
    augment: bool = True  # the training augmentation (tempo, timbre, noise, masks)


@dataclass
class Clip:
    audio: Path
    text: str


def read_clips(source: Path) -> list[Clip]:
    """A folder of recordings with same-named .txt transcripts, or a list file of
    `audio<TAB>text` lines (paths relative to the list)."""
    if source.is_dir():
        clips = [Clip(p, p.with_suffix(".txt").read_text(encoding="utf-8").strip())
                 for p in sorted(source.iterdir())
                 if p.suffix.lower() in (".wav", ".flac", ".mp3", ".ogg")
                 and p.with_suffix(".txt").is_file()]
    elif source.is_file():
        clips = []
        for n, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            audio, tab, text = line.partition("\t")
            if not tab:
                raise VoiceError(f"{source}:{n}: expected `audio<TAB>text`")
            clips.append(Clip(source.parent / audio, text.strip()))
    else:
        raise VoiceError(f"{source}: no such folder or list")
    if not clips:
        raise VoiceError(f"{source}: no recordings with transcripts (x.wav beside x.txt)")
    return clips


def features(clips: list[Clip], vocab: CharVocab, skip: Callable[[str], None],
             recognizer: Recognizer | None = None) -> FeatureSet:
    """The recogniser's input frames (log-mels, or the encoder's frames) of the usable clips;
    a clip that cannot be read, has no text or is too short for its text is reported through
    skip and left out."""
    extract = recognizer.features if recognizer is not None else LogMel()
    frontend = FRONTENDS[recognizer.network.config.get("features", "logmel")] \
        if recognizer else Subsample
    feats: list[np.ndarray] = []
    texts: list[str] = []
    for clip in clips:
        text = normalize_es(clip.text)
        try:
            audio = load_audio(clip.audio)
        except VoiceInputError as error:
            skip(f"{error}; skipped")
            continue
        mel = extract(audio)
        if not fits(len(mel), len(vocab.encode(text)), frontend):
            skip(f"{clip.audio}: no transcript, or too short for it; skipped")
            continue
        feats.append(mel.astype(np.float16))
        texts.append(text)
    if not feats:
        raise VoiceError("no usable recordings to enrol with")
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in feats])])
    return FeatureSet(np.concatenate(feats), offsets, texts, "enrol")


def adapted_names(model: nn.Module, layers: int) -> list[str]:
    """The tensors enrolment trains: the top `layers` recurrent layers and the output."""
    first = model.config.layers - layers
    return [name for name, _ in model.named_parameters() if name.startswith("head.")
            or ((m := _RNN_LAYER.fullmatch(name)) is not None and int(m.group(1)) >= first)]


def adapt(recognizer: Recognizer, clips: FeatureSet, config: EnrollConfig,
          progress: Callable[[int, int, float], None] | None = None) -> list[str]:
    """Fine-tune recognizer's model in place on the clips; returns the names it changed."""
    model = recognizer.network.model
    names = adapted_names(model, config.layers)
    frozen = max(0, model.config.layers - config.layers)
    for name, param in model.named_parameters():
        param.requires_grad_(name in names)
    kind = model.config.features
    batches = AsrBatches([clips], [1], AsrDataConfig(max_frames=config.max_frames),
                         AugmentConfig() if config.augment else None, recognizer.vocab,
                         features=kind)
    steps = batches.steps_per_epoch() * config.epochs
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=config.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=steps,
                                                   pct_start=0.2)
    ctc = nn.CTCLoss(blank=CharVocab.BLANK, zero_infinity=True)
    model.train()
    step = 0
    for epoch in range(config.epochs):
        for batch in batches.epoch(epoch):
            log_probs, lengths = model.adapting(batch.features, batch.lengths, frozen)
            loss = ctc(log_probs.transpose(0, 1), batch.targets, lengths, batch.target_lengths)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            if progress is not None:
                progress(step, steps, loss.item())
    model.eval()
    for param in model.parameters():
        param.requires_grad_(True)
    return names


def trainable(model_dir: Path) -> Recognizer:
    """The model in model_dir as a greedy recogniser on its PyTorch weights (no profile):
    what enrolment adapts in place."""
    shipped = Recognizer.load(model_dir, "greedy", profile=None)
    return Recognizer(TorchAcoustic(load_recognizer(model_dir)), shipped.vocab,
                      features=shipped.features)


def enroll(clips: FeatureSet, model_dir: Path, config: EnrollConfig,
           progress: Callable[[int, int, float], None] | None = None
           ) -> tuple[Recognizer, list[str], dict]:
    """The model in model_dir adapted to the clips (greedy recogniser, no profile applied),
    the names of the changed tensors and what to record of it."""
    recognizer = trainable(model_dir)
    start = time.perf_counter()
    names = adapt(recognizer, clips, config, progress)
    minutes = float(clips.lengths().sum()) / \
        FRONTENDS[recognizer.network.config.get("features", "logmel")].RATE / 60
    return recognizer, names, {"clips": len(clips), "minutes": round(minutes, 2),
                               "adapt_seconds": round(time.perf_counter() - start, 1),
                               "layers": config.layers, "epochs": config.epochs}
