"""`voice serve ...`: voice's models as a service for other programs; `voice bench serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from voice.choices import RecognizerKind
from voice.cli.common import (
    BestDecoderOption,
    ProfileOption,
    RecognizerOption,
    app,
    load_voice,
    log,
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
