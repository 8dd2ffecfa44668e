"""`voice serve ...`: voice's models as a service for other programs."""

from __future__ import annotations

from typing import Annotated

import typer

from voice.cli.common import RecogniserOption, app, log
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
    decoder: RecogniserOption = None,
) -> None:
    """Wyoming protocol server for Home Assistant: speech-to-text (Spanish), text-to-speech
    (Spanish, English) and Spanish commands. Runs until Ctrl-C or SIGTERM."""
    import asyncio

    from voice.serve import services
    from voice.serve.wyoming import info, serve, server

    listener = server(uri)  # a bad URI fails before the models load
    offered = services.load(home, state, decoder and decoder.value)
    programs = info(offered).event().data
    log(f"voice: serving {', '.join(k for k, v in programs.items() if v)} on {uri}")
    asyncio.run(serve(listener, offered))
