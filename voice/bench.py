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
from voice.mt.translator import Translator


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


def bench_mt(translator: Translator, manifest: Path, runs: int = 3,
             limit: int = 400) -> list[dict]:
    """Batched greedy throughput on 2 threads and one-sentence beam-5 latency on 1 thread, over
    the short (non-Bible) dev sentences."""
    texts = [r["es"] for r in read_jsonl(manifest) if r.get("source") != "bible"][:limit]
    translator.translate(texts[:8], beam=1)  # warm-up
    torch.set_num_threads(2)
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        translator.translate(texts, beam=1)
        rates.append(len(texts) / (time.perf_counter() - start))
    torch.set_num_threads(1)
    times = []
    for text in texts[:100]:
        start = time.perf_counter()
        translator.translate([text], beam=5)
        times.append(1000 * (time.perf_counter() - start))
    return [{"stage": "mt", "decoder": "greedy", "threads": 2, "sentences": len(texts),
             "sentences_per_s_median": round(statistics.median(rates), 1)},
            {"stage": "mt", "decoder": "beam5", "threads": 1, "sentences": len(times),
             "ms_per_sentence_median": round(statistics.median(times), 2)}]
