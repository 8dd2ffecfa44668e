"""`voice bench asr|mt|vad|pipeline|batch`: speed, latency and memory. Each result is a JSON
line on stdout, then a table on stderr (none with --json)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from enum import StrEnum
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
    report((run_bench(lambda: load_voice(recognizer, None, None, asr_model=model_dir).recognizer,
                      manifest, threads, runs) for threads in (1, 2)), as_json)


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
    report(run_bench(lambda threads: Translator.load(model_dir, shortlist, draft_weight, threads),
                     manifest, runs), as_json)


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


class Protocol(StrEnum):
    """Which server `voice bench serve` times."""

    wyoming = "wyoming"
    web = "web"
    both = "both"


@bench_app.command("serve")
def bench_serve(
    recording: Annotated[Path, typer.Option(help="The utterance every client sends.")] =
        Path("assets/samples/conf-waitforleader.wav"),
    clients: Annotated[int, typer.Option(min=1, max=64, help="Clients streaming at once.")] = 1,
    rounds: Annotated[int, typer.Option(min=1, help="Utterances each client sends.")] = 5,
    protocol: Annotated[Protocol, typer.Option(
        help="Wyoming clients (`voice serve wyoming`), WebSocket clients of the browser app "
             "(`voice serve web`, translate mode), or one run of each.")] = Protocol.both,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    as_json: AsJson = False,
) -> None:
    """A server under N clients streaming a recording at real-time pace: end of audio ->
    final text latency (Wyoming: the transcript; web: the Spanish with its English), seconds
    to the first streamed words, audio a live source would drop or the server dropped."""
    from voice.audio import load_audio
    from voice.evaluation.bench_serve import bench_web, bench_wyoming
    from voice.serve import services, stages
    from voice.serve.web import MAX_STREAMS

    if protocol is not Protocol.wyoming and clients > MAX_STREAMS:
        raise typer.BadParameter(f"the browser app takes {MAX_STREAMS} live streams at most; "
                                 "use --protocol wyoming for more", param_hint="--clients")
    load_audio(recording)  # a bad recording fails before the models load

    def runs(state: Path) -> Iterator[dict]:  # the recogniser as shipped, like bench asr
        if protocol is not Protocol.web:
            yield bench_wyoming(services.load(load_voice(recognizer, decoder, None, state=state)),
                                recording, clients, rounds)
        if protocol is not Protocol.wyoming:
            yield bench_web(stages.load(load_voice(recognizer, decoder, None, state=state)),
                            recording, clients, rounds)

    with tempfile.TemporaryDirectory(prefix="voice-bench-") as folder:  # its timers stay out
        report(runs(Path(folder) / "state.sqlite3"), as_json)
