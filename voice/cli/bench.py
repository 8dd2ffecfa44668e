"""`voice bench asr|mt|vad|pipeline|batch`: speed, latency and memory. Each result is a JSON
line on stdout, then a table on stderr (none with --json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from voice.choices import RecognizerKind, Vad
from voice.cli.common import (
    AsJson,
    BestDecoderOption,
    DraftWeightOption,
    ModelDir,
    RecognizerOption,
    ShortlistOption,
    bench_app,
    load_voice,
    report,
    require_manifests,
)

ASTERISK_DEV = Path("data/asr/asterisk-dev.jsonl")


@bench_app.command("asr")
def bench_asr(
    manifest: Annotated[Path, typer.Option(help="Recordings to time.")] = ASTERISK_DEV,
    runs: Annotated[int, typer.Option(help="Repetitions; the median is reported.")] = 3,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    model_dir: ModelDir = None,
    as_json: AsJson = False,
) -> None:
    """Recogniser real-time factor (greedy decoding, encoder included) on 1 and 2 threads."""
    from voice.evaluation.bench import bench_asr as run_bench

    require_manifests([manifest], "asr")
    loaded = load_voice(recognizer, None, None, asr_model=model_dir).recognizer
    report((run_bench(loaded, manifest, threads, runs) for threads in (1, 2)), as_json)


@bench_app.command("mt")
def bench_mt(
    manifest: Annotated[Path, typer.Option(help="Sentences to translate.")] = Path(
        "data/mt/dev.jsonl"),
    runs: Annotated[int, typer.Option(help="Repetitions; the median is reported.")] = 3,
    shortlist: ShortlistOption = None,
    draft_weight: DraftWeightOption = None,
    model_dir: ModelDir = None,
    as_json: AsJson = False,
) -> None:
    """Translator speed: batched greedy sentences/s on 2 threads, beam 5 ms per sentence on 1."""
    from voice.evaluation.bench import bench_mt as run_bench
    from voice.mt.translator import Translator

    require_manifests([manifest], "mt")
    report(run_bench(Translator.load(model_dir, shortlist, draft_weight), manifest, runs),
           as_json)


@bench_app.command("vad")
def bench_vad(
    manifest: Annotated[Path, typer.Option(help="Recordings to join with pauses.")] =
        ASTERISK_DEV,
    as_json: AsJson = False,
) -> None:
    """Voice activity detectors (Silero, WebRTC): frame accuracy clean and in noise, speed."""
    from voice.evaluation.bench import bench_vad as run_bench

    require_manifests([manifest], "asr")
    report(run_bench(manifest), as_json)


@bench_app.command("pipeline")
def bench_pipeline(
    manifest: Annotated[Path, typer.Option(help="Recordings to replay with pauses.")] =
        ASTERISK_DEV,
    minutes: Annotated[float, typer.Option(help="Length of the real-time replay.")] = 2.0,
    vad: Annotated[Vad | None, typer.Option(help="Pause detector (default: as voice listen).",
                                            show_default=False)] = None,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    as_json: AsJson = False,
) -> None:
    """`voice listen --mode translate` over a real-time replay, with its defaults: latencies
    (endpoint -> text -> English -> first audio), partial spacing, dropped blocks, peak memory."""
    from voice.evaluation.bench import bench_pipeline as run_bench

    require_manifests([manifest], "asr")
    voice = load_voice(recognizer, decoder, None)  # as shipped
    report([run_bench(voice, manifest, minutes, vad=vad)], as_json)


@bench_app.command("batch")
def bench_batch(
    manifest: Annotated[Path, typer.Option(help="Recordings to translate.")] = ASTERISK_DEV,
    jobs: Annotated[int, typer.Option(help="Processes.")] = 1,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    as_json: AsJson = False,
) -> None:
    """`voice translate` speed in audio seconds per second, without and with speech output,
    with either pause detector."""
    from voice.evaluation.bench import bench_batch as run_bench

    require_manifests([manifest], "asr")
    report(run_bench(load_voice(recognizer, None, None).options, manifest, jobs), as_json)
