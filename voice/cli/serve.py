"""`voice serve ...`: voice's models as a service for other programs; `voice bench serve`."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from voice.choices import RecognizerKind
from voice.cli.common import (
    AsJson,
    BestDecoderOption,
    ProfileOption,
    RecognizerOption,
    app,
    bench_app,
    load_voice,
    log,
    report,
)
from voice.cli.live import HomeOption, StateOption

serve_app = typer.Typer(no_args_is_help=True, help="Serve voice to other programs.")
app.add_typer(serve_app, name="serve")


@serve_app.command("wyoming")
def serve_wyoming(
    uri: Annotated[str, typer.Option(
        help="Where to listen: tcp://HOST:PORT (127.0.0.1: this machine only; 0.0.0.0: every "
             "network interface), unix://PATH or stdio://.")] = "tcp://127.0.0.1:10300",
    home: HomeOption = None,
    state: StateOption = None,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    profile: ProfileOption = "default",
) -> None:
    """Wyoming protocol server for Home Assistant: speech-to-text (Spanish), text-to-speech
    (Spanish, English) and Spanish commands. Runs until Ctrl-C or SIGTERM."""
    import asyncio

    from wyoming.server import AsyncTcpServer

    from voice.asr.profiles import resolve
    from voice.serve import services
    from voice.serve.web import check_address
    from voice.serve.wyoming import info, serve, server

    listener = server(uri)  # a bad URI fails before the models load
    if isinstance(listener, AsyncTcpServer):
        check_address(listener.host, listener.port)  # and so does a port in use
    resolve(profile)  # and so does a missing profile
    offered = services.load(load_voice(recognizer, decoder, profile, home=home, state=state))
    programs = info(offered).event().data
    log(f"voice: serving {', '.join(k for k, v in programs.items() if v)} on {uri}")
    asyncio.run(serve(listener, offered))


@serve_app.command("web")
def serve_web(
    host: Annotated[str, typer.Option(
        help="Where to listen: 127.0.0.1 (this machine only) or 0.0.0.0 (every network "
             "interface; browsers allow the microphone only over https or on localhost).")] =
        "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    certfile: Annotated[Path | None, typer.Option(
        help="Serve https with this certificate (PEM; the key too unless --keyfile): the "
             "microphone then works from other machines.")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="The certificate's private key.")] =
        None,
    home: HomeOption = None,
    state: StateOption = None,
    recognizer: RecognizerOption = RecognizerKind.encoder,
    decoder: BestDecoderOption = None,
    profile: ProfileOption = "default",
) -> None:
    """Browser app: live translation from the microphone, recordings translated to
    subtitles, and the assistant. Open http://HOST:PORT/; runs until Ctrl-C or SIGTERM."""
    import logging

    from voice.asr.profiles import resolve
    from voice.serve import stages
    from voice.serve.web import check_address, serve, tls

    if keyfile is not None and certfile is None:
        raise typer.BadParameter("--keyfile needs --certfile")
    context = tls(certfile, keyfile) if certfile else None  # bad files fail before loading
    check_address(host, port)  # a port in use fails before the models load
    resolve(profile)  # and so does a missing profile
    lines = logging.StreamHandler()  # one line per request and per problem, on stderr
    lines.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger("voice.serve").addHandler(lines)
    logging.getLogger("voice.serve").setLevel(logging.INFO)
    loaded = stages.load(load_voice(recognizer, decoder, profile, home=home, state=state))
    log(f"voice: serving the browser app on http{'s' * bool(context)}://{host}:{port}/")
    serve(loaded, host, port, context)


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
