"""Speed benchmarks (DESIGN section 6): medians over several runs, one JSON line per setting."""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

import torch

from voice.asr.recognizer import Recognizer
from voice.audio import SAMPLE_RATE, load_audio
from voice.data.manifest import read_jsonl


def bench_asr(recognizer: Recognizer, manifest: Path, threads: int, runs: int = 3,
              limit: int = 40) -> dict:
    """Real-time factor of whole-utterance recognition on the first `limit` files."""
    rows = list(read_jsonl(manifest))[:limit]
    audio = [load_audio(manifest.parent / r["audio"]) for r in rows]
    seconds = sum(len(a) for a in audio) / SAMPLE_RATE
    torch.set_num_threads(threads)
    recognizer.recognize(audio[0])  # warm-up
    rtfs = []
    for _ in range(runs):
        start = time.perf_counter()
        for a in audio:
            recognizer.recognize(a)
        rtfs.append((time.perf_counter() - start) / seconds)
    return {"stage": "asr", "threads": threads, "files": len(audio),
            "audio_seconds": round(seconds, 1), "rtf_median": round(statistics.median(rtfs), 4),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
