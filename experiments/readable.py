"""Which synthetic utterances Whisper base can read: a filter on training data (training only).

A synthesizer that mispronounces a word teaches the recogniser a wrong label for the sound it
made. Whisper base has heard thousands of real speakers, so how likely it finds a clip's own
transcript, given the audio, says whether the clip sounds like its text. Each clip is scored
by teacher forcing (one decoder pass over the known text, no search): the mean log-probability
of its tokens. Utterances are packed into Whisper's 30-second windows as for the teacher's
frames (voice.training.asr.teacher), their texts concatenated in the same order, and each token's
probability is credited to the clip it belongs to.

The threshold is not a free knob: a synthetic clip is kept when Whisper finds it at least as
readable as a given share of the real speakers' clips (`--reference`, train manifests only),
so "readable" means "as readable as real speech". Scores are cached beside the manifest
(`X.readable.json`); the kept clips go to `X-readable.jsonl`, which recipes list as any other
train manifest.

    python -m experiments.readable data/asr/espeak-train.jsonl \
        --reference data/asr/asterisk-train.jsonl data/asr/drascula-train.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.progress import Progress

from voice.audio import load_audio
from voice.files import write_atomically
from voice.manifest import read_jsonl, write_jsonl
from voice.training.asr.teacher import WhisperEncoder, pack, packed

MEL_HOP = 160  # samples per Whisper log-mel frame


class WhisperScorer:
    """Teacher-forced mean token log-probabilities of Spanish transcripts."""

    def __init__(self, threads: int = 1) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.encoder = WhisperEncoder(threads)
        whisper = self.encoder.model
        tokenizer = Tokenizer(whisper.hf_tokenizer, True, task="transcribe", language="es")
        self.start = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        self.encode_text = tokenizer.encode

    def window(self, audio: np.ndarray, texts: list[str]) -> list[float]:
        """One packed window (at most 30 s) and its clips' texts in order -> one score each."""
        import ctranslate2

        tokens = [self.encode_text(" " + text.strip()) for text in texts]
        encoded = self.encoder(audio)
        result = self.encoder.model.model.align(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(encoded[None])),
            self.start, [[t for clip in tokens for t in clip]],
            min(3000, -(-len(audio) // MEL_HOP)))[0]
        probs = np.maximum(np.asarray(result.text_token_probs, np.float64), 1e-9)
        bounds = np.cumsum([0, *map(len, tokens)])
        return [float(np.log(probs[a:b]).mean()) if b > a else 0.0
                for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def scores(manifest: Path, scorer: WhisperScorer | None = None) -> list[float]:
    """Each utterance's score, from the cache beside the manifest or computed (minutes)."""
    cache = manifest.with_suffix(".readable.json")
    if cache.exists() and cache.stat().st_mtime >= manifest.stat().st_mtime:
        return json.loads(cache.read_text())["scores"]
    scorer = scorer or WhisperScorer()
    rows = list(read_jsonl(manifest))
    audio = [load_audio(manifest.parent / r["audio"]) for r in rows]
    out: list[float] = [0.0] * len(rows)
    windows = list(pack([len(a) for a in audio]))
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task(f"readable {manifest.name}", total=len(windows))
        for window in windows:
            texts = [rows[i]["text"] for i, _ in window]
            for (i, _), score in zip(window, scorer.window(packed(audio, window), texts),
                                     strict=True):
                out[i] = score
            progress.advance(task)
    write_atomically(cache, json.dumps({"scores": out}))
    return out


def threshold(reference: list[float], share: float) -> float:
    """The score that `share` of the real clips reach or beat."""
    return float(np.quantile(reference, 1.0 - share))


def keep_readable(manifest: Path, limit: float, scorer: WhisperScorer | None = None) -> dict:
    """Write `X-readable.jsonl` with the clips scoring at least `limit`; returns counts."""
    rows = list(read_jsonl(manifest))
    kept = [row for row, s in zip(rows, scores(manifest, scorer), strict=True) if s >= limit]
    out = manifest.with_name(manifest.stem + "-readable.jsonl")
    hours = sum(r.get("duration", 0.0) for r in kept) / 3600
    return {"manifest": str(out), "kept": write_jsonl(out, kept), "of": len(rows),
            "hours": round(hours, 2), "threshold": round(limit, 3)}


def main(argv: list[str] | None = None) -> None:
    """`python -m experiments.readable SYNTHETIC... --reference REAL...`: write the filtered
    sets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("manifests", nargs="+", type=Path, help="synthetic train manifests")
    parser.add_argument("--reference", nargs="+", type=Path, required=True,
                        help="real speakers' train manifests that set the threshold")
    parser.add_argument("--share", type=float, default=0.9,
                        help="share of real clips at least as readable as a kept one")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    scorer = WhisperScorer(args.threads)
    reference = [s for m in args.reference for s in scores(m, scorer)]
    limit = threshold(reference, args.share)
    for manifest in args.manifests:
        print(json.dumps(keep_readable(manifest, limit, scorer)))


if __name__ == "__main__":
    main()
