"""`voice listen` and `voice assistant`: the live pipeline and the text assistant."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from voice.cli.common import Decoder, DecoderOption, app, log
from voice.errors import VoiceError


class Mode(StrEnum):
    translate = "translate"
    assistant = "assistant"
    transcribe = "transcribe"


def _assistant(home: Path | None, state: Path | None):
    from voice.intent.assistant import Assistant
    from voice.intent.home import Home
    from voice.intent.parser import IntentParser
    from voice.intent.state import State

    return Assistant(IntentParser.load(), Home.load(home) if home else Home.load(),
                     State(state))


def _speaker(lang: str, speak: bool):
    """(Speaker, play) when speaking, after checking there is somewhere to play to."""
    if not speak:
        return None, None
    from voice.devices import check_output
    from voice.tts import Speaker, play

    check_output()
    return Speaker(lang), play


def _announce(assistant, say, stop) -> None:
    """Poll for finished timers once a second while the assistant runs; a failure to say one
    is reported and the announcer goes on."""
    while not stop.wait(1.0):
        for message in assistant.announcements():
            try:
                say(message)
            except VoiceError as error:
                log(f"voice: error: {error}")


@app.command()
def assistant(
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="A spoken command (recording); none: text commands from stdin.")] = None,
    home: Annotated[Path | None, typer.Option(help="Your home file (default: assets/home.toml)."
                                              )] = None,
    state: Annotated[Path | None, typer.Option(help="State database (default: the user data "
                                               "folder, or $VOICE_STATE).")] = None,
    speak: Annotated[bool, typer.Option(help="Say the replies out loud.")] = True,
    decoder: DecoderOption = Decoder.greedy,
) -> None:
    """Spanish command -> action -> Spanish reply (printed as JSON and spoken). Finished timers
    are announced while it runs."""
    import dataclasses
    import threading

    if input_file is not None:
        from voice.pipeline import Replay

        _listen(Mode.assistant, Replay(input_file), speak, "silero", home, state, decoder)
        return
    helper = _assistant(home, state)
    speaker, play = _speaker("es", speak)

    def say(message: str) -> None:
        print(json.dumps({"announcement": message}, ensure_ascii=False), flush=True)
        if speaker:
            play(speaker.render(message))

    stop = threading.Event()
    announcer = threading.Thread(target=_announce, args=(helper, say, stop), daemon=True)
    announcer.start()
    try:
        for line in sys.stdin:
            reply = helper.handle(line.strip())
            print(json.dumps(dataclasses.asdict(reply), ensure_ascii=False), flush=True)
            if speaker:
                play(speaker.render(reply.reply))
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        announcer.join()


@app.command()
def listen(
    mode: Annotated[Mode, typer.Option(help="What to do with each utterance.")] = Mode.translate,
    input_file: Annotated[Path | None, typer.Option(
        "--input", help="Play this recording in at real-time pace instead of the microphone.")
    ] = None,
    speak: Annotated[bool, typer.Option(help="Say the English (or the reply) out loud.")] = True,
    vad: Annotated[str, typer.Option(help="Voice activity detector: silero or webrtc.")] =
        "silero",
    device: Annotated[str | None, typer.Option(help="Input device (python -m sounddevice).")] =
        None,
    home: Annotated[Path | None, typer.Option(help="assistant: your home file.")] = None,
    state: Annotated[Path | None, typer.Option(help="assistant: state database.")] = None,
    decoder: DecoderOption = Decoder.greedy,
) -> None:
    """Live: microphone (or --input) -> Spanish text -> English text and speech, or an action
    and its spoken reply. One JSON line per utterance on stdout, partial text on stderr;
    Ctrl-C stops."""
    from voice.pipeline import Microphone, Replay

    source = Replay(input_file) if input_file else Microphone(
        int(device) if device and device.isdigit() else device)
    _listen(mode, source, speak, vad, home, state, decoder)


def _listen(mode: Mode, source, speak: bool, vad: str, home: Path | None,
            state: Path | None, decoder: Decoder) -> None:
    """The live pipeline for `voice listen` and `voice assistant --input`."""
    import threading

    from voice.asr.recognizer import Recognizer
    from voice.endpoint import EndpointConfig
    from voice.pipeline import LiveConfig, LivePipeline, translating

    if vad not in ("silero", "webrtc"):
        raise VoiceError(f"--vad {vad}: use silero or webrtc")
    config = LiveConfig(endpoint=EndpointConfig(vad=vad))
    respond, speaker, play, helper = None, None, None, None
    if mode is Mode.translate:
        from voice.mt.translator import Translator

        respond = translating(Translator.load(), config.beam)
        speaker, play = _speaker("en", speak)
    elif mode is Mode.assistant:
        import dataclasses

        helper = _assistant(home, state)

        def respond(utterance):
            reply = helper.handle(utterance.es)
            utterance.intent = {k: v for k, v in dataclasses.asdict(reply).items()
                                if k in ("intent", "slots", "confidence", "ok")}
            utterance.reply = reply.reply
            return reply.reply

        speaker, play = _speaker("es", speak)
    live = sys.stderr.isatty()

    def partial(text: str) -> None:
        if live:
            print(f"\r\x1b[K… {text[-100:]}", end="", file=sys.stderr, flush=True)

    def result(utterance) -> None:
        if live:
            print("\r\x1b[K", end="", file=sys.stderr)
        print(json.dumps(utterance.to_dict(), ensure_ascii=False), flush=True)

    pipeline = LivePipeline(Recognizer.load(None, decoder.value), config, respond, speaker, play,
                            partial, result)
    stop = threading.Event()
    announcer = None
    if helper is not None:
        def announce(message: str) -> None:
            print(json.dumps({"announcement": message}, ensure_ascii=False), flush=True)
            pipeline.say(message)

        announcer = threading.Thread(target=_announce, args=(helper, announce, stop),
                                     daemon=True)
        announcer.start()
    try:
        stats = pipeline.run(source)
    except KeyboardInterrupt:  # the pipeline has stopped; queued utterances go unanswered
        if pipeline.errors:
            raise pipeline.errors[0] from None
        stats = pipeline.stats
    finally:
        stop.set()
        if announcer is not None:
            announcer.join()
    log("voice: " + json.dumps(stats.summary()))
