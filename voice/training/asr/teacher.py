"""Whisper base's encoder frames as distillation targets for the recogniser (training only).

Whisper heard 680,000 hours of many thousands of voices; its encoder's last layer describes
speech with little of the speaker left in it. A BiLSTM layer trained to predict those frames
from our log-mels (under our augmentation, while the target stays the clean one) learns that
invariance from the teacher on every recording we have, including the other languages' real
voices that have no Spanish transcript. Only training reads this module.

Whisper encodes 30-second windows, so short utterances are packed several to a window (a
tenth of a second of silence apart) and their frames cut out again: about ten times less
compute than one window per utterance. Frames are averaged in pairs (20 ms -> our 40 ms) and
cached beside the manifest as float16 (`X.teacher.npy`, `X.teacher.json`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.console import Console
from rich.progress import Progress

from voice.asr.frontend import Subsample
from voice.asr.mel import LogMel
from voice.audio import SAMPLE_RATE, load_audio
from voice.files import atomic_path, write_atomically
from voice.manifest import read_jsonl

WINDOW = 30 * SAMPLE_RATE  # Whisper's fixed input
GAP = SAMPLE_RATE // 10
TEACHER_HOP = 320  # samples per Whisper encoder frame (20 ms)
DIM = 512  # Whisper base's encoder width


def student_frames(samples: int) -> int:
    """Output frames of the recogniser for an utterance of this many samples."""
    return Subsample.out_frames(LogMel.num_frames(samples))


def pack(lengths: list[int]) -> Iterator[list[tuple[int, int]]]:
    """Windows of (utterance, start sample), in manifest order, each under 30 s."""
    window: list[tuple[int, int]] = []
    used = 0
    for i, n in enumerate(lengths):
        n = min(n, WINDOW)
        if window and used + n > WINDOW:
            yield window
            window, used = [], 0
        window.append((i, used))
        used += n + GAP
    if window:
        yield window


def packed(audio: list[np.ndarray], window: list[tuple[int, int]]) -> np.ndarray:
    """One window's utterances laid out at their start samples, up to the last one's end
    (the encoder pads the rest of the 30 s with silence)."""
    clips = [(start, audio[i][:WINDOW - start]) for i, start in window]
    out = np.zeros(max(start + len(clip) for start, clip in clips), np.float32)
    for start, clip in clips:
        out[start:start + len(clip)] = clip
    return out


def _cut(encoded: np.ndarray, start: int, samples: int) -> np.ndarray:
    """One utterance's teacher frames at the student's rate: pairs of 20 ms frames averaged,
    the last frame repeated where the student's count runs past the teacher's."""
    first = start // TEACHER_HOP
    count = student_frames(samples)
    pairs = encoded[first:first + 2 * count]
    pairs = np.concatenate([pairs, np.repeat(pairs[-1:], 2 * count - len(pairs), 0)])
    return pairs.reshape(count, 2, -1).mean(1)


class WhisperEncoder:
    """faster-whisper's int8 encoder, on one thread unless told."""

    def __init__(self, threads: int = 1) -> None:
        from voice.evaluation.whisper import WhisperBaseline

        self.model = WhisperBaseline(cpu_threads=threads).model

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        """Up to 30 s of 16 kHz audio -> (1500, 512) encoder frames."""
        import ctranslate2

        padded = np.zeros(WINDOW, np.float32)
        padded[:len(audio)] = audio[:WINDOW]
        mel = self.model.feature_extractor(padded)[None, :, :3000]
        return np.array(self.model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(mel)), to_cpu=True))[0]


def build(manifest: Path, encoder: WhisperEncoder) -> None:
    rows = list(read_jsonl(manifest))
    audio = [load_audio(manifest.parent / r["audio"]) for r in rows]
    frames: list[np.ndarray | None] = [None] * len(rows)
    windows = list(pack([len(a) for a in audio]))
    with Progress(console=Console(stderr=True)) as progress:  # stdout carries JSON
        task = progress.add_task(f"teacher {manifest.name}", total=len(windows))
        for window in windows:
            encoded = encoder(packed(audio, window))
            for i, start in window:
                frames[i] = _cut(encoded, start, len(audio[i])).astype(np.float16)
            progress.advance(task)
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in frames])])
    with atomic_path(manifest.with_suffix(".teacher.npy"), ".npy") as tmp:
        np.save(tmp, np.concatenate(frames) if frames else np.zeros((0, DIM), np.float16))
    write_atomically(manifest.with_suffix(".teacher.json"),
                     json.dumps({"offsets": offsets.tolist()}))


@dataclass
class TeacherFrames:
    """The cached targets of one manifest: utterance i's frames are frames[offsets[i]:...]."""

    frames: np.ndarray
    offsets: np.ndarray

    def __getitem__(self, i: int) -> np.ndarray:
        return self.frames[self.offsets[i]:self.offsets[i + 1]]

    @classmethod
    def load(cls, manifest: str | Path, encoder: WhisperEncoder | None = None) -> TeacherFrames:
        """The manifest's cache, built first (minutes: Whisper runs) if missing or stale."""
        manifest = Path(manifest)
        index = manifest.with_suffix(".teacher.json")
        if not index.exists() or index.stat().st_mtime < manifest.stat().st_mtime:
            build(manifest, encoder or WhisperEncoder())
        offsets = np.asarray(json.loads(index.read_text())["offsets"])
        return cls(np.load(manifest.with_suffix(".teacher.npy"), mmap_mode="r"), offsets)


def resample(target: np.ndarray, frames: int) -> torch.Tensor:
    """Teacher frames stretched to the student's count (tempo augmentation changes it)."""
    x = torch.from_numpy(np.asarray(target, np.float32))
    if len(x) == frames:
        return x
    return F.interpolate(x.T[None], size=frames, mode="linear", align_corners=True)[0].T


def main() -> None:
    """`python -m voice.training.asr.teacher MANIFEST...`: build the caches ahead of training."""
    import sys

    torch.set_num_threads(1)
    encoder = WhisperEncoder()
    for manifest in sys.argv[1:]:
        TeacherFrames.load(manifest, encoder)


if __name__ == "__main__":
    main()
