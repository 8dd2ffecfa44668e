"""Speed benchmarks (DESIGN section 6): medians over several runs, one JSON line per setting."""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from voice.app import Options, Voice
from voice.asr.recognizer import Recognizer
from voice.audio import SAMPLE_RATE, load_audio
from voice.choices import Mode, Vad
from voice.cores import use_threads
from voice.manifest import read_jsonl
from voice.mt.translator import Translator


def bench_asr(load: Callable[[], Recognizer], manifest: Path, threads: int, runs: int = 3,
              limit: int = 40) -> dict:
    """Real-time factor of whole-utterance recognition on the first `limit` files, the
    recogniser loaded by load() after this process is set to `threads` threads."""
    audio = _recordings(manifest, limit)
    seconds = sum(len(a) for a in audio) / SAMPLE_RATE
    use_threads(threads)
    recognizer = load()
    recognizer.recognize(audio[0])  # warm-up
    rtfs = []
    for _ in range(runs):
        start = time.perf_counter()
        for a in audio:
            recognizer.recognize(a)
        rtfs.append((time.perf_counter() - start) / seconds)
    return {"stage": "asr", "cell": recognizer.network.config["cell"],
            "threads": threads, "files": len(audio),
            "audio_seconds": round(seconds, 1), "rtf_median": round(statistics.median(rtfs), 4),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def bench_mt(load: Callable[[int], Translator], manifest: Path, runs: int = 3,
             limit: int = 400) -> list[dict]:
    """Batched greedy throughput on 2 threads and one-sentence beam-5 latency on 1 thread, over
    the short (non-Bible) dev sentences; load(threads) gives the translator to time."""
    texts = [r["es"] for r in read_jsonl(manifest) if r.get("source") != "bible"][:limit]
    translator = load(2)
    translator.translate(texts[:8], beam=1)  # warm-up
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        translator.translate(texts, beam=1)
        rates.append(len(texts) / (time.perf_counter() - start))
    translator = load(1)
    translator.translate(texts[:8], beam=5)
    times = []
    for text in texts[:100]:
        start = time.perf_counter()
        translator.translate([text], beam=5)
        times.append(1000 * (time.perf_counter() - start))
    return [{"stage": "mt", "decoder": "greedy", "threads": 2, "sentences": len(texts),
             "sentences_per_s_median": round(statistics.median(rates), 1)},
            {"stage": "mt", "decoder": "beam5", "threads": 1, "sentences": len(times),
             "ms_per_sentence_median": round(statistics.median(times), 2)}]


def _recordings(manifest: Path, limit: int) -> list[np.ndarray]:
    return [load_audio(manifest.parent / r["audio"]) for r in list(read_jsonl(manifest))[:limit]]


def _with_gaps(recordings: list[np.ndarray], gap: float) -> np.ndarray:
    silence = np.zeros(int(gap * SAMPLE_RATE), np.float32)
    return np.concatenate([piece for audio in recordings for piece in (silence, audio)]
                          + [silence])


def bench_vad(manifest: Path, limit: int = 40, gap: float = 1.0) -> list[dict]:
    """Frame accuracy and F1 of each detector against the loudness of the clean recordings
    (frames above -40 dBFS are speech), clean and at 10 dB SNR (over the whole stream), and
    its real-time factor on one thread."""
    from voice.endpoint import EndpointConfig, make_vad
    from voice.evaluation.asr import NOISES, add_noise

    use_threads(1)
    recordings = _recordings(manifest, limit)
    clean = _with_gaps(recordings, gap)
    rng = np.random.default_rng(0)
    streams = {"clean": clean, **{f"{n}-10dB": add_noise(clean, n, 10.0, rng, recordings)
                                  for n in NOISES}}
    rows = []
    for name in Vad:
        vad = make_vad(EndpointConfig(vad=name))
        frames = len(clean) // vad.frame
        truth = np.sqrt(np.mean(clean[: frames * vad.frame].reshape(frames, -1) ** 2, 1)) > 0.01
        for condition, audio in streams.items():
            vad.reset()
            start = time.perf_counter()
            said = np.array([vad(audio[i * vad.frame:(i + 1) * vad.frame])
                             for i in range(frames)])
            seconds = time.perf_counter() - start
            tp = int((said & truth).sum())
            f1 = 2 * tp / max(1, int(said.sum()) + int(truth.sum()))
            rows.append({"stage": "vad", "vad": name, "audio": condition,
                         "frame_accuracy": round(100 * float((said == truth).mean()), 1),
                         "speech_f1": round(100 * f1, 1),
                         "rtf": round(seconds / (len(audio) / SAMPLE_RATE), 4)})
    return rows


def bench_pipeline(voice: Voice, manifest: Path, minutes: float = 2.0, gap: float = 1.0,
                   vad: Vad | None = None) -> dict:
    """`voice listen --mode translate` on a real-time replay of real recordings with pauses
    between them (speech rendered, not played), with the same defaults: medians of endpoint ->
    final Spanish text, -> English text, -> first English audio; the longest gap between
    partials; drops; peak RSS of the whole process."""
    from voice.endpoint import EndpointConfig
    from voice.pipeline import LiveConfig, Replay

    recordings = _recordings(manifest, 1000)
    audio = _with_gaps(recordings, gap)
    audio = np.resize(audio, int(minutes * 60 * SAMPLE_RATE))
    config = LiveConfig() if vad is None else LiveConfig(endpoint=EndpointConfig(vad=vad))
    pipeline = voice.listen(Mode.translate, config, voice.speaker("en"))
    stats = pipeline.run(Replay(audio))
    return {"stage": "pipeline", "recognizer": voice.recognizer.kind.value,
            "vad": config.endpoint.vad.value,
            "decoder": "beam" if pipeline.recognizer.beam else "greedy",
            "audio_minutes": round(minutes, 2), **stats.summary(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def bench_batch(options: Options, manifest: Path, jobs: int = 1, limit: int = 75) -> list[dict]:
    """`voice translate` throughput (audio seconds per wall second, model loading included)
    on real recordings, without and with English speech output, per pause detector."""
    import tempfile

    from voice.batch import BatchConfig, translate_files
    from voice.endpoint import EndpointConfig

    paths = [manifest.parent / r["audio"] for r in list(read_jsonl(manifest))[:limit]]
    rows = []
    for vad in (Vad.webrtc, Vad.silero):
        for formats in (("jsonl",), ("jsonl", "wav")):
            config = BatchConfig(formats=formats, endpoint=EndpointConfig(vad=vad))
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                seconds = sum(result["seconds"] for _, result, _ in
                              translate_files(paths, Path(out), options, config, jobs)
                              if result)
                wall = time.perf_counter() - start
            rows.append({"stage": "batch", "recognizer": options.recognizer.value, "vad": vad,
                         "tts": "wav" in formats, "jobs": jobs,
                         "files": len(paths), "audio_seconds": round(seconds, 1),
                         "x_real_time": round(seconds / wall, 1)})
    return rows
