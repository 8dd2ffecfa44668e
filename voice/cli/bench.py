"""`voice bench asr|mt|vad|pipeline|batch`: speed, latency and memory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from voice.cli.common import ModelDir, bench_app, report, require_manifests


@bench_app.command("asr")
def bench_asr(
    manifest: Annotated[Path, typer.Option(help="Recordings to time.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    runs: Annotated[int, typer.Option(help="Repetitions; the median is reported.")] = 3,
    model_dir: ModelDir = None,
) -> None:
    """Recogniser real-time factor on 1 and 2 threads."""
    from voice.asr.recognizer import Recognizer
    from voice.bench import bench_asr as run_bench

    require_manifests([manifest], "asr")
    recognizer = Recognizer.load(model_dir)
    for threads in (1, 2):
        print(json.dumps(run_bench(recognizer, manifest, threads, runs)), flush=True)


@bench_app.command("mt")
def bench_mt(
    manifest: Annotated[Path, typer.Option(help="Sentences to translate.")] = Path(
        "data/mt/dev.jsonl"),
    runs: Annotated[int, typer.Option(help="Repetitions; the median is reported.")] = 3,
    model_dir: ModelDir = None,
) -> None:
    """Translator speed: batched greedy sentences/s on 2 threads, beam 5 ms per sentence on 1."""
    from voice.bench import bench_mt as run_bench
    from voice.mt.translator import Translator

    require_manifests([manifest], "mt")
    for row in run_bench(Translator.load(model_dir), manifest, runs):
        print(json.dumps(row), flush=True)


@bench_app.command("vad")
def bench_vad(
    manifest: Annotated[Path, typer.Option(help="Recordings to join with pauses.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
) -> None:
    """Voice activity detectors (Silero, WebRTC): frame accuracy clean and in noise, speed."""
    from voice.bench import bench_vad as run_bench

    require_manifests([manifest], "asr")
    report(run_bench(manifest))


@bench_app.command("pipeline")
def bench_pipeline(
    manifest: Annotated[Path, typer.Option(help="Recordings to replay with pauses.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    minutes: Annotated[float, typer.Option(help="Length of the real-time replay.")] = 2.0,
    vad: Annotated[str, typer.Option(help="silero or webrtc.")] = "silero",
) -> None:
    """Live translate pipeline latencies (endpoint -> text -> English -> first audio), partial
    spacing, dropped blocks and peak memory over a real-time replay."""
    from voice.bench import bench_pipeline as run_bench

    require_manifests([manifest], "asr")
    print(json.dumps(run_bench(manifest, minutes, vad=vad)), flush=True)


@bench_app.command("batch")
def bench_batch(
    manifest: Annotated[Path, typer.Option(help="Recordings to translate.")] = Path(
        "data/asr/asterisk-dev.jsonl"),
    jobs: Annotated[int, typer.Option(help="Processes.")] = 1,
) -> None:
    """`voice translate` speed in audio seconds per second, without and with speech output,
    with either pause detector."""
    from voice.bench import bench_batch as run_bench

    require_manifests([manifest], "asr")
    for row in run_bench(manifest, jobs):
        print(json.dumps(row), flush=True)
