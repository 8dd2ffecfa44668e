"""Recogniser evaluation (DESIGN section 6): WER/CER on dev manifests, clean and at 10 dB SNR."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from voice.asr.recognizer import Recognizer
from voice.asr.stream import StreamConfig, StreamingRecognizer
from voice.audio import SAMPLE_RATE, load_audio
from voice.errors import VoiceError
from voice.manifest import read_jsonl
from voice.metrics import error_rates

NOISES = ("white", "babble")


class Baseline(Protocol):
    """Another recogniser scored beside ours (Whisper base); its columns are prefixed by name."""

    name: str
    last_seconds: float  # what its last answer took to compute

    def transcribe(self, audio: np.ndarray) -> str: ...


def add_noise(audio: np.ndarray, kind: str, snr_db: float, rng: np.random.Generator,
              talkers: list[np.ndarray]) -> np.ndarray:
    """Mix white noise, or the sum of four other talkers (babble), at snr_db below the speech."""
    if kind == "white":
        noise = rng.standard_normal(len(audio)).astype(np.float32)
    else:
        noise = np.zeros_like(audio)
        for k in rng.choice(len(talkers), size=min(4, len(talkers)), replace=False):
            other = np.resize(talkers[k], len(audio))
            noise += other / (np.sqrt(np.mean(other**2)) + 1e-9)
    power = np.mean(audio**2) + 1e-12
    noise *= np.sqrt(power / (np.mean(noise**2) + 1e-12) / 10 ** (snr_db / 10))
    return (audio + noise).astype(np.float32)


def stream_transcribe(streamer: StreamingRecognizer, audio: np.ndarray,
                      block: float = 0.1) -> str:
    """Feed audio in blocks as a microphone would, then close the utterance."""
    step = int(block * SAMPLE_RATE)
    for start in range(0, len(audio), step):
        streamer.feed(audio[start:start + step])
    return streamer.finish().text


def score(transcribe: Callable[[np.ndarray], str], audio: list[np.ndarray],
          references: list[str], cost: Callable[[], float] | None = None) -> dict[str, float]:
    """WER/CER (the one normaliser of metrics.error_rates) and real-time factor of one system;
    cost, when given, says what the last call took (a baseline that keeps its answers)."""
    hypotheses, elapsed = [], 0.0
    for a in audio:
        start = time.perf_counter()
        hypotheses.append(transcribe(a))
        elapsed += cost() if cost is not None else time.perf_counter() - start
    rates = error_rates(references, hypotheses)
    return {"wer": round(rates["wer"], 2), "cer": round(rates["cer"], 2),
            "rtf": round(elapsed * SAMPLE_RATE / sum(len(a) for a in audio), 4)}


def evaluate(recognizer: Recognizer, manifest: str | Path, noise: str | None = None,
             snr_db: float = 10.0, seed: int = 0, streaming: StreamConfig | None = None,
             limit: int = 0, baseline: Baseline | None = None,
             also: tuple[Recognizer, ...] = ()) -> dict:
    """Score the first `limit` utterances (0: all) of one manifest, whole-utterance or streamed
    in 100 ms blocks; one table row, with the figures of the other recognisers (`also`, by
    kind) and of the baseline on the same audio beside."""
    manifest = Path(manifest)
    rows = list(read_jsonl(manifest))[:limit or None]
    if len(rows) < 2:
        raise VoiceError(f"{manifest}: needs at least two utterances to score")
    audio = [load_audio(manifest.parent / r["audio"]) for r in rows]
    rng = np.random.default_rng(seed)
    if noise:
        audio = [add_noise(a, noise, snr_db, rng, audio[:i] + audio[i + 1:])
                 for i, a in enumerate(audio)]
    references = [r["text"] for r in rows]

    def scored(one: Recognizer) -> dict[str, float]:
        if streaming:
            streamer = StreamingRecognizer(one, streaming)
            return score(lambda a: stream_transcribe(streamer, a), audio, references)
        return score(lambda a: one.recognize(a).text, audio, references)

    ours = scored(recognizer)
    name = manifest.stem + (f"+{noise}{snr_db:g}dB" if noise else "")
    if streaming:
        name += f"+stream{streaming.chunk:g}/{streaming.lookahead:g}s"
    decoder = ({"decoder": "beam", "lm_weight": recognizer.beam.config.lm_weight,
                "word_score": recognizer.beam.config.word_score} if recognizer.beam
               else {"decoder": "greedy"})
    seconds = sum(len(a) for a in audio) / SAMPLE_RATE
    row = {"set": name, "recognizer": recognizer.kind.value, **decoder, "utterances": len(rows),
           "hours": round(seconds / 3600, 3), **ours}
    for other in also:
        row.update({f"{other.kind.value}_{k}": v for k, v in scored(other).items()})
    if baseline is not None:
        theirs = score(baseline.transcribe, audio, references, lambda: baseline.last_seconds)
        row.update({f"{baseline.name}_{k}": v for k, v in theirs.items()})
    return row
